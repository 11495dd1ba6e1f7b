/*
 * gpu_cuda.cu - the device side of the GPU engine behind gpu.h's C
 * interface: opening the device (with the clear "no driver / no device"
 * errors), the buffers of the memory plan, the cuBLASLt GEMM plans, a
 * training step enqueued on one stream, the steps captured into CUDA
 * graphs, and the test pass.  The other kernels are in gpu_kernels.cu.
 *
 * NEVER RUN ON A GPU as of this writing: it compiles and links with nvcc
 * 13 and cuBLASLt; its host-side decisions are tested (gpu_plan.c); see
 * docs/gpu.md.
 *
 * Matrices are row-major (net.h); cuBLASLt is column-major, so a row-major
 * (r, n) block is read as its (n, r) transpose, and W (m, n) row-major is
 * W^T (n, m) column-major:
 *   forward  h^T (m, r)  = op_T(W^T) (m, n) . in^T (n, r)   (epilogue: bias,
 *                                                            ReLU if hidden)
 *   data     g^T (n, r)  = W^T (n, m) . dz^T (m, r)
 *   weights  dW^T (n, m) = in^T (n, r) . op_T(dz^T) (r, m)
 * Compute type CUBLAS_COMPUTE_32F: float32, no TF32 (cuBLASLt uses TF32
 * only when asked with CUBLAS_COMPUTE_32F_FAST_TF32).  When the heuristic
 * has no algorithm with the epilogue, a plain GEMM and a bias kernel.
 * cuBLASLt results are bit-wise reproducible for one toolkit, GPU model
 * and SM count (cuBLAS docs, "Results reproducibility").
 */
#include <cuda_runtime.h>
#include <cublasLt.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <wattnet/wattnet.h>

#include "nn/gpu.h"
#include "nn/gpu_gemm.cuh"
#include "nn/gpu_kernels.cuh"

#define N_ROWSETS 5    /* train full, train last, test full, test last, other */

struct wn__cu {
    int index;
    cudaStream_t s;
    cublasLtHandle_t lt;
    struct wn__gpu_plan p;
    int task, ready;
    float lr, b1, b2, eps;
    float *params, *grads, *m, *v, *acts, *X, *Y;
    int32_t *idx;              /* training order, then the test rows */
    double *losses, *evals;
    struct dev_state *st;
    void *ws;
    int32_t *h_idx;            /* pinned staging */
    double *h_losses, *h_evals;
    struct rowset rs[N_ROWSETS];
    struct wn__graph_plan g;
    cudaGraph_t body_g, tail_g;
    cudaGraphExec_t body, tail;
};

/* ---- Errors ------------------------------------------------------------------ */

static int cuerr(cudaError_t e, const char *what)
{
    return wn_seterr(WN_EBACKEND, "cuda: %s: %s", what, cudaGetErrorString(e));
}

#define CU(call, what)                                   \
    do {                                                 \
        cudaError_t e_ = (call);                         \
        if (e_ != cudaSuccess) return cuerr(e_, what);   \
    } while (0)

/* ---- Opening the device --------------------------------------------------------- */

static void fill_info(int index, const cudaDeviceProp *pr, struct wn__gpu_info *info)
{
    int drv = 0, rt = 0;
    cudaDriverGetVersion(&drv);
    cudaRuntimeGetVersion(&rt);
    memset(info, 0, sizeof *info);
    info->index = index;
    snprintf(info->name, sizeof info->name, "%.95s", pr->name);
    const unsigned char *u = (const unsigned char *)pr->uuid.bytes;
    snprintf(info->uuid, sizeof info->uuid,
             "GPU-%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
             u[0], u[1], u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11],
             u[12], u[13], u[14], u[15]);
    snprintf(info->driver, sizeof info->driver, "%d.%d", drv / 1000, drv % 1000 / 10);
    snprintf(info->runtime, sizeof info->runtime, "%d.%d", rt / 1000, rt % 1000 / 10);
    info->sms = pr->multiProcessorCount;
    info->cc_major = pr->major;
    info->cc_minor = pr->minor;
    info->l2_bytes = (size_t)pr->l2CacheSize;
    info->shared_per_sm_bytes = pr->sharedMemPerMultiprocessor;
    info->memory_bytes = pr->totalGlobalMem;
}

