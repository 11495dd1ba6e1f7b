/*
 * store_queue.c - sweeps and the job queue in the store.
 *
 * A job moves queued -> running -> done | failed.  A claim is one write
 * transaction that picks the first claimable job in claim order (ord, id):
 * queued, or running with an expired lease (its worker died or hung).  On
 * PostgreSQL the pick is SELECT ... FOR UPDATE SKIP LOCKED, so concurrent
 * claimers never block on each other's rows; on SQLite the transaction is
 * BEGIN IMMEDIATE, which serialises claimers.  Each claim counts an
 * attempt; a job picked with more than max_attempts attempts (an expired
 * lease after the last attempt) is failed instead, with an error saying so.
 * "Done" is written by wn_store_put_run together with the run
 * (store_runs.c).  All times come from the database clock ({NOW}).
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "store/store_impl.h"

/* ---- sweeps ------------------------------------------------------------------ */

#define JOB_COLS 14
#define JOB_BATCH 100
/* Per row: 13 "$NNNN, " (at most 8 bytes each) plus the literals. */
#define JOB_SQL_CAP (256 + JOB_BATCH * (JOB_COLS * 8 + 40))

/* Insert sweep NAME and its jobs inside the caller's write transaction
 * (store_impl.h). */
int wn__store_sweep_insert(wn_store *s, const char *name, const char *spec_json,
                           uint64_t seed, const wn_job *jobs, size_t n,
                           int64_t *sweep_id)
{
    struct wn__sql_val *vals = NULL;
    char *sql = NULL;
    int64_t id = 0;
    int rc = WN_OK;
    struct wn__sql_val sv[] = { wn__v_text(name), wn__v_text(spec_json),
                                wn__v_int((int64_t)seed), wn__v_int((int64_t)n) };
    rc = wn__store_query(s,
                         "INSERT INTO sweeps (name, spec_json, seed, n_jobs, created)"
                         " VALUES ($1, $2, $3, $4, {NOW}) RETURNING id",
                         sv, 4, wn__row_int, &id, NULL);
    if (rc != WN_OK)
        goto out;
    /* Multi-row INSERTs of up to JOB_BATCH jobs: few round trips to a
     * remote PostgreSQL. */
    vals = wn_calloc(JOB_BATCH * JOB_COLS, sizeof *vals);
    sql = wn_malloc(JOB_SQL_CAP);
    if (!vals || !sql) {
        rc = wn_seterr(WN_ENOMEM, "store: out of memory");
        goto out;
    }
    for (size_t first = 0; first < n; first += JOB_BATCH) {
        size_t k = n - first < JOB_BATCH ? n - first : JOB_BATCH;
        size_t o = (size_t)snprintf(sql, JOB_SQL_CAP,
                                    "INSERT INTO jobs (sweep_id, ord, dataset, shape,"
                                    " depth, size, epochs, batch, learning_rate, seed,"
                                    " threads, repetition, device, min_seconds, status,"
                                    " attempts, created)"
                                    " VALUES ");
        for (size_t r = 0; r < k; r++) {
            const wn_train_config *sp = &jobs[first + r].spec.train;
            struct wn__sql_val *v = vals + r * JOB_COLS;
            v[0] = wn__v_int(id);
            v[1] = wn__v_int((int64_t)(first + r));
            v[2] = wn__v_text(jobs[first + r].spec.dataset);
            v[3] = wn__v_text(sp->shape);
            v[4] = wn__v_int((int64_t)sp->depth);
            v[5] = wn__v_int((int64_t)sp->size);
            v[6] = wn__v_int((int64_t)sp->epochs);
            v[7] = wn__v_int((int64_t)sp->batch);
            v[8] = wn__v_real(sp->learning_rate);
            v[9] = wn__v_int((int64_t)sp->seed);
            v[10] = wn__v_int(sp->threads);
            v[11] = wn__v_int(jobs[first + r].repetition);
            v[12] = sp->device[0] ? wn__v_text(sp->device) : wn__v_null();
            v[13] = jobs[first + r].spec.min_seconds_given
                        ? wn__v_real(sp->min_seconds) : wn__v_null();
            o += (size_t)snprintf(sql + o, JOB_SQL_CAP - o, "%s(", r ? ", " : "");
            for (size_t c = 0; c < JOB_COLS; c++)
                o += (size_t)snprintf(sql + o, JOB_SQL_CAP - o, "$%zu, ",
                                      r * JOB_COLS + c + 1);
            o += (size_t)snprintf(sql + o, JOB_SQL_CAP - o, "'queued', 0, {NOW})");
        }
        rc = wn__store_query(s, sql, vals, k * JOB_COLS, NULL, NULL, NULL);
        if (rc != WN_OK)
            goto out;
    }
    *sweep_id = id;
out:
    wn_free(vals);
    wn_free(sql);
    return rc;
}

