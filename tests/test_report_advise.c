/*
 * test_report_advise.c - the report's "Data trained" and "Cost to reach
 * test loss L" sections from planted runs: real file vs stand-in with path
 * and checksum, one line per shape, the recommended network (known from
 * the planted curves) marked, this machine's numbers beside the study's;
 * the report stays self-contained; and it renders in headless Chromium
 * (dump-dom has the section and its chart; a screenshot is written) -
 * skipped with a message when chromium is absent.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "cli_fixture.h"
#include <wattnet/wattnet.h>

#define N_SHAPES 3
#define N_SIZES 4
#define N_RUNS (N_SHAPES * N_SIZES)
#define EPOCHS 10

static const char *const shapes[N_SHAPES] = {"rectangle", "trapezoid", "exponential"};
static const uint64_t sizes[N_SIZES] = {1024, 8192, 65536, 524288};

static wn_hw_profile test_profile(void)
{
    wn_hw_profile p;
    memset(&p, 0, sizeof p);
    snprintf(p.name, sizeof p.name, "testbox");
    snprintf(p.kind, sizeof p.kind, "cpu");
    p.cores = 2;
    p.n_levels = 3;
    wn_hw_level l1 = {"L1", 48 << 10, 1, 2}, l2 = {"L2", 2 << 20, 1, 2},
                l3 = {"L3", 32 << 20, 2, 1};
    p.levels[0] = l1;
    p.levels[1] = l2;
    p.levels[2] = l3;
    snprintf(p.memory_name, sizeof p.memory_name, "RAM");
    p.memory_bytes = 24ull << 30;
    return p;
}

/* Run (shape s, size z): loss falls faster for larger nets; energy per
 * datum grows with size.  Exponential runs are on the stand-in, so advise
 * uses the 8 real ones: with no target the loss is the 4th lowest of their
 * best losses (rate 0.65, epoch 10); trapezoid (rates 0.4..1.15) at 8192
 * reaches it in 10 epochs at 3 units an epoch, cheaper than every other
 * reaching configuration (the next, trapezoid 65536: 7.2 x 17). */
static void planted_run(wn_run_record *r, int s, int z, int real)
{
    memset(r, 0, sizeof *r);
    snprintf(r->spec.dataset, sizeof r->spec.dataset, "nursery");
    snprintf(r->dataset_name, sizeof r->dataset_name, "nursery");
    snprintf(r->data_source, sizeof r->data_source, real ? "file" : "synthetic");
    if (real) {
        snprintf(r->data_path, sizeof r->data_path, "/data/nursery.tsv.gz");
        snprintf(r->data_sha256, sizeof r->data_sha256, "%064d", 7);
    }
    snprintf(r->task, sizeof r->task, "multiclass");
    snprintf(r->host, sizeof r->host, "testbox");
    snprintf(r->spec.train.shape, sizeof r->spec.train.shape, "%s", shapes[s]);
    r->spec.train.depth = 4;
    r->spec.train.size = sizes[z];
    r->spec.train.epochs = EPOCHS;
    r->spec.train.batch = 256;
    r->spec.train.learning_rate = 1e-4;
    r->inputs = 26;
    r->outputs = 4;
    wn_train_summary *sm = &r->summary;
    sm->depth = 4;
    assert_int_equal(wn_shape_widths(26, 4, shapes[s], 4, sizes[z], sm->widths,
                                     &sm->params), WN_OK);
    sm->epochs = EPOCHS;
    sm->train_rows = 10366;
    sm->test_rows = 2592;
    sm->batches_per_epoch = 41;
    sm->threads = 1;
    double jpd = 1e-6 * (1.0 + (double)sizes[z] / 4096.0);
    double per_epoch = jpd * 41 * 256;
    double rate = 0.1 + 0.25 * z + (s == 1 ? 0.3 : 0.0);
    r->n_epochs = EPOCHS;
    r->epochs = wn_calloc(EPOCHS, sizeof *r->epochs);
    assert_non_null(r->epochs);
    for (size_t e = 0; e < EPOCHS; e++) {
        r->epochs[e].stats.epoch = e + 1;
        r->epochs[e].stats.test_loss = 1.5 * exp(-rate * (double)(e + 1));
        r->epochs[e].stats.seconds = per_epoch / 50.0;
        r->epochs[e].energy.measured = 1;
        snprintf(r->epochs[e].energy.source, sizeof r->epochs[e].energy.source, "rapl");
        r->epochs[e].energy.energy_j = per_epoch;
    }
    sm->test_loss = r->epochs[EPOCHS - 1].stats.test_loss;
    sm->seconds_total = per_epoch / 50.0 * EPOCHS;
    sm->seconds_per_epoch_median = per_epoch / 50.0;
    r->energy.measured = 1;
    snprintf(r->energy.source, sizeof r->energy.source, "rapl");
    r->energy.energy_j = per_epoch * EPOCHS;
    r->has_jpd = 1;
    r->joules_per_datum = jpd;
}

