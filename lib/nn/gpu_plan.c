/*
 * gpu_plan.c - the host-side decisions of the GPU engine, plain C so they
 * are tested on machines without a GPU: parsing a device string, the
 * memory plan (every device buffer's size and offset) and the CUDA-graph
 * plan (how many training steps each captured graph holds).  See gpu.h.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <wattnet/core.h>
#include <wattnet/data.h>
#include <wattnet/train.h>
#include <wattnet/gpu.h>

#include "nn/gpu.h"

/* ---- Device strings ------------------------------------------------------- */

int wn__device_parse(const char *s, struct wn__device *out)
{
    out->kind = WN__DEV_CPU;
    out->index = 0;
    if (!s || !*s || !strcmp(s, "cpu"))
        return WN_OK;
    if (strncmp(s, "cuda", 4) != 0)
        return wn_seterr(WN_EINVAL, "device '%s': want cpu, cuda or cuda:N", s);
    out->kind = WN__DEV_CUDA;
    if (s[4] == '\0')
        return WN_OK;
    const char *p = s + 5;
    if (s[4] != ':' || *p < '0' || *p > '9')
        return wn_seterr(WN_EINVAL, "device '%s': want cpu, cuda or cuda:N", s);
    char *end = NULL;
    errno = 0;
    unsigned long n = strtoul(p, &end, 10);
    if (errno || *end || n > 255)
        return wn_seterr(WN_EINVAL, "device '%s': N must be an integer 0..255", s);
    out->index = (int)n;
    return WN_OK;
}

int wn_train_device_valid(const char *s)
{
    struct wn__device d;
    int rc = wn__device_parse(s, &d);
    if (rc != WN_OK)
        wn_clearerr();
    return rc == WN_OK;
}

/* ---- Memory plan ------------------------------------------------------------ */

/* n rounded up to 16 floats (net.c's padding); SIZE_MAX stays SIZE_MAX. */
static size_t pad16(size_t n)
{
    return n > SIZE_MAX - 15 ? SIZE_MAX : (n + 15) & ~(size_t)15;
}

/* a + b, or SIZE_MAX on overflow (sticky). */
static size_t add_sat(size_t a, size_t b)
{
    return a > SIZE_MAX - b ? SIZE_MAX : a + b;
}

static size_t mul_sat(size_t a, size_t b)
{
    return a && b > SIZE_MAX / a ? SIZE_MAX : a * b;
}

/* Bytes of a buffer of n elements of `size`, rounded up to 256. */
static size_t buf_bytes(size_t n, size_t size)
{
    size_t b = mul_sat(n, size);
    return b > SIZE_MAX - 255 ? SIZE_MAX : (b + 255) & ~(size_t)255;
}

static int check_shape(size_t inputs, const size_t *widths, size_t depth, int residual,
                       size_t batch)
{
    if (depth < 2 || depth > WN_MAX_DEPTH || inputs < 1 || batch < 1)
        return wn_seterr(WN_EINVAL, "gpu plan: depth %zu, inputs %zu, batch %zu out "
                         "of range", depth, inputs, batch);
    for (size_t k = 0; k < depth; k++)
        if (widths[k] < 1)
            return wn_seterr(WN_EINVAL, "gpu plan: width %zu of layer %zu", widths[k], k);
    if (residual)
        for (size_t k = 1; k + 1 < depth; k++)
            if (widths[k] != widths[k - 1])
                return wn_seterr(WN_EINVAL, "gpu plan: residual skip into layer %zu "
                                 "needs equal widths", k);
    return WN_OK;
}

/* Activations of B rows, in net.c's order. */
static void plan_acts(struct wn__gpu_plan *p)
{
    size_t B = p->batch, off = 0;
    p->x_off = off;
    off = add_sat(off, pad16(mul_sat(B, p->inputs)));
    p->y_off = off;
    off = add_sat(off, pad16(mul_sat(B, p->outputs)));
    for (size_t k = 0; k < p->depth; k++) {
        size_t t = pad16(mul_sat(B, p->widths[k]));
        int hidden = k + 1 < p->depth;
        p->h_off[k] = off;
        off = add_sat(off, t);
        p->a_off[k] = p->h_off[k];
        if (p->residual[k]) {
            p->a_off[k] = off;
            off = add_sat(off, t);
        }
        p->g_off[k] = SIZE_MAX;
        if (hidden) {
            p->g_off[k] = off;
            off = add_sat(off, t);
        }
        p->dz_off[k] = p->g_off[k];
        if (!hidden || p->residual[k]) {
            p->dz_off[k] = off;
            off = add_sat(off, t);
        }
    }
    p->n_acts = off;
}

