/*
 * net_dnnl.c - the oneDNN backend of the MLP (v2 C API): matmul primitives
 * made ONCE per (layer, row count) and reused for every step.
 *
 * A "plan" holds, for one row count r (the full batch, the last partial
 * training batch, the last partial test batch), per layer k:
 *   fwd[k]  h[k] (r, m) = act(in (r, n) . W[k]^T (n, m) + b[k])  bias and,
 *           for hidden layers, ReLU fused (eltwise post-op); W[k] is
 *           (m, n) row-major, so W^T is a (n, m) view with strides (1, n)
 *   bww[k]  dW[k] (m, n) = dz[k]^T (m, r) . in (r, n)   (dz^T: strides 1, m)
 *   bwd[k]  g[k-1] (r, n) = dz[k] (r, m) . W[k] (m, n)
 * with the memory objects bound to the net's fixed buffers and the argument
 * arrays filled in, so a step is just dnnl_primitive_execute calls: no
 * descriptor, memory object or allocation per step.  Scratchpads are in
 * user mode, allocated here once per primitive that needs one.
 *
 * oneDNN here runs on OpenMP: the thread count is the calling thread's
 * omp_get_max_threads() (wn_train sets it before the plans are made).
 */
#include <string.h>

#include <omp.h>
#include <oneapi/dnnl/dnnl.h>

#include <wattnet/core.h>
#include <wattnet/data.h>
#include <wattnet/shape.h>
#include <wattnet/train.h>

#include "nn/net.h"

enum { OP_FWD = 0, OP_BWW, OP_BWD, OP_COUNT };
#define MAX_ARGS 5

struct prim {
    dnnl_primitive_t p;
    dnnl_exec_arg_t args[MAX_ARGS];
    int nargs;
    dnnl_memory_t mem[MAX_ARGS];   /* owned */
    void *scratch;                 /* owned, wn_malloc_aligned */
    int serial;                    /* made, and run, with one thread */
};

struct plan {
    size_t rows;
    int has_forward, has_backward;
    struct prim op[OP_COUNT][WN_MAX_DEPTH];
};

struct wn__dnnl {
    dnnl_engine_t engine;
    dnnl_stream_t stream;
    struct plan plans[WN__NN_MAX_PLANS];
    size_t n_plans;
};

#define DNNL_TRY(call, what)                                                   \
    do {                                                                       \
        dnnl_status_t st_ = (call);                                            \
        if (st_ != dnnl_success) {                                             \
            rc = wn_seterr(WN_EBACKEND, "oneDNN: %s failed (status %d)", what, \
                           (int)st_);                                          \
            goto out;                                                          \
        }                                                                      \
    } while (0)

/* ---- Engine ------------------------------------------------------------- */

int wn__dnnl_create(struct wn__net *net)
{
    int rc = WN_OK;
    struct wn__dnnl *d = wn_calloc(1, sizeof *d);
    if (!d)
        return wn_seterr(WN_ENOMEM, "net: out of memory (oneDNN state)");
    DNNL_TRY(dnnl_engine_create(&d->engine, dnnl_cpu, 0), "engine_create");
    DNNL_TRY(dnnl_stream_create(&d->stream, d->engine, dnnl_stream_default_flags),
             "stream_create");
    net->dnnl = d;
    d = NULL;
out:
    if (d) {
        if (d->engine)
            dnnl_engine_destroy(d->engine);
        wn_free(d);
    }
    return rc;
}

static void prim_free(struct prim *p)
{
    if (p->p)
        dnnl_primitive_destroy(p->p);
    for (int i = 0; i < MAX_ARGS; i++)
        if (p->mem[i])
            dnnl_memory_destroy(p->mem[i]);
    wn_free_aligned(p->scratch);
    memset(p, 0, sizeof *p);
}

void wn__dnnl_free(struct wn__net *net)
{
    struct wn__dnnl *d = net ? net->dnnl : NULL;
    if (!d)
        return;
    for (size_t i = 0; i < d->n_plans; i++)
        for (int o = 0; o < OP_COUNT; o++)
            for (size_t k = 0; k < WN_MAX_DEPTH; k++)
                prim_free(&d->plans[i].op[o][k]);
    if (d->stream)
        dnnl_stream_destroy(d->stream);
    if (d->engine)
        dnnl_engine_destroy(d->engine);
    wn_free(d);
    net->dnnl = NULL;
}

/* ---- Making one matmul primitive ---------------------------------------- */

