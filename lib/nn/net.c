/*
 * net.c - the MLP of a training run: memory layout, initialisation, the
 * forward and backward passes in layer order, and the Adam update.  See
 * net.h for the layout and the equations.
 *
 * The passes call one matmul per (layer, direction) through the backend
 * (oneDNN or the naive reference) and do all elementwise work here in
 * tight loops: the residual add after a hidden layer, and in the backward
 * pass one fused loop per hidden layer that adds the skip gradient, applies
 * the ReLU mask and reduces the bias gradient.
 */
#include <math.h>
#include <string.h>

#include <wattnet/core.h>
#include <wattnet/data.h>
#include <wattnet/shape.h>
#include <wattnet/train.h>

#include "core/rng.h"
#include "nn/net.h"

/* Tensors start on 64-byte boundaries: pad every one to 16 floats. */
static size_t pad16(size_t n)
{
    return (n + 15) & ~(size_t)15;
}

/* ---- Creation ----------------------------------------------------------- */

/* Sizes a network may have: every size computed from them stays far from
 * overflowing, and nothing bigger could be allocated anyway. */
static int check_sizes(size_t inputs, const size_t *widths, size_t depth,
                       int residual, size_t batch)
{
    if (depth < 2 || depth > WN_MAX_DEPTH || inputs < 1 || batch < 1)
        return wn_seterr(WN_EINVAL, "net: depth %zu, inputs %zu, batch %zu "
                         "out of range", depth, inputs, batch);
    for (size_t k = 0; k < depth; k++)
        if (widths[k] < 1)
            return wn_seterr(WN_EINVAL, "net: width %zu of layer %zu", widths[k], k);
    const uint64_t limit = (uint64_t)1 << 40;
    if (wn_params(inputs, widths, depth) > limit || (uint64_t)batch * inputs > limit)
        return wn_seterr(WN_ENOMEM, "net: %llu parameters, batch %zu: too large "
                         "to allocate",
                         (unsigned long long)wn_params(inputs, widths, depth), batch);
    for (size_t k = 0; k < depth; k++)
        if (widths[k] > limit / batch)
            return wn_seterr(WN_ENOMEM, "net: width %zu with batch %zu: too large "
                             "to allocate", widths[k], batch);
    if (residual)
        for (size_t k = 1; k + 1 < depth; k++)
            if (widths[k] != widths[k - 1])
                return wn_seterr(WN_EINVAL, "net: residual skip into layer %zu "
                                 "needs equal widths (%zu vs %zu)", k,
                                 widths[k - 1], widths[k]);
    return WN_OK;
}

/* Parameter layout: one allocation of W0, b0, W1, b1, ... (each padded to
 * 16 floats), and one of the same layout three times over for the
 * gradients and Adam's two moments, so Adam is one flat loop. */
static int alloc_params(struct wn__net *net, int residual)
{
    size_t n_flat = 0;
    int tiny_ok = net->backend == WN__NN_DNNL && wn__tiny_available();
    for (size_t k = 0; k < net->depth; k++) {
        net->fan_in[k] = k == 0 ? net->inputs : net->widths[k - 1];
        net->residual[k] = residual && k > 0 && k + 1 < net->depth;
        net->tiny[k] = tiny_ok && wn__tiny_fits(net->fan_in[k], net->widths[k]);
        net->narrow[k] = tiny_ok && wn__narrow_fits(net->fan_in[k], net->widths[k]);
        n_flat += pad16(net->fan_in[k] * net->widths[k]) + pad16(net->widths[k]);
    }
    net->n_flat = n_flat;
    net->flat_params = wn_malloc_aligned(n_flat * sizeof(float));
    net->flat_state = wn_malloc_aligned(3 * n_flat * sizeof(float));
    if (!net->flat_params || !net->flat_state)
        return wn_seterr(WN_ENOMEM, "net: out of memory for %zu parameters", n_flat);
    memset(net->flat_params, 0, n_flat * sizeof(float));
    memset(net->flat_state, 0, 3 * n_flat * sizeof(float));
    net->grads = net->flat_state;
    net->adam_m = net->flat_state + n_flat;
    net->adam_v = net->flat_state + 2 * n_flat;
    size_t off = 0;
    for (size_t k = 0; k < net->depth; k++) {
        net->W[k] = net->flat_params + off;
        net->dW[k] = net->grads + off;
        off += pad16(net->fan_in[k] * net->widths[k]);
        net->b[k] = net->flat_params + off;
        net->db[k] = net->grads + off;
        off += pad16(net->widths[k]);
    }
    return WN_OK;
}

/* Floats of layer K's activations: h, [a], [g], [dz], each (batch, width). */
static size_t layer_acts(const struct wn__net *net, size_t k)
{
    size_t t = pad16(net->batch * net->widths[k]);
    int hidden = k + 1 < net->depth;
    return t + (net->residual[k] ? t : 0) + (hidden ? t : 0) +
           ((!hidden || net->residual[k]) ? t : 0);
}

