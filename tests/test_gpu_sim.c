/*
 * test_gpu_sim.c - the GPU engine's host side (gpu_train.c) driven end to
 * end on a SIMULATED device: an implementation of the device calls of
 * gpu.h that trains on the CPU with the naive reference kernels, fed
 * exactly what the real device is fed (the plan, the data, the test rows,
 * the initial parameters, each epoch's order).
 *
 * What this shows: wn_train(device "cuda") gives the CPU engine's result
 * (same split, init, shuffles, loss weighting, test sums, hooks and
 * summary) when the device computes correctly, and device errors come
 * back unchanged.  What it does NOT show: anything about the CUDA code,
 * which the simulation replaces (test_gpu_engine.c covers that on a GPU).
 */
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <wattnet/wattnet.h>

#include "core/rng.h"
#include "nn/gpu.h"
#include "nn/net.h"

/* ---- The simulated device ---------------------------------------------------- */

struct sim {
    struct wn__gpu_plan p;
    struct wn__net *net;
    const float *X, *Y;
    size_t *test_idx;
    size_t epochs;
    int fail_epoch;            /* inject a device error in this epoch */
};

static int sim_fail_open, sim_fail_epoch;
static size_t seen_order[1024], seen_n;   /* the last run's first order */

static int sim_open(int index, struct wn__gpu_info *info, struct wn__cu **out)
{
    if (sim_fail_open)
        return wn_seterr(WN_EUNAVAILABLE, "cuda: no CUDA device on this machine");
    struct sim *s = calloc(1, sizeof *s);
    assert_non_null(s);
    s->fail_epoch = sim_fail_epoch;
    memset(info, 0, sizeof *info);
    info->index = index;
    snprintf(info->name, sizeof info->name, "simulated");
    snprintf(info->driver, sizeof info->driver, "0.0");
    *out = (struct wn__cu *)s;
    return WN_OK;
}

static void sim_close(struct wn__cu **c)
{
    struct sim *s = (struct sim *)*c;
    if (!s)
        return;
    wn__net_free(&s->net);
    free(s->test_idx);
    free(s);
    *c = NULL;
}

static int sim_setup(struct wn__cu *c, const struct wn__gpu_plan *p, int task,
                     const float *X, const float *Y, const size_t *test_idx,
                     int allow_graph)
{
    struct sim *s = (struct sim *)c;
    (void)allow_graph;
    s->p = *p;
    s->X = X;
    s->Y = Y;
    int residual = 0;
    for (size_t k = 0; k < p->depth; k++)
        residual |= p->residual[k];
    int rc = wn__net_create(p->inputs, p->widths, p->depth, residual, (wn_task)task,
                            p->batch, WN__NN_NAIVE, &s->net);
    if (rc != WN_OK)
        return rc;
    assert_int_equal(s->net->n_flat, p->n_flat);
    s->test_idx = malloc(p->n_test * sizeof *s->test_idx);
    assert_non_null(s->test_idx);
    memcpy(s->test_idx, test_idx, p->n_test * sizeof *test_idx);
    return WN_OK;
}

static int sim_set_params(struct wn__cu *c, const float *params, float lr)
{
    struct sim *s = (struct sim *)c;
    memcpy(s->net->flat_params, params, s->p.n_flat * sizeof(float));
    memset(s->net->flat_state, 0, 3 * s->p.n_flat * sizeof(float));
    s->net->step = 0;
    s->net->lr = lr;
    return WN_OK;
}

/* The step of gpu.h, on the CPU: gather, forward, loss, backward, Adam. */
static int sim_train_epoch(struct wn__cu *c, const size_t *order, double *loss_mean)
{
    struct sim *s = (struct sim *)c;
    struct wn__net *n = s->net;
    size_t L = n->depth, out = n->widths[L - 1], B = s->p.batch;
    if (s->fail_epoch && s->epochs + 1 == (size_t)s->fail_epoch)
        return wn_seterr(WN_EBACKEND, "cuda: simulated launch failure");
    if (s->epochs++ == 0 && s->p.n_train <= 1024) {
        memcpy(seen_order, order, s->p.n_train * sizeof *order);
        seen_n = s->p.n_train;
    }
    double sum = 0.0;
    for (size_t i = 0; i < s->p.n_train; i += B) {
        size_t rows = s->p.n_train - i < B ? s->p.n_train - i : B;
        wn__k_gather(n->x, n->y, s->X, s->Y, order + i, rows, n->inputs, out);
        int rc = wn__net_forward(n, rows);
        if (rc != WN_OK)
            return rc;
        sum += wn__loss_grad(n->task, n->h[L - 1], n->y, rows, out, n->dz[L - 1]) *
               (double)rows;
        if ((rc = wn__net_backward(n, rows)) != WN_OK)
            return rc;
        wn__net_adam(n);
    }
    *loss_mean = sum / (double)s->p.n_train;
    return WN_OK;
}

