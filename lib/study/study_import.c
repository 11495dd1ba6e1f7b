/*
 * study_import.c - `wattnet import butter-e`: the study's public layout into
 * the runs database (glue: the study's CSV parsing and the store).
 *
 * DESIGN.  Three passes, nothing stored before all input is read and valid:
 *   1. the metadata CSV, one compact record per run (memory grows with the
 *      number of runs, about 1 KiB each);
 *   2. optionally the standardised energy CSV, joined on run_id;
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

#include <wattnet/wattnet.h>
#include <wattnet/study.h>

#include "study/study_internal.h"

struct mrun {
    char id[48];
    char job[48];
    char host[128];
    char dataset[64];
    char shape[32];
    int is_gpu;
    double t0, t1;
    uint64_t size, depth, batch, epochs;
    double lr;
    int has_energy;           /* from a CSV column */
    double energy_j;
    int has_runtime;
    double runtime_s;
    char *meta;               /* every metadata field as JSON (owned) */
    /* from the samples */
    int from_log;
    struct wn__window win;
};

struct node {
    char name[128];
    double last_t;
    size_t file;              /* the file last_t belongs to */
    struct wn__hist *hist;
};

struct imp {
    const wn_import_opts *o;
    struct mrun *runs;
    size_t n, cap;
    struct node *nodes;
    size_t n_nodes, cap_nodes;
    wn_import_result res;
};

static void progress(struct imp *im, const char *stage, uint64_t done,
                     uint64_t total)
{
    if (im->o->progress)
        im->o->progress(im->o->user, stage, done, total);
}

static void copy(char *dst, size_t cap, const char *src)
{
    snprintf(dst, cap, "%s", src);
}

/* ---- metadata --------------------------------------------------------------- */

enum { C_RUN_ID, C_JOB, C_START, C_END, C_HOST, C_SIZE, C_DEPTH, C_SHAPE,
       C_DATASET, C_LR, C_BATCH, C_GPU, C_RUN_DATA, C_ENERGY, C_RUNTIME,
       C_COUNT };

static const char *const col_names[C_COUNT] = {
    "run_id", "slurm_job_id", "start_time", "update_time", "host_name", "size",
    "depth", "shape", "dataset", "learning_rate", "batch_size", "is_gpu",
    "run_data", "energy", "non_overhead_runtime",
};
#define N_REQUIRED 12         /* the columns before run_data */

static int json_append(char **buf, size_t *len, size_t *cap, const char *s)
{
    size_t need = strlen(s) * 6 + 8;
    if (*len + need > *cap) {
        size_t nc = (*cap + need) * 2;
        char *g = wn_realloc(*buf, nc);
        if (!g)
            return wn_seterr(WN_ENOMEM, "import: out of memory");
        *buf = g;
        *cap = nc;
    }
    char *w = *buf + *len;
    *w++ = '"';
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\') {
            *w++ = '\\';
            *w++ = (char)*p;
        } else if (*p < 0x20) {
            w += sprintf(w, "\\u%04x", *p);
        } else {
            *w++ = (char)*p;
        }
    }
    *w++ = '"';
    *w = '\0';
    *len = (size_t)(w - *buf);
    return WN_OK;
}

/* Every field of the row as {"name":"value",...}. */
static int row_json(const struct wn__csv *hdr_names, const struct wn__csv *c,
                    char **out)
{
    char *buf = NULL;
    size_t len = 0, cap = 0;
    int rc = json_append(&buf, &len, &cap, "");
    if (rc != WN_OK)
        return rc;
    len = 0;
    buf[len++] = '{';
    for (size_t i = 0; i < c->n && rc == WN_OK; i++) {
        if (i)
            buf[len++] = ',';
        rc = json_append(&buf, &len, &cap, hdr_names->field[i]);
        if (rc == WN_OK) {
            buf[len++] = ':';
            rc = json_append(&buf, &len, &cap, c->field[i]);
        }
    }
    if (rc == WN_OK) {
        buf[len++] = '}';
        buf[len] = '\0';
        *out = buf;
    } else {
        wn_free(buf);
    }
    return rc;
}

/* "epochs" from run_data's JSON, if it has a number there. */
static uint64_t run_data_epochs(const char *rd)
{
    const char *p = strstr(rd, "\"epochs\"");
    if (!p)
        return 0;
    p += 8;
    while (*p == ' ' || *p == ':')
        p++;
    char *end = NULL;
    unsigned long long v = strtoull(p, &end, 10);
    return end != p ? (uint64_t)v : 0;
}

