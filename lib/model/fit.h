/*
 * fit.h - the model module's internals that its files, tests and the
 * synthetic runs share (private): design columns and rows, the robust
 * NNLS fit, fold assignment and held-out statistics.
 */
#ifndef WN_MODEL_FIT_H
#define WN_MODEL_FIT_H

#include <stddef.h>

#include <wattnet/model.h>

#include "core/util.h"

/* design.c: names and units of the columns of model kind (coefs may be
 * NULL); returns the count.  unit is "J" or "s". */
size_t wn__model_columns(int kind, const wn_hw_profile *hw, const char *unit,
                         wn_coef *coefs);
/* design.c: the design row of features f for model kind, laid out for a
 * profile of nl_fit levels (caches + memory); returns the count. */
size_t wn__model_row(int kind, const wn_features *f, int nl_fit, double *row);
/* design.c: sum of a[i] b[i], i < n (a row times coefficients). */
double wn__dot(const double *a, const double *b, size_t n);
/* fit_rows.c: NNLS fit minimising relative, then robust log, error on the
 * rows idx[0..m) of X (rows x ncols) with targets y. */
int wn__fit_rows(const double *X, const double *y, size_t ncols,
                 const size_t *idx, size_t m, double *x);
/* folds.c: fold of each of the runs idx[0..n) under grouping g. */
int wn__cv_folds(const wn_run_record *runs, const size_t *idx, size_t n,
                 int g, size_t max_folds, size_t *fold, size_t *n_folds,
                 size_t *n_groups);
/* cv_stats.c: figures of pred against meas; quantiles; qsort order. */
int wn__cv_stats(const double *pred, const double *meas, size_t n,
                 wn_cv_stats *out);

#endif /* WN_MODEL_FIT_H */
