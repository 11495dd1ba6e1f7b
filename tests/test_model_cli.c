/*
 * test_model_cli.c - `wattnet fit`, `predict` and `report` end to end on a
 * scratch SQLite database of synthetic runs (stored through the store),
 * and their error cases: missing model file, bad profile JSON naming the
 * field, too few runs, bad options, --help.
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

#include <cjson/cJSON.h>

#include <wattnet/wattnet.h>
#include <wattnet/model.h>

#include "model/synth.h"

static char dir[256];

/* Run the CLI with ARGS; capture stdout and stderr; return the exit code. */
static int cli(const char *args, char **out, char **err)
{
    char o[320], e[320], cmd[2048];
    snprintf(o, sizeof o, "%s/out.txt", dir);
    snprintf(e, sizeof e, "%s/err.txt", dir);
    snprintf(cmd, sizeof cmd, "'%s' %s > '%s' 2> '%s'", WN_CLI_PATH, args, o,
             e);
    int st = system(cmd);
    char *bufs[2] = {NULL, NULL};
    const char *paths[2] = {o, e};
    for (int i = 0; i < 2; i++) {
        FILE *f = fopen(paths[i], "rb");
        size_t cap = 1 << 16, len = 0;
        bufs[i] = calloc(cap, 1);
        if (f) {
            size_t got;
            while ((got = fread(bufs[i] + len, 1, cap - 1 - len, f)) > 0) {
                len += got;
                if (len + 1 >= cap) {
                    cap *= 2;
                    bufs[i] = realloc(bufs[i], cap);
                }
            }
            bufs[i][len] = '\0';
            fclose(f);
        }
    }
    *out = bufs[0];
    *err = bufs[1];
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "%s/test_model_cli_%ld", WN_BINARY_DIR,
             (long)getpid());
    mkdir(dir, 0755);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

static void fill_db(const char *db, size_t n_sizes)
{
    wn_host h;
    assert_int_equal(wn_host_detect(&h), WN_OK);
    wn_hw_profile hw;
    wn_hw_profile_from_host(&h, &hw);
    double wt[11] = {1e-10, 2e-10, 4e-10, 8e-10, 0, 1e-11, 0, 2e-10,
                     3e-4, 5e-5, 1e-7};
    /* wattnet's 11 columns assume 3 cache levels; else a FLOPs truth */
    double flops[1] = {3e-10};
    wn_synth_opts so = {.seed = 8, .noise_sigma = 0.05, .energy = 0,
                        .kind = hw.n_levels == 3 ? WN_MODEL_WATTNET
                                                 : WN_MODEL_FLOPS,
                        .coefs = hw.n_levels == 3 ? wt : flops,
                        .n_sizes = n_sizes, .epochs = 3};
    wn_run_record *runs = NULL;
    size_t n = 0;
    assert_int_equal(wn__synth_runs(&hw, &so, &runs, &n), WN_OK);
    wn_store *s = NULL;
    assert_int_equal(wn_store_open(db, &s), WN_OK);
    for (size_t i = 0; i < n; i++) {
        runs[i].run_id = 0;
        if (wn_store_put_run(s, &runs[i]) != WN_OK)
            fail_msg("put_run: %s", wn_errmsg());
    }
    wn_store_close(&s);
    wn__synth_free(&runs, n);
}