/* A 2-D f32 descriptor: dims (d0, d1); row-major unless transposed, in which
 * case the strides are (1, d0) - the transpose of a (d1, d0) row-major
 * buffer. */
static int md2(dnnl_memory_desc_t *md, size_t d0, size_t d1, int transposed)
{
    dnnl_dims_t dims = {(dnnl_dim_t)d0, (dnnl_dim_t)d1};
    if (!transposed)
        return dnnl_memory_desc_init_by_tag(md, 2, dims, dnnl_f32, dnnl_ab);
    dnnl_dims_t strides = {1, (dnnl_dim_t)d0};
    return dnnl_memory_desc_init_by_strides(md, 2, dims, dnnl_f32, strides);
}

static int bind(struct wn__dnnl *d, struct prim *p, int arg,
                const dnnl_memory_desc_t *md, void *ptr)
{
    int i = p->nargs;
    dnnl_status_t st = dnnl_memory_create(&p->mem[i], md, d->engine, ptr);
    if (st != dnnl_success)
        return wn_seterr(WN_EBACKEND, "oneDNN: memory_create failed (status %d)",
                         (int)st);
    p->args[i].arg = arg;
    p->args[i].memory = p->mem[i];
    p->nargs++;
    return WN_OK;
}

/* dst (M, N) = src (M, K) . wei (K, N) [+ bias (1, N)] [relu].  A matmul
 * of fewer than SERIAL_MACS multiply-adds is made, and run, while OpenMP
 * allows one thread, so oneDNN plans it serial and opens no parallel region:
 * for such small work the fork/join costs more than a second core saves
 * (and much more when another process holds that core). */
#define SERIAL_MACS (1u << 20)
#define BWW_GEMM_MACS 131072.0

static int make_matmul_any(struct wn__dnnl *d, struct prim *p,
                       const dnnl_memory_desc_t *src, void *src_p,
                       const dnnl_memory_desc_t *wei, void *wei_p,
                       const dnnl_memory_desc_t *bias, void *bias_p,
                       const dnnl_memory_desc_t *dst, void *dst_p, int relu,
                       const char *prefer)
{
    int rc = WN_OK;
    dnnl_primitive_attr_t attr = NULL;
    dnnl_post_ops_t po = NULL;
    dnnl_primitive_desc_t pd = NULL;
    dnnl_primitive_desc_iterator_t it = NULL;
    dnnl_matmul_desc_t desc;

    DNNL_TRY(dnnl_matmul_desc_init(&desc, src, wei, bias, dst), "matmul_desc_init");
    DNNL_TRY(dnnl_primitive_attr_create(&attr), "primitive_attr_create");
    DNNL_TRY(dnnl_primitive_attr_set_scratchpad_mode(attr, dnnl_scratchpad_mode_user),
             "set_scratchpad_mode");
    if (relu) {
        DNNL_TRY(dnnl_post_ops_create(&po), "post_ops_create");
        DNNL_TRY(dnnl_post_ops_append_eltwise(po, 1.0f, dnnl_eltwise_relu, 0.0f, 0.0f),
                 "post_ops_append_eltwise");
        DNNL_TRY(dnnl_primitive_attr_set_post_ops(attr, po), "set_post_ops");
    }
    /* oneDNN's first choice, or the first implementation whose name starts
     * with `prefer` when there is one. */
    DNNL_TRY(dnnl_primitive_desc_iterator_create(&it, &desc, attr, d->engine, NULL),
             "matmul primitive_desc_iterator_create");
    for (;;) {
        dnnl_primitive_desc_t cand = dnnl_primitive_desc_iterator_fetch(it);
        const char *impl = "";
        if (!cand)
            break;
        if (dnnl_primitive_desc_query(cand, dnnl_query_impl_info_str, 0, &impl) !=
            dnnl_success || !impl)
            impl = "";
        int match = prefer && !strncmp(impl, prefer, strlen(prefer));
        if (!pd || match) {
            if (pd)
                dnnl_primitive_desc_destroy(pd);
            pd = cand;   /* the default, then the preferred one */
        } else
            dnnl_primitive_desc_destroy(cand);
        if (!prefer || match || dnnl_primitive_desc_iterator_next(it) != dnnl_success)
            break;
    }
    if (!pd) {
        rc = wn_seterr(WN_EBACKEND, "oneDNN: no matmul implementation");
        goto out;
    }
    DNNL_TRY(dnnl_primitive_create(&p->p, pd), "matmul primitive_create");

    rc = bind(d, p, DNNL_ARG_SRC, src, src_p);
    if (rc == WN_OK)
        rc = bind(d, p, DNNL_ARG_WEIGHTS, wei, wei_p);
    if (rc == WN_OK && bias)
        rc = bind(d, p, DNNL_ARG_BIAS, bias, bias_p);
    if (rc == WN_OK)
        rc = bind(d, p, DNNL_ARG_DST, dst, dst_p);
    if (rc != WN_OK)
        goto out;

    const dnnl_memory_desc_t *smd = dnnl_primitive_desc_query_md(pd, dnnl_query_scratchpad_md, 0);
    size_t ssize = smd ? dnnl_memory_desc_get_size(smd) : 0;
    if (ssize > 0) {
        p->scratch = wn_malloc_aligned(ssize);
        if (!p->scratch) {
            rc = wn_seterr(WN_ENOMEM, "net: out of memory (oneDNN scratchpad)");
            goto out;
        }
        rc = bind(d, p, DNNL_ARG_SCRATCHPAD, smd, p->scratch);
        if (rc != WN_OK)
            goto out;
    }
out:
    if (pd)
        dnnl_primitive_desc_destroy(pd);
    if (it)
        dnnl_primitive_desc_iterator_destroy(it);
    if (po)
        dnnl_post_ops_destroy(po);
    if (attr)
        dnnl_primitive_attr_destroy(attr);
    return rc;
}

