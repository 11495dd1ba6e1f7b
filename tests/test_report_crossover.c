/*
 * test_report_crossover.c - the report's CPU/GPU crossover section, on
 * planted runs: the same grid once on the CPU and once on "cuda:0", with
 * costs per datum planted so that the curves cross at a known working set
 * X0 (CPU cost ~ ws, GPU cost ~ sqrt(ws), equal at X0).  Both measured:
 * joules, the crossing found near X0 and marked.  CPU runs time-only: the
 * section says so and compares seconds, never joules.  GPU cheaper
 * everywhere: "no crossing".  No GPU run: no section.  Renders in headless
 * Chromium (skipped with a message when chromium is absent).  Simulated:
 * every run (no GPU trained anything).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include <wattnet/wattnet.h>
#include <wattnet/model.h>
#include <wattnet/report.h>

#include "model/synth.h"
#include "model_fixture.h"

/* ---- planted runs ---------------------------------------------------------------- */

static double data_of(const wn_run_record *r)
{
    return (double)r->summary.batches_per_epoch * (double)r->summary.epochs *
           (double)r->spec.train.batch;
}

/* Set run R's cost per datum to Y: as time (every epoch) and, when
 * SOURCE is not NULL, as measured energy from SOURCE. */
static void plant(wn_run_record *r, double y, const char *source)
{
    double per_epoch = y * (double)r->summary.batches_per_epoch *
                       (double)r->spec.train.batch;
    for (size_t e = 0; e < r->n_epochs; e++) {
        r->epochs[e].stats.seconds = per_epoch;
        memset(&r->epochs[e].energy, 0, sizeof r->epochs[e].energy);
    }
    r->summary.seconds_per_epoch_median = per_epoch;
    wn_energy en;
    memset(&en, 0, sizeof en);
    if (source) {
        en.measured = 1;
        en.seconds = per_epoch * (double)r->summary.epochs;
        en.energy_j = y * data_of(r);
        snprintf(en.source, sizeof en.source, "%s", source);
    }
    wn_run_set_energy(r, &en);
}

/* 2n runs: [0, n) on the CPU, [n, 2n) on cuda:0; *x0 the median working
 * set.  cpu_src / gpu_src: energy sources (NULL: time-only). */
