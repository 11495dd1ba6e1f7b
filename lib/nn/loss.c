/*
 * loss.c - the output activation and loss of each task, fused with its
 * gradient (SPEC section 4), in PyTorch's conventions:
 *   regression  p = sigmoid(z), MSE = mean over rows and outputs of (p-y)^2
 *   binary      sigmoid + BCE, computed from the logit like
 *               BCEWithLogitsLoss: max(z,0) - z y + log(1 + exp(-|z|)), mean
 *               over rows and outputs
 *   multiclass  softmax + CCE, log-sum-exp with the row maximum
 *               subtracted, mean over rows
 *
 * One pass over the (rows, outputs) logits per batch.  This runs once per
 * step, so on small nets its transcendental calls matter: exp is an inline
 * float routine (below, ~1 ulp), and the logs the loss VALUE needs are
 * batched: log(a) + log(b) = log(a b), with the product kept in double and
 * flushed every LOG_BATCH factors (each factor is in [1, outputs], so the
 * product cannot overflow for any realistic class count).  Gradients never
 * take a log.  Losses are summed in double.
 */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "nn/net.h"

#define LOG_BATCH 32

/* ---- exp ------------------------------------------------------------------ */

/* e^x for float x: x = n ln2 + r, |r| <= ln2/2, e^r by its degree-6 Taylor
 * polynomial (relative error < 2e-7), 2^n built in the exponent bits.
 * Saturates to 0 below -87 and to FLT_MAX-ish above 88. */
static inline float exp_fast(float x)
{
    const float log2e = 1.44269504088896341f;
    const float ln2_hi = 0.693359375f, ln2_lo = -2.12194440e-4f;
    const float magic = 12582912.0f;   /* 1.5 * 2^23: rounds to an integer */
    x = x < -87.0f ? -87.0f : x;
    x = x > 88.0f ? 88.0f : x;
    float t = x * log2e + magic;
    float n = t - magic;
    float r = x - n * ln2_hi - n * ln2_lo;
    float p = 1.0f / 720.0f;
    p = p * r + 1.0f / 120.0f;
    p = p * r + 1.0f / 24.0f;
    p = p * r + 1.0f / 6.0f;
    p = p * r + 0.5f;
    p = p * r + 1.0f;
    p = p * r + 1.0f;
    int32_t ti, scale_bits;
    memcpy(&ti, &t, sizeof ti);
    int32_t ni = ti - 0x4B400000;   /* the integer n from t's low bits */
    scale_bits = (ni + 127) << 23;
    float scale;
    memcpy(&scale, &scale_bits, sizeof scale);
    return p * scale;
}

/* A running sum of logs kept as a product (see the top comment). */
struct logsum {
    double prod, sum;
    int n;
};

static inline void logsum_add(struct logsum *ls, double factor)
{
    ls->prod *= factor;
    if (++ls->n == LOG_BATCH) {
        ls->sum += log(ls->prod);
        ls->prod = 1.0;
        ls->n = 0;
    }
}

static inline double logsum_total(struct logsum *ls)
{
    return ls->sum + log(ls->prod);
}

/* v[i] = e^v[i] over a flat block: the one loop here that vectorises (the
 * per-row loops are only `outputs` long). */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && \
    !defined(__SANITIZE_ADDRESS__)
__attribute__((target_clones("avx512f", "avx2", "default")))
#endif
static void exp_block(float *restrict v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        v[i] = exp_fast(v[i]);
}

/* ---- Training: loss and gradient ------------------------------------------ */