static int sim_test(struct wn__cu *c, struct wn__eval4 *sums)
{
    struct sim *s = (struct sim *)c;
    struct wn__net *n = s->net;
    size_t L = n->depth, out = n->widths[L - 1], B = s->p.batch;
    struct wn__eval_sums acc = {0};
    for (size_t i = 0; i < s->p.n_test; i += B) {
        size_t rows = s->p.n_test - i < B ? s->p.n_test - i : B;
        wn__k_gather(n->x, n->y, s->X, s->Y, s->test_idx + i, rows, n->inputs, out);
        int rc = wn__net_forward(n, rows);
        if (rc != WN_OK)
            return rc;
        wn__loss_eval(n->task, n->h[L - 1], n->y, rows, out, n->dz[L - 1], &acc);
    }
    sums->loss = acc.loss;
    sums->correct = acc.correct;
    sums->se = acc.se;
    sums->ae = acc.ae;
    return WN_OK;
}

static const struct wn__gpu_ops sim_ops = {sim_open, sim_close, sim_setup,
                                           sim_set_params, sim_train_epoch, sim_test};

/* ---- Helpers ------------------------------------------------------------------ */

struct epochs_seen {
    double loss[8];
    size_t n;
};

static int on_end(void *user, const wn_epoch_stats *st)
{
    struct epochs_seen *e = user;
    if (e->n < 8)
        e->loss[e->n++] = st->train_loss;
    return WN_OK;
}

static wn_dataset *dataset(const char *name, wn_task task, size_t outputs)
{
    enum { ROWS = 700, IN = 6 };
    static float x[ROWS * IN], y[ROWS * 3];
    wn_rng r;
    wn__rng_seed(&r, 5);
    for (size_t i = 0; i < ROWS; i++) {
        double s = 0.0;
        for (size_t j = 0; j < IN; j++) {
            x[i * IN + j] = (float)wn__rng_uniform(&r);
            s += x[i * IN + j] * (double)(j + 1);
        }
        size_t c = (size_t)(s * 7.0) % outputs;
        for (size_t j = 0; j < outputs; j++)
            y[i * outputs + j] = task == WN_TASK_REGRESSION ? (float)(s / 21.0)
                                 : task == WN_TASK_BINARY  ? (float)(s > 10.5)
                                                           : (float)(j == c);
    }
    wn_dataset *d = NULL;
    assert_int_equal(wn_dataset_from_arrays(name, task, ROWS, IN, outputs, x, y, &d),
                     WN_OK);
    return d;
}

static void config(wn_train_config *cfg, const char *shape, const char *device)
{
    wn_train_config_default(cfg);
    snprintf(cfg->shape, sizeof cfg->shape, "%s", shape);
    cfg->depth = 4;
    cfg->size = 900;
    cfg->epochs = 3;
    cfg->batch = 64;          /* 560 training rows: 8 full steps and one of 48 */
    cfg->learning_rate = 1e-3;
    cfg->threads = 1;
    snprintf(cfg->device, sizeof cfg->device, "%s", device ? device : "");
}

/* ---- Tests ---------------------------------------------------------------------- */

static void test_sim_matches_cpu_engine(void **state)
{
    (void)state;
    const wn_task tasks[] = {WN_TASK_REGRESSION, WN_TASK_BINARY, WN_TASK_MULTICLASS};
    const size_t outs[] = {1, 1, 3};
    const char *shapes[] = {"rectangle", "rectangle_residual", "trapezoid"};
    wn__gpu_set_ops(&sim_ops);
    for (size_t t = 0; t < 3; t++)
        for (size_t sh = 0; sh < 3; sh++) {
            wn_dataset *d = dataset("sim", tasks[t], outs[t]);
            wn_train_config cfg;
            wn_train_summary sc, sg;
            struct epochs_seen ec = {{0}, 0}, eg = {{0}, 0};
            wn_train_hooks hc = {NULL, on_end, &ec}, hg = {NULL, on_end, &eg};
            config(&cfg, shapes[sh], "cpu");
            assert_int_equal(wn_train(d, &cfg, &hc, &sc), WN_OK);
            config(&cfg, shapes[sh], "cuda:0");
            if (wn_train(d, &cfg, &hg, &sg) != WN_OK)
                fail_msg("simulated cuda: %s", wn_errmsg());
            assert_int_equal(eg.n, 3);
            for (size_t e = 0; e < 3; e++)
                if (fabs(eg.loss[e] - ec.loss[e]) > 1e-4 * fabs(ec.loss[e]))
                    fail_msg("task %zu %s epoch %zu: loss cpu %.9g sim %.9g", t,
                             shapes[sh], e + 1, ec.loss[e], eg.loss[e]);
            assert_true(fabs(sg.test_loss - sc.test_loss) <= 1e-4 * fabs(sc.test_loss));
            assert_int_equal(sg.has_accuracy, sc.has_accuracy);
            assert_true(fabs(sg.test_accuracy - sc.test_accuracy) <= 2.0 / 140.0);
            assert_true(fabs(sg.test_mse - sc.test_mse) <= 1e-4 * fabs(sc.test_mse) + 1e-9);
            assert_int_equal(sg.params, sc.params);
            assert_int_equal(sg.train_rows, sc.train_rows);
            assert_int_equal(sg.test_rows, sc.test_rows);
            assert_int_equal(sg.batches_per_epoch, sc.batches_per_epoch);
            assert_true(sg.flops_per_epoch == sc.flops_per_epoch);
            assert_int_equal(sg.epochs, 3);
            assert_true(sg.seconds_per_epoch_median > 0.0);
            assert_string_equal(sg.device, "cuda:0");
            assert_string_equal(sg.device_name, "simulated");
            assert_string_equal(sc.device, "cpu");
            assert_string_equal(sc.device_name, "");
            wn_dataset_free(&d);
        }
    wn__gpu_set_ops(NULL);
}

