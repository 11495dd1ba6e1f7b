/*
 * advise_runs.c - glue between stored run records and the advise ranking:
 * groups a dataset's runs into configurations (shape, depth, size) with a
 * mean per-epoch curve and a cost per epoch, and predicts untried sizes
 * with an energy model (features from lib/model, widths from lib/nn).
 *
 * Cost per epoch of a run: its target per training datum (wn_run_target:
 * measured joules per datum, or the fastest epoch's seconds per datum) x
 * the data of one epoch (batches x batch).  The same quantity the model
 * predicts, so predicted and tried sizes compare.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <wattnet/core.h>
#include <wattnet/advise.h>
#include "core/util.h"

static const char *run_dataset(const wn_run_record *r)
{
    return r->dataset_name[0] ? r->dataset_name : r->spec.dataset;
}

static double data_per_epoch(const wn_run_record *r)
{
    return (double)r->summary.batches_per_epoch * (double)r->spec.train.batch;
}

static double metric_at(const wn_run_record *r, size_t e, wn_advise_metric m)
{
    const wn_epoch_stats *s = &r->epochs[e].stats;
    if (m == WN_ADVISE_ACCURACY)
        return s->has_accuracy ? s->test_accuracy : NAN;
    return s->test_loss;
}


static int same_config(const wn_run_record *a, const wn_advise_config *c)
{
    return !strcmp(a->spec.train.shape, c->shape) && a->spec.train.depth == c->depth &&
           a->spec.train.size == c->size;
}

/* Cost per epoch of one run in TARGET units, or NAN. */
static double run_cost(const wn_run_record *r, const char *target)
{
    double y;
    if (!wn_run_target(r, target, &y) || !(data_per_epoch(r) > 0))
        return NAN;
    return y * data_per_epoch(r);
}

/* Fill config C from the runs idx[0..k) (same configuration). */
static int fill_config(const wn_run_record *runs, const size_t *idx, size_t k,
                       const char *target, wn_advise_metric metric,
                       const wn_hw_profile *hw, wn_advise_config *c)
{
    const wn_run_record *r0 = &runs[idx[0]];
    size_t ne = r0->n_epochs;
    for (size_t j = 1; j < k; j++)
        if (runs[idx[j]].n_epochs < ne)
            ne = runs[idx[j]].n_epochs;
    double *curve = wn_calloc(ne ? ne : 1, sizeof *curve);
    double *costs = wn_calloc(k, sizeof *costs);
    if (!curve || !costs) {
        wn_free(curve);
        wn_free(costs);
        return wn_seterr(WN_ENOMEM, "advise: out of memory");
    }
    for (size_t e = 0; e < ne; e++) {
        double sum = 0.0;
        for (size_t j = 0; j < k; j++)
            sum += metric_at(&runs[idx[j]], e, metric);
        curve[e] = sum / (double)k;
    }
    size_t nc = 0;
    for (size_t j = 0; j < k; j++) {
        double v = run_cost(&runs[idx[j]], target);
        if (isfinite(v))
            costs[nc++] = v;
    }
    qsort(costs, nc, sizeof *costs, wn__cmp_double);
    c->cost_per_epoch = nc == 0 ? NAN
                        : nc % 2 ? costs[nc / 2]
                                 : 0.5 * (costs[nc / 2 - 1] + costs[nc / 2]);
    wn_free(costs);
    snprintf(c->shape, sizeof c->shape, "%s", r0->spec.train.shape);
    c->depth = r0->spec.train.depth;
    c->size = r0->spec.train.size;
    c->params = r0->summary.params;
    c->n_epochs = ne;
    c->metric = curve;
    c->n_runs = k;
    wn_features f;
    if (hw && wn_features_of_run(r0, hw, &f) == WN_OK)
        c->working_set_bytes = f.ws_step;
    wn_clearerr();
    return WN_OK;
}

