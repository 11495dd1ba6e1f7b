/*
 * advise.c - the ranking behind `wattnet advise` (a leaf: plain per-epoch
 * curves and costs in, a ranking out).
 *
 * Epochs to target: epoch k (1-based) has value metric[k-1].  The first
 * epoch k whose value reaches the target gives k when k == 1 (nothing is
 * recorded before the first epoch), else the linear interpolation between
 * epochs k-1 and k:  (k-1) + (v[k-2] - T) / (v[k-2] - v[k-1])  (for
 * accuracy with the signs turned).  Cost to target = cost per epoch x that.
 * Reaching configurations are ranked by cost (ties: fewer parameters, then
 * input order); the median and the smallest reaching network are the
 * references for the savings.  Without a target, the target is the median
 * of the configurations' best values (the lower median for losses, the
 * upper for accuracies), so at least half of them reach it.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <wattnet/core.h>
#include <wattnet/advise.h>
#include "core/util.h"

/* ---- one curve --------------------------------------------------------------- */

static int reaches(double v, double target, int higher)
{
    return isfinite(v) && (higher ? v >= target : v <= target);
}

double wn_advise_epochs_to(const double *metric, size_t n, double target,
                           int higher)
{
    if (!metric)
        return 0.0;
    for (size_t k = 0; k < n; k++) {
        if (!reaches(metric[k], target, higher))
            continue;
        if (k == 0 || !isfinite(metric[k - 1]))
            return (double)(k + 1);
        double prev = metric[k - 1], cur = metric[k];
        double span = prev - cur;
        if (span == 0.0)
            return (double)(k + 1);
        double frac = (prev - target) / span;   /* in (0, 1] */
        return (double)k + fmin(fmax(frac, 0.0), 1.0);
    }
    return 0.0;
}

static double best_of(const double *metric, size_t n, int higher)
{
    double best = NAN;
    for (size_t k = 0; metric && k < n; k++) {
        if (!isfinite(metric[k]))
            continue;
        if (isnan(best) || (higher ? metric[k] > best : metric[k] < best))
            best = metric[k];
    }
    return best;
}

/* ---- ranking ----------------------------------------------------------------- */


static int cmp_entry(const wn_advise_entry *x, const wn_advise_entry *y,
                     const wn_advise_config *cfg)
{
    if (x->reached != y->reached)
        return x->reached ? -1 : 1;
    if (!x->reached)
        return x->config < y->config ? -1 : x->config > y->config;
    if (x->cost_to_target != y->cost_to_target)
        return x->cost_to_target < y->cost_to_target ? -1 : 1;
    uint64_t px = cfg[x->config].params, py = cfg[y->config].params;
    if (px != py)
        return px < py ? -1 : 1;
    return x->config < y->config ? -1 : x->config > y->config;
}

/* Insertion sort (a sweep has tens to hundreds of configurations; qsort
 * has no user pointer for the configurations). */
static void sort_entries(wn_advise_entry *e, size_t n, const wn_advise_config *cfg)
{
    for (size_t i = 1; i < n; i++) {
        wn_advise_entry key = e[i];
        size_t j = i;
        while (j > 0 && cmp_entry(&key, &e[j - 1], cfg) < 0) {
            e[j] = e[j - 1];
            j--;
        }
        e[j] = key;
    }
}

/* The default target: the median of the best values. */
static int default_target(const wn_advise_entry *e, size_t n, int higher,
                          double *target)
{
    double *v = wn_calloc(n, sizeof *v);
    size_t k = 0;
    if (!v)
        return wn_seterr(WN_ENOMEM, "advise: out of memory");
    for (size_t i = 0; i < n; i++)
        if (isfinite(e[i].best_value))
            v[k++] = e[i].best_value;
    if (k == 0) {
        wn_free(v);
        return wn_seterr(WN_ENOENT, "advise: no configuration has a finite "
                         "test value");
    }
    qsort(v, k, sizeof *v, wn__cmp_double);
    /* at least half reach it: for a loss the value at index ceil(k/2)-1
     * from the bottom, for an accuracy the same from the top */
    size_t half = (k + 1) / 2;
    *target = higher ? v[k - half] : v[half - 1];
    wn_free(v);
    return WN_OK;
}