static int parse_bool(const struct wn__csv *c, size_t i, int *out)
{
    const char *s = c->field[i];
    if (!strcmp(s, "true") || !strcmp(s, "True") || !strcmp(s, "1") ||
        !strcmp(s, "t"))
        *out = 1;
    else if (!strcmp(s, "false") || !strcmp(s, "False") || !strcmp(s, "0") ||
             !strcmp(s, "f"))
        *out = 0;
    else
        return wn__csv_error(c, i, "is_gpu '%s' is not true or false", s);
    return WN_OK;
}

static int parse_time_field(const struct wn__csv *c, int i, const char *what,
                            double *out)
{
    if (wn__study_parse_time(c->field[i], out) != 0)
        return wn__csv_error(c, (size_t)i, "%s '%s' is not a time", what,
                             c->field[i]);
    return WN_OK;
}

static int parse_meta_row(struct imp *im, const struct wn__csv *hdr,
                          const struct wn__csv *c, const int *ix,
                          struct mrun *r)
{
    int rc = WN_OK;
    memset(r, 0, sizeof *r);
    if (c->n != hdr->n)
        return wn__csv_error(c, c->n, "%zu fields, the header has %zu", c->n,
                             hdr->n);
    if (!c->field[ix[C_RUN_ID]][0])
        return wn__csv_error(c, (size_t)ix[C_RUN_ID], "empty run_id");
    copy(r->id, sizeof r->id, c->field[ix[C_RUN_ID]]);
    copy(r->job, sizeof r->job, c->field[ix[C_JOB]]);
    copy(r->host, sizeof r->host, c->field[ix[C_HOST]]);
    copy(r->dataset, sizeof r->dataset, c->field[ix[C_DATASET]]);
    copy(r->shape, sizeof r->shape, c->field[ix[C_SHAPE]]);
    if ((rc = parse_time_field(c, ix[C_START], "start_time", &r->t0)) ||
        (rc = parse_time_field(c, ix[C_END], "update_time", &r->t1)) ||
        (rc = wn__csv_u64(c, (size_t)ix[C_SIZE], "size", &r->size)) ||
        (rc = wn__csv_u64(c, (size_t)ix[C_DEPTH], "depth", &r->depth)) ||
        (rc = wn__csv_u64(c, (size_t)ix[C_BATCH], "batch_size", &r->batch)) ||
        (rc = wn__csv_double(c, (size_t)ix[C_LR], "learning_rate", &r->lr)) ||
        (rc = parse_bool(c, (size_t)ix[C_GPU], &r->is_gpu)))
        return rc;
    if (r->t1 < r->t0)
        return wn__csv_error(c, (size_t)ix[C_END], "update_time is before "
                             "start_time");
    r->epochs = ix[C_RUN_DATA] >= 0 ? run_data_epochs(c->field[ix[C_RUN_DATA]]) : 0;
    if (!r->epochs)
        r->epochs = im->o->epochs ? im->o->epochs : 3000;
    if (ix[C_ENERGY] >= 0 && c->field[ix[C_ENERGY]][0]) {
        rc = wn__csv_double(c, (size_t)ix[C_ENERGY], "energy", &r->energy_j);
        if (rc != WN_OK)
            return rc;
        r->has_energy = 1;
    }
    if (ix[C_RUNTIME] >= 0 && c->field[ix[C_RUNTIME]][0]) {
        rc = wn__csv_double(c, (size_t)ix[C_RUNTIME], "non_overhead_runtime",
                            &r->runtime_s);
        if (rc != WN_OK)
            return rc;
        r->has_runtime = 1;
    }
    return row_json(hdr, c, &r->meta);
}