static size_t count(const char *hay, const char *needle)
{
    size_t k = 0;
    for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle))
        k++;
    return k;
}

static char *make_html(wn_run_record *runs)
{
    for (int s = 0; s < N_SHAPES; s++)
        for (int z = 0; z < N_SIZES; z++)
            planted_run(&runs[s * N_SIZES + z], s, z, s != 2);
    wn_hw_profile hw = test_profile();
    wn_report_opts o;
    memset(&o, 0, sizeof o);
    o.hw = &hw;
    char *html = NULL;
    assert_int_equal(wn_report_html(runs, N_RUNS, &o, &html), WN_OK);
    return html;
}

static void test_section_content(void **state)
{
    (void)state;
    wn_run_record runs[N_RUNS];
    char *html = make_html(runs);
    assert_non_null(strstr(html, "<h2>Data trained</h2>"));
    assert_non_null(strstr(html, "real file /data/nursery.tsv.gz"));
    assert_non_null(strstr(html, "<b>synthetic stand-in</b>"));
    const char *sec = strstr(html, "<h2>Cost to reach test loss ");
    assert_non_null(sec);
    /* one line per shape, the recommended network marked; the stand-in
     * runs (exponential here) are left out beside the real file's */
    assert_non_null(strstr(sec, ">rectangle<"));
    assert_non_null(strstr(sec, ">trapezoid<"));
    assert_null(strstr(sec, ">exponential<"));
    assert_non_null(strstr(sec, "4 runs on the synthetic stand-in left out"));
    assert_non_null(strstr(sec, "recommended: trapezoid d4"));
    assert_non_null(strstr(sec, "Recommended: <b>trapezoid depth 4, size 8192</b>"));
    assert_null(strstr(sec, "Recommended: <b>rectangle"));
    /* beside the study */
    assert_non_null(strstr(sec, "10&ndash;1000&times;"));
    assert_non_null(strstr(sec, "2<sup>22</sup>&ndash;2<sup>25</sup> bytes"));
    assert_non_null(strstr(sec, "No target was given"));
    assert_int_equal(count(html, "<script"), 0);
    wn_free(html);
    for (int i = 0; i < N_RUNS; i++)
        wn_run_record_clear(&runs[i]);
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
             "--user-data-dir='%s' --window-size=1000,6000 %s 'file://%s' "
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
    wn_run_record runs[N_RUNS];
    char *html = make_html(runs);
    char path[300], dom[300], err[300], png[300], arg[400];
    snprintf(path, sizeof path, "%s/test_report_advise.html", WN_BINARY_DIR);
    snprintf(dom, sizeof dom, "%s/test_report_advise.dom", WN_BINARY_DIR);
    snprintf(err, sizeof err, "%s/test_report_advise.err", WN_BINARY_DIR);
    snprintf(png, sizeof png, "%s/test_report_advise.png", WN_BINARY_DIR);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(html, f);
    fclose(f);
    wn_free(html);
    for (int i = 0; i < N_RUNS; i++)
        wn_run_record_clear(&runs[i]);

    assert_int_equal(run_chromium(chrome, "--dump-dom", path, dom, err), 0);
    char *d = fx_slurp(dom);
    assert_non_null(d);
    const char *sec = strstr(d, "Cost to reach test loss ");
    assert_non_null(sec);
    assert_non_null(strstr(sec, "<svg"));
    assert_non_null(strstr(sec, "recommended: trapezoid d4"));
    assert_non_null(strstr(d, "Data trained"));
    char *e = fx_slurp(err);
    if (e != NULL)
        assert_null(strstr(e, "Uncaught"));
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
        cmocka_unit_test(test_section_content),
        cmocka_unit_test(test_renders_in_headless_chromium),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
