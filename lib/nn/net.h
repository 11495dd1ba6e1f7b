/*
 * net.h - the MLP of a training run (private to lib/nn): its memory, its
 * forward and backward passes and its Adam step.
 *
 * Layout (llm.c style): layer k has weights W[k] (width, fan_in) row-major
 * (PyTorch's nn.Linear layout) and bias b[k] (width).  All parameters live in ONE 64-byte aligned
 * allocation, [W0 b0 W1 b1 ...], each tensor padded to 16 floats; the
 * gradients and Adam's two moments share that layout in a second
 * allocation, so the Adam update is one flat loop.  Activations for `batch`
 * rows are a third allocation.  Nothing is allocated per step.
 *
 * Forward, rows r <= batch, input x (r, inputs) in net->x:
 *   hidden k:  h[k] = relu(a[k-1] W[k]^T + b[k])      a[-1] = x
 *              a[k] = h[k] + a[k-1] if residual(k), else a[k] = h[k]
 *   output:    h[L-1] = a[L-2] W[L-1]^T + b[L-1]      (logits)
 * Backward: dW[k] (m, n) = dz[k]^T a[k-1];  g[k-1] (r, n) = dz[k] W[k].
 * The (width, fan_in) layout measured faster than (fan_in, width) for every
 * layer shape of the benchmark (much faster for dW of narrow layers, which
 * becomes a GEMM with the long fan_in as its N).
 * residual(k) holds for 0 < k < L-1 in a rectangle_residual net.
 *
 * Two backends compute the matmuls: WN__NN_DNNL (oneDNN primitives made
 * once per (layer, row count) and reused, bias and ReLU fused as post-ops;
 * layers with fan_in and width <= 16 run in tiny.c's register kernels
 * instead, and layers of width <= 8 on a longer fan_in in narrow.c's,
 * where the CPU allows) and WN__NN_NAIVE (plain C loops: the
 * algorithmic reference the tests compare against).  Elementwise work (loss gradient, ReLU mask, bias
 * gradient, residual adds, Adam) is plain C in both.
 */
#ifndef WN_NN_NET_H
#define WN_NN_NET_H

#include <stddef.h>
#include <stdint.h>

#include <wattnet/core.h>
#include <wattnet/data.h>
#include <wattnet/shape.h>
#include <wattnet/train.h>

enum wn__nn_backend { WN__NN_DNNL = 0, WN__NN_NAIVE };

#define WN__NN_MAX_PLANS 4

struct wn__dnnl;      /* oneDNN state, net_dnnl.c */

struct wn__net {
    /* configuration */
    size_t depth;                    /* L: dense layers, output included */
    size_t inputs;
    size_t widths[WN_MAX_DEPTH];
    size_t fan_in[WN_MAX_DEPTH];     /* inputs, widths[0], ... */
    int residual[WN_MAX_DEPTH];      /* identity skip into layer k */
    int tiny[WN_MAX_DEPTH];          /* layer k's matmuls run in tiny.c */
    int narrow[WN_MAX_DEPTH];        /* ... or in narrow.c */
    wn_task task;
    size_t batch;                    /* most rows per step */
    enum wn__nn_backend backend;
    uint64_t params;                 /* true parameter count */

    /* parameters (one allocation) and grads + Adam moments (another) */
    size_t n_flat;                   /* floats in each flat block, padded */
    float *flat_params;              /* n_flat */
    float *flat_state;               /* 3 * n_flat: grads, m, v */
    float *W[WN_MAX_DEPTH], *b[WN_MAX_DEPTH];    /* into flat_params */
    float *dW[WN_MAX_DEPTH], *db[WN_MAX_DEPTH];  /* into flat_state */
    float *grads, *adam_m, *adam_v;  /* the three n_flat blocks */

