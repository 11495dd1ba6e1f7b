/*
 * synth.c - synthetic run records with a known truth (see synth.h).  The
 * model tests fit them and check that the truth comes back; the report
 * tests draw them.  Nothing here is ever presented as a measurement: the
 * energy source is "sim".
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <wattnet/core.h>
#include <wattnet/model.h>

#include "core/rng.h"
#include "model/fit.h"
#include "model/model_util.h"
#include "model/synth.h"

/* ---- widths -------------------------------------------------------------- */

static void widths_for(size_t in, size_t out, const char *shape, size_t depth,
                       size_t w0, size_t *w)
{
    for (size_t k = 0; k + 1 < depth; k++) {
        double v = (double)w0;
        if (strcmp(shape, "trapezoid") == 0)
            v = (double)w0 - ((double)w0 - (double)out) / (double)(depth - 1) *
                                 (double)k;
        else if (strcmp(shape, "wide_first_2x") == 0 && k > 0)
            v = (double)w0 / 2.0;
        w[k] = v < 1.0 ? 1 : (size_t)llround(v);
    }
    w[depth - 1] = out;
    (void)in;
}

void wn__synth_widths(size_t inputs, size_t outputs, const char *shape,
                      size_t depth, uint64_t size, size_t *widths)
{
    size_t lo = 1, hi = 1u << 24, best = 1;
    double best_err = INFINITY;
    while (lo <= hi) {
        size_t mid = lo + (hi - lo) / 2;
        widths_for(inputs, outputs, shape, depth, mid, widths);
        double p = (double)wn_params(inputs, widths, depth);
        double err = fabs(p - (double)size);
        if (err < best_err) {
            best_err = err;
            best = mid;
        }
        if (p < (double)size)
            lo = mid + 1;
        else if (mid == 0)
            break;
        else
            hi = mid - 1;
    }
    widths_for(inputs, outputs, shape, depth, best, widths);
}

/* ---- runs ---------------------------------------------------------------- */

static const struct {
    const char *name;
    size_t inputs, outputs, rows;
} DATA[] = {
    {"synth_small", 8, 1, 2000},
    {"synth_mid", 26, 4, 5000},
    {"synth_wide", 126, 3, 10000},
};
static const char *SHAPES[] = {"rectangle", "trapezoid", "wide_first_2x"};
static const size_t DEPTHS[] = {3, 5};
static const size_t BATCHES[] = {64, 256};

void wn__synth_free(wn_run_record **runs, size_t n)
{
    if (runs == NULL || *runs == NULL)
        return;
    for (size_t i = 0; i < n; i++)
        wn_free((*runs)[i].epochs);
    wn_free(*runs);
    *runs = NULL;
}

/* One point of the grid: dataset d, shape s, size 2^(6+2z), depth dp,
 * batch b - the spec and summary of a run trained as `wattnet train`
 * would (its split), without its figures. */
static void describe_run(wn_run_record *r, const wn_hw_profile *hw,
                         size_t d, size_t s, size_t z, size_t dp, size_t b,
                         size_t epochs)
{
    wn_train_config tc;
    wn_train_config_default(&tc);
    uint64_t size = (uint64_t)1 << (6 + 2 * z);
    snprintf(r->spec.dataset, sizeof r->spec.dataset, "synthetic:%s",
             DATA[d].name);
    snprintf(r->spec.train.shape, sizeof r->spec.train.shape, "%s", SHAPES[s]);
    r->spec.train.depth = DEPTHS[dp];
    r->spec.train.size = size;
    r->spec.train.epochs = epochs;
    r->spec.train.batch = BATCHES[b];
    r->spec.train.learning_rate = 1e-4;
    r->spec.train.seed = 1;
    r->spec.train.threads = 1;
    snprintf(r->host, sizeof r->host, "%s", hw->name);
    snprintf(r->dataset_name, sizeof r->dataset_name, "%s", DATA[d].name);
    snprintf(r->data_source, sizeof r->data_source, "synthetic");
    snprintf(r->task, sizeof r->task, "multiclass");
    r->inputs = DATA[d].inputs;
    r->outputs = DATA[d].outputs;
    wn_train_summary *sm = &r->summary;
    sm->depth = DEPTHS[dp];
    wn__synth_widths(r->inputs, r->outputs, SHAPES[s], sm->depth, size,
                     sm->widths);
    sm->params = wn_params(r->inputs, sm->widths, sm->depth);
    sm->epochs = epochs;
    sm->train_rows = wn_split_train_rows(DATA[d].rows, tc.train_fraction);
    sm->test_rows = DATA[d].rows - sm->train_rows;
    sm->batches_per_epoch = (sm->train_rows + BATCHES[b] - 1) / BATCHES[b];
    sm->threads = 1;
}

/* The run's epochs and totals for a true target per datum `truth`, with
 * the options' noise (the order of the draws is part of the seed's
 * meaning: tests depend on it). */
