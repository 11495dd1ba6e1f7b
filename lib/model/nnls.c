/*
 * nnls.c - Lawson-Hanson active-set non-negative least squares.
 *
 * Used by the model fit on small problems (hundreds to thousands of rows,
 * at most 16 columns), so clarity beats speed: every inner step solves the
 * passive-set least-squares problem afresh with GSL's SVD solver.
 *
 * Algorithm (Lawson & Hanson 1974, ch. 23):
 *   P = {}, x = 0, w = A'(b - A x)
 *   while some j outside P has w_j > tol:
 *       move the j with the largest w_j into P
 *       loop: s = LS solution on P (0 elsewhere)
 *             if every s_j > 0 on P: x = s, break
 *             step x toward s until the first x_j hits 0; drop those from P
 *       w = A'(b - A x)
 */
#include <math.h>
#include <string.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_multifit.h>

#include <wattnet/wattnet.h>

#include "model/nnls.h"

/* ---- the passive-set sub-problem ---------------------------------------- */

/* Least squares of A restricted to columns P[0..k) (m rows; zero-padded to
 * at least k rows for GSL) -> s (n entries, 0 off P). */
static int solve_passive(const double *A, const double *b, size_t m, size_t n,
                         const size_t *P, size_t k, double *s)
{
    int rc = WN_OK;
    size_t rows = m >= k ? m : k;
    gsl_matrix *X = gsl_matrix_calloc(rows, k);
    gsl_vector *y = gsl_vector_calloc(rows);
    gsl_vector *c = gsl_vector_alloc(k);
    gsl_matrix *cov = gsl_matrix_alloc(k, k);
    gsl_multifit_linear_workspace *w = gsl_multifit_linear_alloc(rows, k);
    if (!X || !y || !c || !cov || !w) {
        rc = wn_seterr(WN_ENOMEM, "nnls.c:%d: out of memory", __LINE__);
        goto out;
    }
    for (size_t i = 0; i < m; i++) {
        for (size_t j = 0; j < k; j++)
            gsl_matrix_set(X, i, j, A[i * n + P[j]]);
        gsl_vector_set(y, i, b[i]);
    }
    double chisq = 0.0;
    if (gsl_multifit_linear(X, y, c, cov, &chisq, w) != GSL_SUCCESS) {
        rc = wn_seterr(WN_ENUMERIC, "nnls.c:%d: least squares failed",
                       __LINE__);
        goto out;
    }
    memset(s, 0, n * sizeof *s);
    for (size_t j = 0; j < k; j++)
        s[P[j]] = gsl_vector_get(c, j);
out:
    gsl_multifit_linear_free(w);
    gsl_matrix_free(cov);
    gsl_vector_free(c);
    gsl_vector_free(y);
    gsl_matrix_free(X);
    return rc;
}

/* w = A'(b - A x) */
static void gradient(const double *A, const double *b, size_t m, size_t n,
                     const double *x, double *r, double *w)
{
    for (size_t i = 0; i < m; i++) {
        double ax = 0.0;
        for (size_t j = 0; j < n; j++)
            ax += A[i * n + j] * x[j];
        r[i] = b[i] - ax;
    }
    for (size_t j = 0; j < n; j++) {
        double acc = 0.0;
        for (size_t i = 0; i < m; i++)
            acc += A[i * n + j] * r[i];
        w[j] = acc;
    }
}

/* ---- public (module) ---------------------------------------------------- */

