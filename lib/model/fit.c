/*
 * fit.c - the four models, their fit by weighted non-negative least squares
 * and their grouped cross-validation.
 *
 * Each model is linear in a few feature columns with non-negative
 * coefficients.  The target spans orders of magnitude (tiny nets to 2^24
 * parameters), so errors are ratios: the fit starts from NNLS on rows
 * divided by their target (squared relative errors), then takes damped
 * Gauss-Newton steps, each an NNLS, on the Huber loss of
 * log(predicted/measured) - the very spread the CV reports - so a few runs
 * slowed by a busy machine do not drag the coefficients.  Columns are
 * scaled to unit maximum before NNLS and the coefficients scaled back.
 *
 * Cross-validation holds out whole groups: every run of a size (then of a
 * shape, then of a dataset) is predicted by a model that never saw that
 * size.  With more groups than max_folds, groups are dealt round-robin (in
 * sorted order) into max_folds folds.  The fold callback sees every
 * train/test split, so a test can check that no group leaks.
 */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <wattnet/wattnet.h>
#include <wattnet/model.h>

#include "model/model_util.h"
#include "model/nnls.h"
#include "model/fit.h"

#define GN_ITERATIONS 12

static int cmp_double(const void *a, const void *b);

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

/* ---- targets ------------------------------------------------------------ */

int wn_run_energy_usable(const wn_run_record *r)
{
    return r != NULL && wn_energy_usable(&r->energy);
}

static double data_per_run(const wn_run_record *r)
{
    double B = (double)r->spec.train.batch;
    double epochs = (double)(r->summary.epochs ? r->summary.epochs
                                               : r->spec.train.epochs);
    return (double)r->summary.batches_per_epoch * B * epochs;
}

double wn_run_epoch_spread(const wn_run_record *r)
{
    double a = INFINITY, b = INFINITY;   /* fastest, second fastest */
    for (size_t e = 0; r != NULL && r->epochs != NULL && e < r->n_epochs;
         e++) {
        double s = r->epochs[e].stats.seconds;
        if (!(s > 0.0))
            continue;
        if (s < a) {
            b = a;
            a = s;
        } else if (s < b) {
            b = s;
        }
    }
    return isfinite(b) ? b / a : 1.0;
}

int wn_run_target(const wn_run_record *r, const char *target, double *y)
{
    double v = NAN;
    if (r == NULL || target == NULL)
        return 0;
    double per_epoch = (double)r->summary.batches_per_epoch *
                       (double)r->spec.train.batch;
    if (strcmp(target, WN_TARGET_ENERGY) == 0) {
        if (!wn_run_energy_usable(r))
            return 0;
        if (r->has_jpd)
            v = r->joules_per_datum;
        else if (!wn_energy_per_datum(&r->energy, data_per_run(r), &v))
            v = NAN;
    } else if (strcmp(target, WN_TARGET_TIME) == 0) {
        if (per_epoch <= 0.0)
            return 0;
        /* the fastest epoch: on a shared machine contention only ever adds
         * time, so the minimum is the least noisy estimate of the cost */
        double fastest = INFINITY;
        for (size_t e = 0; e < r->n_epochs && r->epochs != NULL; e++)
            if (r->epochs[e].stats.seconds > 0.0)
                fastest = fmin(fastest, r->epochs[e].stats.seconds);
        if (isfinite(fastest))
            v = fastest / per_epoch;
        else if (r->summary.seconds_per_epoch_median > 0.0)
            v = r->summary.seconds_per_epoch_median / per_epoch;
        else if (r->summary.seconds_total > 0.0 && data_per_run(r) > 0.0)
            v = r->summary.seconds_total / data_per_run(r);
    }
    if (!isfinite(v) || v <= 0.0)
        return 0;
    if (y != NULL)
        *y = v;
    return 1;
}

/* ---- design rows -------------------------------------------------------- */

static void level_name(const wn_hw_profile *hw, int l, char *dst, size_t cap)
{
    if (l < hw->n_levels)
        wn__copy_str(dst, cap, hw->levels[l].name);
    else
        wn__copy_str(dst, cap, hw->memory_name[0] ? hw->memory_name : "RAM");
}

/* Column names and units of model kind on profile hw (unit_j is "J" or
 * "s").  Returns the column count. */
