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

#include <cjson/cJSON.h>
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

/* The four models fitted on twelve_runs (free the model, *runs, and *all
 * with wn__synth_free). */
static wn_model *fit_twelve(wn_run_record **runs, wn_run_record **all,
                            size_t *n_all)
{
    size_t n = 0;
    twelve_runs(runs, &n, all, n_all);
    wn_hw_profile hw = test_profile();
    wn_model *m = calloc(1, sizeof *m);
    assert_non_null(m);
    assert_int_equal(wn_model_fit_runs(*runs, n, &hw, NULL, m), WN_OK);
    return m;
}

/* Run `wattnet predict` (with EXTRA options) on model file PATH; its
 * output into TEXT (CAP bytes). */
static void predict_text(const char *path, const char *extra, char *text,
                         size_t cap)
{
    char cmd[1600], out[600];
    snprintf(out, sizeof out, "%s.out", path);
    snprintf(cmd, sizeof cmd, "'%s' predict --model '%s' --data "
             "synthetic:banana --shape rectangle --depth 3 --size 1024 %s "
             "> '%s' 2>&1", WN_CLI_PATH, path, extra, out);
    assert_int_equal(system(cmd), 0);
    FILE *fo = fopen(out, "r");
    assert_non_null(fo);
    size_t got = fread(text, 1, cap - 1, fo);
    text[got] = '\0';
    fclose(fo);
    unlink(out);
}

/* The text output's line that starts with "\nKEY", into LINE. */
static void predict_line(const char *path, const char *key, char *line,
                         size_t cap)
{
    char text[8192];
    predict_text(path, "", text, sizeof text);
    const char *at = strstr(text, key);
    assert_non_null(at);
    const char *eol = strchr(at + 1, '\n');
    size_t len = eol ? (size_t)(eol - at) : strlen(at);
    snprintf(line, cap, "%.*s", (int)len, at);
}

static void reason_and_no_interval(void **state)
{
    (void)state;
    wn_run_record *runs = NULL, *all = NULL;
    size_t n_all = 0;
    wn_model *m = fit_twelve(&runs, &all, &n_all);
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
    char wl[1024];
    predict_line(path, "\nwattnet", wl, sizeof wl);
    assert_non_null(strstr(wl, "no interval"));
    assert_non_null(strstr(wl, "coefficients"));
    assert_null(strchr(wl, '['));
    unlink(path);
    free(back);
    free(m);
    free(runs);
    wn__synth_free(&all, n_all);
}

/* A validated model whose held-out errors span e^60: its interval is
 * called uninformative, in words and in JSON, never printed as figures. */
static void uninformative_interval(void **state)
{
    (void)state;
    wn_run_record *runs = NULL, *all = NULL;
    size_t n_all = 0;
    wn_model *m = fit_twelve(&runs, &all, &n_all);
    int w = wn_model_find(m, "wattnet"), fl = wn_model_find(m, "flops");
    assert_true(wn_model_interval_informative(m, (size_t)fl));
    assert_true(wn_model_interval_ratio(m, (size_t)fl) < 2.0);
    assert_true(isnan(wn_model_interval_ratio(m, (size_t)w)));   /* none */
    assert_false(wn_model_interval_informative(m, (size_t)w));
    assert_true(isnan(wn_model_interval_ratio(NULL, 0)));
    wn_cv_stats *st = &m->models[fl].cv[WN_CV_COMBINED];
    st->q10_log_ratio = -30.0;
    st->q90_log_ratio = 30.0;
    assert_false(wn_model_interval_informative(m, (size_t)fl));
    assert_true(wn_model_interval_ratio(m, (size_t)fl) > 1e26);
    char path[512], line[1024];
    snprintf(path, sizeof path, "%s/cv_wide_%ld.json", WN_BINARY_DIR,
             (long)getpid());
    assert_int_equal(wn_model_save(m, path), WN_OK);
    predict_line(path, "\nflops", line, sizeof line);
    assert_non_null(strstr(line, "uninformative"));
    assert_null(strchr(line, '['));
    char text[16384];
    predict_text(path, "--json", text, sizeof text);
    cJSON *j = cJSON_Parse(text), *p = NULL;
    assert_non_null(j);
    cJSON_ArrayForEach(p, cJSON_GetObjectItem(j, "predictions"))
        if (!strcmp(cJSON_GetObjectItem(p, "model")->valuestring, "flops"))
            break;
    assert_non_null(p);
    assert_true(cJSON_IsFalse(cJSON_GetObjectItem(p, "interval_informative")));
    cJSON_Delete(j);
    unlink(path);
    free(m);
    free(runs);
    wn__synth_free(&all, n_all);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(reason_and_no_interval),
        cmocka_unit_test(uninformative_interval),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
