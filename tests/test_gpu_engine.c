/*
 * test_gpu_engine.c - the GPU engine on a real CUDA device: the gradient
 * on the device against finite differences and against the CPU engine's
 * analytic gradient, for every shape and every loss; the same seed twice
 * gives the same result; and the same job on CPU and GPU agrees (first
 * epoch's training loss within 1e-3 relative, test accuracy after 20
 * epochs within 0.01) on adult and nursery; steps replayed from CUDA
 * graphs give the bits of steps launched one by one.
 *
 * Without a usable CUDA device (or in a build without CUDA) every case
 * skips with a message saying why.  As of this writing these cases have
 * only been compiled, never run on a GPU (docs/gpu.md).
 */
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <wattnet/wattnet.h>

#include "core/rng.h"
#include "nn/gpu.h"
#include "nn/net.h"

#define ROWS 16
#define TRAIN 8
#define STEP_ROWS 7

static int gpu_or_skip(void)
{
    struct wn__cu *cu = NULL;
    int rc = wn__cu_open(0, NULL, &cu);
    wn__cu_close(&cu);
    if (rc != WN_OK) {
        print_message("SKIP: no usable CUDA device: %s\n", wn_errmsg());
        return 0;
    }
    return 1;
}

/* Random inputs in [-1, 1) and targets for the task. */
static void fill_data(wn_task task, size_t inputs, size_t outputs, float *X, float *Y,
                      uint64_t seed)
{
    wn_rng r;
    wn__rng_seed(&r, seed);
    for (size_t i = 0; i < ROWS * inputs; i++)
        X[i] = (float)(2.0 * wn__rng_uniform(&r) - 1.0);
    for (size_t i = 0; i < ROWS; i++) {
        size_t c = (size_t)wn__rng_below(&r, outputs);
        for (size_t j = 0; j < outputs; j++) {
            float u = (float)wn__rng_uniform(&r);
            Y[i * outputs + j] = task == WN_TASK_REGRESSION ? u
                                 : task == WN_TASK_BINARY   ? (u < 0.5f ? 0.0f : 1.0f)
                                                            : (j == c ? 1.0f : 0.0f);
        }
    }
}

struct case_net {
    struct wn__gpu_plan plan;
    struct wn__net *cpu;       /* naive CPU net: the reference gradient */
    struct wn__cu *cu;
    float X[ROWS * 8], Y[ROWS * 3];
    size_t idx[ROWS];
};

static void case_open(struct case_net *c, const char *shape, wn_task task, size_t outputs,
                      uint64_t seed)
{
    size_t w[WN_MAX_DEPTH], inputs = 5;
    memset(c, 0, sizeof *c);
    assert_int_equal(wn_shape_widths(inputs, outputs, shape, 5, 260, w, NULL), WN_OK);
    int res = wn_shape_is_residual(shape);
    assert_int_equal(wn__gpu_plan_make(inputs, w, 5, res, 8, ROWS, TRAIN, ROWS - TRAIN,
                                       &c->plan), WN_OK);
    assert_int_equal(wn__net_create(inputs, w, 5, res, task, 8, WN__NN_NAIVE, &c->cpu),
                     WN_OK);
    wn__net_init(c->cpu, seed);
    for (size_t k = 0; k < c->cpu->depth; k++)   /* non-zero biases, as test_nn.c */
        for (size_t j = 0; j < c->cpu->widths[k]; j++)
            c->cpu->b[k][j] = 0.05f * (float)((j % 5) + 1);
    fill_data(task, inputs, outputs, c->X, c->Y, seed + 100);
    for (size_t i = 0; i < ROWS; i++)
        c->idx[i] = i;
    assert_int_equal(wn__cu_open(0, NULL, &c->cu), WN_OK);
    if (wn__cu_setup(c->cu, &c->plan, (int)task, c->X, c->Y, c->idx + TRAIN, 1) != WN_OK)
        fail_msg("setup: %s", wn_errmsg());
    assert_int_equal(wn__cu_set_params(c->cu, c->cpu->flat_params, 1e-3f), WN_OK);
}

static void case_close(struct case_net *c)
{
    wn__cu_close(&c->cu);
    wn__net_free(&c->cpu);
}

/* The CPU engine's analytic gradient of the same rows. */
static void cpu_grad(struct case_net *c, size_t rows)
{
    struct wn__net *n = c->cpu;
    size_t out = n->widths[n->depth - 1];
    wn__k_gather(n->x, n->y, c->X, c->Y, c->idx, rows, n->inputs, out);
    assert_int_equal(wn__net_forward(n, rows), WN_OK);
    wn__loss_grad(n->task, n->h[n->depth - 1], n->y, rows, out, n->dz[n->depth - 1]);
    assert_int_equal(wn__net_backward(n, rows), WN_OK);
}

/* Worst violation of |gpu - ref| <= atol + rtol |ref| (<= 1 passes) over
 * the real parameters (not the padding). */
