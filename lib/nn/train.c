/*
 * train.c - wn_train(): one training run of a BUTTER MLP on a dataset
 * (SPEC section 4), the experiment read top to bottom:
 *
 *   widths  <- wn_shape_widths(inputs, outputs, shape, depth, size)
 *   split   <- wn_split_make(d, train_fraction, seed)      (80/20, seeded)
 *   net     <- Glorot-uniform weights, zero biases           (seed)
 *   for each epoch:
 *       shuffle the training rows                   (seeded, every epoch)
 *       for each batch of <= B rows: gather rows -> forward -> loss and
 *           dL/dlogits -> backward -> Adam
 *       for each test batch: forward -> loss, accuracy, MSE/MAE
 *
 * Everything is allocated before the first epoch (the net's three blocks,
 * the oneDNN plans for the full, last-train and last-test batch sizes, the
 * index array, the packed inputs of rows.c for one-hot data, otherwise a
 * contiguous copy of the test rows in split order so the test pass reads
 * them in place): the loop itself allocates nothing.  Random streams: the
 * split uses seed (in wn_split_make), the weights a generator seeded with
 * seed, the shuffles one seeded with seed ^ SHUFFLE_SALT.  With the same
 * seed and thread count the result is bit-identical (oneDNN's matmul is
 * deterministic for a fixed thread count; every reduction here is serial).
 *
 * Threads: oneDNN here runs on OpenMP, so the count is set with
 * omp_set_num_threads() for this thread and restored on return.
 */
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <wattnet/core.h>
#include <wattnet/data.h>
#include <wattnet/shape.h>
#include <wattnet/cpus.h>
#include <wattnet/train.h>

#include "core/rng.h"
#include "nn/epoch_quality.h"
#include "nn/gpu.h"
#include "nn/net.h"
#include "nn/train_extend.h"
#include "core/util.h"

#define SHUFFLE_SALT 0x53485546464c4531ULL   /* "SHUFFLE1" */

void wn_train_config_default(wn_train_config *c)
{
    memset(c, 0, sizeof *c);
    snprintf(c->shape, sizeof c->shape, "rectangle");
    c->depth = 3;
    c->size = 1024;
    c->epochs = 10;
    c->batch = 256;
    c->learning_rate = 1e-4;
    c->seed = 1;
    c->threads = 0;
    c->train_fraction = 0.8;
}

/* ---- Helpers ------------------------------------------------------------ */

static double median(double *v, size_t n)
{
    if (n == 0)
        return 0.0;
    qsort(v, n, sizeof v[0], wn__cmp_double);
    return wn__quantile_sorted(v, n, 0.5);
}

static int check_config(const wn_train_config *cfg)
{
    if (!cfg)
        return wn_seterr(WN_EINVAL, "train: no configuration");
    if (!wn_shape_valid(cfg->shape))
        return wn_seterr(WN_EINVAL, "train: shape '%s': unknown",
                         cfg->shape);
    if (cfg->depth < 2 || cfg->depth > WN_MAX_DEPTH)
        return wn_seterr(WN_EINVAL, "train: depth %zu: must be 2..%d", cfg->depth,
                         WN_MAX_DEPTH);
    if (cfg->epochs < 1)
        return wn_seterr(WN_EINVAL, "train: epochs must be >= 1");
    if (wn__train_check_min_seconds(cfg) != WN_OK)
        return WN_EINVAL;
    if (cfg->batch < 1)
        return wn_seterr(WN_EINVAL, "train: batch must be >= 1");
    if (!(cfg->learning_rate > 0.0) || !isfinite(cfg->learning_rate))
        return wn_seterr(WN_EINVAL, "train: learning rate %g: must be > 0",
                         cfg->learning_rate);
    if (!(cfg->train_fraction > 0.0 && cfg->train_fraction < 1.0))
        return wn_seterr(WN_EINVAL, "train: train fraction %g: must be in (0, 1)",
                         cfg->train_fraction);
    if (cfg->threads < 0)
        return wn_seterr(WN_EINVAL, "train: threads %d: must be >= 0", cfg->threads);
    return WN_OK;
}

/* The run's count of contended epochs: known once any epoch carries
 * evidence (wn_epoch_contention decides). */
static void count_contention(const wn_epoch_stats *st, int threads,
                             wn_train_summary *out)
{
    unsigned why = wn_epoch_contention(st, threads);
    if (why == WN_CONTENDED_UNKNOWN)
        return;
    out->has_contention = 1;
    if (why != 0)
        out->epochs_contended++;
}

/* ---- One epoch ---------------------------------------------------------- */

