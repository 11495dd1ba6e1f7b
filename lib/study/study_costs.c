/*
 * study_costs.c - the study's headline numbers from configuration medians
 * (study_analyze.c), each a median over groups with the interquartile range
 * as its interval and the number of groups and runs behind it:
 *   - per extra training row per epoch: within (device, shape, depth, size,
 *     batch), the least-squares slope of value/epochs against train rows
 *     across datasets;
 *   - per parameter per datum, large networks (>= 2^20 parameters): within
 *     (device, dataset, shape, depth, batch), the slope of value per datum
 *     against parameters across sizes;
 *   - per extra layer per datum: within (device, dataset, shape, size,
 *     batch), the slope of value per datum against depth;
 *   - steps: cost per parameter per datum, median per power-of-two working
 *     set (16 bytes per parameter), where it rises by more than 25% from
 *     one power of two to the next, each matched to the cache level nearest
 *     in log size (within a factor of 4);
 *   - the CPU/GPU crossover: per power of two of parameters, the first where
 *     the GPU's median cost per datum is at or below the CPU's after one
 *     where the CPU was cheaper.
 * Also the study's published numbers and the result as JSON.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <wattnet/core.h>
#include <wattnet/study.h>

#include "study/study_internal.h"

#define LARGE_PARAMS 1048576.0
#define STEP_RATIO 1.25

enum xvar { X_ROWS, X_PARAMS, X_DEPTH };

/* Do A and B share a group for a slope along X? */
static int same_group(const struct wn__study_cfg *a, const struct wn__study_cfg *b,
                      enum xvar x)
{
    if (a->is_gpu != b->is_gpu || strcmp(a->shape, b->shape) || a->batch != b->batch)
        return 0;
    if (x != X_ROWS && strcmp(a->dataset, b->dataset))
        return 0;
    if (x != X_DEPTH && a->depth != b->depth)
        return 0;
    if (x != X_PARAMS && a->size != b->size)
        return 0;
    return 1;
}

static int point(const struct wn__study_cfg *c, enum xvar x, double *px, double *py)
{
    switch (x) {
    case X_ROWS:
        if (!c->epochs || !c->train_rows)
            return 0;
        *px = (double)c->train_rows;
        *py = c->value / (double)c->epochs;
        return 1;
    case X_PARAMS:
        if (!c->has_datum || c->params < LARGE_PARAMS)
            return 0;
        *px = c->params;
        *py = c->per_datum;
        return 1;
    case X_DEPTH:
        if (!c->has_datum)
            return 0;
        *px = (double)c->depth;
        *py = c->per_datum;
        return 1;
    }
    return 0;
}

/* Median and IQR of the slopes of every group of configurations along X. */
static int slopes(const struct wn__study_cfg *cfg, size_t n, int is_gpu,
                  enum xvar x, wn_study_stat *st)
{
    char *used = calloc(n ? n : 1, 1);
    double *s = wn_malloc((n ? n : 1) * sizeof *s);
    size_t ns = 0;
    int rc = WN_OK;
    memset(st, 0, sizeof *st);
    if (!used || !s) {
        rc = wn_seterr(WN_ENOMEM, "analyze: out of memory");
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        double px, py;
        if (used[i] || cfg[i].is_gpu != is_gpu || !point(&cfg[i], x, &px, &py))
            continue;
        double sx = 0, sy = 0, sxx = 0, sxy = 0, k = 0;
        size_t runs = 0;
        for (size_t j = i; j < n; j++) {
            if (used[j] || !same_group(&cfg[i], &cfg[j], x) ||
                !point(&cfg[j], x, &px, &py))
                continue;
            used[j] = 1;
            sx += px, sy += py, sxx += px * px, sxy += px * py, k++;
            runs += cfg[j].runs;
        }
        double den = k * sxx - sx * sx;
        if (k < 2 || !(fabs(den) > 1e-12 * k * sxx))
            continue;
        s[ns++] = (k * sxy - sx * sy) / den;
        st->n_runs += runs;
    }
    if (ns) {
        st->has = 1;
        st->n_groups = ns;
        st->value = wn__study_quantile(s, ns, 0.5);
        st->lo = wn__study_quantile(s, ns, 0.25);
        st->hi = wn__study_quantile(s, ns, 0.75);
    }
out:
    free(used);
    wn_free(s);
    return rc;
}

/* ---- binned medians ------------------------------------------------------------- */

#define N_BINS 64

/* Per power of two of KEY (16 B/param working set, or parameters): the
 * median cost per datum (divided by params when PER_PARAM) of IS_GPU's
 * configurations; med[b] NaN where empty, runs[b] the runs behind it. */