size_t wn__model_columns(int kind, const wn_hw_profile *hw, const char *unit,
                         wn_coef *coefs)
{
    size_t n = 0;
    int nl = hw->n_levels + 1;
    char ln[16];
#define COL(nm_fmt, nm_arg, un_fmt)                                          \
    do {                                                                     \
        if (coefs != NULL) {                                                 \
            snprintf(coefs[n].name, sizeof coefs[n].name, nm_fmt, nm_arg);   \
            snprintf(coefs[n].unit, sizeof coefs[n].unit, un_fmt, unit);     \
            coefs[n].value = 0.0;                                            \
        }                                                                    \
        n++;                                                                 \
    } while (0)
    switch (kind) {
    case WN_MODEL_FLOPS:
        COL("%s", "per_flop", "%s/FLOP");
        break;
    case WN_MODEL_PARAMS:
        COL("%s", "per_param", "%s/(param*datum)");
        break;
    case WN_MODEL_BUTTER_E:
        COL("%s", "per_datum", "%s/datum");
        for (int l = 0; l < nl; l++) {
            level_name(hw, l, ln, sizeof ln);
            COL("bytes_in_%s", ln, "%s/(byte placed/B)");
        }
        break;
    case WN_MODEL_WATTNET:
        for (int l = 0; l < nl; l++) {
            level_name(hw, l, ln, sizeof ln);
            COL("flop_set_in_%s", ln, "%s/FLOP");
        }
        for (int l = 0; l < nl; l++) {
            level_name(hw, l, ln, sizeof ln);
            COL("traffic_from_%s", ln, "%s/byte");
        }
        COL("%s", "per_batch", "%s/batch");
        COL("%s", "per_layer_batch", "%s/(layer*batch)");
        COL("%s", "per_datum", "%s/datum");
        break;
    default:
        break;
    }
#undef COL
    return n;
}

/* Map level arrays of features computed on another profile onto nl_fit
 * entries: cache l stays l while the fitted profile has it, extra caches
 * fold into the last fitted cache, memory stays memory. */
static void map_levels(const double *src, int nl_src, double *dst, int nl_fit)
{
    for (int l = 0; l < nl_fit; l++)
        dst[l] = 0.0;
    for (int l = 0; l < nl_src; l++) {
        int to;
        if (l == nl_src - 1)
            to = nl_fit - 1;
        else if (l < nl_fit - 1)
            to = l;
        else
            to = nl_fit >= 2 ? nl_fit - 2 : 0;
        dst[to] += src[l];
    }
}

size_t wn__model_row(int kind, const wn_features *f, int nl_fit, double *row)
{
    size_t n = 0;
    double tmp[WN_FEAT_LEVELS];
    double B = (double)f->batch;
    switch (kind) {
    case WN_MODEL_FLOPS:
        row[n++] = f->flops_per_datum;
        break;
    case WN_MODEL_PARAMS:
        row[n++] = (double)f->params;
        break;
    case WN_MODEL_BUTTER_E:
        row[n++] = 1.0;
        map_levels(f->greedy_bytes, f->n_levels, tmp, nl_fit);
        for (int l = 0; l < nl_fit; l++)
            row[n++] = tmp[l] / B;
        break;
    case WN_MODEL_WATTNET:
        map_levels(f->flops_by_level, f->n_levels, tmp, nl_fit);
        for (int l = 0; l < nl_fit; l++)
            row[n++] = tmp[l];
        map_levels(f->traffic_bytes, f->n_levels, tmp, nl_fit);
        for (int l = 0; l < nl_fit; l++)
            row[n++] = tmp[l];
        row[n++] = 1.0 / B;
        row[n++] = (double)f->depth / B;
        row[n++] = 1.0;
        break;
    default:
        break;
    }
    return n;
}

/* ---- fitting ------------------------------------------------------------- */

/* Fit coefficients x (ncols) on the rows idx[0..m) of X (nrows x ncols)
 * with targets y: relative-error NNLS, then robust log-ratio steps. */
/* Robust log objective of coefficients x (scaled columns F): sum of
 * Huber(log(p/y)) with threshold k; p <= 0 costs as a huge ratio. */
