/*
 * fit.c - the whole fit: choose the target, keep the runs that have it,
 * then for each of the four models fit all runs and cross-validate by
 * held-out sizes, shapes and datasets.
 *
 * The pieces live next door: targets.c (what a run offers), design.c
 * (columns and rows), fit_rows.c (the robust NNLS), folds.c (grouped
 * folds), cv_stats.c (the figures), predict.c (using the result).  The
 * fold callback sees every train/test split, so a test can check that no
 * group leaks.
 */
#include <stdio.h>
#include <string.h>

#include <wattnet/core.h>
#include <wattnet/model.h>

#include "model/model_util.h"
#include "model/fit.h"

/* ---- names -------------------------------------------------------------- */

const char *wn_model_kind_name(int kind)
{
    switch (kind) {
    case WN_MODEL_FLOPS: return "flops";
    case WN_MODEL_PARAMS: return "params";
    case WN_MODEL_BUTTER_E: return "butter-e";
    case WN_MODEL_WATTNET: return "wattnet";
    default: return "unknown";
    }
}

const char *wn_cv_grouping_name(int g)
{
    switch (g) {
    case WN_CV_SIZE: return "size";
    case WN_CV_SHAPE: return "shape";
    case WN_CV_DATASET: return "dataset";
    case WN_CV_COMBINED: return "combined";
    default: return "unknown";
    }
}

void wn_fit_opts_default(wn_fit_opts *o)
{
    memset(o, 0, sizeof *o);
    o->min_runs = 8;
    o->max_folds = 10;
}

/* ---- one fit's working state ---------------------------------------------- */

/* The usable runs idx[0..m) of runs[0..n), their targets y[] and features
 * feat[] (indexed by run), the current model's design matrix X (n x nc,
 * unused rows 0) and scratch for folds and predictions. */
struct fit_state {
    const wn_run_record *runs;
    size_t n;
    const wn_hw_profile *hw;
    wn_fit_opts opts;
    wn_features *feat;
    double *y, *X, *pred, *meas, *cvpred, *cvmeas;
    size_t *idx, *fold, *tr, *te;
    size_t m, nc, cvn;
};

static int state_alloc(struct fit_state *s)
{
    size_t n1 = s->n ? s->n : 1;
    s->feat = wn_calloc(n1, sizeof *s->feat);
    s->y = wn_calloc(n1, sizeof *s->y);
    s->idx = wn_calloc(n1, sizeof *s->idx);
    s->fold = wn_calloc(n1, sizeof *s->fold);
    s->tr = wn_calloc(n1, sizeof *s->tr);
    s->te = wn_calloc(n1, sizeof *s->te);
    s->pred = wn_calloc(n1, sizeof *s->pred);
    s->meas = wn_calloc(n1, sizeof *s->meas);
    s->cvpred = wn_calloc(3 * n1, sizeof *s->cvpred);
    s->cvmeas = wn_calloc(3 * n1, sizeof *s->cvmeas);
    if (!s->feat || !s->y || !s->idx || !s->fold || !s->tr || !s->te ||
        !s->pred || !s->meas || !s->cvpred || !s->cvmeas)
        return wn_seterr(WN_ENOMEM, "fit.c:%d: out of memory", __LINE__);
    return WN_OK;
}

static void state_free(struct fit_state *s)
{
    wn_free(s->cvmeas);
    wn_free(s->cvpred);
    wn_free(s->X);
    wn_free(s->meas);
    wn_free(s->pred);
    wn_free(s->te);
    wn_free(s->tr);
    wn_free(s->fold);
    wn_free(s->idx);
    wn_free(s->y);
    wn_free(s->feat);
}

/* ---- steps ------------------------------------------------------------------ */

/* Count the runs' energy kinds into out and pick the target. */
static int choose_target(const struct fit_state *s, wn_model *out,
                         const char **target)
{
    wn_run_energy_counts c;
    wn_runs_count_energy(s->runs, s->n, &c);
    out->n_measured = c.measured;
    out->n_estimated = c.estimated;
    out->n_simulated = c.simulated;
    out->n_time_only = c.time_only;
    const char *forced = s->opts.force_target;
    if (forced != NULL) {
        if (strcmp(forced, WN_TARGET_ENERGY) && strcmp(forced, WN_TARGET_TIME))
            return wn_seterr(WN_EINVAL, "fit: unknown target \"%s\"", forced);
        *target = forced;
        snprintf(out->target_note, sizeof out->target_note,
                 "target chosen by the caller");
    } else {
        *target = wn_model_choose_target(&c, s->opts.min_runs,
                                         out->target_note,
                                         sizeof out->target_note);
    }
    wn__copy_str(out->target, sizeof out->target, *target);
    return WN_OK;
}

