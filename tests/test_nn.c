/*
 * test_nn.c - the MLP itself (lib/nn/net*.c, loss.c): finite-difference
 * gradient checks for every shape and every loss, oneDNN against the naive
 * reference, the Adam step, loss values and stability, and allocation
 * failures.
 */
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <wattnet/wattnet.h>

#include "core/rng.h"
#include "nn/net.h"

/* ---- Helpers ------------------------------------------------------------ */

/* Random inputs and targets for task (one-hot for multiclass). */
static void fill_batch(struct wn__net *net, size_t rows, uint64_t seed)
{
    wn_rng r;
    wn__rng_seed(&r, seed);
    size_t out = net->widths[net->depth - 1];
    for (size_t i = 0; i < rows * net->inputs; i++)
        net->x[i] = (float)(2.0 * wn__rng_uniform(&r) - 1.0);
    for (size_t i = 0; i < rows; i++) {
        float *y = net->y + i * out;
        switch (net->task) {
        case WN_TASK_REGRESSION:
            for (size_t j = 0; j < out; j++)
                y[j] = (float)wn__rng_uniform(&r);
            break;
        case WN_TASK_BINARY:
            for (size_t j = 0; j < out; j++)
                y[j] = wn__rng_uniform(&r) < 0.5 ? 0.0f : 1.0f;
            break;
        case WN_TASK_MULTICLASS: {
            size_t c = (size_t)wn__rng_below(&r, out);
            for (size_t j = 0; j < out; j++)
                y[j] = j == c ? 1.0f : 0.0f;
            break;
        }
        }
    }
}

static double loss_of(struct wn__net *net, size_t rows, float *dz_scratch)
{
    size_t L = net->depth;
    assert_int_equal(wn__net_forward(net, rows), WN_OK);
    return wn__loss_grad(net->task, net->h[L - 1], net->y, rows,
                         net->widths[L - 1], dz_scratch);
}

/* A hash of every hidden unit's ReLU state (h > 0) for the batch: a
 * finite difference whose two sides differ from the base in this crossed a
 * kink and says nothing about the derivative. */
static uint64_t mask_signature(const struct wn__net *net, size_t rows)
{
    uint64_t sig = 1469598103934665603ULL;
    for (size_t k = 0; k + 1 < net->depth; k++)
        for (size_t i = 0; i < rows * net->widths[k]; i++)
            sig = (sig ^ (uint64_t)(net->h[k][i] > 0.0f)) * 1099511628211ULL;
    return sig;
}

/* Largest violation of |analytic - numeric| <= atol + rtol |numeric| over
 * every parameter (weights and biases) of the net, divided by the allowed
 * error: <= 1 passes.  corrupt >= 0 adds 0.1 to that flat gradient index
 * first, to prove the checker can fail. */
static double gradcheck(struct wn__net *net, size_t rows, long corrupt)
{
    size_t L = net->depth;
    static float dz_scratch[4096];
    double loss = loss_of(net, rows, net->dz[L - 1]);
    (void)loss;
    uint64_t base = mask_signature(net, rows);
    size_t checked = 0, skipped = 0;
    assert_int_equal(wn__net_backward(net, rows), WN_OK);
    if (corrupt >= 0)
        net->grads[corrupt] += 0.1f;
    double worst = 0.0;
    for (size_t k = 0; k < L; k++) {
        size_t nw = net->fan_in[k] * net->widths[k];
        float *tensors[2] = {net->W[k], net->b[k]};
        float *grads[2] = {net->dW[k], net->db[k]};
        size_t counts[2] = {nw, net->widths[k]};
        for (int t = 0; t < 2; t++)
            for (size_t i = 0; i < counts[t]; i++) {
                float *p = &tensors[t][i];
                float keep = *p;
                float h = 2e-3f;
                *p = keep + h;
                double lp = loss_of(net, rows, dz_scratch);
                int kink = mask_signature(net, rows) != base;
                *p = keep - h;
                double lm = loss_of(net, rows, dz_scratch);
                kink |= mask_signature(net, rows) != base;
                *p = keep;
                if (kink) {
                    skipped++;
                    continue;
                }
                checked++;
                double num = (lp - lm) / (2.0 * (double)h);
                double ana = grads[t][i];
                double allowed = 2e-4 + 2e-2 * fabs(num);
                double ratio = fabs(ana - num) / allowed;
                if (ratio > 1.0 && getenv("WN_TEST_VERBOSE"))
                    print_message("layer %zu %s[%zu]: analytic %g numeric %g\n", k,
                                  t ? "b" : "W", i, ana, num);
                if (ratio > worst)
                    worst = ratio;
            }
    }
    /* Kinks are rare: most parameters must have been checked. */
    if (getenv("WN_TEST_VERBOSE"))
        print_message("checked %zu skipped %zu\n", checked, skipped);
    assert_true(skipped * 3 <= checked);
    return worst;
}

static struct wn__net *make_net(size_t inputs, size_t outputs, const char *shape,
                                size_t depth, uint64_t size, wn_task task,
                                size_t batch, enum wn__nn_backend be)
{
    size_t w[WN_MAX_DEPTH];
    struct wn__net *net = NULL;
    int rc = wn_shape_widths(inputs, outputs, shape, depth, size, w, NULL);
    if (rc != WN_OK)
        fail_msg("widths: %s", wn_errmsg());
    rc = wn__net_create(inputs, w, depth, wn_shape_is_residual(shape), task, batch,
                        be, &net);
    if (rc != WN_OK)
        fail_msg("net: %s", wn_errmsg());
    return net;
}

