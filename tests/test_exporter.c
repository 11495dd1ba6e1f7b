/*
 * test_exporter.c - the Prometheus exporter: the OpenMetrics leaf on plain
 * values (labels, escaping, both formats, a buffer too small), and the
 * exporter against the simulated powercap tree (tests/meter_fixture.h) whose
 * counters wrap several times: cumulative counters that never go down and
 * match the simulated joules, power gauges, the queue of a SQLite store, and
 * GET /metrics over a real loopback socket (content negotiation, 404, bad
 * addresses).  Prometheus itself and the soak run in tests/exporter/.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "meter_fixture.h"
#include <wattnet/exporter.h>

static struct mf_rapl sim;
static char buf[65536];

static void isolate(void)
{
    setenv("WATTNET_PERF_ROOT", "/nonexistent", 1);
    setenv("WATTNET_NVML_LIB", "/nonexistent/libnvidia-ml.so.1", 1);
    setenv("WATTNET_IPMI_CMD", "/nonexistent/ipmitool", 1);
    setenv("WATTNET_IDLE_FILE", "/nonexistent/idle.json", 1);
    unsetenv("WATTNET_REDFISH_URL");
}

/* The value of the first sample line starting with PREFIX, or NAN. */
static double sample(const char *text, const char *prefix)
{
    const char *p = text;
    size_t n = strlen(prefix);
    while (p && *p) {
        if (strncmp(p, prefix, n) == 0) {
            const char *v = strchr(p + n, ' ');
            return v ? strtod(v + 1, NULL) : NAN;
        }
        p = strchr(p, '\n');
        p = p ? p + 1 : NULL;
    }
    return NAN;
}

/* ---- the leaf ---------------------------------------------------------- */

static void fill(wn_om_snapshot *s)
{
    memset(s, 0, sizeof *s);
    s->n_domains = 2;
    snprintf(s->domains[0].source, 16, "rapl");
    snprintf(s->domains[0].domain, 48, "package-0");
    s->domains[0].energy_j = 123.5;
    s->domains[0].has_power = 1;
    s->domains[0].power_w = 50.25;
    s->domains[0].in_total = 1;
    snprintf(s->domains[1].source, 16, "estimate");
    snprintf(s->domains[1].domain, 48, "we\"ird\\na\nme");
    s->domains[1].energy_j = 7.0;
    s->domains[1].estimate = 1;
    s->n_meters = 1;
    snprintf(s->meters[0].source, 16, "rapl");
    s->meters[0].up = 1;
}

static void test_format_text(void **state)
{
    (void)state;
    wn_om_snapshot s;
    size_t n = 0;
    fill(&s);
    assert_int_equal(wn_om_format(&s, 0, buf, sizeof buf, &n), WN_OK);
    assert_int_equal(n, strlen(buf));
    assert_non_null(strstr(buf, "# TYPE wattnet_energy_joules_total counter\n"));
    assert_true(fabs(sample(buf, "wattnet_energy_joules_total{source=\"rapl\","
                            "domain=\"package-0\",estimate=\"false\","
                            "in_total=\"true\"}") - 123.5) < 1e-12);
    assert_non_null(strstr(buf, "domain=\"we\\\"ird\\\\na\\nme\",estimate=\"true\""));
    assert_true(fabs(sample(buf, "wattnet_power_watts{source=\"rapl\"") - 50.25) < 1e-12);
    /* no power gauge for a domain without one */
    assert_null(strstr(buf, "wattnet_power_watts{source=\"estimate\""));
    assert_non_null(strstr(buf, "wattnet_meter_up{source=\"rapl\",estimate=\"false\"} 1\n"));
    assert_null(strstr(buf, "# EOF"));
    assert_null(strstr(buf, "# UNIT"));
    assert_null(strstr(buf, "wattnet_queue_jobs"));
}

static void test_format_openmetrics_and_store(void **state)
{
    (void)state;
    wn_om_snapshot s;
    size_t n = 0;
    fill(&s);
    s.has_store = 1;
    s.store_up = 1;
    s.jobs_queued = 3;
    s.jobs_done = 2;
    s.has_rate = 1;
    s.runs_per_hour = 42.5;
    assert_int_equal(wn_om_format(&s, 1, buf, sizeof buf, &n), WN_OK);
    assert_non_null(strstr(buf, "# TYPE wattnet_energy_joules counter\n"
                                "# UNIT wattnet_energy_joules joules\n"));
    assert_true(n > 6 && strcmp(buf + n - 6, "# EOF\n") == 0);
    assert_int_equal((int)sample(buf, "wattnet_queue_jobs{state=\"queued\"}"), 3);
    assert_int_equal((int)sample(buf, "wattnet_queue_jobs{state=\"done\"}"), 2);
    assert_true(fabs(sample(buf, "wattnet_runs_per_hour") - 42.5) < 1e-12);
    s.store_up = 0;
    assert_int_equal(wn_om_format(&s, 1, buf, sizeof buf, &n), WN_OK);
    assert_non_null(strstr(buf, "wattnet_store_up 0\n"));
    assert_null(strstr(buf, "wattnet_queue_jobs"));
}

