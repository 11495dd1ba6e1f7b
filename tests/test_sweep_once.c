/*
 * test_sweep_once.c - issue 9, item 11: two `wattnet run --preset quick`
 * started together must enqueue the preset once.  Eight threads (each with
 * its own store handle) call wn_sweep_preset_ensure at the same moment on
 * one SQLite file, on PostgreSQL (when WATTNET_TEST_PG_URL is set), and
 * four `wattnet run` processes race on one SQLite file; exactly one sweep
 * and one preset's jobs must exist afterwards.  Before the fix (a separate
 * find, then an insert) the racers each created a sweep.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/wait.h>
#include <time.h>
#include <cmocka.h>

#define FX_PG_SCHEMA "wn_test_sweep_once"
#include "store_fixture.h"

#define RACERS 8

struct racer {
    const char *url;
    pthread_barrier_t *go;
    int rc, created;
    int64_t sweep_id;
};

static void *race(void *arg)
{
    struct racer *r = arg;
    wn_store *s = NULL;
    wn_sweep_result res;
    r->rc = wn_store_open(r->url, &s);
    pthread_barrier_wait(r->go);
    if (r->rc == WN_OK)
        r->rc = wn_sweep_preset_ensure(s, "quick", NULL, &res, &r->created);
    r->sweep_id = r->rc == WN_OK ? res.sweep_id : 0;
    wn_store_close(&s);
    return NULL;
}

static int64_t count(const char *url, const char *sql)
{
    wn_store *s = NULL;
    int64_t n = -1;
    assert_int_equal(wn_store_open(url, &s), WN_OK);
    assert_int_equal(wn__store_query(s, sql, NULL, 0, wn__row_int, &n, NULL),
                     WN_OK);
    wn_store_close(&s);
    return n;
}

/* The number of jobs one "quick" preset expands to. */
static int64_t quick_jobs(void)
{
    wn_sweep_spec *sp = NULL;
    wn_sweep_plan plan;
    memset(&plan, 0, sizeof plan);
    assert_int_equal(wn_sweep_preset("quick", NULL, &sp), WN_OK);
    assert_int_equal(wn_sweep_expand(sp, NULL, &plan), WN_OK);
    int64_t n = (int64_t)plan.n_jobs;
    wn_sweep_plan_clear(&plan);
    wn_sweep_spec_free(&sp);
    return n;
}

static void race_on(const char *url)
{
    pthread_t t[RACERS];
    struct racer r[RACERS];
    pthread_barrier_t go;
    pthread_barrier_init(&go, NULL, RACERS);
    /* create the schema first, so the racers only race on the sweep */
    wn_store *s = NULL;
    assert_int_equal(wn_store_open(url, &s), WN_OK);
    wn_store_close(&s);
    for (int i = 0; i < RACERS; i++) {
        r[i] = (struct racer){ url, &go, -1, 0, 0 };
        assert_int_equal(pthread_create(&t[i], NULL, race, &r[i]), 0);
    }
    int created = 0;
    for (int i = 0; i < RACERS; i++) {
        pthread_join(t[i], NULL);
        assert_int_equal(r[i].rc, WN_OK);
        created += r[i].created;
        assert_true(r[i].sweep_id == r[0].sweep_id);
    }
    pthread_barrier_destroy(&go);
    assert_int_equal(created, 1);
    assert_int_equal(count(url, "SELECT count(*) FROM sweeps"), 1);
    assert_int_equal(count(url, "SELECT count(*) FROM jobs"), quick_jobs());
}

static void threads_sqlite(void **state)
{
    (void)state;
    char dir[512], url[600];
    fx_tmpdir(dir, sizeof dir, "sweep-once");
    snprintf(url, sizeof url, "%s/r.db", dir);
    race_on(url);
    fx_rmdir(dir);
}

static void threads_pg(void **state)
{
    (void)state;
    const char *url = fx_pg_url();
    if (!url) {
        fprintf(stderr, "WATTNET_TEST_PG_URL unset: PostgreSQL race skipped\n");
        skip();
    }
    race_on(url);
}

/* Four processes (fork, each its own handle) at the same wall-clock
 * moment: the `run` commands' case. */
static void processes_on(const char *url)
{
    wn_store *s = NULL;
    assert_int_equal(wn_store_open(url, &s), WN_OK);
    wn_store_close(&s);
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    double start = (double)now.tv_sec + now.tv_nsec / 1e9 + 0.3;
    pid_t kids[4];
    for (int i = 0; i < 4; i++) {
        kids[i] = fork();
        assert_true(kids[i] >= 0);
        if (kids[i] == 0) {
            wn_store *c = NULL;
            wn_sweep_result res;
            int created = 0;
            int rc = wn_store_open(url, &c);
            for (;;) {
                clock_gettime(CLOCK_REALTIME, &now);
                if ((double)now.tv_sec + now.tv_nsec / 1e9 >= start)
                    break;
            }
            if (rc == WN_OK)
                rc = wn_sweep_preset_ensure(c, "quick", NULL, &res, &created);
            wn_store_close(&c);
            _exit(rc == WN_OK ? (created ? 10 : 0) : 1);
        }
    }
    int created = 0;
    for (int i = 0; i < 4; i++) {
        int st = 0;
        assert_true(waitpid(kids[i], &st, 0) == kids[i]);
        assert_true(WIFEXITED(st));
        assert_true(WEXITSTATUS(st) == 0 || WEXITSTATUS(st) == 10);
        created += WEXITSTATUS(st) == 10;
    }
    assert_int_equal(created, 1);
    assert_int_equal(count(url, "SELECT count(*) FROM sweeps"), 1);
    assert_int_equal(count(url, "SELECT count(*) FROM jobs"), quick_jobs());
}

static void processes_sqlite(void **state)
{
    (void)state;
    char dir[512], url[600];
    fx_tmpdir(dir, sizeof dir, "sweep-once-p");
    snprintf(url, sizeof url, "%s/r.db", dir);
    processes_on(url);
    fx_rmdir(dir);
}

static void processes_pg(void **state)
{
    (void)state;
    const char *url = fx_pg_url();
    if (!url) {
        fprintf(stderr, "WATTNET_TEST_PG_URL unset: PostgreSQL race skipped\n");
        skip();
    }
    assert_int_equal(fx_pg_reset(url), WN_OK);
    processes_on(url);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(threads_sqlite),
        cmocka_unit_test(threads_pg),
        cmocka_unit_test(processes_sqlite),
        cmocka_unit_test(processes_pg),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
