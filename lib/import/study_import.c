/*
 * study_import.c - `wattnet import butter-e`: the study's public layout into
 * the runs database (glue: the study's CSV parsing and the store).
 *
 * DESIGN.  Three passes, nothing stored before all input is read and valid:
 *   1. the metadata CSV, one compact record per run (memory grows with the
 *      number of runs, about 1 KiB each), and
 *   2. optionally the standardised energy CSV, joined on run_id (both in
 *      study_meta.c);
 *   3. the per-job energy CSVs, each streamed once: every sample goes to
 *      the windows of that job's runs on that node (study_window.c) and to
 *      the node's power histogram (bounded: 48 KiB per node).
 * Then the runs are stored with wn_store_put_imported_runs, 256 to a
 * transaction (a run is never half stored; one imported before, by its
 * run_id, is skipped), and each node's
 * 2nd-percentile power is kept as its idle (WN_STUDY_IDLE_DOMAIN).
 * Energy: from the job's samples when its file exists, else the
 * standardised CSV's (or the metadata's) `energy` column, else none.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <wattnet/core.h>
#include <wattnet/study_import.h>

#include "core/util.h"
#include "import/study_import.h"

void wn__import_progress(struct wn__imp *im, const char *stage, uint64_t done,
                         uint64_t total)
{
    if (im->o->progress)
        im->o->progress(im->o->user, stage, done, total);
}

static void copy(char *dst, size_t cap, const char *src)
{
    snprintf(dst, cap, "%s", src);
}

/* ---- energy files --------------------------------------------------------- */

static struct wn__node *node_get(struct wn__imp *im, const char *name)
{
    for (size_t i = im->n_nodes; i-- > 0;)
        if (!strcmp(im->nodes[i].name, name))
            return &im->nodes[i];
    if (im->n_nodes == im->cap_nodes) {
        size_t cap = im->cap_nodes ? 2 * im->cap_nodes : 16;
        struct wn__node *g = wn_realloc(im->nodes, cap * sizeof *g);
        if (!g)
            return NULL;
        im->nodes = g;
        im->cap_nodes = cap;
    }
    struct wn__node *nd = &im->nodes[im->n_nodes];
    memset(nd, 0, sizeof *nd);
    nd->hist = wn_malloc(sizeof *nd->hist);
    if (!nd->hist)
        return NULL;
    memset(nd->hist, 0, sizeof *nd->hist);
    copy(nd->name, sizeof nd->name, name);
    nd->file = (size_t)-1;
    im->n_nodes++;
    return nd;
}

static int cmp_job(const void *a, const void *b)
{
    const struct wn__mrun *x = *(struct wn__mrun *const *)a, *y = *(struct wn__mrun *const *)b;
    int c = strcmp(x->job, y->job);
    if (c)
        return c;
    return x->t0 < y->t0 ? -1 : x->t0 > y->t0;
}

/* Stream one job's file into the windows of runs[0..n) (all of that job). */
static int read_job_file(struct wn__imp *im, const char *path, size_t file_no,
                         struct wn__mrun **runs, size_t n, uint64_t *bytes)
{
    struct wn__csv c;
    int rc = wn__csv_open(&c, path);
    if (rc != WN_OK)
        return rc;
    int first = 1;
    while ((rc = wn__csv_next(&c)) == WN_OK) {
        if (c.n == 1 && !c.field[0][0])
            continue;
        if (first && !strcmp(c.field[0], "timestamp")) {
            first = 0;
            continue;                 /* the header row */
        }
        first = 0;
        if (c.n != 3) {
            rc = wn__csv_error(&c, c.n < 3 ? c.n : 3, "%zu fields, expected 3 "
                               "(timestamp,node,watts)", c.n);
            goto out;
        }
        double t, w;
        if (wn__parse_time(c.field[0], &t) != 0) {
            rc = wn__csv_error(&c, 0, "timestamp '%s' is not a time", c.field[0]);
            goto out;
        }
        rc = wn__csv_double(&c, 2, "watts", &w);
        if (rc != WN_OK)
            goto out;
        if (w < 0) {
            rc = wn__csv_error(&c, 2, "watts %g is negative", w);
            goto out;
        }
        struct wn__node *nd = node_get(im, c.field[1]);
        if (!nd) {
            rc = wn_seterr(WN_ENOMEM, "import: out of memory");
            goto out;
        }
        if (nd->file == file_no && t < nd->last_t) {
            rc = wn__csv_error(&c, 0, "node %s: timestamps go backwards",
                               c.field[1]);
            goto out;
        }
        nd->file = file_no;
        nd->last_t = t;
        wn__hist_add(nd->hist, w);
        im->res.samples++;
        for (size_t i = 0; i < n; i++) {
            struct wn__mrun *r = runs[i];
            if (strcmp(r->host, nd->name))
                continue;
            r->from_log = 1;
            wn__window_add(&r->win, t, w);
        }
        if ((im->res.samples & 0xffff) == 0)
            wn__import_progress(im, "energy", *bytes + c.bytes, 0);
    }
    if (rc == WN_ENOENT)
        rc = WN_OK;
    *bytes += c.bytes;
out:
    wn__csv_close(&c);
    return rc;
}