int wn__gpu_plan_make(size_t inputs, const size_t *widths, size_t depth,
                      int residual, size_t batch, size_t n_rows, size_t n_train,
                      size_t n_test, struct wn__gpu_plan *p)
{
    memset(p, 0, sizeof *p);
    int rc = check_shape(inputs, widths, depth, residual, batch);
    if (rc != WN_OK)
        return rc;
    if (n_rows >= ((size_t)1 << 31) || n_train + n_test > n_rows || n_train < 1 ||
        n_test < 1)
        return wn_seterr(WN_EINVAL, "gpu plan: %zu rows (%zu train, %zu test): need "
                         "1 <= each, train + test <= rows < 2^31", n_rows, n_train,
                         n_test);
    p->depth = depth;
    p->inputs = inputs;
    p->outputs = widths[depth - 1];
    p->batch = batch;
    size_t n_flat = 0;
    for (size_t k = 0; k < depth; k++) {
        p->widths[k] = widths[k];
        p->fan_in[k] = k == 0 ? inputs : widths[k - 1];
        p->residual[k] = residual && k > 0 && k + 1 < depth;
        p->w_off[k] = n_flat;
        n_flat = add_sat(n_flat, pad16(mul_sat(p->fan_in[k], widths[k])));
        p->b_off[k] = n_flat;
        n_flat = add_sat(n_flat, pad16(widths[k]));
    }
    p->n_flat = n_flat;
    plan_acts(p);
    p->n_rows = n_rows;
    p->data_x_floats = mul_sat(n_rows, inputs);
    p->data_y_floats = mul_sat(n_rows, p->outputs);
    p->n_train = n_train;
    p->n_test = n_test;
    p->idx_count = n_train + n_test;
    p->train_steps = (n_train + batch - 1) / batch;
    p->test_batches = (n_test + batch - 1) / batch;
    p->workspace_bytes = (size_t)32 << 20;

    size_t total = 0;
    total = add_sat(total, buf_bytes(n_flat, 4 * sizeof(float)));   /* p, g, m, v */
    total = add_sat(total, buf_bytes(p->n_acts, sizeof(float)));
    total = add_sat(total, buf_bytes(p->data_x_floats, sizeof(float)));
    total = add_sat(total, buf_bytes(p->data_y_floats, sizeof(float)));
    total = add_sat(total, buf_bytes(p->idx_count, sizeof(int32_t)));
    total = add_sat(total, buf_bytes(p->train_steps, sizeof(double)));
    total = add_sat(total, buf_bytes(p->test_batches, 4 * sizeof(double)));
    total = add_sat(total, buf_bytes(4, sizeof(double)));   /* counters, scalars */
    total = add_sat(total, p->workspace_bytes);
    if (total == SIZE_MAX)
        return wn_seterr(WN_EINVAL, "gpu plan: the buffers' size overflows");
    p->total_bytes = total;
    return WN_OK;
}

/* ---- Graph plan -------------------------------------------------------------- */

size_t wn__gpu_step_nodes(const struct wn__gpu_plan *p)
{
    size_t n = 1 + 1 + 1 + 1;   /* gather, loss, advance, Adam */
    for (size_t k = 0; k < p->depth; k++) {
        n += 1;                               /* forward GEMM (+epilogue) */
        n += p->residual[k] ? 1 : 0;          /* residual add */
        n += 1;                 /* skip add + ReLU mask + column sums (db) */
        n += 1;                               /* dW GEMM */
        n += k > 0 ? 1 : 0;                   /* data GEMM */
    }
    return n;
}

int wn__gpu_graph_plan(size_t n_train, size_t batch, size_t nodes_per_step,
                       int allow_graph, struct wn__graph_plan *g)
{
    memset(g, 0, sizeof *g);
    if (n_train < 1 || batch < 1 || nodes_per_step < 1)
        return wn_seterr(WN_EINVAL, "graph plan: %zu rows, batch %zu, %zu nodes",
                         n_train, batch, nodes_per_step);
    g->full = n_train / batch;
    g->last_rows = n_train % batch;
    size_t steps = g->full + (g->last_rows ? 1 : 0);
    g->use_graph = allow_graph && steps >= 2 && nodes_per_step <= WN__GPU_GRAPH_NODE_LIMIT;
    if (!g->use_graph) {
        g->body_steps = 1;
        g->body_launches = g->full;
        g->tail_steps = g->last_rows ? 1 : 0;
        return WN_OK;
    }
    size_t k = WN__GPU_GRAPH_NODE_LIMIT / nodes_per_step;
    k = k > WN__GPU_GRAPH_MAX_STEPS ? WN__GPU_GRAPH_MAX_STEPS : k;
    k = k > g->full ? g->full : k;
    if (k == 0) {   /* no full step: the epoch is one partial step */
        g->body_steps = 0;
        g->body_launches = 0;
    } else {
        g->body_steps = k;
        g->body_launches = g->full / k;
    }
    g->tail_steps = (k ? g->full % k : 0) + (g->last_rows ? 1 : 0);
    return WN_OK;
}
