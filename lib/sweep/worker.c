/*
 * worker.c - workers: processes that claim jobs from the store's queue, run
 * them and store their runs, until nothing is queued or running.  This
 * file owns the options and one worker's claim loop (wn_worker_loop); the
 * other concepts have their own files (worker_internal.h lists them):
 * worker_supervisor.c forks and reaps the worker processes, and
 * worker_heartbeat.c, worker_pin.c, worker_owner.c and worker_exec.c hold
 * the heartbeat, pinning, lease owners and the default executor.
 *
 * DESIGN
 *   wn_worker_run forks N worker processes (each opens its own database
 *   connection after the fork; SQLite connections must not cross a fork)
 *   and waits for them, calling on_progress about once a second from its
 *   own connection.  A worker process that dies abnormally is counted and
 *   replaced while jobs remain (at most 2N replacements), so one crash
 *   does not stall a local sweep.
 *
 *   wn_worker_loop is one worker: claim (a lease of lease_s seconds), run
 *   the executor, repeat.  A heartbeat thread with its own connection
 *   renews the lease every lease_s / 3 while a job runs, so a long job
 *   keeps its claim and a killed worker's job becomes claimable again once
 *   its lease expires.  When nothing is claimable but jobs are running
 *   elsewhere the worker waits poll_s and tries again: a job whose worker
 *   died is then reclaimed.  A failed attempt is recorded with its error
 *   (wn_store_job_fail) and retried up to max_attempts.
 *
 *   Before starting and after a worker process dies, wn_worker_run puts
 *   back at once the jobs held by dead worker processes of this machine
 *   (lease owner "host:boot-id:pid:index" with this host and boot id and
 *   a pid that no longer exists), so a rerun after Ctrl-C or a crash does
 *   not wait for their leases to expire.  Jobs of other machines are left
 *   to lease expiry.
 *
 *   The executor is a function pointer: the default runs wn_run_execute
 *   with this process's meter and stores the record with
 *   wn_store_put_run, which marks the job done in the same transaction;
 *   tests pass a fake one that stores a tiny record or sleeps.
 *
 *   Crash safety: a run and its job's "done" mark commit together, and a
 *   run for a job that is already done is refused (WN_ESTATE), so a worker
 *   killed at any moment loses no finished run and never duplicates one.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sweep/worker_internal.h"

/* ---- time ------------------------------------------------------------------ */

double wn__worker_now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