static int count_devices(int index)
{
    int n = 0;
    cudaError_t e = cudaGetDeviceCount(&n);
    if (e == cudaErrorInsufficientDriver || e == cudaErrorStubLibrary ||
        e == cudaErrorCallRequiresNewerDriver)
        return wn_seterr(WN_EUNAVAILABLE, "cuda: no NVIDIA driver usable by the CUDA "
                         "runtime (%s)", cudaGetErrorString(e));
    if (e == cudaErrorNoDevice || (e == cudaSuccess && n == 0))
        return wn_seterr(WN_EUNAVAILABLE, "cuda: no CUDA device on this machine");
    if (e != cudaSuccess)
        return wn_seterr(WN_EUNAVAILABLE, "cuda: no usable CUDA device (%s)",
                         cudaGetErrorString(e));
    if (index >= n)
        return wn_seterr(WN_EUNAVAILABLE, "cuda:%d: only %d CUDA device%s here", index,
                         n, n == 1 ? "" : "s");
    return WN_OK;
}

int wn__cu_open(int index, struct wn__gpu_info *info, struct wn__cu **out)
{
    *out = NULL;
    int rc = count_devices(index);
    if (rc != WN_OK)
        return rc;
    cudaDeviceProp pr;
    CU(cudaSetDevice(index), "cudaSetDevice");
    CU(cudaGetDeviceProperties(&pr, index), "cudaGetDeviceProperties");
    struct wn__cu *c = (struct wn__cu *)wn_calloc(1, sizeof *c);
    if (!c)
        return wn_seterr(WN_ENOMEM, "cuda: out of memory");
    c->index = index;
    c->b1 = 0.9f;
    c->b2 = 0.999f;
    c->eps = 1e-7f;
    cudaError_t e = cudaStreamCreateWithFlags(&c->s, cudaStreamNonBlocking);
    cublasStatus_t ls = e == cudaSuccess ? cublasLtCreate(&c->lt) : CUBLAS_STATUS_SUCCESS;
    if (e != cudaSuccess || ls != CUBLAS_STATUS_SUCCESS) {
        rc = e != cudaSuccess ? cuerr(e, "stream")
                              : wn_seterr(WN_EBACKEND, "cuda: cublasLtCreate: %d", ls);
        wn__cu_close(&c);
        return rc;
    }
    if (info)
        fill_info(index, &pr, info);
    *out = c;
    return WN_OK;
}

static void free_graphs(struct wn__cu *c)
{
    if (c->body) cudaGraphExecDestroy(c->body);
    if (c->tail) cudaGraphExecDestroy(c->tail);
    if (c->body_g) cudaGraphDestroy(c->body_g);
    if (c->tail_g) cudaGraphDestroy(c->tail_g);
    c->body = c->tail = NULL;
    c->body_g = c->tail_g = NULL;
}

static void free_buffers(struct wn__cu *c)
{
    void *dev[] = {c->params, c->acts, c->X, c->Y, c->idx, c->losses, c->evals, c->st,
                   c->ws};
    for (size_t i = 0; i < sizeof dev / sizeof dev[0]; i++)
        if (dev[i])
            cudaFree(dev[i]);
    void *host[] = {c->h_idx, c->h_losses, c->h_evals};
    for (size_t i = 0; i < sizeof host / sizeof host[0]; i++)
        if (host[i])
            cudaFreeHost(host[i]);
    c->params = c->grads = c->m = c->v = c->acts = c->X = c->Y = NULL;
    c->idx = NULL;
    c->losses = c->evals = NULL;
    c->st = NULL;
    c->ws = NULL;
    c->h_idx = NULL;
    c->h_losses = c->h_evals = NULL;
    for (size_t i = 0; i < N_ROWSETS; i++)
        wn__gg_rowset_free(&c->rs[i]);
    free_graphs(c);
    c->ready = 0;
}

void wn__cu_close(struct wn__cu **pc)
{
    if (!pc || !*pc)
        return;
    struct wn__cu *c = *pc;
    if (c->s)
        cudaStreamSynchronize(c->s);
    free_buffers(c);
    if (c->lt)
        cublasLtDestroy(c->lt);
    if (c->s)
        cudaStreamDestroy(c->s);
    wn_free(c);
    *pc = NULL;
}

