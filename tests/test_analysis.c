/*
 * test_analysis.c - the glue steps of fitting and reporting and the plain
 * values between the leaves: the hardware profile chosen from plain hosts,
 * the fit-if-none step, a report that is handed a model (and never fits
 * one itself), the sections table's numbering, raw power traces as arrays,
 * the one target rule shared by fit and report, and the dataset dims that
 * `wattnet predict` asks the data library for.
 */
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <wattnet/wattnet.h>
#include <wattnet/analysis.h>

#include "model/synth.h"
#include "model_fixture.h"

static void synth(int energy, size_t n_sizes, wn_run_record **runs,
                  size_t *n)
{
    wn_hw_profile hw = test_profile();
    double flops[1] = {3e-10};
    wn_synth_opts so = {.seed = 3, .noise_sigma = 0.05, .energy = energy,
                        .kind = WN_MODEL_FLOPS, .coefs = flops,
                        .n_sizes = n_sizes};
    assert_int_equal(wn__synth_runs(&hw, &so, runs, n), WN_OK);
}

/* ---- hardware profile from plain hosts -------------------------------------- */

static void test_hw_choose_from_plain_hosts(void **state)
{
    (void)state;
    wn_host h, used;
    memset(&h, 0, sizeof h);
    snprintf(h.hostname, sizeof h.hostname, "node17");
    h.cores = 24;
    h.n_caches = 0;
    wn_hw_profile hw;
    char note[256];
    /* one recorded host: its profile, whatever this machine is */
    assert_int_equal(wn_hw_profile_choose(NULL, &h, 1, &hw, &used, note,
                                          sizeof note), WN_OK);
    assert_non_null(strstr(note, "node17"));
    assert_string_equal(used.hostname, "node17");
    assert_int_equal(hw.cores, 24);
    /* several hosts: this machine, and the note says why */
    assert_int_equal(wn_hw_profile_choose(NULL, NULL, 3, &hw, &used, note,
                                          sizeof note), WN_OK);
    assert_non_null(strstr(note, "3 hosts"));
    assert_string_not_equal(used.hostname, "node17");
    /* none recorded */
    assert_int_equal(wn_hw_profile_choose(NULL, NULL, 0, &hw, NULL, note,
                                          sizeof note), WN_OK);
    assert_non_null(strstr(note, "no host recorded"));
    /* a file wins over the hosts; a missing file is an error */
    assert_int_not_equal(wn_hw_profile_choose("/nonexistent/p.json", &h, 1,
                                              &hw, NULL, note, sizeof note),
                         WN_OK);
    assert_int_equal(wn_hw_profile_choose(NULL, &h, 1, NULL, NULL, note,
                                          sizeof note), WN_EINVAL);
}

/* ---- the stored runs and their profile ------------------------------------- */

static void test_load_runs(void **state)
{
    (void)state;
    char db[400];
    snprintf(db, sizeof db, "%s/test_analysis_%ld.db", WN_BINARY_DIR,
             (long)getpid());
    remove(db);
    wn_run_record *runs = NULL, *back = NULL;
    size_t n = 0, nb = 7;
    synth(0, 1, &runs, &n);
    wn_store *s = NULL;
    assert_int_equal(wn_store_open(db, &s), WN_OK);
    for (size_t i = 0; i < n; i++) {
        runs[i].run_id = 0;
        assert_int_equal(wn_store_put_run(s, &runs[i]), WN_OK);
    }
    wn_store_close(&s);
    wn_hw_profile hw;
    char note[256];
    assert_int_equal(wn_analysis_load_runs(db, NULL, &back, &nb, &hw, NULL,
                                           note, sizeof note), WN_OK);
    assert_int_equal(nb, n);
    assert_non_null(strstr(note, "this machine"));   /* no host recorded */
    wn_run_records_free(&back, nb);
    /* a bad profile file: the error, nothing loaded */
    assert_int_not_equal(wn_analysis_load_runs(db, "/nonexistent/p.json",
                                               &back, &nb, &hw, NULL, note,
                                               sizeof note), WN_OK);
    assert_null(back);
    assert_int_equal(nb, 0);
    assert_int_equal(wn_analysis_load_runs(NULL, NULL, &back, &nb, &hw, NULL,
                                           note, sizeof note), WN_EINVAL);
    remove(db);
    wn__synth_free(&runs, n);
}

/* ---- fit if none ------------------------------------------------------------ */

