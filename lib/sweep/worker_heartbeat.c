/*
 * worker_heartbeat.c - the heartbeat thread of a worker: with its own
 * database connection it renews the lease of the job being run every
 * lease_s / 3, so a long job keeps its claim, and a killed worker's job
 * becomes claimable again once its lease expires.
 *
 * It also watches the lease and the stop signal, waking every 0.1 s:
 *   - a renewal refused (WN_ESTATE: the job was reclaimed, released or
 *     finished elsewhere), or no successful renewal for a whole lease (the
 *     lease expired: another worker may hold the job), sets w->lost; the
 *     executor abandons the run (wn__worker_cancelled) and the store
 *     refuses its run anyway (wn_store_put_job_run checks the owner);
 *   - after a stop signal it puts the job back in the queue at once
 *     without counting the attempt (wn_store_job_return) and sets w->released, even while the executor
 *     is still inside an epoch; in a forked worker process whose executor
 *     has not given up WN__CHILD_GRACE_S later, it ends the process.
 * A failed renewal closes the connection, so the next one reconnects.
 */
#include <pthread.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "sweep/worker_internal.h"

#define TICK_S 0.1

/* Wait on w->cv (w->mu held) for at most S seconds. */
static void wait_tick(struct worker *w, double s)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    double t = (double)until.tv_nsec * 1e-9 + s;
    until.tv_sec += (time_t)t;
    until.tv_nsec = (long)((t - (double)(time_t)t) * 1e9);
    pthread_cond_timedwait(&w->cv, &w->mu, &until);
}

/* One renewal or release on *s (opened when needed; closed after a
 * database error so that the next try reconnects). */
static int touch_job(struct worker *w, wn_store **s, int64_t job, int sig)
{
    int rc = WN_OK;
    if (!*s && wn_store_open(w->o->url, s) != WN_OK) {
        *s = NULL;
        return WN_EDB;
    }
    if (sig) {
        char why[128];
        snprintf(why, sizeof why, "worker stopped by %s; put back at once",
                 wn__worker_signal_name(sig));
        rc = wn_store_job_return(*s, job, w->owner, why);
    } else {
        rc = wn_store_job_renew(*s, job, w->owner, w->o->lease_s);
    }
    if (rc != WN_OK && rc != WN_ESTATE)
        wn_store_close(s);
    return rc;
}

/* The outcome of a renewal started at T0 for JOB (w->mu held). */
static void renewed(struct worker *w, int64_t job, int rc, double t0)
{
    if (rc == WN_OK) {
        w->renewed_s = t0;
        return;
    }
    if (w->lost)
        return;
    if (rc == WN_ESTATE) {
        w->lost = 1;
        wn__worker_notice(w, "job %lld: lease lost (the job was taken back);"
                             " abandoning the run", (long long)job);
    } else if (wn__worker_now_s() - w->renewed_s > w->o->lease_s) {
        w->lost = 1;
        wn__worker_notice(w, "job %lld: lease not renewed for %.1f s (%s);"
                             " abandoning the run", (long long)job,
                          w->o->lease_s, wn_errmsg());
    }
}

static void *heartbeat_main(void *arg)
{
    struct worker *w = arg;
    wn_store *s = NULL;
    double period = w->o->lease_s / 3.0;
    double tick = period < TICK_S ? period : TICK_S;
    int64_t tried_job = 0;    /* the last renewal tried: job and when */
    double tried_s = 0.0;
    pthread_mutex_lock(&w->mu);
    while (!w->stop) {
        wait_tick(w, tick);
        int64_t job = w->job_id;
        if (w->released && wn__worker_is_forked() &&
            wn__worker_now_s() - w->released_s > WN__CHILD_GRACE_S)
            _exit(1);   /* the executor ignores the stop; its job is back */
        if (w->stop || job == 0 || w->released)
            continue;
        int sig = wn__worker_stop_signal();
        double t0 = wn__worker_now_s();
        double last = w->renewed_s;
        if (tried_job == job && tried_s > last)
            last = tried_s;   /* a failed try: the next one a period later */
        if (!sig && t0 - last < period)
            continue;
        tried_job = job;
        tried_s = t0;
        pthread_mutex_unlock(&w->mu);
        int rc = touch_job(w, &s, job, sig);
        pthread_mutex_lock(&w->mu);
        if (w->job_id != job)
            continue;   /* the job ended meanwhile */
        if (sig && (rc == WN_OK || rc == WN_ESTATE)) {
            w->released = 1;   /* back in the queue, or no longer ours */
            w->released_s = wn__worker_now_s();
            if (rc == WN_OK)
                wn__worker_notice(w, "job %lld: put back in the queue (%s)",
                                  (long long)job, wn__worker_signal_name(sig));
        } else if (!sig) {
            renewed(w, job, rc, t0);
        }
    }
    pthread_mutex_unlock(&w->mu);
    wn_store_close(&s);
    return NULL;
}

int wn__heartbeat_start(struct worker *w)
{
    if (pthread_create(&w->hb, NULL, heartbeat_main, w) != 0)
        return wn_seterr(WN_EUNAVAILABLE, "worker: cannot start the heartbeat thread");
    w->hb_started = 1;
    return WN_OK;
}

void wn__heartbeat_set_job(struct worker *w, int64_t job_id)
{
    pthread_mutex_lock(&w->mu);
    w->job_id = job_id;
    w->lost = 0;
    w->released = 0;
    w->renewed_s = wn__worker_now_s();
    pthread_mutex_unlock(&w->mu);
}

void wn__heartbeat_stop(struct worker *w)
{
    if (!w->hb_started)
        return;
    pthread_mutex_lock(&w->mu);
    w->stop = 1;
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
    pthread_join(w->hb, NULL);
    w->hb_started = 0;
}
