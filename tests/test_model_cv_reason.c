/*
 * test_model_cv_reason.c - issue 9, item 21: on 12 runs the wattnet model
 * (11 coefficients) cannot be cross-validated because every fold leaves
 * fewer than 12 training runs, not because there are fewer than 2 groups.
 * The reason must say so, predict must give no interval (NaN; before the
 * fix: in-sample quantiles presented as held-out, the narrowest interval
 * of all), the model file must keep the groups, and `fit`/`predict` must
 * print the true reason and no interval.  A one-coefficient model on the
 * same runs is cross-validated and keeps its interval.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include <wattnet/wattnet.h>
#include <wattnet/model.h>

#include "model/synth.h"
#include "model_fixture.h"

/* 12 runs spread over the synthetic grid (several sizes, shapes,
 * datasets). */
static void twelve_runs(wn_run_record **out, size_t *n_out,
                        wn_run_record **all, size_t *n_all)
{
    wn_hw_profile hw = test_profile();
    double flops[1] = {3e-10};
    wn_synth_opts so = {.seed = 7, .noise_sigma = 0.05, .energy = 1,
                        .kind = WN_MODEL_FLOPS, .coefs = flops};
    assert_int_equal(wn__synth_runs(&hw, &so, all, n_all), WN_OK);
    assert_true(*n_all >= 24);
    wn_run_record *sel = calloc(12, sizeof *sel);
    size_t step = *n_all / 12;
    for (size_t i = 0; i < 12; i++)
        sel[i] = (*all)[i * step];   /* shallow: *all owns the epochs */
    *out = sel;
    *n_out = 12;
}

static void reason_and_no_interval(void **state)
{
    (void)state;
    wn_run_record *runs = NULL, *all = NULL;
    size_t n = 0, n_all = 0;
    twelve_runs(&runs, &n, &all, &n_all);
    wn_hw_profile hw = test_profile();
    wn_model *m = calloc(1, sizeof *m);
    assert_int_equal(wn_model_fit_runs(runs, n, &hw, NULL, m), WN_OK);
    int w = wn_model_find(m, "wattnet"), fl = wn_model_find(m, "flops");
    assert_true(w >= 0 && fl >= 0);
    const wn_model_fit *mw = &m->models[w];
    assert_int_equal(mw->cv[WN_CV_COMBINED].n, 0);
    assert_true(mw->cv[WN_CV_COMBINED].n_groups >= 2);
    char why[256];
    wn_model_cv_reason(m, (size_t)w, why, sizeof why);
    assert_non_null(strstr(why, "coefficients"));
    assert_null(strstr(why, "fewer than 2 groups"));
    wn_features f = {0};
    f.flops_per_datum = 1e6;
    f.batches_per_epoch = 4;
    double y = 0, lo = 0, hi = 0;
    assert_int_equal(wn_model_predict(m, w, &f, &y, &lo, &hi), WN_OK);
    assert_true(isnan(lo) && isnan(hi));
    /* the flops model (1 coefficient) is validated: a real interval */
    assert_true(m->models[fl].cv[WN_CV_COMBINED].n > 0);
    wn_model_cv_reason(m, (size_t)fl, why, sizeof why);
    assert_string_equal(why, "");
    assert_int_equal(wn_model_predict(m, fl, &f, &y, &lo, &hi), WN_OK);
    assert_true(isfinite(lo) && isfinite(hi) && lo <= y && y <= hi);
    /* the model file keeps the groups, so predict can say why */
    char path[512];
    snprintf(path, sizeof path, "%s/cv_reason_%ld.json", WN_BINARY_DIR,
             (long)getpid());
    assert_int_equal(wn_model_save(m, path), WN_OK);
    wn_model *back = calloc(1, sizeof *back);
    assert_int_equal(wn_model_load(path, back), WN_OK);
    wn_model_cv_reason(back, (size_t)w, why, sizeof why);
    assert_non_null(strstr(why, "coefficients"));
    assert_int_equal(wn_model_predict(back, w, &f, &y, &lo, &hi), WN_OK);
    assert_true(isnan(lo));
    /* predict's text: no interval for wattnet, with the reason */
    char cmd[1400], out[600];
    snprintf(out, sizeof out, "%s.out", path);
    snprintf(cmd, sizeof cmd, "'%s' predict --model '%s' --data "
             "synthetic:banana --shape rectangle --depth 3 --size 1024 "
             "> '%s' 2>&1", WN_CLI_PATH, path, out);
    assert_int_equal(system(cmd), 0);
    FILE *fo = fopen(out, "r");
    char text[8192] = {0};
    assert_non_null(fo);
    size_t got = fread(text, 1, sizeof text - 1, fo);
    text[got] = '\0';
    fclose(fo);
    const char *line = strstr(text, "\nwattnet");
    assert_non_null(line);
    const char *eol = strchr(line + 1, '\n');
    assert_non_null(eol);
    char wl[1024];
    snprintf(wl, sizeof wl, "%.*s", (int)(eol - line), line);
    assert_non_null(strstr(wl, "no interval"));
    assert_non_null(strstr(wl, "coefficients"));
    assert_null(strchr(wl, '['));
    unlink(path);
    unlink(out);
    free(back);
    free(m);
    free(runs);
    wn__synth_free(&all, n_all);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(reason_and_no_interval),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