/* ---- Buffers and GEMM plans -------------------------------------------------- */

static int alloc_buffers(struct wn__cu *c)
{
    const struct wn__gpu_plan *p = &c->p;
    size_t free_b = 0, total_b = 0;
    CU(cudaMemGetInfo(&free_b, &total_b), "cudaMemGetInfo");
    if (p->total_bytes > free_b)
        return wn_seterr(WN_ENOMEM, "cuda:%d: the run needs %.1f MiB, %.1f MiB free",
                         c->index, (double)p->total_bytes / 1048576.0,
                         (double)free_b / 1048576.0);
    CU(cudaMalloc((void **)&c->params, 4 * p->n_flat * sizeof(float)), "params");
    c->grads = c->params + p->n_flat;
    c->m = c->grads + p->n_flat;
    c->v = c->m + p->n_flat;
    CU(cudaMalloc((void **)&c->acts, p->n_acts * sizeof(float)), "activations");
    CU(cudaMalloc((void **)&c->X, p->data_x_floats * sizeof(float)), "X");
    CU(cudaMalloc((void **)&c->Y, p->data_y_floats * sizeof(float)), "Y");
    CU(cudaMalloc((void **)&c->idx, p->idx_count * sizeof(int32_t)), "indices");
    CU(cudaMalloc((void **)&c->losses, p->train_steps * sizeof(double)), "losses");
    CU(cudaMalloc((void **)&c->evals, 4 * p->test_batches * sizeof(double)), "evals");
    CU(cudaMalloc((void **)&c->st, sizeof *c->st), "state");
    CU(cudaMalloc(&c->ws, p->workspace_bytes), "workspace");
    CU(cudaMallocHost((void **)&c->h_idx, p->idx_count * sizeof(int32_t)), "pinned");
    CU(cudaMallocHost((void **)&c->h_losses, p->train_steps * sizeof(double)), "pinned");
    CU(cudaMallocHost((void **)&c->h_evals, 4 * p->test_batches * sizeof(double)),
       "pinned");
    CU(cudaMemset(c->acts, 0, p->n_acts * sizeof(float)), "memset");
    CU(cudaMemset(c->st, 0, sizeof *c->st), "memset");
    return WN_OK;
}

/* The GEMM plans for `rows` rows: one of the slots made at setup, else
 * the last slot, remade. */
static int rowset_for(struct wn__cu *c, size_t rows, const struct rowset **out)
{
    for (size_t i = 0; i < N_ROWSETS; i++)
        if (c->rs[i].rows == rows) {
            *out = &c->rs[i];
            return WN_OK;
        }
    for (size_t i = 0; i + 1 < N_ROWSETS; i++)
        if (!c->rs[i].rows) {
            *out = &c->rs[i];
            return wn__gg_rowset_make(c->lt, &c->p, c->params, rows,
                                      c->p.workspace_bytes, &c->rs[i]);
        }
    *out = &c->rs[N_ROWSETS - 1];
    return wn__gg_rowset_make(c->lt, &c->p, c->params, rows, c->p.workspace_bytes,
                              &c->rs[N_ROWSETS - 1]);
}

int wn__cu_setup(struct wn__cu *c, const struct wn__gpu_plan *p, int task,
                 const float *X, const float *Y, const size_t *test_idx,
                 int allow_graph)
{
    free_buffers(c);
    c->p = *p;
    c->task = task;
    int rc = alloc_buffers(c);
    if (rc == WN_OK)
        rc = wn__gpu_graph_plan(p->n_train, p->batch, wn__gpu_step_nodes(p),
                                allow_graph, &c->g);
    if (rc != WN_OK)
        return rc;
    CU(cudaMemcpy(c->X, X, p->data_x_floats * sizeof(float), cudaMemcpyHostToDevice),
       "copy X");
    CU(cudaMemcpy(c->Y, Y, p->data_y_floats * sizeof(float), cudaMemcpyHostToDevice),
       "copy Y");
    for (size_t i = 0; i < p->n_test; i++)
        c->h_idx[p->n_train + i] = (int32_t)test_idx[i];
    CU(cudaMemcpy(c->idx + p->n_train, c->h_idx + p->n_train, p->n_test * sizeof(int32_t),
                  cudaMemcpyHostToDevice), "copy test rows");
    size_t B = p->batch;
    size_t want[4] = {c->g.full ? B : 0, c->g.last_rows, p->n_test >= B ? B : 0,
                      p->n_test % B};
    for (size_t i = 0; i < 4 && rc == WN_OK; i++) {
        const struct rowset *r;
        if (want[i])
            rc = rowset_for(c, want[i], &r);
    }
    c->ready = rc == WN_OK;
    return rc;
}

