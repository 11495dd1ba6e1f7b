/*
 * gpu_kernels.cu - the GPU engine's own kernels (everything of a training
 * step that is not a GEMM) and their launchers, declared in
 * gpu_kernels.cuh: the batch gather by index, the residual add, the bias
 * fallback, the backward column pass (skip add, ReLU mask, bias gradient),
 * the fused loss and gradient, the test-pass sums, the step counter and
 * Adam over the flat parameter buffer.  Formulas are loss.c's and
 * kernels.c's; see gpu.h for the step.
 *
 * NEVER RUN ON A GPU as of this writing (docs/gpu.md).
 *
 * Determinism: every reduction is a fixed-order loop in one thread (the
 * column sums) or a fixed shared-memory tree in one block (the losses);
 * no atomics anywhere.
 */
#include <math.h>

#include <wattnet/wattnet.h>

#include "nn/gpu_kernels.cuh"

enum { TASK_REGRESSION = WN_TASK_REGRESSION, TASK_BINARY = WN_TASK_BINARY,
       TASK_MULTICLASS = WN_TASK_MULTICLASS };

#define THREADS 256

/* ---- Kernels ---------------------------------------------------------------- */

/* x, y <- rows idx[base + off .. + rows) of X, Y (off from the device
 * state when st is given: the graph's step reads it). */
__global__ void gather_k(float *x, float *y, const float *X, const float *Y,
                         const int32_t *idx, const dev_state *st, size_t base,
                         size_t rows, size_t inputs, size_t outputs)
{
    size_t off = base + (st ? (size_t)st->off : 0);
    size_t w = inputs + outputs, n = rows * w;
    for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < n;
         i += (size_t)gridDim.x * blockDim.x) {
        size_t r = i / w, j = i % w;
        size_t src = (size_t)idx[off + r];
        if (j < inputs)
            x[r * inputs + j] = X[src * inputs + j];
        else
            y[r * outputs + (j - inputs)] = Y[src * outputs + (j - inputs)];
    }
}

__global__ void add_k(float *out, const float *a, const float *b, size_t n)
{
    for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < n;
         i += (size_t)gridDim.x * blockDim.x)
        out[i] = a[i] + b[i];
}

/* h (rows, m) += bias, then ReLU when relu (the epilogue fallback). */
__global__ void bias_act_k(float *h, const float *bias, size_t rows, size_t m, int relu)
{
    for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < rows * m;
         i += (size_t)gridDim.x * blockDim.x) {
        float v = h[i] + bias[i % m];
        h[i] = relu && v < 0.0f ? 0.0f : v;
    }
}

/* One thread per column j, rows in order (deterministic, coalesced):
 * g += skip (kept in g), dz = g where h > 0 (h NULL: no mask), db = sum. */
__global__ void grad_cols_k(float *dz, float *g, const float *h, const float *skip,
                            float *db, size_t rows, size_t m)
{
    size_t j = blockIdx.x * (size_t)blockDim.x + threadIdx.x;
    if (j >= m)
        return;
    float sum = 0.0f;
    for (size_t r = 0; r < rows; r++) {
        size_t i = r * m + j;
        float gi = g[i];
        if (skip) {
            gi += skip[i];
            g[i] = gi;
        }
        float d = h && !(h[i] > 0.0f) ? 0.0f : gi;
        dz[i] = d;
        sum += d;
    }
    db[j] = sum;
}

/* Sum of THREADS doubles in shared memory, fixed tree order; valid in
 * thread 0. */
__device__ double block_sum(double *sh, double v)
{
    sh[threadIdx.x] = v;
    __syncthreads();
    for (unsigned w = THREADS / 2; w > 0; w /= 2) {
        if (threadIdx.x < w)
            sh[threadIdx.x] += sh[threadIdx.x + w];
        __syncthreads();
    }
    double r = sh[0];
    __syncthreads();
    return r;
}

