/*
 * gpu_kernels.cuh - launchers of the GPU engine's kernels (gpu_kernels.cu),
 * for gpu_cuda.cu.  CUDA C++ only (private).  Every launcher enqueues on
 * stream s and returns at once; launch errors surface at the next
 * cudaGetLastError / synchronisation.  Matrices are row-major (rows, m).
 */
#ifndef WN_NN_GPU_KERNELS_CUH
#define WN_NN_GPU_KERNELS_CUH

#include <cuda_runtime.h>
#include <stddef.h>
#include <stdint.h>

/* The step counter and Adam's scalars, on the device. */
struct dev_state {
    unsigned long long t;      /* Adam steps taken */
    unsigned long long off;    /* rows of this epoch already trained */
    float step_size, inv_sqrt_bc2;
};

/* x, y <- rows idx[base + off ..+rows) of X, Y; off = st->off, or 0
 * when st is NULL. */
void wn__gk_gather(cudaStream_t s, float *x, float *y, const float *X, const float *Y,
                   const int32_t *idx, const dev_state *st, size_t base, size_t rows,
                   size_t inputs, size_t outputs);
/* out = a + b over n floats. */
void wn__gk_add(cudaStream_t s, float *out, const float *a, const float *b, size_t n);
/* h += bias per column, then ReLU when relu. */
void wn__gk_bias_act(cudaStream_t s, float *h, const float *bias, size_t rows, size_t m,
                     int relu);
/* g += skip (skip may be NULL); dz = g where h > 0 (h NULL: no mask);
 * db = column sums of dz.  dz may be g. */
void wn__gk_grad_cols(cudaStream_t s, float *dz, float *g, const float *h,
                      const float *skip, float *db, size_t rows, size_t m);
/* dz = dL/dz of the batch; losses[st ? st->off / B : 0] = the mean loss. */
void wn__gk_loss_grad(cudaStream_t s, int task, const float *z, const float *y,
                      size_t rows, size_t outputs, float *dz, double *losses,
                      const dev_state *st, size_t B);
/* out[0..4) = loss, correct, se, ae summed over the rows. */
void wn__gk_eval(cudaStream_t s, int task, const float *z, const float *y, size_t rows,
                 size_t outputs, double *out);
/* t += 1, off += rows, Adam's bias-corrected step size and 1/sqrt(bc2). */
void wn__gk_advance(cudaStream_t s, dev_state *st, size_t rows, float lr, float b1,
                    float b2);
/* One Adam step over n floats, scalars from st. */
void wn__gk_adam(cudaStream_t s, float *p, const float *g, float *m, float *v, size_t n,
                 float b1, float b2, float eps, const dev_state *st);

#endif /* WN_NN_GPU_KERNELS_CUH */
