/*
 * test_model_fit.c - NNLS against brute force, recovery of known
 * non-negative coefficients from synthetic runs, the choice of target
 * (energy only from real measurements, never from estimates), grouped
 * cross-validation that never trains on a held-out group, prediction
 * intervals that cover about 80% of held-out runs, the model JSON round
 * trip, and allocation failures.
 */
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <wattnet/wattnet.h>
#include <wattnet/model.h>

#include "core/rng.h"
#include "model/fit.h"
#include "model/nnls.h"
#include "model/synth.h"
#include "model_fixture.h"

/* ---- NNLS ---------------------------------------------------------------- */

/* Exact NNLS for tiny n: the best least-squares solution over every
 * support whose solution is non-negative. */
static double resid(const double *A, const double *b, size_t m, size_t n,
                    const double *x)
{
    double s = 0.0;
    for (size_t i = 0; i < m; i++) {
        double r = b[i];
        for (size_t j = 0; j < n; j++)
            r -= A[i * n + j] * x[j];
        s += r * r;
    }
    return s;
}

static double brute_nnls(const double *A, const double *b, size_t m, size_t n,
                         double *best_x)
{
    double best = resid(A, b, m, n, (double[8]){0});
    memset(best_x, 0, n * sizeof *best_x);
    for (unsigned mask = 1; mask < (1u << n); mask++) {
        /* normal equations on the support, by Gaussian elimination */
        size_t k = 0, S[8];
        for (size_t j = 0; j < n; j++)
            if (mask & (1u << j))
                S[k++] = j;
        double M[8][9];
        for (size_t p = 0; p < k; p++) {
            for (size_t q = 0; q < k; q++) {
                double s = 0.0;
                for (size_t i = 0; i < m; i++)
                    s += A[i * n + S[p]] * A[i * n + S[q]];
                M[p][q] = s;
            }
            double s = 0.0;
            for (size_t i = 0; i < m; i++)
                s += A[i * n + S[p]] * b[i];
            M[p][k] = s;
        }
        int ok = 1;
        for (size_t p = 0; p < k && ok; p++) {
            size_t piv = p;
            for (size_t q = p + 1; q < k; q++)
                if (fabs(M[q][p]) > fabs(M[piv][p]))
                    piv = q;
            if (fabs(M[piv][p]) < 1e-12) {
                ok = 0;
                break;
            }
            for (size_t c = 0; c <= k; c++) {
                double t = M[p][c];
                M[p][c] = M[piv][c];
                M[piv][c] = t;
            }
            for (size_t q = 0; q < k; q++) {
                if (q == p)
                    continue;
                double f = M[q][p] / M[p][p];
                for (size_t c = 0; c <= k; c++)
                    M[q][c] -= f * M[p][c];
            }
        }
        if (!ok)
            continue;
        double x[8] = {0};
        for (size_t p = 0; p < k; p++) {
            x[S[p]] = M[p][k] / M[p][p];
            if (x[S[p]] < 0.0)
                ok = 0;
        }
        if (!ok)
            continue;
        double r = resid(A, b, m, n, x);
        if (r < best) {
            best = r;
            memcpy(best_x, x, n * sizeof *x);
        }
    }
    return best;
}

static void test_nnls_matches_brute_force(void **state)
{
    (void)state;
    wn_rng rng;
    wn__rng_seed(&rng, 7);
    int active_seen = 0;
    for (int trial = 0; trial < 200; trial++) {
        size_t m = 12, n = 2 + (size_t)wn__rng_below(&rng, 4);
        double A[12 * 5], b[12], x[5], xb[5];
        for (size_t i = 0; i < m * n; i++)
            A[i] = wn__rng_normal(&rng);
        for (size_t i = 0; i < m; i++)
            b[i] = wn__rng_normal(&rng);
        size_t it = 0;
        assert_int_equal(wn__nnls(A, b, m, n, x, &it), WN_OK);
        double r = resid(A, b, m, n, x);
        double rb = brute_nnls(A, b, m, n, xb);
        for (size_t j = 0; j < n; j++) {
            assert_true(x[j] >= 0.0);
            if (xb[j] == 0.0)
                active_seen = 1;
        }
        assert_true(r <= rb * (1 + 1e-9) + 1e-12);
        for (size_t j = 0; j < n; j++)
            assert_true(fabs(x[j] - xb[j]) < 1e-6);
    }
    assert_true(active_seen);   /* the constraint did bind somewhere */
}

