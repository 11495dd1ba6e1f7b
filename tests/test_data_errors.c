/*
 * test_data_errors.c - bad dataset input gives one clear line naming the
 * file (and the line and column where it helps) and a status, never a
 * crash: missing, empty and header-only files, ragged rows, no label
 * column, NaN and inf, a gzip stream cut short, a constant label.  Then
 * the same through the `wattnet data` binary (exit status and stderr), and
 * allocation fault injection over loading, splitting and exporting.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>
#include <cmocka.h>

#include <wattnet/wattnet.h>

/* ---- temp dir and file helpers ------------------------------------------- */

static char tmpdir[64];

static int rm_entry(const char *p, const struct stat *sb, int flag,
                    struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(p);
}

static int setup_dir(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof tmpdir, "/tmp/wn_test_data_err_XXXXXX");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown_dir(void **state)
{
    (void)state;
    wn_fault_alloc(-1, 0);
    return nftw(tmpdir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
}

/* Write len bytes to tmpdir/name; gzip them when gz.  Returns a static
 * path. */
static const char *write_bytes(const char *name, const char *data, size_t len,
                               int gz)
{
    static char path[256];
    snprintf(path, sizeof path, "%s/%s", tmpdir, name);
    if (gz) {
        gzFile g = gzopen(path, "wb");
        assert_non_null(g);
        if (len)
            assert_int_equal(gzwrite(g, data, (unsigned)len), (int)len);
        assert_int_equal(gzclose(g), Z_OK);
    } else {
        FILE *f = fopen(path, "wb");
        assert_non_null(f);
        assert_int_equal(fwrite(data, 1, len, f), len);
        assert_int_equal(fclose(f), 0);
    }
    return path;
}

static const char *write_text(const char *name, const char *text)
{
    size_t n = strlen(name);
    return write_bytes(name, text, strlen(text),
                       n > 3 && strcmp(name + n - 3, ".gz") == 0);
}

/* Load path, expect status want, and a one-line message containing each
 * of the NULL-terminated needles. */
static void expect_error(const char *path, int want, ...)
{
    wn_dataset *d = (wn_dataset *)&d;   /* must be cleared on failure */
    wn_data_opts o = {0};
    int rc = wn_dataset_load(path, &o, &d);
    const char *msg = wn_errmsg();
    if (rc != want)
        fail_msg("%s: status %d (%s), wanted %d", path, rc, msg, want);
    assert_null(d);
    assert_true(strlen(msg) > 0);
    assert_null(strchr(msg, '\n'));
    va_list ap;
    va_start(ap, want);
    for (const char *s; (s = va_arg(ap, const char *));)
        if (!strstr(msg, s))
            fail_msg("message '%s' lacks '%s'", msg, s);
    va_end(ap);
}

/* ---- bad input through the library ---------------------------------------- */

static void test_missing_empty_header_only(void **state)
{
    (void)state;
    char missing[256];
    snprintf(missing, sizeof missing, "%s/nope.tsv", tmpdir);
    expect_error(missing, WN_ENOENT, missing, "No such file", NULL);

    const char *p = write_text("empty.tsv", "");
    expect_error(p, WN_EFORMAT, p, "empty", NULL);
    p = write_text("blank.tsv", "\n\n\r\n");
    expect_error(p, WN_EFORMAT, p, "empty", NULL);
    p = write_text("empty.tsv.gz", "");
    expect_error(p, WN_EFORMAT, p, "empty", NULL);
    p = write_text("header.tsv", "a\tb\ttarget\n");
    expect_error(p, WN_EFORMAT, p, "header only", NULL);
    p = write_text("header.csv", "a,b,target");
    expect_error(p, WN_EFORMAT, p, "header only", NULL);
    /* a directory is not a table, and not a crash */
    expect_error(tmpdir, WN_EIO, tmpdir, NULL);
}

static void test_ragged_and_no_target(void **state)
{
    (void)state;
    const char *p = write_text("ragged.tsv", "a\tb\ttarget\n"
                                             "1\t2\t0\n"
                                             "3\t4\n"
                                             "5\t6\t1\n");
    expect_error(p, WN_EFORMAT, p, ":3:", "ragged", "2 fields", "3", NULL);
    p = write_text("long.csv", "a,target\n1,0\n2,1\n3,1,9\n");
    expect_error(p, WN_EFORMAT, p, ":4:", "3 fields", NULL);
    p = write_text("notarget.tsv", "a\tb\tlabel\n1\t2\t0\n3\t4\t1\n");
    expect_error(p, WN_EFORMAT, p, ":1:", "'target'", NULL);
    /* the same file with --target label loads */
    wn_dataset *d = NULL;
    wn_data_opts o = {0};
    o.target = "label";
    assert_int_equal(wn_dataset_load(p, &o, &d), WN_OK);
    assert_int_equal(wn_dataset_task(d), WN_TASK_BINARY);
    wn_dataset_free(&d);
    /* a label with one value, and no features left */
    p = write_text("constlabel.tsv", "a\ttarget\n1\t5\n2\t5\n");
    expect_error(p, WN_EFORMAT, p, "single value", NULL);
    p = write_text("nofeatures.tsv", "a\ttarget\n1\t5\n1\t6\n");
    expect_error(p, WN_EFORMAT, p, "no input columns", NULL);
}

static void test_nan_and_inf(void **state)
{
    (void)state;
    const char *p = write_text("nan.tsv", "a\tb\ttarget\n"
                                          "1\t2\t0\n"
                                          "3\tNaN\t1\n");
    expect_error(p, WN_ENUMERIC, p, ":3:2:", "'b'", "NaN", NULL);
    p = write_text("inf.csv", "a,b,target\n1,2,0\n3,4,1\n-inf,5,0\n");
    expect_error(p, WN_ENUMERIC, p, ":4:1:", "'a'", NULL);
    p = write_text("huge.tsv", "a\ttarget\n1\t0\n1e999\t1\n");
    expect_error(p, WN_ENUMERIC, p, ":3:1:", NULL);
    p = write_text("naninlabel.tsv.gz", "a\ttarget\n1\t0\n2\tnan\n");
    expect_error(p, WN_ENUMERIC, p, ":3:2:", "'target'", NULL);
}

/* A table big enough that its gzip spans several deflate blocks. */
static char *big_table(size_t *len)
{
    size_t cap = 1 << 20, n = 0;
    char *t = malloc(cap);
    assert_non_null(t);
    n += (size_t)snprintf(t, cap, "a\tb\ttarget\n");
    for (int r = 0; r < 20000; r++)
        n += (size_t)snprintf(t + n, cap - n, "%d\t%d.%d\t%d\n", r, r * 7919 % 1000,
                              r % 13, r % 3);
    *len = n;
    return t;
}

static void test_truncated_gzip(void **state)
{
    (void)state;
    size_t len;
    char *text = big_table(&len);
    const char *p = write_bytes("whole.tsv.gz", text, len, 1);
    char whole[256];
    snprintf(whole, sizeof whole, "%s", p);
    wn_dataset *d = NULL;
    assert_int_equal(wn_dataset_load(whole, NULL, &d), WN_OK);
    assert_int_equal(wn_dataset_rows(d), 20000);
    wn_dataset_free(&d);

    /* read the gzip back, then cut it: in the middle, and just before the
     * end (in the CRC/length trailer) */
    FILE *f = fopen(whole, "rb");
    assert_non_null(f);
    char *gz = malloc(len);
    assert_non_null(gz);
    size_t gzlen = fread(gz, 1, len, f);
    fclose(f);
    assert_true(gzlen > 100);
    static const char *const names[] = {"half.tsv.gz", "tail.tsv.gz",
                                        "head.tsv.gz"};
    size_t cuts[3] = {gzlen / 2, gzlen - 3, 12};
    for (int i = 0; i < 3; i++) {
        p = write_bytes(names[i], gz, cuts[i], 0);
        expect_error(p, WN_EIO, p, "truncated", NULL);
    }
    free(gz);
    free(text);
}

/* ---- through the CLI ------------------------------------------------------ */

/* Run the CLI with args through sh; stderr and stdout into files; returns
 * the exit status. */
static int run_cli(const char *args, char *err, size_t errsz, char *out,
                   size_t outsz)
{
    char cmd[2048], errpath[256], outpath[256];
    snprintf(errpath, sizeof errpath, "%s/cli.err", tmpdir);
    snprintf(outpath, sizeof outpath, "%s/cli.out", tmpdir);
    snprintf(cmd, sizeof cmd, "env -u WATTNET_DATA '%s' data %s >'%s' 2>'%s'",
             WN_CLI_PATH, args, outpath, errpath);
    int st = system(cmd);
    assert_true(WIFEXITED(st));
    const char *paths[2] = {errpath, outpath};
    char *bufs[2] = {err, out};
    size_t sizes[2] = {errsz, outsz};
    for (int i = 0; i < 2; i++) {
        FILE *f = fopen(paths[i], "rb");
        assert_non_null(f);
        size_t n = fread(bufs[i], 1, sizes[i] - 1, f);
        bufs[i][n] = '\0';
        fclose(f);
    }
    return WEXITSTATUS(st);
}

static int count_lines(const char *s)
{
    int n = 0;
    for (; *s; s++)
        n += *s == '\n';
    return n;
}

static void test_cli(void **state)
{
    (void)state;
    char err[4096], out[4096], args[1024];
    if (access(WN_CLI_PATH, X_OK) != 0) {
        print_message("SKIP: %s not built\n", WN_CLI_PATH);
        skip();
    }
    const char *p = write_text("cli_ragged.tsv", "a\tb\ttarget\n1\t2\t0\n"
                                                 "3\t4\t1\n5\t6\n");
    snprintf(args, sizeof args, "info '%s'", p);
    int rc = run_cli(args, err, sizeof err, out, sizeof out);
    assert_int_not_equal(rc, 0);
    assert_int_equal(count_lines(err), 1);
    assert_non_null(strstr(err, p));
    assert_non_null(strstr(err, ":4:"));
    assert_string_equal(out, "");

    p = write_text("cli_nan.tsv", "a\tb\ttarget\n1\t2\t0\n3\tinf\t1\n");
    snprintf(args, sizeof args, "info '%s' --json", p);
    assert_int_not_equal(run_cli(args, err, sizeof err, out, sizeof out), 0);
    assert_int_equal(count_lines(err), 1);
    assert_non_null(strstr(err, ":3:2:"));

    size_t len;
    char *text = big_table(&len);
    p = write_bytes("cli_cut.tsv.gz", text, len, 1);
    free(text);
    assert_int_equal(truncate(p, 200), 0);
    snprintf(args, sizeof args, "info '%s'", p);
    assert_int_not_equal(run_cli(args, err, sizeof err, out, sizeof out), 0);
    assert_int_equal(count_lines(err), 1);
    assert_non_null(strstr(err, "truncated"));

    snprintf(args, sizeof args, "info '%s/missing.tsv.gz'", tmpdir);
    assert_int_not_equal(run_cli(args, err, sizeof err, out, sizeof out), 0);
    assert_int_equal(count_lines(err), 1);
    assert_non_null(strstr(err, "missing.tsv.gz"));

    assert_int_not_equal(run_cli("info no_such_dataset", err, sizeof err, out,
                                 sizeof out), 0);
    assert_non_null(strstr(err, "no_such_dataset"));
    assert_int_equal(count_lines(err), 1);

    /* usage errors: exit 2 */
    assert_int_equal(run_cli("export synthetic:banana", err, sizeof err, out,
                             sizeof out), 2);
    assert_non_null(strstr(err, "--out"));
    assert_int_equal(run_cli("info x --bogus", err, sizeof err, out,
                             sizeof out), 2);
    assert_int_equal(run_cli("frobnicate x", err, sizeof err, out,
                             sizeof out), 2);
    assert_int_equal(run_cli("info x --seed", err, sizeof err, out,
                             sizeof out), 2);
    assert_int_equal(count_lines(err), 1);

    /* help: exit 0, usage on stdout */
    assert_int_equal(run_cli("--help", err, sizeof err, out, sizeof out), 0);
    assert_non_null(strstr(out, "usage:"));
    assert_int_equal(run_cli("info --help", err, sizeof err, out, sizeof out),
                     0);
    assert_non_null(strstr(out, "usage:"));

    /* success: the JSON object, and the stand-in notice on stderr */
    assert_int_equal(run_cli("info banana --json", err, sizeof err, out,
                             sizeof out), 0);
    assert_string_equal(out, "{\"name\":\"banana\",\"rows\":5300,\"inputs\":2,"
                             "\"outputs\":1,\"task\":\"binary\","
                             "\"source\":\"synthetic\"}\n");
    assert_int_equal(count_lines(err), 1);
    assert_non_null(strstr(err, "synthetic stand-in"));

    p = write_text("cli_ok.csv", "x,y,target\n1,0.5,a\n2,0.25,b\n3,1,c\n");
    snprintf(args, sizeof args, "info '%s' --json", p);
    assert_int_equal(run_cli(args, err, sizeof err, out, sizeof out), 0);
    assert_string_equal(out, "{\"name\":\"cli_ok\",\"rows\":3,\"inputs\":6,"
                             "\"outputs\":3,\"task\":\"multiclass\","
                             "\"source\":\"file\"}\n");
    assert_string_equal(err, "");

    /* export through the CLI equals the library's export */
    snprintf(args, sizeof args, "export '%s' --out '%s/cli.wndata' --seed 9",
             p, tmpdir);
    assert_int_equal(run_cli(args, err, sizeof err, out, sizeof out), 0);
    char lib_path[256], cli_path[256];
    snprintf(lib_path, sizeof lib_path, "%s/lib.wndata", tmpdir);
    snprintf(cli_path, sizeof cli_path, "%s/cli.wndata", tmpdir);
    wn_dataset *d = NULL;
    wn_split s;
    assert_int_equal(wn_dataset_load(p, NULL, &d), WN_OK);
    assert_int_equal(wn_split_make(d, 0.8, 9, &s), WN_OK);
    assert_int_equal(wn_dataset_export(d, &s, lib_path), WN_OK);
    wn_split_free(&s);
    wn_dataset_free(&d);
    snprintf(args, sizeof args, "cmp -s '%s' '%s'", lib_path, cli_path);
    assert_int_equal(system(args), 0);

    /* a stand-in: --seed K is the split seed and the stand-in's seed, as
     * for `wattnet train --seed K` */
    snprintf(args, sizeof args, "export synthetic:banana --out '%s' --seed 4",
             cli_path);
    assert_int_equal(run_cli(args, err, sizeof err, out, sizeof out), 0);
    wn_data_opts o = {0};
    o.seed = 4;
    assert_int_equal(wn_dataset_load("synthetic:banana", &o, &d), WN_OK);
    assert_int_equal(wn_split_make(d, 0.8, 4, &s), WN_OK);
    assert_int_equal(wn_dataset_export(d, &s, lib_path), WN_OK);
    wn_split_free(&s);
    wn_dataset_free(&d);
    snprintf(args, sizeof args, "cmp -s '%s' '%s'", lib_path, cli_path);
    assert_int_equal(system(args), 0);
}

/* ---- allocation fault injection ------------------------------------------- */

/* Walk the countdown upward until a run injects no fault; every run must
 * succeed or fail with WN_ENOMEM and a message, leaking nothing (ASan). */
static void test_fault_injection(void **state)
{
    (void)state;
    /* numbers, strings (an id column that makes the string set grow), a
     * min-max column and a string label */
    static const char *const colour[3] = {"red", "green", "blue"};
    char text[4096];
    size_t n = (size_t)snprintf(text, sizeof text,
                                "num\tcat\tid\tmany\ttarget\n");
    for (int r = 0; r < 40; r++)
        n += (size_t)snprintf(text + n, sizeof text - n,
                              "%d\t%s\tid%d\t%d.5\t%c\n", r % 2 + 1,
                              colour[r % 3], r, r, 'A' + r % 3);
    const char *p = write_text("fault.tsv.gz", text);
    char path[256], out[256];
    snprintf(path, sizeof path, "%s", p);
    snprintf(out, sizeof out, "%s/fault.wndata", tmpdir);
    const char *const specs[] = {path, "synthetic:wine_quality_white"};
    for (int k = 0; k < 2; k++) {
        long step, ok_runs = 0, fail_runs = 0;
        for (step = 0; step < 10000; step++) {
            wn_dataset *d = NULL;
            wn_split s = {0};
            wn_fault_alloc(step, 1);
            int rc = wn_dataset_load(specs[k], NULL, &d);
            if (rc == WN_OK)
                rc = wn_split_make(d, 0.8, 1, &s);
            if (rc == WN_OK)
                rc = wn_dataset_export(d, &s, out);
            long hits = wn_fault_alloc(-1, 0);
            wn_split_free(&s);
            wn_dataset_free(&d);
            if (rc != WN_OK && rc != WN_ENOMEM)
                fail_msg("%s, fault after %ld: status %d (%s)", specs[k],
                         step, rc, wn_errmsg());
            if (rc == WN_ENOMEM) {
                assert_true(hits > 0);
                assert_true(strlen(wn_errmsg()) > 0);
                fail_runs++;
            } else {
                ok_runs++;
            }
            if (hits == 0) {
                assert_int_equal(rc, WN_OK);
                break;
            }
        }
        assert_true(step < 10000);
        assert_true(fail_runs >= 5);   /* the walk did reach the loader */
        print_message("%s: %ld allocation points, all failed cleanly; "
                      "%ld clean runs\n", specs[k], fail_runs, ok_runs);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_missing_empty_header_only),
        cmocka_unit_test(test_ragged_and_no_target),
        cmocka_unit_test(test_nan_and_inf),
        cmocka_unit_test(test_truncated_gzip),
        cmocka_unit_test(test_cli),
        cmocka_unit_test(test_fault_injection),
    };
    return cmocka_run_group_tests(tests, setup_dir, teardown_dir);
}