static double log_objective(const double *F, const double *y,
                            const size_t *idx, size_t m, size_t ncols,
                            const double *x, double k)
{
    double obj = 0.0;
    for (size_t i = 0; i < m; i++) {
        double p = 0.0;
        for (size_t j = 0; j < ncols; j++)
            p += F[i * ncols + j] * x[j];
        double r = p > 0.0 ? fabs(log(p / y[idx[i]])) : 50.0;
        obj += r <= k ? 0.5 * r * r : k * (r - 0.5 * k);
    }
    return obj;
}

int wn__fit_rows(const double *X, const double *y, size_t ncols,
                 const size_t *idx, size_t m, double *x)
{
    int rc = WN_OK;
    double *F = wn_calloc(m * ncols, sizeof *F);
    double *A = wn_calloc(m * ncols, sizeof *A);
    double *b = wn_calloc(m, sizeof *b);
    double *scale = wn_calloc(ncols, sizeof *scale);
    double *w = wn_calloc(m, sizeof *w);
    double *absr = wn_calloc(m, sizeof *absr);
    double *xn = wn_calloc(ncols, sizeof *xn);
    if (!F || !A || !b || !scale || !w || !absr || !xn) {
        rc = wn_seterr(WN_ENOMEM, "fit.c:%d: out of memory", __LINE__);
        goto out;
    }
    /* columns scaled to unit maximum of X / y */
    for (size_t i = 0; i < m; i++)
        for (size_t j = 0; j < ncols; j++)
            scale[j] = fmax(scale[j], fabs(X[idx[i] * ncols + j] / y[idx[i]]));
    for (size_t j = 0; j < ncols; j++)
        if (scale[j] <= 0.0)
            scale[j] = 1.0;
    for (size_t i = 0; i < m; i++)
        for (size_t j = 0; j < ncols; j++)
            F[i * ncols + j] = X[idx[i] * ncols + j] / scale[j];

    /* start: squared relative errors, rows divided by the target */
    for (size_t i = 0; i < m; i++) {
        for (size_t j = 0; j < ncols; j++)
            A[i * ncols + j] = F[i * ncols + j] / y[idx[i]];
        b[i] = 1.0;
    }
    rc = wn__nnls(A, b, m, ncols, x, NULL);
    if (rc != WN_OK || m < ncols + 2)
        goto unscale;

    /* then Gauss-Newton on the log ratio, with Huber weights: minimises the
     * spread of log(predicted/measured) itself, and a run slowed by
     * contention on a shared machine (or a bad meter window) does not
     * drag the coefficients.  log p ~ log p0 + (p - p0) / p0, so each step
     * is an NNLS with rows F_i / p0_i and right side 1 + log(y_i / p0_i). */
    double k = INFINITY;
    for (int iter = 0; iter < GN_ITERATIONS; iter++) {
        size_t nr = 0;
        for (size_t i = 0; i < m; i++) {
            double p = 0.0;
            for (size_t j = 0; j < ncols; j++)
                p += F[i * ncols + j] * x[j];
            absr[nr++] = p > 0.0 ? fabs(log(p / y[idx[i]])) : 50.0;
        }
        qsort(absr, nr, sizeof *absr, cmp_double);
        double sigma = 1.4826 * wn__quantile_sorted(absr, nr, 0.5);
        k = sigma > 1e-9 ? 1.345 * sigma : INFINITY;
        double before = log_objective(F, y, idx, m, ncols, x, k);
        for (size_t i = 0; i < m; i++) {
            double p = 0.0;
            for (size_t j = 0; j < ncols; j++)
                p += F[i * ncols + j] * x[j];
            double yi = y[idx[i]];
            double p0 = p > 1e-6 * yi ? p : yi;
            double r = fabs(log(p0 / yi));
            w[i] = r <= k ? 1.0 : k / r;
            double sw = sqrt(w[i]);
            for (size_t j = 0; j < ncols; j++)
                A[i * ncols + j] = F[i * ncols + j] / p0 * sw;
            b[i] = (1.0 + log(yi / p0)) * sw;
        }
        rc = wn__nnls(A, b, m, ncols, xn, NULL);
        if (rc != WN_OK)
            goto out;
        /* damped: halve the step until the objective does not grow */
        double after = log_objective(F, y, idx, m, ncols, xn, k);
        for (int h = 0; h < 20 && !(after <= before); h++) {
            for (size_t j = 0; j < ncols; j++)
                xn[j] = 0.5 * (xn[j] + x[j]);
            after = log_objective(F, y, idx, m, ncols, xn, k);
        }
        if (!(after <= before))
            break;
        double change = 0.0, norm = 0.0;
        for (size_t j = 0; j < ncols; j++) {
            change += fabs(xn[j] - x[j]);
            norm += fabs(x[j]);
            x[j] = xn[j];
        }
        if (change <= 1e-10 * norm)
            break;
    }
unscale:
    for (size_t j = 0; j < ncols; j++)
        x[j] /= scale[j];
out:
    wn_free(xn);
    wn_free(absr);
    wn_free(w);
    wn_free(scale);
    wn_free(b);
    wn_free(A);
    wn_free(F);
    return rc;
}