static int train_epoch(struct wn__net *net, struct wn__rows *src,
                       const size_t *order, size_t n_train, size_t B,
                       double *loss_out)
{
    int rc = WN_OK;
    size_t L = net->depth, outputs = net->widths[L - 1];
    double loss_sum = 0.0;
    for (size_t s = 0; s < n_train; s += B) {
        size_t rows = n_train - s < B ? n_train - s : B;
        if (src->lut) {   /* layer 0 from the packed bits */
            wn__rows_lut_build(src, net->W[0], net->b[0]);
            wn__rows_gather_h0(src, wn__rows_w0_fits(src) ? NULL : net->x, net->y,
                               net->h[0], order + s, rows);
            rc = wn__net_forward_rest(net, rows);
        } else {
            wn__rows_gather(src, net->x, net->y, order + s, rows);
            rc = wn__net_forward(net, rows);
        }
        if (rc != WN_OK)
            return rc;
        double loss = wn__loss_grad(net->task, net->h[L - 1], net->y, rows,
                                    outputs, net->dz[L - 1]);
        loss_sum += loss * (double)rows;
        if (wn__rows_w0_fits(src)) {
            rc = wn__net_backward_rest(net, rows);
            wn__rows_backward_w0(src, net->dW[0], net->dz[0], order + s, rows);
        } else
            rc = wn__net_backward(net, rows);
        if (rc != WN_OK)
            return rc;
        wn__net_adam(net);
    }
    *loss_out = loss_sum / (double)n_train;
    return WN_OK;
}

/* The test pass.  Packed (one-hot) inputs are expanded batch by batch
 * from the packed rows, which stay in cache; other inputs were copied once,
 * in split order, into Xt (n_test, inputs) and Yt (n_test, outputs), and
 * batches are read in place. */
static int test_epoch(struct wn__net *net, struct wn__rows *src,
                      const size_t *test_idx, const float *Xt, const float *Yt,
                      size_t n_test, size_t B, wn_epoch_stats *st)
{
    int rc = WN_OK;
    size_t L = net->depth, outputs = net->widths[L - 1];
    struct wn__eval_sums acc = {0};
    if (src->lut)
        wn__rows_lut_build(src, net->W[0], net->b[0]);
    for (size_t s = 0; s < n_test; s += B) {
        size_t rows = n_test - s < B ? n_test - s : B;
        const float *y;
        if (src->lut) {   /* no expanded rows needed */
            wn__rows_gather_h0(src, NULL, net->y, net->h[0], test_idx + s, rows);
            rc = wn__net_forward_rest(net, rows);
            y = net->y;
        } else if (src->bits) {
            wn__rows_gather(src, net->x, net->y, test_idx + s, rows);
            rc = wn__net_forward(net, rows);
            y = net->y;
        } else {
            rc = wn__net_forward_from(net, Xt + s * net->inputs, rows);
            y = Yt + s * outputs;
        }
        if (rc != WN_OK)
            return rc;
        wn__loss_eval(net->task, net->h[L - 1], y, rows, outputs, net->dz[L - 1], &acc);
    }
    double n = (double)n_test;
    st->test_loss = acc.loss / n;
    st->has_accuracy = net->task != WN_TASK_REGRESSION;
    st->test_accuracy = st->has_accuracy ? acc.correct / n : 0.0;
    st->test_mse = st->has_accuracy ? 0.0 : acc.se / n;
    st->test_mae = st->has_accuracy ? 0.0 : acc.ae / n;
    return WN_OK;
}

/* ---- The run ------------------------------------------------------------ */

/* What one training run holds, set up by trainer_setup, freed by
 * trainer_free (llm.c's model struct: every buffer owned in one place). */
struct trainer {
    struct wn__net *net;
    wn_split split;
    size_t n_train, n_test, inputs, outputs;
    size_t batch;                 /* the batch used: <= n_train */
    int threads;
    size_t widths[WN_MAX_DEPTH];
    uint64_t params;
    size_t *order;                /* (n_train) this epoch's row order */
    double *secs;                 /* (secs_cap) seconds of each epoch */
    size_t secs_cap;
    float *test_x, *test_y;       /* (n_test, inputs), (n_test, outputs)
                                     when rows are not packed bits */
    struct wn__rows src;
    wn_rng shuffler;
};

/* Every primitive the loop will need, before the loop, each run once:
 * oneDNN's gemm kernels are generated at their first execution (~30 ms),
 * which would otherwise land in epoch 1.  The warm-up runs on the zeroed
 * buffers and never touches the parameters or Adam's state, whose
 * gradients every real step overwrites, so the run is unchanged. */
