/*
 * test_worker_meter.c - a worker's meter choice: a source named on purpose
 * must work (a typo is an error before any job runs, with one line and no
 * summary), and "none" stores runs without energy.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <cmocka.h>

#define FX_PG_SCHEMA "wn_test_worker_meter"
#include "store_fixture.h"

#include <wattnet/wattnet.h>

static char dir[1024];

static int setup(void **state)
{
    (void)state;
    fx_tmpdir(dir, sizeof dir, "worker-meter");
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    fx_rmdir(dir);
    return 0;
}

/* Run a shell command; return its exit code and its stderr lines. */
static int run(const char *cmd, char *err, size_t n, int *lines)
{
    char full[4000], path[1100];
    snprintf(path, sizeof path, "%s/stderr.txt", dir);
    snprintf(full, sizeof full, "%s 2>%s >/dev/null", cmd, path);
    int st = system(full);
    FILE *f = fopen(path, "r");
    size_t got = f ? fread(err, 1, n - 1, f) : 0;
    err[got] = '\0';
    if (f)
        fclose(f);
    *lines = 0;
    for (char *p = err; *p; p++)
        *lines += *p == '\n';
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void test_unknown_meter_is_an_error(void **state)
{
    (void)state;
    char cmd[2000], err[4096];
    int lines = 0;
    snprintf(cmd, sizeof cmd, "%s worker --db %s/a.db --meter nosuch", WN_CLI_PATH, dir);
    int code = run(cmd, err, sizeof err, &lines);
    assert_int_equal(code, 2);
    assert_int_equal(lines, 1);
    assert_non_null(strstr(err, "nosuch"));
}

static void test_meter_none_stores_unmetered_runs(void **state)
{
    (void)state;
    char path[1100], spec[1100], cmd[6000], err[4096];
    int lines = 0;
    snprintf(path, sizeof path, "%s/b.db", dir);
    snprintf(spec, sizeof spec, "%s/spec.json", dir);
    FILE *f = fopen(spec, "w");
    assert_non_null(f);
    fprintf(f, "{\"datasets\":[\"synthetic:banana\"],\"shapes\":[\"rectangle\"],"
               "\"depths\":[2],\"sizes\":[64],\"epochs\":1,\"batch\":256,"
               "\"learning_rate\":1e-4,\"repetitions\":1}\n");
    fclose(f);
    snprintf(cmd, sizeof cmd, "%s sweep --db %s --spec %s && %s worker --db %s --meter none",
             WN_CLI_PATH, path, spec, WN_CLI_PATH, path);
    assert_int_equal(run(cmd, err, sizeof err, &lines), 0);

    wn_store *s = NULL;
    wn_run_record *runs = NULL;
    size_t n = 0;
    assert_int_equal(wn_store_open(path, &s), WN_OK);
    assert_int_equal(wn_store_load_runs(s, &runs, &n), WN_OK);
    assert_int_equal(n, 1);
    assert_false(runs[0].energy.measured);
    assert_false(runs[0].has_jpd);
    assert_int_equal(runs[0].n_epochs, 1);
    wn_run_records_free(&runs, n);
    wn_store_close(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_unknown_meter_is_an_error),
        cmocka_unit_test(test_meter_none_stores_unmetered_runs),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
