/*
 * test_files_cli.c - issue 9, items 9, 10, 13 and 22 through the `wattnet`
 * command, as a user meets them:
 *   9  an output that is, or links to, an input is refused before anything
 *      is written (fit, report, export, data export, measure, idle,
 *      import), and the input is left byte for byte as it was;
 *  10  read-only commands (status, export, fit, report, analyze, advise,
 *      attribute) say "no such database" and create nothing;
 *  13  a malformed idle file is named before `idle` measures and before
 *      `measure` runs its command;
 *  22  a postgresql://user:SECRET@... URL (and ?password=SECRET) never
 *      appears in stdout, stderr or report.html of run, worker, status,
 *      report, export, exporter, fit, analyze (connection errors, a
 *      malformed URL echoed by libpq, and a real database when
 *      WATTNET_TEST_PG_URL is set).
 * Plus the library check itself (wn_output_check) on hard and symbolic
 * links, side files and not-yet-existing outputs.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <cmocka.h>

#include "cli_fixture.h"

#define FX_PG_SCHEMA "wn_test_files_cli"
#include "store_fixture.h"

static char dir[512];

/* Run `wattnet ARGS` in dir; stdout+stderr into *all; the exit code. */
static int cli(char **all, const char *fmt, ...)
{
    char args[3000], cmd[6000];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(args, sizeof args, fmt, ap);
    va_end(ap);
    snprintf(cmd, sizeof cmd, "timeout 60 '%s' %s", WN_CLI_PATH, args);
    return fx_shell(dir, "cli-out.txt", all, cmd);
}

static int exists(const char *name)
{
    char p[700];
    struct stat st;
    snprintf(p, sizeof p, "%s/%s", dir, name);
    return stat(p, &st) == 0;
}