static void test_nnls_recovers_exact_and_rejects_bad(void **state)
{
    (void)state;
    /* b = A x* with x* = (2, 0, 0.5): NNLS recovers x* exactly */
    double A[6 * 3] = {1, 2, 0, 0, 1, 3, 4, 1, 1, 2, 2, 2, 5, 0, 1, 1, 1, 7};
    double xs[3] = {2, 0, 0.5}, b[6], x[3];
    for (int i = 0; i < 6; i++)
        b[i] = A[i * 3] * xs[0] + A[i * 3 + 1] * xs[1] + A[i * 3 + 2] * xs[2];
    assert_int_equal(wn__nnls(A, b, 6, 3, x, NULL), WN_OK);
    for (int j = 0; j < 3; j++)
        assert_true(fabs(x[j] - xs[j]) < 1e-9);
    /* the unconstrained optimum is negative: NNLS clamps to 0 */
    double A2[3] = {1, 1, 1}, b2[3] = {-1, -2, -3}, x2[1];
    assert_int_equal(wn__nnls(A2, b2, 3, 1, x2, NULL), WN_OK);
    assert_true(x2[0] == 0.0);
    b2[1] = NAN;
    assert_int_equal(wn__nnls(A2, b2, 3, 1, x2, NULL), WN_ENUMERIC);
    assert_int_equal(wn__nnls(A2, b2, 0, 1, x2, NULL), WN_EINVAL);
    /* fewer rows than columns still works (zero padding) */
    double A3[2 * 4] = {1, 0, 2, 1, 0, 1, 1, 3}, b3[2] = {3, 4}, x3[4];
    assert_int_equal(wn__nnls(A3, b3, 2, 4, x3, NULL), WN_OK);
    assert_true(resid(A3, b3, 2, 4, x3) < 1e-12);
}

/* ---- recovery of known coefficients ------------------------------------------- */

static void recover(int kind, const double *truth, size_t nc, double tol)
{
    wn_hw_profile hw = test_profile();
    wn_synth_opts so = {.seed = 3, .noise_sigma = 0.0, .energy = 1,
                        .kind = kind, .coefs = truth};
    wn_run_record *runs = NULL;
    size_t n = 0;
    assert_int_equal(wn__synth_runs(&hw, &so, &runs, &n), WN_OK);
    assert_true(n >= 100);
    wn_model m;
    assert_int_equal(wn_model_fit_runs(runs, n, &hw, NULL, &m), WN_OK);
    assert_string_equal(m.target, WN_TARGET_ENERGY);
    const wn_model_fit *mf = &m.models[kind];
    assert_int_equal(mf->n_coefs, nc);
    for (size_t j = 0; j < nc; j++) {
        assert_true(mf->coefs[j].value >= 0.0);
        if (fabs(mf->coefs[j].value - truth[j]) > tol * fmax(truth[j], 1e-30))
            fail_msg("model %s coef %s: got %g, truth %g", mf->name,
                     mf->coefs[j].name, mf->coefs[j].value, truth[j]);
    }
    assert_true(mf->in_sample.std_log_ratio < 1e-6);
    assert_true(mf->cv[WN_CV_COMBINED].std_log_ratio < 1e-5);
    assert_string_equal(mf->coefs[0].unit[0] == 'J' ? "J" : "?", "J");
    wn__synth_free(&runs, n);
}