/* ---- Gradient checks ---------------------------------------------------- */

static void test_gradcheck_every_shape_every_loss(void **state)
{
    (void)state;
    const wn_task tasks[] = {WN_TASK_REGRESSION, WN_TASK_BINARY, WN_TASK_MULTICLASS};
    const size_t outs[] = {1, 1, 3};
    for (size_t s = 0; s < wn_shape_count(); s++)
        for (size_t t = 0; t < 3; t++) {
            const char *shape = wn_shape_name_at(s);
            struct wn__net *net = make_net(5, outs[t], shape, 5, 260, tasks[t], 8,
                                           WN__NN_NAIVE);
            wn__net_init(net, 11 + s);
            /* Non-zero biases so the bias path and the mask are exercised. */
            for (size_t k = 0; k < net->depth; k++)
                for (size_t j = 0; j < net->widths[k]; j++)
                    net->b[k][j] = 0.05f * (float)((j % 5) + 1);
            fill_batch(net, 7, 100 + t);
            double worst = gradcheck(net, 7, -1);
            if (worst > 1.0)
                fail_msg("%s / task %zu: gradient off by %.2f x tolerance", shape, t,
                         worst);
            wn__net_free(&net);
        }
}

static void test_gradcheck_can_fail(void **state)
{
    (void)state;
    struct wn__net *net = make_net(5, 3, "rectangle_residual", 5, 260,
                                   WN_TASK_MULTICLASS, 8, WN__NN_NAIVE);
    wn__net_init(net, 3);
    fill_batch(net, 8, 4);
    /* Index 0 is W[0][0]; corrupting it must be caught. */
    assert_true(gradcheck(net, 8, 0) > 1.0);
    wn__net_free(&net);
}

static void test_residual_forward_adds_skip(void **state)
{
    (void)state;
    struct wn__net *net = make_net(4, 2, "rectangle_residual", 4, 150,
                                   WN_TASK_MULTICLASS, 4, WN__NN_NAIVE);
    wn__net_init(net, 5);
    fill_batch(net, 4, 6);
    assert_int_equal(wn__net_forward(net, 4), WN_OK);
    size_t m = net->widths[1];
    assert_true(net->residual[1] && net->residual[2] && !net->residual[0] &&
                !net->residual[3]);
    for (size_t i = 0; i < 4 * m; i++) {
        assert_float_equal(net->a[1][i], net->h[1][i] + net->a[0][i], 1e-6);
        assert_float_equal(net->a[2][i], net->h[2][i] + net->a[1][i], 1e-6);
    }
    assert_ptr_equal(net->a[0], net->h[0]);
    wn__net_free(&net);
}

/* ---- oneDNN against the naive reference --------------------------------- */

static double max_rel_diff(const float *a, const float *b, size_t n)
{
    double worst = 0.0;
    for (size_t i = 0; i < n; i++) {
        double d = fabs((double)a[i] - (double)b[i]) / (1e-3 + fabs((double)b[i]));
        if (d > worst)
            worst = d;
    }
    return worst;
}

static void compare_backends_tiny(const char *shape, wn_task task, size_t outputs,
                                  size_t inputs, uint64_t size, size_t batch, size_t rows,
                                  int allow_tiny)
{
    struct wn__net *fast = make_net(inputs, outputs, shape, 4, size, task, batch,
                                    WN__NN_DNNL);
    if (!allow_tiny) {   /* before the first prepare: oneDNN for every layer */
        memset(fast->tiny, 0, sizeof fast->tiny);
        memset(fast->narrow, 0, sizeof fast->narrow);
    }
    struct wn__net *ref = make_net(inputs, outputs, shape, 4, size, task, batch,
                                   WN__NN_NAIVE);
    size_t L = fast->depth;
    wn__net_init(fast, 9);
    wn__net_init(ref, 9);
    for (int step = 0; step < 3; step++) {
        fill_batch(fast, rows, 20 + step);
        fill_batch(ref, rows, 20 + step);
        assert_int_equal(wn__net_forward(fast, rows), WN_OK);
        assert_int_equal(wn__net_forward(ref, rows), WN_OK);
        size_t nout = rows * fast->widths[L - 1];
        double d = max_rel_diff(fast->h[L - 1], ref->h[L - 1], nout);
        if (d > 1e-3)
            fail_msg("%s rows %zu: logits differ by %g", shape, rows, d);
        wn__loss_grad(task, fast->h[L - 1], fast->y, rows, outputs, fast->dz[L - 1]);
        wn__loss_grad(task, ref->h[L - 1], ref->y, rows, outputs, ref->dz[L - 1]);
        assert_int_equal(wn__net_backward(fast, rows), WN_OK);
        assert_int_equal(wn__net_backward(ref, rows), WN_OK);
        d = max_rel_diff(fast->grads, ref->grads, fast->n_flat);
        if (d > 2e-3)
            fail_msg("%s rows %zu: gradients differ by %g", shape, rows, d);
        wn__net_adam(fast);
        wn__net_adam(ref);
        d = max_rel_diff(fast->flat_params, ref->flat_params, fast->n_flat);
        if (d > 1e-3)
            fail_msg("%s rows %zu: parameters differ by %g", shape, rows, d);
    }
    wn__net_free(&fast);
    wn__net_free(&ref);
}

static void compare_backends(const char *shape, wn_task task, size_t outputs,
                             size_t inputs, uint64_t size, size_t batch, size_t rows)
{
    compare_backends_tiny(shape, task, outputs, inputs, size, batch, rows, 1);
    compare_backends_tiny(shape, task, outputs, inputs, size, batch, rows, 0);
}

