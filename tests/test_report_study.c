/*
 * test_report_study.c - the report's "this machine against BUTTER-E"
 * section: its table holds this data set's numbers with intervals and run
 * counts beside the study's, says "seconds" for time-only data, is part of
 * the full report, and renders in headless Chromium (skipped with a
 * message when chromium is absent).
 */
#include <stdarg.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <wattnet/wattnet.h>
#include <wattnet/study.h>

static size_t count(const char *s, const char *needle)
{
    size_t n = 0;
    for (const char *p = strstr(s, needle); p; p = strstr(p + 1, needle))
        n++;
    return n;
}

/* CPU and GPU runs over 3 datasets x depths 3-5 x 3 sizes x 3 repetitions,
 * J per datum = k0 + kp * params + kl * depth. */
static size_t planted(wn_study_run *v, int energy)
{
    static const size_t rows[] = { 2560, 5120, 10240 };
    const double params[] = { 1048576.0, 2097152.0, 4194304.0 };
    const double k0[2] = { 1e-4, 3e-3 }, kp[2] = { 2e-9, 1e-9 }, kl[2] = { 1e-4, 2e-5 };
    size_t n = 0;
    for (int g = 0; g < 2; g++)
        for (int ds = 0; ds < 3; ds++)
            for (size_t depth = 3; depth <= 5; depth++)
                for (int p = 0; p < 3; p++)
                    for (int rep = 0; rep < 3; rep++) {
                        wn_study_run *r = &v[n++];
                        memset(r, 0, sizeof *r);
                        r->run_id = (int64_t)n;
                        r->is_gpu = g;
                        snprintf(r->dataset, sizeof r->dataset, "d%d", ds);
                        snprintf(r->shape, sizeof r->shape, "rectangle");
                        snprintf(r->node_type, sizeof r->node_type, "t%d", g);
                        r->depth = depth;
                        r->size = r->params = (uint64_t)params[p];
                        r->batch = 256;
                        r->epochs = 10;
                        r->train_rows = rows[ds];
                        double j = k0[g] + kp[g] * params[p] + kl[g] * (double)depth;
                        double e = j * (double)rows[ds] * 10.0 * (1 + 0.01 * (rep - 1));
                        r->has_energy = energy;
                        r->energy_j = e;
                        r->seconds = energy ? 100.0 + rep : e;
                    }
    return n;
}

static char *section(int energy)
{
    static wn_study_run v[512];
    size_t n = planted(v, energy);
    wn_study_result r;
    char *html = NULL;
    assert_int_equal(wn_study_analyze(v, n, NULL, 0, NULL, &r), WN_OK);
    assert_int_equal(wn_report_study_html(&r, &html), WN_OK);
    wn_study_result_clear(&r);
    return html;
}

static void test_section_table(void **state)
{
    (void)state;
    char *html = section(1);
    assert_non_null(strstr(html, "This machine against BUTTER-E"));
    assert_non_null(strstr(html, "<table id=\"study-table\">"));
    /* header + 5 rows per device + crossover */
    assert_int_equal(count(html, "<tr>"), 1 + 2 * 5 + 1);
    assert_non_null(strstr(html, "<td>2e-09 J <small>[2e-09, 2e-09]</small></td>"
                                 "<td>81 (9 groups)</td><td>2.11e-09 J</td>"));
    assert_non_null(strstr(html, "<td>1e-09 J <small>[1e-09, 1e-09]</small></td>"
                                 "<td>81 (9 groups)</td><td>1.49e-09 J</td>"));
    assert_non_null(strstr(html, "<td>0.0062 J</td>"));
    assert_non_null(strstr(html, "<td>0.0095 J</td>"));
    assert_non_null(strstr(html, "<td>2<sup>22</sup></td>"));
    assert_null(strstr(html, "time equivalents"));
    wn_free(html);
    html = section(0);
    assert_non_null(strstr(html, "time equivalents in seconds"));
    assert_non_null(strstr(html, "<td>2e-09 s <small>"));
    wn_free(html);
}

static void test_in_full_report(void **state)
{
    (void)state;
    wn_run_record runs[4];
    memset(runs, 0, sizeof runs);
    for (int i = 0; i < 4; i++) {
        wn_run_spec_default(&runs[i].spec);
        snprintf(runs[i].host, sizeof runs[i].host, "h");
        snprintf(runs[i].dataset_name, sizeof runs[i].dataset_name, "banana");
        runs[i].spec.train.size = 1024u << i;
        runs[i].summary.params = runs[i].spec.train.size;
        runs[i].start_time = 1000;
        runs[i].end_time = 1010 + i;
    }
    wn_host host;
    assert_int_equal(wn_host_detect(&host), WN_OK);
    wn_report_opts o;
    memset(&o, 0, sizeof o);
    o.host = &host;
    char *html = NULL;
    assert_int_equal(wn_report_html(runs, 4, &o, &html), WN_OK);
    assert_non_null(strstr(html, "<h2 id=\"study\">6. This machine against BUTTER-E"));
    assert_non_null(strstr(html, "time equivalents in seconds"));
    wn_free(html);
}

static const char *find_chromium(void)
{
    static const char *cands[] = {"/usr/bin/chromium", "/usr/bin/chromium-browser",
                                  "/usr/bin/google-chrome", NULL};
    for (int i = 0; cands[i]; i++)
        if (access(cands[i], X_OK) == 0)
            return cands[i];
    return NULL;
}

static void test_renders_in_headless_chromium(void **state)
{
    (void)state;
    const char *chrome = find_chromium();
    if (!chrome) {
        printf("SKIP: chromium not installed (scripts/deps.sh installs it)\n");
        skip();
    }
    char path[300], dom[300], err[300], profile[] = "/tmp/wn_chrome_XXXXXX";
    char cmd[2048];
    snprintf(path, sizeof path, "%s/test_report_study.html", WN_BINARY_DIR);
    snprintf(dom, sizeof dom, "%s/test_report_study.dom", WN_BINARY_DIR);
    snprintf(err, sizeof err, "%s/test_report_study.err", WN_BINARY_DIR);
    char *html = section(1);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fprintf(f, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
               "<title>study</title></head><body>\n%s</body></html>\n", html);
    fclose(f);
    wn_free(html);
    assert_non_null(mkdtemp(profile));
    snprintf(cmd, sizeof cmd,
             "timeout 60 '%s' --headless --no-sandbox --disable-gpu "
             "--disable-quic --no-first-run --disable-background-networking "
             "--disable-component-update --disable-sync --user-data-dir='%s' "
             "--dump-dom 'file://%s' > '%s' 2> '%s'; rc=$?; rm -rf '%s'; exit $rc",
             chrome, profile, path, dom, err, profile);
    int st = system(cmd);
    assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    f = fopen(dom, "rb");
    assert_non_null(f);
    static char d[1 << 16];
    size_t got = fread(d, 1, sizeof d - 1, f);
    d[got] = '\0';
    fclose(f);
    /* The browser parsed the table: its DOM has the rows and cells. */
    assert_non_null(strstr(d, "<table id=\"study-table\">"));
    assert_non_null(strstr(d, "<tbody><tr><th>device</th>"));   /* tbody: the parser's */
    assert_int_equal(count(d, "<tr>"), 12);
    assert_non_null(strstr(d, "2.11e-09 J"));
    assert_non_null(strstr(d, "This machine against BUTTER-E"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_section_table),
        cmocka_unit_test(test_in_full_report),
        cmocka_unit_test(test_renders_in_headless_chromium),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
