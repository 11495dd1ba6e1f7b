/*
 * test_worker.c - workers on SQLite and PostgreSQL: 4 concurrent worker
 * processes and 200 tiny jobs (fake executor) finish each job exactly
 * once; a worker killed with SIGKILL mid-job loses its lease and another
 * worker reclaims the job; workers killed at random moments never lose or
 * duplicate a run; failures are retried up to max_attempts and kept with
 * their error; and a couple of real training jobs when the runner exists.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <cmocka.h>

#define FX_PG_SCHEMA "wn_test_worker"
#include "store_fixture.h"

static char tmpdir[1024];

static int setup(void **state)
{
    (void)state;
    fx_tmpdir(tmpdir, sizeof tmpdir, "worker");
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    fx_rmdir(tmpdir);
    return 0;
}

/* ---- fake executors ------------------------------------------------------- */

struct fake {
    double sleep_s;           /* per job */
    double jitter_s;          /* + rand in [0, jitter) */
    int fail_first;           /* fail attempt 1 of every job */
    int always_fail;
};

static void nap(double s)
{
    if (s <= 0)
        return;
    struct timespec ts = { (time_t)s, (long)((s - (double)(time_t)s) * 1e9) };
    nanosleep(&ts, NULL);
}

static int fake_exec(void *user, wn_store *s, const wn_job *job)
{
    struct fake *f = user;
    double j = f->jitter_s > 0 ? f->jitter_s * (double)(rand() % 1000) / 1000.0 : 0;
    nap(f->sleep_s + j);
    if (f->always_fail || (f->fail_first && job->attempts == 1))
        return wn_seterr(WN_EIO, "fake failure of job %lld attempt %d",
                         (long long)job->job_id, job->attempts);
    wn_run_record r;
    fx_record(&r, (int)(job->job_id % 5), 1);
    r.job_id = job->job_id;
    r.spec.train.size = job->spec.train.size;
    int rc = wn_store_put_run(s, &r);
    fx_record_free(&r);
    return rc;
}

/* ---- helpers ------------------------------------------------------------------- */

static int open_fresh(const char *url, wn_store **s)
{
    if (strncmp(url, "postgres", 8) == 0) {
        int rc = fx_pg_reset(url);
        if (rc != WN_OK)
            return rc;
    }
    return wn_store_open(url, s);
}

static void enqueue(const char *url, size_t n)
{
    wn_store *s = NULL;
    assert_int_equal(open_fresh(url, &s), WN_OK);
    wn_job *jobs = wn_calloc(n, sizeof *jobs);
    assert_non_null(jobs);
    for (size_t i = 0; i < n; i++) {
        snprintf(jobs[i].spec.dataset, sizeof jobs[i].spec.dataset, "synthetic:banana");
        snprintf(jobs[i].spec.train.shape, sizeof jobs[i].spec.train.shape, "rectangle");
        jobs[i].spec.train.depth = 2;
        jobs[i].spec.train.size = 100 + i;
        jobs[i].spec.train.epochs = 1;
        jobs[i].spec.train.batch = 256;
        jobs[i].spec.train.learning_rate = 1e-4;
        jobs[i].spec.train.seed = 1;
    }
    assert_int_equal(wn_store_sweep_add(s, "test", "{}", 1, jobs, n, NULL), WN_OK);
    wn_free(jobs);
    wn_store_close(&s);
}

static int read_i64(void *user, wn_store *s, const struct wn__sql_row *r)
{
    *(int64_t *)user = wn__col_int(s, r, 0);
    return WN_OK;
}

static int64_t scalar(wn_store *s, const char *sql)
{
    int64_t v = -1;
    assert_int_equal(wn__store_query(s, sql, NULL, 0, read_i64, &v, NULL), WN_OK);
    return v;
}

/* Every job done exactly once: one run per job, no run without a done job. */
static void check_exactly_once(const char *url, int64_t n_jobs)
{
    wn_store *s = NULL;
    assert_int_equal(wn_store_open(url, &s), WN_OK);
    assert_int_equal(scalar(s, "SELECT count(*) FROM jobs"), n_jobs);
    assert_int_equal(scalar(s, "SELECT count(*) FROM jobs WHERE status = 'done'"), n_jobs);
    assert_int_equal(scalar(s, "SELECT count(*) FROM runs"), n_jobs);
    assert_int_equal(scalar(s, "SELECT count(DISTINCT job_id) FROM runs"), n_jobs);
    assert_int_equal(scalar(s, "SELECT count(*) FROM runs r JOIN jobs j ON"
                               " j.id = r.job_id WHERE j.status = 'done'"),
                     n_jobs);
    assert_int_equal(scalar(s, "SELECT count(*) FROM epochs"), n_jobs);
    wn_store_close(&s);
}

