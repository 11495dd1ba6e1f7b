/*
 * worker_fixture.h - helpers the worker signal and lease tests share
 * (test_worker_signals.c, test_worker_lease.c): enqueue N tiny jobs, read a
 * number with SQL, wait for a condition with a generous deadline (polling,
 * never a fixed sleep), wait for a child with a deadline, and fake
 * executors (a slow one that ignores cancellation and one that checks
 * wn_worker_cancelled).  Header-only: each test file is its own program.
 */
#ifndef WN_TEST_WORKER_FIXTURE_H
#define WN_TEST_WORKER_FIXTURE_H

#include <errno.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>

#include "store_fixture.h"

static inline double wx_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static inline void wx_nap(double s)
{
    struct timespec ts = { (time_t)s, (long)((s - (double)(time_t)s) * 1e9) };
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

static inline int wx_open_fresh(const char *url, wn_store **s)
{
    if (strncmp(url, "postgres", 8) == 0) {
        int rc = fx_pg_reset(url);
        if (rc != WN_OK)
            return rc;
    }
    return wn_store_open(url, s);
}

/* A fresh queue of N jobs on synthetic:banana, EPOCHS epochs each. */
static inline int wx_enqueue(const char *url, size_t n, size_t epochs)
{
    wn_store *s = NULL;
    int rc = wx_open_fresh(url, &s);
    if (rc != WN_OK)
        return rc;
    wn_job *jobs = wn_calloc(n, sizeof *jobs);
    for (size_t i = 0; jobs && i < n; i++) {
        snprintf(jobs[i].spec.dataset, sizeof jobs[i].spec.dataset, "synthetic:banana");
        snprintf(jobs[i].spec.train.shape, sizeof jobs[i].spec.train.shape, "rectangle");
        jobs[i].spec.train.depth = 2;
        jobs[i].spec.train.size = 100 + i;
        jobs[i].spec.train.epochs = epochs;
        jobs[i].spec.train.batch = 256;
        jobs[i].spec.train.learning_rate = 1e-4;
        jobs[i].spec.train.seed = 1;
        jobs[i].spec.train.threads = 1;
    }
    rc = jobs ? wn_store_sweep_add(s, "test", "{}", 1, jobs, n, NULL) : WN_ENOMEM;
    wn_free(jobs);
    wn_store_close(&s);
    return rc;
}

static inline int wx_read_i64(void *user, wn_store *s, const struct wn__sql_row *r)
{
    *(int64_t *)user = wn__col_int(s, r, 0);
    return WN_OK;
}

/* A number from SQL on URL; -1 when the query fails. */
static inline int64_t wx_scalar(const char *url, const char *sql)
{
    wn_store *s = NULL;
    int64_t v = -1;
    if (wn_store_open(url, &s) != WN_OK)
        return -1;
    if (wn__store_query(s, sql, NULL, 0, wx_read_i64, &v, NULL) != WN_OK)
        v = -1;
    wn_store_close(&s);
    return v;
}

/* Poll SQL on URL until it gives WANT (1) or TIMEOUT_S passes (0). */
static inline int wx_wait_sql(const char *url, const char *sql, int64_t want,
                              double timeout_s)
{
    double until = wx_now() + timeout_s;
    do {
        if (wx_scalar(url, sql) == want)
            return 1;
        wx_nap(0.02);
    } while (wx_now() < until);
    return 0;
}

/* Wait for child PID for at most TIMEOUT_S: 1 and *st, or 0 (still running). */
static inline int wx_wait_child(pid_t pid, int *st, double timeout_s)
{
    double until = wx_now() + timeout_s;
    do {
        pid_t r = waitpid(pid, st, WNOHANG);
        if (r == pid)
            return 1;
        if (r < 0 && errno != EINTR)
            return 0;
        wx_nap(0.02);
    } while (wx_now() < until);
    return 0;
}

/* The pid in a lease owner "host:boot:pid:index"; 0 if none. */
static inline long wx_owner_pid(const char *owner)
{
    const char *p = strrchr(owner, ':');
    if (!p || p == owner)
        return 0;
    const char *q = p - 1;
    while (q > owner && *q != ':')
        q--;
    return strtol(q + 1, NULL, 10);
}

static inline int wx_read_owner(void *user, wn_store *s, const struct wn__sql_row *r)
{
    long *pids = user;
    for (int i = 0; i < 16; i++)
        if (pids[i] == 0) {
            pids[i] = wx_owner_pid(wn__col_text(s, r, 0));
            break;
        }
    return WN_OK;
}

/* The pids of the running jobs' lease owners into pids[16] (0-ended). */
static inline int wx_owner_pids(const char *url, long pids[16])
{
    wn_store *s = NULL;
    memset(pids, 0, 16 * sizeof *pids);
    int rc = wn_store_open(url, &s);
    if (rc == WN_OK)
        rc = wn__store_query(s, "SELECT lease_owner FROM jobs WHERE status = 'running'"
                                " ORDER BY id", NULL, 0, wx_read_owner, pids, NULL);
    wn_store_close(&s);
    return rc;
}

/* ---- fake executors ----------------------------------------------------------- */

struct wx_fake {
    double sleep_s;           /* per job */
    int cooperative;          /* give up when wn_worker_cancelled() */
};

/* Sleep (in slices, giving up on cancellation when cooperative), then store
 * a tiny record for the job if it is still ours. */
static inline int wx_fake_exec(void *user, wn_store *s, const wn_job *job)
{
    struct wx_fake *f = user;
    double until = wx_now() + f->sleep_s;
    while (wx_now() < until) {
        if (f->cooperative && wn_worker_cancelled())
            return wn_seterr(WN_ECANCELED, "fake job %lld cancelled",
                             (long long)job->job_id);
        wx_nap(0.01);
    }
    wn_run_record r;
    fx_record(&r, (int)(job->job_id % 5), 1);
    r.job_id = job->job_id;
    int rc = wn_store_put_job_run(s, &r, job->owner);
    fx_record_free(&r);
    return rc;
}

static inline void wx_opts(wn_worker_opts *o, const char *url, struct wx_fake *f)
{
    wn_worker_opts_default(o);
    o->url = url;
    o->exec = wx_fake_exec;
    o->exec_user = f;
    o->poll_s = 0.05;
}

#endif /* WN_TEST_WORKER_FIXTURE_H */