static int read_energy(struct wn__imp *im)
{
    struct wn__mrun **order = wn_malloc((im->n ? im->n : 1) * sizeof *order);
    char path[4096];
    uint64_t total = 0, bytes = 0;
    int rc = WN_OK;
    if (!order)
        return wn_seterr(WN_ENOMEM, "import: out of memory");
    for (size_t i = 0; i < im->n; i++) {
        order[i] = &im->runs[i];
        wn__window_init(&order[i]->win, order[i]->t0, order[i]->t1);
    }
    qsort(order, im->n, sizeof *order, cmp_job);
    for (size_t i = 0; i < im->n; i++) {
        struct stat st;
        if (order[i]->job[0] && (i == 0 || strcmp(order[i]->job, order[i - 1]->job))) {
            snprintf(path, sizeof path, "%s/%s.csv", im->o->energy_dir, order[i]->job);
            if (stat(path, &st) == 0)
                total += (uint64_t)st.st_size;
        }
    }
    for (size_t i = 0, j; i < im->n; i = j) {
        for (j = i + 1; j < im->n && !strcmp(order[j]->job, order[i]->job); j++)
            ;
        if (!order[i]->job[0])
            continue;
        if (snprintf(path, sizeof path, "%s/%s.csv", im->o->energy_dir,
                     order[i]->job) >= (int)sizeof path) {
            rc = wn_seterr(WN_EINVAL, "import: %s/%s.csv: path longer than "
                           "%zu characters", im->o->energy_dir, order[i]->job,
                           sizeof path - 1);
            goto out;
        }
        rc = read_job_file(im, path, im->res.energy_files, order + i, j - i, &bytes);
        if (rc == WN_ENOENT) {
            wn_clearerr();
            rc = WN_OK;               /* no meter data for this job */
            continue;
        }
        if (rc != WN_OK)
            goto out;
        im->res.energy_files++;
        wn__import_progress(im, "energy", bytes, total);
    }
out:
    wn_free(order);
    return rc;
}

/* ---- the store ------------------------------------------------------------- */

/* The run record of R (no epochs). */
static void make_record(const struct wn__mrun *r, wn_run_record *rec)
{
    memset(rec, 0, sizeof *rec);
    wn_run_spec_default(&rec->spec);
    copy(rec->spec.dataset, sizeof rec->spec.dataset, r->dataset);
    copy(rec->spec.train.shape, sizeof rec->spec.train.shape, r->shape);
    rec->spec.train.depth = (size_t)r->depth;
    rec->spec.train.size = r->size;
    rec->spec.train.epochs = (size_t)r->epochs;
    rec->spec.train.batch = (size_t)r->batch;
    rec->spec.train.learning_rate = r->lr;
    rec->spec.train.seed = 0;
    copy(rec->host, sizeof rec->host, r->host);
    copy(rec->dataset_name, sizeof rec->dataset_name, r->dataset);
    copy(rec->data_source, sizeof rec->data_source,
         r->is_gpu ? "butter-e-gpu" : "butter-e-cpu");
    rec->start_time = r->t0;
    rec->end_time = r->t1;
    wn_train_summary *sm = &rec->summary;
    sm->epochs = (size_t)r->epochs;
    sm->seconds_total = r->has_runtime ? r->runtime_s : r->t1 - r->t0;
    sm->train_loss = sm->test_loss = NAN;
    sm->test_accuracy = sm->test_mse = sm->test_mae = sm->seconds_per_epoch_median = NAN;
    sm->flops_per_epoch = NAN;
    const wn_study_dataset *ds = wn_study_dataset_find(r->dataset);
    if (ds) {
        copy(rec->task, sizeof rec->task, wn_task_name(ds->task));
        rec->inputs = ds->inputs;
        rec->outputs = ds->outputs;
        sm->train_rows = (size_t)llround((double)ds->rows * 0.8);
        sm->test_rows = ds->rows - sm->train_rows;
        if (r->batch)
            sm->batches_per_epoch = (sm->train_rows + r->batch - 1) / r->batch;
        uint64_t params = 0;
        size_t depth = r->depth <= WN_MAX_DEPTH ? (size_t)r->depth : 0;
        if (depth >= 2 && wn_shape_widths(ds->inputs, ds->outputs, r->shape, depth,
                                          r->size, sm->widths, &params) == WN_OK) {
            sm->depth = depth;
            sm->params = params;
        }
        wn_clearerr();
    }
    wn_energy *e = &rec->energy;
    copy(e->source, sizeof e->source, "log");
    e->seconds = r->t1 - r->t0;
    if (r->from_log) {
        const char *flag = "";
        struct wn__window w = r->win;
        wn__window_finish(&w, &flag);
        copy(e->flag, sizeof e->flag, flag);
        e->measured = !flag[0];
        e->energy_j = w.energy_j;
    } else if (r->has_energy) {
        copy(e->source, sizeof e->source, "butter-e");
        e->measured = 1;
        e->energy_j = r->energy_j;
        if (r->energy_j == 0)
            copy(e->flag, sizeof e->flag, "zero-watts");
    } else {
        copy(e->flag, sizeof e->flag, "no-samples");
    }
    /* a run the models cannot describe: stored, but never a usable point */
    const char *why = !ds ? "unknown-dataset"
                      : !sm->params ? "size-unreachable" : NULL;
    if (why) {
        copy(e->flag, sizeof e->flag, why);
        e->measured = 0;
    }
    if (!e->measured)
        e->energy_j = 0;
    if (e->measured && e->seconds > 0)
        e->avg_power_w = e->energy_j / e->seconds;
    uint64_t data = (uint64_t)sm->batches_per_epoch * r->epochs * r->batch;
    if (e->measured && !e->flag[0] && data) {
        rec->has_jpd = 1;
        rec->joules_per_datum = e->energy_j / (double)data;
    }
}

