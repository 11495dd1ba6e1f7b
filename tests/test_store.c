/*
 * test_store.c - the runs database on SQLite and PostgreSQL: every field
 * of a run record round-trips, schema migrations (0 -> current, 1 -> 2,
 * newer refused), reopening after a crash, the queue's claim / renew /
 * fail / lease expiry, and clear errors for unreachable databases,
 * unwritable paths and a full disk.  PostgreSQL cases skip unless
 * WATTNET_TEST_PG_URL is set (scripts/with-services.sh sets it).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <signal.h>
#include <sys/wait.h>
#include <cmocka.h>

#define FX_PG_SCHEMA "wn_test_store"
#include "store_fixture.h"

static char tmpdir[1024];

static int setup(void **state)
{
    (void)state;
    fx_tmpdir(tmpdir, sizeof tmpdir, "store");
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    fx_rmdir(tmpdir);
    return 0;
}

static void sqlite_path(char *buf, size_t cap, const char *name)
{
    snprintf(buf, cap, "%s/%s", tmpdir, name);
}

/* ---- round trip ------------------------------------------------------------ */

static void round_trip(const char *url)
{
    wn_store *s = NULL;
    assert_int_equal(wn_store_open(url, &s), WN_OK);
    wn_run_record in[3];
    for (int k = 0; k < 3; k++) {
        fx_record(&in[k], k, (size_t)k + 2);
        assert_int_equal(wn_store_put_run(s, &in[k]), WN_OK);
        assert_true(in[k].run_id > 0);
    }
    /* A run with no epochs, nothing measured and NaN losses. */
    wn_run_record bare;
    fx_record(&bare, 7, 0);
    memset(&bare.energy, 0, sizeof bare.energy);
    snprintf(bare.energy.flag, sizeof bare.energy.flag, "zero-watts");
    bare.summary.train_loss = NAN;
    bare.has_jpd = 0;
    bare.joules_per_datum = 0.0;
    assert_int_equal(wn_store_put_run(s, &bare), WN_OK);

    wn_run_record *out = NULL;
    size_t n = 0;
    assert_int_equal(wn_store_load_runs(s, &out, &n), WN_OK);
    assert_int_equal(n, 4);
    for (int k = 0; k < 3; k++) {
        assert_int_equal(out[k].run_id, in[k].run_id);
        assert_true(fx_record_equal(&in[k], &out[k]));
    }
    assert_true(fx_record_equal(&bare, &out[3]));
    /* The checker can fail: a changed field is noticed. */
    out[1].epochs[1].stats.test_mae += 1e-12;
    assert_false(fx_record_equal(&in[1], &out[1]));
    out[1].energy.domains[1].in_total = 1;
    wn_run_records_free(&out, n);
    assert_null(out);
    for (int k = 0; k < 3; k++)
        fx_record_free(&in[k]);
    fx_record_free(&bare);
    wn_store_close(&s);
    assert_null(s);
    wn_store_close(&s);   /* NULL is harmless */
}

static void test_sqlite_round_trip(void **state)
{
    (void)state;
    char path[1200];
    sqlite_path(path, sizeof path, "rt.db");
    round_trip(path);
}

static void test_pg_round_trip(void **state)
{
    (void)state;
    const char *url = fx_pg_fresh_or_skip();
    round_trip(url);
}

/* ---- migrations ------------------------------------------------------------ */

static void migrations(const char *url)
{
    wn_store *s = NULL;
    int v = -1;
    /* Version 0 (empty) -> 1 only. */
    assert_int_equal(wn__store_open_raw(url, &s), WN_OK);
    assert_int_equal(wn__store_migrate(s, 1), WN_OK);
    assert_int_equal(wn_store_schema_version(s, &v), WN_OK);
    assert_int_equal(v, 1);
    /* Version 1 has no attributions table yet. */
    assert_int_not_equal(wn__store_exec(s, "SELECT count(*) FROM attributions"), WN_OK);
    wn_store_close(&s);
    /* wn_store_open brings it to the current version, data kept. */
    assert_int_equal(wn_store_open(url, &s), WN_OK);
    assert_int_equal(wn_store_schema_version(s, &v), WN_OK);
    assert_int_equal(v, WN_STORE_SCHEMA_VERSION);
    assert_int_equal(wn__store_exec(s, "SELECT count(*) FROM attributions"), WN_OK);
    /* A newer database is refused. */
    assert_int_equal(wn__store_exec(s, "UPDATE schema_version SET version = 99"), WN_OK);
    wn_store_close(&s);
    assert_int_equal(wn_store_open(url, &s), WN_EUNSUPPORTED);
    assert_null(s);
    assert_non_null(strstr(wn_errmsg(), "newer"));
}

