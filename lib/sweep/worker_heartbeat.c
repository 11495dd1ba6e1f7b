/*
 * worker_heartbeat.c - the heartbeat thread of a worker: with its own
 * database connection it renews the lease of the job being run every
 * lease_s / 3, so a long job keeps its claim, and a killed worker's job
 * becomes claimable again once its lease expires.  A renewal refused
 * (WN_ESTATE: the lease was lost) sets w->lost.
 */
#include <pthread.h>
#include <time.h>

#include "sweep/worker_internal.h"

static void *heartbeat_main(void *arg)
{
    struct worker *w = arg;
    wn_store *s = NULL;
    double period = w->o->lease_s / 3.0;
    pthread_mutex_lock(&w->mu);
    while (!w->stop) {
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        double t = (double)until.tv_nsec * 1e-9 + period;
        until.tv_sec += (time_t)t;
        until.tv_nsec = (long)((t - (double)(time_t)t) * 1e9);
        pthread_cond_timedwait(&w->cv, &w->mu, &until);
        if (w->stop)
            break;
        int64_t job = w->job_id;
        if (job == 0)
            continue;
        pthread_mutex_unlock(&w->mu);
        if (!s && wn_store_open(w->o->url, &s) != WN_OK)
            s = NULL;   /* try again next period */
        int rc = s ? wn_store_job_renew(s, job, w->owner, w->o->lease_s) : WN_EDB;
        pthread_mutex_lock(&w->mu);
        if (rc == WN_ESTATE && w->job_id == job)
            w->lost = 1;
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