    /* activations (one allocation), each (batch, width) row-major */
    float *flat_acts;
    float *x;                        /* (batch, inputs) the input rows */
    float *y;                        /* (batch, outputs) the targets */
    float *h[WN_MAX_DEPTH];          /* layer outputs after ReLU; logits */
    float *a[WN_MAX_DEPTH];          /* = h[k], or h[k] + a[k-1] if residual */
    float *g[WN_MAX_DEPTH];          /* dL/da[k] (hidden layers) */
    float *dz[WN_MAX_DEPTH];         /* dL/d(pre-activation); = g[k] unless
                                        residual(k) or the output layer */

    /* Adam */
    float lr, beta1, beta2, eps;
    uint64_t step;

    struct wn__dnnl *dnnl;           /* NULL for the naive backend */
};

/* Create a net for the given widths (depth entries, last = outputs).
 * residual: rectangle_residual skips.  batch: the most rows per step.
 * Returns WN_OK and *out (free with wn__net_free); WN_ENOMEM, WN_EINVAL,
 * WN_EBACKEND.  Parameters are zero until wn__net_init. */
int wn__net_create(size_t inputs, const size_t *widths, size_t depth,
                   int residual, wn_task task, size_t batch,
                   enum wn__nn_backend backend, struct wn__net **out);
void wn__net_free(struct wn__net **net);

/* Glorot-uniform weights (limit sqrt(6 / (fan_in + width))), zero biases,
 * zero Adam state, from a generator seeded with seed. */
void wn__net_init(struct wn__net *net, uint64_t seed);

/* Make (once) the oneDNN primitives for steps of `rows` rows; with
 * backward != 0 also those of the backward pass.  A no-op for the naive
 * backend.  wn__net_forward/backward call it when needed, so calling it up
 * front only moves the allocation out of the loop. */
int wn__net_prepare(struct wn__net *net, size_t rows, int backward);

/* Forward pass of rows rows from net->x; logits end in net->h[L-1]. */
int wn__net_forward(struct wn__net *net, size_t rows);
/* The same from the input rows x (rows, inputs) anywhere in memory (for
 * evaluation on rows that need no gathering); backward still reads net->x,
 * so this is for forward-only passes. */
int wn__net_forward_from(struct wn__net *net, const float *x, size_t rows);

/* Layers 1.. of the forward pass, with h[0] (= a[0]) already computed
 * (rows.c's layer 0 from packed bits). */
int wn__net_forward_rest(struct wn__net *net, size_t rows);

/* The backward pass without layer 0's weight gradient dW[0] (db[0] and
 * dz[0] included), for rows.c to fill from the packed bits. */
int wn__net_backward_rest(struct wn__net *net, size_t rows);

/* Backward pass, after wn__net_forward of the same rows and with
 * net->dz[L-1] holding dL/dlogits: fills every dW, db. */
int wn__net_backward(struct wn__net *net, size_t rows);

/* One Adam step (bias-corrected, PyTorch's form) over all parameters. */
void wn__net_adam(struct wn__net *net);

/* ---- loss.c: output activation + loss, fused with its gradient -------- */

/* Mean loss of the batch (PyTorch conventions: MSE mean over rows and
 * outputs; BCE mean over rows and outputs; CCE mean over rows) of logits z
 * (rows, outputs) against y; writes dL/dz into dz (rows, outputs). */
double wn__loss_grad(wn_task task, const float *z, const float *y,
                     size_t rows, size_t outputs, float *dz);

/* Evaluation sums over rows: loss (sum of per-row losses in the batch-mean
 * convention), correct predictions, squared and absolute errors of the
 * output activation (regression).  tmp: rows * outputs floats of scratch. */
struct wn__eval_sums {
    double loss, correct, se, ae;
    size_t rows;
};
void wn__loss_eval(wn_task task, const float *z, const float *y, size_t rows,
                   size_t outputs, float *tmp, struct wn__eval_sums *acc);

