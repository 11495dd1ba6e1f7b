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
 *   run for a job that is not running under this worker's lease any more
 *   is refused (wn_store_put_job_run: WN_ESTATE), so a worker killed at
 *   any moment loses no finished run and never duplicates one, and a
 *   worker that lost its lease never stores a run another worker owns.
 *
 *   Lease loss: when the heartbeat finds the lease lost (a renewal refused,
 *   or none succeeded for a whole lease) the executor abandons the run
 *   (the default at the next epoch, through the run observer's cancelled
 *   hook; others through wn_worker_cancelled) and the attempt is recorded
 *   only if the job is still ours.
 *
 *   Lost connection: a claim, a failure record or a run store that fails
 *   with WN_EDB closes the connection and opens it again (bounded tries
 *   with a doubling wait, each reported through on_notice), then tries the
 *   step once more; only then does the worker give up.
 *
 *   Signals (worker_signal.c): SIGTERM, SIGINT or SIGHUP stop claiming;
 *   the job being run is put back in the queue at once by the heartbeat
 *   (no failure recorded, and the claim not counted as an attempt:
 *   wn_store_job_return) and the
 *   worker returns WN_ECANCELED.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sweep/worker_internal.h"
#include "core/util.h"

/* ---- time ------------------------------------------------------------------ */

double wn__worker_now_s(void)
{
    return wn__now_s();
}