static void test_dnnl_matches_naive(void **state)
{
    (void)state;
    /* 126 -> 7 -> 7 -> 7 -> 3: a narrow first layer and three tiny ones
     * where the CPU allows. */
    struct wn__net *probe = make_net(126, 3, "rectangle", 4, 1024, WN_TASK_MULTICLASS, 8,
                                     WN__NN_DNNL);
    assert_false(probe->tiny[0]);
    assert_int_equal(probe->narrow[0], wn__tiny_available());
    assert_int_equal(probe->tiny[1], wn__tiny_available());
    assert_false(probe->narrow[1]);
    assert_int_equal(probe->tiny[3], wn__tiny_available());
    wn__net_free(&probe);
    /* 126 -> 380 -> 380 -> 380 -> 3: only the output layer is narrow. */
    probe = make_net(126, 3, "rectangle", 4, 300000, WN_TASK_MULTICLASS, 8, WN__NN_DNNL);
    assert_false(probe->narrow[0] || probe->narrow[1] || probe->narrow[2]);
    assert_int_equal(probe->narrow[3], wn__tiny_available());
    wn__net_free(&probe);
    /* Full and partial batches, tiny and moderate widths, each loss. */
    compare_backends("rectangle", WN_TASK_MULTICLASS, 3, 126, 1024, 64, 64);
    compare_backends("rectangle", WN_TASK_MULTICLASS, 3, 126, 1024, 64, 37);
    compare_backends("rectangle_residual", WN_TASK_BINARY, 1, 30, 20000, 32, 32);
    compare_backends("trapezoid", WN_TASK_REGRESSION, 1, 17, 5000, 16, 5);
    compare_backends("wide_first_4x", WN_TASK_MULTICLASS, 7, 11, 60000, 40, 40);
    /* every layer tiny, residual skips, partial batch */
    compare_backends("rectangle_residual", WN_TASK_MULTICLASS, 3, 10, 300, 16, 13);
    compare_backends("exponential", WN_TASK_REGRESSION, 1, 5, 200, 16, 16);
    /* a narrow output layer on a long fan_in (not a multiple of 16), odd rows */
    compare_backends("rectangle", WN_TASK_MULTICLASS, 3, 126, 300000, 32, 29);
    compare_backends("rectangle", WN_TASK_MULTICLASS, 8, 40, 300000, 32, 32);
}

static void test_plans_and_rows(void **state)
{
    (void)state;
    struct wn__net *net = make_net(8, 2, "rectangle", 3, 200, WN_TASK_MULTICLASS, 16,
                                   WN__NN_DNNL);
    wn__net_init(net, 1);
    assert_int_equal(wn__net_prepare(net, 0, 0), WN_EINVAL);
    assert_int_equal(wn__net_prepare(net, 17, 1), WN_EINVAL);
    for (size_t r = 1; r <= WN__NN_MAX_PLANS; r++)
        assert_int_equal(wn__net_prepare(net, r, r % 2), WN_OK);
    assert_int_equal(wn__net_prepare(net, 2, 1), WN_OK);   /* add backward */
    assert_int_equal(wn__net_prepare(net, 3, 0), WN_OK);   /* already there */
    assert_int_equal(wn__net_forward(net, 9), WN_ESTATE);  /* plans are full */
    wn__net_free(&net);
    wn__net_free(&net);   /* NULL is harmless */
    wn__net_free(NULL);
}

static void test_tiny_kernels_match_naive(void **state)
{
    (void)state;
    if (!wn__tiny_available()) {
        print_message("no AVX-512F here: tiny.c's kernels are never used; skipped\n");
        return;
    }
    const size_t ns[] = {1, 2, 7, 15, 16}, ms[] = {1, 3, 7, 16}, rs[] = {1, 5, 256};
    static float in[256 * 16], W[16 * 16], b[16], dz[256 * 16];
    static float o1[256 * 16], o2[256 * 16];
    wn_rng r;
    wn__rng_seed(&r, 21);
    for (size_t i = 0; i < 256 * 16; i++) {
        in[i] = (float)(wn__rng_uniform(&r) - 0.5);
        dz[i] = (float)(wn__rng_uniform(&r) - 0.5);
    }
    for (size_t i = 0; i < 16 * 16; i++)
        W[i] = (float)(wn__rng_uniform(&r) - 0.5);
    for (size_t i = 0; i < 16; i++)
        b[i] = (float)(wn__rng_uniform(&r) - 0.5);
    for (size_t a = 0; a < 5; a++)
        for (size_t c = 0; c < 4; c++)
            for (size_t e = 0; e < 3; e++) {
                size_t n = ns[a], m = ms[c], rows = rs[e];
                assert_true(wn__tiny_fits(n, m));
                for (int relu = 0; relu <= 1; relu++) {
                    memset(o1, 0x7f, sizeof o1);   /* untouched beyond rows*m */
                    wn__tiny_forward(o1, in, W, b, rows, n, m, relu);
                    wn__mm_forward_naive(o2, in, W, b, rows, n, m, relu);
                    assert_true(max_rel_diff(o1, o2, rows * m) < 1e-4);
                    assert_memory_not_equal(o1 + rows * m, o2, 4);
                }
                wn__tiny_backward_weights(o1, in, dz, rows, n, m);
                wn__mm_backward_weights_naive(o2, in, dz, rows, n, m);
                assert_true(max_rel_diff(o1, o2, m * n) < 1e-4);
                wn__tiny_backward_data(o1, dz, W, rows, n, m);
                wn__mm_backward_data_naive(o2, dz, W, rows, n, m);
                assert_true(max_rel_diff(o1, o2, rows * n) < 1e-4);
            }
    assert_false(wn__tiny_fits(17, 3));
    assert_false(wn__tiny_fits(3, 17));
    assert_false(wn__tiny_fits(0, 3));
}

