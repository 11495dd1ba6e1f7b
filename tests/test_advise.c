/*
 * test_advise.c - `advise` on planted per-epoch curves and costs: the known
 * ranking, interpolated epochs to target, savings against the median and
 * the smallest reaching network, never-reaching configurations left
 * unranked, the default target (the value half the configurations reach),
 * accuracy targets, and the grouping of stored run records (repetitions
 * averaged, energy vs time).
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sys/wait.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <cmocka.h>
#include <wattnet/wattnet.h>
#include <wattnet/advise.h>
#include <wattnet/model.h>

#include "model/synth.h"
#include "model_fixture.h"

#define TOL 1e-9

static const double loss_a[] = {1.0, 0.8, 0.6, 0.5};     /* 2.5 epochs */
static const double loss_b[] = {0.9, 0.65, 0.4, 0.3};    /* 1.8 epochs */
static const double loss_c[] = {0.68, 0.5, 0.45, 0.44};  /* 1 epoch */
static const double loss_d[] = {1.2, 1.0, 0.9, 0.85};    /* never */
static const double loss_e[] = {0.75, 0.72, 0.69, 0.6};  /* 2.667 epochs */

static void planted(wn_advise_config c[5])
{
    memset(c, 0, 5 * sizeof *c);
    const double *curves[5] = {loss_a, loss_b, loss_c, loss_d, loss_e};
    const char *shapes[5] = {"rectangle", "rectangle", "trapezoid",
                             "rectangle", "trapezoid"};
    const uint64_t params[5] = {1000, 10000, 100000, 100, 500000};
    const double cost[5] = {2.0, 3.0, 4.0, 0.5, 10.0};
    for (int i = 0; i < 5; i++) {
        snprintf(c[i].shape, sizeof c[i].shape, "%s", shapes[i]);
        c[i].depth = 3;
        c[i].size = c[i].params = params[i];
        c[i].n_epochs = 4;
        c[i].metric = curves[i];
        c[i].cost_per_epoch = cost[i];
        c[i].n_runs = 1;
    }
}

/* The planted configurations ranked to a loss of 0.7. */
static void planted_ranked(wn_advise_config c[5], wn_advise_result *r)
{
    planted(c);
    wn_advise_opts o = {WN_ADVISE_LOSS, 1, 0.7};
    assert_int_equal(wn_advise_rank(c, 5, &o, r), WN_OK);
}

static void test_ranking_with_target(void **state)
{
    (void)state;
    wn_advise_config c[5];
    wn_advise_result r;
    planted_ranked(c, &r);
    assert_int_equal(r.n, 5);
    assert_int_equal(r.n_reached, 4);
    assert_true(r.target_given);
    /* ranking C (4.0), A (5.0), B (5.4), E (26.67); D never */
    const size_t order[5] = {2, 0, 1, 4, 3};
    const double epochs[4] = {1.0, 2.5, 1.8, 2.0 + 0.02 / 0.03};
    for (size_t i = 0; i < 5; i++)
        assert_int_equal(r.entries[i].config, order[i]);
    for (size_t i = 0; i < 4; i++) {
        assert_int_equal(r.entries[i].rank, i + 1);
        assert_true(r.entries[i].reached);
        assert_true(fabs(r.entries[i].epochs_to_target - epochs[i]) < TOL);
        assert_true(fabs(r.entries[i].cost_to_target -
                         epochs[i] * c[order[i]].cost_per_epoch) < TOL);
    }
    assert_false(r.entries[4].reached);
    assert_int_equal(r.entries[4].rank, 0);
    assert_true(isnan(r.entries[4].cost_to_target));
    assert_int_equal(r.best, 2);
    assert_true(fabs(r.best_cost - 4.0) < TOL);
    assert_true(fabs(r.median_cost - 5.2) < TOL);
    assert_true(fabs(r.savings_vs_median - (1.0 - 4.0 / 5.2)) < TOL);
    assert_int_equal(r.smallest, 0);   /* D is smaller but never reaches */
    assert_true(fabs(r.smallest_cost - 5.0) < TOL);
    assert_true(fabs(r.savings_vs_smallest - 0.2) < TOL);
    assert_true(r.larger_cheaper);   /* 100000 params beat 1000 */
    wn_advise_result_clear(&r);
    assert_null(r.entries);
}