static void test_fit_if_none(void **state)
{
    (void)state;
    wn_hw_profile hw = test_profile();
    wn_run_record *runs = NULL;
    size_t n = 0;
    synth(1, 3, &runs, &n);
    wn_model got, direct;
    int have = -1;
    char note[256];
    /* none given, enough runs: the same model as fitting directly */
    assert_int_equal(wn_model_fit_if_none(NULL, runs, n, &hw, &got, &have,
                                          note, sizeof note), WN_OK);
    assert_int_equal(have, 1);
    assert_int_equal(wn_model_fit_runs(runs, n, &hw, NULL, &direct), WN_OK);
    assert_string_equal(got.target, WN_TARGET_ENERGY);
    assert_memory_equal(&got.models, &direct.models, sizeof got.models);
    /* given: that one, untouched, even with no runs */
    snprintf(direct.target_note, sizeof direct.target_note, "from a file");
    assert_int_equal(wn_model_fit_if_none(&direct, NULL, 0, &hw, &got, &have,
                                          NULL, 0), WN_OK);
    assert_int_equal(have, 1);
    assert_string_equal(got.target_note, "from a file");
    /* too few runs: no model, not an error, and the reason */
    assert_int_equal(wn_model_fit_if_none(NULL, runs, 2, &hw, &got, &have,
                                          note, sizeof note), WN_OK);
    assert_int_equal(have, 0);
    assert_non_null(strstr(note, "usable runs"));
    assert_int_equal(wn_model_fit_if_none(NULL, runs, n, NULL, &got, &have,
                                          NULL, 0), WN_EINVAL);
    /* out of memory is passed on, every time, never taken for "no model" */
    int ok_seen = 0;
    for (long after = 0; after < 1000000 && !ok_seen; after += 1 + after / 3) {
        wn_fault_alloc(after, 1);
        int rc = wn_model_fit_if_none(NULL, runs, n, &hw, &got, &have, NULL,
                                      0);
        long hits = wn_fault_alloc(-1, 0);
        if (hits == 0) {
            assert_int_equal(rc, WN_OK);
            assert_int_equal(have, 1);
            ok_seen = 1;
        } else {
            assert_int_equal(rc, WN_ENOMEM);
        }
    }
    assert_true(ok_seen);
    wn__synth_free(&runs, n);
}

/* ---- the report takes a model ------------------------------------------------- */

static char *report(const wn_run_record *runs, size_t n, const wn_model *m,
                    const wn_report_trace *trace)
{
    wn_hw_profile hw = test_profile();
    wn_report_opts o;
    memset(&o, 0, sizeof o);
    o.hw = &hw;
    o.model = m;
    o.trace = trace;
    char *html = NULL;
    assert_int_equal(wn_report_html(runs, n, &o, &html), WN_OK);
    return html;
}

static void test_report_uses_the_model_it_is_given(void **state)
{
    (void)state;
    wn_hw_profile hw = test_profile();
    wn_run_record *runs = NULL;
    size_t n = 0;
    synth(1, 3, &runs, &n);
    wn_model m;
    assert_int_equal(wn_model_fit_runs(runs, n, &hw, NULL, &m), WN_OK);
    /* given a model: its four charts and its table */
    char *with = report(runs, n, &m, NULL);
    for (int k = 0; k < WN_MODEL_COUNT; k++) {
        char t[64];
        snprintf(t, sizeof t, "Model &quot;%s&quot;: predicted",
                 wn_model_kind_name(k));
        assert_true(count(with, t) >= 1);
    }
    assert_non_null(strstr(with, "runs fitted"));
    /* not given one: the report does not fit, even with enough runs */
    char *without = report(runs, n, NULL, NULL);
    assert_int_equal(count(without, "predicted against measured"), 0);
    assert_non_null(strstr(without, "No model: too few runs"));
    assert_int_equal(count(without, "<svg"), count(with, "<svg") -
                                                 WN_MODEL_COUNT);
    /* the numbered headings follow the sections table: 1..5, in order */
    const char *p = with;
    for (int k = 1; k <= 5; k++) {
        char h[16];
        snprintf(h, sizeof h, "<h2>%d. ", k);
        const char *q = strstr(p, h);
        assert_non_null(q);
        p = q;
    }
    assert_null(strstr(with, "<h2>6. "));
    /* the quantity shown is the given model's target */
    snprintf(m.target, sizeof m.target, "%s", WN_TARGET_TIME);
    char *other = report(runs, n, &m, NULL);
    assert_non_null(strstr(other, "shows <b>time</b>"));
    assert_null(strstr(with, "shows <b>time</b>"));
    wn_free(other);
    wn_free(without);
    wn_free(with);
    wn__synth_free(&runs, n);
}

/* ---- raw power traces ------------------------------------------------------------ */

static void test_report_raw_power_trace(void **state)
{
    (void)state;
    double t[6], p[6], e[6];
    for (int i = 0; i < 6; i++) {
        t[i] = 100.0 + 0.5 * i;        /* any origin */
        p[i] = i < 3 ? 40.0 : 80.0;
        e[i] = 1000.0 + 60.0 * 0.5 * i;   /* a 60 W counter */
    }
    wn_report_trace tr = {.t_s = t, .power_w = p, .n = 6, .run_id = 42,
                         .source = "rapl"};
    char *html = report(NULL, 0, NULL, &tr);
    assert_non_null(strstr(html, "Power samples of run 42"));
    assert_non_null(strstr(html, "6 raw samples; mean 60.0 W, peak 80.0 W"));
    wn_free(html);
    /* cumulative energy readings: power from the differences */
    tr.power_w = NULL;
    tr.energy_j = e;
    html = report(NULL, 0, NULL, &tr);
    assert_non_null(strstr(html, "5 raw samples; mean 60.0 W, peak 60.0 W"));
    wn_free(html);
    /* nothing usable: the per-epoch fallback's sentence */
    tr.energy_j = NULL;
    html = report(NULL, 0, NULL, &tr);
    assert_non_null(strstr(html, "No power samples were stored"));
    wn_free(html);
    /* a run with more epochs than runs + 8 is drawn, not refused */
    wn_run_record *runs = NULL;
    size_t n = 0;
    wn_hw_profile hw = test_profile();
    double flops[1] = {3e-10};
    wn_synth_opts so = {.seed = 1, .noise_sigma = 0.05, .energy = 1,
                        .kind = WN_MODEL_FLOPS, .coefs = flops, .n_sizes = 1,
                        .epochs = 40};
    assert_int_equal(wn__synth_runs(&hw, &so, &runs, &n), WN_OK);
    html = report(runs, 1, NULL, NULL);
    assert_non_null(strstr(html, "Over 40 epochs"));
    wn_free(html);
    wn__synth_free(&runs, n);
}