int wn__cu_set_params(struct wn__cu *c, const float *params, float lr)
{
    if (!c->ready)
        return wn_seterr(WN_ESTATE, "cuda: parameters before setup");
    size_t n = c->p.n_flat;
    CU(cudaMemcpy(c->params, params, n * sizeof(float), cudaMemcpyHostToDevice),
       "copy parameters");
    CU(cudaMemset(c->grads, 0, 3 * n * sizeof(float)), "memset");
    CU(cudaMemset(c->st, 0, sizeof *c->st), "memset");
    if (lr != c->lr)
        free_graphs(c);   /* the learning rate is baked into the graphs */
    c->lr = lr;
    return WN_OK;
}

int wn__cu_get_params(struct wn__cu *c, float *params)
{
    if (!c->ready)
        return wn_seterr(WN_ESTATE, "cuda: parameters before setup");
    CU(cudaMemcpy(params, c->params, c->p.n_flat * sizeof(float),
                  cudaMemcpyDeviceToHost), "copy parameters");
    return WN_OK;
}

/* ---- A step ---------------------------------------------------------------- */

static int enqueue_forward(struct wn__cu *c, const struct rowset *r)
{
    const struct wn__gpu_plan *p = &c->p;
    for (size_t k = 0; k < p->depth; k++) {
        size_t m = p->widths[k];
        const float *in = c->acts + (k == 0 ? p->x_off : p->a_off[k - 1]);
        float *h = c->acts + p->h_off[k];
        int rc = wn__gg_run(c->lt, c->s, &r->fwd[k], c->params + p->w_off[k], in, h,
                            c->ws, p->workspace_bytes);
        if (rc != WN_OK)
            return rc;
        if (r->fwd[k].bias_kernel)
            wn__gk_bias_act(c->s, h, c->params + p->b_off[k], r->rows, m,
                            k + 1 < p->depth);
        if (p->residual[k])
            wn__gk_add(c->s, c->acts + p->a_off[k], h, in, r->rows * m);
    }
    return WN_OK;
}

/* dz[L-1] holds dL/dlogits: every dW, db (net.c's backward_layers). */
static int enqueue_backward(struct wn__cu *c, const struct rowset *r)
{
    const struct wn__gpu_plan *p = &c->p;
    size_t L = p->depth, rows = r->rows;
    for (size_t k = L; k-- > 0;) {
        size_t m = p->widths[k];
        const float *in = c->acts + (k == 0 ? p->x_off : p->a_off[k - 1]);
        float *dz = c->acts + p->dz_off[k];
        if (k + 1 < L) {
            const float *skip = p->residual[k + 1] ? c->acts + p->g_off[k + 1] : NULL;
            wn__gk_grad_cols(c->s, dz, c->acts + p->g_off[k], c->acts + p->h_off[k],
                             skip, c->grads + p->b_off[k], rows, m);
        } else
            wn__gk_grad_cols(c->s, dz, dz, NULL, NULL, c->grads + p->b_off[k], rows, m);
        int rc = wn__gg_run(c->lt, c->s, &r->bwd_w[k], in, dz, c->grads + p->w_off[k],
                            c->ws, p->workspace_bytes);
        if (rc == WN_OK && k > 0)
            rc = wn__gg_run(c->lt, c->s, &r->bwd_d[k], c->params + p->w_off[k], dz,
                            c->acts + p->g_off[k - 1], c->ws, p->workspace_bytes);
        if (rc != WN_OK)
            return rc;
    }
    return WN_OK;
}

