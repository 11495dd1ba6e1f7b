/*
 * test_report.c - the HTML report: self-contained (no script, nothing
 * fetched), says time when there is no measured energy, draws every chart,
 * reads its sentences from the data, survives zero runs and allocation
 * failures, and renders in headless Chromium (dump-dom has the SVGs, the
 * screenshot is written) - skipped with a message when chromium is absent.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "cli_fixture.h"

#include <wattnet/wattnet.h>
#include <wattnet/model.h>
#include <wattnet/report.h>

#include "model/fit.h"
#include "model/synth.h"
#include "model_fixture.h"

/* Nothing that would load from anywhere: no script, no external refs. */
static void assert_self_contained(const char *html)
{
    assert_int_equal(count(html, "<script"), 0);
    assert_int_equal(count(html, "src="), 0);
    assert_int_equal(count(html, "href="), 0);
    assert_int_equal(count(html, "@import"), 0);
    assert_int_equal(count(html, "url("), 0);
    assert_int_equal(count(html, "<link"), 0);
    /* the only http: is the SVG namespace */
    assert_int_equal(count(html, "http"), count(html, "http://www.w3.org/2000/svg"));
}

static char *make_report(int energy, wn_run_record **runs_out, size_t *n_out)
{
    wn_hw_profile hw = test_profile();
    double wt[11] = {1e-10, 2e-10, 4e-10, 8e-10, 0, 1e-11, 0, 2e-10,
                     3e-4, 5e-5, 1e-7};
    wn_synth_opts so = {.seed = 2, .noise_sigma = 0.05, .energy = energy,
                        .kind = WN_MODEL_WATTNET, .coefs = wt};
    wn_run_record *runs = NULL;
    size_t n = 0;
    assert_int_equal(wn__synth_runs(&hw, &so, &runs, &n), WN_OK);
    wn_host host;
    assert_int_equal(wn_host_detect(&host), WN_OK);
    /* the report never fits: the glue step supplies the model */
    wn_model m;
    int have = 0;
    assert_int_equal(wn_model_fit_if_none(NULL, runs, n, &hw, &m, &have,
                                          NULL, 0), WN_OK);
    assert_true(have);
    wn_report_opts o;
    memset(&o, 0, sizeof o);
    o.hw = &hw;
    o.host = &host;
    o.model = &m;
    o.source = "synthetic test runs";
    char *html = NULL;
    assert_int_equal(wn_report_html(runs, n, &o, &html), WN_OK);
    *runs_out = runs;
    *n_out = n;
    return html;
}

static void test_time_report(void **state)
{
    (void)state;
    wn_run_record *runs;
    size_t n;
    char *html = make_report(0, &runs, &n);
    assert_self_contained(html);
    /* 1 + 1 + 4 models + 1 to-loss = 7 charts; no power samples */
    /* (plus one per dataset in "Cost to reach test loss": test_report_advise) */
    size_t adv = count(html, "<h2>Cost to reach test loss ");
    assert_int_equal(count(html, "<svg"), 7 + adv);
    assert_int_equal(count(html, "</svg>"), 7 + adv);
    assert_non_null(strstr(html, "shows <b>time</b>"));
    assert_non_null(strstr(html, "No power samples were stored"));
    assert_non_null(strstr(html, "seconds per training datum"));
    assert_null(strstr(html, "J/datum"));
    /* cache boundaries drawn, legend present, readings computed */
    assert_non_null(strstr(html, "L2 1 MiB"));
    assert_non_null(strstr(html, "legend"));
    assert_non_null(strstr(html, "y = x"));
    assert_true(count(html, "class=\"reading\"") >= 7);
    assert_non_null(strstr(html, "only fits in"));
    for (int k = 0; k < WN_MODEL_COUNT; k++)
        assert_non_null(strstr(html, wn_model_kind_name(k)));
    char path[300];
    snprintf(path, sizeof path, "%s/test_report_time.html", WN_BINARY_DIR);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(html, f);
    fclose(f);
    wn_free(html);
    wn__synth_free(&runs, n);
}

static void test_energy_report_and_reading_follows_data(void **state)
{
    (void)state;
    wn_run_record *runs;
    size_t n;
    char *html = make_report(1, &runs, &n);
    assert_self_contained(html);
    assert_null(strstr(html, "shows <b>time</b>"));
    assert_non_null(strstr(html, "ENERGY"));
    assert_non_null(strstr(html, "FLOPs per joule"));
    /* measured per-epoch energy: a per-epoch power trace */
    assert_non_null(strstr(html, "Per-epoch average power"));
    assert_int_equal(count(html, "<svg"),
                     8 + count(html, "<h2>Cost to reach test loss "));
    char path[300];
    snprintf(path, sizeof path, "%s/test_report_energy.html", WN_BINARY_DIR);
    wn_hw_profile hw = test_profile();
    wn_report_opts o;
    memset(&o, 0, sizeof o);
    o.hw = &hw;
    assert_int_equal(wn_report_write(runs, n, &o, path), WN_OK);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_true(st.st_size > 10000);

    /* the reading is computed: scale every target by 10 and it changes */
    char *first = strstr(html, "Across ");
    assert_non_null(first);
    char before[200];
    snprintf(before, sizeof before, "%.150s", first);
    for (size_t i = 0; i < n; i++)
        runs[i].joules_per_datum *= 10.0;
    char *html2 = NULL;
    assert_int_equal(wn_report_html(runs, n, &o, &html2), WN_OK);
    char *second = strstr(html2, "Across ");
    assert_non_null(second);
    assert_memory_not_equal(before, second, strlen(before));
    wn_free(html2);
    wn_free(html);
    wn__synth_free(&runs, n);
}