static void test_fit_recovers_known_coefficients(void **state)
{
    (void)state;
    double flops[1] = {3e-10};
    recover(WN_MODEL_FLOPS, flops, 1, 1e-6);
    double params[1] = {2e-9};
    recover(WN_MODEL_PARAMS, params, 1, 1e-6);
    /* butter-e: per datum + L1, L2, L3, RAM; L3 and RAM set to 0 */
    double be[5] = {1e-6, 2e-11, 5e-11, 0.0, 0.0};
    recover(WN_MODEL_BUTTER_E, be, 5, 1e-5);
    /* wattnet: 4 flop levels, 4 traffic levels, batch, layer*batch, datum */
    double wt[11] = {1e-10, 2e-10, 4e-10, 8e-10, 0, 1e-11, 0, 2e-10,
                     3e-4, 5e-5, 1e-7};
    wn_hw_profile hw = test_profile();
    wn_synth_opts so = {.seed = 5, .noise_sigma = 0.0, .energy = 0,
                        .kind = WN_MODEL_WATTNET, .coefs = wt};
    wn_run_record *runs = NULL;
    size_t n = 0;
    assert_int_equal(wn__synth_runs(&hw, &so, &runs, &n), WN_OK);
    wn_model m;
    assert_int_equal(wn_model_fit_runs(runs, n, &hw, NULL, &m), WN_OK);
    assert_string_equal(m.target, WN_TARGET_TIME);
    const wn_model_fit *mf = &m.models[WN_MODEL_WATTNET];
    /* the wattnet columns are not all identifiable on this grid; the fit
     * must reproduce the truth and keep every coefficient >= 0 */
    assert_true(mf->in_sample.std_log_ratio < 1e-4);
    assert_true(fabs(mf->in_sample.median_log_ratio) < 1e-4);
    for (size_t j = 0; j < mf->n_coefs; j++)
        assert_true(mf->coefs[j].value >= 0.0);
    assert_string_equal(mf->coefs[8].name, "per_batch");
    assert_string_equal(mf->coefs[8].unit, "s/batch");
    /* the well-determined overheads come back */
    assert_true(fabs(mf->coefs[8].value - wt[8]) < 0.05 * wt[8]);
    /* and wattnet beats the study's model on data of this kind */
    assert_true(mf->cv[WN_CV_COMBINED].std_log_ratio <
                m.models[WN_MODEL_BUTTER_E].cv[WN_CV_COMBINED].std_log_ratio);
    wn__synth_free(&runs, n);
}

/* ---- the target ------------------------------------------------------------------ */

static void test_target_energy_time_and_estimates(void **state)
{
    (void)state;
    wn_hw_profile hw = test_profile();
    double flops[1] = {3e-10};
    wn_synth_opts so = {.seed = 9, .noise_sigma = 0.02, .energy = 1,
                        .kind = WN_MODEL_FLOPS, .coefs = flops,
                        .n_sizes = 3};
    wn_run_record *runs = NULL;
    size_t n = 0;
    assert_int_equal(wn__synth_runs(&hw, &so, &runs, &n), WN_OK);
    wn_model m;
    assert_int_equal(wn_model_fit_runs(runs, n, &hw, NULL, &m), WN_OK);
    assert_string_equal(m.target, WN_TARGET_ENERGY);
    assert_int_equal(m.n_measured, n);
    assert_true(fabs(m.models[0].coefs[0].value / flops[0] - 1) < 0.05);
    assert_string_equal(m.models[0].coefs[0].unit, "J/FLOP");

    /* relabel every run an estimate: energy no longer counts */
    for (size_t i = 0; i < n; i++) {
        runs[i].energy.is_estimate = 1;
        snprintf(runs[i].energy.source, sizeof runs[i].energy.source,
                 "estimate");
        assert_false(wn_run_energy_usable(&runs[i]));
        assert_false(wn_run_target(&runs[i], WN_TARGET_ENERGY, NULL));
    }
    assert_int_equal(wn_model_fit_runs(runs, n, &hw, NULL, &m), WN_OK);
    assert_string_equal(m.target, WN_TARGET_TIME);
    assert_int_equal(m.n_estimated, n);
    assert_int_equal(m.n_measured, 0);
    assert_non_null(strstr(m.target_note, "TIME"));
    assert_string_equal(m.models[0].coefs[0].unit, "s/FLOP");

    /* a flagged window is not a measurement either */
    runs[0].energy.is_estimate = 0;
    snprintf(runs[0].energy.source, sizeof runs[0].energy.source, "rapl");
    assert_true(wn_run_energy_usable(&runs[0]));
    snprintf(runs[0].energy.flag, sizeof runs[0].energy.flag, "no-samples");
    assert_false(wn_run_energy_usable(&runs[0]));

    /* too few runs: a clear error */
    assert_int_equal(wn_model_fit_runs(runs, 5, &hw, NULL, &m), WN_EINVAL);
    assert_non_null(strstr(wn_errmsg(), "need at least"));
    wn__synth_free(&runs, n);
}