int wn_store_sweep_add(wn_store *s, const char *name, const char *spec_json,
                       uint64_t seed, const wn_job *jobs, size_t n,
                       int64_t *sweep_id)
{
    int64_t id = 0;
    int rc = WN_OK;
    if (!s || !name || !spec_json || (n && !jobs))
        return wn_seterr(WN_EINVAL, "store: sweep_add: NULL argument");
    rc = wn__store_begin(s, 1);
    if (rc != WN_OK)
        goto out;
    rc = wn__store_sweep_insert(s, name, spec_json, seed, jobs, n, &id);
    if (rc != WN_OK)
        goto out;
    rc = wn__store_commit(s);
    if (rc == WN_OK && sweep_id)
        *sweep_id = id;
out:
    if (s->in_tx)
        wn__store_rollback(s);
    return rc;
}

int wn_store_sweep_find(wn_store *s, const char *name, int64_t *sweep_id)
{
    int64_t id = 0;
    if (!s || !name)
        return wn_seterr(WN_EINVAL, "store: sweep_find: NULL argument");
    struct wn__sql_val v = wn__v_text(name);
    int rc = wn__store_query(s, "SELECT max(id) FROM sweeps WHERE name = $1", &v, 1,
                             wn__row_int, &id, NULL);
    if (rc != WN_OK)
        return rc;
    if (id == 0)
        return wn_seterr(WN_ENOENT, "store: no sweep named '%s'", name);
    if (sweep_id)
        *sweep_id = id;
    return WN_OK;
}

/* ---- claims --------------------------------------------------------------------- */

struct claimed {
    int found;
    wn_job *job;
};

static int read_job(void *user, wn_store *s, const struct wn__sql_row *r)
{
    struct claimed *c = user;
    wn_job *j = c->job;
    memset(j, 0, sizeof *j);
    int k = 0;
    j->job_id = wn__col_int(s, r, k++);
    j->sweep_id = wn__col_int(s, r, k++);
    int rc = WN_OK;
    wn__col_str(s, r, k++, j->spec.dataset, sizeof j->spec.dataset, "dataset", &rc);
    wn__col_str(s, r, k++, j->spec.train.shape, sizeof j->spec.train.shape, "shape",
                &rc);
    j->spec.train.depth = (size_t)wn__col_int(s, r, k++);
    j->spec.train.size = (uint64_t)wn__col_int(s, r, k++);
    j->spec.train.epochs = (size_t)wn__col_int(s, r, k++);
    j->spec.train.batch = (size_t)wn__col_int(s, r, k++);
    j->spec.train.learning_rate = wn__col_real(s, r, k++);
    j->spec.train.seed = (uint64_t)wn__col_int(s, r, k++);
    j->spec.train.threads = (int)wn__col_int(s, r, k++);
    j->repetition = (int)wn__col_int(s, r, k++);
    j->attempts = (int)wn__col_int(s, r, k++);
    wn__col_str(s, r, k++, j->spec.train.device, sizeof j->spec.train.device,
                "device", &rc);
    j->spec.min_seconds_given = !wn__col_null(s, r, k);
    j->spec.train.min_seconds = j->spec.min_seconds_given ? wn__col_real(s, r, k) : 0.0;
    k++;
    c->found = 1;
    return wn__col_row_error(rc, "jobs", j->job_id);
}

static int read_count(void *user, wn_store *s, const struct wn__sql_row *r)
{
    *(int64_t *)user = wn__col_int(s, r, 0);
    return WN_OK;
}

/* The SQL condition on a job's device for a worker with DEVICES (a
 * WN_JOB_DEVICE_* mask): "" for every device.  A job without a device (or
 * "cpu") is a CPU job; "cuda" and "cuda:N" are GPU jobs. */
