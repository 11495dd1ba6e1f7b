/*
 * test_meter_redfish.c - the Redfish source against a loopback HTTP server
 * run by this test (a thread on 127.0.0.1, ephemeral port): a 200 with
 * PowerControl readings (basic auth checked), a 401, a server that never
 * answers (timeout) and malformed JSON; credentials never appear in
 * messages.  Without libcurl the source must say it is not built in.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <sys/socket.h>
#include <cmocka.h>

#include <wattnet/wattnet.h>
#include "meter/meter_internal.h"
#include "meter_fixture.h"

void wn__redfish_redact(const char *url, char *out, size_t n);

enum mode { OK_200, DENY_401, HANG, BAD_JSON, PARTS };

static struct {
    int fd;
    int port;
    _Atomic int mode;
    atomic_int stop;
    atomic_int saw_auth;
    atomic_int requests;
    pthread_t thread;
} srv;

static const char *body_ok =
    "{\"@odata.id\":\"/redfish/v1/Chassis/1/Power\",\"PowerControl\":["
    "{\"MemberId\":\"0\",\"PowerConsumedWatts\":420.5},"
    "{\"MemberId\":\"1\",\"PowerConsumedWatts\":100}]}";

/* The BMC: the chassis reports null, the CPU and memory
 * sub-systems report watts. */
static const char *body_parts =
    "{\"PowerControl\":["
    "{\"MemberId\":\"0\",\"Name\":\"Chassis\",\"PowerConsumedWatts\":null},"
    "{\"MemberId\":\"1\",\"Name\":\"CPU Sub-system\","
    "\"PowerConsumedWatts\":95},"
    "{\"MemberId\":\"2\",\"Name\":\"Memory Sub-system\","
    "\"PowerConsumedWatts\":20}]}";

static void respond(int c, const char *status, const char *body)
{
    char buf[2048];
    int n = snprintf(buf, sizeof buf,
                     "HTTP/1.1 %s\r\nContent-Type: application/json\r\n"
                     "Content-Length: %zu\r\nConnection: close\r\n\r\n%s",
                     status, strlen(body), body);
    if (write(c, buf, (size_t)n) < 0)
        perror("write");
}

static void serve(int c)
{
    char req[4096];
    size_t len = 0;
    while (len < sizeof req - 1) {
        struct pollfd p = { .fd = c, .events = POLLIN };
        if (poll(&p, 1, 100) <= 0) {
            if (atomic_load(&srv.stop))
                return;
            continue;
        }
        ssize_t got = read(c, req + len, sizeof req - 1 - len);
        if (got <= 0)
            return;
        len += (size_t)got;
        req[len] = '\0';
        if (strstr(req, "\r\n\r\n"))
            break;
    }
    atomic_fetch_add(&srv.requests, 1);
    /* base64("admin:s3cret") */
    if (strstr(req, "Authorization: Basic YWRtaW46czNjcmV0"))
        atomic_store(&srv.saw_auth, 1);
    switch (atomic_load(&srv.mode)) {
    case OK_200: respond(c, "200 OK", body_ok); break;
    case PARTS: respond(c, "200 OK", body_parts); break;
    case DENY_401: respond(c, "401 Unauthorized", "{\"error\":{}}"); break;
    case BAD_JSON: respond(c, "200 OK", "{\"PowerControl\": [ {\"Power"); break;
    case HANG:
        /* Never answer: hold the connection until the client gives up. */
        for (;;) {
            struct pollfd p = { .fd = c, .events = POLLIN };
            if (atomic_load(&srv.stop))
                return;
            if (poll(&p, 1, 50) > 0 && read(c, req, sizeof req) <= 0)
                return;
        }
    }
}

static void *server_main(void *arg)
{
    (void)arg;
    while (!atomic_load(&srv.stop)) {
        struct pollfd p = { .fd = srv.fd, .events = POLLIN };
        if (poll(&p, 1, 50) <= 0)
            continue;
        int c = accept(srv.fd, NULL, NULL);
        if (c < 0)
            continue;
        serve(c);
        close(c);
    }
    return NULL;
}

static int setup(void **state)
{
    (void)state;
    struct sockaddr_in a;
    socklen_t alen = sizeof a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = 0;
    srv.fd = socket(AF_INET, SOCK_STREAM, 0);
    if (srv.fd < 0 || bind(srv.fd, (struct sockaddr *)&a, sizeof a) != 0 ||
        listen(srv.fd, 8) != 0 ||
        getsockname(srv.fd, (struct sockaddr *)&a, &alen) != 0)
        return -1;
    srv.port = ntohs(a.sin_port);
    atomic_store(&srv.stop, 0);
    if (pthread_create(&srv.thread, NULL, server_main, NULL) != 0)
        return -1;
    char url[128];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/redfish/v1/Chassis/1/Power",
             srv.port);
    setenv("WATTNET_REDFISH_URL", url, 1);
    setenv("WATTNET_REDFISH_USER", "admin", 1);
    setenv("WATTNET_REDFISH_PASSWORD", "s3cret", 1);
    setenv("NO_PROXY", "127.0.0.1,localhost", 1);
    setenv("no_proxy", "127.0.0.1,localhost", 1);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    atomic_store(&srv.stop, 1);
    pthread_join(srv.thread, NULL);
    close(srv.fd);
    return 0;
}