static int make_matmul(struct wn__dnnl *d, struct prim *p,
                       const dnnl_memory_desc_t *src, void *src_p,
                       const dnnl_memory_desc_t *wei, void *wei_p,
                       const dnnl_memory_desc_t *bias, void *bias_p,
                       const dnnl_memory_desc_t *dst, void *dst_p, int relu,
                       const char *prefer)
{
    double macs = (double)src->dims[0] * (double)src->dims[1] * (double)wei->dims[1];
    int threads = omp_get_max_threads();
    if (threads > 1 && macs < (double)SERIAL_MACS)
        omp_set_num_threads(1);
    int rc = make_matmul_any(d, p, src, src_p, wei, wei_p, bias, bias_p, dst, dst_p,
                             relu, prefer);
    omp_set_num_threads(threads);
    p->serial = threads > 1 && macs < (double)SERIAL_MACS;
    return rc;
}

/* ---- Plans -------------------------------------------------------------- */

static struct plan *find_plan(struct wn__dnnl *d, size_t rows)
{
    for (size_t i = 0; i < d->n_plans; i++)
        if (d->plans[i].rows == rows)
            return &d->plans[i];
    return NULL;
}

static int make_forward(struct wn__net *net, struct plan *pl)
{
    int rc = WN_OK;
    size_t r = pl->rows;
    for (size_t k = 0; k < net->depth && rc == WN_OK; k++) {
        size_t n = net->fan_in[k], m = net->widths[k];
        dnnl_memory_desc_t src, wei, bias, dst;
        if (net->tiny[k] || net->narrow[k])
            continue;   /* tiny.c or narrow.c computes it */
        float *in = k == 0 ? net->x : net->a[k - 1];
        if (md2(&src, r, n, 0) || md2(&wei, n, m, 1) || md2(&bias, 1, m, 0) ||
            md2(&dst, r, m, 0))
            return wn_seterr(WN_EBACKEND, "oneDNN: memory descriptor for layer %zu", k);
        rc = make_matmul(net->dnnl, &pl->op[OP_FWD][k], &src, in, &wei, net->W[k],
                         &bias, net->b[k], &dst, net->h[k], k + 1 < net->depth, NULL);
    }
    return rc;
}

static int make_backward(struct wn__net *net, struct plan *pl)
{
    int rc = WN_OK;
    size_t r = pl->rows;
    for (size_t k = 0; k < net->depth && rc == WN_OK; k++) {
        size_t n = net->fan_in[k], m = net->widths[k];
        dnnl_memory_desc_t dzT, in_md, dW, dz, W, gin;
        if (net->tiny[k] || net->narrow[k])
            continue;
        float *in = k == 0 ? net->x : net->a[k - 1];
        if (md2(&dzT, m, r, 1) || md2(&in_md, r, n, 0) || md2(&dW, m, n, 0) ||
            md2(&dz, r, m, 0) || md2(&W, m, n, 0) || md2(&gin, r, n, 0))
            return wn_seterr(WN_EBACKEND, "oneDNN: memory descriptor for layer %zu", k);
        /* dW = dz^T a: a GEMM with the batch as its short K.  oneDNN's
         * gemm-based matmul beat its brgemm one on this for every layer but
         * the tiniest (1416-wide: 4.4 ms vs 5.9 ms; 126->7: 2.5 vs 2.8 us),
         * so prefer it above BWW_GEMM_MACS.  A fixed rule, not a timing at
         * run time, so the same run always takes the same kernels. */
        double macs = (double)m * (double)r * (double)n;
        rc = make_matmul(net->dnnl, &pl->op[OP_BWW][k], &dzT, net->dz[k], &in_md, in,
                         NULL, NULL, &dW, net->dW[k], 0,
                         macs >= BWW_GEMM_MACS ? "gemm" : NULL);
        if (rc == WN_OK && k > 0)
            rc = make_matmul(net->dnnl, &pl->op[OP_BWD][k], &dz, net->dz[k], &W,
                             net->W[k], NULL, NULL, &gin, net->g[k - 1], 0, NULL);
    }
    return rc;
}