double wn__loss_grad(wn_task task, const float *z, const float *y,
                     size_t rows, size_t outputs, float *dz)
{
    size_t n = rows * outputs;
    if (rows == 0)
        return 0.0;
    switch (task) {
    case WN_TASK_REGRESSION: {
        /* e = exp(-|z|) over the block first (vectorised), then
         * p = sigmoid(z) = 1/(1+e) or e/(1+e) by the sign of z. */
        double loss = 0.0;
        float scale = 2.0f / (float)n;
        for (size_t i = 0; i < n; i++)
            dz[i] = -fabsf(z[i]);
        exp_block(dz, n);
        for (size_t i = 0; i < n; i++) {
            float e = dz[i];
            float p = (z[i] >= 0.0f ? 1.0f : e) / (1.0f + e);
            float d = p - y[i];
            loss += (double)d * (double)d;
            dz[i] = scale * d * p * (1.0f - p);
        }
        return loss / (double)n;
    }
    case WN_TASK_BINARY: {
        /* max(z,0) - z y + log(1 + e^-|z|), e^-|z| computed first */
        double lin = 0.0;
        struct logsum ls = {1.0, 0.0, 0};
        float scale = 1.0f / (float)n;
        for (size_t i = 0; i < n; i++)
            dz[i] = -fabsf(z[i]);
        exp_block(dz, n);
        for (size_t i = 0; i < n; i++) {
            float zi = z[i], e = dz[i];   /* in (0, 1] */
            float p = (zi >= 0.0f ? 1.0f : e) / (1.0f + e);
            lin += (zi > 0.0f ? (double)zi : 0.0) - (double)zi * (double)y[i];
            logsum_add(&ls, 1.0 + (double)e);
            dz[i] = scale * (p - y[i]);
        }
        return (lin + logsum_total(&ls)) / (double)n;
    }
    case WN_TASK_MULTICLASS: {
        /* loss_r = sum_j y_j (lse - z_j) = ysum (mx + log s) - sum_j y_j z_j.
         * Three passes: dz = z - rowmax; dz = exp(dz) over the flat block;
         * per row the sums, the loss and dz = (ysum / s) e - y, scaled. */
        double lin = 0.0;
        struct logsum ls = {1.0, 0.0, 0};
        float scale = 1.0f / (float)rows;
        for (size_t r = 0; r < rows; r++) {
            const float *zr = z + r * outputs, *yr = y + r * outputs;
            float *dr = dz + r * outputs;
            float mx = zr[0], yz = 0.0f;
            for (size_t j = 1; j < outputs; j++)
                mx = zr[j] > mx ? zr[j] : mx;
            for (size_t j = 0; j < outputs; j++) {
                dr[j] = zr[j] - mx;
                yz += yr[j] * dr[j];   /* y_j (z_j - mx) */
            }
            lin -= (double)yz;
        }
        exp_block(dz, n);
        for (size_t r = 0; r < rows; r++) {
            const float *yr = y + r * outputs;
            float *dr = dz + r * outputs;
            float s = 0.0f, ysum = 0.0f;
            for (size_t j = 0; j < outputs; j++) {
                s += dr[j];
                ysum += yr[j];
            }
            if (ysum == 1.0f)
                logsum_add(&ls, (double)s);   /* one-hot: the usual case */
            else
                lin += (double)ysum * log((double)s);
            float k = scale * ysum / s;
            for (size_t j = 0; j < outputs; j++)
                dr[j] = k * dr[j] - scale * yr[j];
        }
        return (lin + logsum_total(&ls)) / (double)rows;
    }
    }
    return 0.0;
}

/* ---- Evaluation ------------------------------------------------------------- */

/* TMP = the exponentials, as in wn__loss_grad: e^-|z| for the sigmoid
 * tasks, e^(z - rowmax) for softmax. */
static void eval_exponentials(wn_task task, const float *z, size_t rows,
                              size_t outputs, float *tmp)
{
    size_t n = rows * outputs;
    if (task == WN_TASK_MULTICLASS)
        for (size_t r = 0; r < rows; r++) {
            const float *zr = z + r * outputs;
            float mx = zr[0];
            for (size_t j = 1; j < outputs; j++)
                mx = zr[j] > mx ? zr[j] : mx;
            for (size_t j = 0; j < outputs; j++)
                tmp[r * outputs + j] = zr[j] - mx;
        }
    else
        for (size_t i = 0; i < n; i++)
            tmp[i] = -fabsf(z[i]);
    exp_block(tmp, n);
}

