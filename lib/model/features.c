/*
 * features.c - what the models see of a training run: FLOPs per training
 * datum (SPEC section 5), working sets, the study's greedy placement of
 * those sets into the cache levels, and wattnet's own placement (shares of
 * the per-step set held by each level, traffic per datum from each level,
 * and FLOPs by the level holding each layer).
 *
 * "Per training datum" divides by batches_per_epoch x B, as the study's
 * joules per datum does, so the test pass is part of each datum's cost.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <wattnet/core.h>
#include <wattnet/model.h>

/* ---- placement helpers --------------------------------------------------- */

/* Shares of a set of W bytes held by each level: level l holds
 * min(1, C_l / W) - min(1, C_{l-1} / W); memory holds the rest. */
static void level_shares(const wn_hw_profile *hw, int threads, double W,
                         double *share, int n_levels)
{
    double below = 0.0;
    for (int l = 0; l < n_levels - 1; l++) {
        double c = wn_hw_capacity(hw, l, threads);
        double held = W > 0.0 ? fmin(1.0, c / W) : 1.0;
        if (held < below)
            held = below;
        share[l] = held - below;
        below = held;
    }
    share[n_levels - 1] = 1.0 - below;
}

/* The study's greedy placement: the items in order fill L1, then L2, then
 * L3, then memory; an item may straddle two levels. */
static void greedy_place(const wn_hw_profile *hw, int threads,
                         const double *items, int n_items, double *bytes,
                         int n_levels)
{
    int l = 0;
    double room = n_levels > 1 ? wn_hw_capacity(hw, 0, threads) : INFINITY;
    for (int i = 0; i < n_items; i++) {
        double left = items[i];
        while (left > 0.0) {
            if (l == n_levels - 1) {
                bytes[l] += left;
                break;
            }
            double put = fmin(left, room);
            bytes[l] += put;
            left -= put;
            room -= put;
            if (room <= 0.0) {
                l++;
                room = l < n_levels - 1 ? wn_hw_capacity(hw, l, threads)
                                        : INFINITY;
            }
        }
    }
}

/* ---- public -------------------------------------------------------------- */

/* FLOPs per datum of each layer, placed by the level holding that layer's
 * own set, scaled so they sum to the epoch's FLOPs per datum (the test
 * pass included). */
static void flops_by_level(const wn_net_desc *net, const wn_hw_profile *hw,
                           int threads, wn_features *out)
{
    const double B = (double)net->batch;
    const int nl = out->n_levels;
    double total_layer_flops = 0.0;
    for (size_t k = 0; k < net->depth; k++) {
        double fan_in = (double)(k == 0 ? net->inputs : net->widths[k - 1]);
        double w = (double)net->widths[k];
        double lp = (fan_in + 1.0) * w;
        double lf = (fan_in * w + w) + (2.0 * w + fan_in * w +
                     (k > 0 ? fan_in * w : 0.0)) + lp * (1.0 + B) / B;
        double set = 16.0 * lp + 4.0 * B * (fan_in + w);
        double share[WN_FEAT_LEVELS];
        level_shares(hw, threads, set, share, nl);
        for (int l = 0; l < nl; l++)
            out->flops_by_level[l] += lf * share[l];
        total_layer_flops += lf;
    }
    /* the test pass: scale to the epoch's FLOPs per datum */
    if (total_layer_flops > 0.0) {
        double scale = out->flops_per_datum / total_layer_flops;
        for (int l = 0; l < nl; l++)
            out->flops_by_level[l] *= scale;
    }
}