static void fill_summary(wn_advise_result *r, const wn_advise_config *c)
{
    size_t m = r->n_reached;
    if (m == 0)
        return;
    const wn_advise_entry *e = r->entries;
    r->best = e[0].config;
    r->best_cost = e[0].cost_to_target;
    /* the entries are sorted by cost: the median is the middle one(s) */
    r->median_cost = m % 2 ? e[m / 2].cost_to_target
                           : 0.5 * (e[m / 2 - 1].cost_to_target +
                                    e[m / 2].cost_to_target);
    size_t s = 0;
    for (size_t i = 1; i < m; i++) {
        const wn_advise_config *a = &c[e[i].config], *b = &c[e[s].config];
        if (a->params < b->params ||
            (a->params == b->params && e[i].cost_to_target < e[s].cost_to_target))
            s = i;
    }
    r->smallest = e[s].config;
    r->smallest_cost = e[s].cost_to_target;
    r->savings_vs_median = r->median_cost > 0 ? 1.0 - r->best_cost / r->median_cost
                                              : 0.0;
    r->savings_vs_smallest = r->smallest_cost > 0
                                 ? 1.0 - r->best_cost / r->smallest_cost : 0.0;
    /* "smallest" is by parameter count, so "larger" is too: a size compare
     * could say "no" beside a 22x saving of a network with more parameters */
    r->larger_cheaper = c[r->best].params > c[r->smallest].params &&
                        r->best_cost < r->smallest_cost;
}

int wn_advise_rank(const wn_advise_config *configs, size_t n,
                   const wn_advise_opts *o, wn_advise_result *out)
{
    int rc = WN_OK;
    if (!out)
        return wn_seterr(WN_EINVAL, "advise: NULL result");
    memset(out, 0, sizeof *out);
    if (!configs || !o || n == 0)
        return wn_seterr(WN_EINVAL, "advise: no configurations to rank");
    int higher = o->metric == WN_ADVISE_ACCURACY;
    out->metric = o->metric;
    out->entries = wn_calloc(n, sizeof *out->entries);
    if (!out->entries)
        return wn_seterr(WN_ENOMEM, "advise: out of memory");
    out->n = n;
    for (size_t i = 0; i < n; i++) {
        out->entries[i].config = i;
        out->entries[i].best_value = best_of(configs[i].metric,
                                             configs[i].n_epochs, higher);
    }
    out->target_given = o->has_target;
    if (o->has_target) {
        if (!isfinite(o->target)) {
            rc = wn_seterr(WN_EINVAL, "advise: the target is not a number");
            goto out;
        }
        out->target = o->target;
    } else {
        rc = default_target(out->entries, n, higher, &out->target);
        if (rc != WN_OK)
            goto out;
    }
    for (size_t i = 0; i < n; i++) {
        wn_advise_entry *e = &out->entries[i];
        double ep = wn_advise_epochs_to(configs[i].metric, configs[i].n_epochs,
                                        out->target, higher);
        double c = configs[i].cost_per_epoch;
        e->reached = ep > 0.0 && isfinite(c) && c >= 0.0;
        e->epochs_to_target = e->reached ? ep : NAN;
        e->cost_to_target = e->reached ? c * ep : NAN;
        out->n_reached += e->reached ? 1 : 0;
    }
    sort_entries(out->entries, n, configs);
    for (size_t i = 0; i < out->n_reached; i++)
        out->entries[i].rank = i + 1;
    fill_summary(out, configs);
out:
    if (rc != WN_OK)
        wn_advise_result_clear(out);
    return rc;
}

void wn_advise_result_clear(wn_advise_result *r)
{
    if (!r)
        return;
    wn_free(r->entries);
    memset(r, 0, sizeof *r);
}