/* ---- net_dnnl.c: the oneDNN backend ------------------------------------ */
int wn__dnnl_create(struct wn__net *net);
void wn__dnnl_free(struct wn__net *net);
int wn__dnnl_prepare(struct wn__net *net, size_t rows, int backward);
/* h[k] = act(in W[k]^T + b[k]) for layer k on the plan of `rows` rows;
 * layer 0 reads x (net->x or any (rows, inputs) block). */
int wn__dnnl_forward_layer(struct wn__net *net, size_t k, size_t rows,
                           const float *x);
/* dW[k] = dz[k]^T a[k-1] */
int wn__dnnl_backward_weights(struct wn__net *net, size_t k, size_t rows);
/* g[k-1] = dz[k] W[k], k >= 1 */
int wn__dnnl_backward_data(struct wn__net *net, size_t k, size_t rows);

/* ---- tiny.c: layers with fan_in and width <= 16, in AVX-512 registers -- */
#define WN__TINY_MAX 16
/* Non-zero when this CPU runs tiny.c's kernels (AVX-512F). */
int wn__tiny_available(void);
/* Non-zero when a layer of fan_in n and width m is tiny. */
int wn__tiny_fits(size_t n, size_t m);
/* The same contracts as the naive kernels below. */
void wn__tiny_forward(float *out, const float *in, const float *W, const float *b,
                      size_t rows, size_t n, size_t m, int relu);
void wn__tiny_backward_weights(float *dW, const float *in, const float *dz,
                               size_t rows, size_t n, size_t m);
void wn__tiny_backward_data(float *din, const float *dz, const float *W, size_t rows,
                            size_t n, size_t m);

/* ---- narrow.c: layers of width <= 8 and fan_in > 16, in AVX-512 ------- */
#define WN__NARROW_MAX 8
/* Non-zero when a layer of fan_in n and width m is narrow (never tiny). */
int wn__narrow_fits(size_t n, size_t m);
/* The same contracts as the naive kernels below; chosen only where
 * wn__tiny_available(). */
void wn__narrow_forward(float *out, const float *in, const float *W, const float *b,
                        size_t rows, size_t n, size_t m, int relu);
void wn__narrow_backward_weights(float *dW, const float *in, const float *dz,
                                 size_t rows, size_t n, size_t m);
void wn__narrow_backward_data(float *din, const float *dz, const float *W, size_t rows,
                              size_t n, size_t m);

/* ---- net_naive.c: plain-C reference kernels ----------------------------- */
/* out (rows, m) = act(in (rows, n) . W^T + b (m)), W (m, n); relu: 0/1. */
void wn__mm_forward_naive(float *out, const float *in, const float *W,
                          const float *b, size_t rows, size_t n, size_t m,
                          int relu);
/* dW (m, n) = dz^T (m, rows) . in (rows, n) */
void wn__mm_backward_weights_naive(float *dW, const float *in, const float *dz,
                                   size_t rows, size_t n, size_t m);
/* din (rows, n) = dz (rows, m) . W (m, n) */
void wn__mm_backward_data_naive(float *din, const float *dz, const float *W,
                                size_t rows, size_t n, size_t m);

/* ---- rows.c: the input rows of the training steps --------------------- */
/* X (n, inputs) and Y (n, outputs) are borrowed; bits, when not NULL, is a
 * lossless packed copy of X (all inputs exactly 0.0f or 1.0f). */
struct wn__rows {
    const float *X, *Y;
    size_t inputs, outputs;
    uint64_t *bits;      /* (n, words) or NULL */
    size_t words;        /* 64-bit words per row */
    int portable;        /* tests: use the plain-C expansion only */
    float *lut;          /* layer-0 tables of partial sums, or NULL */
    float *lut_sums;     /* width > 16: the weight gradient's sums */
    size_t lut_width, lut_stride;   /* layer 0's width; floats per entry */
};
/* Fill *r (WN_OK, or WN_ENOMEM); release with wn__rows_free. */
int wn__rows_make(struct wn__rows *r, const float *X, const float *Y, size_t n,
                  size_t inputs, size_t outputs);
