/*
 * study_analyze.c - the BUTTER-E study's pipeline on plain run values
 * (SPEC section 8; docs/study.md), in its order:
 *   1. cleaning: drop runs with a 0 W reading or no samples (energy runs
 *      only), with runtime over 75,000 s, then those whose log runtime is
 *      more than 4 sample standard deviations from the mean of their
 *      (device, dataset, size) group; each rule's count is kept;
 *   2. idle standardisation: a node type's idle is the median of its nodes'
 *      2nd-percentile powers; each run's energy is shifted to the device's
 *      reference type (the type with the most runs): E - (idle_type -
 *      idle_ref) * runtime;
 *   3. the fixed overhead: the 5th percentile of the energies (and of the
 *      runtimes) of 505_tecator runs of at most 2^10 parameters, per device,
 *      subtracted from every run; 505_tecator is then left out;
 *   4. depth-2 runs of every shape become rectangle, and each configuration
 *      (device, dataset, shape, depth, size, batch) is the median over its
 *      repetitions; study_costs.c takes it from there.
 * Without any valid energy (wattnet's time-only sweeps, or a meter that
 * only read 0 W) the same steps run on seconds, the energy rule is not
 * applied, and the result says time_only.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <wattnet/core.h>
#include <wattnet/study.h>

#include "study/study_internal.h"
#include "core/util.h"

struct item {
    const wn_study_run *r;
    int keep;
    const char *shape;
    double value;             /* J (or s), standardised, less overhead */
    double seconds;
};

void wn_study_opts_default(wn_study_opts *o)
{
    o->max_runtime_s = 75000.0;
    o->outlier_sigma = 4.0;
    o->overhead_quantile = 0.05;
    o->overhead_max_size = 1024;
    o->overhead_dataset = "505_tecator";
    o->cpu_cache_bytes[0] = 32768.0;
    o->cpu_cache_bytes[1] = 1048576.0;
    o->cpu_cache_bytes[2] = 24.75 * 1048576.0;
    o->gpu_cache_bytes[0] = 131072.0;
    o->gpu_cache_bytes[1] = 6291456.0;
}

void wn_study_result_clear(wn_study_result *r)
{
    if (!r)
        return;
    wn_free(r->dropped_ids);
    memset(r, 0, sizeof *r);
}


double wn__study_quantile(double *v, size_t n, double q)
{
    if (n)
        qsort(v, n, sizeof *v, wn__cmp_double);
    return wn__quantile_sorted(v, n, q);
}

static int drop(wn_study_result *res, struct item *it, size_t *counter)
{
    it->keep = 0;
    (*counter)++;
    int64_t *g = wn_realloc(res->dropped_ids, (res->n_dropped_ids + 1) * sizeof *g);
    if (!g)
        return wn_seterr(WN_ENOMEM, "analyze: out of memory");
    res->dropped_ids = g;
    g[res->n_dropped_ids++] = it->r->run_id;
    return WN_OK;
}

/* ---- 1. cleaning ---------------------------------------------------------- */

static int cmp_group(const void *a, const void *b)
{
    const struct item *x = *(struct item *const *)a, *y = *(struct item *const *)b;
    if (x->r->is_gpu != y->r->is_gpu)
        return x->r->is_gpu - y->r->is_gpu;
    int c = strcmp(x->r->dataset, y->r->dataset);
    if (c)
        return c;
    return x->r->size < y->r->size ? -1 : x->r->size > y->r->size;
}