static void test_fit_predict_report_end_to_end(void **state)
{
    (void)state;
    char db[320], model[320], html[320], args[1200];
    char *out, *err;
    snprintf(db, sizeof db, "%s/runs.db", dir);
    snprintf(model, sizeof model, "%s/model.json", dir);
    snprintf(html, sizeof html, "%s/report.html", dir);
    fill_db(db, 3);

    snprintf(args, sizeof args, "fit --db '%s' --out '%s'", db, model);
    int rc = cli(args, &out, &err);
    if (rc != 0)
        fail_msg("fit failed (%d): %s", rc, err);
    assert_non_null(strstr(out, "seconds_per_datum"));
    assert_non_null(strstr(out, "NOT energy"));
    assert_non_null(strstr(out, "wattnet"));
    free(out);
    free(err);
    wn_model m;
    assert_int_equal(wn_model_load(model, &m), WN_OK);
    assert_string_equal(m.target, WN_TARGET_TIME);
    assert_int_equal(m.n_runs, 3 * 3 * 3 * 2 * 2);

    snprintf(args, sizeof args, "fit --db '%s' --out '%s' --json", db, model);
    assert_int_equal(cli(args, &out, &err), 0);
    cJSON *j = cJSON_Parse(out);
    assert_non_null(j);
    assert_string_equal(cJSON_GetObjectItem(j, "target")->valuestring,
                        "seconds_per_datum");
    cJSON *models = cJSON_GetObjectItem(j, "models");
    assert_int_equal(cJSON_GetArraySize(models), 4);
    cJSON *m0 = cJSON_GetArrayItem(models, 0);
    assert_non_null(cJSON_GetObjectItem(m0, "cv_std_log_ratio"));
    assert_non_null(cJSON_GetObjectItem(m0, "cv_r2"));
    assert_non_null(cJSON_GetObjectItem(m0, "cv_mape"));
    assert_non_null(cJSON_GetObjectItem(m0, "cv_median_log_ratio"));
    assert_non_null(cJSON_GetObjectItem(cJSON_GetObjectItem(m0, "cv"),
                                        "dataset"));
    cJSON *c0 = cJSON_GetArrayItem(cJSON_GetObjectItem(m0, "coefficients"), 0);
    assert_non_null(cJSON_GetObjectItem(c0, "unit"));
    cJSON_Delete(j);
    free(out);
    free(err);

    snprintf(args, sizeof args, "predict --model '%s' --data connect_4 "
             "--shape rectangle --depth 4 --size 65536 --epochs 10", model);
    rc = cli(args, &out, &err);
    if (rc != 0)
        fail_msg("predict failed (%d): %s", rc, err);
    assert_non_null(strstr(out, "TIME"));
    assert_non_null(strstr(out, "80% interval"));
    assert_non_null(strstr(out, "wattnet"));
    free(out);
    free(err);

    snprintf(args, sizeof args, "predict --model '%s' --data adult --shape "
             "trapezoid --depth 3 --size 4096 --json --hardware '%s'", model,
             WN_SOURCE_DIR "/profiles/xeon-gold-6154x2.json");
    assert_int_equal(cli(args, &out, &err), 0);
    j = cJSON_Parse(out);
    assert_non_null(j);
    assert_string_equal(cJSON_GetObjectItem(j, "quantity")->valuestring,
                        "time");
    assert_string_equal(cJSON_GetObjectItem(j, "hardware")->valuestring,
                        "xeon-gold-6154x2");
    cJSON *p0 = cJSON_GetArrayItem(cJSON_GetObjectItem(j, "predictions"), 0);
    double tot = cJSON_GetObjectItem(p0, "total")->valuedouble;
    double lo = cJSON_GetObjectItem(p0, "total_lo")->valuedouble;
    double hi = cJSON_GetObjectItem(p0, "total_hi")->valuedouble;
    assert_true(tot > 0 && lo < tot && tot < hi);
    cJSON_Delete(j);
    free(out);
    free(err);

    snprintf(args, sizeof args, "report --db '%s' --model '%s' --out '%s'",
             db, model, html);
    rc = cli(args, &out, &err);
    if (rc != 0)
        fail_msg("report failed (%d): %s", rc, err);
    struct stat st;
    assert_int_equal(stat(html, &st), 0);
    assert_true(st.st_size > 10000);
    free(out);
    free(err);

    /* without --model the glue step fits one for the report */
    snprintf(args, sizeof args, "report --db '%s' --out '%s'", db, html);
    rc = cli(args, &out, &err);
    if (rc != 0)
        fail_msg("report without a model failed (%d): %s", rc, err);
    assert_null(strstr(err, "no model"));
    free(out);
    free(err);
    FILE *f = fopen(html, "r");
    assert_non_null(f);
    char *page = calloc(1, (size_t)4 << 20);
    assert_non_null(page);
    size_t got = fread(page, 1, ((size_t)4 << 20) - 1, f);
    fclose(f);
    assert_true(got > 10000);
    assert_non_null(strstr(page, "runs fitted"));
    assert_non_null(strstr(page, "Model &quot;wattnet&quot;"));
    free(page);

    /* too few runs to fit: a report all the same, and stderr says why */
    char small[320];
    snprintf(small, sizeof small, "%s/empty_report.db", dir);
    wn_store *sto = NULL;
    assert_int_equal(wn_store_open(small, &sto), WN_OK);
    wn_store_close(&sto);
    snprintf(args, sizeof args, "report --db '%s' --out '%s'", small, html);
    assert_int_equal(cli(args, &out, &err), 0);
    assert_non_null(strstr(err, "no model"));
    free(out);
    free(err);
}