static void put(const char *name, const char *text)
{
    char p[700];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    FILE *f = fopen(p, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static int setup(void **state)
{
    (void)state;
    fx_tmpdir(dir, sizeof dir, "files-cli");
    /* a database with a sweep: the input the outputs must not replace */
    char *out = NULL;
    int rc = cli(&out, "sweep --preset quick --db runs.db");
    free(out);
    return rc == 0 ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    fx_rmdir(dir);
    return 0;
}

/* ---- item 9 ------------------------------------------------------------ */

static void check_unit(void **state)
{
    (void)state;
    char db[700], lnk[700], hard[700], fresh[700], wal[700], sub[700];
    snprintf(db, sizeof db, "%s/runs.db", dir);
    snprintf(lnk, sizeof lnk, "%s/link.json", dir);
    snprintf(hard, sizeof hard, "%s/hard.json", dir);
    snprintf(fresh, sizeof fresh, "%s/model.json", dir);
    snprintf(wal, sizeof wal, "%s/runs.db-wal", dir);
    snprintf(sub, sizeof sub, "%s/./../%s/runs.db", dir, strrchr(dir, '/') + 1);
    unlink(lnk);
    unlink(hard);
    assert_int_equal(symlink(db, lnk), 0);
    assert_int_equal(link(db, hard), 0);
    wn_output_input in[] = {{db, "--db"}, {NULL, "--hardware"},
                            {"postgresql://h/x", "--db"}};
    assert_int_equal(wn_output_check(db, "--out", in, 3), WN_EINVAL);
    assert_non_null(strstr(wn_errmsg(), "--db"));
    assert_int_equal(wn_output_check(lnk, "--out", in, 3), WN_EINVAL);
    assert_int_equal(wn_output_check(hard, "--out", in, 3), WN_EINVAL);
    assert_int_equal(wn_output_check(sub, "--out", in, 3), WN_EINVAL);
    assert_int_equal(wn_output_check(wal, "--out", in, 3), WN_EINVAL);
    assert_int_equal(wn_output_check(fresh, "--out", in, 3), WN_OK);
    assert_int_equal(wn_output_check("", "--out", in, 3), WN_EINVAL);
    unlink(lnk);
    unlink(hard);
}

static void outputs_over_inputs(void **state)
{
    (void)state;
    char p[700];
    snprintf(p, sizeof p, "%s/runs.db", dir);
    char *before = fx_slurp(p), *out = NULL;
    struct stat st0;
    assert_int_equal(stat(p, &st0), 0);
    const char *cases[] = {
        "fit --db runs.db --out runs.db",
        "fit --db runs.db --out ./runs.db",
        "fit --db runs.db --out l.db",
        "report --db runs.db --out runs.db",
        "report --db runs.db --out l.db",
        "export --db runs.db --out . --format csv",
        "idle --seconds 1 --source sim --idle-file runs.db --db runs.db",
        "measure --output idle.json --idle-file idle.json -- true",
        "data export synthetic:banana --out t.tsv",
    };
    put("idle.json", "{\"version\":1,\"hosts\":{}}\n");
    /* export writes DIR/runs.csv: make the database that file */
    char l[700], csv[700];
    snprintf(l, sizeof l, "%s/l.db", dir);
    symlink("runs.db", l);
    snprintf(csv, sizeof csv, "%s/runs.csv", dir);
    symlink("runs.db", csv);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int rc = cli(&out, "%s", cases[i]);
        if (strncmp(cases[i], "data export", 11) == 0) {
            assert_int_equal(rc, 0);   /* a stand-in: no file to overwrite */
        } else {
            if (rc != 2)
                fprintf(stderr, "%s -> %d: %s\n", cases[i], rc, out);
            assert_int_equal(rc, 2);
            assert_non_null(strstr(out, "refusing to overwrite"));
        }
        free(out);
    }
    /* data export: the dataset file is the input */
    put("d.tsv", "a\tb\ttarget\n1\t2\t0\n3\t4\t1\n5\t6\t0\n7\t8\t1\n");
    assert_int_equal(cli(&out, "data export d.tsv --out d.tsv"), 2);
    assert_non_null(strstr(out, "refusing to overwrite"));
    free(out);
    assert_int_equal(cli(&out, "import butter-e --db meta.csv --metadata "
                               "meta.csv"), 2);
    free(out);
    char *after = fx_slurp(p);
    struct stat st1;
    assert_int_equal(stat(p, &st1), 0);
    assert_int_equal(st0.st_size, st1.st_size);
    assert_memory_equal(before, after, (size_t)st0.st_size < 65536
                                           ? (size_t)st0.st_size : 65536);
    free(before);
    free(after);
    unlink(l);
    unlink(csv);
}

/* ---- item 10 ----------------------------------------------------------- */

static void readers_never_create(void **state)
{
    (void)state;
    const char *cases[] = {
        "status --db typo.db",
        "export --db typo.db --out ex",
        "fit --db typo.db --out m.json",
        "report --db typo.db --out r.html",
        "analyze --db typo.db",
        "advise --db typo.db --data synthetic:banana --target-loss 0.5",
        "attribute --db typo.db --power-log idle.json",
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *out = NULL;
        int rc = cli(&out, "%s", cases[i]);
        if (rc == 0 || !strstr(out, "no such database"))
            fprintf(stderr, "%s -> %d: %s\n", cases[i], rc, out);
        assert_int_not_equal(rc, 0);
        assert_non_null(strstr(out, "no such database"));
        assert_false(exists("typo.db"));
        free(out);
    }
    /* writers still create */
    char *out = NULL;
    assert_int_equal(cli(&out, "sweep --preset quick --db new.db"), 0);
    free(out);
    assert_true(exists("new.db"));
}

/* ---- item 13 ----------------------------------------------------------- */

static void idle_file_first(void **state)
{
    (void)state;
    char *out = NULL;
    put("bad.json", "{\"version\":1,\"hosts\":{\"h\":{\"sim\":{\"domains\":"
                    "{\"package-0\":\"twelve\"}}}}}");
    put("broken.json", "{not json");
    /* idle: the error before a second of measuring (--seconds 30 would
     * take 30 s: the test's timeout would catch a measure-first) */
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    int rc = cli(&out, "idle --seconds 30 --source sim --idle-file bad.json");
    clock_gettime(CLOCK_MONOTONIC, &t1);
    assert_int_not_equal(rc, 0);
    assert_non_null(strstr(out, "bad.json"));
    assert_non_null(strstr(out, "package-0"));
    assert_true(t1.tv_sec - t0.tv_sec < 10);
    free(out);
    rc = cli(&out, "idle --seconds 30 --source sim --idle-file broken.json");
    assert_int_not_equal(rc, 0);
    assert_non_null(strstr(out, "broken.json"));
    free(out);
    /* measure: named, and the command is not run */
    rc = cli(&out, "measure --source sim --idle-file broken.json -- touch ran");
    assert_int_not_equal(rc, 0);
    assert_non_null(strstr(out, "broken.json"));
    assert_false(exists("ran"));
    free(out);
    /* a good file and a missing one are fine */
    put("good.json", "{\"version\":1,\"hosts\":{\"h\":{\"sim\":{\"seconds\":1,"
                     "\"domains\":{\"package-0\":12.5}}}}}");
    assert_int_equal(wn_meter_idle_check(NULL) == WN_OK ||
                     wn_meter_idle_check(NULL) == WN_EFORMAT, 1);
    char p[700];
    snprintf(p, sizeof p, "%s/good.json", dir);
    assert_int_equal(wn_meter_idle_check(p), WN_OK);
    snprintf(p, sizeof p, "%s/none.json", dir);
    assert_int_equal(wn_meter_idle_check(p), WN_OK);
    snprintf(p, sizeof p, "%s/bad.json", dir);
    assert_int_equal(wn_meter_idle_check(p), WN_EFORMAT);
}

/* ---- item 22 ----------------------------------------------------------- */

static void no_secret_in(const char *what, const char *text)
{
    if (strstr(text, "SECRET")) {
        fprintf(stderr, "%s shows the password:\n%s\n", what, text);
        fail();
    }
}

static void secrets_on_errors(void **state)
{
    (void)state;
    const char *urls[] = {
        "postgresql://user:SECRET@127.0.0.1:1/x",
        "postgresql://127.0.0.1:1/x?password=SECRET",
        "postgresql://user:SECRET@[bad/x",
        "postgres://u:SECRET@h:notaport/x",
        "mysql://u:SECRET@h/x",
    };
    const char *cmds[] = {
        "run --db '%s'", "worker --db '%s'", "status --db '%s'",
        "report --db '%s' --out r.html", "export --db '%s' --out ex",
        "fit --db '%s' --out m.json", "analyze --db '%s'",
        "exporter --once --source sim --db '%s'",
        "sweep --preset quick --db '%s'",
    };
    for (size_t u = 0; u < sizeof urls / sizeof urls[0]; u++)
        for (size_t c = 0; c < sizeof cmds / sizeof cmds[0]; c++) {
            char args[600], *out = NULL;
            snprintf(args, sizeof args, cmds[c], urls[u]);
            int rc = cli(&out, "%s", args);
            assert_int_not_equal(rc, 0);
            no_secret_in(args, out);
            free(out);
        }
}

/* A real PostgreSQL database reached with a password in the URL (the test
 * server trusts local connections, so any password is accepted). */
static void secrets_on_success(void **state)
{
    (void)state;
    const char *base = fx_pg_url();
    if (!base) {
        fprintf(stderr, "WATTNET_TEST_PG_URL unset: skipped\n");
        skip();
    }
    char url[1200];
    const char *at = strchr(base + 13, '@');
    assert_non_null(at);
    snprintf(url, sizeof url, "%.*s:SECRET%s", (int)(at - base), base, at);
    /* an empty sweep named quick: `run` finds it and has no job to do */
    wn_store *s = NULL;
    int64_t id = 0;
    assert_int_equal(wn_store_open(url, &s), WN_OK);
    assert_int_equal(wn_store_sweep_add(s, "quick", "{}", 0, NULL, 0, &id),
                     WN_OK);
    wn_store_close(&s);
    const char *cmds[] = {
        "run --preset quick --db '%s'", "worker --db '%s'",
        "status --db '%s'", "report --db '%s' --out r.html",
        "exporter --once --source sim --db '%s'",
        "sweep --preset quick --db '%s' --name q2",
    };
    for (size_t c = 0; c < sizeof cmds / sizeof cmds[0]; c++) {
        char args[1600], *out = NULL;
        snprintf(args, sizeof args, cmds[c], url);
        int rc = cli(&out, "%s", args);
        if (rc != 0)
            fprintf(stderr, "%s -> %d: %s\n", args, rc, out);
        assert_int_equal(rc, 0);
        no_secret_in(args, out);
        free(out);
    }
    char p[700];
    snprintf(p, sizeof p, "%s/r.html", dir);
    char *html = fx_slurp(p);
    assert_non_null(strstr(html, ":***@"));
    no_secret_in("report.html", html);
    free(html);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(check_unit),
        cmocka_unit_test(outputs_over_inputs),
        cmocka_unit_test(readers_never_create),
        cmocka_unit_test(idle_file_first),
        cmocka_unit_test(secrets_on_errors),
        cmocka_unit_test(secrets_on_success),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