static void test_format_errors(void **state)
{
    (void)state;
    wn_om_snapshot s;
    size_t n = 99;
    char small[200];
    fill(&s);
    assert_int_equal(wn_om_format(&s, 0, small, sizeof small, &n), WN_ENOMEM);
    assert_int_equal(n, 0);
    assert_string_equal(small, "");
    assert_int_equal(wn_om_format(NULL, 0, buf, sizeof buf, &n), WN_EINVAL);
    s.n_domains = WN_MAX_DOMAINS + 1;
    assert_int_equal(wn_om_format(&s, 0, buf, sizeof buf, &n), WN_EINVAL);
}

/* ---- the exporter on the simulated tree -------------------------------- */

#define SHORTEST_WINDOW_S 0.05     /* exporter.c's MIN_WINDOW_S */

static void test_counters_follow_wrapping_tree(void **state)
{
    (void)state;
    isolate();
    mf_rapl_standard(&sim);          /* 40 J range at 50 W: wraps every 0.8 s */
    mf_rapl_start(&sim);
    wn_exporter_opts o;
    wn_exporter_opts_default(&o);
    o.listen = "";
    o.source = "rapl";
    o.refresh_ms = 100;
    wn_exporter *x = NULL;
    assert_int_equal(wn_exporter_open(&o, &x), WN_OK);
    double t0 = mf_now(), prev = 0.0;
    const char *pk = "wattnet_energy_joules_total{source=\"rapl\","
                     "domain=\"package-0\"";
    size_t n;
    for (int i = 0; i < 12; i++) {
        mf_sleep(0.25);
        assert_int_equal(wn_exporter_scrape(x, 1, buf, sizeof buf, &n), WN_OK);
        double j = sample(buf, pk);
        assert_false(isnan(j));
        assert_true(j >= prev);              /* monotonic across wraps */
        prev = j;
    }
    assert_int_equal(wn_exporter_refresh(x), WN_OK);
    double elapsed = mf_now() - t0;
    assert_int_equal(wn_exporter_scrape(x, 0, buf, sizeof buf, &n), WN_OK);
    double j = sample(buf, pk);
    /* three wraps at least, and the joules of the whole time */
    assert_true(elapsed > 2.4);
    assert_true(fabs(j - 50.0 * elapsed) < mf_tol(&sim, 50.0, elapsed, 0.02) +
                50.0 * 0.11);   /* the window opened at open, up to 0.1 s early */
    /* The gauge is the last window's joules over its seconds; that window
     * may be as short as the exporter's 0.05 s minimum, so the simulator's
     * lag at its two edges (mf_tol) is divided by 0.05 s, not by 2.4 s. */
    assert_true(fabs(sample(buf, "wattnet_power_watts{source=\"rapl\","
                            "domain=\"package-0\"") - 50.0) <
                mf_tol(&sim, 50.0, SHORTEST_WINDOW_S, 0.02) /
                    SHORTEST_WINDOW_S);
    assert_non_null(strstr(buf, "wattnet_meter_up{source=\"rapl\",estimate=\"false\"} 1\n"));
    assert_int_equal(wn_exporter_scrapes(x), 0);
    wn_exporter_close(&x);
    assert_null(x);
    wn_exporter_close(&x);
    mf_rapl_free(&sim);
}

static void test_estimate_is_labelled(void **state)
{
    (void)state;
    isolate();
    wn_exporter_opts o;
    wn_exporter_opts_default(&o);
    o.listen = "";
    o.source = "estimate";
    o.refresh_ms = 100;
    wn_exporter *x = NULL;
    size_t n;
    assert_int_equal(wn_exporter_open(&o, &x), WN_OK);
    mf_sleep(0.3);
    assert_int_equal(wn_exporter_refresh(x), WN_OK);
    assert_int_equal(wn_exporter_scrape(x, 0, buf, sizeof buf, &n), WN_OK);
    assert_non_null(strstr(buf, "source=\"estimate\""));
    assert_null(strstr(buf, "estimate=\"false\""));
    wn_exporter_close(&x);
}

static void enqueue(const char *db)
{
    wn_store *s = NULL;
    wn_job jobs[3];
    memset(jobs, 0, sizeof jobs);
    for (size_t i = 0; i < 3; i++) {
        snprintf(jobs[i].spec.dataset, sizeof jobs[i].spec.dataset, "synthetic:banana");
        snprintf(jobs[i].spec.train.shape, sizeof jobs[i].spec.train.shape, "rectangle");
        jobs[i].spec.train.depth = 2;
        jobs[i].spec.train.size = 64;
        jobs[i].spec.train.epochs = 1;
        jobs[i].spec.train.batch = 256;
        jobs[i].spec.train.learning_rate = 1e-4;
        jobs[i].spec.train.seed = 7;
    }
    assert_int_equal(wn_store_open(db, &s), WN_OK);
    assert_int_equal(wn_store_sweep_add(s, "t", "{}", 7, jobs, 3, NULL), WN_OK);
    wn_job j;
    assert_int_equal(wn_store_job_claim(s, "w1", 60.0, 3, &j), WN_OK);
    wn_store_close(&s);
}