static void test_default_target_is_half(void **state)
{
    (void)state;
    wn_advise_config c[5];
    planted(c);
    wn_advise_opts o = {WN_ADVISE_LOSS, 0, 0.0};
    wn_advise_result r;
    assert_int_equal(wn_advise_rank(c, 5, &o, &r), WN_OK);
    assert_false(r.target_given);
    /* best losses 0.5 0.3 0.44 0.85 0.6: the 3rd lowest is 0.5 */
    assert_true(fabs(r.target - 0.5) < TOL);
    assert_int_equal(r.n_reached, 3);
    /* C reaches 0.5 at epoch 2 exactly (8.0), B at 2 + 0.15/0.25 = 2.6
     * (7.8), A at epoch 4 (8.0): B first, then A and C tie on cost and the
     * smaller (A) comes first */
    assert_int_equal(r.entries[0].config, 1);
    assert_true(fabs(r.entries[0].epochs_to_target - 2.6) < TOL);
    assert_int_equal(r.entries[1].config, 0);
    assert_int_equal(r.entries[2].config, 2);
    assert_true(fabs(r.median_cost - 8.0) < TOL);
    assert_true(r.larger_cheaper);   /* B (10000) beats the smallest, A (1000) */
    wn_advise_result_clear(&r);
}

static void test_accuracy_and_edges(void **state)
{
    (void)state;
    const double acc[] = {0.5, 0.7, 0.9};
    assert_true(fabs(wn_advise_epochs_to(acc, 3, 0.8, 1) - 2.5) < TOL);
    assert_true(fabs(wn_advise_epochs_to(acc, 3, 0.5, 1) - 1.0) < TOL);
    assert_true(wn_advise_epochs_to(acc, 3, 0.95, 1) == 0.0);
    const double flat[] = {0.9, NAN, 0.4};
    assert_true(fabs(wn_advise_epochs_to(flat, 3, 0.5, 0) - 3.0) < TOL);
    /* a broken checker would accept this: prove the comparison can fail */
    assert_false(fabs(wn_advise_epochs_to(loss_a, 4, 0.7, 0) - 3.0) < TOL);

    wn_advise_result r;
    wn_advise_opts o = {WN_ADVISE_LOSS, 1, 0.1};
    wn_advise_config c[5];
    planted(c);
    /* the cheapest is the smallest that reaches: not the study's finding */
    c[0].cost_per_epoch = 1.0;   /* A: 2.5 epochs x 1 = 2.5 < C's 4 */
    wn_advise_opts o7 = {WN_ADVISE_LOSS, 1, 0.7};
    assert_int_equal(wn_advise_rank(c, 5, &o7, &r), WN_OK);
    assert_int_equal(r.best, 0);
    assert_int_equal(r.smallest, 0);
    assert_false(r.larger_cheaper);
    assert_true(fabs(r.savings_vs_smallest) < TOL);
    wn_advise_result_clear(&r);
    planted(c);
    assert_int_equal(wn_advise_rank(c, 5, &o, &r), WN_OK);
    assert_int_equal(r.n_reached, 0);   /* nobody: all listed, none ranked */
    assert_int_equal(r.n, 5);
    wn_advise_result_clear(&r);
    assert_int_equal(wn_advise_rank(c, 0, &o, &r), WN_EINVAL);
    o.target = NAN;
    assert_int_equal(wn_advise_rank(c, 5, &o, &r), WN_EINVAL);
}

/* Two repetitions of one configuration and one of another, as stored. */
static void fake_run(wn_run_record *r, const char *shape, uint64_t size,
                     const double *loss, size_t n, double jpd, int measured)
{
    memset(r, 0, sizeof *r);
    snprintf(r->spec.dataset, sizeof r->spec.dataset, "nursery");
    snprintf(r->dataset_name, sizeof r->dataset_name, "nursery");
    snprintf(r->data_source, sizeof r->data_source, "file");
    snprintf(r->spec.train.shape, sizeof r->spec.train.shape, "%s", shape);
    r->spec.train.depth = 3;
    r->spec.train.size = size;
    r->spec.train.batch = 100;
    r->spec.train.epochs = n;
    r->summary.batches_per_epoch = 10;   /* 1000 data per epoch */
    r->summary.epochs = n;
    r->summary.params = size;
    r->n_epochs = n;
    r->epochs = wn_calloc(n, sizeof *r->epochs);
    for (size_t e = 0; e < n; e++) {
        r->epochs[e].stats.epoch = e + 1;
        r->epochs[e].stats.test_loss = loss[e];
        r->epochs[e].stats.seconds = 2.0;
    }
    if (measured) {
        r->energy.measured = 1;
        snprintf(r->energy.source, sizeof r->energy.source, "rapl");
        r->energy.energy_j = jpd * 1000.0 * (double)n;
        r->has_jpd = 1;
        r->joules_per_datum = jpd;
    }
}