static int fill_figures(wn_run_record *r, const wn_synth_opts *o,
                        size_t epochs, double truth, wn_rng *rng)
{
    wn_train_summary *sm = &r->summary;
    double data_per_epoch = (double)sm->batches_per_epoch *
                            (double)r->spec.train.batch;
    r->epochs = wn_calloc(epochs, sizeof *r->epochs);
    if (r->epochs == NULL)
        return wn_seterr(WN_ENOMEM, "synth.c:%d: out of memory", __LINE__);
    r->n_epochs = epochs;
    double tot_s = 0.0;
    double rate = 0.15 * log2((double)r->spec.train.size) / 10.0;
    /* one noise draw for the run's figure keeps CV noise = sigma */
    double run_y = truth * exp(o->noise_sigma * wn__rng_normal(rng));
    for (size_t e = 0; e < epochs; e++) {
        wn_epoch_record *er = &r->epochs[e];
        double per_datum = truth * exp(o->noise_sigma * wn__rng_normal(rng));
        /* time only: the fastest epoch (the target) is the run's figure;
         * the others are slower by contention */
        double sec = o->energy
                         ? per_datum * data_per_epoch / 150.0
                         : run_y * data_per_epoch *
                               (e + 1 == epochs
                                    ? 1.0
                                    : exp(fabs(o->noise_sigma *
                                               wn__rng_normal(rng))));
        er->stats.epoch = e + 1;
        er->stats.test_loss = 1.0 * exp(-rate * (double)(e + 1)) +
                              0.02 * wn__rng_uniform(rng);
        er->stats.train_loss = er->stats.test_loss * 0.95;
        er->stats.seconds = sec;
        if (o->energy) {
            er->energy.measured = 1;
            wn_energy_set_source(&er->energy, WN_ENERGY_SIM);
            er->energy.seconds = sec;
            er->energy.energy_j = per_datum * data_per_epoch;
            er->energy.avg_power_w = er->energy.energy_j / sec;
        }
        tot_s += sec;
    }
    sm->seconds_total = tot_s;
    sm->seconds_per_epoch_median = tot_s / (double)epochs;
    sm->test_loss = r->epochs[epochs - 1].stats.test_loss;
    if (o->energy) {
        r->energy.measured = 1;
        wn_energy_set_source(&r->energy, WN_ENERGY_SIM);
        r->energy.energy_j = run_y * data_per_epoch * (double)epochs;
        r->energy.seconds = tot_s;
        r->energy.avg_power_w = r->energy.energy_j / tot_s;
        r->has_jpd = 1;
        r->joules_per_datum = run_y;
    }
    return WN_OK;
}

int wn__synth_runs(const wn_hw_profile *hw, const wn_synth_opts *o,
                   wn_run_record **runs_out, size_t *n_out)
{
    int rc = WN_OK;
    size_t n = 0;
    size_t n_sizes = o->n_sizes ? o->n_sizes : 7;
    size_t epochs = o->epochs ? o->epochs : 4;
    size_t total = 3 * 3 * n_sizes * 2 * 2;
    wn_rng rng;
    wn__rng_seed(&rng, o->seed);
    *runs_out = NULL;
    *n_out = 0;
    wn_run_record *runs = wn_calloc(total, sizeof *runs);
    if (runs == NULL) {
        rc = wn_seterr(WN_ENOMEM, "synth.c:%d: out of memory", __LINE__);
        goto out;
    }
    size_t nc = wn__model_columns(o->kind, hw, o->energy ? "J" : "s", NULL);
    for (size_t d = 0; d < 3; d++)
    for (size_t s = 0; s < 3; s++)
    for (size_t z = 0; z < n_sizes; z++)
    for (size_t dp = 0; dp < 2; dp++)
    for (size_t b = 0; b < 2; b++) {
        wn_run_record *r = &runs[n];
        wn_features f;
        double row[WN_MODEL_MAX_COEFS];
        r->run_id = (int64_t)n + 1;
        describe_run(r, hw, d, s, z, dp, b, epochs);
        if ((rc = wn_features_of_run(r, hw, &f)) != WN_OK)
            goto out;
        r->summary.flops_per_epoch = f.flops_per_datum * f.batches_per_epoch *
                                     (double)BATCHES[b];
        wn__model_row(o->kind, &f, hw->n_levels + 1, row);
        double truth = wn__dot(row, o->coefs, nc);
        n++;
        if ((rc = fill_figures(r, o, epochs, truth, &rng)) != WN_OK)
            goto out;
        r->start_time = 1.7e9 + (double)n * 100.0;
        r->end_time = r->start_time + r->summary.seconds_total;
    }
    *runs_out = runs;
    *n_out = n;
    runs = NULL;
out:
    wn__synth_free(&runs, n);
    return rc;
}