static void test_zero_runs_and_errors(void **state)
{
    (void)state;
    wn_hw_profile hw = test_profile();
    wn_report_opts o;
    memset(&o, 0, sizeof o);
    o.hw = &hw;
    char *html = NULL;
    assert_int_equal(wn_report_html(NULL, 0, &o, &html), WN_OK);
    assert_non_null(strstr(html, "holds no runs"));
    assert_non_null(strstr(html, "no data to draw"));
    assert_self_contained(html);
    wn_free(html);
    memset(&o, 0, sizeof o);
    assert_int_equal(wn_report_html(NULL, 0, &o, &html), WN_EINVAL);
    assert_int_equal(wn_report_html(NULL, 0, NULL, &html), WN_EINVAL);
    o.hw = &hw;
    assert_int_equal(wn_report_write(NULL, 0, &o, "/nonexistent/dir/r.html"),
                     WN_ENOENT);
}

static void test_report_allocation_failures(void **state)
{
    (void)state;
    wn_hw_profile hw = test_profile();
    double flops[1] = {3e-10};
    wn_synth_opts so = {.seed = 1, .noise_sigma = 0.05, .energy = 1,
                        .kind = WN_MODEL_FLOPS, .coefs = flops, .n_sizes = 2};
    wn_run_record *runs = NULL;
    size_t n = 0;
    assert_int_equal(wn__synth_runs(&hw, &so, &runs, &n), WN_OK);
    wn_report_opts o;
    memset(&o, 0, sizeof o);
    o.hw = &hw;
    int ok_seen = 0;
    for (long after = 0; after < 5000 && !ok_seen; after += 3) {
        char *html = NULL;
        wn_fault_alloc(after, 1);
        int rc = wn_report_html(runs, n, &o, &html);
        long hits = wn_fault_alloc(-1, 0);
        if (hits == 0) {
            assert_int_equal(rc, WN_OK);
            ok_seen = 1;
        } else if (rc != WN_OK) {
            assert_int_equal(rc, WN_ENOMEM);
            assert_null(html);
        }
        wn_free(html);
    }
    assert_true(ok_seen);
    wn__synth_free(&runs, n);
}

/* ---- headless Chromium ---------------------------------------------------------- */

static const char *find_chromium(void)
{
    static const char *cands[] = {"/usr/bin/chromium", "/usr/bin/chromium-browser",
                                  "/usr/bin/google-chrome", NULL};
    for (int i = 0; cands[i]; i++)
        if (access(cands[i], X_OK) == 0)
            return cands[i];
    return NULL;
}

static int run_chromium(const char *chrome, const char *mode_arg,
                        const char *html, const char *out, const char *err)
{
    char profile[] = "/tmp/wn_chrome_XXXXXX";
    if (mkdtemp(profile) == NULL)
        return -1;
    char cmd[2048];
    snprintf(cmd, sizeof cmd,
             "timeout 60 '%s' --headless --no-sandbox --disable-gpu "
             "--disable-quic --no-first-run --disable-background-networking "
             "--disable-component-update --disable-sync "
             "--user-data-dir='%s' --window-size=1000,3000 %s 'file://%s' "
             "> '%s' 2> '%s'; rc=$?; rm -rf '%s'; exit $rc", chrome, profile,
             mode_arg, html, out, err, profile);
    int st = system(cmd);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void test_renders_in_headless_chromium(void **state)
{
    (void)state;
    const char *chrome = find_chromium();
    if (chrome == NULL) {
        printf("SKIP: chromium not installed (scripts/deps.sh installs it)\n");
        skip();
    }
    wn_run_record *runs;
    size_t n;
    char *html = make_report(0, &runs, &n);
    char path[300], dom[300], err[300], png[300], arg[400];
    snprintf(path, sizeof path, "%s/test_report_render.html", WN_BINARY_DIR);
    snprintf(dom, sizeof dom, "%s/test_report_render.dom", WN_BINARY_DIR);
    snprintf(err, sizeof err, "%s/test_report_render.err", WN_BINARY_DIR);
    snprintf(png, sizeof png, "%s/test_report_render.png", WN_BINARY_DIR);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(html, f);
    fclose(f);
    wn_free(html);
    wn__synth_free(&runs, n);

    assert_int_equal(run_chromium(chrome, "--dump-dom", path, dom, err), 0);
    char *d = fx_slurp(dom);
    assert_non_null(d);
    assert_int_equal(count(d, "<svg"), 7 + count(d, "<h2>Cost to reach test loss "));
    assert_true(count(d, "<circle") > 100);
    assert_non_null(strstr(d, "wattnet report"));
    char *e = fx_slurp(err);
    if (e != NULL) {
        /* Chromium's own chatter (dbus, GPU) is not ours; a page error
         * would name the file or say "Uncaught". */
        assert_null(strstr(e, "Uncaught"));
        assert_null(strstr(e, "test_report_render.html"));
    }
    free(e);
    free(d);

    remove(png);
    snprintf(arg, sizeof arg, "--screenshot='%s'", png);
    assert_int_equal(run_chromium(chrome, arg, path, dom, err), 0);
    struct stat st;
    assert_int_equal(stat(png, &st), 0);
    assert_true(st.st_size > 10000);
    printf("screenshot: %s (%lld bytes)\n", png, (long long)st.st_size);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_time_report),
        cmocka_unit_test(test_energy_report_and_reading_follows_data),
        cmocka_unit_test(test_zero_runs_and_errors),
        cmocka_unit_test(test_report_allocation_failures),
        cmocka_unit_test(test_renders_in_headless_chromium),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
