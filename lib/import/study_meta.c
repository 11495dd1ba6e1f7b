/*
 * study_meta.c - the first half of `wattnet import butter-e`: the metadata
 * CSV (one compact record per run, every field kept as JSON) and the
 * optional standardised energy CSV joined on run_id.  Every row is checked;
 * an error names file:line:column.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <wattnet/core.h>
#include <wattnet/shape.h>
#include <wattnet/study_import.h>

#include "core/util.h"
#include "import/study_import.h"

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

/* "epochs" from run_data's JSON, if it has a whole number >= 1 there; 0
 * (use --epochs) for anything else: strtoull would take "-5" as 2^64 - 5
 * and the "1" of "1e99". */
static uint64_t run_data_epochs(const char *rd)
{
    const char *p = strstr(rd, "\"epochs\"");
    if (!p)
        return 0;
    p += 8;
    while (*p == ' ' || *p == ':')
        p++;
    if (*p < '0' || *p > '9')
        return 0;
    char *end = NULL;
    errno = 0;
    unsigned long long v = strtoull(p, &end, 10);
    if (errno || *end == '.' || *end == 'e' || *end == 'E')
        return 0;
    return (uint64_t)v;
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
    if (wn__parse_time(c->field[i], out) != 0)
        return wn__csv_error(c, (size_t)i, "%s '%s' is not a time", what,
                             c->field[i]);
    return WN_OK;
}

static int parse_meta_row(struct wn__imp *im, const struct wn__csv *hdr,
                          const struct wn__csv *c, const int *ix,
                          struct wn__mrun *r)
{
    int rc = WN_OK;
    memset(r, 0, sizeof *r);
    if (c->n != hdr->n)
        return wn__csv_error(c, c->n, "%zu fields, the header has %zu", c->n,
                             hdr->n);
    if (!c->field[ix[C_RUN_ID]][0])
        return wn__csv_error(c, (size_t)ix[C_RUN_ID], "empty run_id");
    /* whole fields or an error naming the field: never a cut string */
    static const int cols[] = { C_RUN_ID, C_JOB, C_HOST, C_DATASET, C_SHAPE };
    char *dst[] = { r->id, r->job, r->host, r->dataset, r->shape };
    size_t cap[] = { sizeof r->id, sizeof r->job, sizeof r->host,
                     sizeof r->dataset, sizeof r->shape };
    for (size_t k = 0; k < sizeof cols / sizeof cols[0]; k++) {
        const char *f = c->field[ix[cols[k]]];
        if (strlen(f) >= cap[k])
            return wn__csv_error(c, (size_t)ix[cols[k]], "'%.40s...' is %zu "
                                 "characters, more than the %zu this field "
                                 "holds", f, strlen(f), cap[k] - 1);
        copy(dst[k], cap[k], f);
    }
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
    /* a row no network can be built from is refused, not stored as a run
     * with 0 parameters (an unknown dataset is stored, flagged: see
     * study_import.c and docs/study.md) */
    if (!wn_shape_valid(r->shape))
        return wn__csv_error(c, (size_t)ix[C_SHAPE], "unknown shape '%s'",
                             r->shape);
    if (r->depth < 2 || r->depth > WN_MAX_DEPTH)
        return wn__csv_error(c, (size_t)ix[C_DEPTH], "depth %llu is outside "
                             "2..%d", (unsigned long long)r->depth,
                             WN_MAX_DEPTH);
    if (r->batch == 0)
        return wn__csv_error(c, (size_t)ix[C_BATCH], "batch_size 0");
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

int wn__import_read_metadata(struct wn__imp *im)
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
            struct wn__mrun *g = wn_realloc(im->runs, cap * sizeof *g);
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
            wn__import_progress(im, "metadata", im->n, 0);
    }
    wn__import_progress(im, "metadata", im->n, im->n);
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
    return strcmp(((const struct wn__mrun *)a)->id, ((const struct wn__mrun *)b)->id);
}

static struct wn__mrun *find_run(struct wn__imp *im, const char *id)
{
    struct wn__mrun key;
    copy(key.id, sizeof key.id, id);
    if (im->n == 0)
        return NULL;   /* bsearch(.., NULL, 0, ..) is undefined behaviour */
    return bsearch(&key, im->runs, im->n, sizeof *im->runs, cmp_id);
}

int wn__import_check_unique(struct wn__imp *im)
{
    if (im->n > 1)   /* qsort(NULL, 0, ...) is undefined behaviour */
        qsort(im->runs, im->n, sizeof *im->runs, cmp_id);
    for (size_t i = 1; i < im->n; i++)
        if (!strcmp(im->runs[i].id, im->runs[i - 1].id))
            return wn_seterr(WN_EFORMAT, "%s: run_id %s appears twice",
                             im->o->metadata, im->runs[i].id);
    return WN_OK;
}

int wn__import_read_standardised(struct wn__imp *im)
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
        struct wn__mrun *r = find_run(im, c.field[id_col]);
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
