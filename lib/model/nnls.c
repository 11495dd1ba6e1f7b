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

#include <wattnet/core.h>

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

/* ---- Lawson-Hanson steps ------------------------------------------------ */

/* One problem's state: the passive set P[0..k) (inP marks it), the
 * current solution x, the passive solution s, residual r, gradient w. */
struct nnls {
    const double *A, *b;
    size_t m, n;
    double *x, *s, *w, *r;
    size_t *P, k;
    unsigned char *inP;
};

static int check_finite(const double *A, const double *b, size_t m, size_t n)
{
    for (size_t i = 0; i < m * n; i++)
        if (!isfinite(A[i]))
            return wn_seterr(WN_ENUMERIC, "nnls.c:%d: A[%zu] is not finite",
                             __LINE__, i);
    for (size_t i = 0; i < m; i++)
        if (!isfinite(b[i]))
            return wn_seterr(WN_ENUMERIC, "nnls.c:%d: b[%zu] is not finite",
                             __LINE__, i);
    return WN_OK;
}

/* tolerance relative to the problem's scale */
static double tolerance(const double *A, const double *b, size_t m, size_t n)
{
    double scale = 0.0, bmax = 0.0;
    for (size_t i = 0; i < m * n; i++)
        scale = fmax(scale, fabs(A[i]));
    for (size_t i = 0; i < m; i++)
        bmax = fmax(bmax, fabs(b[i]));
    return 1e-12 * fmax(1.0, scale * bmax * (double)m);
}

/* Move x towards s until the first passive variable reaches zero, then
 * drop the passive variables at zero. */
static void step_to_boundary(struct nnls *q)
{
    double alpha = 1.0;
    for (size_t i = 0; i < q->k; i++) {
        size_t j = q->P[i];
        if (q->s[j] <= 0.0) {
            double a = q->x[j] / (q->x[j] - q->s[j]);
            if (a < alpha)
                alpha = a;
        }
    }
    for (size_t j = 0; j < q->n; j++)
        q->x[j] += alpha * (q->s[j] - q->x[j]);
    size_t kk = 0;
    for (size_t i = 0; i < q->k; i++) {
        size_t j = q->P[i];
        if (q->x[j] <= 1e-14 * fabs(q->s[j]) || q->x[j] <= 0.0) {
            q->x[j] = 0.0;
            q->inP[j] = 0;
            continue;
        }
        q->P[kk++] = j;
    }
    q->k = kk;
}

/* The inner loop: solve on the passive set until the solution is
 * feasible (or the set empties). */
static int inner_loop(struct nnls *q)
{
    for (size_t inner = 0;; inner++) {
        int rc = solve_passive(q->A, q->b, q->m, q->n, q->P, q->k, q->s);
        if (rc != WN_OK)
            return rc;
        int feasible = 1;
        for (size_t i = 0; i < q->k; i++)
            if (q->s[q->P[i]] <= 0.0)
                feasible = 0;
        if (feasible) {
            memcpy(q->x, q->s, q->n * sizeof *q->x);
            return WN_OK;
        }
        if (inner > 3 * q->n + 10)
            return wn_seterr(WN_ENUMERIC, "nnls.c:%d: inner loop did not "
                             "converge", __LINE__);
        step_to_boundary(q);
        if (q->k == 0)
            return WN_OK;
    }
}

/* The outer loop: add the most promising variable until none improves. */
static int outer_loop(struct nnls *q, size_t *iter)
{
    double tol = tolerance(q->A, q->b, q->m, q->n);
    gradient(q->A, q->b, q->m, q->n, q->x, q->r, q->w);
    for (;;) {
        size_t t = q->n;
        double best = tol;
        for (size_t j = 0; j < q->n; j++)
            if (!q->inP[j] && q->w[j] > best) {
                best = q->w[j];
                t = j;
            }
        if (t == q->n)
            return WN_OK;
        if (++*iter > 3 * q->n + 10)
            return wn_seterr(WN_ENUMERIC, "nnls.c:%d: no convergence after "
                             "%zu steps", __LINE__, *iter - 1);
        q->inP[t] = 1;
        q->P[q->k++] = t;
        int rc = inner_loop(q);
        if (rc != WN_OK)
            return rc;
        gradient(q->A, q->b, q->m, q->n, q->x, q->r, q->w);
    }
}

/* ---- public (module) ---------------------------------------------------- */

int wn__nnls(const double *A, const double *b, size_t m, size_t n, double *x,
             size_t *iterations)
{
    int rc = WN_OK;
    struct nnls q = {.A = A, .b = b, .m = m, .n = n, .x = x};
    gsl_error_handler_t *old = gsl_set_error_handler_off();
    size_t iter = 0;

    if (A == NULL || b == NULL || x == NULL || m == 0 || n == 0) {
        rc = wn_seterr(WN_EINVAL, "nnls.c:%d: empty problem", __LINE__);
        goto out;
    }
    if ((rc = check_finite(A, b, m, n)) != WN_OK)
        goto out;
    q.s = wn_calloc(n, sizeof *q.s);
    q.w = wn_calloc(n, sizeof *q.w);
    q.r = wn_calloc(m, sizeof *q.r);
    q.P = wn_calloc(n, sizeof *q.P);
    q.inP = wn_calloc(n, 1);
    if (!q.s || !q.w || !q.r || !q.P || !q.inP) {
        rc = wn_seterr(WN_ENOMEM, "nnls.c:%d: out of memory", __LINE__);
        goto out;
    }
    memset(x, 0, n * sizeof *x);
    if ((rc = outer_loop(&q, &iter)) != WN_OK)
        goto out;
    for (size_t j = 0; j < n; j++)
        if (x[j] < 0.0)
            x[j] = 0.0;
out:
    if (iterations != NULL)
        *iterations = iter;
    wn_free(q.inP);
    wn_free(q.P);
    wn_free(q.r);
    wn_free(q.w);
    wn_free(q.s);
    gsl_set_error_handler(old);
    return rc;
}