static double dot(const double *a, const double *b, size_t n)
{
    double s = 0.0;
    for (size_t i = 0; i < n; i++)
        s += a[i] * b[i];
    return s;
}

/* ---- statistics ---------------------------------------------------------- */

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Quantile p of sorted v[0..n) with linear interpolation. */
double wn__quantile_sorted(const double *v, size_t n, double p)
{
    if (n == 0)
        return NAN;
    double pos = p * (double)(n - 1);
    size_t lo = (size_t)floor(pos);
    size_t hi = lo + 1 < n ? lo + 1 : lo;
    double t = pos - (double)lo;
    return v[lo] * (1.0 - t) + v[hi] * t;
}

/* Figures of predictions pred against measurements meas (n each); the
 * prediction is floored at 1e-30 so the log stays finite. */
int wn__cv_stats(const double *pred, const double *meas, size_t n,
                 wn_cv_stats *out)
{
    memset(out, 0, sizeof *out);
    if (n == 0)
        return WN_OK;
    double *lr = wn_calloc(n, sizeof *lr);
    if (lr == NULL)
        return wn_seterr(WN_ENOMEM, "fit.c:%d: out of memory", __LINE__);
    double mlog = 0.0, mlin = 0.0, mape = 0.0, mean_lr = 0.0;
    for (size_t i = 0; i < n; i++) {
        double p = fmax(pred[i], 1e-30);
        lr[i] = log(p / meas[i]);
        mlog += log(meas[i]);
        mlin += meas[i];
        mape += fabs(pred[i] - meas[i]) / meas[i];
        mean_lr += lr[i];
    }
    mlog /= (double)n;
    mlin /= (double)n;
    mean_lr /= (double)n;
    double ss_log = 0.0, st_log = 0.0, ss_lin = 0.0, st_lin = 0.0, var = 0.0;
    for (size_t i = 0; i < n; i++) {
        double p = fmax(pred[i], 1e-30);
        ss_log += pow(log(p) - log(meas[i]), 2);
        st_log += pow(log(meas[i]) - mlog, 2);
        ss_lin += pow(pred[i] - meas[i], 2);
        st_lin += pow(meas[i] - mlin, 2);
        var += pow(lr[i] - mean_lr, 2);
    }
    out->n = n;
    out->r2 = st_log > 0.0 ? 1.0 - ss_log / st_log : NAN;
    out->r2_linear = st_lin > 0.0 ? 1.0 - ss_lin / st_lin : NAN;
    out->mape = mape / (double)n;
    out->std_log_ratio = n > 1 ? sqrt(var / (double)(n - 1)) : 0.0;
    qsort(lr, n, sizeof *lr, cmp_double);
    out->median_log_ratio = wn__quantile_sorted(lr, n, 0.5);
    out->q10_log_ratio = wn__quantile_sorted(lr, n, 0.1);
    out->q90_log_ratio = wn__quantile_sorted(lr, n, 0.9);
    out->robust_std_log_ratio = (wn__quantile_sorted(lr, n, 0.75) -
                                 wn__quantile_sorted(lr, n, 0.25)) / 1.349;
    wn_free(lr);
    return WN_OK;
}

/* ---- grouping -------------------------------------------------------------- */

