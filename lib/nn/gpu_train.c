/*
 * gpu_train.c - wn_train() on a CUDA device: the same experiment as
 * train.c, read top to bottom, with the step on the GPU (gpu_cuda.cu):
 *
 *   device  <- wn__cu_open(index)        (fails first: no driver/device)
 *   widths, split                        (exactly as train.c)
 *   params  <- the CPU engine's Glorot-uniform init (net.c, naive backend,
 *              one row), copied to the device: identical starting weights
 *   for each epoch:
 *       shuffle the training order on the host with the CPU engine's
 *           generator and salt (identical order), copy it to the device
 *       wn__cu_train_epoch: gather + step per batch, in CUDA graphs
 *       wn__cu_test: the test pass, per-batch sums added here in order
 *
 * The epoch's time is wall time around both calls, which return only when
 * the device is done.  Environment: WATTNET_CUDA_GRAPHS=0 launches every
 * step eagerly (for comparing).  The device calls go through an ops table
 * that tests replace with a simulated device (wn__gpu_set_ops).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <wattnet/core.h>
#include <wattnet/data.h>
#include <wattnet/train.h>
#include <wattnet/gpu.h>

#include "core/rng.h"
#include "nn/gpu.h"
#include "nn/net.h"
#include "nn/train_extend.h"
#include "core/util.h"

#define SHUFFLE_SALT 0x53485546464c4531ULL   /* = train.c's "SHUFFLE1" */

static const struct wn__gpu_ops real_ops = {
    wn__cu_open, wn__cu_close, wn__cu_setup, wn__cu_set_params, wn__cu_train_epoch,
    wn__cu_test,
};
static const struct wn__gpu_ops *ops = &real_ops;

void wn__gpu_set_ops(const struct wn__gpu_ops *o)
{
    ops = o ? o : &real_ops;
}


static int graphs_allowed(void)
{
    const char *e = getenv("WATTNET_CUDA_GRAPHS");
    return !(e && !strcmp(e, "0"));
}

/* The CPU engine's initial parameters for this network, into params. */
static int initial_params(const struct wn__gpu_plan *p, wn_task task, uint64_t seed,
                          float *params)
{
    struct wn__net *net = NULL;
    int residual = 0;
    for (size_t k = 0; k < p->depth; k++)
        residual |= p->residual[k];
    int rc = wn__net_create(p->inputs, p->widths, p->depth, residual, task, 1,
                            WN__NN_NAIVE, &net);
    if (rc != WN_OK)
        return rc;
    if (net->n_flat != p->n_flat)
        rc = wn_seterr(WN_ESTATE, "cuda: parameter layout differs from the CPU "
                       "engine's (%zu vs %zu floats)", p->n_flat, net->n_flat);
    else {
        wn__net_init(net, seed);
        memcpy(params, net->flat_params, p->n_flat * sizeof(float));
    }
    wn__net_free(&net);
    return rc;
}

static void fill_summary(const struct wn__gpu_plan *p, const wn_train_config *cfg,
                         const struct wn__gpu_info *info, uint64_t params,
                         wn_train_summary *out)
{
    out->depth = cfg->depth;
    memcpy(out->widths, p->widths, p->depth * sizeof p->widths[0]);
    out->params = params;
    out->train_rows = p->n_train;
    out->test_rows = p->n_test;
    out->batches_per_epoch = (p->n_train + cfg->batch - 1) / cfg->batch;
    out->threads = 1;
    out->flops_per_epoch = wn_flops_epoch(cfg->batch, p->inputs, p->widths, p->depth,
                                          p->n_train, p->n_test);
    snprintf(out->device, sizeof out->device, "cuda:%d", info->index);
    snprintf(out->device_name, sizeof out->device_name, "%s", info->name);
    snprintf(out->device_driver, sizeof out->device_driver, "%s", info->driver);
}

static void test_stats(wn_task task, const struct wn__eval4 *s, size_t n_test,
                       wn_epoch_stats *st)
{
    double n = (double)n_test;
    st->test_loss = s->loss / n;
    st->has_accuracy = task != WN_TASK_REGRESSION;
    st->test_accuracy = st->has_accuracy ? s->correct / n : 0.0;
    st->test_mse = st->has_accuracy ? 0.0 : s->se / n;
    st->test_mae = st->has_accuracy ? 0.0 : s->ae / n;
}