/* Fill N floats with uniform values in [-0.5, 0.5). */
static void fill_uniform(float *x, size_t n, wn_rng *r)
{
    for (size_t i = 0; i < n; i++)
        x[i] = (float)(wn__rng_uniform(r) - 0.5);
}

/* The largest |a - b| / (1 + |b|): for sums of hundreds of terms, whose
 * rounding depends on their order, where max_rel_diff's floor of 1e-3
 * would call a rounding difference near zero an error. */
static double max_scaled_diff(const float *a, const float *b, size_t n)
{
    double worst = 0.0;
    for (size_t i = 0; i < n; i++) {
        double d = fabs((double)a[i] - (double)b[i]) / (1.0 + fabs((double)b[i]));
        if (d > worst)
            worst = d;
    }
    return worst;
}

/* narrow.c's three kernels against the naive ones at (rows, n, m); the
 * guard floats after each output must stay untouched. */
static void check_narrow_shape(size_t rows, size_t n, size_t m, wn_rng *r)
{
    enum { GUARD = 16 };
    float *in = malloc(rows * n * sizeof *in), *W = malloc(m * n * sizeof *W);
    float *dz = malloc(rows * m * sizeof *dz), b[WN__NARROW_MAX];
    size_t most = rows * n > m * n ? rows * n : m * n;
    float *o1 = malloc((most + GUARD) * sizeof *o1), *o2 = malloc(most * sizeof *o2);
    assert_non_null(in && W && dz && o1 && o2);
    fill_uniform(in, rows * n, r);
    fill_uniform(W, m * n, r);
    fill_uniform(dz, rows * m, r);
    fill_uniform(b, m, r);
    for (int relu = 0; relu <= 1; relu++) {
        memset(o1, 0x7f, (most + GUARD) * sizeof *o1);
        wn__narrow_forward(o1, in, W, b, rows, n, m, relu);
        wn__mm_forward_naive(o2, in, W, b, rows, n, m, relu);
        if (max_scaled_diff(o1, o2, rows * m) > 1e-5)
            fail_msg("narrow forward %zux%zu->%zu relu %d", rows, n, m, relu);
        for (size_t i = 0; i < GUARD; i++)
            assert_int_equal(((unsigned char *)(o1 + rows * m + i))[0], 0x7f);
    }
    memset(o1, 0x7f, (most + GUARD) * sizeof *o1);
    wn__narrow_backward_weights(o1, in, dz, rows, n, m);
    wn__mm_backward_weights_naive(o2, in, dz, rows, n, m);
    if (max_scaled_diff(o1, o2, m * n) > 1e-5)
        fail_msg("narrow backward weights %zux%zu->%zu", rows, n, m);
    assert_int_equal(((unsigned char *)(o1 + m * n))[0], 0x7f);
    memset(o1, 0x7f, (most + GUARD) * sizeof *o1);
    wn__narrow_backward_data(o1, dz, W, rows, n, m);
    wn__mm_backward_data_naive(o2, dz, W, rows, n, m);
    if (max_scaled_diff(o1, o2, rows * n) > 1e-5)
        fail_msg("narrow backward data %zux%zu->%zu", rows, n, m);
    assert_int_equal(((unsigned char *)(o1 + rows * n))[0], 0x7f);
    free(in);
    free(W);
    free(dz);
    free(o1);
    free(o2);
}

static void test_narrow_kernels_match_naive(void **state)
{
    (void)state;
    if (!wn__tiny_available()) {
        print_message("no AVX-512F here: narrow.c's kernels are never used; skipped\n");
        return;
    }
    /* fan_in: just past tiny, tails of 1 and 15 lanes, whole chunks, long;
     * every register count the rows and chunk blocks use; partial blocks. */
    const size_t ns[] = {17, 31, 32, 126, 1416}, ms[] = {1, 2, 3, 4, 5, 7, 8};
    const size_t rs[] = {1, 3, 6, 256};
    wn_rng r;
    wn__rng_seed(&r, 33);
    for (size_t a = 0; a < sizeof ns / sizeof ns[0]; a++)
        for (size_t c = 0; c < sizeof ms / sizeof ms[0]; c++)
            for (size_t e = 0; e < sizeof rs / sizeof rs[0]; e++) {
                assert_true(wn__narrow_fits(ns[a], ms[c]));
                assert_false(wn__tiny_fits(ns[a], ms[c]));
                check_narrow_shape(rs[e], ns[a], ms[c], &r);
            }
    assert_false(wn__narrow_fits(16, 3));    /* tiny */
    assert_false(wn__narrow_fits(1416, 9));  /* oneDNN */
    assert_false(wn__narrow_fits(1416, 0));
}

/* ---- Adam ---------------------------------------------------------------- */