static wn_run_record *make_runs(size_t *n2, double *x0, const char *cpu_src,
                                const char *gpu_src, double gpu_scale)
{
    wn_hw_profile hw = test_profile();
    wn_synth_opts so = {.seed = 5, .noise_sigma = 0.0, .energy = 0,
                        .kind = WN_MODEL_FLOPS, .n_sizes = 9};
    double coef[11] = {1e-10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    so.coefs = coef;
    wn_run_record *a = NULL, *b = NULL;
    size_t n = 0, nb = 0;
    assert_int_equal(wn__synth_runs(&hw, &so, &a, &n), WN_OK);
    assert_int_equal(wn__synth_runs(&hw, &so, &b, &nb), WN_OK);
    assert_int_equal(n, nb);
    wn_run_record *all = wn_calloc(2 * n, sizeof *all);
    assert_non_null(all);
    memcpy(all, a, n * sizeof *a);
    memcpy(all + n, b, n * sizeof *b);
    wn_free(a);
    wn_free(b);
    double *ws = wn_calloc(n, sizeof *ws);
    assert_non_null(ws);
    for (size_t i = 0; i < n; i++) {
        wn_features f;
        assert_int_equal(wn_features_of_run(&all[i], &hw, &f), WN_OK);
        ws[i] = f.ws_step;
    }
    double *sorted = wn_calloc(n, sizeof *sorted);
    memcpy(sorted, ws, n * sizeof *ws);
    for (size_t i = 1; i < n; i++)
        for (size_t j = i; j > 0 && sorted[j - 1] > sorted[j]; j--) {
            double t = sorted[j];
            sorted[j] = sorted[j - 1];
            sorted[j - 1] = t;
        }
    *x0 = sorted[n / 2];
    for (size_t i = 0; i < n; i++) {
        double cpu = 1e-9 * ws[i];
        double gpu = gpu_scale * 1e-9 * *x0 * sqrt(ws[i] / *x0);
        plant(&all[i], cpu, cpu_src);
        snprintf(all[i].summary.device, sizeof all[i].summary.device, "cpu");
        snprintf(all[n + i].summary.device, sizeof all[n + i].summary.device, "cuda:0");
        snprintf(all[n + i].summary.device_name, sizeof all[n + i].summary.device_name,
                 "NVIDIA H200");
        plant(&all[n + i], gpu, gpu_src);
    }
    wn_free(ws);
    wn_free(sorted);
    *n2 = 2 * n;
    return all;
}

static char *report(const wn_run_record *runs, size_t n)
{
    wn_hw_profile hw = test_profile();
    wn_report_opts o;
    memset(&o, 0, sizeof o);
    o.hw = &hw;
    o.source = "planted CPU and GPU runs";
    char *html = NULL;
    assert_int_equal(wn_report_html(runs, n, &o, &html), WN_OK);
    return html;
}

/* The crossover section's HTML (from its heading to the next), copied. */
static char *section(const char *html)
{
    const char *s = strstr(html, "CPU and GPU: ");
    if (!s)
        return NULL;
    const char *e = strstr(s, "<h2");
    size_t len = e ? (size_t)(e - s) : strlen(s);
    char *out = malloc(len + 1);
    memcpy(out, s, len);
    out[len] = '\0';
    return out;
}

/* Bytes from "48 KiB" / "1.5 MiB" / "300 B". */
static double parse_bytes(const char *s)
{
    double v = 0;
    char unit[8] = "";
    if (sscanf(s, "%lf %7[A-Za-z]", &v, unit) != 2)
        return -1;
    if (!strcmp(unit, "KiB"))
        return v * 1024.0;
    if (!strcmp(unit, "MiB"))
        return v * 1048576.0;
    if (!strcmp(unit, "GiB"))
        return v * 1073741824.0;
    return v;
}

/* ---- tests ------------------------------------------------------------------------ */

static void test_both_measured_cross_near_x0(void **state)
{
    (void)state;
    size_t n;
    double x0;
    wn_run_record *runs = make_runs(&n, &x0, "rapl", "nvml", 1.0);
    char *html = report(runs, n);
    char *sec = section(html);
    assert_non_null(sec);
    assert_non_null(strstr(sec, "CPU and GPU: energy per training datum"));
    assert_non_null(strstr(sec, "energy per training datum [J]"));
    assert_non_null(strstr(sec, "compared in joules"));
    assert_non_null(strstr(sec, "crossover "));
    assert_non_null(strstr(sec, "below it the CPU costs less energy per datum, "
                                "above it the GPU"));
    const char *at = strstr(sec, "about <strong>");
    assert_non_null(at);
    double ws = parse_bytes(at + strlen("about <strong>"));
    fprintf(stderr, "planted crossing %.0f B, found %.0f B\n", x0, ws);
    assert_true(ws > x0 / 1.6 && ws < x0 * 1.6);
    assert_int_equal(count(sec, "<svg"), 1);
    free(sec);
    wn_free(html);
    wn__synth_free(&runs, n);
}

static void test_cpu_time_only_compares_seconds(void **state)
{
    (void)state;
    size_t n;
    double x0;
    wn_run_record *runs = make_runs(&n, &x0, NULL, "nvml", 1.0);
    char *html = report(runs, n);
    char *sec = section(html);
    assert_non_null(sec);
    assert_non_null(strstr(sec, "The CPU runs are time-only"));
    assert_non_null(strstr(sec, "compares <strong>seconds</strong>"));
    assert_non_null(strstr(sec, "time per training datum [s]"));
    assert_null(strstr(sec, "[J]"));
    assert_null(strstr(sec, "compared in joules"));
    /* the planted seconds cross at the same place */
    assert_non_null(strstr(sec, "crossover "));
    free(sec);
    wn_free(html);
    wn__synth_free(&runs, n);
}

static void test_gpu_cheaper_everywhere_and_no_gpu(void **state)
{
    (void)state;
    size_t n;
    double x0;
    wn_run_record *runs = make_runs(&n, &x0, "rapl", "nvml", 1e-4);
    char *html = report(runs, n);
    char *sec = section(html);
    assert_non_null(sec);
    assert_non_null(strstr(sec, "No crossing where both devices have runs: the "
                                "GPU costs less energy per datum throughout"));
    assert_null(strstr(sec, "crossover "));
    free(sec);
    wn_free(html);
    /* Only the CPU half: no section at all. */
    html = report(runs, n / 2);
    assert_null(strstr(html, "CPU and GPU: "));
    wn_free(html);
    wn__synth_free(&runs, n);
}

/* ---- headless Chromium ------------------------------------------------------------ */

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
    size_t n;
    double x0;
    wn_run_record *runs = make_runs(&n, &x0, "rapl", "nvml", 1.0);
    char *html = report(runs, n);
    char path[300], dom[300], profile[] = "/tmp/wn_chrome_XXXXXX", cmd[2048];
    snprintf(path, sizeof path, "%s/test_report_crossover.html", WN_BINARY_DIR);
    snprintf(dom, sizeof dom, "%s/test_report_crossover.dom", WN_BINARY_DIR);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(html, f);
    fclose(f);
    wn_free(html);
    wn__synth_free(&runs, n);
    assert_non_null(mkdtemp(profile));
    snprintf(cmd, sizeof cmd,
             "timeout 60 '%s' --headless --no-sandbox --disable-gpu "
             "--disable-quic --no-first-run --disable-background-networking "
             "--disable-component-update --disable-sync --user-data-dir='%s' "
             "--dump-dom 'file://%s' > '%s' 2>/dev/null; rc=$?; rm -rf '%s'; "
             "exit $rc", chrome, profile, path, dom, profile);
    int st = system(cmd);
    assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    f = fopen(dom, "rb");
    assert_non_null(f);
    static char d[1 << 22];
    size_t got = fread(d, 1, sizeof d - 1, f);
    d[got] = '\0';
    fclose(f);
    char *sec = section(d);
    assert_non_null(sec);
    assert_int_equal(count(sec, "<svg"), 1);
    assert_true(count(sec, "<circle") > 20);
    assert_non_null(strstr(sec, "crossover "));
    free(sec);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_both_measured_cross_near_x0),
        cmocka_unit_test(test_cpu_time_only_compares_seconds),
        cmocka_unit_test(test_gpu_cheaper_everywhere_and_no_gpu),
        cmocka_unit_test(test_renders_in_headless_chromium),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
