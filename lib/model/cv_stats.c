/*
 * cv_stats.c - the figures of a set of predictions against measurements:
 * R^2 of logs and of values, MAPE, and the spread and quantiles of
 * log(predicted/measured), the one error measure every output reports.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <wattnet/core.h>
#include <wattnet/model.h>

#include "model/fit.h"

/* Quantile p of sorted v[0..n) with linear interpolation. */
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
        return wn_seterr(WN_ENOMEM, "cv_stats.c:%d: out of memory", __LINE__);
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
    qsort(lr, n, sizeof *lr, wn__cmp_double);
    out->median_log_ratio = wn__quantile_sorted(lr, n, 0.5);
    out->q10_log_ratio = wn__quantile_sorted(lr, n, 0.1);
    out->q90_log_ratio = wn__quantile_sorted(lr, n, 0.9);
    out->robust_std_log_ratio = (wn__quantile_sorted(lr, n, 0.75) -
                                 wn__quantile_sorted(lr, n, 0.25)) / 1.349;
    wn_free(lr);
    return WN_OK;
}