static void opts_for(wn_worker_opts *o, const char *url, struct fake *f)
{
    wn_worker_opts_default(o);
    o->url = url;
    o->exec = fake_exec;
    o->exec_user = f;
    o->poll_s = 0.05;
}

/* ---- 4 workers x 200 jobs ---------------------------------------------------------- */

static void many_workers(const char *url)
{
    enqueue(url, 200);
    struct fake f = { 0.003, 0, 0, 0 };   /* a short job lets all 4 claim */
    wn_worker_opts o;
    opts_for(&o, url, &f);
    o.workers = 4;
    wn_worker_result res;
    assert_int_equal(wn_worker_run(&o, &res), WN_OK);
    assert_int_equal(res.done, 200);
    assert_int_equal(res.failed, 0);
    assert_int_equal(res.crashed, 0);
    assert_int_equal(res.queue.done, 200);
    assert_int_equal(res.queue.queued, 0);
    check_exactly_once(url, 200);
    /* No job was claimed twice. */
    wn_store *s = NULL;
    assert_int_equal(wn_store_open(url, &s), WN_OK);
    assert_int_equal(scalar(s, "SELECT max(attempts) FROM jobs"), 1);
    /* Work was shared (each worker process has its own owner name). */
    assert_true(scalar(s, "SELECT count(DISTINCT lease_owner) FROM jobs") >= 2);
    wn_store_close(&s);
}

static void test_sqlite_many_workers(void **state)
{
    (void)state;
    char path[1200];
    snprintf(path, sizeof path, "%s/many.db", tmpdir);
    many_workers(path);
}

static void test_pg_many_workers(void **state)
{
    (void)state;
    const char *url = fx_pg_url_or_skip();
    many_workers(url);
}

/* ---- a worker killed mid-job --------------------------------------------------------- */

static void wait_running(const char *url, int64_t want)
{
    wn_store *s = NULL;
    assert_int_equal(wn_store_open(url, &s), WN_OK);
    for (int i = 0; i < 400; i++) {
        wn_queue_status q;
        assert_int_equal(wn_store_queue_status(s, &q), WN_OK);
        if (q.running >= want)
            break;
        nap(0.025);
    }
    wn_store_close(&s);
}

/* A worker killed mid-job.  via_release = 0: the survivor (another
 * process's view: a plain worker loop) waits for the 1 s lease to expire.
 * via_release = 1: wn_worker_run sees that the lease owner was a process of
 * this machine that no longer exists and puts the job back at once, long
 * before its 30 s lease would expire. */
static void killed_mid_job(const char *url, int via_release)
{
    enqueue(url, 4);
    double lease = via_release ? 30.0 : 1.0;
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        struct fake slow = { 60.0, 0, 0, 0 };
        wn_worker_opts o;
        opts_for(&o, url, &slow);
        o.lease_s = lease;
        wn_worker_loop(&o, 0, NULL, NULL);
        _exit(0);
    }
    wait_running(url, 1);
    nap(0.6);   /* at least one heartbeat renewed the lease */
    assert_int_equal(kill(pid, SIGKILL), 0);
    int st = 0;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    assert_true(WIFSIGNALED(st));

    struct fake fast = { 0, 0, 0, 0 };
    wn_worker_opts o;
    opts_for(&o, url, &fast);
    o.lease_s = lease;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    if (via_release) {
        o.workers = 2;
        wn_worker_result res;
        assert_int_equal(wn_worker_run(&o, &res), WN_OK);
        assert_int_equal(res.done, 4);
    } else {
        size_t done = 0, failed = 0;
        assert_int_equal(wn_worker_loop(&o, 0, &done, &failed), WN_OK);
        assert_int_equal(done, 4);
        assert_int_equal(failed, 0);
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double took = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) * 1e-9;
    if (via_release)
        assert_true(took < 10.0);   /* did not wait for the 30 s lease */
    else
        assert_true(took > 0.2);    /* it had to wait for the lease */
    check_exactly_once(url, 4);
    wn_store *s = NULL;
    assert_int_equal(wn_store_open(url, &s), WN_OK);
    /* The killed worker's job was claimed twice, the others once. */
    assert_int_equal(scalar(s, "SELECT count(*) FROM jobs WHERE attempts = 2"), 1);
    assert_int_equal(scalar(s, "SELECT count(*) FROM jobs WHERE attempts = 1"), 3);
    wn_store_close(&s);
}