static void test_from_runs(void **state)
{
    (void)state;
    wn_run_record runs[3];
    const double l1[] = {1.0, 0.6}, l2[] = {0.8, 0.4}, l3[] = {0.5, 0.3};
    fake_run(&runs[0], "rectangle", 1024, l1, 2, 0.001, 1);
    fake_run(&runs[1], "rectangle", 1024, l2, 2, 0.003, 1);
    fake_run(&runs[2], "trapezoid", 4096, l3, 2, 0.01, 1);
    wn_advise_input in;
    assert_int_equal(wn_advise_from_runs(runs, 3, "nursery", NULL,
                                         WN_ADVISE_LOSS, NULL, &in), WN_OK);
    assert_string_equal(in.by, "energy");
    assert_int_equal(in.n, 2);
    assert_int_equal(in.n_runs, 3);
    assert_int_equal(in.n_real_file, 3);
    assert_int_equal(in.configs[0].n_runs, 2);
    assert_true(fabs(in.configs[0].metric[0] - 0.9) < TOL);
    assert_true(fabs(in.configs[0].metric[1] - 0.5) < TOL);
    assert_true(fabs(in.configs[0].cost_per_epoch - 2.0) < TOL); /* median */
    assert_true(fabs(in.configs[1].cost_per_epoch - 10.0) < TOL);
    wn_advise_input_clear(&in);
    /* one run without a measurement: time, and a note saying so */
    memset(&runs[2].energy, 0, sizeof runs[2].energy);
    runs[2].has_jpd = 0;
    assert_int_equal(wn_advise_from_runs(runs, 3, "nursery", "energy",
                                         WN_ADVISE_LOSS, NULL, &in), WN_OK);
    assert_string_equal(in.by, "time");
    assert_non_null(strstr(in.note, "1 of 3"));
    assert_true(fabs(in.configs[1].cost_per_epoch - 2.0) < TOL);
    wn_advise_input_clear(&in);
    assert_int_equal(wn_advise_from_runs(runs, 3, "adult", NULL,
                                         WN_ADVISE_LOSS, NULL, &in), WN_ENOENT);
    /* one repetition on the stand-in: left out, never averaged in */
    snprintf(runs[1].data_source, sizeof runs[1].data_source, "synthetic");
    assert_int_equal(wn_advise_from_runs(runs, 3, "nursery", "time",
                                         WN_ADVISE_LOSS, NULL, &in), WN_OK);
    assert_int_equal(in.n_runs, 2);
    assert_int_equal(in.configs[0].n_runs, 1);
    assert_true(fabs(in.configs[0].metric[1] - 0.6) < TOL);
    assert_non_null(strstr(in.data_note, "1 runs on the synthetic stand-in"));
    wn_advise_input_clear(&in);
    for (int i = 0; i < 3; i++)
        wn_run_record_clear(&runs[i]);
}

/* ---- predictions: the model's interval, or word that it says nothing ------- */

/* A model validated on synthetic runs (FLOPs-driven energy, 5% noise);
 * free() it. */
static wn_model *synth_model(void)
{
    wn_hw_profile hw = test_profile();
    double flops[1] = {3e-10};
    wn_synth_opts so = {.seed = 7, .noise_sigma = 0.05, .energy = 1,
                        .kind = WN_MODEL_FLOPS, .coefs = flops};
    wn_run_record *runs = NULL;
    size_t n_runs = 0;
    assert_int_equal(wn__synth_runs(&hw, &so, &runs, &n_runs), WN_OK);
    wn_model *m = calloc(1, sizeof *m);
    assert_non_null(m);
    assert_int_equal(wn_model_fit_runs(runs, n_runs, &hw, NULL, m), WN_OK);
    wn__synth_free(&runs, n_runs);
    return m;
}