static void test_adam_first_steps(void **state)
{
    (void)state;
    struct wn__net *net = NULL;
    size_t w2[] = {1, 1};
    assert_int_equal(wn__net_create(1, w2, 2, 0, WN_TASK_BINARY, 1, WN__NN_NAIVE, &net),
                     WN_OK);
    net->lr = 0.01f;
    net->W[0][0] = 0.5f;
    net->dW[0][0] = 2.0f;
    net->db[0][0] = -1e-3f;
    wn__net_adam(net);
    /* Step 1: m^ = g, v^ = g^2: p -= lr * g / (|g| + eps). */
    assert_float_equal(net->W[0][0], 0.5f - 0.01f * 2.0f / (2.0f + 1e-7f), 1e-7);
    assert_float_equal(net->b[0][0], 0.01f * 1e-3f / (1e-3f + 1e-7f), 1e-7);
    /* Step 2 with g = 0: m = 0.09 * 2... computed in double. */
    net->dW[0][0] = 0.0f;
    wn__net_adam(net);
    double m = 0.9 * 0.1 * 2.0, v = 0.999 * 0.001 * 4.0;
    double mh = m / (1 - 0.81), vh = v / (1 - 0.999 * 0.999);
    double want = 0.5 - 0.01 * 2.0 / (2.0 + 1e-7) - 0.01 * mh / (sqrt(vh) + 1e-7);
    assert_float_equal(net->W[0][0], want, 1e-6);
    assert_int_equal(net->step, 2);
    wn__net_free(&net);
}

static void test_adam_variants_agree(void **state)
{
    (void)state;
    enum { N = 1003 };   /* not a multiple of 8 or 16: the tails run too */
    static float p[3][N], g[N], m[3][N], v[3][N];
    wn_rng r;
    wn__rng_seed(&r, 8);
    for (size_t i = 0; i < N; i++) {
        g[i] = (float)(wn__rng_uniform(&r) - 0.5);
        for (int k = 0; k < 3; k++) {
            p[k][i] = (float)i * 1e-3f;
            m[k][i] = 0.01f;
            v[k][i] = 1e-4f;
        }
    }
    const enum wn__isa isa[3] = {WN__ISA_SCALAR, WN__ISA_AVX, WN__ISA_AVX512};
    for (int step = 0; step < 3; step++)
        for (int k = 0; k < 3; k++)
            wn__k_adam_isa(isa[k], p[k], g, m[k], v[k], N, 0.9f, 0.999f, 1e-3f, 1.2f,
                           1e-7f);
    for (int k = 1; k < 3; k++)
        for (size_t i = 0; i < N; i++) {
            assert_float_equal(p[k][i], p[0][i], 1e-6);
            assert_float_equal(m[k][i], m[0][i], 1e-7);
            assert_float_equal(v[k][i], v[0][i], 1e-8);
        }
}

/* ---- Loss values ---------------------------------------------------------- */

static void test_loss_values_and_stability(void **state)
{
    (void)state;
    float dz[6];
    float z3[] = {1, 2, 3}, y3[] = {0, 0, 1};
    double l = wn__loss_grad(WN_TASK_MULTICLASS, z3, y3, 1, 3, dz);
    double lse = log(exp(1.0) + exp(2.0) + exp(3.0));
    assert_float_equal(l, lse - 3.0, 1e-6);
    assert_float_equal(dz[0], exp(1.0 - lse), 1e-6);
    assert_float_equal(dz[2], exp(3.0 - lse) - 1.0, 1e-6);
    /* Huge logits stay finite. */
    float zb[] = {1000, -1000, 0}, yb[] = {1, 0, 0};
    l = wn__loss_grad(WN_TASK_MULTICLASS, zb, yb, 1, 3, dz);
    assert_true(isfinite(l) && l < 1e-6);
    l = wn__loss_grad(WN_TASK_MULTICLASS, zb, (float[]){0, 1, 0}, 1, 3, dz);
    assert_float_equal(l, 2000.0, 1e-3);
    /* BCE from logits, mean over 2 rows. */
    float z2[] = {100.0f, 0.0f}, y2[] = {0.0f, 1.0f};
    l = wn__loss_grad(WN_TASK_BINARY, z2, y2, 2, 1, dz);
    assert_float_equal(l, (100.0 + log(2.0)) / 2.0, 1e-6);
    assert_float_equal(dz[0], 0.5, 1e-6);
    assert_float_equal(dz[1], (0.5 - 1.0) / 2.0, 1e-6);
    /* MSE on the sigmoid, mean over rows and outputs. */
    float zr[] = {0.0f, 0.0f}, yr[] = {1.0f, 0.0f};
    l = wn__loss_grad(WN_TASK_REGRESSION, zr, yr, 2, 1, dz);
    assert_float_equal(l, (0.25 + 0.25) / 2.0, 1e-7);
    assert_float_equal(dz[0], 2.0 * -0.5 * 0.25 / 2.0, 1e-7);
    /* Evaluation sums: accuracy by argmax / threshold. */
    struct wn__eval_sums acc = {0};
    float ze[] = {0.1f, 0.9f, 0.0f, 5.0f, 1.0f, 2.0f}, ye[] = {0, 1, 0, 0, 0, 1};
    wn__loss_eval(WN_TASK_MULTICLASS, ze, ye, 2, 3, dz, &acc);
    assert_int_equal(acc.rows, 2);
    assert_float_equal(acc.correct, 1.0, 0);
    struct wn__eval_sums bin = {0};
    wn__loss_eval(WN_TASK_BINARY, (float[]){0.5f, -0.5f, 0.1f},
                  (float[]){1.0f, 1.0f, 0.0f}, 3, 1, dz, &bin);
    assert_float_equal(bin.correct, 1.0, 0);
    struct wn__eval_sums reg = {0};
    wn__loss_eval(WN_TASK_REGRESSION, zr, yr, 2, 1, dz, &reg);
    assert_float_equal(reg.se, 0.5, 1e-7);
    assert_float_equal(reg.ae, 1.0, 1e-7);
    assert_float_equal(reg.loss, reg.se, 0);
}