/* ---- one target rule ------------------------------------------------------------- */

static void test_one_target_rule(void **state)
{
    (void)state;
    wn_run_record *runs = NULL;
    size_t n = 0;
    synth(1, 3, &runs, &n);
    wn_run_energy_counts c;
    wn_runs_count_energy(runs, n, &c);
    assert_int_equal(c.measured, n);
    assert_int_equal(c.simulated, n);     /* synthetic runs: the sim source */
    char note[160];
    assert_string_equal(wn_model_choose_target(&c, 8, note, sizeof note),
                        WN_TARGET_ENERGY);
    /* an estimate never counts: flag all but 5 as estimates */
    for (size_t i = 5; i < n; i++)
        wn_energy_set_source(&runs[i].energy, WN_ENERGY_ESTIMATE);
    wn_runs_count_energy(runs, n, &c);
    assert_int_equal(c.measured, 5);
    assert_int_equal(c.estimated, n - 5);
    assert_string_equal(wn_model_choose_target(&c, 8, note, sizeof note),
                        WN_TARGET_TIME);
    assert_non_null(strstr(note, "TIME, not energy"));
    /* the report without a model follows the same rule: 5 of n measured
     * (a majority when n < 10 would once have shown energy) is time */
    char *html = report(runs, 9, NULL, NULL);
    assert_non_null(strstr(html, "shows <b>time</b>"));
    wn_free(html);
    wn__synth_free(&runs, n);
}

/* Runs from the simulated source count as measured, and apart, and the
 * report says so in words. */
static void test_simulated_runs_are_named(void **state)
{
    (void)state;
    wn_run_record *runs = NULL;
    size_t n = 0;
    synth(1, 3, &runs, &n);
    for (size_t i = 0; i < n; i++)
        wn_energy_set_source(&runs[i].energy, WN_ENERGY_RAPL);
    char *html = report(runs, n, NULL, NULL);
    assert_null(strstr(html, "SIMULATED"));
    wn_free(html);
    for (size_t i = 0; i < 4; i++)
        wn_energy_set_source(&runs[i].energy, WN_ENERGY_SIM);
    wn_run_energy_counts c;
    wn_runs_count_energy(runs, n, &c);
    assert_int_equal(c.measured, n);
    assert_int_equal(c.simulated, 4);
    html = report(runs, n, NULL, NULL);
    assert_non_null(strstr(html, "4 of the measured runs are SIMULATED"));
    wn_free(html);
    wn__synth_free(&runs, n);
}

/* ---- dataset dims for predictions -------------------------------------------------- */

static void test_dataset_dims(void **state)
{
    (void)state;
    const wn_study_dataset *sd = wn_study_dataset_at(0);
    assert_non_null(sd);
    size_t rows = 0, in = 0, out = 0;
    char spec[96];
    snprintf(spec, sizeof spec, "synthetic:%s", sd->name);
    assert_int_equal(wn_dataset_dims(spec, NULL, &rows, &in, &out), WN_OK);
    assert_int_equal(rows, sd->rows);
    assert_int_equal(in, sd->inputs);
    assert_int_equal(out, sd->outputs);
    rows = 0;
    assert_int_equal(wn_dataset_dims(sd->name, NULL, &rows, &in, &out), WN_OK);
    assert_int_equal(rows, sd->rows);
    assert_int_not_equal(wn_dataset_dims("synthetic:nosuch", NULL, &rows,
                                         &in, &out), WN_OK);
    assert_int_not_equal(wn_dataset_dims("/nonexistent/x.tsv", NULL, &rows,
                                         &in, &out), WN_OK);
    assert_int_equal(wn_split_train_rows(1000, 0.8), 800);
    assert_int_equal(wn_split_train_rows(7, 0.8), 6);    /* round(5.6) */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hw_choose_from_plain_hosts),
        cmocka_unit_test(test_load_runs),
        cmocka_unit_test(test_fit_if_none),
        cmocka_unit_test(test_report_uses_the_model_it_is_given),
        cmocka_unit_test(test_report_raw_power_trace),
        cmocka_unit_test(test_one_target_rule),
        cmocka_unit_test(test_simulated_runs_are_named),
        cmocka_unit_test(test_dataset_dims),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