static int bin_medians(const struct wn__study_cfg *cfg, size_t n, int is_gpu,
                       int working_set, int per_param, double *med, size_t *runs)
{
    double *v = wn_malloc((n ? n : 1) * sizeof *v);
    if (!v)
        return wn_seterr(WN_ENOMEM, "analyze: out of memory");
    for (int b = 0; b < N_BINS; b++) {
        size_t m = 0;
        runs[b] = 0;
        for (size_t i = 0; i < n; i++) {
            const struct wn__study_cfg *c = &cfg[i];
            if (c->is_gpu != is_gpu || !c->has_datum || !(c->params > 0))
                continue;
            double key = working_set ? 16.0 * c->params : c->params;
            if ((int)floor(log2(key)) != b)
                continue;
            v[m++] = per_param ? c->per_datum / c->params : c->per_datum;
            runs[b] += c->runs;
        }
        med[b] = m ? wn__study_quantile(v, m, 0.5) : NAN;
    }
    wn_free(v);
    return WN_OK;
}

/* The cache (1-based level) nearest WS in log size, within a factor of 4. */
static void match_cache(wn_study_step *st, const double *caches, int n)
{
    double best = 2.0;
    for (int l = 0; l < n; l++) {
        if (!(caches[l] > 0))
            continue;
        double dist = fabs(log2(st->ws_bytes) - log2(caches[l]));
        if (dist <= best) {
            best = dist;
            st->level = l + 1;
            st->cache_bytes = caches[l];
        }
    }
}

static int steps(const struct wn__study_cfg *cfg, size_t n, const wn_study_opts *o,
                 wn_study_device *d, int is_gpu)
{
    double med[N_BINS];
    size_t runs[N_BINS];
    int rc = bin_medians(cfg, n, is_gpu, 1, 1, med, runs);
    if (rc != WN_OK)
        return rc;
    for (int b = 1; b < N_BINS && d->n_steps < WN_STUDY_MAX_STEPS; b++) {
        if (!isfinite(med[b]) || !isfinite(med[b - 1]) || !(med[b - 1] > 0))
            continue;
        double ratio = med[b] / med[b - 1];
        if (ratio > STEP_RATIO) {
            wn_study_step *st = &d->steps[d->n_steps++];
            memset(st, 0, sizeof *st);
            st->ws_bytes = ldexp(1.0, b);
            st->ratio = ratio;
            if (is_gpu)
                match_cache(st, o->gpu_cache_bytes, 2);
            else
                match_cache(st, o->cpu_cache_bytes, 3);
        }
    }
    return WN_OK;
}

static int crossover(const struct wn__study_cfg *cfg, size_t n, wn_study_result *r)
{
    double cpu[N_BINS], gpu[N_BINS];
    size_t rc_runs[N_BINS], rg_runs[N_BINS];
    int rc = bin_medians(cfg, n, 0, 0, 0, cpu, rc_runs);
    if (rc == WN_OK)
        rc = bin_medians(cfg, n, 1, 0, 0, gpu, rg_runs);
    if (rc != WN_OK)
        return rc;
    int cpu_cheaper = 0;
    size_t runs = 0;
    for (int b = 0; b < N_BINS; b++) {
        if (!isfinite(cpu[b]) || !isfinite(gpu[b]))
            continue;
        runs += rc_runs[b] + rg_runs[b];
        if (cpu[b] < gpu[b]) {
            cpu_cheaper = 1;
        } else if (cpu_cheaper) {
            r->has_crossover = 1;
            r->crossover_params = ldexp(1.0, b);
            r->crossover_runs = runs;
            return WN_OK;
        }
    }
    return WN_OK;
}

int wn__study_costs(const struct wn__study_cfg *cfg, size_t n,
                    const wn_study_opts *o, wn_study_result *r)
{
    int rc = WN_OK;
    for (int g = 0; g < 2 && rc == WN_OK; g++) {
        wn_study_device *d = &r->dev[g];
        if (!d->present)
            continue;
        rc = slopes(cfg, n, g, X_ROWS, &d->per_row_epoch);
        if (rc == WN_OK)
            rc = slopes(cfg, n, g, X_PARAMS, &d->per_param_datum);
        if (rc == WN_OK)
            rc = slopes(cfg, n, g, X_DEPTH, &d->per_layer_datum);
        if (rc == WN_OK)
            rc = steps(cfg, n, o, d, g);
    }
    if (rc == WN_OK && r->dev[0].present && r->dev[1].present)
        rc = crossover(cfg, n, r);
    return rc;
}

/* ---- the study's numbers ----------------------------------------------------------- */

static const wn_study_reference reference[2] = {
    { 0.0062, 2.11e-9, 3.7e-4, 14028.7, 52.9, 1048576.0, 4194304.0 },
    { 0.0095, 1.49e-9, 2.0e-4, 271560.0, 656.4, 1048576.0, 4194304.0 },
};