static void test_eval_matches_training_loss(void **state)
{
    (void)state;
    /* Over one batch, eval's loss sum / rows equals the training loss. */
    const wn_task tasks[] = {WN_TASK_REGRESSION, WN_TASK_BINARY, WN_TASK_MULTICLASS};
    const size_t outs[] = {1, 1, 4};
    static float z[300 * 4], y[300 * 4], dz[300 * 4], tmp[300 * 4];
    wn_rng r;
    wn__rng_seed(&r, 12);
    for (size_t t = 0; t < 3; t++) {
        size_t rows = 300, o = outs[t];
        for (size_t i = 0; i < rows * o; i++)
            z[i] = (float)(8.0 * (wn__rng_uniform(&r) - 0.5));
        for (size_t i = 0; i < rows; i++)
            for (size_t j = 0; j < o; j++)
                y[i * o + j] = tasks[t] == WN_TASK_REGRESSION ? (float)wn__rng_uniform(&r)
                               : tasks[t] == WN_TASK_BINARY   ? (float)(i % 2)
                                                              : (float)(j == i % o);
        double mean = wn__loss_grad(tasks[t], z, y, rows, o, dz);
        struct wn__eval_sums acc = {0};
        wn__loss_eval(tasks[t], z, y, rows, o, tmp, &acc);
        assert_int_equal(acc.rows, rows);
        assert_float_equal(acc.loss / (double)rows, mean, 1e-6 * (1.0 + mean));
    }
}

/* ---- Errors and allocation failures -------------------------------------- */

static void test_create_errors_and_faults(void **state)
{
    (void)state;
    struct wn__net *net = NULL;
    size_t w[] = {4, 5, 2};
    assert_int_equal(wn__net_create(3, w, 1, 0, WN_TASK_BINARY, 4, WN__NN_NAIVE, &net),
                     WN_EINVAL);
    assert_int_equal(wn__net_create(3, w, 3, 1, WN_TASK_BINARY, 4, WN__NN_NAIVE, &net),
                     WN_EINVAL);   /* residual needs equal hidden widths */
    assert_non_null(strstr(wn_errmsg(), "residual"));
    size_t z[] = {4, 0, 2};
    assert_int_equal(wn__net_create(3, z, 3, 0, WN_TASK_BINARY, 4, WN__NN_NAIVE, &net),
                     WN_EINVAL);
    assert_null(net);
    /* Absurd sizes are refused before any size computation can overflow. */
    size_t huge[] = {(size_t)1 << 30, (size_t)1 << 30, 2};
    assert_int_equal(wn__net_create(3, huge, 3, 0, WN_TASK_BINARY, 4, WN__NN_NAIVE, &net),
                     WN_ENOMEM);
    size_t wide[] = {(size_t)1 << 36, 2};
    assert_int_equal(wn__net_create(1, wide, 2, 0, WN_TASK_BINARY, 256, WN__NN_NAIVE,
                                    &net), WN_ENOMEM);
    assert_null(net);
    /* Every allocation failure is reported, and nothing leaks (ASan). */
    int ok = 0;
    for (long after = 0; after < 64 && !ok; after++) {
        wn_fault_alloc(after, 1);
        int rc = wn__net_create(3, w, 3, 0, WN_TASK_MULTICLASS, 4, WN__NN_DNNL, &net);
        if (rc == WN_OK)
            rc = wn__net_prepare(net, 4, 1);
        long hits = wn_fault_alloc(-1, 0);
        if (hits == 0) {
            assert_int_equal(rc, WN_OK);
            ok = 1;
        } else
            assert_int_equal(rc, WN_ENOMEM);
        wn__net_free(&net);
    }
    assert_true(ok);
}

/* ---- Packed one-hot rows ------------------------------------------------------ */

static void check_rows(size_t inputs, int one_hot, float odd)
{
    size_t n = 50, outputs = 3;
    float *X = wn_malloc(n * inputs * sizeof(float));
    float *Y = wn_malloc(n * outputs * sizeof(float));
    float *x1 = wn_malloc(8 * inputs * sizeof(float)), *x2 = wn_malloc(8 * inputs * sizeof(float));
    float y1[24], y2[24];
    wn_rng r;
    wn__rng_seed(&r, inputs);
    for (size_t i = 0; i < n * inputs; i++)
        X[i] = wn__rng_uniform(&r) < 0.3 ? 1.0f : 0.0f;
    for (size_t i = 0; i < n * outputs; i++)
        Y[i] = (float)wn__rng_uniform(&r);
    if (!one_hot)
        X[n * inputs / 2] = odd;
    struct wn__rows rows;
    assert_int_equal(wn__rows_make(&rows, X, Y, n, inputs, outputs), WN_OK);
    assert_int_equal(rows.bits != NULL, one_hot);
    size_t idx[8] = {49, 0, 7, 7, 25, 3, 48, 1};
    wn__rows_gather(&rows, x1, y1, idx, 8);
    wn__k_gather(x2, y2, X, Y, idx, 8, inputs, outputs);
    assert_memory_equal(x1, x2, 8 * inputs * sizeof(float));
    assert_memory_equal(y1, y2, sizeof y1);
    rows.portable = 1;   /* the plain-C expansion too */
    memset(x1, 0xff, 8 * inputs * sizeof(float));
    wn__rows_gather(&rows, x1, y1, idx, 8);
    assert_memory_equal(x1, x2, 8 * inputs * sizeof(float));
    wn__rows_free(&rows);
    wn__rows_free(&rows);   /* idempotent */
    wn_free(X);
    wn_free(Y);
    wn_free(x1);
    wn_free(x2);
}