static void group_key(const wn_run_record *r, int g, char *key, size_t cap)
{
    switch (g) {
    case WN_CV_SIZE:
        snprintf(key, cap, "%llu", (unsigned long long)r->spec.train.size);
        break;
    case WN_CV_SHAPE:
        wn__copy_str(key, cap, r->spec.train.shape);
        break;
    default:
        wn__copy_str(key, cap, r->dataset_name[0] ? r->dataset_name
                                                  : r->spec.dataset);
        break;
    }
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Assign fold[i] for the runs idx[0..n) by grouping g; *n_folds gets the
 * fold count (0 or 1: no cross-validation possible). */
int wn__cv_folds(const wn_run_record *runs, const size_t *idx, size_t n,
                 int g, size_t max_folds, size_t *fold, size_t *n_folds)
{
    int rc = WN_OK;
    char (*keys)[128] = wn_calloc(n ? n : 1, sizeof *keys);
    const char **uniq = wn_calloc(n ? n : 1, sizeof *uniq);
    *n_folds = 0;
    if (keys == NULL || uniq == NULL) {
        rc = wn_seterr(WN_ENOMEM, "fit.c:%d: out of memory", __LINE__);
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        group_key(&runs[idx[i]], g, keys[i], sizeof keys[i]);
        uniq[i] = keys[i];
    }
    qsort(uniq, n, sizeof *uniq, cmp_str);
    size_t nu = 0;
    for (size_t i = 0; i < n; i++)
        if (nu == 0 || strcmp(uniq[nu - 1], uniq[i]) != 0)
            uniq[nu++] = uniq[i];
    if (nu < 2)
        goto out;
    size_t nf = nu < max_folds ? nu : max_folds;
    if (nf < 2)
        nf = 2;
    for (size_t i = 0; i < n; i++) {
        const char *k = keys[i];
        const char **hit = bsearch(&k, uniq, nu, sizeof *uniq, cmp_str);
        fold[i] = (size_t)(hit - uniq) % nf;
    }
    *n_folds = nf;
out:
    wn_free(uniq);
    wn_free(keys);
    return rc;
}

/* ---- the whole fit ----------------------------------------------------------- */

int wn_model_fit_runs(const wn_run_record *runs, size_t n,
                      const wn_hw_profile *hw, const wn_fit_opts *opts_in,
                      wn_model *out)
{
    int rc = WN_OK;
    wn_fit_opts opts;
    wn_features *feat = NULL;
    double *y = NULL, *X = NULL, *pred = NULL, *meas = NULL;
    double *cvpred[WN_MODEL_COUNT] = {0}, *cvmeas[WN_MODEL_COUNT] = {0};
    size_t cvn[WN_MODEL_COUNT] = {0};
    size_t *idx = NULL, *fold = NULL, *tr = NULL, *te = NULL;

    if (opts_in != NULL)
        opts = *opts_in;
    else
        wn_fit_opts_default(&opts);
    if (opts.min_runs < 3)
        opts.min_runs = 3;
    if (opts.max_folds < 2)
        opts.max_folds = 2;
    if (out == NULL || hw == NULL || (runs == NULL && n > 0))
        return wn_seterr(WN_EINVAL, "fit.c:%d: NULL argument", __LINE__);
    memset(out, 0, sizeof *out);
    out->hw = *hw;

    for (size_t i = 0; i < n; i++) {
        if (wn_run_energy_usable(&runs[i]))
            out->n_measured++;
        else if (wn_energy_is_estimate(&runs[i].energy))
            out->n_estimated++;
        else
            out->n_time_only++;
    }
    const char *target;
    if (opts.force_target != NULL) {
        if (strcmp(opts.force_target, WN_TARGET_ENERGY) &&
            strcmp(opts.force_target, WN_TARGET_TIME))
            return wn_seterr(WN_EINVAL, "fit: unknown target \"%s\"",
                             opts.force_target);
        target = opts.force_target;
        snprintf(out->target_note, sizeof out->target_note,
                 "target chosen by the caller");
    } else if (out->n_measured >= opts.min_runs) {
        target = WN_TARGET_ENERGY;
        snprintf(out->target_note, sizeof out->target_note,
                 "%zu runs with measured energy (estimates excluded)",
                 out->n_measured);
    } else {
        target = WN_TARGET_TIME;
        snprintf(out->target_note, sizeof out->target_note,
                 "TIME, not energy: only %zu runs carry measured energy "
                 "(%zu estimates do not count)", out->n_measured,
                 out->n_estimated);
    }
    wn__copy_str(out->target, sizeof out->target, target);
    const char *unit = strcmp(target, WN_TARGET_ENERGY) == 0 ? "J" : "s";

    feat = wn_calloc(n ? n : 1, sizeof *feat);
    y = wn_calloc(n ? n : 1, sizeof *y);
    idx = wn_calloc(n ? n : 1, sizeof *idx);
    fold = wn_calloc(n ? n : 1, sizeof *fold);
    tr = wn_calloc(n ? n : 1, sizeof *tr);
    te = wn_calloc(n ? n : 1, sizeof *te);
    pred = wn_calloc(n ? n : 1, sizeof *pred);
    meas = wn_calloc(n ? n : 1, sizeof *meas);
    if (!feat || !y || !idx || !fold || !tr || !te || !pred || !meas) {
        rc = wn_seterr(WN_ENOMEM, "fit.c:%d: out of memory", __LINE__);
        goto out;
    }
    size_t m = 0;
    int clean = opts.max_epoch_spread > 0.0 &&
                strcmp(target, WN_TARGET_TIME) == 0;
    out->max_epoch_spread = clean ? opts.max_epoch_spread : 0.0;
    for (size_t i = 0; i < n; i++) {
        double v;
        if (!wn_run_target(&runs[i], target, &v))
            continue;
        if (clean && wn_run_epoch_spread(&runs[i]) > opts.max_epoch_spread) {
            out->n_noisy++;
            continue;
        }
        if (wn_features_of_run(&runs[i], hw, &feat[i]) != WN_OK)
            continue;
        y[i] = v;
        idx[m++] = i;
    }
    wn_clearerr();
    if (m < opts.min_runs) {
        rc = wn_seterr(WN_EINVAL, "fit: only %zu usable runs (of %zu%s) with "
                       "target %s; need at least %zu", m, n,
                       out->n_noisy ? ", noisy ones left out" : "", target,
                       opts.min_runs);
        goto out;
    }
    out->n_runs = m;
    int nl = hw->n_levels + 1;

    /* design matrices, one per kind, over all n (unused rows stay 0) */
    for (int k = 0; k < WN_MODEL_COUNT; k++) {
        cvpred[k] = wn_calloc(3 * m, sizeof(double));
        cvmeas[k] = wn_calloc(3 * m, sizeof(double));
        if (cvpred[k] == NULL || cvmeas[k] == NULL) {
            rc = wn_seterr(WN_ENOMEM, "fit.c:%d: out of memory", __LINE__);
            goto out;
        }
    }
    out->n_models = WN_MODEL_COUNT;
    for (int k = 0; k < WN_MODEL_COUNT; k++) {
        wn_model_fit *mf = &out->models[k];
        wn__copy_str(mf->name, sizeof mf->name, wn_model_kind_name(k));
        mf->n_coefs = wn__model_columns(k, hw, unit, mf->coefs);
        size_t nc = mf->n_coefs;
        wn_free(X);
        X = wn_calloc(n * nc, sizeof *X);
        if (X == NULL) {
            rc = wn_seterr(WN_ENOMEM, "fit.c:%d: out of memory", __LINE__);
            goto out;
        }
        for (size_t q = 0; q < m; q++)
            wn__model_row(k, &feat[idx[q]], nl, &X[idx[q] * nc]);
        double x[WN_MODEL_MAX_COEFS] = {0};
        rc = wn__fit_rows(X, y, nc, idx, m, x);
        if (rc != WN_OK)
            goto out;
        for (size_t j = 0; j < nc; j++)
            mf->coefs[j].value = x[j];
        for (size_t q = 0; q < m; q++) {
            pred[q] = dot(&X[idx[q] * nc], x, nc);
            meas[q] = y[idx[q]];
        }
        rc = wn__cv_stats(pred, meas, m, &mf->in_sample);
        if (rc != WN_OK)
            goto out;

        for (int g = 0; g < WN_CV_COMBINED; g++) {
            size_t nf = 0;
            rc = wn__cv_folds(runs, idx, m, g, opts.max_folds, fold, &nf);
            if (rc != WN_OK)
                goto out;
            size_t np = 0, folds_done = 0;
            for (size_t f = 0; f < nf; f++) {
                size_t ntr = 0, nte = 0;
                for (size_t q = 0; q < m; q++) {
                    if (fold[q] == f)
                        te[nte++] = idx[q];
                    else
                        tr[ntr++] = idx[q];
                }
                if (nte == 0 || ntr < nc + 1 || ntr < 3)
                    continue;
                if (k == 0 && opts.fold != NULL)
                    opts.fold(opts.fold_user, g, f, tr, ntr, te, nte);
                double xf[WN_MODEL_MAX_COEFS] = {0};
                rc = wn__fit_rows(X, y, nc, tr, ntr, xf);
                if (rc != WN_OK)
                    goto out;
                folds_done++;
                for (size_t q = 0; q < nte; q++) {
                    pred[np] = dot(&X[te[q] * nc], xf, nc);
                    meas[np] = y[te[q]];
                    cvpred[k][cvn[k]] = pred[np];
                    cvmeas[k][cvn[k]] = meas[np];
                    cvn[k]++;
                    np++;
                }
            }
            rc = wn__cv_stats(pred, meas, np, &mf->cv[g]);
            if (rc != WN_OK)
                goto out;
            mf->cv[g].n_folds = folds_done;
        }
        rc = wn__cv_stats(cvpred[k], cvmeas[k], cvn[k],
                          &mf->cv[WN_CV_COMBINED]);
        if (rc != WN_OK)
            goto out;
        for (int g = 0; g < WN_CV_COMBINED; g++)
            mf->cv[WN_CV_COMBINED].n_folds += mf->cv[g].n_folds;
    }
out:
    for (int k = 0; k < WN_MODEL_COUNT; k++) {
        wn_free(cvpred[k]);
        wn_free(cvmeas[k]);
    }
    wn_free(X);
    wn_free(meas);
    wn_free(pred);
    wn_free(te);
    wn_free(tr);
    wn_free(fold);
    wn_free(idx);
    wn_free(y);
    wn_free(feat);
    return rc;
}

/* ---- prediction ------------------------------------------------------------- */

int wn_model_find(const wn_model *m, const char *name)
{
    if (m == NULL || name == NULL)
        return -1;
    for (size_t k = 0; k < m->n_models; k++)
        if (strcmp(m->models[k].name, name) == 0)
            return (int)k;
    return -1;
}

int wn_model_predict(const wn_model *m, int kind, const wn_features *f,
                     double *y, double *lo, double *hi)
{
    if (m == NULL || f == NULL || y == NULL)
        return wn_seterr(WN_EINVAL, "fit.c:%d: NULL argument", __LINE__);
    if (kind < 0 || (size_t)kind >= m->n_models)
        return wn_seterr(WN_EINVAL, "predict: no model %d", kind);
    const wn_model_fit *mf = &m->models[kind];
    int k = -1;
    for (int q = 0; q < WN_MODEL_COUNT; q++)
        if (strcmp(mf->name, wn_model_kind_name(q)) == 0)
            k = q;
    if (k < 0)
        return wn_seterr(WN_EINVAL, "predict: unknown model \"%s\"", mf->name);
    double row[WN_MODEL_MAX_COEFS] = {0};
    size_t nc = wn__model_row(k, f, m->hw.n_levels + 1, row);
    if (nc != mf->n_coefs)
        return wn_seterr(WN_EFORMAT, "predict: model \"%s\" has %zu "
                         "coefficients, its features %zu", mf->name,
                         mf->n_coefs, nc);
    double v = 0.0;
    for (size_t j = 0; j < nc; j++)
        v += row[j] * mf->coefs[j].value;
    *y = v;
    const wn_cv_stats *st = mf->cv[WN_CV_COMBINED].n > 0
                                ? &mf->cv[WN_CV_COMBINED] : &mf->in_sample;
    /* log(pred/meas) in [q10, q90] <=> meas in [pred e^-q90, pred e^-q10] */
    if (lo != NULL)
        *lo = v * exp(-st->q90_log_ratio);
    if (hi != NULL)
        *hi = v * exp(-st->q10_log_ratio);
    return WN_OK;
}