void wn__worker_sleep_s(double s)
{
    if (s <= 0)
        return;
    struct timespec ts = { (time_t)s, (long)((s - (double)(time_t)s) * 1e9) };
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

/* ---- options ----------------------------------------------------------------- */

void wn_worker_opts_default(wn_worker_opts *o)
{
    memset(o, 0, sizeof *o);
    o->workers = 1;
    o->lease_s = 60.0;
    o->max_attempts = 3;
    o->poll_s = 0.5;
}

/* A meter named on purpose must work: probe it once before any job runs,
 * so a typo or a missing counter is an error, not a sweep stored without
 * energy.  NULL, "auto" (best effort) and "none" need no probe. */
static int check_meter(const char *source)
{
    if (!source || !strcmp(source, "auto") || !strcmp(source, "none"))
        return WN_OK;
    wn_meter_opts mo;
    wn_meter *m = NULL;
    wn_meter_opts_default(&mo);
    mo.source = source;
    int rc = wn_meter_open(&mo, &m);
    wn_meter_close(&m);
    return rc;
}

int wn__worker_check_opts(const wn_worker_opts *o)
{
    if (!o || !o->url || !*o->url)
        return wn_seterr(WN_EINVAL, "worker: no database URL");
    if (o->workers < 1 || o->workers > 4096)
        return wn_seterr(WN_EINVAL, "worker: --workers %d: must be 1..4096", o->workers);
    if (!(o->lease_s >= 0.05))
        return wn_seterr(WN_EINVAL, "worker: lease %.3g s: must be at least 0.05 s",
                         o->lease_s);
    if (o->max_attempts < 1)
        return wn_seterr(WN_EINVAL, "worker: max attempts %d: must be at least 1",
                         o->max_attempts);
    if (o->threads < 0)
        return wn_seterr(WN_EINVAL, "worker: threads %d: must be >= 0", o->threads);
    return check_meter(o->meter_source);
}

/* ---- one worker ---------------------------------------------------------------- */

/* Name, pin and size the worker, open its store, start its heartbeat. */
static int worker_begin(struct worker *w, const wn_worker_opts *o, int index,
                        wn_store **s)
{
    char prefix[192];
    int rc = WN_OK;
    w->o = o;
    w->index = index;
    w->dopts.data_dir = o->data_dir;
    w->dopts.seed = 1;
    wn__worker_owner_prefix(prefix, sizeof prefix);
    snprintf(w->owner, sizeof w->owner, "%s%ld:%d", prefix, (long)getpid(), index);
    if (o->pin) {
        int cpu = -1;
        rc = wn__worker_pin(index, &cpu);
        if (rc != WN_OK)
            return rc;
        w->threads = 1;
    } else {
        w->threads = o->threads ? o->threads : wn__worker_cpus() / o->workers;
        if (w->threads < 1)
            w->threads = 1;
    }
    rc = wn_store_open(o->url, s);
    if (rc != WN_OK)
        return rc;
    return wn__heartbeat_start(w);
}

/* Run one claimed job under the heartbeat and record a failed attempt.
 * WN_OK to go on (the counts updated); else the status that stops the
 * worker (the store failed). */
static int run_job(struct worker *w, wn_store *s, wn_job *job, size_t *n_done,
                   size_t *n_failed)
{
    const wn_worker_opts *o = w->o;
    wn_job_executor exec = o->exec ? o->exec : wn__worker_default_exec;
    void *exec_user = o->exec ? o->exec_user : w;
    char err[512];
    if (job->spec.train.threads <= 0)
        job->spec.train.threads = w->threads;
    wn__heartbeat_set_job(w, job->job_id);
    double t0 = wn__worker_now_s();
    wn_clearerr();
    int jrc = exec(exec_user, s, job);
    snprintf(err, sizeof err, "%s", jrc == WN_OK ? "" : wn_errmsg());
    if (jrc != WN_OK && !err[0])
        snprintf(err, sizeof err, "%s", wn_strerror(jrc));
    wn__heartbeat_set_job(w, 0);
    double secs = wn__worker_now_s() - t0;
    int rc = WN_OK;
    if (jrc == WN_OK) {
        (*n_done)++;
    } else {
        /* Record the failed attempt.  WN_ESTATE: the job is no longer
         * ours (another worker finished it after our lease expired, so
         * our run was refused): nothing to record. */
        int frc = wn_store_job_fail(s, job->job_id, w->owner, err, o->max_attempts);
        if (frc == WN_OK)
            (*n_failed)++;
        else if (frc != WN_ESTATE)
            rc = frc;
    }
    if (o->on_job && rc == WN_OK)
        o->on_job(o->user, w->index, job, jrc, err, secs);
    if (rc == WN_OK && w->fatal)
        rc = wn_seterr(w->fatal, "worker: storing a run failed, stopping: %s",
                       w->fatal_msg);
    return rc;
}

int wn_worker_loop(const wn_worker_opts *o, int index, size_t *done, size_t *failed)
{
    struct worker w;
    wn_store *s = NULL;
    size_t n_done = 0, n_failed = 0;
    int rc = wn__worker_check_opts(o);
    if (rc != WN_OK)
        goto report;
    memset(&w, 0, sizeof w);
    pthread_mutex_init(&w.mu, NULL);
    pthread_cond_init(&w.cv, NULL);
    rc = worker_begin(&w, o, index, &s);
    /* Back off up to 5 s (or half a lease) between empty claims, so that
     * many idle workers do not flood the database. */
    double base_wait_s = o->poll_s > 0 ? o->poll_s : 0.5;
    double max_wait_s = o->lease_s / 2 < 5.0 ? o->lease_s / 2 : 5.0;
    if (max_wait_s < base_wait_s)
        max_wait_s = base_wait_s;
    double wait_s = base_wait_s;
    unsigned devices = o->devices;
    if (rc == WN_OK && !devices)
        devices = wn_worker_devices_detect();
    while (rc == WN_OK) {
        wn_job job;
        rc = wn_store_job_claim_on(s, w.owner, o->lease_s, o->max_attempts,
                                   devices, &job);
        if (rc == WN_ENOENT) {
            rc = WN_OK;
            break;
        }
        if (rc == WN_EBUSY) {
            /* Others hold every remaining job (or the database is busy):
             * wait, their leases may expire. */
            wn__worker_sleep_s(wait_s);
            wait_s = wait_s * 2 < max_wait_s ? wait_s * 2 : max_wait_s;
            rc = WN_OK;
            continue;
        }
        if (rc != WN_OK)
            break;
        wait_s = base_wait_s;
        rc = run_job(&w, s, &job, &n_done, &n_failed);
    }
    wn__heartbeat_stop(&w);
    wn__worker_exec_close(&w);
    wn_store_close(&s);
    pthread_cond_destroy(&w.cv);
    pthread_mutex_destroy(&w.mu);
report:
    if (done)
        *done = n_done;
    if (failed)
        *failed = n_failed;
    return rc;
}