static int read_metadata(struct imp *im)
{
    struct wn__csv hdr, c;
    int ix[C_COUNT];
    int rc = wn__csv_open(&hdr, im->o->metadata);
    memset(&c, 0, sizeof c);
    if (rc != WN_OK)
        return rc;
    rc = wn__csv_next(&hdr);
    if (rc == WN_ENOENT)
        rc = wn_seterr(WN_EFORMAT, "%s:1:1: empty file, no header row",
                       im->o->metadata);
    if (rc != WN_OK)
        goto out;
    for (int k = 0; k < C_COUNT; k++) {
        ix[k] = wn__csv_find(&hdr, col_names[k]);
        if (ix[k] < 0 && k < N_REQUIRED) {
            rc = wn__csv_error(&hdr, hdr.n, "no column '%s'", col_names[k]);
            goto out;
        }
    }
    /* The header's names stay in hdr; rows are read through a second
     * reader on the same stream. */
    c = hdr;
    c.buf = NULL, c.cap = 0, c.field = NULL, c.col = NULL, c.n = c.fcap = 0;
    for (;;) {
        rc = wn__csv_next(&c);
        if (rc == WN_ENOENT) {
            rc = WN_OK;
            break;
        }
        if (rc != WN_OK)
            goto out;
        if (c.n == 1 && !c.field[0][0])
            continue;                 /* a blank line */
        if (im->n == im->cap) {
            size_t cap = im->cap ? 2 * im->cap : 256;
            struct mrun *g = wn_realloc(im->runs, cap * sizeof *g);
            if (!g) {
                rc = wn_seterr(WN_ENOMEM, "import: out of memory");
                goto out;
            }
            im->runs = g;
            im->cap = cap;
        }
        rc = parse_meta_row(im, &hdr, &c, ix, &im->runs[im->n]);
        if (rc != WN_OK)
            goto out;
        im->n++;
        if (im->n % 1000 == 0)
            progress(im, "metadata", im->n, 0);
    }
    progress(im, "metadata", im->n, im->n);
out:
    c.f = NULL;
    c.path = NULL;
    wn__csv_close(&c);
    wn__csv_close(&hdr);
    return rc;
}

/* ---- lookup by run id ------------------------------------------------------- */

static int cmp_id(const void *a, const void *b)
{
    return strcmp(((const struct mrun *)a)->id, ((const struct mrun *)b)->id);
}

static struct mrun *find_run(struct imp *im, const char *id)
{
    struct mrun key;
    copy(key.id, sizeof key.id, id);
    return bsearch(&key, im->runs, im->n, sizeof *im->runs, cmp_id);
}

static int check_unique(struct imp *im)
{
    qsort(im->runs, im->n, sizeof *im->runs, cmp_id);
    for (size_t i = 1; i < im->n; i++)
        if (!strcmp(im->runs[i].id, im->runs[i - 1].id))
            return wn_seterr(WN_EFORMAT, "%s: run_id %s appears twice",
                             im->o->metadata, im->runs[i].id);
    return WN_OK;
}

static int read_standardised(struct imp *im)
{
    struct wn__csv c;
    int rc = wn__csv_open(&c, im->o->standardised);
    if (rc != WN_OK)
        return rc;
    int id_col = -1, e_col = -1, rt_col = -1;
    size_t ncols = 0;
    rc = wn__csv_next(&c);
    if (rc == WN_ENOENT)
        rc = wn_seterr(WN_EFORMAT, "%s:1:1: empty file", im->o->standardised);
    if (rc != WN_OK)
        goto out;
    id_col = wn__csv_find(&c, "run_id");
    e_col = wn__csv_find(&c, "energy");
    rt_col = wn__csv_find(&c, "non_overhead_runtime");
    ncols = c.n;
    if (id_col < 0 || e_col < 0) {
        rc = wn__csv_error(&c, c.n, "needs the columns run_id and energy");
        goto out;
    }
    while ((rc = wn__csv_next(&c)) == WN_OK) {
        if (c.n == 1 && !c.field[0][0])
            continue;
        if (c.n != ncols) {
            rc = wn__csv_error(&c, c.n, "%zu fields, the header has %zu", c.n,
                               ncols);
            goto out;
        }
        struct mrun *r = find_run(im, c.field[id_col]);
        if (!r)
            continue;                 /* energy of a run not in the metadata */
        if (c.field[e_col][0]) {
            rc = wn__csv_double(&c, (size_t)e_col, "energy", &r->energy_j);
            if (rc != WN_OK)
                goto out;
            r->has_energy = 1;
        }
        if (rt_col >= 0 && c.field[rt_col][0]) {
            rc = wn__csv_double(&c, (size_t)rt_col, "non_overhead_runtime",
                                &r->runtime_s);
            if (rc != WN_OK)
                goto out;
            r->has_runtime = 1;
        }
    }
    if (rc == WN_ENOENT)
        rc = WN_OK;
out:
    wn__csv_close(&c);
    return rc;
}