/* A minimal HTTP/1.0 GET on 127.0.0.1:port into buf; the status code. */
static int http_get(unsigned port, const char *path, const char *accept)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof sa), 0);
    char req[256];
    int n = snprintf(req, sizeof req, "GET %s HTTP/1.0\r\nAccept: %s\r\n\r\n",
                     path, accept);
    assert_int_equal(write(fd, req, (size_t)n), n);
    size_t got = 0;
    ssize_t r;
    while ((r = read(fd, buf + got, sizeof buf - 1 - got)) > 0)
        got += (size_t)r;
    buf[got] = '\0';
    close(fd);
    int code = 0;
    sscanf(buf, "HTTP/1.%*d %d", &code);
    return code;
}

static void test_http_and_store(void **state)
{
    (void)state;
    char dir[256], db[400];
    isolate();
    mf_tmpdir(dir, sizeof dir, "exporter");
    snprintf(db, sizeof db, "%s/q.db", dir);
    enqueue(db);
    mf_rapl_bigrange(&sim);
    mf_rapl_start(&sim);
    wn_exporter_opts o;
    wn_exporter_opts_default(&o);
    o.listen = "127.0.0.1:0";
    o.db_url = db;
    o.refresh_ms = 100;
    wn_exporter *x = NULL;
    assert_int_equal(wn_exporter_open(&o, &x), WN_OK);
    unsigned port = wn_exporter_port(x);
    assert_true(port > 0);
    char want[64];
    snprintf(want, sizeof want, "http://127.0.0.1:%u/metrics", port);
    assert_string_equal(wn_exporter_url(x), want);
    mf_sleep(0.3);
    assert_int_equal(http_get(port, "/metrics", "*/*"), 200);
    assert_non_null(strstr(buf, "text/plain; version=0.0.4"));
    assert_non_null(strstr(buf, "wattnet_meter_up{source=\"rapl\",estimate=\"false\"} 1\n"));
    assert_int_equal((int)sample(strstr(buf, "\r\n\r\n") + 4,
                                 "wattnet_queue_jobs{state=\"queued\"}"), 2);
    assert_int_equal((int)sample(strstr(buf, "\r\n\r\n") + 4,
                                 "wattnet_queue_jobs{state=\"running\"}"), 1);
    assert_non_null(strstr(buf, "wattnet_store_up 1\n"));
    assert_int_equal(http_get(port, "/metrics", "application/openmetrics-text;"
                              "version=1.0.0,text/plain;q=0.5"), 200);
    assert_non_null(strstr(buf, "application/openmetrics-text; version=1.0.0"));
    assert_non_null(strstr(buf, "# EOF\n"));
    assert_int_equal(http_get(port, "/nope", "*/*"), 404);
    assert_int_equal(wn_exporter_scrapes(x), 2);
    /* the same port twice cannot bind */
    wn_exporter *y = NULL;
    char busy[64];
    snprintf(busy, sizeof busy, "127.0.0.1:%u", port);
    o.listen = busy;
    o.db_url = NULL;
    assert_int_equal(wn_exporter_open(&o, &y), WN_ENET);
    assert_null(y);
    assert_non_null(strstr(wn_errmsg(), busy));
    wn_exporter_close(&x);
    mf_rapl_free(&sim);
    mf_rmdir(dir);
}

static void test_bad_addresses(void **state)
{
    (void)state;
    static const char *const bad[] = { "9464", "127.0.0.1:", ":9464",
                                       "127.0.0.1:http", "no.such.host.invalid:1",
                                       "[::1:9464", "127.0.0.1:99999",
                                       "127.0.0.1:65536" };
    isolate();
    wn_exporter_opts o;
    wn_exporter_opts_default(&o);
    o.source = "estimate";
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        wn_exporter *x = NULL;
        o.listen = bad[i];
        assert_int_equal(wn_exporter_open(&o, &x), WN_EINVAL);
        assert_null(x);
        assert_non_null(strstr(wn_errmsg(), bad[i]));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_format_text),
        cmocka_unit_test(test_format_openmetrics_and_store),
        cmocka_unit_test(test_format_errors),
        cmocka_unit_test(test_counters_follow_wrapping_tree),
        cmocka_unit_test(test_estimate_is_labelled),
        cmocka_unit_test(test_http_and_store),
        cmocka_unit_test(test_bad_addresses),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
