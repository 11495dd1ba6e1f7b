/*
 * store_runs.c - runs and their epochs in the store: wn_store_put_run
 * writes a run, its epochs and (for a sweep job) the job's "done" mark in
 * one transaction; wn_store_load_runs reads every field back, so that a
 * wn_run_record round-trips (the model and report read only through it).
 *
 * The column lists below are the one place that maps record fields to
 * columns: run_cols[] here and wn__store_energy_cols[] (store_energy.c) are
 * written by the binders and read by the readers in the same order.  Widths are stored as a JSON array and energy
 * domains as a JSON array of {"name","energy_j","in_total"}.
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "store/store_impl.h"

/* ---- column lists ---------------------------------------------------------- */

static const char *const run_cols[] = {
    "job_id", "host", "dataset", "shape", "depth", "size", "epochs", "batch",
    "learning_rate", "seed", "threads", "dataset_name", "data_source", "task",
    "inputs", "outputs", "start_time", "end_time", "net_depth", "widths",
    "params", "epochs_done", "train_rows", "test_rows", "batches_per_epoch",
    "threads_used", "seconds_total", "seconds_per_epoch_median", "train_loss",
    "test_loss", "has_accuracy", "test_accuracy", "test_mse", "test_mae",
    "flops_per_epoch", "has_jpd", "joules_per_datum", "data_path",
    "data_sha256", "epochs_contended", "device", "device_name", "device_driver", "min_seconds",
    "epochs_extended",
};
#define N_RUN_COLS (sizeof run_cols / sizeof run_cols[0])

static const char *const epoch_cols[] = {
    "run_id", "epoch", "train_loss", "test_loss", "has_accuracy",
    "test_accuracy", "test_mse", "test_mae", "seconds", "cpu_seconds",
    "invol_switches", "steal_fraction",
};
#define N_EPOCH_COLS (sizeof epoch_cols / sizeof epoch_cols[0])

/* "a, b, c" of names[] then extra[] into buf; with dollars: "$k, $k+1...". */
static void col_list(char *buf, size_t cap, const char *const *a, size_t na,
                     const char *const *b, size_t nb, int dollars)
{
    size_t o = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < na + nb; i++) {
        int n;
        if (dollars)
            n = snprintf(buf + o, cap - o, "%s$%zu", i ? ", " : "", i + 1);
        else
            n = snprintf(buf + o, cap - o, "%s%s", i ? ", " : "",
                         i < na ? a[i] : b[i - na]);
        if (n < 0 || (size_t)n >= cap - o)
            return;
        o += (size_t)n;
    }
}

/* ---- JSON fields -------------------------------------------------------------- */

static int widths_to_json(const size_t *w, size_t n, char *buf, size_t cap)
{
    size_t o = 0;
    int k = snprintf(buf, cap, "[");
    o = (size_t)k;
    for (size_t i = 0; i < n; i++) {
        k = snprintf(buf + o, cap - o, "%s%zu", i ? "," : "", w[i]);
        if (k < 0 || (size_t)k >= cap - o)
            return wn_seterr(WN_EINVAL, "store: widths do not fit");
        o += (size_t)k;
    }
    if (o + 2 > cap)
        return wn_seterr(WN_EINVAL, "store: widths do not fit");
    buf[o++] = ']';
    buf[o] = '\0';
    return WN_OK;
}

static size_t widths_from_json(const char *t, size_t *w, size_t cap)
{
    size_t n = 0;
    const char *p = t;
    while (*p && n < cap) {
        while (*p && (*p < '0' || *p > '9'))
            p++;
        if (!*p)
            break;
        char *end = NULL;
        w[n++] = (size_t)strtoull(p, &end, 10);
        p = end;
    }
    return n;
}

/* ---- put_run ------------------------------------------------------------------ */