static int warm_up(struct wn__net *net, size_t n_train, size_t n_test, size_t B)
{
    size_t sizes[4] = {n_train < B ? n_train : B, n_train % B,
                       n_test < B ? n_test : B, n_test % B};
    int rc = WN_OK;
    for (size_t i = 0; i < 4 && rc == WN_OK; i++) {
        if (!sizes[i])
            continue;
        int backward = i < 2;
        rc = wn__net_prepare(net, sizes[i], backward);
        if (rc == WN_OK)
            rc = wn__net_forward(net, sizes[i]);
        if (rc == WN_OK && backward)
            rc = wn__net_backward(net, sizes[i]);
    }
    return rc;
}

/* The split, the thread count and the batch actually used, and the
 * network, initialised and warmed up. */
static int setup_net(struct trainer *t, const wn_dataset *d,
                     const wn_train_config *cfg)
{
    int rc = wn_split_make(d, cfg->train_fraction, cfg->seed, &t->split);
    if (rc != WN_OK)
        return rc;
    t->n_train = t->split.n_train;
    t->n_test = t->split.n_test;
    if (t->n_train < 1 || t->n_test < 1)
        return wn_seterr(WN_EINVAL, "train: dataset '%s' has %zu rows: the split "
                         "leaves %zu training and %zu test rows (need >= 1 each)",
                         wn_dataset_name(d), wn_dataset_rows(d), t->n_train,
                         t->n_test);
    t->threads = cfg->threads > 0 ? cfg->threads : wn_cpus_usable();
    omp_set_num_threads(t->threads);
    /* A batch larger than the data is the whole training set: count (and
     * record) what was trained, not what was asked (issue 9 item 19). */
    t->batch = cfg->batch < t->n_train ? cfg->batch : t->n_train;
    size_t most = t->n_train > t->n_test ? t->n_train : t->n_test;
    size_t net_rows = t->batch < most ? t->batch : most;
    rc = wn__net_create(t->inputs, t->widths, cfg->depth,
                        wn_shape_is_residual(cfg->shape), wn_dataset_task(d),
                        net_rows, WN__NN_DNNL, &t->net);
    if (rc != WN_OK)
        return rc;
    t->net->lr = (float)cfg->learning_rate;
    wn__net_init(t->net, cfg->seed);
    return warm_up(t->net, t->n_train, t->n_test, t->batch);
}

/* The row order, the epoch times, the rows (packed bits or floats) and,
 * for float rows, the test rows gathered once. */
static int setup_rows(struct trainer *t, const wn_dataset *d,
                      const wn_train_config *cfg)
{
    const float *X = wn_dataset_x(d), *Y = wn_dataset_y(d);
    t->secs_cap = cfg->epochs;
    t->order = wn_malloc(t->n_train * sizeof *t->order);
    t->secs = wn_calloc(cfg->epochs, sizeof *t->secs);   /* overflow-checked */
    if (!t->order || !t->secs)
        return wn_seterr(WN_ENOMEM, "train: out of memory");
    memcpy(t->order, t->split.idx, t->n_train * sizeof *t->order);
    int rc = wn__rows_make(&t->src, X, Y, wn_dataset_rows(d), t->inputs, t->outputs);
    if (rc == WN_OK && t->net->backend == WN__NN_DNNL &&
        wn__rows_lut_fits(&t->src, t->widths[0]))
        rc = wn__rows_lut_make(&t->src, t->widths[0]);
    if (rc != WN_OK || t->src.bits)
        return rc;
    t->test_x = wn_malloc_aligned(t->n_test * t->inputs * sizeof(float));
    t->test_y = wn_malloc_aligned(t->n_test * t->outputs * sizeof(float));
    if (!t->test_x || !t->test_y)
        return wn_seterr(WN_ENOMEM, "train: out of memory for the test rows");
    wn__k_gather(t->test_x, t->test_y, X, Y, t->split.idx + t->n_train, t->n_test,
                 t->inputs, t->outputs);
    return WN_OK;
}

static void trainer_free(struct trainer *t)
{
    wn_free(t->secs);
    wn_free(t->order);
    wn_free_aligned(t->test_x);
    wn_free_aligned(t->test_y);
    wn__rows_free(&t->src);
    wn__net_free(&t->net);
    wn_split_free(&t->split);
}

/* What the summary says before the first epoch. */
static void summary_begin(const struct trainer *t, const wn_train_config *cfg,
                          wn_train_summary *out)
{
    out->depth = cfg->depth;
    memcpy(out->widths, t->widths, cfg->depth * sizeof t->widths[0]);
    out->params = t->params;
    out->train_rows = t->n_train;
    out->test_rows = t->n_test;
    out->batches_per_epoch = (t->n_train + t->batch - 1) / t->batch;
    out->batch = t->batch;
    out->threads = t->threads;
    out->flops_per_epoch = wn_flops_epoch(t->batch, t->inputs, t->widths,
                                          cfg->depth, t->n_train, t->n_test);
    out->epochs_requested = cfg->epochs;
}