/* ---- energy files --------------------------------------------------------- */

static struct node *node_get(struct imp *im, const char *name)
{
    for (size_t i = im->n_nodes; i-- > 0;)
        if (!strcmp(im->nodes[i].name, name))
            return &im->nodes[i];
    if (im->n_nodes == im->cap_nodes) {
        size_t cap = im->cap_nodes ? 2 * im->cap_nodes : 16;
        struct node *g = wn_realloc(im->nodes, cap * sizeof *g);
        if (!g)
            return NULL;
        im->nodes = g;
        im->cap_nodes = cap;
    }
    struct node *nd = &im->nodes[im->n_nodes];
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
    const struct mrun *x = *(struct mrun *const *)a, *y = *(struct mrun *const *)b;
    int c = strcmp(x->job, y->job);
    if (c)
        return c;
    return x->t0 < y->t0 ? -1 : x->t0 > y->t0;
}

/* Stream one job's file into the windows of runs[0..n) (all of that job). */
static int read_job_file(struct imp *im, const char *path, size_t file_no,
                         struct mrun **runs, size_t n, uint64_t *bytes)
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
        if (wn__study_parse_time(c.field[0], &t) != 0) {
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
        struct node *nd = node_get(im, c.field[1]);
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
            struct mrun *r = runs[i];
            if (strcmp(r->host, nd->name))
                continue;
            r->from_log = 1;
            wn__window_add(&r->win, t, w);
        }
        if ((im->res.samples & 0xffff) == 0)
            progress(im, "energy", *bytes + c.bytes, 0);
    }
    if (rc == WN_ENOENT)
        rc = WN_OK;
    *bytes += c.bytes;
out:
    wn__csv_close(&c);
    return rc;
}

static int read_energy(struct imp *im)
{
    struct mrun **order = wn_malloc((im->n ? im->n : 1) * sizeof *order);
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
        snprintf(path, sizeof path, "%s/%s.csv", im->o->energy_dir, order[i]->job);
        rc = read_job_file(im, path, im->res.energy_files, order + i, j - i, &bytes);
        if (rc == WN_ENOENT) {
            wn_clearerr();
            rc = WN_OK;               /* no meter data for this job */
            continue;
        }
        if (rc != WN_OK)
            goto out;
        im->res.energy_files++;
        progress(im, "energy", bytes, total);
    }
out:
    wn_free(order);
    return rc;
}

/* ---- the store ------------------------------------------------------------- */

/* The run record of R (no epochs). */
static void make_record(const struct mrun *r, wn_run_record *rec)
{
    memset(rec, 0, sizeof *rec);
    wn_run_spec_default(&rec->spec);
    copy(rec->spec.dataset, sizeof rec->spec.dataset, r->dataset);
    copy(rec->spec.shape, sizeof rec->spec.shape, r->shape);
    rec->spec.depth = (size_t)r->depth;
    rec->spec.size = r->size;
    rec->spec.epochs = (size_t)r->epochs;
    rec->spec.batch = (size_t)r->batch;
    rec->spec.learning_rate = r->lr;
    rec->spec.seed = 0;
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
static int store_batch(struct imp *im, wn_store *s, size_t i, size_t n)
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
        const struct mrun *r = &im->runs[i + k];
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

static int store_all(struct imp *im, wn_store *s)
{
    int rc = WN_OK;
    for (size_t i = 0; i < im->n; i += BATCH) {
        size_t n = im->n - i < BATCH ? im->n - i : BATCH;
        rc = store_batch(im, s, i, n);
        if (rc != WN_OK)
            return rc;
        progress(im, "store", i + n, im->n);
    }
    for (size_t k = 0; k < im->n_nodes; k++) {
        const struct node *nd = &im->nodes[k];
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
    struct imp im;
    int rc = WN_OK;
    memset(&im, 0, sizeof im);
    im.o = o;
    if (out)
        memset(out, 0, sizeof *out);
    if (!s || !o || !o->metadata)
        return wn_seterr(WN_EINVAL, "import: a store and a metadata CSV are needed");
    rc = read_metadata(&im);
    if (rc != WN_OK)
        goto out;
    im.res.runs_read = im.n;
    rc = check_unique(&im);
    if (rc != WN_OK)
        goto out;
    if (o->standardised) {
        rc = read_standardised(&im);
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
