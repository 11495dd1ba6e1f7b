/*
 * fit.h - the model module's internals that tests and the report use:
 * design columns and rows, the weighted NNLS fit, fold assignment and
 * held-out statistics (private).
 */
#ifndef WN_MODEL_FIT_H
#define WN_MODEL_FIT_H

#include <stddef.h>

#include <wattnet/model.h>

/* Names and units of the columns of model kind (coefs may be NULL);
 * returns the count.  unit is "J" or "s". */
size_t wn__model_columns(int kind, const wn_hw_profile *hw, const char *unit,
                         wn_coef *coefs);
/* The design row of features f for model kind, laid out for a profile of
 * nl_fit levels (caches + memory); returns the count. */
size_t wn__model_row(int kind, const wn_features *f, int nl_fit, double *row);
/* NNLS fit minimising relative error on rows idx[0..m) of X. */
int wn__fit_rows(const double *X, const double *y, size_t ncols,
                 const size_t *idx, size_t m, double *x);
/* Fold of each of the runs idx[0..n) under grouping g. */
int wn__cv_folds(const wn_run_record *runs, const size_t *idx, size_t n,
                 int g, size_t max_folds, size_t *fold, size_t *n_folds);
int wn__cv_stats(const double *pred, const double *meas, size_t n,
                 wn_cv_stats *out);
double wn__quantile_sorted(const double *v, size_t n, double p);

#endif /* WN_MODEL_FIT_H */
