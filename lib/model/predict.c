/*
 * predict.c - a fitted model's prediction for given features, with the
 * 80% interval from its held-out log ratios.
 */
#include <math.h>
#include <string.h>

#include <wattnet/core.h>
#include <wattnet/model.h>

#include "model/fit.h"

int wn_model_find(const wn_model *m, const char *name)
{
    if (m == NULL || name == NULL)
        return -1;
    for (size_t k = 0; k < m->n_models; k++)
        if (strcmp(m->models[k].name, name) == 0)
            return (int)k;
    return -1;
}

double wn_model_interval_ratio(const wn_model *m, size_t k)
{
    if (m == NULL || k >= m->n_models)
        return NAN;
    const wn_cv_stats *st = &m->models[k].cv[WN_CV_COMBINED];
    if (st->n == 0)
        return NAN;
    return exp(st->q90_log_ratio - st->q10_log_ratio);
}

int wn_model_interval_informative(const wn_model *m, size_t k)
{
    double r = wn_model_interval_ratio(m, k);
    return isfinite(r) && r <= WN_MODEL_MAX_INTERVAL_RATIO;
}

int wn_model_predict(const wn_model *m, int kind, const wn_features *f,
                     double *y, double *lo, double *hi)
{
    if (m == NULL || f == NULL || y == NULL)
        return wn_seterr(WN_EINVAL, "predict.c:%d: NULL argument", __LINE__);
    if (kind < 0 || (size_t)kind >= m->n_models)
        return wn_seterr(WN_EINVAL, "predict: no model %d", kind);
    const wn_model_fit *mf = &m->models[kind];
    int k = -1;
    for (int q = 0; q < WN_MODEL_COUNT; q++)
        if (strcmp(mf->name, wn_model_kind_name(q)) == 0)
            k = q;
    if (k < 0)
        return wn_seterr(WN_EINVAL, "predict: unknown model \"%s\"", mf->name);
    double row[WN_MODEL_MAX_COEFS] = {0}, x[WN_MODEL_MAX_COEFS] = {0};
    size_t nc = wn__model_row(k, f, m->hw.n_levels + 1, row);
    if (nc != mf->n_coefs)
        return wn_seterr(WN_EFORMAT, "predict: model \"%s\" has %zu "
                         "coefficients, its features %zu", mf->name,
                         mf->n_coefs, nc);
    for (size_t j = 0; j < nc; j++)
        x[j] = mf->coefs[j].value;
    double v = wn__dot(row, x, nc);
    *y = v;
    /* no held-out errors: no interval, never the in-sample one */
    const wn_cv_stats *st = &mf->cv[WN_CV_COMBINED];
    int have = st->n > 0;
    /* log(pred/meas) in [q10, q90] <=> meas in [pred e^-q90, pred e^-q10] */
    if (lo != NULL)
        *lo = have ? v * exp(-st->q90_log_ratio) : NAN;
    if (hi != NULL)
        *hi = have ? v * exp(-st->q10_log_ratio) : NAN;
    return WN_OK;
}