/* Time target: whether runs with no clean epoch are left out - only when
 * enough clean usable runs remain, unless the caller keeps them - and how
 * many runs took their target from their clean epochs only. */
static int leave_out_contended(const struct fit_state *s, const char *target,
                               wn_model *out)
{
    size_t clean = 0, contended = 0;
    if (strcmp(target, WN_TARGET_TIME) != 0)
        return 0;
    for (size_t i = 0; i < s->n; i++) {
        if (!wn_run_target(&s->runs[i], target, NULL))
            continue;
        wn_run_contention c;
        wn_run_contention_count(&s->runs[i], &c);
        if (wn_run_no_clean_epoch(&s->runs[i]))
            contended++;
        else {
            clean++;
            out->n_partly_contended += c.contended > 0;
        }
    }
    int leave = contended > 0 && !s->opts.keep_contended &&
                clean >= s->opts.min_runs;
    if (!leave)
        out->n_contended_kept = contended;
    return leave;
}

/* Keep the runs with the target and features (and, for time with a
 * spread rule, calm epochs; for time, a clean epoch when enough runs have
 * one) in idx[0..m). */
static int select_runs(struct fit_state *s, const char *target, wn_model *out)
{
    int clean = s->opts.max_epoch_spread > 0.0 &&
                strcmp(target, WN_TARGET_TIME) == 0;
    int leave = leave_out_contended(s, target, out);
    out->max_epoch_spread = clean ? s->opts.max_epoch_spread : 0.0;
    s->m = 0;
    for (size_t i = 0; i < s->n; i++) {
        double v;
        if (!wn_run_target(&s->runs[i], target, &v))
            continue;
        if (leave && wn_run_no_clean_epoch(&s->runs[i])) {
            out->n_contended_left_out++;
            continue;
        }
        if (clean &&
            wn_run_epoch_spread(&s->runs[i]) > s->opts.max_epoch_spread) {
            out->n_noisy++;
            continue;
        }
        if (wn_features_of_run(&s->runs[i], s->hw, &s->feat[i]) != WN_OK)
            continue;
        s->y[i] = v;
        s->idx[s->m++] = i;
    }
    wn_clearerr();
    if (s->m < s->opts.min_runs)
        return wn_seterr(WN_ENODATA, "fit: only %zu usable runs (of %zu%s%s) "
                         "with target %s; need at least %zu", s->m, s->n,
                         out->n_noisy ? ", noisy ones left out" : "",
                         out->n_contended_left_out ? ", contended ones left out"
                                                   : "", target,
                         s->opts.min_runs);
    out->n_runs = s->m;
    return WN_OK;
}

/* Held-out figures of model kind k under grouping g; each held-out
 * prediction is also pooled into cvpred/cvmeas for the combined figure. */
static int cross_validate(struct fit_state *s, int k, int g, wn_cv_stats *st)
{
    size_t nf = 0, np = 0, folds_done = 0, nc = s->nc, groups = 0;
    int rc = wn__cv_folds(s->runs, s->idx, s->m, g, s->opts.max_folds,
                          s->fold, &nf, &groups);
    if (rc != WN_OK)
        return rc;
    for (size_t f = 0; f < nf; f++) {
        size_t ntr = 0, nte = 0;
        for (size_t q = 0; q < s->m; q++) {
            if (s->fold[q] == f)
                s->te[nte++] = s->idx[q];
            else
                s->tr[ntr++] = s->idx[q];
        }
        if (nte == 0 || ntr < nc + 1 || ntr < 3)
            continue;
        if (k == 0 && s->opts.fold != NULL)
            s->opts.fold(s->opts.fold_user, g, f, s->tr, ntr, s->te, nte);
        double xf[WN_MODEL_MAX_COEFS] = {0};
        if ((rc = wn__fit_rows(s->X, s->y, nc, s->tr, ntr, xf)) != WN_OK)
            return rc;
        folds_done++;
        for (size_t q = 0; q < nte; q++, np++) {
            s->pred[np] = wn__dot(&s->X[s->te[q] * nc], xf, nc);
            s->meas[np] = s->y[s->te[q]];
            s->cvpred[s->cvn] = s->pred[np];
            s->cvmeas[s->cvn++] = s->meas[np];
        }
    }
    rc = wn__cv_stats(s->pred, s->meas, np, st);
    st->n_folds = folds_done;
    st->n_groups = groups;
    return rc;
}