static int probe(unsigned timeout_ms, wn_meter_info *info)
{
    wn_meter_opts o;
    wn_meter_opts_default(&o);
    o.timeout_ms = timeout_ms;
    assert_int_equal(wn_meter_probe("redfish", &o, info), WN_OK);
    assert_null(strstr(info->reason, "s3cret"));
    return info->status;
}

#ifdef WN_HAVE_CURL
static void test_reading_200(void **state)
{
    (void)state;
    atomic_store(&srv.mode, OK_200);
    wn_meter_opts o;
    wn_meter_opts_default(&o);
    o.source = "redfish";
    o.idle_state = "/nonexistent/idle.json";
    wn_meter *m = NULL;
    assert_int_equal(wn_meter_open(&o, &m), WN_OK);
    assert_true(atomic_load(&srv.saw_auth));
    int w;
    wn_energy e;
    wn_meter_window_begin(m, &w);
    mf_sleep(0.3);
    wn_meter_window_end(m, w, &e);
    wn_meter_close(&m);
    assert_true(e.measured);
    assert_string_equal(e.source, "redfish");
    assert_int_equal(e.n_domains, 2);
    assert_string_equal(e.domains[0].name, "node");
    assert_int_equal(e.domains[0].in_total, 1);
    assert_int_equal(e.domains[1].in_total, 0);   /* never added */
    assert_true(fabs(e.energy_j - 420.5 * e.seconds) < 1e-6 * e.energy_j);
    wn_meter_info info;
    assert_int_equal(probe(2000, &info), WN_OK);
    assert_true(info.node_level);
}

/* The chassis reports null: no domain is the node, each keeps its
 * MemberId, none is added, and a window of them alone is no measurement. */
static void test_parts_are_not_the_node(void **state)
{
    (void)state;
    atomic_store(&srv.mode, PARTS);
    wn_meter *m = mf_open("redfish");
    wn_energy e;
    mf_window(m, 0.3, &e);
    wn_meter_close(&m);
    assert_int_equal(e.n_domains, 2);
    assert_string_equal(e.domains[0].name, "powercontrol-1");
    assert_string_equal(e.domains[1].name, "powercontrol-2");
    assert_int_equal(e.domains[0].in_total, 0);
    assert_int_equal(e.domains[1].in_total, 0);
    assert_true(fabs(e.domains[0].energy_j - 95.0 * e.seconds) <
                1e-6 * e.domains[0].energy_j);
    assert_true(fabs(e.domains[1].energy_j - 20.0 * e.seconds) <
                1e-6 * e.domains[1].energy_j);
    assert_false(e.measured);
    assert_string_equal(e.flag, "no-total");
    assert_false(wn_energy_usable(&e));
    wn_meter_info info;
    assert_int_equal(probe(2000, &info), WN_OK);
    assert_non_null(strstr(info.notes, "no node total"));
    for (size_t i = 0; i < info.n_domains; i++) {
        assert_string_not_equal(info.domains[i].name, "node");
        assert_int_equal(info.domains[i].in_total, 0);
    }
    atomic_store(&srv.mode, OK_200);
}

/* Auto mode with RAPL: a Redfish source without the node's total contains
 * nothing, so RAPL still counts and the parts are listed, not added. */
static void test_parts_leave_rapl_counted(void **state)
{
    (void)state;
    static struct mf_rapl r;
    mf_rapl_bigrange(&r);
    mf_rapl_start(&r);
    atomic_store(&srv.mode, PARTS);
    setenv("WATTNET_NVML_LIB", "/nonexistent/libnvidia-ml.so.1", 1);
    setenv("WATTNET_PERF_ROOT", "/nonexistent", 1);
    setenv("WATTNET_IPMI_CMD", "/nonexistent/ipmitool", 1);
    wn_meter *m = mf_open(NULL);
    assert_string_equal(wn_meter_source(m), "rapl");
    wn_energy e;
    mf_window(m, 0.3, &e);
    wn_meter_close(&m);
    assert_true(e.measured);
    int pk = mf_domain(&e, "package-0"), cpu = mf_domain(&e, "powercontrol-1");
    assert_true(pk >= 0 && cpu >= 0);
    assert_int_equal(mf_domain(&e, "node"), -1);
    assert_int_equal(e.domains[pk].in_total, 1);
    assert_int_equal(e.domains[cpu].in_total, 0);
    assert_true(fabs(e.energy_j - 55.0 * e.seconds) <
                mf_tol(&r, 55.0, e.seconds, 0.02));
    unsetenv("WATTNET_NVML_LIB");
    unsetenv("WATTNET_PERF_ROOT");
    unsetenv("WATTNET_IPMI_CMD");
    mf_rapl_free(&r);
    atomic_store(&srv.mode, OK_200);
}