static const char *device_filter(unsigned devices)
{
    unsigned both = WN_JOB_DEVICE_CPU | WN_JOB_DEVICE_CUDA;
    if ((devices & both) == both)
        return "";
    if (devices & WN_JOB_DEVICE_CUDA)
        return " AND device LIKE 'cuda%'";
    return " AND (device IS NULL OR device NOT LIKE 'cuda%')";
}

/* Mark job ID, just claimed in this transaction, failed with ERR before it
 * ran: the claim's attempt is taken back. */
static int fail_unclaimed(wn_store *s, int64_t id, const char *err)
{
    struct wn__sql_val f[] = { wn__v_int(id), wn__v_text(err) };
    return wn__store_query(s,
                           "UPDATE jobs SET status = 'failed', error = $2,"
                           " attempts = attempts - 1, lease_owner = NULL,"
                           " lease_expires = NULL, finished = {NOW} WHERE id = $1",
                           f, 2, NULL, NULL, NULL);
}

int wn_store_job_claim(wn_store *s, const char *owner, double lease_s,
                       int max_attempts, wn_job *out)
{
    return wn_store_job_claim_on(s, owner, lease_s, max_attempts,
                                 WN_JOB_DEVICE_CPU | WN_JOB_DEVICE_CUDA, out);
}

int wn_store_job_claim_on(wn_store *s, const char *owner, double lease_s,
                          int max_attempts, unsigned devices, wn_job *out)
{
    int rc = WN_OK;
    char sql[1024], count_sql[256];
    if (!s || !owner || !out || !(lease_s > 0) || max_attempts < 1 ||
        !(devices & (WN_JOB_DEVICE_CPU | WN_JOB_DEVICE_CUDA)))
        return wn_seterr(WN_EINVAL, "store: job_claim: bad argument");
    const char *dev = device_filter(devices);
    snprintf(sql, sizeof sql,
             "UPDATE jobs SET status = 'running', attempts = attempts + 1,"
             " lease_owner = $1, lease_expires = {NOW} + $2, heartbeat = {NOW},"
             " started = {NOW}"
             " WHERE id = (SELECT id FROM jobs WHERE (status = 'queued' OR"
             " (status = 'running' AND lease_expires < {NOW}))%s"
             " ORDER BY ord, id LIMIT 1{SKIP_LOCKED})"
             " RETURNING id, sweep_id, dataset, shape, depth, size, epochs, batch,"
             " learning_rate, seed, threads, repetition, attempts, device, min_seconds",
             dev);
    snprintf(count_sql, sizeof count_sql,
             "SELECT count(*) FROM jobs WHERE status IN ('queued', 'running')%s",
             dev);
    struct claimed c = { 0, out };
    rc = wn__store_begin(s, 1);
    if (rc != WN_OK)
        goto out;
    for (int guard = 0; guard < 100000; guard++) {
        struct wn__sql_val v[] = { wn__v_text(owner), wn__v_real(lease_s) };
        char err[1024];   /* as long as wn_errmsg() holds */
        c.found = 0;
        rc = wn__store_query(s, sql, v, 2, read_job, &c, NULL);
        if (rc == WN_EFORMAT && c.found) {
            /* A row wattnet cannot read whole (read_job named it): the
             * job fails with that reason, and the claim goes on. */
            snprintf(err, sizeof err, "%s", wn_errmsg());
        } else if (rc != WN_OK || !c.found) {
            break;
        } else {
            out->owner = owner;
            if (out->attempts <= max_attempts)
                break;
            /* Its last attempt's lease expired: the job failed. */
            snprintf(err, sizeof err,
                     "lease expired after %d attempts (worker died or hung)",
                     out->attempts - 1);
        }
        rc = fail_unclaimed(s, out->job_id, err);
        if (rc != WN_OK)
            break;
        c.found = 0;
    }
    if (rc != WN_OK)
        goto out;
    if (!c.found) {
        int64_t left = 0;
        rc = wn__store_query(s, count_sql, NULL, 0, read_count, &left, NULL);
        if (rc != WN_OK)
            goto out;
        rc = wn__store_commit(s);
        if (rc != WN_OK)
            goto out;
        if (left > 0)
            rc = wn_seterr(WN_EBUSY, "store: %" PRId64 " jobs running elsewhere",
                           left);
        else
            rc = wn_seterr(WN_ENOENT, "store: no job queued");
        goto out;
    }
    rc = wn__store_commit(s);
out:
    if (s->in_tx)
        wn__store_rollback(s);
    return rc;
}