/* Layer 0 from the packed bits (rows.c's tables) against the naive
 * forward on the expanded rows, and the expanded rows it writes. */
static void check_layer0_bits(size_t inputs, size_t m)
{
    size_t n = 40, outputs = 2, B = 9;
    float *X = wn_malloc(n * inputs * sizeof(float));
    float *Y = wn_malloc(n * outputs * sizeof(float));
    float *W = wn_malloc(m * inputs * sizeof(float)), b[64];
    float *x1 = wn_malloc(B * inputs * sizeof(float)), *x2 = wn_malloc(B * inputs * sizeof(float));
    float y1[18], y2[18], h1[9 * 64], h2[9 * 64];
    wn_rng r;
    wn__rng_seed(&r, inputs * 100 + m);
    for (size_t i = 0; i < n * inputs; i++)
        X[i] = wn__rng_uniform(&r) < 0.4 ? 1.0f : 0.0f;
    for (size_t i = 0; i < n * outputs; i++)
        Y[i] = (float)wn__rng_uniform(&r);
    for (size_t i = 0; i < m * inputs; i++)
        W[i] = (float)(2.0 * wn__rng_uniform(&r) - 1.0);
    for (size_t j = 0; j < m; j++)
        b[j] = (float)(wn__rng_uniform(&r) - 0.5);
    struct wn__rows rows;
    assert_int_equal(wn__rows_make(&rows, X, Y, n, inputs, outputs), WN_OK);
    assert_true(wn__rows_lut_fits(&rows, m));
    assert_int_equal(wn__rows_lut_make(&rows, m), WN_OK);
    wn__rows_lut_build(&rows, W, b);
    size_t idx[9] = {39, 0, 7, 7, 25, 3, 38, 1, 20};
    memset(h1, 0, sizeof h1);
    wn__rows_gather_h0(&rows, x1, y1, h1, idx, B);
    wn__k_gather(x2, y2, X, Y, idx, B, inputs, outputs);
    assert_memory_equal(x1, x2, B * inputs * sizeof(float));
    assert_memory_equal(y1, y2, B * outputs * sizeof(float));
    wn__mm_forward_naive(h2, x2, W, b, B, inputs, m, 1);
    for (size_t i = 0; i < B * m; i++)
        assert_true(fabsf(h1[i] - h2[i]) <= 1e-5f * (1.0f + fabsf(h2[i])));
    /* Without x: the same h0; after new weights, new sums. */
    float h3[9 * 64];
    wn__rows_gather_h0(&rows, NULL, y1, h3, idx, B);
    assert_memory_equal(h1, h3, B * m * sizeof(float));
    for (size_t j = 0; j < m; j++)
        b[j] += 1.0f;
    wn__rows_lut_build(&rows, W, b);
    wn__rows_gather_h0(&rows, NULL, y1, h3, idx, B);
    wn__mm_forward_naive(h2, x2, W, b, B, inputs, m, 1);
    for (size_t i = 0; i < B * m; i++)
        assert_true(fabsf(h3[i] - h2[i]) <= 1e-5f * (1.0f + fabsf(h2[i])));
    /* Layer 0's weight gradient from the bits: dz^T x (register
     * accumulators up to width 16, per-nibble sums above). */
    assert_true(wn__rows_w0_fits(&rows));
    {
    float *dz = wn_malloc(B * m * sizeof(float));
    float *dW1 = wn_malloc(m * inputs * sizeof(float)), *dW2 = wn_malloc(m * inputs * sizeof(float));
    for (size_t i = 0; i < B * m; i++)
        dz[i] = (float)(2.0 * wn__rng_uniform(&r) - 1.0);
    memset(dW1, 0xff, m * inputs * sizeof(float));
    wn__rows_backward_w0(&rows, dW1, dz, idx, B);
    wn__mm_backward_weights_naive(dW2, x2, dz, B, inputs, m);
    for (size_t i = 0; i < m * inputs; i++)
        assert_true(fabsf(dW1[i] - dW2[i]) <= 1e-5f * (1.0f + fabsf(dW2[i])));
    wn_free(dz);
    wn_free(dW1);
    wn_free(dW2);
    }
    wn__rows_free(&rows);
    wn_free(X);
    wn_free(Y);
    wn_free(W);
    wn_free(x1);
    wn_free(x2);
}

static void test_layer0_from_bits(void **state)
{
    (void)state;
    float X[4] = {0, 1, 1, 0}, Y[2] = {0, 1};
    struct wn__rows rows;
    assert_int_equal(wn__rows_make(&rows, X, Y, 2, 2, 1), WN_OK);
    if (!wn__rows_lut_fits(&rows, 7)) {
        print_message("layer 0 from bits: needs AVX-512F; skipped\n");
        wn__rows_free(&rows);
        skip();
    }
    assert_true(wn__rows_lut_fits(&rows, 64));
    assert_false(wn__rows_lut_fits(&rows, 65));   /* too wide */
    assert_false(wn__rows_lut_fits(&rows, 0));
    assert_int_equal(wn__rows_lut_make(&rows, 65), WN_EINVAL);
    wn_fault_alloc(0, 1);
    assert_int_equal(wn__rows_lut_make(&rows, 7), WN_ENOMEM);
    wn_fault_alloc(-1, 0);
    rows.portable = 1;
    assert_false(wn__rows_lut_fits(&rows, 7));
    wn__rows_free(&rows);
    float Xf[4] = {0, 0.5f, 1, 0};   /* not one-hot: no packed rows */
    assert_int_equal(wn__rows_make(&rows, Xf, Y, 2, 2, 1), WN_OK);
    assert_false(wn__rows_lut_fits(&rows, 7));
    wn__rows_free(&rows);
    const size_t ins[] = {1, 3, 4, 5, 63, 64, 65, 126, 130, 256};
    const size_t ms[] = {1, 7, 8, 9, 16, 17, 32, 33, 63, 64};
    for (size_t i = 0; i < sizeof ins / sizeof ins[0]; i++)
        for (size_t j = 0; j < sizeof ms / sizeof ms[0]; j++)
            check_layer0_bits(ins[i], ms[j]);
}