static void test_cli_errors(void **state)
{
    (void)state;
    char args[1200], bad[320], model[320], db[320];
    char *out, *err;
    snprintf(bad, sizeof bad, "%s/bad_profile.json", dir);
    snprintf(model, sizeof model, "%s/model_for_errors.json", dir);
    snprintf(db, sizeof db, "%s/empty.db", dir);
    FILE *f = fopen(bad, "w");
    assert_non_null(f);
    fputs("{\"name\":\"x\",\"cores\":4,\"caches\":[{\"size_bytes\":32768,"
          "\"shared_by_cores\":1,\"instances\":4},{\"size_bytes\":1048576,"
          "\"instances\":4}],\"memory\":{\"size_bytes\":1e10}}", f);
    fclose(f);

    /* missing model file */
    snprintf(args, sizeof args, "predict --model '%s/none.json' --data adult "
             "--shape rectangle --depth 3 --size 1000", dir);
    assert_int_not_equal(cli(args, &out, &err), 0);
    assert_non_null(strstr(err, "none.json"));
    assert_null(strchr(strchr(err, '\n') + 1, '\n'));   /* one line */
    free(out);
    free(err);

    /* a bad profile names the field, for fit and for predict */
    snprintf(args, sizeof args, "fit --db '%s' --out '%s' --hardware '%s'", db,
             model, bad);
    assert_int_not_equal(cli(args, &out, &err), 0);
    assert_non_null(strstr(err, "caches[1].shared_by_cores"));
    free(out);
    free(err);
    fill_db(db, 2);
    snprintf(args, sizeof args, "fit --db '%s' --out '%s'", db, model);
    assert_int_equal(cli(args, &out, &err), 0);
    free(out);
    free(err);
    snprintf(args, sizeof args, "predict --model '%s' --hardware '%s' --data "
             "adult --shape rectangle --depth 3 --size 1000", model, bad);
    assert_int_not_equal(cli(args, &out, &err), 0);
    assert_non_null(strstr(err, "caches[1].shared_by_cores"));
    free(out);
    free(err);

    /* a file that is not a model */
    snprintf(args, sizeof args, "predict --model '%s' --data adult --shape "
             "rectangle --depth 3 --size 1000", bad);
    assert_int_not_equal(cli(args, &out, &err), 0);
    assert_non_null(strstr(err, "wattnet_model"));
    free(out);
    free(err);

    /* unknown dataset, bad shape, bad number, missing options */
    snprintf(args, sizeof args, "predict --model '%s' --data no_such_data "
             "--shape rectangle --depth 3 --size 1000", model);
    assert_int_not_equal(cli(args, &out, &err), 0);
    assert_true(strlen(err) > 0);
    free(out);
    free(err);
    snprintf(args, sizeof args, "predict --model '%s' --data adult --shape "
             "blob --depth 3 --size 1000", model);
    assert_int_not_equal(cli(args, &out, &err), 0);
    free(out);
    free(err);
    assert_int_equal(cli("predict --model m.json --data adult --shape "
                         "rectangle --depth x --size 10", &out, &err), 2);
    assert_non_null(strstr(err, "--depth"));
    free(out);
    free(err);
    assert_int_equal(cli("fit --db x.db --out x.json --max-epoch-spread 0.5",
                         &out, &err), 2);
    assert_non_null(strstr(err, "--max-epoch-spread"));
    free(out);
    free(err);
    assert_int_equal(cli("fit --out x.json", &out, &err), 2);
    free(out);
    free(err);

    /* too few runs */
    char empty[320];
    snprintf(empty, sizeof empty, "%s/really_empty.db", dir);
    snprintf(args, sizeof args, "fit --db '%s' --out '%s'", empty, model);
    assert_int_not_equal(cli(args, &out, &err), 0);
    assert_non_null(strstr(err, "need at least"));
    free(out);
    free(err);

    /* --help exits 0 with usage on stdout */
    const char *cmds[3] = {"fit", "predict", "report"};
    for (int i = 0; i < 3; i++) {
        snprintf(args, sizeof args, "%s --help", cmds[i]);
        assert_int_equal(cli(args, &out, &err), 0);
        assert_non_null(strstr(out, "usage: wattnet"));
        free(out);
        free(err);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fit_predict_report_end_to_end),
        cmocka_unit_test(test_cli_errors),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