int wn_store_job_renew(wn_store *s, int64_t job_id, const char *owner,
                       double lease_s)
{
    int64_t changed = 0;
    if (!s || !owner || !(lease_s > 0))
        return wn_seterr(WN_EINVAL, "store: job_renew: bad argument");
    struct wn__sql_val v[] = { wn__v_int(job_id), wn__v_text(owner),
                               wn__v_real(lease_s) };
    int rc = wn__store_query(s,
                             "UPDATE jobs SET lease_expires = {NOW} + $3,"
                             " heartbeat = {NOW} WHERE id = $1 AND lease_owner = $2"
                             " AND status = 'running'",
                             v, 3, NULL, NULL, &changed);
    if (rc != WN_OK)
        return rc;
    if (changed != 1)
        return wn_seterr(WN_ESTATE, "store: job %" PRId64 " is no longer held by %s",
                         job_id, owner);
    return WN_OK;
}

int wn_store_job_fail(wn_store *s, int64_t job_id, const char *owner,
                      const char *error, int max_attempts)
{
    int64_t changed = 0;
    if (!s || !owner || max_attempts < 1)
        return wn_seterr(WN_EINVAL, "store: job_fail: bad argument");
    struct wn__sql_val v[] = { wn__v_int(job_id), wn__v_text(owner),
                               wn__v_text(error ? error : "failed"),
                               wn__v_int(max_attempts) };
    int rc = wn__store_query(s,
                             "UPDATE jobs SET status = CASE WHEN attempts >= $4"
                             " THEN 'failed' ELSE 'queued' END, error = $3,"
                             " lease_owner = NULL, lease_expires = NULL,"
                             " finished = {NOW}"
                             " WHERE id = $1 AND lease_owner = $2 AND"
                             " status = 'running'",
                             v, 4, NULL, NULL, &changed);
    if (rc != WN_OK)
        return rc;
    if (changed != 1)
        return wn_seterr(WN_ESTATE, "store: job %" PRId64 " is no longer held by %s",
                         job_id, owner);
    return WN_OK;
}

struct owner_cb {
    wn_job_owner_fn fn;
    void *user;
};

static int read_owner(void *user, wn_store *s, const struct wn__sql_row *r)
{
    struct owner_cb *c = user;
    return c->fn(c->user, wn__col_int(s, r, 0), wn__col_text(s, r, 1));
}

int wn_store_jobs_running(wn_store *s, wn_job_owner_fn fn, void *user)
{
    if (!s || !fn)
        return wn_seterr(WN_EINVAL, "store: jobs_running: NULL argument");
    struct owner_cb c = { fn, user };
    return wn__store_query(s,
                           "SELECT id, lease_owner FROM jobs WHERE status = 'running'"
                           " ORDER BY id",
                           NULL, 0, read_owner, &c, NULL);
}

/* Back to queued, lease dropped, WHY kept; with REFUND the claim that
 * counted an attempt is taken back. */
static int put_back(wn_store *s, int64_t job_id, const char *owner,
                    const char *why, int refund, const char *what)
{
    int64_t changed = 0;
    if (!s || !owner)
        return wn_seterr(WN_EINVAL, "store: %s: NULL argument", what);
    struct wn__sql_val v[] = { wn__v_int(job_id), wn__v_text(owner),
                               wn__v_text(why ? why : "worker died"),
                               wn__v_int(refund ? 1 : 0) };
    int rc = wn__store_query(s,
                             "UPDATE jobs SET status = 'queued', error = $3,"
                             " attempts = CASE WHEN attempts >= $4"
                             " THEN attempts - $4 ELSE 0 END,"
                             " lease_owner = NULL, lease_expires = NULL"
                             " WHERE id = $1 AND lease_owner = $2 AND"
                             " status = 'running'",
                             v, 4, NULL, NULL, &changed);
    if (rc != WN_OK)
        return rc;
    if (changed != 1)
        return wn_seterr(WN_ESTATE, "store: job %" PRId64 " is no longer held by %s",
                         job_id, owner);
    return WN_OK;
}