static int put_epoch(wn_store *s, int64_t run_id, const wn_epoch_record *ep)
{
    struct wn__sql_val v[N_EPOCH_COLS + WN__STORE_N_ENERGY_COLS];
    char cols[1024], dollars[512], sql[2048];
    char *domains = NULL;
    const wn_epoch_stats *st = &ep->stats;
    size_t k = 0;
    v[k++] = wn__v_int(run_id);
    v[k++] = wn__v_int((int64_t)st->epoch);
    v[k++] = wn__v_real(st->train_loss);
    v[k++] = wn__v_real(st->test_loss);
    v[k++] = wn__v_int(st->has_accuracy);
    v[k++] = wn__v_real(st->test_accuracy);
    v[k++] = wn__v_real(st->test_mse);
    v[k++] = wn__v_real(st->test_mae);
    v[k++] = wn__v_real(st->seconds);
    v[k++] = st->has_cpu ? wn__v_real(st->cpu_seconds) : wn__v_null();
    v[k++] = st->has_cpu ? wn__v_int(st->invol_switches) : wn__v_null();
    v[k++] = st->has_steal ? wn__v_real(st->steal_fraction) : wn__v_null();
    int rc = wn__store_bind_energy(&ep->energy, v + k, &domains);
    if (rc != WN_OK)
        return rc;
    col_list(cols, sizeof cols, epoch_cols, N_EPOCH_COLS, wn__store_energy_cols,
             WN__STORE_N_ENERGY_COLS, 0);
    col_list(dollars, sizeof dollars, epoch_cols, N_EPOCH_COLS, wn__store_energy_cols,
             WN__STORE_N_ENERGY_COLS, 1);
    snprintf(sql, sizeof sql, "INSERT INTO epochs (%s) VALUES (%s)", cols, dollars);
    rc = wn__store_query(s, sql, v, N_EPOCH_COLS + WN__STORE_N_ENERGY_COLS, NULL, NULL, NULL);
    wn_free(domains);
    return rc;
}

/* Bind the run's own columns (run_cols[]) to v[0..N_RUN_COLS). */
static int bind_run(const wn_run_record *run, struct wn__sql_val *v,
                    char *widths, size_t widths_cap)
{
    const wn_train_summary *sm = &run->summary;
    size_t nw = sm->depth <= WN_MAX_DEPTH ? sm->depth : WN_MAX_DEPTH;
    int rc = widths_to_json(sm->widths, nw, widths, widths_cap);
    if (rc != WN_OK)
        return rc;
    size_t k = 0;
    v[k++] = run->job_id ? wn__v_int(run->job_id) : wn__v_null();
    v[k++] = wn__v_text(run->host);
    v[k++] = wn__v_text(run->spec.dataset);
    v[k++] = wn__v_text(run->spec.train.shape);
    v[k++] = wn__v_int((int64_t)run->spec.train.depth);
    v[k++] = wn__v_int((int64_t)run->spec.train.size);
    v[k++] = wn__v_int((int64_t)run->spec.train.epochs);
    v[k++] = wn__v_int((int64_t)run->spec.train.batch);
    v[k++] = wn__v_real(run->spec.train.learning_rate);
    v[k++] = wn__v_int((int64_t)run->spec.train.seed);
    v[k++] = wn__v_int(run->spec.train.threads);
    v[k++] = wn__v_text(run->dataset_name);
    v[k++] = wn__v_text(run->data_source);
    v[k++] = wn__v_text(run->task);
    v[k++] = wn__v_int((int64_t)run->inputs);
    v[k++] = wn__v_int((int64_t)run->outputs);
    v[k++] = wn__v_real(run->start_time);
    v[k++] = wn__v_real(run->end_time);
    v[k++] = wn__v_int((int64_t)sm->depth);
    v[k++] = wn__v_text(widths);
    v[k++] = wn__v_int((int64_t)sm->params);
    v[k++] = wn__v_int((int64_t)sm->epochs);
    v[k++] = wn__v_int((int64_t)sm->train_rows);
    v[k++] = wn__v_int((int64_t)sm->test_rows);
    v[k++] = wn__v_int((int64_t)sm->batches_per_epoch);
    v[k++] = wn__v_int(sm->threads);
    v[k++] = wn__v_real(sm->seconds_total);
    v[k++] = wn__v_real(sm->seconds_per_epoch_median);
    v[k++] = wn__v_real(sm->train_loss);
    v[k++] = wn__v_real(sm->test_loss);
    v[k++] = wn__v_int(sm->has_accuracy);
    v[k++] = wn__v_real(sm->test_accuracy);
    v[k++] = wn__v_real(sm->test_mse);
    v[k++] = wn__v_real(sm->test_mae);
    v[k++] = wn__v_real(sm->flops_per_epoch);
    v[k++] = wn__v_int(run->has_jpd);
    v[k++] = wn__v_real(run->joules_per_datum);
    v[k++] = run->data_path[0] ? wn__v_text(run->data_path) : wn__v_null();
    v[k++] = run->data_sha256[0] ? wn__v_text(run->data_sha256) : wn__v_null();
    v[k++] = sm->has_contention ? wn__v_int((int64_t)sm->epochs_contended)
                                : wn__v_null();
    v[k++] = wn__v_text(sm->device[0] ? sm->device : "cpu");
    v[k++] = sm->device_name[0] ? wn__v_text(sm->device_name) : wn__v_null();
    v[k++] = sm->device_driver[0] ? wn__v_text(sm->device_driver) : wn__v_null();
    v[k++] = wn__v_real(run->spec.train.min_seconds);
    v[k++] = wn__v_int(sm->extended);
    return WN_OK;
}