static void test_predictions_carry_interval_width(void **state)
{
    (void)state;
    wn_advise_config c[5];
    wn_advise_result r;
    planted_ranked(c, &r);
    wn_run_record tmpl;
    fake_run(&tmpl, "trapezoid", 100000, loss_c, 4, 0.01, 1);
    tmpl.inputs = 27;
    tmpl.outputs = 5;
    tmpl.summary.train_rows = 1000;
    tmpl.summary.test_rows = 250;
    tmpl.summary.threads = 1;
    wn_model *m = synth_model();
    int k = wn_model_find(m, "wattnet");
    assert_true(k >= 0 && wn_model_interval_informative(m, (size_t)k));
    wn_advise_input in = {.n = 5, .configs = c, .by = "energy"};
    wn_advise_prediction *p = NULL;
    size_t np = 0;
    assert_int_equal(wn_advise_predict(&in, &r, &tmpl, m, &p, &np), WN_OK);
    assert_true(np > 0);
    assert_true(p[0].interval_ratio == wn_model_interval_ratio(m, (size_t)k));
    assert_true(p[0].interval_ratio <= WN_MODEL_MAX_INTERVAL_RATIO);
    wn_free(p);
    /* held-out errors spanning e^60: the prediction says so */
    m->models[k].cv[WN_CV_COMBINED].q10_log_ratio = -30.0;
    m->models[k].cv[WN_CV_COMBINED].q90_log_ratio = 30.0;
    assert_int_equal(wn_advise_predict(&in, &r, &tmpl, m, &p, &np), WN_OK);
    assert_true(p[0].interval_ratio > WN_MODEL_MAX_INTERVAL_RATIO);
    wn_free(p);
    free(m);
    wn_run_record_clear(&tmpl);
    wn_advise_result_clear(&r);
}

/* ---- the command ------------------------------------------------------------ */

static int run_cli(const char *args, char *out, size_t cap)
{
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "'%s' %s 2>&1", WN_CLI_PATH, args);
    FILE *p = popen(cmd, "r");
    if (!p)
        return -1;
    size_t n = fread(out, 1, cap - 1, p);
    out[n] = '\0';
    int st = pclose(p);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* Usage errors exit 2; on a stored database --json gives the planted
 * recommendation and the status lists the real file. */