static int clean_outliers(struct item *it, size_t n, const wn_study_opts *o,
                          wn_study_result *res)
{
    struct item **ord = wn_malloc((n ? n : 1) * sizeof *ord);
    size_t m = 0;
    int rc = WN_OK;
    if (!ord)
        return wn_seterr(WN_ENOMEM, "analyze: out of memory");
    for (size_t i = 0; i < n; i++)
        if (it[i].keep && it[i].seconds > 0)
            ord[m++] = &it[i];
    qsort(ord, m, sizeof *ord, cmp_group);
    for (size_t i = 0, j; i < m; i = j) {
        double sum = 0, sq = 0;
        for (j = i; j < m && !cmp_group(&ord[i], &ord[j]); j++)
            sum += log(ord[j]->seconds);
        size_t k = j - i;
        if (k < 3)
            continue;
        double mean = sum / (double)k;
        for (size_t a = i; a < j; a++) {
            double d = log(ord[a]->seconds) - mean;
            sq += d * d;
        }
        double sd = sqrt(sq / (double)(k - 1));
        if (!(sd > 0))
            continue;
        for (size_t a = i; a < j && rc == WN_OK; a++)
            if (fabs(log(ord[a]->seconds) - mean) > o->outlier_sigma * sd)
                rc = drop(res, ord[a], &res->dropped_outlier);
    }
    wn_free(ord);
    return rc;
}

static int clean(struct item *it, size_t n, const wn_study_opts *o,
                 wn_study_result *res)
{
    int rc = WN_OK;
    for (size_t i = 0; i < n && rc == WN_OK; i++) {
        const wn_study_run *r = it[i].r;
        if (!res->time_only && (!r->has_energy || r->energy_flagged ||
                                !(r->energy_j > 0)))
            rc = drop(res, &it[i], &res->dropped_energy);
    }
    for (size_t i = 0; i < n && rc == WN_OK; i++)
        if (it[i].keep && !(it[i].seconds <= o->max_runtime_s))
            rc = drop(res, &it[i], &res->dropped_runtime);
    if (rc == WN_OK)
        rc = clean_outliers(it, n, o, res);
    return rc;
}

/* ---- 2. idle standardisation ------------------------------------------------- */

static wn_study_node_type *type_find(wn_study_device *d, const char *name)
{
    for (size_t t = 0; t < d->n_types; t++)
        if (!strcmp(d->types[t].name, name))
            return &d->types[t];
    return NULL;
}

static int node_types(const wn_study_node *nodes, size_t n_nodes,
                      wn_study_result *res)
{
    double *v = wn_malloc((n_nodes ? n_nodes : 1) * sizeof *v);
    if (!v)
        return wn_seterr(WN_ENOMEM, "analyze: out of memory");
    for (size_t i = 0; i < n_nodes; i++) {
        wn_study_device *d = &res->dev[nodes[i].is_gpu ? 1 : 0];
        if (type_find(d, nodes[i].node_type) || d->n_types == WN_STUDY_MAX_TYPES)
            continue;
        wn_study_node_type *t = &d->types[d->n_types++];
        snprintf(t->name, sizeof t->name, "%s", nodes[i].node_type);
        size_t m = 0;
        for (size_t j = 0; j < n_nodes; j++)
            if (nodes[j].is_gpu == nodes[i].is_gpu &&
                !strcmp(nodes[j].node_type, t->name) && isfinite(nodes[j].idle_w))
                v[m++] = nodes[j].idle_w;
        t->n_nodes = m;
        t->idle_w = wn__study_quantile(v, m, 0.5);
    }
    wn_free(v);
    return WN_OK;
}

static void standardise(struct item *it, size_t n, wn_study_result *res)
{
    for (int g = 0; g < 2; g++) {
        wn_study_device *d = &res->dev[g];
        size_t best = 0;
        for (size_t t = 0; t < d->n_types; t++) {
            size_t count = 0;
            for (size_t i = 0; i < n; i++)
                if (it[i].keep && it[i].r->is_gpu == g &&
                    !strcmp(it[i].r->node_type, d->types[t].name))
                    count++;
            if (isfinite(d->types[t].idle_w) && (!d->ref_type[0] || count > best)) {
                best = count;
                memcpy(d->ref_type, d->types[t].name, sizeof d->ref_type);
                d->ref_idle_w = d->types[t].idle_w;
            }
        }
        if (res->time_only || !d->ref_type[0])
            continue;
        for (size_t i = 0; i < n; i++) {
            if (!it[i].keep || it[i].r->is_gpu != g)
                continue;
            const wn_study_node_type *t = type_find(d, it[i].r->node_type);
            if (t && isfinite(t->idle_w))
                it[i].value -= (t->idle_w - d->ref_idle_w) * it[i].seconds;
        }
    }
}