static void test_sqlite_killed_mid_job(void **state)
{
    (void)state;
    char path[1200];
    snprintf(path, sizeof path, "%s/killed.db", tmpdir);
    killed_mid_job(path, 0);
    snprintf(path, sizeof path, "%s/killed2.db", tmpdir);
    killed_mid_job(path, 1);
}

static void test_pg_killed_mid_job(void **state)
{
    (void)state;
    const char *url = fx_pg_url_or_skip();
    killed_mid_job(url, 0);
    killed_mid_job(url, 1);
}

/* ---- workers killed at random moments ------------------------------------------------- */

static void random_kills(const char *url, unsigned seed)
{
    const int n_jobs = 40;
    enqueue(url, (size_t)n_jobs);
    srand(seed);
    for (int round = 0; round < 10; round++) {
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
            srand(seed + (unsigned)round + 1);
            struct fake f = { 0.002, 0.01, 0, 0 };
            wn_worker_opts o;
            opts_for(&o, url, &f);
            o.lease_s = 0.5;
            wn_worker_loop(&o, 0, NULL, NULL);
            _exit(0);
        }
        nap(0.02 + 0.1 * (double)(rand() % 1000) / 1000.0);
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
    }
    struct fake f = { 0, 0, 0, 0 };
    wn_worker_opts o;
    opts_for(&o, url, &f);
    o.workers = 2;
    o.lease_s = 0.5;
    o.max_attempts = 100;
    wn_worker_result res;
    assert_int_equal(wn_worker_run(&o, &res), WN_OK);
    check_exactly_once(url, n_jobs);
}

static void test_sqlite_random_kills(void **state)
{
    (void)state;
    char path[1200];
    snprintf(path, sizeof path, "%s/random.db", tmpdir);
    random_kills(path, 12345);
}

static void test_pg_random_kills(void **state)
{
    (void)state;
    const char *url = fx_pg_url_or_skip();
    random_kills(url, 777);
}

/* ---- the heartbeat keeps a long job's lease ------------------------------------------ */

static void test_heartbeat_keeps_long_jobs(void **state)
{
    (void)state;
    char path[1200];
    snprintf(path, sizeof path, "%s/long.db", tmpdir);
    enqueue(path, 3);
    /* Jobs of 1.5 s with a 0.4 s lease: without renewals the idle worker
     * would reclaim them. */
    struct fake f = { 1.5, 0, 0, 0 };
    wn_worker_opts o;
    opts_for(&o, path, &f);
    o.workers = 2;
    o.lease_s = 0.4;
    wn_worker_result res;
    assert_int_equal(wn_worker_run(&o, &res), WN_OK);
    assert_int_equal(res.done, 3);
    check_exactly_once(path, 3);
    wn_store *s = NULL;
    assert_int_equal(wn_store_open(path, &s), WN_OK);
    assert_int_equal(scalar(s, "SELECT max(attempts) FROM jobs"), 1);
    wn_store_close(&s);
}

/* ---- failures and retries ----------------------------------------------------------------- */

static void test_failures_retried_then_kept(void **state)
{
    (void)state;
    char path[1200];
    snprintf(path, sizeof path, "%s/fail.db", tmpdir);
    enqueue(path, 6);
    /* Every first attempt fails: all done on the second. */
    struct fake f = { 0, 0, 1, 0 };
    wn_worker_opts o;
    opts_for(&o, path, &f);
    wn_worker_result res;
    assert_int_equal(wn_worker_run(&o, &res), WN_OK);
    assert_int_equal(res.done, 6);
    assert_int_equal(res.failed, 6);
    check_exactly_once(path, 6);
    /* Always failing: failed after max_attempts, error kept. */
    enqueue(path, 3);
    wn_store *s = NULL;
    assert_int_equal(wn_store_open(path, &s), WN_OK);
    assert_int_equal(wn__store_exec(s, "DELETE FROM epochs; DELETE FROM runs;"
                                       " DELETE FROM jobs WHERE status = 'done'"),
                     WN_OK);
    wn_store_close(&s);
    struct fake bad = { 0, 0, 0, 1 };
    opts_for(&o, path, &bad);
    o.max_attempts = 2;
    assert_int_equal(wn_worker_run(&o, &res), WN_OK);
    assert_int_equal(res.done, 0);
    assert_int_equal(res.failed, 6);
    assert_int_equal(res.queue.failed, 3);
    assert_int_equal(wn_store_open(path, &s), WN_OK);
    assert_int_equal(scalar(s, "SELECT count(*) FROM jobs WHERE status = 'failed'"
                               " AND attempts = 2 AND error LIKE 'fake failure%'"),
                     3);
    wn_store_close(&s);
}