int wn__dnnl_prepare(struct wn__net *net, size_t rows, int backward)
{
    int rc = WN_OK;
    struct wn__dnnl *d = net->dnnl;
    struct plan *pl = find_plan(d, rows);
    if (pl && (pl->has_backward || !backward))
        return WN_OK;
    if (!pl) {
        if (d->n_plans == WN__NN_MAX_PLANS)
            return wn_seterr(WN_ESTATE, "net: more than %d distinct batch sizes",
                             WN__NN_MAX_PLANS);
        pl = &d->plans[d->n_plans++];
        memset(pl, 0, sizeof *pl);
        pl->rows = rows;
        rc = make_forward(net, pl);
        if (rc == WN_OK)
            pl->has_forward = 1;
    }
    if (rc == WN_OK && backward) {
        rc = make_backward(net, pl);
        if (rc == WN_OK)
            pl->has_backward = 1;
    }
    if (rc != WN_OK) {
        /* Leave no half-made plan behind: drop the backward ops, and the
         * whole plan if its forward failed. */
        for (size_t k = 0; k < WN_MAX_DEPTH; k++) {
            prim_free(&pl->op[OP_BWW][k]);
            prim_free(&pl->op[OP_BWD][k]);
        }
        if (!pl->has_forward) {
            for (size_t k = 0; k < WN_MAX_DEPTH; k++)
                prim_free(&pl->op[OP_FWD][k]);
            d->n_plans--;
        }
    }
    return rc;
}

/* ---- Execution ---------------------------------------------------------- */

static int run(struct wn__net *net, int op, size_t k, size_t rows)
{
    struct wn__dnnl *d = net->dnnl;
    struct plan *pl = find_plan(d, rows);
    if (!pl || !pl->op[op][k].p)
        return wn_seterr(WN_ESTATE, "net: no oneDNN primitive for layer %zu, "
                         "%zu rows", k, rows);
    struct prim *p = &pl->op[op][k];
    /* Some kernels open a parallel region of omp_get_max_threads() at run
     * time whatever their plan: a serial one runs with one thread allowed. */
    int threads = p->serial ? omp_get_max_threads() : 1;
    if (p->serial)
        omp_set_num_threads(1);
    dnnl_status_t st = dnnl_primitive_execute(p->p, d->stream, p->nargs, p->args);
    if (p->serial)
        omp_set_num_threads(threads);
    if (st != dnnl_success)
        return wn_seterr(WN_EBACKEND, "oneDNN: matmul of layer %zu failed (status %d)",
                         k, (int)st);
    return WN_OK;
}

int wn__dnnl_forward_layer(struct wn__net *net, size_t k, size_t rows, const float *x)
{
    if (k == 0) {
        /* Re-point the input (args[0] is DNNL_ARG_SRC): a pointer store,
         * no descriptor work. */
        struct plan *pl = find_plan(net->dnnl, rows);
        if (pl && pl->op[OP_FWD][0].p) {
            dnnl_status_t st = dnnl_memory_set_data_handle(pl->op[OP_FWD][0].mem[0],
                                                           (void *)x);
            if (st != dnnl_success)
                return wn_seterr(WN_EBACKEND, "oneDNN: set_data_handle failed "
                                 "(status %d)", (int)st);
        }
    }
    return run(net, OP_FWD, k, rows);
}

int wn__dnnl_backward_weights(struct wn__net *net, size_t k, size_t rows)
{
    return run(net, OP_BWW, k, rows);
}

int wn__dnnl_backward_data(struct wn__net *net, size_t k, size_t rows)
{
    return run(net, OP_BWD, k, rows);
}