static int read_int(void *user, wn_store *s, const struct wn__sql_row *r)
{
    *(int64_t *)user = wn__col_int(s, r, 0);
    return WN_OK;
}

static void test_sqlite_migrations(void **state)
{
    (void)state;
    char path[1200];
    sqlite_path(path, sizeof path, "mig.db");
    migrations(path);
    /* SQLite mirrors the version in user_version. */
    char path2[1200];
    sqlite_path(path2, sizeof path2, "mig2.db");
    wn_store *s = NULL;
    int64_t uv = -1;
    assert_int_equal(wn_store_open(path2, &s), WN_OK);
    assert_int_equal(wn__store_query(s, "PRAGMA user_version", NULL, 0, read_int,
                                     &uv, NULL),
                     WN_OK);
    assert_int_equal(uv, WN_STORE_SCHEMA_VERSION);
    wn_store_close(&s);
}

static void test_pg_migrations(void **state)
{
    (void)state;
    const char *url = fx_pg_fresh_or_skip();
    migrations(url);
    assert_int_equal(fx_pg_reset(url), WN_OK);
}

/* A process killed inside a write transaction leaves a database that the
 * next one opens, without the half-written run. */
static void test_sqlite_reopen_after_crash(void **state)
{
    (void)state;
    char path[1200];
    sqlite_path(path, sizeof path, "crash.db");
    wn_store *s = NULL;
    assert_int_equal(wn_store_open(path, &s), WN_OK);
    wn_run_record r;
    fx_record(&r, 1, 2);
    assert_int_equal(wn_store_put_run(s, &r), WN_OK);
    wn_store_close(&s);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        wn_store *c = NULL;
        if (wn_store_open(path, &c) != WN_OK)
            _exit(3);
        wn__store_begin(c, 1);
        wn__store_exec(c, "INSERT INTO runs (host, dataset, shape) VALUES"
                          " ('half', 'x', 'y')");
        raise(SIGKILL);
        _exit(4);
    }
    int st = 0;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    assert_true(WIFSIGNALED(st));
    assert_int_equal(wn_store_open(path, &s), WN_OK);
    wn_run_record *out = NULL;
    size_t n = 0;
    assert_int_equal(wn_store_load_runs(s, &out, &n), WN_OK);
    assert_int_equal(n, 1);
    assert_true(fx_record_equal(&r, &out[0]));
    wn_run_records_free(&out, n);
    assert_int_equal(wn_store_put_run(s, &r), WN_OK);   /* still writable */
    wn_store_close(&s);
    fx_record_free(&r);
}

/* ---- the queue ------------------------------------------------------------------ */

static void enqueue(wn_store *s, size_t n, int64_t *sweep)
{
    wn_job *jobs = wn_calloc(n, sizeof *jobs);
    assert_non_null(jobs);
    for (size_t i = 0; i < n; i++) {
        snprintf(jobs[i].spec.dataset, sizeof jobs[i].spec.dataset, "synthetic:banana");
        snprintf(jobs[i].spec.train.shape, sizeof jobs[i].spec.train.shape, "rectangle");
        jobs[i].spec.train.depth = 2;
        jobs[i].spec.train.size = 64 + i;
        jobs[i].spec.train.epochs = 1;
        jobs[i].spec.train.batch = 256;
        jobs[i].spec.train.learning_rate = 1e-4;
        jobs[i].spec.train.seed = 7;
    }
    assert_int_equal(wn_store_sweep_add(s, "t", "{}", 7, jobs, n, sweep), WN_OK);
    wn_free(jobs);
}

static int count_running(void *user, int64_t job_id, const char *owner)
{
    (void)job_id;
    assert_string_equal(owner, "w1");
    (*(int64_t *)user)++;
    return WN_OK;
}