/* ---- cleaning noisy timed runs --------------------------------------------------- */

static void test_max_epoch_spread_leaves_out_noisy_runs(void **state)
{
    (void)state;
    wn_hw_profile hw = test_profile();
    double flops[1] = {3e-10};
    wn_synth_opts so = {.seed = 13, .noise_sigma = 0.02, .energy = 0,
                        .kind = WN_MODEL_FLOPS, .coefs = flops, .n_sizes = 3,
                        .epochs = 3};
    wn_run_record *runs = NULL;
    size_t n = 0;
    assert_int_equal(wn__synth_runs(&hw, &so, &runs, &n), WN_OK);
    /* slow two runs down in every epoch but one: spread 3x and 1.3x */
    for (size_t e = 0; e < 3; e++) {
        runs[0].epochs[e].stats.seconds *= e == 0 ? 1.0 : 3.0;
        runs[1].epochs[e].stats.seconds *= e == 0 ? 1.0 : 1.3;
    }
    assert_true(wn_run_epoch_spread(&runs[0]) > 2.5);
    assert_true(wn_run_epoch_spread(&runs[1]) > 1.2);
    assert_true(wn_run_epoch_spread(&runs[2]) < 1.2);
    wn_fit_opts o;
    wn_fit_opts_default(&o);
    wn_model m;
    assert_int_equal(wn_model_fit_runs(runs, n, &hw, &o, &m), WN_OK);
    assert_int_equal(m.n_runs, n);
    assert_int_equal(m.n_noisy, 0);
    o.max_epoch_spread = 1.5;
    assert_int_equal(wn_model_fit_runs(runs, n, &hw, &o, &m), WN_OK);
    assert_int_equal(m.n_noisy, 1);
    assert_int_equal(m.n_runs, n - 1);
    assert_true(m.max_epoch_spread == 1.5);
    /* energy targets are never cleaned this way */
    wn__synth_free(&runs, n);
    so.energy = 1;
    assert_int_equal(wn__synth_runs(&hw, &so, &runs, &n), WN_OK);
    for (size_t e = 1; e < 3; e++)
        runs[0].epochs[e].stats.seconds *= 3.0;
    assert_int_equal(wn_model_fit_runs(runs, n, &hw, &o, &m), WN_OK);
    assert_string_equal(m.target, WN_TARGET_ENERGY);
    assert_int_equal(m.n_noisy, 0);
    wn__synth_free(&runs, n);
}

/* ---- grouped cross-validation ---------------------------------------------------- */

struct fold_log {
    const wn_run_record *runs;
    size_t calls[WN_CV_COMBINED];
    size_t tested[WN_CV_COMBINED];
    int leak;
    int corrupt;   /* 1: plant a leak to prove the checker can fail */
};