static void test_401_timeout_malformed(void **state)
{
    (void)state;
    wn_meter_info info;
    atomic_store(&srv.mode, DENY_401);
    assert_int_equal(probe(2000, &info), WN_EPERM);
    assert_non_null(strstr(info.reason, "401"));
    assert_non_null(strstr(info.reason, "WATTNET_REDFISH_PASSWORD"));
    atomic_store(&srv.mode, HANG);
    double t0 = mf_now();
    assert_int_equal(probe(600, &info), WN_ETIMEOUT);
    assert_true(mf_now() - t0 < 2.0);
    atomic_store(&srv.mode, BAD_JSON);
    assert_int_equal(probe(2000, &info), WN_EFORMAT);
    assert_non_null(strstr(info.reason, "JSON"));
    /* Nothing listens: a network error, not a crash. */
    setenv("WATTNET_REDFISH_URL", "http://admin:s3cret@127.0.0.1:1/x", 1);
    int st = probe(1000, &info);
    assert_true(st == WN_ENET || st == WN_ETIMEOUT);
    assert_non_null(strstr(info.reason, "***@127.0.0.1"));
    char url[128];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/redfish/v1/Chassis/1/Power",
             srv.port);
    setenv("WATTNET_REDFISH_URL", url, 1);
}
#else
static void test_without_curl(void **state)
{
    (void)state;
    wn_meter_info info;
    assert_int_equal(probe(1000, &info), WN_EUNSUPPORTED);
    assert_non_null(strstr(info.reason, "libcurl"));
}
#endif

static void test_parse_and_redact(void **state)
{
    (void)state;
    struct wn__redfish_entry w[4];
    size_t n;
    assert_int_equal(wn__redfish_parse(body_ok, w, 4, &n), WN_OK);
    assert_int_equal(n, 2);
    assert_true(w[0].has_watts && w[0].watts == 420.5);
    assert_true(w[1].has_watts && w[1].watts == 100.0);
    /* The BMC's numbering is kept: a null entry is still entry 0. */
    assert_int_equal(wn__redfish_parse(body_parts, w, 4, &n), WN_OK);
    assert_int_equal(n, 3);
    assert_false(w[0].has_watts);
    assert_string_equal(w[1].id, "1");
    assert_true(w[1].watts == 95.0 && w[2].watts == 20.0);
    assert_int_equal(wn__redfish_parse("{\"PowerControl\":[{\"MemberId\":"
                                       "\"CPU 1\",\"PowerConsumedWatts\":"
                                       "5},{\"PowerConsumedWatts\":-1}]}",
                                       w, 4, &n), WN_OK);
    assert_string_equal(w[0].id, "CPU_1");
    assert_string_equal(w[1].id, "1");
    assert_false(w[1].has_watts);
    assert_int_equal(wn__redfish_parse("{\"PowerControl\":[{}]}", w, 4, &n),
                     WN_EFORMAT);
    assert_int_equal(wn__redfish_parse("{}", w, 4, &n), WN_EFORMAT);
    assert_int_equal(wn__redfish_parse("nope", w, 4, &n), WN_EFORMAT);
    char out[128];
    wn__redfish_redact("https://u:p@bmc/x", out, sizeof out);
    assert_string_equal(out, "https://***@bmc/x");
    wn__redfish_redact("https://bmc/a@b", out, sizeof out);
    assert_string_equal(out, "https://bmc/a@b");
    unsetenv("WATTNET_REDFISH_URL");
    wn_meter_info info;
    assert_int_equal(wn_meter_probe("redfish", NULL, &info), WN_OK);
    assert_true(info.status == WN_EUNAVAILABLE ||
                info.status == WN_EUNSUPPORTED);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
#ifdef WN_HAVE_CURL
        cmocka_unit_test(test_reading_200),
        cmocka_unit_test(test_parts_are_not_the_node),
        cmocka_unit_test(test_parts_leave_rapl_counted),
        cmocka_unit_test(test_401_timeout_malformed),
#else
        cmocka_unit_test(test_without_curl),
#endif
        cmocka_unit_test(test_parse_and_redact),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