__device__ float sigmoid_d(float z)
{
    if (z >= 0.0f)
        return 1.0f / (1.0f + expf(-z));
    float e = expf(z);
    return e / (1.0f + e);
}

/* Loss of one row (the batch-mean convention's numerator) and, when dz is
 * given, its gradient scaled by `scale`.  Counts correct, se, ae. */
__device__ void row_loss(int task, const float *z, const float *y, size_t outputs,
                         float *dz, float scale, double acc[4])
{
    if (task == TASK_MULTICLASS) {
        size_t pz = 0, py = 0;
        float mx = z[0], s = 0.0f, ysum = 0.0f, yz = 0.0f;
        for (size_t j = 1; j < outputs; j++) {
            mx = z[j] > mx ? z[j] : mx;
            pz = z[j] > z[pz] ? j : pz;
            py = y[j] > y[py] ? j : py;
        }
        for (size_t j = 0; j < outputs; j++) {
            s += expf(z[j] - mx);
            ysum += y[j];
            yz += y[j] * (z[j] - mx);
        }
        acc[0] += (double)ysum * log((double)s) - (double)yz;
        acc[1] += pz == py;
        if (dz)
            for (size_t j = 0; j < outputs; j++)
                dz[j] = scale * (ysum / s * expf(z[j] - mx) - y[j]);
        return;
    }
    int ok = 1;
    double l = 0.0, a = 0.0;
    for (size_t j = 0; j < outputs; j++) {
        float p = sigmoid_d(z[j]);
        if (task == TASK_REGRESSION) {
            float d = p - y[j];
            l += (double)d * (double)d;
            a += fabs((double)d);
            if (dz)
                dz[j] = scale * 2.0f * d * p * (1.0f - p);
        } else {
            float zj = z[j];
            l += (zj > 0.0f ? (double)zj : 0.0) - (double)zj * (double)y[j] +
                 log1p((double)expf(-fabsf(zj)));
            ok &= (zj > 0.0f) == (y[j] > 0.5f);
            if (dz)
                dz[j] = scale * (p - y[j]);
        }
    }
    acc[0] += l;
    acc[1] += ok;
    acc[2] += l;
    acc[3] += a;
}

/* Training: the batch's mean loss into losses[off / B] (st given) or
 * losses[0], and dL/dz.  One block. */
__global__ void loss_grad_k(int task, const float *z, const float *y, size_t rows,
                            size_t outputs, float *dz, double *losses,
                            const dev_state *st, size_t B)
{
    __shared__ double sh[THREADS];
    double n = task == TASK_MULTICLASS ? (double)rows : (double)(rows * outputs);
    float scale = (float)(1.0 / n);
    double acc[4] = {0, 0, 0, 0};
    for (size_t r = threadIdx.x; r < rows; r += THREADS)
        row_loss(task, z + r * outputs, y + r * outputs, outputs, dz + r * outputs,
                 scale, acc);
    double total = block_sum(sh, acc[0]);
    if (threadIdx.x == 0)
        losses[st ? (size_t)st->off / B : 0] = total / n;
}

/* Evaluation sums of one test batch into out[0..4): loss (per-row, the
 * batch-mean convention), correct, se, ae (regression: per-row means). */
__global__ void eval_k(int task, const float *z, const float *y, size_t rows,
                       size_t outputs, double *out)
{
    __shared__ double sh[THREADS];
    double acc[4] = {0, 0, 0, 0};
    for (size_t r = threadIdx.x; r < rows; r += THREADS) {
        double a[4] = {0, 0, 0, 0};
        row_loss(task, z + r * outputs, y + r * outputs, outputs, NULL, 0.0f, a);
        double k = task == TASK_MULTICLASS ? 1.0 : 1.0 / (double)outputs;
        acc[0] += a[0] * k;
        acc[1] += a[1];
        acc[2] += a[2] * k;
        acc[3] += a[3] * k;
    }
    for (int i = 0; i < 4; i++) {
        double t = block_sum(sh, acc[i]);
        if (threadIdx.x == 0)
            out[i] = t;
    }
}