static double worst_ratio(const struct wn__gpu_plan *p, const float *got,
                          const double *ref, double atol, double rtol)
{
    double worst = 0.0;
    for (size_t k = 0; k < p->depth; k++) {
        size_t ranges[2][2] = {{p->w_off[k], p->fan_in[k] * p->widths[k]},
                               {p->b_off[k], p->widths[k]}};
        for (int t = 0; t < 2; t++)
            for (size_t i = ranges[t][0]; i < ranges[t][0] + ranges[t][1]; i++) {
                double r = fabs((double)got[i] - ref[i]) / (atol + rtol * fabs(ref[i]));
                worst = r > worst ? r : worst;
            }
    }
    return worst;
}

/* Central differences of the device's loss; kinks (a ReLU crossing: the
 * two one-sided slopes disagree) are skipped, and must be rare. */
static void numeric_grad(struct case_net *c, size_t rows, double *num)
{
    size_t n = c->plan.n_flat, checked = 0, skipped = 0;
    float *p = malloc(n * sizeof *p);
    assert_non_null(p);
    memcpy(p, c->cpu->flat_params, n * sizeof *p);
    double l0 = 0.0, lp = 0.0, lm = 0.0;
    assert_int_equal(wn__cu_loss_grad(c->cu, c->idx, rows, &l0, NULL), WN_OK);
    for (size_t i = 0; i < n; i++) {
        const float h = 2e-3f, keep = p[i];
        p[i] = keep + h;
        assert_int_equal(wn__cu_set_params(c->cu, p, 1e-3f), WN_OK);
        assert_int_equal(wn__cu_loss_grad(c->cu, c->idx, rows, &lp, NULL), WN_OK);
        p[i] = keep - h;
        assert_int_equal(wn__cu_set_params(c->cu, p, 1e-3f), WN_OK);
        assert_int_equal(wn__cu_loss_grad(c->cu, c->idx, rows, &lm, NULL), WN_OK);
        p[i] = keep;
        double right = (lp - l0) / h, left = (l0 - lm) / h;
        num[i] = (lp - lm) / (2.0 * (double)h);
        if (fabs(right - left) > 1e-2 + 0.2 * fabs(num[i])) {
            num[i] = NAN;
            skipped++;
        } else
            checked++;
    }
    assert_int_equal(wn__cu_set_params(c->cu, p, 1e-3f), WN_OK);
    free(p);
    assert_true(skipped * 10 <= checked);
}

static void test_gradcheck_every_shape_every_loss(void **state)
{
    (void)state;
    if (!gpu_or_skip())
        skip();
    const wn_task tasks[] = {WN_TASK_REGRESSION, WN_TASK_BINARY, WN_TASK_MULTICLASS};
    const size_t outs[] = {1, 1, 3};
    for (size_t s = 0; s < wn_shape_count(); s++)
        for (size_t t = 0; t < 3; t++) {
            struct case_net c;
            case_open(&c, wn_shape_name_at(s), tasks[t], outs[t], 11 + s);
            size_t n = c.plan.n_flat;
            float *g = calloc(n, sizeof *g);
            double *ref = calloc(n, sizeof *ref), *num = calloc(n, sizeof *num);
            assert_true(g && ref && num);
            double loss = 0.0;
            assert_int_equal(wn__cu_loss_grad(c.cu, c.idx, STEP_ROWS, &loss, g), WN_OK);
            cpu_grad(&c, STEP_ROWS);
            for (size_t i = 0; i < n; i++)
                ref[i] = c.cpu->grads[i];
            double w_cpu = worst_ratio(&c.plan, g, ref, 1e-6, 1e-3);
            numeric_grad(&c, STEP_ROWS, num);
            for (size_t i = 0; i < n; i++)
                if (isnan(num[i]))
                    num[i] = g[i];   /* a kink: not compared */
            double w_num = worst_ratio(&c.plan, g, num, 2e-4, 2e-2);
            if (w_cpu > 1.0 || w_num > 1.0)
                fail_msg("%s / task %zu: GPU gradient off by %.2f x (vs CPU), %.2f x "
                         "(vs finite differences)", wn_shape_name_at(s), t, w_cpu, w_num);
            /* The check can fail: a corrupted reference is caught. */
            ref[c.plan.w_off[0]] += 0.1;
            assert_true(worst_ratio(&c.plan, g, ref, 1e-6, 1e-3) > 1.0);
            free(g);
            free(ref);
            free(num);
            case_close(&c);
        }
}

/* ---- Whole runs -------------------------------------------------------------------- */

struct first_epoch {
    double train_loss;
};

static int on_epoch_end(void *user, const wn_epoch_stats *s)
{
    struct first_epoch *f = user;
    if (s->epoch == 1)
        f->train_loss = s->train_loss;
    return WN_OK;
}