/* One regression row (logits zr, targets yr, exponentials er): its squared
 * and absolute errors, each averaged over the outputs, added to *se, *ae. */
static void eval_regression_row(const float *zr, const float *yr, const float *er,
                                size_t outputs, double *se, double *ae)
{
    double l = 0.0, a = 0.0;
    for (size_t j = 0; j < outputs; j++) {
        float p = (zr[j] >= 0.0f ? 1.0f : er[j]) / (1.0f + er[j]);
        double e = (double)p - (double)yr[j];
        l += e * e;
        a += fabs(e);
    }
    *se += l / (double)outputs;
    *ae += a / (double)outputs;
}

/* One binary row: BCE's linear part into *lin, its log part into LS (into
 * *lin when there are several outputs).  1 when every output is right. */
static int eval_binary_row(const float *zr, const float *yr, const float *er,
                           size_t outputs, double *lin, struct logsum *ls)
{
    int ok = 1;
    for (size_t j = 0; j < outputs; j++) {
        float zj = zr[j];
        *lin += ((zj > 0.0f ? (double)zj : 0.0) - (double)zj * (double)yr[j]) /
                (double)outputs;
        /* log(1 + e^-|z|) / outputs: outputs is 1 for every study
         * dataset; the general case takes its own log. */
        double f = 1.0 + (double)er[j];
        if (outputs == 1)
            logsum_add(ls, f);
        else
            *lin += log(f) / (double)outputs;
        ok &= (zj > 0.0f) == (yr[j] > 0.5f);
    }
    return ok;
}

/* One multiclass row: CCE's linear part into *lin, the log of its softmax
 * denominator into LS (into *lin for a target that does not sum to 1).
 * 1 when the arg max of the logits is the target's. */
static int eval_multiclass_row(const float *zr, const float *yr, const float *er,
                               size_t outputs, double *lin, struct logsum *ls)
{
    size_t pz = 0, py = 0;
    float s = er[0], ysum = yr[0], yz = 0.0f;
    for (size_t j = 1; j < outputs; j++) {
        if (zr[j] > zr[pz])
            pz = j;
        if (yr[j] > yr[py])
            py = j;
        s += er[j];
        ysum += yr[j];
    }
    for (size_t j = 0; j < outputs; j++)
        yz += yr[j] * (zr[j] - zr[pz]);   /* zr[pz] is the row max */
    if (ysum == 1.0f)
        logsum_add(ls, (double)s);
    else
        *lin += (double)ysum * log((double)s);
    *lin -= (double)yz;
    return pz == py;
}

void wn__loss_eval(wn_task task, const float *z, const float *y, size_t rows,
                   size_t outputs, float *tmp, struct wn__eval_sums *acc)
{
    double lin = 0.0, se = 0.0, ae = 0.0;
    struct logsum ls = {1.0, 0.0, 0};
    acc->rows += rows;
    eval_exponentials(task, z, rows, outputs, tmp);
    for (size_t r = 0; r < rows; r++) {
        const float *zr = z + r * outputs, *yr = y + r * outputs;
        const float *er = tmp + r * outputs;
        switch (task) {
        case WN_TASK_REGRESSION:
            eval_regression_row(zr, yr, er, outputs, &se, &ae);
            break;
        case WN_TASK_BINARY:
            acc->correct += eval_binary_row(zr, yr, er, outputs, &lin, &ls);
            break;
        case WN_TASK_MULTICLASS:
            acc->correct += eval_multiclass_row(zr, yr, er, outputs, &lin, &ls);
            break;
        }
    }
    if (task == WN_TASK_REGRESSION) {
        acc->se += se;
        acc->ae += ae;
        acc->loss += se;   /* the loss IS the MSE: same sums, same order */
    } else
        acc->loss += lin + logsum_total(&ls);
}
