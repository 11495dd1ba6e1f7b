/*
 * nnls.h - non-negative least squares (private to the model module).
 *
 * min ||A x - b||_2 subject to x >= 0, by the Lawson-Hanson active-set
 * method; the unconstrained sub-problems on the passive set are solved by
 * GSL's SVD least squares (gsl_multifit_linear), which copes with
 * collinear columns.
 */
#ifndef WN_MODEL_NNLS_H
#define WN_MODEL_NNLS_H

#include <stddef.h>

/* A is m x n, row-major; b has m entries; x gets n entries (>= 0).
 * Returns WN_OK, WN_EINVAL for m or n = 0, WN_ENOMEM, or WN_ENUMERIC when
 * A or b holds NaN/inf or the iteration limit (3n outer steps) is hit.
 * *iterations (may be NULL) gets the number of outer steps. */
int wn__nnls(const double *A, const double *b, size_t m, size_t n, double *x,
             size_t *iterations);

#endif /* WN_MODEL_NNLS_H */