/* ---- 3. overhead ---------------------------------------------------------------- */

static int overhead(struct item *it, size_t n, const wn_study_opts *o,
                    wn_study_result *res)
{
    double *ve = wn_malloc((n ? n : 1) * sizeof *ve);
    double *vs = wn_malloc((n ? n : 1) * sizeof *vs);
    int rc = WN_OK;
    if (!ve || !vs) {
        rc = wn_seterr(WN_ENOMEM, "analyze: out of memory");
        goto out;
    }
    for (int g = 0; g < 2; g++) {
        wn_study_device *d = &res->dev[g];
        size_t m = 0;
        for (size_t i = 0; i < n; i++) {
            const wn_study_run *r = it[i].r;
            uint64_t p = r->params ? r->params : r->size;
            if (it[i].keep && r->is_gpu == g && p <= o->overhead_max_size &&
                !strcmp(r->dataset, o->overhead_dataset)) {
                ve[m] = it[i].value;
                vs[m++] = it[i].seconds;
            }
        }
        if (!m)
            continue;
        d->has_overhead = 1;
        d->overhead_runs = m;
        d->overhead_s = wn__study_quantile(vs, m, o->overhead_quantile);
        d->overhead_j = res->time_only ? d->overhead_s
                                       : wn__study_quantile(ve, m, o->overhead_quantile);
    }
    for (size_t i = 0; i < n; i++) {
        if (!it[i].keep)
            continue;
        const wn_study_device *d = &res->dev[it[i].r->is_gpu ? 1 : 0];
        if (!strcmp(it[i].r->dataset, o->overhead_dataset)) {
            it[i].keep = 0;
            res->overhead_dataset_runs++;
            continue;
        }
        if (d->has_overhead)
            it[i].value -= d->overhead_j;
    }
out:
    wn_free(ve);
    wn_free(vs);
    return rc;
}

/* ---- 4. configurations ------------------------------------------------------------- */

static int cmp_cfg(const void *a, const void *b)
{
    const struct item *x = *(struct item *const *)a, *y = *(struct item *const *)b;
    int c = cmp_group(a, b);
    if (c)
        return c;
    if ((c = strcmp(x->shape, y->shape)))
        return c;
    if (x->r->depth != y->r->depth)
        return x->r->depth < y->r->depth ? -1 : 1;
    return x->r->batch < y->r->batch ? -1 : x->r->batch > y->r->batch;
}

static double datum_count(const wn_study_run *r)
{
    if (!r->train_rows || !r->epochs || !r->batch)
        return 0;
    size_t batches = (r->train_rows + r->batch - 1) / r->batch;
    return (double)batches * (double)r->epochs * (double)r->batch;
}