int wn_features_compute(const wn_net_desc *net, const wn_hw_profile *hw,
                        wn_features *out)
{
    if (net == NULL || hw == NULL || out == NULL || net->widths == NULL)
        return wn_seterr(WN_EINVAL, "features.c:%d: NULL argument", __LINE__);
    if (net->batch == 0 || net->depth == 0 || net->inputs == 0 ||
        net->train_rows == 0)
        return wn_seterr(WN_EINVAL, "features.c:%d: batch, depth, inputs and "
                         "training rows must be positive", __LINE__);
    if (hw->n_levels < 0 || hw->n_levels > WN_HW_MAX_LEVELS)
        return wn_seterr(WN_EINVAL, "features.c:%d: profile has %d cache "
                         "levels", __LINE__, hw->n_levels);
    /* the batch the trainer really uses: at most the training rows, so a
     * huge --batch predicts what it would train (issue 9 item 19) */
    wn_net_desc clamped = *net;
    if (clamped.batch > clamped.train_rows)
        clamped.batch = clamped.train_rows;
    net = &clamped;
    memset(out, 0, sizeof *out);
    const double B = (double)net->batch;
    const int threads = net->threads > 0 ? net->threads : 1;
    const int nl = hw->n_levels + 1;
    out->n_levels = nl;
    out->depth = net->depth;
    out->batch = net->batch;
    out->threads = threads;

    double fwd = 0.0, bwd = 0.0, sum_io = 0.0, sum_w = 0.0;
    uint64_t params = 0;
    for (size_t k = 0; k < net->depth; k++) {
        double fan_in = (double)(k == 0 ? net->inputs : net->widths[k - 1]);
        double w = (double)net->widths[k];
        if (w <= 0.0)
            return wn_seterr(WN_EINVAL, "features.c:%d: layer %zu has width 0",
                             __LINE__, k);
        params += (uint64_t)(fan_in + 1.0) * (uint64_t)w;
        fwd += fan_in * w + w;
        bwd += 2.0 * w + fan_in * w + (k > 0 ? fan_in * w : 0.0);
        sum_io += fan_in + w;
        sum_w += w;
    }
    const double P = (double)params;
    out->params = params;
    double batches = ceil((double)net->train_rows / B);
    double test_batches = ceil((double)net->test_rows / B);
    out->batches_per_epoch = batches;
    /* per batch: fwd * B, bwd * B + P (1 + B) */
    double epoch = batches * (fwd * B + bwd * B + P * (1.0 + B)) +
                   test_batches * fwd * B;
    double denom = batches * B;
    out->flops_fwd = fwd;
    out->flops_bwd = bwd;
    out->flops_opt = P * (1.0 + B) / B;
    out->flops_per_datum = epoch / denom;

    out->ws_activations = 4.0 * B * sum_io;
    out->ws_params = 4.0 * P;
    out->ws_backward = 8.0 * P + 4.0 * B * sum_w;
    out->ws_optimizer = 12.0 * P;
    out->ws_dataset = (double)(net->train_rows + net->test_rows) *
                      (double)(net->inputs + net->outputs) * 4.0;
    out->ws_step = out->ws_activations + out->ws_params + out->ws_optimizer;

    double items[4] = {out->ws_activations, out->ws_params, out->ws_backward,
                       out->ws_dataset};
    greedy_place(hw, threads, items, 4, out->greedy_bytes, nl);

    level_shares(hw, threads, out->ws_step, out->level_share, nl);
    out->traffic_per_datum = 12.0 * sum_io + 40.0 * P / B;
    for (int l = 0; l < nl; l++)
        out->traffic_bytes[l] = out->traffic_per_datum * out->level_share[l];

    flops_by_level(net, hw, threads, out);
    return WN_OK;
}

int wn_features_of_run(const wn_run_record *run, const wn_hw_profile *hw,
                       wn_features *out)
{
    if (run == NULL)
        return wn_seterr(WN_EINVAL, "features.c:%d: NULL run", __LINE__);
    const wn_train_summary *s = &run->summary;
    if (s->depth == 0 || s->depth > WN_MAX_DEPTH)
        return wn_seterr(WN_EINVAL, "run %lld: summary has depth %zu",
                         (long long)run->run_id, s->depth);
    wn_net_desc net = {
        .inputs = run->inputs,
        .outputs = run->outputs,
        .depth = s->depth,
        .widths = s->widths,
        .batch = run->spec.train.batch,
        .train_rows = s->train_rows,
        .test_rows = s->test_rows,
        .threads = s->threads > 0 ? s->threads : run->spec.train.threads,
    };
    int rc = wn_features_compute(&net, hw, out);
    if (rc != WN_OK) {
        char msg[256];
        snprintf(msg, sizeof msg, "%s", wn_errmsg());
        return wn_seterr(rc, "run %lld: %s", (long long)run->run_id, msg);
    }
    return WN_OK;
}