/* Fit model kind k on every usable run, then cross-validate it. */
static int fit_kind(struct fit_state *s, int k, const char *unit,
                    wn_model_fit *mf)
{
    int rc;
    wn__copy_str(mf->name, sizeof mf->name, wn_model_kind_name(k));
    mf->n_coefs = wn__model_columns(k, s->hw, unit, mf->coefs);
    size_t nc = s->nc = mf->n_coefs;
    wn_free(s->X);
    size_t cells = s->n * nc;
    s->X = wn_calloc(cells > 0 ? cells : 1, sizeof *s->X);
    if (s->X == NULL)
        return wn_seterr(WN_ENOMEM, "fit.c:%d: out of memory", __LINE__);
    for (size_t q = 0; q < s->m; q++)
        wn__model_row(k, &s->feat[s->idx[q]], s->hw->n_levels + 1,
                      &s->X[s->idx[q] * nc]);
    double x[WN_MODEL_MAX_COEFS] = {0};
    if ((rc = wn__fit_rows(s->X, s->y, nc, s->idx, s->m, x)) != WN_OK)
        return rc;
    for (size_t j = 0; j < nc; j++)
        mf->coefs[j].value = x[j];
    for (size_t q = 0; q < s->m; q++) {
        s->pred[q] = wn__dot(&s->X[s->idx[q] * nc], x, nc);
        s->meas[q] = s->y[s->idx[q]];
    }
    if ((rc = wn__cv_stats(s->pred, s->meas, s->m, &mf->in_sample)) != WN_OK)
        return rc;
    s->cvn = 0;
    for (int g = 0; g < WN_CV_COMBINED; g++)
        if ((rc = cross_validate(s, k, g, &mf->cv[g])) != WN_OK)
            return rc;
    rc = wn__cv_stats(s->cvpred, s->cvmeas, s->cvn, &mf->cv[WN_CV_COMBINED]);
    wn_cv_stats *all = &mf->cv[WN_CV_COMBINED];
    for (int g = 0; g < WN_CV_COMBINED; g++) {
        all->n_folds += mf->cv[g].n_folds;
        if (mf->cv[g].n_groups > all->n_groups)
            all->n_groups = mf->cv[g].n_groups;
    }
    return rc;
}

/* ---- the whole fit ----------------------------------------------------------- */

int wn_model_fit_runs(const wn_run_record *runs, size_t n,
                      const wn_hw_profile *hw, const wn_fit_opts *opts_in,
                      wn_model *out)
{
    int rc = WN_OK;
    const char *target = NULL;
    struct fit_state s;
    memset(&s, 0, sizeof s);
    if (out == NULL || hw == NULL || (runs == NULL && n > 0))
        return wn_seterr(WN_EINVAL, "fit.c:%d: NULL argument", __LINE__);
    if (opts_in != NULL)
        s.opts = *opts_in;
    else
        wn_fit_opts_default(&s.opts);
    if (s.opts.min_runs < 3)
        s.opts.min_runs = 3;
    if (s.opts.max_folds < 2)
        s.opts.max_folds = 2;
    s.runs = runs;
    s.n = n;
    s.hw = hw;
    memset(out, 0, sizeof *out);
    out->hw = *hw;
    if ((rc = choose_target(&s, out, &target)) != WN_OK)
        return rc;
    const char *unit = strcmp(target, WN_TARGET_ENERGY) == 0 ? "J" : "s";
    if ((rc = state_alloc(&s)) != WN_OK)
        goto out;
    if ((rc = select_runs(&s, target, out)) != WN_OK)
        goto out;
    out->n_models = WN_MODEL_COUNT;
    for (int k = 0; k < WN_MODEL_COUNT && rc == WN_OK; k++)
        rc = fit_kind(&s, k, unit, &out->models[k]);
out:
    state_free(&s);
    return rc;
}