static void test_packed_rows_are_lossless(void **state)
{
    (void)state;
    const size_t widths[] = {1, 3, 16, 17, 63, 64, 65, 126, 130};
    for (size_t i = 0; i < sizeof widths / sizeof widths[0]; i++) {
        check_rows(widths[i], 1, 0.0f);
        check_rows(widths[i], 0, 0.5f);
        check_rows(widths[i], 0, -0.0f);   /* -0.0 is not 0.0 bit for bit */
    }
    /* Allocation failure of the packed copy is reported. */
    float X[4] = {0, 1, 1, 0}, Y[2] = {0, 1};
    struct wn__rows rows;
    wn_fault_alloc(0, 1);
    int rc = wn__rows_make(&rows, X, Y, 2, 2, 1);
    wn_fault_alloc(-1, 0);
    assert_int_equal(rc, WN_ENOMEM);
}

static void test_colsum_kernel(void **state)
{
    (void)state;
    const size_t ms[] = {1, 3, 7, 16, 17, 63}, rs[] = {1, 15, 16, 37, 256};
    static float dz[256 * 63];
    float db[63];
    wn_rng r;
    wn__rng_seed(&r, 3);
    for (size_t i = 0; i < sizeof dz / sizeof dz[0]; i++)
        dz[i] = (float)(wn__rng_uniform(&r) - 0.5);
    for (size_t a = 0; a < sizeof ms / sizeof ms[0]; a++)
        for (size_t b = 0; b < sizeof rs / sizeof rs[0]; b++) {
            size_t m = ms[a], rows = rs[b];
            wn__k_colsum(db, dz, rows, m);
            for (size_t j = 0; j < m; j++) {
                double want = 0.0;
                for (size_t k = 0; k < rows; k++)
                    want += dz[k * m + j];
                assert_float_equal(db[j], want, 1e-4);
            }
        }
}

static void test_shuffle_is_uniform_permutation(void **state)
{
    (void)state;
    /* Every result is a permutation; over many shuffles of 5 items each
     * item lands in each position about equally often (chi-square, 16 df;
     * 60 is far beyond the 0.9999 quantile, a biased draw exceeds it). */
    enum { N = 5, TRIALS = 50000 };
    size_t count[N][N] = {{0}};
    wn_rng r;
    wn__rng_seed(&r, 77);
    for (int t = 0; t < TRIALS; t++) {
        size_t idx[N], seen[N] = {0};
        for (size_t i = 0; i < N; i++)
            idx[i] = i;
        wn__rows_shuffle(&r, idx, N);
        for (size_t i = 0; i < N; i++) {
            assert_true(idx[i] < N);
            seen[idx[i]]++;
            count[idx[i]][i]++;
        }
        for (size_t i = 0; i < N; i++)
            assert_int_equal(seen[i], 1);
    }
    double chi = 0.0, expect = (double)TRIALS / N;
    for (size_t a = 0; a < N; a++)
        for (size_t b = 0; b < N; b++)
            chi += ((double)count[a][b] - expect) * ((double)count[a][b] - expect) / expect;
    assert_true(chi < 60.0);
    /* Same seed, same order; n = 0 and 1 are no-ops. */
    size_t a[100], b[100];
    for (size_t i = 0; i < 100; i++)
        a[i] = b[i] = i;
    wn_rng r1, r2;
    wn__rng_seed(&r1, 5);
    wn__rng_seed(&r2, 5);
    wn__rows_shuffle(&r1, a, 100);
    wn__rows_shuffle(&r2, b, 100);
    assert_memory_equal(a, b, sizeof a);
    wn__rows_shuffle(&r1, a, 0);
    wn__rows_shuffle(&r1, a, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gradcheck_every_shape_every_loss),
        cmocka_unit_test(test_gradcheck_can_fail),
        cmocka_unit_test(test_residual_forward_adds_skip),
        cmocka_unit_test(test_dnnl_matches_naive),
        cmocka_unit_test(test_tiny_kernels_match_naive),
        cmocka_unit_test(test_narrow_kernels_match_naive),
        cmocka_unit_test(test_plans_and_rows),
        cmocka_unit_test(test_adam_first_steps),
        cmocka_unit_test(test_adam_variants_agree),
        cmocka_unit_test(test_loss_values_and_stability),
        cmocka_unit_test(test_eval_matches_training_loss),
        cmocka_unit_test(test_create_errors_and_faults),
        cmocka_unit_test(test_packed_rows_are_lossless),
        cmocka_unit_test(test_layer0_from_bits),
        cmocka_unit_test(test_shuffle_is_uniform_permutation),
        cmocka_unit_test(test_colsum_kernel),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