/* The next N floats of the activation buffer at *P. */
static float *take(float **p, size_t n)
{
    float *at = *p;
    *p += n;
    return at;
}

/* Activation layout, one allocation: x (batch, inputs), y (batch,
 * outputs), then per layer h, [a] (residual), [g] (hidden), [dz]. */
static int alloc_acts(struct wn__net *net)
{
    size_t batch = net->batch, outputs = net->widths[net->depth - 1];
    size_t n_acts = pad16(batch * net->inputs) + pad16(batch * outputs);
    for (size_t k = 0; k < net->depth; k++)
        n_acts += layer_acts(net, k);
    net->flat_acts = wn_malloc_aligned(n_acts * sizeof(float));
    if (!net->flat_acts)
        return wn_seterr(WN_ENOMEM, "net: out of memory for activations");
    memset(net->flat_acts, 0, n_acts * sizeof(float));
    float *p = net->flat_acts;
    net->x = take(&p, pad16(batch * net->inputs));
    net->y = take(&p, pad16(batch * outputs));
    for (size_t k = 0; k < net->depth; k++) {
        size_t t = pad16(batch * net->widths[k]);
        int hidden = k + 1 < net->depth;
        net->h[k] = take(&p, t);
        net->a[k] = net->residual[k] ? take(&p, t) : net->h[k];
        net->g[k] = hidden ? take(&p, t) : NULL;
        net->dz[k] = (!hidden || net->residual[k]) ? take(&p, t) : net->g[k];
    }
    return WN_OK;
}

int wn__net_create(size_t inputs, const size_t *widths, size_t depth,
                   int residual, wn_task task, size_t batch,
                   enum wn__nn_backend backend, struct wn__net **out)
{
    struct wn__net *net = NULL;
    *out = NULL;
    int rc = check_sizes(inputs, widths, depth, residual, batch);
    if (rc != WN_OK)
        return rc;
    net = wn_calloc(1, sizeof *net);
    if (!net)
        return wn_seterr(WN_ENOMEM, "net: out of memory");
    net->depth = depth;
    net->inputs = inputs;
    net->task = task;
    net->batch = batch;
    net->backend = backend;
    net->lr = 1e-4f;
    net->beta1 = 0.9f;
    net->beta2 = 0.999f;
    net->eps = 1e-7f;
    memcpy(net->widths, widths, depth * sizeof widths[0]);
    net->params = wn_params(inputs, widths, depth);
    if ((rc = alloc_params(net, residual)) == WN_OK &&
        (rc = alloc_acts(net)) == WN_OK && backend == WN__NN_DNNL)
        rc = wn__dnnl_create(net);
    if (rc == WN_OK) {
        *out = net;
        net = NULL;
    }
    wn__net_free(&net);
    return rc;
}

void wn__net_free(struct wn__net **pnet)
{
    if (!pnet || !*pnet)
        return;
    struct wn__net *net = *pnet;
    wn__dnnl_free(net);
    wn_free_aligned(net->flat_params);
    wn_free_aligned(net->flat_state);
    wn_free_aligned(net->flat_acts);
    wn_free(net);
    *pnet = NULL;
}

/* ---- Initialisation ----------------------------------------------------- */

void wn__net_init(struct wn__net *net, uint64_t seed)
{
    wn_rng rng;
    wn__rng_seed(&rng, seed);
    memset(net->flat_params, 0, net->n_flat * sizeof(float));
    memset(net->flat_state, 0, 3 * net->n_flat * sizeof(float));
    for (size_t k = 0; k < net->depth; k++) {
        size_t n = net->fan_in[k], m = net->widths[k];
        double limit = sqrt(6.0 / (double)(n + m));
        float *W = net->W[k];
        for (size_t i = 0; i < n * m; i++)
            W[i] = (float)((2.0 * wn__rng_uniform(&rng) - 1.0) * limit);
    }
    net->step = 0;
}

int wn__net_prepare(struct wn__net *net, size_t rows, int backward)
{
    if (rows < 1 || rows > net->batch)
        return wn_seterr(WN_EINVAL, "net: %zu rows, batch is %zu", rows, net->batch);
    if (net->backend == WN__NN_NAIVE)
        return WN_OK;
    return wn__dnnl_prepare(net, rows, backward);
}

/* ---- Forward ------------------------------------------------------------ */

static int forward_layers(struct wn__net *net, const float *x, size_t k0,
                          size_t rows);

int wn__net_forward(struct wn__net *net, size_t rows)
{
    return wn__net_forward_from(net, net->x, rows);
}

int wn__net_forward_from(struct wn__net *net, const float *x, size_t rows)
{
    return forward_layers(net, x, 0, rows);
}

int wn__net_forward_rest(struct wn__net *net, size_t rows)
{
    return forward_layers(net, net->x, 1, rows);
}

