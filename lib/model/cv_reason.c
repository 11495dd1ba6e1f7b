/*
 * cv_reason.c - why a fitted model has no held-out errors (issue 9,
 * item 21).  `fit` used to say "fewer than 2 groups" whenever the pooled
 * held-out count was 0, while on 12 runs of several sizes the real cause
 * is that each fold's training part has fewer runs than the model has
 * coefficients (plus one), so no fold can be fitted.  The reason is read
 * from the figures the fit keeps: the groups found per grouping
 * (n_groups), the runs fitted and the coefficients.
 */
#include <stdio.h>

#include <wattnet/core.h>
#include <wattnet/model.h>

const char *wn_model_cv_reason(const wn_model *m, size_t k, char *buf,
                               size_t cap)
{
    if (buf == NULL || cap == 0)
        return "";
    buf[0] = '\0';
    if (m == NULL || k >= m->n_models)
        return buf;
    const wn_model_fit *mf = &m->models[k];
    const wn_cv_stats *all = &mf->cv[WN_CV_COMBINED];
    if (all->n > 0)
        return buf;
    size_t groups = all->n_groups;
    if (groups == 0 && all->n_folds == 0)   /* an older model file */
        snprintf(buf, cap, "no held-out errors (not cross-validated; the "
                 "model file does not say why)");
    else if (groups < 2)
        snprintf(buf, cap, "no cross-validation possible: fewer than 2 "
                 "groups (sizes, shapes or datasets) to hold out");
    else
        snprintf(buf, cap, "no cross-validation possible: with %zu runs in "
                 "%zu groups, every fold leaves fewer than %zu training runs "
                 "for the model's %zu coefficients (add runs per group)",
                 m->n_runs, groups, mf->n_coefs + 1, mf->n_coefs);
    return buf;
}