static void queue(const char *url)
{
    wn_store *s = NULL;
    int64_t sweep = 0, found = 0;
    wn_job j;
    assert_int_equal(wn_store_open(url, &s), WN_OK);
    assert_int_equal(wn_store_job_claim(s, "w1", 60, 3, &j), WN_ENOENT);
    assert_int_equal(wn_store_sweep_find(s, "t", &found), WN_ENOENT);
    enqueue(s, 3, &sweep);
    assert_int_equal(wn_store_sweep_find(s, "t", &found), WN_OK);
    assert_int_equal(found, sweep);

    /* Claim order is enqueue order. */
    assert_int_equal(wn_store_job_claim(s, "w1", 60, 2, &j), WN_OK);
    assert_int_equal(j.spec.train.size, 64);
    assert_int_equal(j.attempts, 1);
    assert_int_equal(j.sweep_id, sweep);
    int64_t first = j.job_id;
    assert_int_equal(wn_store_job_renew(s, first, "w1", 60), WN_OK);
    assert_int_equal(wn_store_job_renew(s, first, "w2", 60), WN_ESTATE);
    /* A failure goes back to the queue, then fails for good. */
    assert_int_equal(wn_store_job_fail(s, first, "w1", "boom", 2), WN_OK);
    assert_int_equal(wn_store_job_fail(s, first, "w1", "boom", 2), WN_ESTATE);
    assert_int_equal(wn_store_job_claim(s, "w1", 60, 2, &j), WN_OK);
    assert_int_equal(j.job_id, first);
    assert_int_equal(j.attempts, 2);
    assert_int_equal(wn_store_job_fail(s, first, "w1", "boom again", 2), WN_OK);

    /* A short lease expires and the job is reclaimed by another worker. */
    assert_int_equal(wn_store_job_claim(s, "w1", 0.2, 2, &j), WN_OK);
    int64_t second = j.job_id;
    assert_int_not_equal(second, first);
    assert_int_equal(wn_store_job_claim(s, "w2", 60, 2, &j), WN_OK);
    int64_t third = j.job_id;
    wn_queue_status q;
    assert_int_equal(wn_store_queue_status(s, &q), WN_OK);
    assert_int_equal(q.queued, 0);
    assert_int_equal(q.running, 2);
    assert_int_equal(q.failed, 1);
    assert_int_equal(wn_store_job_claim(s, "w3", 60, 2, &j), WN_EBUSY);
    usleep(400 * 1000);
    assert_int_equal(wn_store_job_claim(s, "w3", 60, 2, &j), WN_OK);
    assert_int_equal(j.job_id, second);
    assert_int_equal(j.attempts, 2);
    assert_int_equal(wn_store_job_renew(s, second, "w1", 60), WN_ESTATE);

    /* Done together with the run; a second run for the job is refused. */
    wn_run_record r;
    fx_record(&r, 0, 1);
    r.job_id = second;
    assert_int_equal(wn_store_put_run(s, &r), WN_OK);
    r.run_id = 0;
    assert_int_equal(wn_store_put_run(s, &r), WN_ESTATE);
    assert_int_equal(r.run_id, 0);
    r.job_id = third;
    assert_int_equal(wn_store_put_run(s, &r), WN_OK);
    fx_record_free(&r);
    assert_int_equal(wn_store_queue_status(s, &q), WN_OK);
    assert_int_equal(q.done, 2);
    assert_int_equal(q.failed, 1);
    assert_int_equal(q.runs, 2);
    assert_true(q.has_rate);
    assert_true(q.runs_per_hour > 0);
    assert_true(q.has_joules);
    assert_true(q.joules > 0);
    assert_int_equal(wn_store_job_claim(s, "w3", 60, 2, &j), WN_ENOENT);

    /* An expired lease after the last attempt fails the job. */
    enqueue(s, 1, &sweep);
    assert_int_equal(wn_store_job_claim(s, "w1", 0.1, 1, &j), WN_OK);
    usleep(300 * 1000);
    assert_int_equal(wn_store_job_claim(s, "w2", 60, 1, &j), WN_ENOENT);
    assert_int_equal(wn_store_queue_status(s, &q), WN_OK);
    assert_int_equal(q.failed, 2);

    /* Release: only the holder may put its job back, attempts kept. */
    enqueue(s, 1, &sweep);
    assert_int_equal(wn_store_job_claim(s, "w1", 60, 3, &j), WN_OK);
    int64_t seen = 0;
    assert_int_equal(wn_store_jobs_running(s, count_running, &seen), WN_OK);
    assert_int_equal(seen, 1);
    assert_int_equal(wn_store_job_release(s, j.job_id, "w9", "dead"), WN_ESTATE);
    assert_int_equal(wn_store_job_release(s, j.job_id, "w1", "dead"), WN_OK);
    assert_int_equal(wn_store_job_claim(s, "w2", 60, 3, &j), WN_OK);
    assert_int_equal(j.attempts, 2);
    /* Return (a stop signal): only the holder, and the claim not counted. */
    assert_int_equal(wn_store_job_return(s, j.job_id, "w1", "SIGTERM"), WN_ESTATE);
    assert_int_equal(wn_store_job_return(s, j.job_id, "w2", "SIGTERM"), WN_OK);
    assert_int_equal(wn_store_job_claim(s, "w3", 60, 3, &j), WN_OK);
    assert_int_equal(j.attempts, 2);
    assert_int_equal(wn_store_job_return(s, j.job_id, "w3", "SIGTERM"), WN_OK);
    assert_int_equal(wn_store_job_return(s, j.job_id, "w3", "SIGTERM"), WN_ESTATE);
    wn_store_close(&s);
}