int wn_store_job_release(wn_store *s, int64_t job_id, const char *owner,
                         const char *why)
{
    return put_back(s, job_id, owner, why, 0, "job_release");
}

int wn_store_job_return(wn_store *s, int64_t job_id, const char *owner,
                        const char *why)
{
    return put_back(s, job_id, owner, why, 1, "job_return");
}

/* ---- status ------------------------------------------------------------------------- */

static int read_status_count(void *user, wn_store *s, const struct wn__sql_row *r)
{
    wn_queue_status *q = user;
    const char *st = wn__col_text(s, r, 0);
    int64_t n = wn__col_int(s, r, 1);
    if (!strcmp(st, "queued"))
        q->queued = n;
    else if (!strcmp(st, "running"))
        q->running = n;
    else if (!strcmp(st, "done"))
        q->done = n;
    else if (!strcmp(st, "failed"))
        q->failed = n;
    return WN_OK;
}

struct recent {
    int64_t n;
    double span_s;
};

static int read_recent(void *user, wn_store *s, const struct wn__sql_row *r)
{
    struct recent *rc = user;
    rc->n = wn__col_int(s, r, 0);
    rc->span_s = wn__col_real(s, r, 1);
    return WN_OK;
}

static int read_energy_sums(void *user, wn_store *s, const struct wn__sql_row *r)
{
    wn_queue_status *q = user;
    q->runs = wn__col_int(s, r, 0);
    q->measured_runs = wn__col_int(s, r, 1);
    q->joules = wn__col_real(s, r, 2);
    q->has_joules = q->measured_runs > 0 && !isnan(q->joules);
    if (!q->has_joules)
        q->joules = 0.0;
    int64_t n_est = wn__col_int(s, r, 3);
    q->estimated_joules = wn__col_real(s, r, 4);
    q->has_estimated = n_est > 0 && !isnan(q->estimated_joules);
    if (!q->has_estimated)
        q->estimated_joules = 0.0;
    return WN_OK;
}

int wn_store_queue_status(wn_store *s, wn_queue_status *out)
{
    struct recent rec = { 0, NAN };
    int rc = WN_OK;
    if (!s || !out)
        return wn_seterr(WN_EINVAL, "store: queue_status: NULL argument");
    memset(out, 0, sizeof *out);
    rc = wn__store_begin(s, 0);
    if (rc != WN_OK)
        goto out;
    rc = wn__store_query(s, "SELECT status, count(*) FROM jobs GROUP BY status",
                         NULL, 0, read_status_count, out, NULL);
    if (rc != WN_OK)
        goto out;
    rc = wn__store_query(
        s,
        "SELECT count(*), sum(CASE WHEN energy_measured = 1 AND"
        " energy_is_estimate = 0 THEN 1 ELSE 0 END),"
        " sum(CASE WHEN energy_measured = 1 AND energy_is_estimate = 0 THEN"
        " energy_j END),"
        " sum(CASE WHEN energy_measured = 1 AND energy_is_estimate = 1 THEN 1"
        " ELSE 0 END),"
        " sum(CASE WHEN energy_measured = 1 AND energy_is_estimate = 1 THEN"
        " energy_j END) FROM runs",
        NULL, 0, read_energy_sums, out, NULL);
    if (rc != WN_OK)
        goto out;
    /* Rate: jobs finished in the last hour over the time since the first of
     * them started. */
    rc = wn__store_query(s,
                         "SELECT count(*), {NOW} - min(started) FROM jobs WHERE"
                         " status = 'done' AND finished >= {NOW} - 3600.0",
                         NULL, 0, read_recent, &rec, NULL);
    if (rc != WN_OK)
        goto out;
    rc = wn__store_commit(s);
    if (rc != WN_OK)
        goto out;
    if (rec.n > 0 && !isnan(rec.span_s)) {
        double span = rec.span_s < 1.0 ? 1.0 : rec.span_s;
        out->has_rate = 1;
        out->runs_per_hour = (double)rec.n / span * 3600.0;
        out->has_eta = 1;
        out->eta_s = (double)(out->queued + out->running) / out->runs_per_hour * 3600.0;
    }
out:
    if (s->in_tx)
        wn__store_rollback(s);
    return rc;
}