static void key_of(const wn_run_record *r, int g, char *k, size_t cap)
{
    if (g == WN_CV_SIZE)
        snprintf(k, cap, "%llu", (unsigned long long)r->spec.train.size);
    else if (g == WN_CV_SHAPE)
        snprintf(k, cap, "%s", r->spec.train.shape);
    else
        snprintf(k, cap, "%s", r->dataset_name);
}

static int check_split(const struct fold_log *L, int g, const size_t *train,
                       size_t n_train, const size_t *test, size_t n_test)
{
    char a[128], b[128];
    for (size_t i = 0; i < n_test; i++) {
        key_of(&L->runs[test[i]], g, a, sizeof a);
        for (size_t j = 0; j < n_train; j++) {
            key_of(&L->runs[train[j]], g, b, sizeof b);
            if (strcmp(a, b) == 0)
                return 1;
        }
    }
    return 0;
}

static void on_fold(void *user, int g, size_t fold, const size_t *train,
                    size_t n_train, const size_t *test, size_t n_test)
{
    struct fold_log *L = user;
    (void)fold;
    assert_true(g >= 0 && g < WN_CV_COMBINED);
    L->calls[g]++;
    L->tested[g] += n_test;
    if (L->corrupt && n_train > 0) {
        size_t *bad = malloc(n_train * sizeof *bad);
        memcpy(bad, train, n_train * sizeof *bad);
        bad[0] = test[0];
        if (check_split(L, g, bad, n_train, test, n_test))
            L->leak = 1;
        free(bad);
        return;
    }
    if (check_split(L, g, train, n_train, test, n_test))
        L->leak = 1;
}

static void test_cv_never_trains_on_held_out_group(void **state)
{
    (void)state;
    wn_hw_profile hw = test_profile();
    double flops[1] = {3e-10};
    wn_synth_opts so = {.seed = 11, .noise_sigma = 0.05, .energy = 0,
                        .kind = WN_MODEL_FLOPS, .coefs = flops};
    wn_run_record *runs = NULL;
    size_t n = 0;
    assert_int_equal(wn__synth_runs(&hw, &so, &runs, &n), WN_OK);
    struct fold_log L = {.runs = runs};
    wn_fit_opts o;
    wn_fit_opts_default(&o);
    o.fold = on_fold;
    o.fold_user = &L;
    o.max_folds = 4;   /* 7 sizes -> buckets of several sizes */
    wn_model m;
    assert_int_equal(wn_model_fit_runs(runs, n, &hw, &o, &m), WN_OK);
    assert_false(L.leak);
    assert_int_equal(L.calls[WN_CV_SIZE], 4);
    assert_int_equal(L.calls[WN_CV_SHAPE], 3);
    assert_int_equal(L.calls[WN_CV_DATASET], 3);
    for (int g = 0; g < WN_CV_COMBINED; g++) {
        assert_int_equal(L.tested[g], n);   /* every run held out once */
        assert_int_equal(m.models[0].cv[g].n, n);
    }
    assert_int_equal(m.models[0].cv[WN_CV_COMBINED].n, 3 * n);
    /* the checker itself can fail */
    struct fold_log bad = {.runs = runs, .corrupt = 1};
    o.fold_user = &bad;
    assert_int_equal(wn_model_fit_runs(runs, n, &hw, &o, &m), WN_OK);
    assert_true(bad.leak);

    /* one dataset only: that grouping is skipped, not faked */
    wn_run_record *sub = malloc(n * sizeof *sub);
    assert_non_null(sub);
    size_t one = 0;
    for (size_t i = 0; i < n; i++)
        if (strcmp(runs[i].dataset_name, "synth_mid") == 0)
            sub[one++] = runs[i];   /* shallow: epochs stay owned by runs */
    struct fold_log L1 = {.runs = sub};
    o.fold_user = &L1;
    assert_int_equal(wn_model_fit_runs(sub, one, &hw, &o, &m), WN_OK);
    assert_int_equal(L1.calls[WN_CV_DATASET], 0);
    assert_int_equal(m.models[0].cv[WN_CV_DATASET].n, 0);
    assert_true(L1.calls[WN_CV_SIZE] > 0);
    assert_false(L1.leak);
    free(sub);
    wn__synth_free(&runs, n);
}