static void test_command(void **state)
{
    (void)state;
    static char out[65536];
    char dir[512], db[700], args[1600];
    snprintf(dir, sizeof dir, "%s/tmp-advise-XXXXXX", WN_BINARY_DIR);
    assert_non_null(mkdtemp(dir));
    snprintf(db, sizeof db, "%s/a.db", dir);
    assert_int_equal(run_cli("advise --help", out, sizeof out), 0);
    assert_non_null(strstr(out, "usage: wattnet advise"));
    assert_int_equal(run_cli("advise --bogus", out, sizeof out), 2);
    assert_int_equal(run_cli("advise --db x.db", out, sizeof out), 2);
    assert_int_equal(run_cli("advise --db x.db --data a --by watts", out,
                             sizeof out), 2);
    assert_int_equal(run_cli("advise --db x.db --data a --target-loss 1 "
                             "--target-accuracy 0.5", out, sizeof out), 2);
    assert_int_equal(run_cli("advise --db x.db --data a --target-loss abc", out,
                             sizeof out), 2);
    assert_int_equal(run_cli("advise --db x.db --data a --target-accuracy 2",
                             out, sizeof out), 2);
    assert_int_equal(run_cli("advise --db x.db --data a --target-accuracy 0",
                             out, sizeof out), 2);
    assert_int_equal(run_cli("advise --db x.db --data a --target-loss -1", out,
                             sizeof out), 2);

    wn_run_record runs[3];
    const double l1[] = {1.0, 0.6}, l2[] = {0.8, 0.4}, l3[] = {0.5, 0.3};
    fake_run(&runs[0], "rectangle", 1024, l1, 2, 0.001, 1);
    fake_run(&runs[1], "rectangle", 1024, l2, 2, 0.003, 1);
    fake_run(&runs[2], "trapezoid", 4096, l3, 2, 0.001, 1);
    snprintf(runs[0].data_path, sizeof runs[0].data_path, "/d/nursery.tsv.gz");
    for (int i = 0; i < 3; i++) {   /* what --model's predictions read */
        runs[i].inputs = 27;
        runs[i].outputs = 5;
        runs[i].summary.train_rows = 1000;
        runs[i].summary.test_rows = 250;
        runs[i].summary.threads = 1;
    }
    wn_store *s = NULL;
    assert_int_equal(wn_store_open(db, &s), WN_OK);
    for (int i = 0; i < 3; i++) {
        int pst = wn_store_put_run(s, &runs[i]);
        if (pst != WN_OK)
            print_message("put_run: %s\n", wn_errmsg());
        assert_int_equal(pst, WN_OK);
        wn_run_record_clear(&runs[i]);
    }
    wn_store_close(&s);
    /* target 0.45: rectangle (mean 0.9, 0.5) never; trapezoid at
     * 1 + (0.5 - 0.45) / 0.2 = 1.25 epochs x 1 J */
    snprintf(args, sizeof args, "advise --db '%s' --data nursery "
             "--target-loss 0.45 --json", db);
    assert_int_equal(run_cli(args, out, sizeof out), 0);
    cJSON *o = cJSON_Parse(out);
    assert_non_null(o);
    assert_string_equal(cJSON_GetObjectItem(o, "by")->valuestring, "energy");
    cJSON *rec = cJSON_GetObjectItem(o, "recommendation");
    assert_non_null(rec);
    cJSON *net = cJSON_GetObjectItem(rec, "network");
    assert_string_equal(cJSON_GetObjectItem(net, "shape")->valuestring, "trapezoid");
    assert_true(fabs(cJSON_GetObjectItem(net, "epochs_to_target")->valuedouble -
                     1.25) < 1e-9);
    assert_true(fabs(cJSON_GetObjectItem(rec, "cost_to_target")->valuedouble -
                     1.25) < 1e-9);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(o, "never_reached")), 1);
    cJSON_Delete(o);
    snprintf(args, sizeof args, "advise --db '%s' --data nursery", db);
    assert_int_equal(run_cli(args, out, sizeof out), 0);
    assert_non_null(strstr(out, "no target given"));
    assert_non_null(strstr(out, "recommended: "));
    snprintf(args, sizeof args, "advise --db '%s' --data adult", db);
    assert_int_equal(run_cli(args, out, sizeof out), 1);
    /* --model with held-out errors spanning e^60: the predicted sizes say
     * the interval is uninformative instead of printing its bounds */
    char model[800];
    snprintf(model, sizeof model, "%s/wide.json", dir);
    wn_model *m = synth_model();
    int k = wn_model_find(m, "wattnet");
    assert_true(k >= 0);
    assert_int_equal(wn_model_save(m, model), WN_OK);
    snprintf(args, sizeof args, "advise --db '%s' --data nursery --target-loss 0.45 "
             "--model '%s'", db, model);
    assert_int_equal(run_cli(args, out, sizeof out), 0);
    assert_non_null(strstr(out, "predicted (model; not measured)"));
    assert_null(strstr(out, "uninformative"));
    m->models[k].cv[WN_CV_COMBINED].q10_log_ratio = -30.0;
    m->models[k].cv[WN_CV_COMBINED].q90_log_ratio = 30.0;
    assert_int_equal(wn_model_save(m, model), WN_OK);
    assert_int_equal(run_cli(args, out, sizeof out), 0);
    assert_non_null(strstr(out, "(interval uninformative: "));
    assert_non_null(strstr(out, "(no useful interval) predicted"));
    free(m);
    snprintf(args, sizeof args, "status --db '%s'", db);
    assert_int_equal(run_cli(args, out, sizeof out), 0);
    assert_non_null(strstr(out, "dataset nursery: 1 runs on the real file "
                                "/d/nursery.tsv.gz"));
    assert_non_null(strstr(out, "path not recorded"));
    snprintf(args, sizeof args, "rm -rf '%s'", dir);
    assert_int_equal(system(args), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ranking_with_target),
        cmocka_unit_test(test_default_target_is_half),
        cmocka_unit_test(test_accuracy_and_edges),
        cmocka_unit_test(test_from_runs),
        cmocka_unit_test(test_predictions_carry_interval_width),
        cmocka_unit_test(test_command),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