/* Epoch ST done: into the summary. */
static void summary_epoch(const struct trainer *t, const wn_epoch_stats *st,
                          wn_train_summary *out)
{
    t->secs[st->epoch - 1] = st->seconds;
    out->epochs = st->epoch;
    out->seconds_total += st->seconds;
    out->train_loss = st->train_loss;
    out->test_loss = st->test_loss;
    out->has_accuracy = st->has_accuracy;
    out->test_accuracy = st->test_accuracy;
    out->test_mse = st->test_mse;
    out->test_mae = st->test_mae;
    count_contention(st, t->threads, out);
}

/* One epoch: shuffle, train, test, timed, with its CPU-time evidence. */
static int run_epoch(struct trainer *t, size_t e, wn_epoch_stats *st)
{
    struct wn__proc_sample q0, q1;
    memset(st, 0, sizeof *st);
    st->epoch = e;
    wn__proc_sample_take(&q0);
    double t0 = wn__now_s();
    wn__rows_shuffle(&t->shuffler, t->order, t->n_train);
    int rc = train_epoch(t->net, &t->src, t->order, t->n_train, t->batch,
                         &st->train_loss);
    if (rc == WN_OK)
        rc = test_epoch(t->net, &t->src, t->split.idx + t->n_train, t->test_x,
                        t->test_y, t->n_test, t->batch, st);
    if (rc != WN_OK)
        return rc;
    st->seconds = wn__now_s() - t0;
    wn__proc_sample_take(&q1);
    wn__epoch_quality_fill(st, &q0, &q1);
    if (!isfinite(st->train_loss) || !isfinite(st->test_loss))
        return wn_seterr(WN_ENUMERIC, "train: epoch %zu: loss is not finite "
                         "(train %g, test %g)", e, st->train_loss, st->test_loss);
    return WN_OK;
}

/* The epochs asked for, and more while the window is shorter than
 * cfg->min_seconds (train_extend.c), with the hooks around each. */
static int epochs_loop(struct trainer *t, const wn_train_config *cfg,
                       const wn_train_hooks *hooks, wn_train_summary *out)
{
    double t_first = wn__now_s();
    for (size_t e = 1; wn__train_want_epoch(cfg, e, wn__now_s() - t_first); e++) {
        wn_epoch_stats st;
        int rc = wn__train_secs_room(&t->secs, &t->secs_cap, e);
        if (rc != WN_OK)
            return rc;
        out->extended = e > cfg->epochs;
        if (hooks && hooks->epoch_begin &&
            (rc = hooks->epoch_begin(hooks->user, e)) != WN_OK)
            return rc;
        if ((rc = run_epoch(t, e, &st)) != WN_OK)
            return rc;
        summary_epoch(t, &st, out);
        if (hooks && hooks->epoch_end &&
            (rc = hooks->epoch_end(hooks->user, &st)) != WN_OK)
            return rc;
    }
    out->seconds_per_epoch_median = median(t->secs, out->epochs);
    return WN_OK;
}

int wn_train(const wn_dataset *d, const wn_train_config *cfg,
             const wn_train_hooks *hooks, wn_train_summary *out)
{
    struct trainer t;
    memset(&t, 0, sizeof t);
    if (!out)
        return wn_seterr(WN_EINVAL, "train: no summary to fill");
    memset(out, 0, sizeof *out);
    if (!d)
        return wn_seterr(WN_EINVAL, "train: no dataset");
    int rc = check_config(cfg);
    if (rc != WN_OK)
        return rc;
    struct wn__device dev;
    if ((rc = wn__device_parse(cfg->device, &dev)) != WN_OK)
        return rc;
    if (dev.kind == WN__DEV_CUDA)
        return wn__gpu_train(d, cfg, dev.index, hooks, out);   /* gpu_train.c */
    snprintf(out->device, sizeof out->device, "cpu");
    t.inputs = wn_dataset_inputs(d);
    t.outputs = wn_dataset_outputs(d);
    rc = wn_shape_widths(t.inputs, t.outputs, cfg->shape, cfg->depth, cfg->size,
                         t.widths, &t.params);
    if (rc != WN_OK)
        return rc;
    int prev_threads = omp_get_max_threads();
    if ((rc = setup_net(&t, d, cfg)) == WN_OK &&
        (rc = setup_rows(&t, d, cfg)) == WN_OK) {
        wn__rng_seed(&t.shuffler, cfg->seed ^ SHUFFLE_SALT);
        summary_begin(&t, cfg, out);
        rc = epochs_loop(&t, cfg, hooks, out);
    }
    omp_set_num_threads(prev_threads);
    trainer_free(&t);
    return rc;
}