/* After a step of `rows` rows: the counters and Adam's scalars (in double,
 * as net.c). */
__global__ void advance_k(dev_state *st, size_t rows, float lr, float b1, float b2)
{
    st->t += 1;
    st->off += rows;
    double t = (double)st->t;
    double bc1 = 1.0 - pow((double)b1, t), bc2 = 1.0 - pow((double)b2, t);
    st->step_size = (float)((double)lr / bc1);
    st->inv_sqrt_bc2 = (float)(1.0 / sqrt(bc2));
}

/* Adam over the flat buffer (kernels.c's adam_scalar, element by element). */
__global__ void adam_k(float *p, const float *g, float *m, float *v, size_t n, float b1,
                       float b2, float eps, const dev_state *st)
{
    const float c1 = 1.0f - b1, c2 = 1.0f - b2;
    const float step = st->step_size, ibc = st->inv_sqrt_bc2;
    for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < n;
         i += (size_t)gridDim.x * blockDim.x) {
        float gi = g[i];
        float mi = b1 * m[i] + c1 * gi;
        float vi = b2 * v[i] + c2 * gi * gi;
        m[i] = mi;
        v[i] = vi;
        p[i] -= step * mi / (sqrtf(vi) * ibc + eps);
    }
}

static unsigned grid_for(size_t n)
{
    size_t b = (n + THREADS - 1) / THREADS;
    return (unsigned)(b < 1 ? 1 : b > 65535 ? 65535 : b);
}

/* ---- Launchers ---------------------------------------------------------------- */

void wn__gk_gather(cudaStream_t s, float *x, float *y, const float *X, const float *Y,
                   const int32_t *idx, const dev_state *st, size_t base, size_t rows,
                   size_t inputs, size_t outputs)
{
    gather_k<<<grid_for(rows * (inputs + outputs)), THREADS, 0, s>>>(
        x, y, X, Y, idx, st, base, rows, inputs, outputs);
}

void wn__gk_add(cudaStream_t s, float *out, const float *a, const float *b, size_t n)
{
    add_k<<<grid_for(n), THREADS, 0, s>>>(out, a, b, n);
}

void wn__gk_bias_act(cudaStream_t s, float *h, const float *bias, size_t rows, size_t m,
                     int relu)
{
    bias_act_k<<<grid_for(rows * m), THREADS, 0, s>>>(h, bias, rows, m, relu);
}

void wn__gk_grad_cols(cudaStream_t s, float *dz, float *g, const float *h,
                      const float *skip, float *db, size_t rows, size_t m)
{
    grad_cols_k<<<grid_for(m), THREADS, 0, s>>>(dz, g, h, skip, db, rows, m);
}

void wn__gk_loss_grad(cudaStream_t s, int task, const float *z, const float *y,
                      size_t rows, size_t outputs, float *dz, double *losses,
                      const dev_state *st, size_t B)
{
    loss_grad_k<<<1, THREADS, 0, s>>>(task, z, y, rows, outputs, dz, losses, st, B);
}

void wn__gk_eval(cudaStream_t s, int task, const float *z, const float *y, size_t rows,
                 size_t outputs, double *out)
{
    eval_k<<<1, THREADS, 0, s>>>(task, z, y, rows, outputs, out);
}

void wn__gk_advance(cudaStream_t s, dev_state *st, size_t rows, float lr, float b1,
                    float b2)
{
    advance_k<<<1, 1, 0, s>>>(st, rows, lr, b1, b2);
}

void wn__gk_adam(cudaStream_t s, float *p, const float *g, float *m, float *v, size_t n,
                 float b1, float b2, float eps, const dev_state *st)
{
    adam_k<<<grid_for(n), THREADS, 0, s>>>(p, g, m, v, n, b1, b2, eps, st);
}