/* Mark job JOB_ID done, in the caller's transaction; WN_ESTATE when it is
 * already done or missing, or with OWNER when it is not running under
 * OWNER's lease (then the run must not be stored). */
static int mark_job_done(wn_store *s, int64_t job_id, const char *owner)
{
    struct wn__sql_val j[] = { wn__v_int(job_id), wn__v_text(owner) };
    int64_t changed = 0;
    int rc = wn__store_query(s,
                             owner ? "UPDATE jobs SET status = 'done', finished = {NOW},"
                                     " error = NULL, lease_expires = NULL"
                                     " WHERE id = $1 AND status = 'running'"
                                     " AND lease_owner = $2"
                                   : "UPDATE jobs SET status = 'done', finished = {NOW},"
                                     " error = NULL, lease_expires = NULL"
                                     " WHERE id = $1 AND status <> 'done'",
                             j, owner ? 2 : 1, NULL, NULL, &changed);
    if (rc == WN_OK && changed != 1 && owner)
        rc = wn_seterr(WN_ESTATE,
                       "store: job %" PRId64 " is no longer held by %s (lease lost);"
                       " run not stored", job_id, owner);
    else if (rc == WN_OK && changed != 1)
        rc = wn_seterr(WN_ESTATE,
                       "store: job %" PRId64 " is already done or does not "
                       "exist; run not stored", job_id);
    return rc;
}

static int put_run(wn_store *s, wn_run_record *run, const char *owner);

int wn_store_put_run(wn_store *s, wn_run_record *run)
{
    return put_run(s, run, NULL);
}

int wn_store_put_job_run(wn_store *s, wn_run_record *run, const char *owner)
{
    if (!owner || (run && !run->job_id))
        return wn_seterr(WN_EINVAL, "store: put_job_run: no owner or no job");
    return put_run(s, run, owner);
}

static int put_run(wn_store *s, wn_run_record *run, const char *owner)
{
    struct wn__sql_val v[N_RUN_COLS + WN__STORE_N_ENERGY_COLS];
    char widths[WN_MAX_DEPTH * 21 + 3];
    char cols[2048], dollars[1024], sql[4096];
    char *domains = NULL;
    int64_t run_id = 0;
    int own_tx = 0;
    int rc = WN_OK;
    if (!s || !run)
        return wn_seterr(WN_EINVAL, "store: put_run: NULL argument");
    if (run->n_epochs && !run->epochs)
        return wn_seterr(WN_EINVAL, "store: put_run: %zu epochs but no array",
                         run->n_epochs);
    rc = bind_run(run, v, widths, sizeof widths);
    if (rc != WN_OK)
        return rc;
    rc = wn__store_bind_energy(&run->energy, v + N_RUN_COLS, &domains);
    if (rc != WN_OK)
        goto out;
    col_list(cols, sizeof cols, run_cols, N_RUN_COLS, wn__store_energy_cols,
             WN__STORE_N_ENERGY_COLS, 0);
    col_list(dollars, sizeof dollars, run_cols, N_RUN_COLS,
             wn__store_energy_cols, WN__STORE_N_ENERGY_COLS, 1);
    snprintf(sql, sizeof sql,
             "INSERT INTO runs (%s, host_id, created) VALUES (%s,"
             " (SELECT max(id) FROM hosts WHERE hostname = $2), {NOW})"
             " RETURNING id",
             cols, dollars);

    own_tx = !s->in_tx;       /* else join the caller's (store_import.c) */
    if (own_tx) {
        rc = wn__store_begin(s, 1);
        if (rc != WN_OK)
            goto out;
    }
    /* The job first: it decides whether this run may be stored. */
    if (run->job_id)
        rc = mark_job_done(s, run->job_id, owner);
    if (rc != WN_OK)
        goto out;
    rc = wn__store_query(s, sql, v, N_RUN_COLS + WN__STORE_N_ENERGY_COLS,
                         wn__row_int, &run_id, NULL);
    if (rc != WN_OK)
        goto out;
    for (size_t e = 0; e < run->n_epochs; e++) {
        rc = put_epoch(s, run_id, &run->epochs[e]);
        if (rc != WN_OK)
            goto out;
    }
    if (own_tx)
        rc = wn__store_commit(s);
    if (rc == WN_OK)
        run->run_id = run_id;
out:
    if (own_tx && s->in_tx)
        wn__store_rollback(s);   /* a joined transaction is the caller's */
    wn_free(domains);
    return rc;
}