/* ---- prediction intervals --------------------------------------------------------- */

static void test_intervals_cover_their_share(void **state)
{
    (void)state;
    wn_hw_profile hw = test_profile();
    double flops[1] = {3e-10};
    /* fit on one synthetic campaign, check coverage on a fresh one drawn
     * with the same noise (sigma 0.1): the 80% interval should hold ~80% */
    wn_synth_opts so = {.seed = 21, .noise_sigma = 0.1, .energy = 1,
                        .kind = WN_MODEL_FLOPS, .coefs = flops};
    wn_run_record *runs = NULL, *fresh = NULL;
    size_t n = 0, nf = 0;
    assert_int_equal(wn__synth_runs(&hw, &so, &runs, &n), WN_OK);
    so.seed = 22;
    assert_int_equal(wn__synth_runs(&hw, &so, &fresh, &nf), WN_OK);
    wn_model m;
    assert_int_equal(wn_model_fit_runs(runs, n, &hw, NULL, &m), WN_OK);
    const wn_cv_stats *cv = &m.models[WN_MODEL_FLOPS].cv[WN_CV_COMBINED];
    assert_true(fabs(cv->std_log_ratio - 0.1) < 0.03);
    size_t inside = 0;
    for (size_t i = 0; i < nf; i++) {
        wn_features f;
        assert_int_equal(wn_features_of_run(&fresh[i], &hw, &f), WN_OK);
        double y, lo, hi;
        assert_int_equal(wn_model_predict(&m, WN_MODEL_FLOPS, &f, &y, &lo,
                                          &hi), WN_OK);
        assert_true(lo < y && y < hi);
        double meas = fresh[i].joules_per_datum;
        if (meas >= lo && meas <= hi)
            inside++;
    }
    double share = (double)inside / (double)nf;
    printf("80%% interval covered %.1f%% of %zu fresh runs\n", 100 * share, nf);
    assert_true(share > 0.70 && share < 0.90);
    wn__synth_free(&runs, n);
    wn__synth_free(&fresh, nf);
}

/* ---- JSON ------------------------------------------------------------------------- */

