/*
 * fit_rows.c - the coefficients of one model on chosen rows: weighted
 * non-negative least squares on the ratio of predicted to measured.
 *
 * The target spans orders of magnitude (tiny nets to 2^24 parameters), so
 * errors are ratios: the fit starts from NNLS on rows divided by their
 * target (squared relative errors), then takes damped Gauss-Newton steps,
 * each an NNLS, on the Huber loss of log(predicted/measured) - the very
 * spread the CV reports - so a few runs slowed by a busy machine do not
 * drag the coefficients.  Columns are scaled to unit maximum before NNLS
 * and the coefficients scaled back.
 */
#include <math.h>
#include <stdlib.h>

#include <wattnet/core.h>
#include <wattnet/model.h>

#include "model/nnls.h"
#include "model/fit.h"

#define GN_ITERATIONS 12

/* Work arrays of one fit: F the scaled rows (m x ncols), A and b the
 * current NNLS system, absr the absolute log ratios. */
struct fit_work {
    const double *y;
    const size_t *idx;
    size_t m, ncols;
    double *F, *A, *b, *scale, *absr, *xn;
};

static double prediction(const struct fit_work *w, size_t i, const double *x)
{
    return wn__dot(&w->F[i * w->ncols], x, w->ncols);
}

/* Robust log objective of coefficients x: sum of Huber(log(p/y)) with
 * threshold k; p <= 0 costs as a huge ratio. */
static double log_objective(const struct fit_work *w, const double *x,
                            double k)
{
    double obj = 0.0;
    for (size_t i = 0; i < w->m; i++) {
        double p = prediction(w, i, x);
        double r = p > 0.0 ? fabs(log(p / w->y[w->idx[i]])) : 50.0;
        obj += r <= k ? 0.5 * r * r : k * (r - 0.5 * k);
    }
    return obj;
}

/* columns scaled to unit maximum of X / y */
static void scale_columns(struct fit_work *w, const double *X)
{
    size_t nc = w->ncols;
    for (size_t i = 0; i < w->m; i++)
        for (size_t j = 0; j < nc; j++)
            w->scale[j] = fmax(w->scale[j], fabs(X[w->idx[i] * nc + j] /
                                                 w->y[w->idx[i]]));
    for (size_t j = 0; j < nc; j++)
        if (w->scale[j] <= 0.0)
            w->scale[j] = 1.0;
    for (size_t i = 0; i < w->m; i++)
        for (size_t j = 0; j < nc; j++)
            w->F[i * nc + j] = X[w->idx[i] * nc + j] / w->scale[j];
}

/* Huber threshold: 1.345 x the MAD-based sigma of the log ratios at x */
static double huber_threshold(struct fit_work *w, const double *x)
{
    for (size_t i = 0; i < w->m; i++) {
        double p = prediction(w, i, x);
        w->absr[i] = p > 0.0 ? fabs(log(p / w->y[w->idx[i]])) : 50.0;
    }
    qsort(w->absr, w->m, sizeof *w->absr, wn__cmp_double);
    double sigma = 1.4826 * wn__quantile_sorted(w->absr, w->m, 0.5);
    return sigma > 1e-9 ? 1.345 * sigma : INFINITY;
}

/* One damped Gauss-Newton step from x: log p ~ log p0 + (p - p0) / p0, so
 * the step is an NNLS with rows F_i / p0_i and right side
 * 1 + log(y_i / p0_i), Huber-weighted.  *moved = 0 when no step lowers the
 * objective or the step is negligible. */
static int gn_step(struct fit_work *w, double *x, int *moved)
{
    size_t nc = w->ncols;
    double k = huber_threshold(w, x);
    double before = log_objective(w, x, k);
    *moved = 0;
    for (size_t i = 0; i < w->m; i++) {
        double yi = w->y[w->idx[i]];
        double p = prediction(w, i, x);
        double p0 = p > 1e-6 * yi ? p : yi;
        double r = fabs(log(p0 / yi));
        double sw = sqrt(r <= k ? 1.0 : k / r);
        for (size_t j = 0; j < nc; j++)
            w->A[i * nc + j] = w->F[i * nc + j] / p0 * sw;
        w->b[i] = (1.0 + log(yi / p0)) * sw;
    }
    int rc = wn__nnls(w->A, w->b, w->m, nc, w->xn, NULL);
    if (rc != WN_OK)
        return rc;
    /* damped: halve the step until the objective does not grow */
    double after = log_objective(w, w->xn, k);
    for (int h = 0; h < 20 && !(after <= before); h++) {
        for (size_t j = 0; j < nc; j++)
            w->xn[j] = 0.5 * (w->xn[j] + x[j]);
        after = log_objective(w, w->xn, k);
    }
    if (!(after <= before))
        return WN_OK;
    double change = 0.0, norm = 0.0;
    for (size_t j = 0; j < nc; j++) {
        change += fabs(w->xn[j] - x[j]);
        norm += fabs(x[j]);
        x[j] = w->xn[j];
    }
    *moved = change > 1e-10 * norm;
    return WN_OK;
}

int wn__fit_rows(const double *X, const double *y, size_t ncols,
                 const size_t *idx, size_t m, double *x)
{
    int rc = WN_OK;
    struct fit_work w = {.y = y, .idx = idx, .m = m, .ncols = ncols};
    w.F = wn_calloc(m * ncols, sizeof *w.F);
    w.A = wn_calloc(m * ncols, sizeof *w.A);
    w.b = wn_calloc(m, sizeof *w.b);
    w.scale = wn_calloc(ncols, sizeof *w.scale);
    w.absr = wn_calloc(m, sizeof *w.absr);
    w.xn = wn_calloc(ncols, sizeof *w.xn);
    if (!w.F || !w.A || !w.b || !w.scale || !w.absr || !w.xn) {
        rc = wn_seterr(WN_ENOMEM, "fit_rows.c:%d: out of memory", __LINE__);
        goto out;
    }
    scale_columns(&w, X);
    /* start: squared relative errors, rows divided by the target */
    for (size_t i = 0; i < m; i++) {
        for (size_t j = 0; j < ncols; j++)
            w.A[i * ncols + j] = w.F[i * ncols + j] / y[idx[i]];
        w.b[i] = 1.0;
    }
    rc = wn__nnls(w.A, w.b, m, ncols, x, NULL);
    if (rc != WN_OK)
        goto unscale;
    /* then Gauss-Newton on the Huber loss of the log ratio, when there
     * are enough rows for it */
    int moved = m >= ncols + 2;
    for (int iter = 0; iter < GN_ITERATIONS && moved; iter++)
        if ((rc = gn_step(&w, x, &moved)) != WN_OK)
            goto out;
unscale:
    for (size_t j = 0; j < ncols; j++)
        x[j] /= w.scale[j];
out:
    wn_free(w.xn);
    wn_free(w.absr);
    wn_free(w.scale);
    wn_free(w.b);
    wn_free(w.A);
    wn_free(w.F);
    return rc;
}