static void test_sqlite_queue(void **state)
{
    (void)state;
    char path[1200];
    sqlite_path(path, sizeof path, "queue.db");
    queue(path);
}

static void test_pg_queue(void **state)
{
    (void)state;
    const char *url = fx_pg_fresh_or_skip();
    queue(url);
    assert_int_equal(fx_pg_reset(url), WN_OK);
}

/* ---- text longer than wattnet reads ------------------------------------------ */

/* Set COLUMN of every row of TABLE to LEN x's (what another program or an
 * older version might have written). */
static void set_long(wn_store *s, const char *table, const char *column, size_t len)
{
    char sql[1400], x[1024];
    memset(x, 'x', len);
    x[len] = '\0';
    snprintf(sql, sizeof sql, "UPDATE %s SET %s = '%s'", table, column, x);
    assert_int_equal(wn__store_exec(s, sql), WN_OK);
}

struct job_error {
    char *text;
    size_t cap;
    int *attempts;
};

static int read_error(void *user, wn_store *s, const struct wn__sql_row *r)
{
    struct job_error *e = user;
    int rc = WN_OK;
    wn__col_str(s, r, 0, e->text, e->cap, "error", &rc);
    *e->attempts = (int)wn__col_int(s, r, 1);
    return rc;
}

/* A name too long to read whole is an error that names the row and the
 * column: never cut to a different name; reads change nothing. */
static void long_text(const char *url)
{
    wn_store *s = NULL;
    assert_int_equal(wn_store_open(url, &s), WN_OK);
    wn_run_record in, *out = NULL;
    size_t n = 0;
    fx_record(&in, 0, 2);
    assert_int_equal(wn_store_put_run(s, &in), WN_OK);
    set_long(s, "runs", "dataset", 700);
    assert_int_equal(wn_store_load_runs(s, &out, &n), WN_EFORMAT);
    assert_non_null(strstr(wn_errmsg(), "runs row"));
    assert_non_null(strstr(wn_errmsg(), "dataset is 700 characters"));
    assert_null(out);
    set_long(s, "runs", "dataset", 20);
    assert_int_equal(wn_store_load_runs(s, &out, &n), WN_OK);
    assert_string_equal(out[0].spec.dataset, "xxxxxxxxxxxxxxxxxxxx");
    wn_run_records_free(&out, n);
    set_long(s, "epochs", "energy_source", 100);
    assert_int_equal(wn_store_load_runs(s, &out, &n), WN_EFORMAT);
    assert_non_null(strstr(wn_errmsg(), "energy source is 100 characters"));
    fx_record_free(&in);

    /* A job row too long to read fails with the reason; the claim takes
     * the next job, and the worker goes on. */
    int64_t sweep = 0;
    wn_job j;
    enqueue(s, 2, &sweep);
    char x[301];
    memset(x, 'x', 300);
    x[300] = '\0';
    char sql[600];
    snprintf(sql, sizeof sql, "UPDATE jobs SET shape = '%s' WHERE id = "
             "(SELECT min(id) FROM jobs)", x);
    assert_int_equal(wn__store_exec(s, sql), WN_OK);
    assert_int_equal(wn_store_job_claim(s, "w1", 60, 3, &j), WN_OK);
    assert_string_equal(j.spec.train.shape, "rectangle");
    wn_queue_status q;
    assert_int_equal(wn_store_queue_status(s, &q), WN_OK);
    assert_int_equal(q.failed, 1);
    assert_int_equal(q.running, 1);
    assert_int_equal(q.queued, 0);
    char err[256] = "";
    int attempts = -1;
    assert_int_equal(wn__store_query(s, "SELECT error, attempts FROM jobs WHERE "
                                     "status = 'failed'", NULL, 0, read_error,
                                     &(struct job_error){err, sizeof err, &attempts},
                                     NULL), WN_OK);
    assert_non_null(strstr(err, "shape is 300 characters"));
    assert_int_equal(attempts, 0);   /* it never ran */
    /* nothing left to claim: the one job runs, the other failed */
    assert_int_equal(wn_store_job_claim(s, "w2", 60, 3, &j), WN_EBUSY);
    wn_store_close(&s);
}