const wn_study_reference *wn_study_reference_get(int is_gpu)
{
    return &reference[is_gpu ? 1 : 0];
}

/* ---- JSON ------------------------------------------------------------------------ */

static void num(FILE *f, const char *name, int has, double v)
{
    if (has && isfinite(v))
        fprintf(f, "\"%s\":%.9g", name, v);
    else
        fprintf(f, "\"%s\":null", name);
}

static void str(FILE *f, const char *s)
{
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\')
            fprintf(f, "\\%c", *p);
        else if (*p < 0x20)
            fprintf(f, "\\u%04x", *p);
        else
            fputc(*p, f);
    }
    fputc('"', f);
}

static void stat_json(FILE *f, const char *name, const wn_study_stat *s, double ref)
{
    fprintf(f, "\"%s\":{", name);
    num(f, "value", s->has, s->value);
    fputc(',', f);
    num(f, "lo", s->has, s->lo);
    fputc(',', f);
    num(f, "hi", s->has, s->hi);
    fprintf(f, ",\"groups\":%zu,\"runs\":%zu,", s->n_groups, s->n_runs);
    num(f, "study", 1, ref);
    fputc('}', f);
}

static void device_json(FILE *f, const wn_study_device *d, int g)
{
    const wn_study_reference *ref = wn_study_reference_get(g);
    fprintf(f, "{\"present\":%s,\"runs_kept\":%zu,\"configs\":%zu,\"node_types\":[",
            d->present ? "true" : "false", d->runs_kept, d->configs);
    for (size_t t = 0; t < d->n_types; t++) {
        fprintf(f, "%s{\"name\":", t ? "," : "");
        str(f, d->types[t].name);
        fprintf(f, ",\"nodes\":%zu,", d->types[t].n_nodes);
        num(f, "idle_w", 1, d->types[t].idle_w);
        fputc('}', f);
    }
    fputs("],\"reference_type\":", f);
    str(f, d->ref_type);
    fputc(',', f);
    num(f, "overhead_j", d->has_overhead, d->overhead_j);
    fputc(',', f);
    num(f, "overhead_s", d->has_overhead, d->overhead_s);
    fprintf(f, ",\"overhead_runs\":%zu,", d->overhead_runs);
    num(f, "study_overhead_j", 1, ref->overhead_j);
    fputc(',', f);
    num(f, "study_overhead_s", 1, ref->overhead_s);
    fputc(',', f);
    stat_json(f, "per_row_epoch", &d->per_row_epoch, ref->per_row_epoch_j);
    fputc(',', f);
    stat_json(f, "per_param_datum", &d->per_param_datum, ref->per_param_datum_j);
    fputc(',', f);
    stat_json(f, "per_layer_datum", &d->per_layer_datum, ref->per_layer_datum_j);
    fputs(",\"steps\":[", f);
    for (size_t s = 0; s < d->n_steps; s++)
        fprintf(f, "%s{\"working_set_bytes\":%.17g,\"ratio\":%.6g,\"cache_level\":%d,"
                   "\"cache_bytes\":%.17g}", s ? "," : "", d->steps[s].ws_bytes,
                d->steps[s].ratio, d->steps[s].level, d->steps[s].cache_bytes);
    fputs("]}", f);
}

char *wn_study_result_json(const wn_study_result *r)
{
    char *buf = NULL, *copy = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f)
        return NULL;
    fprintf(f, "{\"unit\":\"%s\",\"time_only\":%s,\"runs_in\":%zu,"
               "\"dropped\":{\"zero_or_no_samples\":%zu,\"runtime_over_max\":%zu,"
               "\"log_runtime_outlier\":%zu},\"overhead_dataset_runs\":%zu,"
               "\"merged_depth2\":%zu,\"runs_kept\":%zu,\"configs\":%zu,\"cpu\":",
            r->time_only ? "s" : "J", r->time_only ? "true" : "false", r->runs_in,
            r->dropped_energy, r->dropped_runtime, r->dropped_outlier,
            r->overhead_dataset_runs, r->merged_depth2, r->runs_kept, r->configs);
    device_json(f, &r->dev[0], 0);
    fputs(",\"gpu\":", f);
    device_json(f, &r->dev[1], 1);
    fputs(",\"crossover\":{", f);
    num(f, "params", r->has_crossover, r->crossover_params);
    fprintf(f, ",\"runs\":%zu,\"study_lo\":1048576,\"study_hi\":4194304}}",
            r->crossover_runs);
    if (fclose(f) != 0) {
        free(buf);
        return NULL;
    }
    copy = wn_malloc(len + 1);
    if (copy)
        memcpy(copy, buf, len + 1);
    free(buf);
    return copy;
}