/* The shared folder; $WATTNET_TEST_SHARED overrides the build's (a build
 * carried to a GPU host, scripts/gpu-check.sh). */
static const char *shared_dir(void)
{
    const char *e = getenv("WATTNET_TEST_SHARED");
    return e && *e ? e : WN_SHARED_DIR;
}

static int load_or_skip(const char *file, wn_dataset **d)
{
    char path[512];
    snprintf(path, sizeof path, "%s/datasets/%s", shared_dir(), file);
    if (access(path, R_OK) != 0) {
        print_message("SKIP: %s absent (WN_SHARED_DIR datasets)\n", path);
        return 0;
    }
    if (wn_dataset_load(path, NULL, d) != WN_OK)
        fail_msg("load %s: %s", path, wn_errmsg());
    return 1;
}

static void run(const wn_dataset *d, const char *device, size_t epochs,
                struct first_epoch *f, wn_train_summary *s)
{
    wn_train_config cfg;
    wn_train_config_default(&cfg);
    snprintf(cfg.shape, sizeof cfg.shape, "rectangle");
    cfg.depth = 3;
    cfg.size = 16384;
    cfg.epochs = epochs;
    cfg.threads = 1;
    snprintf(cfg.device, sizeof cfg.device, "%s", device ? device : "");
    wn_train_hooks hooks = {NULL, on_epoch_end, f};
    if (wn_train(d, &cfg, &hooks, s) != WN_OK)
        fail_msg("%s: %s", device, wn_errmsg());
}

static void cpu_vs_gpu(const char *file)
{
    wn_dataset *d = NULL;
    if (!gpu_or_skip() || !load_or_skip(file, &d))
        skip();
    struct first_epoch fc = {0}, fg = {0};
    wn_train_summary sc, sg;
    run(d, "cpu", 20, &fc, &sc);
    run(d, "cuda", 20, &fg, &sg);
    print_message("%s: first-epoch loss cpu %.6f gpu %.6f; accuracy after 20 epochs "
                  "cpu %.4f gpu %.4f; s/epoch cpu %.4f gpu %.4f (%s)\n", file,
                  fc.train_loss, fg.train_loss, sc.test_accuracy, sg.test_accuracy,
                  sc.seconds_per_epoch_median, sg.seconds_per_epoch_median,
                  sg.device_name);
    assert_true(fabs(fg.train_loss - fc.train_loss) <= 1e-3 * fabs(fc.train_loss));
    assert_true(fabs(sg.test_accuracy - sc.test_accuracy) <= 0.01);
    assert_string_equal(sg.device, "cuda:0");
    wn_dataset_free(&d);
}

static void test_cpu_vs_gpu_adult(void **state)
{
    (void)state;
    cpu_vs_gpu("adult.tsv.gz");
}

static void test_cpu_vs_gpu_nursery(void **state)
{
    (void)state;
    cpu_vs_gpu("nursery.tsv.gz");
}

/* Same seed, same GPU: the same bits (no atomics anywhere). */
static void test_deterministic(void **state)
{
    (void)state;
    wn_dataset *d = NULL;
    if (!gpu_or_skip() || !load_or_skip("nursery.tsv.gz", &d))
        skip();
    struct first_epoch f1 = {0}, f2 = {0};
    wn_train_summary s1, s2;
    run(d, "cuda", 3, &f1, &s1);
    run(d, "cuda", 3, &f2, &s2);
    assert_true(f1.train_loss == f2.train_loss);
    assert_true(s1.test_loss == s2.test_loss);
    wn_dataset_free(&d);
}

/* Steps replayed from CUDA graphs give the bits of steps launched one by
 * one (WATTNET_CUDA_GRAPHS=0). */
static void test_graphs_match_eager(void **state)
{
    (void)state;
    wn_dataset *d = NULL;
    if (!gpu_or_skip() || !load_or_skip("nursery.tsv.gz", &d))
        skip();
    struct first_epoch f1 = {0}, f2 = {0};
    wn_train_summary s1, s2;
    run(d, "cuda", 2, &f1, &s1);
    setenv("WATTNET_CUDA_GRAPHS", "0", 1);
    run(d, "cuda", 2, &f2, &s2);
    unsetenv("WATTNET_CUDA_GRAPHS");
    print_message("nursery, 2 epochs: graphs %.4f s/epoch, eager %.4f s/epoch\n",
                  s1.seconds_per_epoch_median, s2.seconds_per_epoch_median);
    assert_true(f1.train_loss == f2.train_loss);
    assert_true(s1.test_loss == s2.test_loss);
    wn_dataset_free(&d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gradcheck_every_shape_every_loss),
        cmocka_unit_test(test_cpu_vs_gpu_adult),
        cmocka_unit_test(test_cpu_vs_gpu_nursery),
        cmocka_unit_test(test_deterministic),
        cmocka_unit_test(test_graphs_match_eager),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