void wn__rows_free(struct wn__rows *r);
/* Fisher-Yates shuffle of idx[0..n) like wn__rng_shuffle, drawing with
 * Lemire's multiply-shift (no division per draw, still unbiased). */
struct wn_rng;
void wn__rows_shuffle(struct wn_rng *r, size_t *idx, size_t n);
/* x (rows, inputs), y (rows, outputs) <- rows idx[0..rows). */
void wn__rows_gather(const struct wn__rows *r, float *x, float *y, const size_t *idx,
                     size_t rows);

/* Layer 0 straight from the packed bits (see rows.c): non-zero when r is
 * packed, the CPU has AVX-512F and a first layer of this width fits. */
int wn__rows_lut_fits(const struct wn__rows *r, size_t width);
/* Non-zero when layer 0's weight gradient can also come from the bits
 * (wn__rows_backward_w0: the tables are made, width <= 64). */
int wn__rows_w0_fits(const struct wn__rows *r);
/* Allocate the tables (WN_OK, WN_EINVAL when it does not fit, WN_ENOMEM). */
int wn__rows_lut_make(struct wn__rows *r, size_t width);
/* Tabulate layer 0's weights W (width, inputs) and bias b; again after
 * every change of W or b. */
void wn__rows_lut_build(struct wn__rows *r, const float *W, const float *b);
/* h0 (rows, width) = relu(x W^T + b) for rows idx, from the tables; y gets
 * the targets, and x (when not NULL) the expanded rows. */
void wn__rows_gather_h0(const struct wn__rows *r, float *x, float *y, float *h0,
                        const size_t *idx, size_t rows);
/* dW (width, inputs) = dz^T x for rows idx, from the bits (layer 0's
 * weight gradient; x need not be expanded).  Uses r's scratch: one call
 * at a time. */
void wn__rows_backward_w0(const struct wn__rows *r, float *dW, const float *dz,
                          const size_t *idx, size_t rows);

/* ---- kernels.c: elementwise loops (vectorised, see there) --------------- */
/* x (rows, inputs), y (rows, outputs) <- rows idx[0..rows) of X, Y. */
void wn__k_gather(float *x, float *y, const float *X, const float *Y,
                  const size_t *idx, size_t rows, size_t inputs, size_t outputs);
/* out[i] = a[i] + b[i] */
void wn__k_add(float *out, const float *a, const float *b, size_t n);
/* g[i] += skip[i] */
void wn__k_add_inplace(float *g, const float *skip, size_t n);
/* g (rows, m) <- g where h > 0 else 0; db (m) <- column sums of that. */
void wn__k_relu_grad_inplace(float *g, const float *h, float *db, size_t rows,
                             size_t m);
/* dz <- g where h > 0 else 0; db <- column sums of dz. */
void wn__k_relu_grad(float *dz, const float *g, const float *h, float *db,
                     size_t rows, size_t m);
/* db (m) <- column sums of dz (rows, m). */
void wn__k_colsum(float *db, const float *dz, size_t rows, size_t m);
/* Instruction-set variants of the hand-vectorised kernels. */
enum wn__isa { WN__ISA_SCALAR = 0, WN__ISA_AVX, WN__ISA_AVX512 };
/* Adam over n floats (PyTorch's form, see net.c); split over the OpenMP
 * threads when n is large. */
void wn__k_adam(float *p, const float *g, float *m, float *v, size_t n, float b1,
                float b2, float step_size, float inv_sqrt_bc2, float eps);

/* Adam with the widest variant up to isa that this CPU runs, serially
 * (tests compare the variants). */
void wn__k_adam_isa(enum wn__isa isa, float *p, const float *g, float *m, float *v,
                    size_t n, float b1, float b2, float step_size,
                    float inv_sqrt_bc2, float eps);

#endif /* WN_NN_NET_H */