int wn__nnls(const double *A, const double *b, size_t m, size_t n, double *x,
             size_t *iterations)
{
    int rc = WN_OK;
    double *s = NULL, *w = NULL, *r = NULL;
    size_t *P = NULL;
    unsigned char *inP = NULL;
    gsl_error_handler_t *old = gsl_set_error_handler_off();
    size_t iter = 0;

    if (A == NULL || b == NULL || x == NULL || m == 0 || n == 0) {
        rc = wn_seterr(WN_EINVAL, "nnls.c:%d: empty problem", __LINE__);
        goto out;
    }
    for (size_t i = 0; i < m * n; i++)
        if (!isfinite(A[i])) {
            rc = wn_seterr(WN_ENUMERIC, "nnls.c:%d: A[%zu] is not finite",
                           __LINE__, i);
            goto out;
        }
    for (size_t i = 0; i < m; i++)
        if (!isfinite(b[i])) {
            rc = wn_seterr(WN_ENUMERIC, "nnls.c:%d: b[%zu] is not finite",
                           __LINE__, i);
            goto out;
        }
    s = wn_calloc(n, sizeof *s);
    w = wn_calloc(n, sizeof *w);
    r = wn_calloc(m, sizeof *r);
    P = wn_calloc(n, sizeof *P);
    inP = wn_calloc(n, 1);
    if (!s || !w || !r || !P || !inP) {
        rc = wn_seterr(WN_ENOMEM, "nnls.c:%d: out of memory", __LINE__);
        goto out;
    }
    memset(x, 0, n * sizeof *x);

    /* tolerance relative to the problem's scale */
    double scale = 0.0;
    for (size_t i = 0; i < m * n; i++)
        scale = fmax(scale, fabs(A[i]));
    double bmax = 0.0;
    for (size_t i = 0; i < m; i++)
        bmax = fmax(bmax, fabs(b[i]));
    double tol = 1e-12 * fmax(1.0, scale * bmax * (double)m);

    size_t k = 0;
    gradient(A, b, m, n, x, r, w);
    for (;;) {
        size_t t = n;
        double best = tol;
        for (size_t j = 0; j < n; j++)
            if (!inP[j] && w[j] > best) {
                best = w[j];
                t = j;
            }
        if (t == n)
            break;
        if (++iter > 3 * n + 10) {
            rc = wn_seterr(WN_ENUMERIC, "nnls.c:%d: no convergence after %zu "
                           "steps", __LINE__, iter - 1);
            goto out;
        }
        inP[t] = 1;
        P[k++] = t;
        for (size_t inner = 0;; inner++) {
            rc = solve_passive(A, b, m, n, P, k, s);
            if (rc != WN_OK)
                goto out;
            int feasible = 1;
            for (size_t q = 0; q < k; q++)
                if (s[P[q]] <= 0.0)
                    feasible = 0;
            if (feasible) {
                memcpy(x, s, n * sizeof *x);
                break;
            }
            if (inner > 3 * n + 10) {
                rc = wn_seterr(WN_ENUMERIC, "nnls.c:%d: inner loop did not "
                               "converge", __LINE__);
                goto out;
            }
            double alpha = 1.0;
            for (size_t q = 0; q < k; q++) {
                size_t j = P[q];
                if (s[j] <= 0.0) {
                    double a = x[j] / (x[j] - s[j]);
                    if (a < alpha)
                        alpha = a;
                }
            }
            for (size_t j = 0; j < n; j++)
                x[j] += alpha * (s[j] - x[j]);
            /* drop the variables that reached zero */
            size_t kk = 0;
            for (size_t q = 0; q < k; q++) {
                size_t j = P[q];
                if (x[j] <= 1e-14 * fabs(s[j]) || x[j] <= 0.0) {
                    x[j] = 0.0;
                    inP[j] = 0;
                    continue;
                }
                P[kk++] = j;
            }
            k = kk;
            if (k == 0)
                break;
        }
        gradient(A, b, m, n, x, r, w);
    }
    for (size_t j = 0; j < n; j++)
        if (x[j] < 0.0)
            x[j] = 0.0;
out:
    if (iterations != NULL)
        *iterations = iter;
    wn_free(inP);
    wn_free(P);
    wn_free(r);
    wn_free(w);
    wn_free(s);
    gsl_set_error_handler(old);
    return rc;
}