/* ---- load_runs ------------------------------------------------------------------ */

struct run_list {
    wn_run_record *runs;
    size_t n, cap;
    size_t cursor;            /* epochs: the run being filled */
};

static int read_run(void *user, wn_store *s, const struct wn__sql_row *r)
{
    struct run_list *l = user;
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 64;
        wn_run_record *grown = wn_realloc(l->runs, cap * sizeof *grown);
        if (!grown)
            return wn_seterr(WN_ENOMEM, "store: out of memory loading runs");
        l->runs = grown;
        l->cap = cap;
    }
    wn_run_record *run = &l->runs[l->n];
    memset(run, 0, sizeof *run);
    l->n++;
    wn_train_summary *sm = &run->summary;
    int c = 0, rc = WN_OK;
    run->run_id = wn__col_int(s, r, c++);
    run->job_id = wn__col_int(s, r, c++);
    wn__col_str(s, r, c++, run->host, sizeof run->host, "host", &rc);
    wn__col_str(s, r, c++, run->spec.dataset, sizeof run->spec.dataset, "dataset", &rc);
    wn__col_str(s, r, c++, run->spec.train.shape, sizeof run->spec.train.shape, "shape", &rc);
    run->spec.train.depth = (size_t)wn__col_int(s, r, c++);
    run->spec.train.size = (uint64_t)wn__col_int(s, r, c++);
    run->spec.train.epochs = (size_t)wn__col_int(s, r, c++);
    run->spec.train.batch = (size_t)wn__col_int(s, r, c++);
    run->spec.train.learning_rate = wn__col_real(s, r, c++);
    run->spec.train.seed = (uint64_t)wn__col_int(s, r, c++);
    run->spec.train.threads = (int)wn__col_int(s, r, c++);
    wn__col_str(s, r, c++, run->dataset_name, sizeof run->dataset_name, "dataset_name", &rc);
    wn__col_str(s, r, c++, run->data_source, sizeof run->data_source, "data_source", &rc);
    wn__col_str(s, r, c++, run->task, sizeof run->task, "task", &rc);
    run->inputs = (size_t)wn__col_int(s, r, c++);
    run->outputs = (size_t)wn__col_int(s, r, c++);
    run->start_time = wn__col_real(s, r, c++);
    run->end_time = wn__col_real(s, r, c++);
    sm->depth = (size_t)wn__col_int(s, r, c++);
    widths_from_json(wn__col_text(s, r, c++), sm->widths, WN_MAX_DEPTH);
    sm->params = (uint64_t)wn__col_int(s, r, c++);
    sm->epochs = (size_t)wn__col_int(s, r, c++);
    sm->train_rows = (size_t)wn__col_int(s, r, c++);
    sm->test_rows = (size_t)wn__col_int(s, r, c++);
    sm->batches_per_epoch = (size_t)wn__col_int(s, r, c++);
    sm->threads = (int)wn__col_int(s, r, c++);
    sm->seconds_total = wn__col_real(s, r, c++);
    sm->seconds_per_epoch_median = wn__col_real(s, r, c++);
    sm->train_loss = wn__col_real(s, r, c++);
    sm->test_loss = wn__col_real(s, r, c++);
    sm->has_accuracy = (int)wn__col_int(s, r, c++);
    sm->test_accuracy = wn__col_real(s, r, c++);
    sm->test_mse = wn__col_real(s, r, c++);
    sm->test_mae = wn__col_real(s, r, c++);
    sm->flops_per_epoch = wn__col_real(s, r, c++);
    run->has_jpd = (int)wn__col_int(s, r, c++);
    run->joules_per_datum = wn__col_real(s, r, c++);
    wn__col_str(s, r, c++, run->data_path, sizeof run->data_path, "data_path", &rc);
    wn__col_str(s, r, c++, run->data_sha256, sizeof run->data_sha256, "data_sha256", &rc);
    sm->has_contention = !wn__col_null(s, r, c);
    sm->epochs_contended = sm->has_contention ? (size_t)wn__col_int(s, r, c) : 0;
    c++;
    /* Runs stored before schema 7 have no device: they ran on the CPU. */
    if (wn__col_null(s, r, c))
        wn__copy_str(sm->device, sizeof sm->device, "cpu");
    else
        wn__col_str(s, r, c, sm->device, sizeof sm->device, "device", &rc);
    c++;
    wn__col_str(s, r, c++, sm->device_name, sizeof sm->device_name, "device_name", &rc);
    wn__col_str(s, r, c++, sm->device_driver, sizeof sm->device_driver, "device_driver", &rc);
    run->spec.train.min_seconds = wn__col_real(s, r, c++);
    if (!(run->spec.train.min_seconds >= 0.0))
        run->spec.train.min_seconds = 0.0;   /* NULL: stored before v6 */
    run->spec.min_seconds_given = 1;
    sm->extended = (int)wn__col_int(s, r, c++);
    sm->epochs_requested = run->spec.train.epochs;
    wn__store_read_energy(s, r, c, &run->energy, &rc);
    return wn__col_row_error(rc, "runs", run->run_id);
}