/* The epochs, hooks around each (as train.c). */
static int run_epochs(struct wn__cu *cu, const wn_train_config *cfg, wn_task task,
                      size_t *order, size_t n_train, size_t n_test,
                      const wn_train_hooks *hooks, double **secs, size_t *secs_cap,
                      wn_train_summary *out)
{
    int rc = WN_OK;
    wn_rng shuffler;
    wn__rng_seed(&shuffler, cfg->seed ^ SHUFFLE_SALT);
    out->epochs_requested = cfg->epochs;
    double t_first = wn__now_s();
    for (size_t e = 1; wn__train_want_epoch(cfg, e, wn__now_s() - t_first); e++) {
        wn_epoch_stats st;
        memset(&st, 0, sizeof st);
        st.epoch = e;
        if ((rc = wn__train_secs_room(secs, secs_cap, e)) != WN_OK)
            return rc;
        out->extended = e > cfg->epochs;
        if (hooks && hooks->epoch_begin && (rc = hooks->epoch_begin(hooks->user, e)))
            return rc;
        double t0 = wn__now_s();
        struct wn__eval4 sums = {0};
        wn__rows_shuffle(&shuffler, order, n_train);
        rc = ops->train_epoch(cu, order, &st.train_loss);
        if (rc == WN_OK)
            rc = ops->test(cu, &sums);
        if (rc != WN_OK)
            return rc;
        test_stats(task, &sums, n_test, &st);
        st.seconds = wn__now_s() - t0;
        if (!isfinite(st.train_loss) || !isfinite(st.test_loss))
            return wn_seterr(WN_ENUMERIC, "train: epoch %zu: loss is not finite "
                             "(train %g, test %g)", e, st.train_loss, st.test_loss);
        (*secs)[e - 1] = st.seconds;
        out->epochs = e;
        out->seconds_total += st.seconds;
        out->train_loss = st.train_loss;
        out->test_loss = st.test_loss;
        out->has_accuracy = st.has_accuracy;
        out->test_accuracy = st.test_accuracy;
        out->test_mse = st.test_mse;
        out->test_mae = st.test_mae;
        if (hooks && hooks->epoch_end && (rc = hooks->epoch_end(hooks->user, &st)))
            return rc;
    }
    return WN_OK;
}

int wn__gpu_train(const wn_dataset *d, const wn_train_config *cfg, int index,
                  const wn_train_hooks *hooks, wn_train_summary *out)
{
    int rc = WN_OK;
    struct wn__cu *cu = NULL;
    struct wn__gpu_info info;
    struct wn__gpu_plan plan;
    wn_split split = {0};
    size_t *order = NULL;
    double *secs = NULL;
    size_t secs_cap = cfg->epochs;
    float *params = NULL;
    size_t widths[WN_MAX_DEPTH];
    uint64_t n_params = 0;

    memset(&info, 0, sizeof info);
    rc = ops->open(index, &info, &cu);
    if (rc != WN_OK)
        return rc;
    size_t inputs = wn_dataset_inputs(d), outputs = wn_dataset_outputs(d);
    wn_task task = wn_dataset_task(d);
    rc = wn_shape_widths(inputs, outputs, cfg->shape, cfg->depth, cfg->size, widths,
                         &n_params);
    if (rc == WN_OK)
        rc = wn_split_make(d, cfg->train_fraction, cfg->seed, &split);
    if (rc != WN_OK)
        goto out;
    size_t n_train = split.n_train, n_test = split.n_test;
    if (n_train < 1 || n_test < 1) {
        rc = wn_seterr(WN_EINVAL, "train: dataset '%s' has %zu rows: the split "
                       "leaves %zu training and %zu test rows (need >= 1 each)",
                       wn_dataset_name(d), wn_dataset_rows(d), n_train, n_test);
        goto out;
    }
    size_t most = n_train > n_test ? n_train : n_test;
    size_t rows = cfg->batch < most ? cfg->batch : most;
    rc = wn__gpu_plan_make(inputs, widths, cfg->depth, wn_shape_is_residual(cfg->shape),
                           rows, wn_dataset_rows(d), n_train, n_test, &plan);
    if (rc != WN_OK)
        goto out;
    order = wn_malloc(n_train * sizeof *order);
    secs = wn_calloc(cfg->epochs, sizeof *secs);
    params = wn_malloc(plan.n_flat * sizeof *params);
    if (!order || !secs || !params) {
        rc = wn_seterr(WN_ENOMEM, "train: out of memory");
        goto out;
    }
    memcpy(order, split.idx, n_train * sizeof *order);
    rc = initial_params(&plan, task, cfg->seed, params);
    if (rc == WN_OK)
        rc = ops->setup(cu, &plan, (int)task, wn_dataset_x(d), wn_dataset_y(d),
                        split.idx + n_train, graphs_allowed());
    if (rc == WN_OK)
        rc = ops->set_params(cu, params, (float)cfg->learning_rate);
    if (rc != WN_OK)
        goto out;
    fill_summary(&plan, cfg, &info, n_params, out);
    rc = run_epochs(cu, cfg, task, order, n_train, n_test, hooks, &secs, &secs_cap,
                    out);
    if (rc == WN_OK && out->epochs) {
        qsort(secs, out->epochs, sizeof secs[0], wn__cmp_double);
        out->seconds_per_epoch_median = wn__quantile_sorted(secs, out->epochs, 0.5);
    }
out:
    wn_free(params);
    wn_free(secs);
    wn_free(order);
    wn_split_free(&split);
    ops->close(&cu);
    return rc;
}