static void test_bad_options(void **state)
{
    (void)state;
    wn_worker_opts o;
    wn_worker_opts_default(&o);
    assert_int_equal(wn_worker_run(&o, NULL), WN_EINVAL);   /* no URL */
    o.url = "/nonexistent-dir/x.db";
    o.workers = 0;
    assert_int_equal(wn_worker_run(&o, NULL), WN_EINVAL);
    o.workers = 1;
    o.lease_s = 0;
    assert_int_equal(wn_worker_loop(&o, 0, NULL, NULL), WN_EINVAL);
    o.lease_s = 1;
    /* An unreachable database is an error, not a hang. */
    wn_worker_result res;
    assert_int_equal(wn_worker_run(&o, &res), WN_EDB);
    assert_non_null(strstr(wn_errmsg(), "/nonexistent-dir/x.db"));
}

/* ---- real training jobs ------------------------------------------------------------------- */

static void test_real_executor(void **state)
{
    (void)state;
    char path[1200];
    snprintf(path, sizeof path, "%s/real.db", tmpdir);
    enqueue(path, 2);   /* synthetic:banana, rectangle, depth 2, ~100 params */
    wn_worker_opts o;
    wn_worker_opts_default(&o);
    o.url = path;
    o.poll_s = 0.05;
    o.meter_source = "estimate";
    wn_worker_result res;
    int rc = wn_worker_run(&o, &res);
    if (rc != WN_OK)
        print_message("worker: %s\n", wn_errmsg());
    assert_int_equal(rc, WN_OK);
    assert_int_equal(res.done, 2);
    check_exactly_once(path, 2);
    wn_store *s = NULL;
    assert_int_equal(wn_store_open(path, &s), WN_OK);
    wn_run_record *runs = NULL;
    size_t n = 0;
    assert_int_equal(wn_store_load_runs(s, &runs, &n), WN_OK);
    assert_int_equal(n, 2);
    for (size_t i = 0; i < n; i++) {
        assert_string_equal(runs[i].spec.dataset, "synthetic:banana");
        assert_int_equal(runs[i].summary.depth, 2);
        assert_true(runs[i].summary.params > 0);
        assert_true(runs[i].end_time >= runs[i].start_time);
        assert_int_equal(runs[i].n_epochs, 1);
    }
    wn_run_records_free(&runs, n);
    assert_true(scalar(s, "SELECT count(*) FROM hosts") >= 1);
    wn_store_close(&s);
}

/* When storing a run fails (here a trigger stands in for a full disk or a
 * broken database), the worker records the attempt and stops instead of
 * failing every remaining job the same way. */
static void test_store_failure_stops_worker(void **state)
{
    (void)state;
    char path[1200];
    snprintf(path, sizeof path, "%s/broken.db", tmpdir);
    enqueue(path, 3);
    wn_store *s = NULL;
    assert_int_equal(wn_store_open(path, &s), WN_OK);
    assert_int_equal(wn__store_exec(s, "CREATE TRIGGER no_room BEFORE INSERT ON runs"
                                       " BEGIN SELECT RAISE(ABORT, 'no room left'); END"),
                     WN_OK);
    wn_store_close(&s);
    wn_worker_opts o;
    wn_worker_opts_default(&o);
    o.url = path;
    o.poll_s = 0.05;
    o.meter_source = "estimate";
    size_t done = 0, failed = 0;
    int rc = wn_worker_loop(&o, 0, &done, &failed);
    assert_int_not_equal(rc, WN_OK);
    assert_non_null(strstr(wn_errmsg(), "no room left"));
    assert_int_equal(done, 0);
    assert_int_equal(failed, 1);
    assert_int_equal(wn_store_open(path, &s), WN_OK);
    assert_int_equal(scalar(s, "SELECT count(*) FROM jobs WHERE status = 'queued'"), 3);
    assert_int_equal(scalar(s, "SELECT sum(attempts) FROM jobs"), 1);
    assert_int_equal(scalar(s, "SELECT count(*) FROM runs"), 0);
    wn_store_close(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sqlite_many_workers),
        cmocka_unit_test(test_pg_many_workers),
        cmocka_unit_test(test_sqlite_killed_mid_job),
        cmocka_unit_test(test_pg_killed_mid_job),
        cmocka_unit_test(test_sqlite_random_kills),
        cmocka_unit_test(test_pg_random_kills),
        cmocka_unit_test(test_heartbeat_keeps_long_jobs),
        cmocka_unit_test(test_failures_retried_then_kept),
        cmocka_unit_test(test_bad_options),
        cmocka_unit_test(test_real_executor),
        cmocka_unit_test(test_store_failure_stops_worker),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