static int configs(struct item *it, size_t n, struct wn__study_cfg **out,
                   size_t *n_out)
{
    struct item **ord = wn_malloc((n ? n : 1) * sizeof *ord);
    double *v = wn_malloc((n ? n : 1) * sizeof *v);
    struct wn__study_cfg *cfg = wn_malloc((n ? n : 1) * sizeof *cfg);
    size_t m = 0, nc = 0;
    int rc = WN_OK;
    if (!ord || !v || !cfg) {
        rc = wn_seterr(WN_ENOMEM, "analyze: out of memory");
        goto out;
    }
    for (size_t i = 0; i < n; i++)
        if (it[i].keep)
            ord[m++] = &it[i];
    qsort(ord, m, sizeof *ord, cmp_cfg);
    for (size_t i = 0, j; i < m; i = j) {
        for (j = i + 1; j < m && !cmp_cfg(&ord[i], &ord[j]); j++)
            ;
        const wn_study_run *r = ord[i]->r;
        struct wn__study_cfg *c = &cfg[nc++];
        memset(c, 0, sizeof *c);
        c->is_gpu = r->is_gpu;
        c->dataset = r->dataset;
        c->shape = ord[i]->shape;
        c->depth = r->depth;
        c->size = r->size;
        c->batch = r->batch;
        c->epochs = r->epochs;
        c->train_rows = r->train_rows;
        c->runs = j - i;
        for (size_t a = i; a < j; a++)
            v[a - i] = ord[a]->value;
        c->value = wn__study_quantile(v, j - i, 0.5);
        for (size_t a = i; a < j; a++)
            v[a - i] = (double)(ord[a]->r->params ? ord[a]->r->params : ord[a]->r->size);
        c->params = wn__study_quantile(v, j - i, 0.5);
        size_t k = 0;
        for (size_t a = i; a < j; a++) {
            double d = datum_count(ord[a]->r);
            if (d > 0)
                v[k++] = ord[a]->value / d;
        }
        if (k) {
            c->has_datum = 1;
            c->per_datum = wn__study_quantile(v, k, 0.5);
        }
    }
    *out = cfg;
    *n_out = nc;
    cfg = NULL;
out:
    wn_free(ord);
    wn_free(v);
    wn_free(cfg);
    return rc;
}

/* ---- the pipeline ------------------------------------------------------------------- */

int wn_study_analyze(const wn_study_run *runs, size_t n,
                     const wn_study_node *nodes, size_t n_nodes,
                     const wn_study_opts *o, wn_study_result *out)
{
    wn_study_opts def;
    struct item *it = NULL;
    struct wn__study_cfg *cfg = NULL;
    size_t n_cfg = 0;
    int rc = WN_OK;
    if (!out || (n && !runs) || (n_nodes && !nodes))
        return wn_seterr(WN_EINVAL, "analyze: NULL argument");
    memset(out, 0, sizeof *out);
    if (!o) {
        wn_study_opts_default(&def);
        o = &def;
    }
    it = wn_malloc((n ? n : 1) * sizeof *it);
    if (!it)
        return wn_seterr(WN_ENOMEM, "analyze: out of memory");
    out->runs_in = n;
    out->time_only = 1;
    for (size_t i = 0; i < n; i++) {
        if (runs[i].has_energy && !runs[i].energy_flagged && runs[i].energy_j > 0)
            out->time_only = 0;
        out->dev[runs[i].is_gpu ? 1 : 0].present = 1;
    }
    for (size_t i = 0; i < n; i++) {
        it[i].r = &runs[i];
        it[i].keep = 1;
        it[i].seconds = runs[i].seconds;
        it[i].value = out->time_only ? runs[i].seconds : runs[i].energy_j;
        it[i].shape = runs[i].shape;
    }
    rc = clean(it, n, o, out);
    if (rc == WN_OK)
        rc = node_types(nodes, n_nodes, out);
    if (rc != WN_OK)
        goto out;
    standardise(it, n, out);
    rc = overhead(it, n, o, out);
    if (rc != WN_OK)
        goto out;
    for (size_t i = 0; i < n; i++) {
        if (!it[i].keep)
            continue;
        out->runs_kept++;
        out->dev[runs[i].is_gpu ? 1 : 0].runs_kept++;
        if (runs[i].depth == 2 && strcmp(runs[i].shape, "rectangle")) {
            it[i].shape = "rectangle";
            out->merged_depth2++;
        }
    }
    rc = configs(it, n, &cfg, &n_cfg);
    if (rc != WN_OK)
        goto out;
    out->configs = n_cfg;
    for (size_t c = 0; c < n_cfg; c++)
        out->dev[cfg[c].is_gpu ? 1 : 0].configs++;
    rc = wn__study_costs(cfg, n_cfg, o, out);
out:
    wn_free(it);
    wn_free(cfg);
    if (rc != WN_OK)
        wn_study_result_clear(out);
    return rc;
}