static void test_sqlite_long_text(void **state)
{
    (void)state;
    char path[1200];
    sqlite_path(path, sizeof path, "long.db");
    long_text(path);
}

static void test_pg_long_text(void **state)
{
    (void)state;
    const char *url = fx_pg_fresh_or_skip();
    long_text(url);
}

/* ---- hosts and idle ------------------------------------------------------------ */

static void hosts_and_idle(const char *path)
{
    wn_store *s = NULL;
    assert_int_equal(wn_store_open(path, &s), WN_OK);
    wn_host h;
    memset(&h, 0, sizeof h);
    snprintf(h.hostname, sizeof h.hostname, "node-1");
    snprintf(h.cpu_model, sizeof h.cpu_model, "Xeon 'quoted'");
    h.cores = 2;
    h.n_caches = 2;
    h.caches[0] = (wn_cache_level){ 1, 49152, 1, 2 };
    h.caches[1] = (wn_cache_level){ 2, 2097152, 1, 2 };
    h.n_gpus = 1;
    snprintf(h.gpus[0], sizeof h.gpus[0], "NVIDIA \"H100\"");
    int64_t a = 0, b = 0;
    assert_int_equal(wn_store_put_host(s, &h, &a), WN_OK);
    assert_int_equal(wn_store_put_host(s, &h, &b), WN_OK);
    assert_int_equal(a, b);
    h.cores = 4;
    assert_int_equal(wn_store_put_host(s, &h, &b), WN_OK);
    assert_int_not_equal(a, b);
    double w = 0;
    assert_int_equal(wn_store_get_idle(s, "node-1", "package-0", &w), WN_ENOENT);
    assert_int_equal(wn_store_put_idle(s, "node-1", "package-0", 41.5, 10), WN_OK);
    assert_int_equal(wn_store_put_idle(s, "node-1", "package-0", 42.25, 10), WN_OK);
    assert_int_equal(wn_store_get_idle(s, "node-1", "package-0", &w), WN_OK);
    assert_true(w == 42.25);
    /* A run is linked to its host by name. */
    wn_run_record r;
    fx_record(&r, 0, 0);
    snprintf(r.host, sizeof r.host, "node-1");
    assert_int_equal(wn_store_put_run(s, &r), WN_OK);
    int64_t linked = 0;
    struct wn__sql_val id = wn__v_int(r.run_id);
    assert_int_equal(wn__store_query(s, "SELECT host_id FROM runs WHERE id = $1", &id, 1,
                                     read_int, &linked, NULL),
                     WN_OK);
    assert_int_equal(linked, b);
    wn_store_close(&s);
}

static void test_hosts_and_idle(void **state)
{
    (void)state;
    char path[1200];
    sqlite_path(path, sizeof path, "hosts.db");
    hosts_and_idle(path);
}

static void test_pg_hosts_and_idle(void **state)
{
    (void)state;
    const char *url = fx_pg_fresh_or_skip();
    hosts_and_idle(url);
    assert_int_equal(fx_pg_reset(url), WN_OK);
}

/* ---- errors ------------------------------------------------------------------------ */