static void test_model_json_round_trip(void **state)
{
    (void)state;
    wn_hw_profile hw = test_profile();
    double be[5] = {1e-6, 2e-11, 5e-11, 1e-10, 3e-10};
    wn_synth_opts so = {.seed = 4, .noise_sigma = 0.05, .energy = 0,
                        .kind = WN_MODEL_BUTTER_E, .coefs = be,
                        .n_sizes = 4};
    wn_run_record *runs = NULL;
    size_t n = 0;
    assert_int_equal(wn__synth_runs(&hw, &so, &runs, &n), WN_OK);
    wn_model m, back;
    assert_int_equal(wn_model_fit_runs(runs, n, &hw, NULL, &m), WN_OK);
    char path[256];
    snprintf(path, sizeof path, "%s/test_model_fit_%ld.json", WN_BINARY_DIR,
             (long)getpid());
    assert_int_equal(wn_model_save(&m, path), WN_OK);
    assert_int_equal(wn_model_load(path, &back), WN_OK);
    char tmp[300];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    assert_int_equal(access(tmp, F_OK), -1);   /* renamed away */
    remove(path);
    assert_string_equal(back.target, m.target);
    assert_int_equal(back.n_models, WN_MODEL_COUNT);
    assert_int_equal(back.n_runs, m.n_runs);
    assert_int_equal(back.hw.n_levels, hw.n_levels);
    for (size_t k = 0; k < WN_MODEL_COUNT; k++) {
        assert_string_equal(back.models[k].name, m.models[k].name);
        assert_int_equal(back.models[k].n_coefs, m.models[k].n_coefs);
        for (size_t j = 0; j < m.models[k].n_coefs; j++) {
            assert_string_equal(back.models[k].coefs[j].unit,
                                m.models[k].coefs[j].unit);
            assert_true(fabs(back.models[k].coefs[j].value -
                             m.models[k].coefs[j].value) <=
                        1e-12 * m.models[k].coefs[j].value);
        }
        for (int g = 0; g < WN_CV_COUNT; g++) {
            assert_int_equal(back.models[k].cv[g].n, m.models[k].cv[g].n);
            assert_true(fabs(back.models[k].cv[g].std_log_ratio -
                             m.models[k].cv[g].std_log_ratio) < 1e-9);
        }
    }
    assert_int_equal(wn_model_find(&back, "wattnet"), WN_MODEL_WATTNET);
    assert_int_equal(wn_model_find(&back, "nope"), -1);
    /* malformed inputs name what is wrong */
    assert_int_equal(wn_model_parse("{", "m.json", &back), WN_EFORMAT);
    assert_int_equal(wn_model_parse("{\"wattnet_model\":1,\"target\":\"x\"}",
                                    "m.json", &back), WN_EFORMAT);
    assert_non_null(strstr(wn_errmsg(), "target"));
    assert_int_equal(wn_model_load("/nonexistent/m.json", &back), WN_ENOENT);
    wn__synth_free(&runs, n);
}

/* ---- allocation failures ------------------------------------------------------------ */

static void test_fit_survives_allocation_failures(void **state)
{
    (void)state;
    wn_hw_profile hw = test_profile();
    double flops[1] = {3e-10};
    wn_synth_opts so = {.seed = 1, .noise_sigma = 0.05, .energy = 0,
                        .kind = WN_MODEL_FLOPS, .coefs = flops, .n_sizes = 2};
    wn_run_record *runs = NULL;
    size_t n = 0;
    assert_int_equal(wn__synth_runs(&hw, &so, &runs, &n), WN_OK);
    wn_model m;
    int ok_seen = 0;
    for (long after = 0; after < 4000 && !ok_seen; after += 7) {
        wn_fault_alloc(after, 1);
        int rc = wn_model_fit_runs(runs, n, &hw, NULL, &m);
        long hits = wn_fault_alloc(-1, 0);
        if (hits == 0) {
            assert_int_equal(rc, WN_OK);
            ok_seen = 1;
        } else {
            assert_true(rc == WN_ENOMEM || rc == WN_OK);
        }
    }
    assert_true(ok_seen);
    /* the JSON writer and the synthetic generator fail cleanly too */
    wn_fault_alloc(0, -1);
    char *js = wn_model_to_json(&m);
    wn_run_record *r2 = NULL;
    size_t n2 = 0;
    int rc2 = wn__synth_runs(&hw, &so, &r2, &n2);
    wn_fault_alloc(-1, 0);
    assert_null(js);
    assert_int_equal(rc2, WN_ENOMEM);
    assert_null(r2);
    wn__synth_free(&runs, n);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_nnls_matches_brute_force),
        cmocka_unit_test(test_nnls_recovers_exact_and_rejects_bad),
        cmocka_unit_test(test_fit_recovers_known_coefficients),
        cmocka_unit_test(test_target_energy_time_and_estimates),
        cmocka_unit_test(test_max_epoch_spread_leaves_out_noisy_runs),
        cmocka_unit_test(test_cv_never_trains_on_held_out_group),
        cmocka_unit_test(test_intervals_cover_their_share),
        cmocka_unit_test(test_model_json_round_trip),
        cmocka_unit_test(test_fit_survives_allocation_failures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