/* Gather, forward, loss, backward; with adam also the update.  Reads the
 * row offset from the device state, so it can be captured. */
static int enqueue_step(struct wn__cu *c, const struct rowset *r, int adam)
{
    const struct wn__gpu_plan *p = &c->p;
    size_t L = p->depth;
    wn__gk_gather(c->s, c->acts + p->x_off, c->acts + p->y_off, c->X, c->Y, c->idx, c->st,
                  0, r->rows, p->inputs, p->outputs);
    int rc = enqueue_forward(c, r);
    if (rc != WN_OK)
        return rc;
    wn__gk_loss_grad(c->s, c->task, c->acts + p->h_off[L - 1], c->acts + p->y_off,
                     r->rows, p->outputs, c->acts + p->dz_off[L - 1], c->losses, c->st,
                     p->batch);
    rc = enqueue_backward(c, r);
    if (rc != WN_OK || !adam)
        return rc;
    wn__gk_advance(c->s, c->st, r->rows, c->lr, c->b1, c->b2);
    wn__gk_adam(c->s, c->params, c->grads, c->m, c->v, p->n_flat, c->b1, c->b2, c->eps,
                c->st);
    return WN_OK;
}

/* `full` full steps then, with last, the partial one (on the stream:
 * run eagerly, or recorded while it is capturing). */
static int enqueue_steps(struct wn__cu *c, size_t full, int last)
{
    const struct rowset *rf = NULL, *rl = NULL;
    int rc = WN_OK;
    if (full)
        rc = rowset_for(c, c->p.batch, &rf);
    if (rc == WN_OK && last)
        rc = rowset_for(c, c->g.last_rows, &rl);
    for (size_t i = 0; i < full && rc == WN_OK; i++)
        rc = enqueue_step(c, rf, 1);
    if (rc == WN_OK && last)
        rc = enqueue_step(c, rl, 1);
    return rc;
}

/* ---- Graphs ------------------------------------------------------------------- */

static int capture(struct wn__cu *c, size_t full, int last, cudaGraph_t *g,
                   cudaGraphExec_t *exec)
{
    /* The GEMM plans of both row counts were made in setup: nothing below
     * allocates while the stream is capturing. */
    CU(cudaStreamBeginCapture(c->s, cudaStreamCaptureModeThreadLocal), "capture");
    int rc = enqueue_steps(c, full, last);
    cudaError_t e = cudaStreamEndCapture(c->s, g);
    if (rc != WN_OK)
        return rc;
    CU(e, "end capture");
    CU(cudaGraphInstantiate(exec, *g, 0), "graph instantiate");
    return WN_OK;
}

static int ensure_graphs(struct wn__cu *c)
{
    const struct wn__graph_plan *g = &c->g;
    int rc = WN_OK;
    if (!g->use_graph)
        return WN_OK;
    if (!c->body && g->body_steps && g->body_launches)
        rc = capture(c, g->body_steps, 0, &c->body_g, &c->body);
    if (rc == WN_OK && !c->tail && g->tail_steps)
        rc = capture(c, g->body_steps ? g->full % g->body_steps : 0, g->last_rows != 0,
                     &c->tail_g, &c->tail);
    return rc;
}

/* ---- Epochs ---------------------------------------------------------------------- */

int wn__cu_train_epoch(struct wn__cu *c, const size_t *order, double *loss_mean)
{
    const struct wn__gpu_plan *p = &c->p;
    const struct wn__graph_plan *g = &c->g;
    if (!c->ready)
        return wn_seterr(WN_ESTATE, "cuda: epoch before setup");
    int rc = ensure_graphs(c);
    if (rc != WN_OK)
        return rc;
    for (size_t i = 0; i < p->n_train; i++)
        c->h_idx[i] = (int32_t)order[i];
    CU(cudaMemcpyAsync(c->idx, c->h_idx, p->n_train * sizeof(int32_t),
                       cudaMemcpyHostToDevice, c->s), "copy order");
    CU(cudaMemsetAsync(&c->st->off, 0, sizeof c->st->off, c->s), "memset");
    if (g->use_graph) {
        for (size_t i = 0; i < g->body_launches; i++)
            CU(cudaGraphLaunch(c->body, c->s), "graph launch");
        if (c->tail)
            CU(cudaGraphLaunch(c->tail, c->s), "graph launch");
    } else if ((rc = enqueue_steps(c, g->full, g->last_rows != 0)) != WN_OK)
        return rc;
    CU(cudaMemcpyAsync(c->h_losses, c->losses, p->train_steps * sizeof(double),
                       cudaMemcpyDeviceToHost, c->s), "copy losses");
    CU(cudaStreamSynchronize(c->s), "training epoch");
    CU(cudaGetLastError(), "training epoch");
    double sum = 0.0;
    for (size_t i = 0; i < p->train_steps; i++)
        sum += c->h_losses[i] * (double)(i < g->full ? p->batch : g->last_rows);
    *loss_mean = sum / (double)p->n_train;
    return WN_OK;
}