static void test_errors(void **state)
{
    (void)state;
    wn_store *s = NULL;
    /* Unreachable PostgreSQL (nothing listens on port 1). */
    int rc = wn_store_open("postgresql://nobody@127.0.0.1:1/none?connect_timeout=2", &s);
#ifdef WN_HAVE_PQ
    assert_int_equal(rc, WN_EDB);
    assert_non_null(strstr(wn_errmsg(), "cannot connect"));
#else
    assert_int_equal(rc, WN_EUNSUPPORTED);
#endif
    assert_null(s);
    /* Password kept out of messages. */
    rc = wn_store_open("postgresql://u:secret@127.0.0.1:1/x?connect_timeout=2", &s);
    assert_int_not_equal(rc, WN_OK);
    assert_null(strstr(wn_errmsg(), "secret"));
    /* Unknown scheme, empty URL. */
    assert_int_equal(wn_store_open("mysql://x/y", &s), WN_EINVAL);
    assert_non_null(strstr(wn_errmsg(), "scheme"));
    assert_int_equal(wn_store_open("", &s), WN_EINVAL);
    /* Unwritable SQLite path. */
    rc = wn_store_open("/nonexistent-dir/wattnet.db", &s);
    assert_int_equal(rc, WN_EDB);
    assert_non_null(strstr(wn_errmsg(), "/nonexistent-dir/wattnet.db"));
    assert_null(s);
    /* A file that is not a database. */
    char path[1200];
    sqlite_path(path, sizeof path, "notadb.db");
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    for (int i = 0; i < 200; i++)
        fputs("this is not an SQLite database at all\n", f);
    fclose(f);
    rc = wn_store_open(path, &s);
    assert_int_not_equal(rc, WN_OK);
    assert_non_null(strstr(wn_errmsg(), "notadb.db"));
    assert_null(s);
}

/* A full disk (max_page_count) is a clear WN_EIO, and nothing is half
 * written. */
static void test_sqlite_full(void **state)
{
    (void)state;
    char path[1200];
    sqlite_path(path, sizeof path, "full.db");
    wn_store *s = NULL;
    assert_int_equal(wn_store_open(path, &s), WN_OK);
    wn_run_record r;
    fx_record(&r, 2, 3);
    assert_int_equal(wn_store_put_run(s, &r), WN_OK);
    /* Freeze the file at its current size. */
    assert_int_equal(wn__store_exec(s, "PRAGMA max_page_count = 1"), WN_OK);
    int rc = WN_OK;
    for (int i = 0; i < 200 && rc == WN_OK; i++)
        rc = wn_store_put_run(s, &r);
    assert_int_equal(rc, WN_EIO);
    assert_non_null(strstr(wn_errmsg(), "full"));
    wn_store_close(&s);
    assert_int_equal(wn_store_open(path, &s), WN_OK);
    wn_run_record *out = NULL;
    size_t n = 0;
    assert_int_equal(wn_store_load_runs(s, &out, &n), WN_OK);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(out[i].n_epochs, 3);   /* no run without its epochs */
    wn_run_records_free(&out, n);
    wn_store_close(&s);
    fx_record_free(&r);
}

/* Allocation failures anywhere in put/load give ENOMEM, never a crash. */
static void test_alloc_faults(void **state)
{
    (void)state;
    char path[1200];
    sqlite_path(path, sizeof path, "faults.db");
    wn_store *s = NULL;
    assert_int_equal(wn_store_open(path, &s), WN_OK);
    wn_run_record r;
    fx_record(&r, 3, 2);
    int ok = 0;
    for (long after = 0; after < 200 && !ok; after++) {
        wn_fault_alloc(after, 1);
        int rc = wn_store_put_run(s, &r);
        long hits = wn_fault_alloc(-1, 0);
        if (hits == 0) {
            assert_int_equal(rc, WN_OK);
            ok = 1;
        } else {
            assert_true(rc == WN_OK || rc == WN_ENOMEM);
        }
    }
    assert_true(ok);
    ok = 0;
    for (long after = 0; after < 200 && !ok; after++) {
        wn_run_record *out = NULL;
        size_t n = 0;
        wn_fault_alloc(after, 1);
        int rc = wn_store_load_runs(s, &out, &n);
        long hits = wn_fault_alloc(-1, 0);
        if (hits == 0) {
            assert_int_equal(rc, WN_OK);
            assert_true(n >= 1);
            ok = 1;
        } else {
            assert_true(rc == WN_OK || rc == WN_ENOMEM);
        }
        wn_run_records_free(&out, n);
    }
    assert_true(ok);
    fx_record_free(&r);
    wn_store_close(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sqlite_round_trip),
        cmocka_unit_test(test_pg_round_trip),
        cmocka_unit_test(test_sqlite_long_text),
        cmocka_unit_test(test_pg_long_text),
        cmocka_unit_test(test_sqlite_migrations),
        cmocka_unit_test(test_pg_migrations),
        cmocka_unit_test(test_sqlite_reopen_after_crash),
        cmocka_unit_test(test_sqlite_queue),
        cmocka_unit_test(test_pg_queue),
        cmocka_unit_test(test_hosts_and_idle),
        cmocka_unit_test(test_pg_hosts_and_idle),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_sqlite_full),
        cmocka_unit_test(test_alloc_faults),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