/* Energy when every configuration has a measured cost, else time. */
static const char *choose_by(const wn_run_record *runs, const size_t *idx,
                             size_t k, const char *by, char *note, size_t cap)
{
    size_t missing = 0;
    for (size_t j = 0; j < k; j++)
        if (!isfinite(run_cost(&runs[idx[j]], WN_TARGET_ENERGY)))
            missing++;
    if (by && !strcmp(by, "time"))
        return "time";
    if (missing == 0)
        return "energy";
    snprintf(note, cap, "%zu of %zu runs have no measured energy (no working "
             "meter, or only an estimate), so the cost is time, not energy",
             missing, k);
    return "time";
}

int wn_advise_from_runs(const wn_run_record *runs, size_t n,
                        const char *dataset, const char *by,
                        wn_advise_metric metric, const wn_hw_profile *hw,
                        wn_advise_input *out)
{
    int rc = WN_OK;
    size_t *idx = NULL, *grp = NULL, k = 0;
    if (!out)
        return wn_seterr(WN_EINVAL, "advise: NULL argument");
    memset(out, 0, sizeof *out);
    if ((!runs && n) || !dataset)
        return wn_seterr(WN_EINVAL, "advise: NULL argument");
    idx = wn_calloc(n ? n : 1, sizeof *idx);
    grp = wn_calloc(n ? n : 1, sizeof *grp);
    out->configs = wn_calloc(n ? n : 1, sizeof *out->configs);
    if (!idx || !grp || !out->configs) {
        rc = wn_seterr(WN_ENOMEM, "advise: out of memory");
        goto out;
    }
    for (size_t i = 0; i < n; i++)
        if (runs[i].n_epochs > 0 && runs[i].epochs &&
            (!strcmp(run_dataset(&runs[i]), dataset) ||
             !strcmp(runs[i].spec.dataset, dataset))) {
            idx[k++] = i;
            out->n_real_file += !strcmp(runs[i].data_source, "file");
        }
    if (out->n_real_file > 0 && out->n_real_file < k) {
        /* never average the real data with its stand-in: keep the real */
        size_t m = 0;
        for (size_t j = 0; j < k; j++)
            if (!strcmp(runs[idx[j]].data_source, "file"))
                idx[m++] = idx[j];
        snprintf(out->data_note, sizeof out->data_note, "%zu runs on the "
                 "synthetic stand-in left out; only the %zu on the real file "
                 "are used", k - m, m);
        k = m;
    }
    out->n_runs = k;
    if (k == 0) {
        rc = wn_seterr(WN_ENOENT, "advise: no stored run of '%s' has "
                       "per-epoch records", dataset);
        goto out;
    }
    out->by = choose_by(runs, idx, k, by, out->note, sizeof out->note);
    const char *target = strcmp(out->by, "energy") ? WN_TARGET_TIME
                                                   : WN_TARGET_ENERGY;
    /* group: for each run not yet in a config, collect its configuration */
    int *used = wn_calloc(k, sizeof *used);
    if (!used) {
        rc = wn_seterr(WN_ENOMEM, "advise: out of memory");
        goto out;
    }
    for (size_t a = 0; a < k && rc == WN_OK; a++) {
        if (used[a])
            continue;
        wn_advise_config probe;
        memset(&probe, 0, sizeof probe);
        snprintf(probe.shape, sizeof probe.shape, "%s", runs[idx[a]].spec.train.shape);
        probe.depth = runs[idx[a]].spec.train.depth;
        probe.size = runs[idx[a]].spec.train.size;
        size_t m = 0;
        for (size_t b = a; b < k; b++)
            if (!used[b] && same_config(&runs[idx[b]], &probe)) {
                used[b] = 1;
                grp[m++] = idx[b];
            }
        rc = fill_config(runs, grp, m, target, metric, hw,
                         &out->configs[out->n]);
        if (rc == WN_OK)
            out->n++;
    }
    wn_free(used);
out:
    wn_free(idx);
    wn_free(grp);
    if (rc != WN_OK)
        wn_advise_input_clear(out);
    return rc;
}

void wn_advise_input_clear(wn_advise_input *in)
{
    if (!in)
        return;
    for (size_t i = 0; in->configs && i < in->n; i++)
        wn_free((void *)in->configs[i].metric);
    wn_free(in->configs);
    memset(in, 0, sizeof *in);
}