int wn__cu_test(struct wn__cu *c, struct wn__eval4 *sums)
{
    const struct wn__gpu_plan *p = &c->p;
    if (!c->ready)
        return wn_seterr(WN_ESTATE, "cuda: test before setup");
    for (size_t b = 0; b < p->test_batches; b++) {
        size_t s = b * p->batch, rows = p->n_test - s < p->batch ? p->n_test - s : p->batch;
        const struct rowset *r;
        int rc = rowset_for(c, rows, &r);
        if (rc != WN_OK)
            return rc;
        wn__gk_gather(c->s, c->acts + p->x_off, c->acts + p->y_off, c->X, c->Y, c->idx,
                      NULL, p->n_train + s, rows, p->inputs, p->outputs);
        if ((rc = enqueue_forward(c, r)) != WN_OK)
            return rc;
        wn__gk_eval(c->s, c->task, c->acts + p->h_off[p->depth - 1], c->acts + p->y_off,
                    rows, p->outputs, c->evals + 4 * b);
    }
    CU(cudaMemcpyAsync(c->h_evals, c->evals, 4 * p->test_batches * sizeof(double),
                       cudaMemcpyDeviceToHost, c->s), "copy sums");
    CU(cudaStreamSynchronize(c->s), "test pass");
    memset(sums, 0, sizeof *sums);
    for (size_t b = 0; b < p->test_batches; b++) {
        sums->loss += c->h_evals[4 * b];
        sums->correct += c->h_evals[4 * b + 1];
        sums->se += c->h_evals[4 * b + 2];
        sums->ae += c->h_evals[4 * b + 3];
    }
    return WN_OK;
}

int wn__cu_loss_grad(struct wn__cu *c, const size_t *idx, size_t rows, double *loss,
                     float *grads)
{
    const struct wn__gpu_plan *p = &c->p;
    if (!c->ready || rows < 1 || rows > p->batch || rows > p->n_train)
        return wn_seterr(WN_EINVAL, "cuda: loss of %zu rows (batch %zu)", rows,
                         p->batch);
    const struct rowset *r;
    int rc = rowset_for(c, rows, &r);
    if (rc != WN_OK)
        return rc;
    for (size_t i = 0; i < rows; i++)
        c->h_idx[i] = (int32_t)idx[i];
    CU(cudaMemcpyAsync(c->idx, c->h_idx, rows * sizeof(int32_t), cudaMemcpyHostToDevice,
                       c->s), "copy rows");
    CU(cudaMemsetAsync(&c->st->off, 0, sizeof c->st->off, c->s), "memset");
    if ((rc = enqueue_step(c, r, 0)) != WN_OK)
        return rc;
    CU(cudaMemcpyAsync(c->h_losses, c->losses, sizeof(double), cudaMemcpyDeviceToHost,
                       c->s), "copy loss");
    if (grads)
        CU(cudaMemcpyAsync(grads, c->grads, p->n_flat * sizeof(float),
                           cudaMemcpyDeviceToHost, c->s), "copy gradient");
    CU(cudaStreamSynchronize(c->s), "loss");
    *loss = c->h_losses[0];
    return WN_OK;
}

int wn__cu_graph_info(const struct wn__cu *c, struct wn__graph_plan *g)
{
    if (!c->ready)
        return wn_seterr(WN_ESTATE, "cuda: no plan before setup");
    *g = c->g;
    return WN_OK;
}