static int forward_layers(struct wn__net *net, const float *x, size_t k0, size_t rows)
{
    int rc = wn__net_prepare(net, rows, 0);
    if (rc != WN_OK)
        return rc;
    for (size_t k = k0; k < net->depth; k++) {
        size_t n = net->fan_in[k], m = net->widths[k];
        const float *in = k == 0 ? x : net->a[k - 1];
        int hidden = k + 1 < net->depth;
        if (net->tiny[k])
            wn__tiny_forward(net->h[k], in, net->W[k], net->b[k], rows, n, m, hidden);
        else if (net->narrow[k])
            wn__narrow_forward(net->h[k], in, net->W[k], net->b[k], rows, n, m, hidden);
        else if (net->backend == WN__NN_DNNL) {
            rc = wn__dnnl_forward_layer(net, k, rows, x);
            if (rc != WN_OK)
                return rc;
        } else
            wn__mm_forward_naive(net->h[k], in, net->W[k], net->b[k], rows, n, m,
                                 hidden);
        if (net->residual[k])   /* a[k] (rows, m) = h[k] + a[k-1] */
            wn__k_add(net->a[k], net->h[k], in, rows * m);
    }
    return WN_OK;
}

/* ---- Backward ----------------------------------------------------------- */

/* Hidden layer k: g[k] += g[k+1] when the skip into k+1 exists (the total
 * dL/da[k], kept for the skip below a residual layer); dz[k] = g[k] where
 * h[k] > 0 else 0; db[k] = column sums of dz[k].  dz[k] is g[k] itself
 * unless k is residual. */
static void hidden_grad(struct wn__net *net, size_t k, size_t rows)
{
    size_t m = net->widths[k];
    if (net->residual[k + 1])
        wn__k_add_inplace(net->g[k], net->g[k + 1], rows * m);
    if (net->dz[k] == net->g[k])
        wn__k_relu_grad_inplace(net->g[k], net->h[k], net->db[k], rows, m);
    else
        wn__k_relu_grad(net->dz[k], net->g[k], net->h[k], net->db[k], rows, m);
}

static int backward_layers(struct wn__net *net, size_t rows, int skip_w0);

int wn__net_backward(struct wn__net *net, size_t rows)
{
    return backward_layers(net, rows, 0);
}

int wn__net_backward_rest(struct wn__net *net, size_t rows)
{
    return backward_layers(net, rows, 1);
}

static int backward_layers(struct wn__net *net, size_t rows, int skip_w0)
{
    int rc = wn__net_prepare(net, rows, 1);
    if (rc != WN_OK)
        return rc;
    size_t L = net->depth;
    for (size_t kk = L; kk-- > 0;) {
        size_t n = net->fan_in[kk], m = net->widths[kk];
        const float *in = kk == 0 ? net->x : net->a[kk - 1];
        if (kk + 1 < L)
            hidden_grad(net, kk, rows);
        else
            wn__k_colsum(net->db[kk], net->dz[kk], rows, m);
        if (kk == 0 && skip_w0)
            break;
        if (net->tiny[kk]) {
            wn__tiny_backward_weights(net->dW[kk], in, net->dz[kk], rows, n, m);
            if (kk > 0)
                wn__tiny_backward_data(net->g[kk - 1], net->dz[kk], net->W[kk], rows, n,
                                       m);
        } else if (net->narrow[kk]) {
            wn__narrow_backward_weights(net->dW[kk], in, net->dz[kk], rows, n, m);
            if (kk > 0)
                wn__narrow_backward_data(net->g[kk - 1], net->dz[kk], net->W[kk], rows,
                                         n, m);
        } else if (net->backend == WN__NN_DNNL) {
            rc = wn__dnnl_backward_weights(net, kk, rows);
            if (rc == WN_OK && kk > 0)
                rc = wn__dnnl_backward_data(net, kk, rows);
            if (rc != WN_OK)
                return rc;
        } else {
            wn__mm_backward_weights_naive(net->dW[kk], in, net->dz[kk], rows, n, m);
            if (kk > 0)
                wn__mm_backward_data_naive(net->g[kk - 1], net->dz[kk], net->W[kk],
                                           rows, n, m);
        }
    }
    return WN_OK;
}

/* ---- Adam --------------------------------------------------------------- */

void wn__net_adam(struct wn__net *net)
{
    net->step++;
    double t = (double)net->step;
    double bc1 = 1.0 - pow((double)net->beta1, t);
    double bc2 = 1.0 - pow((double)net->beta2, t);
    /* PyTorch: p -= lr / bc1 * m / (sqrt(v) / sqrt(bc2) + eps) */
    const float step_size = (float)((double)net->lr / bc1);
    const float inv_sqrt_bc2 = (float)(1.0 / sqrt(bc2));
    wn__k_adam(net->flat_params, net->grads, net->adam_m, net->adam_v, net->n_flat,
               net->beta1, net->beta2, step_size, inv_sqrt_bc2, net->eps);
}