void wn__worker_sleep_s(double s)
{
    if (s <= 0)
        return;
    struct timespec ts = { (time_t)s, (long)((s - (double)(time_t)s) * 1e9) };
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

void wn__worker_nap_s(double s)
{
    double until = wn__worker_now_s() + s;
    for (;;) {
        double left = until - wn__worker_now_s();
        if (left <= 0 || wn__worker_stop_signal())
            return;
        wn__worker_sleep_s(left < 0.05 ? left : 0.05);
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

/* The worker whose executor runs on this thread (wn_worker_cancelled). */
static _Thread_local struct worker *current;

void wn__worker_notice(const struct worker *w, const char *fmt, ...)
{
    char line[768];
    va_list ap;
    if (!w->o->on_notice)
        return;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    w->o->on_notice(w->o->user, w->index, line);
}

int wn__worker_cancelled(struct worker *w)
{
    pthread_mutex_lock(&w->mu);
    int gone = w->lost || w->released;
    pthread_mutex_unlock(&w->mu);
    return gone || wn__worker_stop_signal() != 0;
}

int wn_worker_cancelled(void)
{
    return current ? wn__worker_cancelled(current) : 0;
}

int wn__worker_reconnect(struct worker *w, const char *what)
{
    char why[512];
    double wait_s = 0.5;
    snprintf(why, sizeof why, "%s", wn_errmsg());
    wn_store_close(&w->s);
    for (int k = 1; k <= WN__RECONNECT_TRIES; k++) {
        if (wn__worker_stop_signal())
            return wn_seterr(WN_ECANCELED, "worker: stopped while reconnecting");
        if (wn_store_open(w->o->url, &w->s) == WN_OK) {
            wn__worker_notice(w, "database reconnected (try %d of %d) after: %s: %s",
                              k, WN__RECONNECT_TRIES, what, why);
            return WN_OK;
        }
        w->s = NULL;
        wn__worker_notice(w, "database lost (%s: %s); reconnection try %d of %d"
                             " failed (%s)%s", what, why, k, WN__RECONNECT_TRIES,
                          wn_errmsg(), k < WN__RECONNECT_TRIES ? "; retrying" : "");
        if (k < WN__RECONNECT_TRIES)
            wn__worker_nap_s(wait_s);
        wait_s = wait_s * 2 < 15.0 ? wait_s * 2 : 15.0;
    }
    return wn_seterr(WN_EDB, "worker: database lost (%s: %s); %d reconnection tries"
                             " failed", what, why, WN__RECONNECT_TRIES);
}

/* Name, pin and size the worker, open its store, start its heartbeat. */
static int worker_begin(struct worker *w, const wn_worker_opts *o, int index)
{
    char prefix[192];
    int rc = WN_OK;
    w->o = o;
    w->index = index;
    /* the devices this worker claims jobs for (issue 11) */
    w->devices = o->devices ? o->devices : wn_worker_devices_detect();
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
    rc = wn_store_open(o->url, &w->s);
    if (rc != WN_OK)
        return rc;
    return wn__heartbeat_start(w);
}

/* Put a job we stop working on back (a stop signal): WN_OK also when it is
 * no longer ours. */
static int put_back(struct worker *w, const wn_job *job)
{
    char why[128];
    snprintf(why, sizeof why, "worker stopped by %s; put back at once",
             wn__worker_signal_name(wn__worker_stop_signal()));
    if (!w->s)
        return wn_seterr(WN_EDB, "worker: database lost; job %lld left to its lease",
                         (long long)job->job_id);
    int rc = wn_store_job_return(w->s, job->job_id, w->owner, why);
    if (rc == WN_EDB && wn__worker_reconnect(w, "putting a job back") == WN_OK)
        rc = wn_store_job_return(w->s, job->job_id, w->owner, why);
    return rc == WN_ESTATE ? WN_OK : rc;
}

/* Record a failed attempt ERR of JOB (reconnecting once if needed): WN_OK,
 * WN_ESTATE (the job is no longer ours: nothing recorded) or the error. */
static int record_failure(struct worker *w, const wn_job *job, const char *err)
{
    const wn_worker_opts *o = w->o;
    if (!w->s)
        return w->fatal ? wn_seterr(w->fatal, "worker: storing a run failed, stopping:"
                                              " %s", w->fatal_msg)
                        : wn_seterr(WN_EDB, "worker: database lost; job %lld left to"
                                            " its lease", (long long)job->job_id);
    int rc = wn_store_job_fail(w->s, job->job_id, w->owner, err, o->max_attempts);
    if (rc == WN_EDB && wn__worker_reconnect(w, "recording a failed attempt") == WN_OK)
        rc = wn_store_job_fail(w->s, job->job_id, w->owner, err, o->max_attempts);
    return rc;
}

/* Execute JOB under the heartbeat; its status, ERR its message. */
static int execute(struct worker *w, wn_job *job, char *err, size_t cap)
{
    const wn_worker_opts *o = w->o;
    wn_job_executor exec = o->exec ? o->exec : wn__worker_default_exec;
    void *exec_user = o->exec ? o->exec_user : w;
    wn__heartbeat_set_job(w, job->job_id);
    current = w;
    wn_clearerr();
    int jrc = wn__worker_stop_signal()
                  ? wn_seterr(WN_ECANCELED, "worker: stopping; job not started")
                  : exec(exec_user, w->s, job);
    current = NULL;
    snprintf(err, cap, "%s", jrc == WN_OK ? "" : wn_errmsg());
    if (jrc != WN_OK && !err[0])
        snprintf(err, cap, "%s", wn_strerror(jrc));
    wn__heartbeat_set_job(w, 0);
    return jrc;
}

/* Run one claimed job under the heartbeat and record a failed attempt.
 * WN_OK to go on (the counts updated); else the status that stops the
 * worker (the store failed). */
static int run_job(struct worker *w, wn_job *job, size_t *n_done, size_t *n_failed)
{
    const wn_worker_opts *o = w->o;
    char err[512];
    int rc = WN_OK;
    if (job->spec.train.threads <= 0)
        job->spec.train.threads = w->threads;
    double t0 = wn__worker_now_s();
    int jrc = execute(w, job, err, sizeof err);
    double secs = wn__worker_now_s() - t0;
    if (jrc == WN_OK) {
        (*n_done)++;
    } else if (wn__worker_stop_signal()) {
        rc = put_back(w, job);   /* not the job's fault: no attempt recorded */
    } else {
        /* WN_ESTATE: the job is no longer ours (reclaimed after our lease
         * expired, so our run was refused): nothing to record.  A lost
         * lease that nobody took yet is recorded as a failed attempt. */
        int frc = record_failure(w, job, err);
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

/* Claim the next job, reconnecting once when the database was lost. */
static int claim(struct worker *w, wn_job *job)
{
    const wn_worker_opts *o = w->o;
    if (!w->s) {
        int rc = wn__worker_reconnect(w, "claiming a job");
        if (rc != WN_OK)
            return rc;
    }
    int rc = wn_store_job_claim_on(w->s, w->owner, o->lease_s, o->max_attempts,
                                   w->devices, job);
    if (rc == WN_EDB && wn__worker_reconnect(w, "claiming a job") == WN_OK)
        rc = wn_store_job_claim_on(w->s, w->owner, o->lease_s, o->max_attempts,
                                   w->devices, job);
    return rc;
}

/* Claim and run jobs until none is left, a stop signal or an error. */
static int claim_loop(struct worker *w, size_t *n_done, size_t *n_failed)
{
    const wn_worker_opts *o = w->o;
    /* Back off up to 5 s (or half a lease) between empty claims, so that
     * many idle workers do not flood the database. */
    double base_wait_s = o->poll_s > 0 ? o->poll_s : 0.5;
    double max_wait_s = o->lease_s / 2 < 5.0 ? o->lease_s / 2 : 5.0;
    if (max_wait_s < base_wait_s)
        max_wait_s = base_wait_s;
    double wait_s = base_wait_s;
    int rc = WN_OK;
    while (rc == WN_OK) {
        int sig = wn__worker_stop_signal();
        if (sig)
            return wn_seterr(WN_ECANCELED, "worker %d: stopped by %s", w->index,
                             wn__worker_signal_name(sig));
        wn_job job;
        rc = claim(w, &job);
        if (rc == WN_ENOENT)
            return WN_OK;
        if (rc == WN_EBUSY) {
            /* Others hold every remaining job (or the database is busy):
             * wait, their leases may expire. */
            wn__worker_nap_s(wait_s);
            wait_s = wait_s * 2 < max_wait_s ? wait_s * 2 : max_wait_s;
            rc = WN_OK;
            continue;
        }
        if (rc != WN_OK)
            break;
        wait_s = base_wait_s;
        rc = run_job(w, &job, n_done, n_failed);
    }
    return rc;
}

int wn__worker_loop_run(const wn_worker_opts *o, int index, size_t *done,
                        size_t *failed)
{
    struct worker w;
    size_t n_done = 0, n_failed = 0;
    int rc = wn__worker_check_opts(o);
    if (rc != WN_OK)
        goto report;
    memset(&w, 0, sizeof w);
    pthread_mutex_init(&w.mu, NULL);
    pthread_cond_init(&w.cv, NULL);
    rc = worker_begin(&w, o, index);
    if (rc == WN_OK)
        rc = claim_loop(&w, &n_done, &n_failed);
    wn__heartbeat_stop(&w);
    wn__worker_exec_close(&w);
    wn_store_close(&w.s);
    pthread_cond_destroy(&w.cv);
    pthread_mutex_destroy(&w.mu);
report:
    if (done)
        *done = n_done;
    if (failed)
        *failed = n_failed;
    return rc;
}

int wn_worker_loop(const wn_worker_opts *o, int index, size_t *done, size_t *failed)
{
    struct wn__worker_sigs saved;
    wn__worker_signals_install(&saved);
    int rc = wn__worker_loop_run(o, index, done, failed);
    wn__worker_signals_restore(&saved);
    return rc;
}