/* The device gets the CPU engine's first-epoch order: the split's training
 * rows shuffled once with the engine's generator and salt (train.c). */
static void test_sim_gets_cpu_order(void **state)
{
    (void)state;
    wn__gpu_set_ops(&sim_ops);
    wn_dataset *d = dataset("sim", WN_TASK_BINARY, 1);
    wn_train_config cfg;
    wn_train_summary s;
    config(&cfg, "rectangle", "cuda");
    cfg.epochs = 1;
    assert_int_equal(wn_train(d, &cfg, NULL, &s), WN_OK);
    wn_split split;
    assert_int_equal(wn_split_make(d, cfg.train_fraction, cfg.seed, &split), WN_OK);
    assert_int_equal(split.n_train, seen_n);
    wn_rng r;
    wn__rng_seed(&r, cfg.seed ^ 0x53485546464c4531ULL);
    wn__rows_shuffle(&r, split.idx, split.n_train);
    assert_memory_equal(split.idx, seen_order, seen_n * sizeof seen_order[0]);
    /* and it is a real shuffle */
    size_t moved = 0;
    for (size_t i = 0; i < seen_n; i++)
        moved += seen_order[i] != i;
    assert_true(moved > seen_n / 2);
    wn_split_free(&split);
    wn_dataset_free(&d);
    wn__gpu_set_ops(NULL);
}

static void test_sim_errors_come_back(void **state)
{
    (void)state;
    wn__gpu_set_ops(&sim_ops);
    wn_dataset *d = dataset("sim", WN_TASK_MULTICLASS, 3);
    wn_train_config cfg;
    wn_train_summary s;
    config(&cfg, "rectangle", "cuda");
    sim_fail_open = 1;
    assert_int_equal(wn_train(d, &cfg, NULL, &s), WN_EUNAVAILABLE);
    assert_non_null(strstr(wn_errmsg(), "no CUDA device"));
    sim_fail_open = 0;
    sim_fail_epoch = 2;
    struct epochs_seen e = {{0}, 0};
    wn_train_hooks h = {NULL, on_end, &e};
    assert_int_equal(wn_train(d, &cfg, &h, &s), WN_EBACKEND);
    assert_non_null(strstr(wn_errmsg(), "simulated launch failure"));
    assert_int_equal(e.n, 1);   /* epoch 1 finished, epoch 2 failed */
    sim_fail_epoch = 0;
    wn_dataset_free(&d);
    wn__gpu_set_ops(NULL);
}

/* min_seconds (issue 10) on the device path: one epoch asked, several run
 * until 0.3 s have passed, and the summary says so. */
static void test_sim_min_seconds(void **state)
{
    (void)state;
    wn__gpu_set_ops(&sim_ops);
    wn_dataset *d = dataset("sim", WN_TASK_BINARY, 1);
    wn_train_config cfg;
    wn_train_summary sg;
    config(&cfg, "rectangle", "cuda:0");
    cfg.epochs = 1;
    cfg.min_seconds = 0.3;
    if (wn_train(d, &cfg, NULL, &sg) != WN_OK)
        fail_msg("simulated cuda: %s", wn_errmsg());
    assert_true(sg.epochs > 1);
    assert_int_equal(sg.epochs_requested, 1);
    assert_int_equal(sg.extended, 1);
    assert_true(sg.seconds_per_epoch_median > 0.0);
    wn_dataset_free(&d);
    wn__gpu_set_ops(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sim_matches_cpu_engine),
        cmocka_unit_test(test_sim_min_seconds),
        cmocka_unit_test(test_sim_gets_cpu_order),
        cmocka_unit_test(test_sim_errors_come_back),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