/* Epoch rows arrive ordered by run_id, epoch; runs are ordered by id. */
static int read_epoch(void *user, wn_store *s, const struct wn__sql_row *r)
{
    struct run_list *l = user;
    int64_t run_id = wn__col_int(s, r, 0);
    while (l->cursor < l->n && l->runs[l->cursor].run_id < run_id)
        l->cursor++;
    if (l->cursor >= l->n || l->runs[l->cursor].run_id != run_id)
        return WN_OK;   /* a run stored after our runs query: skip */
    wn_run_record *run = &l->runs[l->cursor];
    wn_epoch_record *grown =
        wn_realloc(run->epochs, (run->n_epochs + 1) * sizeof *grown);
    if (!grown)
        return wn_seterr(WN_ENOMEM, "store: out of memory loading epochs");
    run->epochs = grown;
    wn_epoch_record *ep = &run->epochs[run->n_epochs++];
    memset(ep, 0, sizeof *ep);
    wn_epoch_stats *st = &ep->stats;
    int c = 1;
    st->epoch = (size_t)wn__col_int(s, r, c++);
    st->train_loss = wn__col_real(s, r, c++);
    st->test_loss = wn__col_real(s, r, c++);
    st->has_accuracy = (int)wn__col_int(s, r, c++);
    st->test_accuracy = wn__col_real(s, r, c++);
    st->test_mse = wn__col_real(s, r, c++);
    st->test_mae = wn__col_real(s, r, c++);
    st->seconds = wn__col_real(s, r, c++);
    st->has_cpu = !wn__col_null(s, r, c) && !wn__col_null(s, r, c + 1);
    st->cpu_seconds = st->has_cpu ? wn__col_real(s, r, c) : 0.0;
    st->invol_switches = st->has_cpu ? wn__col_int(s, r, c + 1) : 0;
    c += 2;
    st->has_steal = !wn__col_null(s, r, c);
    st->steal_fraction = st->has_steal ? wn__col_real(s, r, c) : 0.0;
    c++;
    int rc = WN_OK;
    wn__store_read_energy(s, r, c, &ep->energy, &rc);
    return wn__col_row_error(rc, "epochs of run", run->run_id);
}

int wn_store_load_runs(wn_store *s, wn_run_record **runs, size_t *n)
{
    struct run_list l = { NULL, 0, 0, 0 };
    char cols[2048], sql[4096];
    int rc = WN_OK;
    if (!s || !runs || !n)
        return wn_seterr(WN_EINVAL, "store: load_runs: NULL argument");
    *runs = NULL;
    *n = 0;
    /* One read transaction: runs and epochs from the same snapshot. */
    rc = wn__store_begin(s, 0);
    if (rc != WN_OK)
        goto out;
    col_list(cols, sizeof cols, run_cols, N_RUN_COLS, wn__store_energy_cols, WN__STORE_N_ENERGY_COLS, 0);
    snprintf(sql, sizeof sql, "SELECT id, %s FROM runs ORDER BY id", cols);
    rc = wn__store_query(s, sql, NULL, 0, read_run, &l, NULL);
    if (rc != WN_OK)
        goto out;
    col_list(cols, sizeof cols, epoch_cols, N_EPOCH_COLS, wn__store_energy_cols,
             WN__STORE_N_ENERGY_COLS, 0);
    snprintf(sql, sizeof sql, "SELECT %s FROM epochs ORDER BY run_id, epoch", cols);
    rc = wn__store_query(s, sql, NULL, 0, read_epoch, &l, NULL);
    if (rc != WN_OK)
        goto out;
    rc = wn__store_commit(s);
    if (rc != WN_OK)
        goto out;
    *runs = l.runs;
    *n = l.n;
    l.runs = NULL;
    l.n = 0;
out:
    if (s->in_tx)
        wn__store_rollback(s);
    wn_run_records_free(&l.runs, l.n);
    return rc;
}

void wn_run_records_free(wn_run_record **runs, size_t n)
{
    if (!runs || !*runs)
        return;
    for (size_t i = 0; i < n; i++)
        wn_free((*runs)[i].epochs);
    wn_free(*runs);
    *runs = NULL;
}