#define BATCH 256          /* runs per transaction */

/* Store runs [i, i + n) in one transaction. */
static int store_batch(struct wn__imp *im, wn_store *s, size_t i, size_t n)
{
    wn_run_record *recs = wn_malloc(n * sizeof *recs);
    const char **ids = wn_malloc(n * sizeof *ids);
    const char **meta = wn_malloc(n * sizeof *meta);
    int *gpu = wn_malloc(n * sizeof *gpu), *stored = wn_malloc(n * sizeof *stored);
    int rc = WN_OK;
    if (!recs || !ids || !meta || !gpu || !stored) {
        rc = wn_seterr(WN_ENOMEM, "import: out of memory");
        goto out;
    }
    for (size_t k = 0; k < n; k++) {
        const struct wn__mrun *r = &im->runs[i + k];
        make_record(r, &recs[k]);
        ids[k] = r->id;
        meta[k] = r->meta;
        gpu[k] = r->is_gpu;
    }
    rc = wn_store_put_imported_runs(s, recs, n, "butter-e", ids, gpu, meta, stored);
    if (rc != WN_OK)
        goto out;
    for (size_t k = 0; k < n; k++) {
        if (!stored[k]) {
            im->res.runs_present++;
            continue;
        }
        im->res.runs_stored++;
        if (recs[k].energy.flag[0])
            im->res.runs_flagged++;
    }
out:
    wn_free(recs);
    wn_free(ids);
    wn_free(meta);
    wn_free(gpu);
    wn_free(stored);
    return rc;
}

static int store_all(struct wn__imp *im, wn_store *s)
{
    int rc = WN_OK;
    for (size_t i = 0; i < im->n; i += BATCH) {
        size_t n = im->n - i < BATCH ? im->n - i : BATCH;
        rc = store_batch(im, s, i, n);
        if (rc != WN_OK)
            return rc;
        wn__import_progress(im, "store", i + n, im->n);
    }
    for (size_t k = 0; k < im->n_nodes; k++) {
        const struct wn__node *nd = &im->nodes[k];
        double p2 = wn__hist_quantile(nd->hist, 0.02);
        if (!isfinite(p2))
            continue;
        rc = wn_store_put_idle(s, nd->name, WN_STUDY_IDLE_DOMAIN, p2,
                               (double)nd->hist->n);
        if (rc != WN_OK)
            return rc;
        im->res.nodes++;
    }
    return rc;
}

int wn_study_import(wn_store *s, const wn_import_opts *o, wn_import_result *out)
{
    struct wn__imp im;
    int rc = WN_OK;
    memset(&im, 0, sizeof im);
    im.o = o;
    if (out)
        memset(out, 0, sizeof *out);
    if (!s || !o || !o->metadata)
        return wn_seterr(WN_EINVAL, "import: a store and a metadata CSV are needed");
    rc = wn__import_read_metadata(&im);
    if (rc != WN_OK)
        goto out;
    im.res.runs_read = im.n;
    rc = wn__import_check_unique(&im);
    if (rc != WN_OK)
        goto out;
    if (o->standardised) {
        rc = wn__import_read_standardised(&im);
        if (rc != WN_OK)
            goto out;
    }
    if (o->energy_dir) {
        struct stat st;
        if (stat(o->energy_dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
            rc = wn_seterr(WN_ENOENT, "import: %s: not a folder", o->energy_dir);
            goto out;
        }
        rc = read_energy(&im);
        if (rc != WN_OK)
            goto out;
    }
    rc = store_all(&im, s);
out:
    if (out)
        *out = im.res;
    for (size_t i = 0; i < im.n; i++)
        wn_free(im.runs[i].meta);
    for (size_t k = 0; k < im.n_nodes; k++)
        wn_free(im.nodes[k].hist);
    wn_free(im.runs);
    wn_free(im.nodes);
    return rc;
}
