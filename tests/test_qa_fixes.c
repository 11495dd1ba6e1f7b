/*
 * test_qa_fixes.c - faults a QA pass found in the `wattnet` command, each
 * checked as a user meets it (the CLI run through WN_CLI_PATH), plus the two
 * pieces below the CLI they came from:
 *   1  too few usable runs for `fit` is a data problem: exit 1, not 2
 *      (usage), and says "not enough usable data";
 *   2  `advise`'s "larger networks cheaper" compares parameter counts, the
 *      same measure that picks the smallest network (wn_advise_rank);
 *   3  no message carries the command name twice ("wattnet advise: advise:");
 *   4  `import butter-e` refuses an unknown shape, batch 0 and a depth outside
 *      2..WN_MAX_DEPTH with file:line:column; an unknown dataset is stored
 *      but flagged;
 *   5  `wattnet help CMD` is CMD's help; an unknown command is one line and
 *      a hint; `data list extra` is a usage error;
 *   6  `slurm` never writes the database password into the script, and the
 *      script stops when $WATTNET_DB is missing from the job environment;
 *   7  byte sizes in KiB/MiB/GiB (cli_fmt_bytes), "1 repetition", and
 *      `export` says "wattnet export:".
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <cmocka.h>

#include "cli_fixture.h"

#define FX_PG_SCHEMA "wn_test_qa_fixes"
#include "store_fixture.h"

#include <wattnet/advise.h>

/* the CLI's byte printer, compiled into this test to check it alone */
#include "../cli/cli.c"

static char dir[512];

/* Run SHELL-COMMAND (with $W the CLI) in dir; stdout+stderr into *all. */
static int sh(char **all, const char *fmt, ...)
{
    char args[3000], cmd[6000];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(args, sizeof args, fmt, ap);
    va_end(ap);
    snprintf(cmd, sizeof cmd, "W='%s' && (%s)", WN_CLI_PATH, args);
    return fx_shell(dir, "out.txt", all, cmd);
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

static size_t lines(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += *s == '\n';
    return n;
}

static int setup(void **state)
{
    (void)state;
    fx_tmpdir(dir, sizeof dir, "qa-fixes");
    /* a database with jobs queued and no run done */
    return sh(NULL, "timeout 60 \"$W\" sweep --preset quick --db runs.db") == 0
               ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    fx_rmdir(dir);
    return 0;
}

/* 1 and 3 */
static void fit_too_few_runs(void **state)
{
    (void)state;
    char *out = NULL;
    assert_int_equal(sh(&out, "\"$W\" fit --db runs.db --out m.json"), 1);
    assert_non_null(strstr(out, "not enough usable data"));
    assert_non_null(strstr(out, "wattnet fit: only 0 usable runs"));
    assert_null(strstr(out, "fit: fit:"));
    free(out);
    /* a real usage error still exits 2 */
    assert_int_equal(sh(NULL, "\"$W\" fit --db runs.db"), 2);
}

/* 3 */
static void no_double_prefix(void **state)
{
    (void)state;
    const char *cases[] = {
        "\"$W\" advise --db runs.db --data iris",
        "\"$W\" export --db runs.db --format csv --out /nonexistent/x",
        "\"$W\" import butter-e --db i.db --metadata nonexistent.csv",
        "\"$W\" data info nonexistent-file.csv",
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *out = NULL;
        int rc = sh(&out, "%s", cases[i]);
        print_message("%s -> %d: %s", cases[i], rc, out);
        assert_int_equal(rc, 1);
        assert_non_null(strstr(out, "wattnet "));
        assert_null(strstr(out, "advise: advise:"));
        assert_null(strstr(out, "export: export:"));
        assert_null(strstr(out, "import: import:"));
        assert_null(strstr(out, "data: data:"));
        free(out);
    }
}

/* 2: the best has more parameters but a smaller nominal size than the
 * smallest network (by parameters) that reaches the target. */
static void advise_larger_by_params(void **state)
{
    (void)state;
    static const double small_curve[] = {1.0, 0.8, 0.6, 0.5};
    static const double big_curve[] = {0.6, 0.5, 0.4, 0.3};
    wn_advise_config c[2];
    memset(c, 0, sizeof c);
    const double *curves[2] = {small_curve, big_curve};
    const uint64_t size[2] = {4096, 2048}, params[2] = {1000, 50000};
    const double cost[2] = {10.0, 1.0};
    for (int i = 0; i < 2; i++) {
        snprintf(c[i].shape, sizeof c[i].shape, "%s", i ? "wide_first_16x"
                                                        : "rectangle");
        c[i].depth = 3;
        c[i].size = size[i];
        c[i].params = params[i];
        c[i].n_epochs = 4;
        c[i].metric = curves[i];
        c[i].cost_per_epoch = cost[i];
        c[i].n_runs = 1;
    }
    wn_advise_opts o = {WN_ADVISE_LOSS, 1, 0.65};
    wn_advise_result r;
    assert_int_equal(wn_advise_rank(c, 2, &o, &r), WN_OK);
    assert_int_equal(r.best, 1);
    assert_int_equal(r.smallest, 0);
    assert_true(r.smallest_cost > r.best_cost);
    assert_true(r.larger_cheaper);
    wn_advise_result_clear(&r);
    /* the other way round: the cheapest is the smallest, so "no" */
    c[0].cost_per_epoch = 0.1;
    assert_int_equal(wn_advise_rank(c, 2, &o, &r), WN_OK);
    assert_int_equal(r.best, 0);
    assert_false(r.larger_cheaper);
    wn_advise_result_clear(&r);
}

/* 4 */
static const char meta_header[] =
    "run_id,slurm_job_id,start_time,update_time,host_name,size,depth,shape,"
    "dataset,learning_rate,batch_size,is_gpu,energy\n";

static void import_bad_rows(void **state)
{
    (void)state;
    struct { const char *row, *where, *why; } bad[] = {
        {"r1,1,1000,1100,n1,1024,3,blob,adult,0.0001,256,false,50\n",
         "bad.csv:2:26", "unknown shape"},
        {"r1,1,1000,1100,n1,1024,3,rectangle,adult,0.0001,0,false,50\n",
         "bad.csv:2:49", "batch_size 0"},
        {"r1,1,1000,1100,n1,1024,200,rectangle,adult,0.0001,256,false,50\n",
         "bad.csv:2:24", "depth 200"},
        {"r1,1,1000,1100,n1,1024,1,rectangle,adult,0.0001,256,false,50\n",
         "bad.csv:2:24", "depth 1"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char text[1024], *out = NULL;
        snprintf(text, sizeof text, "%s%s", meta_header, bad[i].row);
        put("bad.csv", text);
        int rc = sh(&out, "rm -f bad.db; \"$W\" import butter-e --db bad.db "
                          "--metadata bad.csv");
        print_message("%s", out);
        assert_int_equal(rc, 1);
        assert_non_null(strstr(out, bad[i].where));
        assert_non_null(strstr(out, bad[i].why));
        free(out);
    }
    /* an unknown dataset: stored, flagged, counted as without energy */
    char text[1024], *out = NULL;
    snprintf(text, sizeof text, "%s%s%s", meta_header,
             "r1,1,1000,1100,n1,1024,3,rectangle,nosuchdata,0.0001,256,false,50\n",
             "r2,1,1000,1100,n1,1024,3,rectangle,adult,0.0001,256,false,50\n");
    put("odd.csv", text);
    assert_int_equal(sh(&out, "rm -f odd.db; \"$W\" import butter-e --db odd.db "
                              "--metadata odd.csv"), 0);
    print_message("%s", out);
    assert_non_null(strstr(out, "2 runs read, 2 stored (1 without"));
    free(out);
    char url[700];
    snprintf(url, sizeof url, "%s/odd.db", dir);
    wn_store *s = NULL;
    assert_int_equal(wn_store_open(url, &s), WN_OK);
    wn_run_record *runs = NULL;
    size_t n = 0;
    assert_int_equal(wn_store_load_runs(s, &runs, &n), WN_OK);
    assert_int_equal(n, 2);
    int seen = 0;
    for (size_t k = 0; k < n; k++) {
        if (!strcmp(runs[k].dataset_name, "nosuchdata")) {
            assert_string_equal(runs[k].energy.flag, "unknown-dataset");
            assert_false(wn_energy_usable(&runs[k].energy));
            seen++;
        } else {
            assert_true(runs[k].summary.params > 0);
            assert_true(wn_energy_usable(&runs[k].energy));
            seen++;
        }
    }
    assert_int_equal(seen, 2);
    wn_run_records_free(&runs, n);
    wn_store_close(&s);
}

/* 5 */
static void help_and_strays(void **state)
{
    (void)state;
    char *out = NULL;
    assert_int_equal(sh(&out, "\"$W\" help train"), 0);
    assert_non_null(strstr(out, "usage: wattnet train"));
    free(out);
    assert_int_equal(sh(&out, "\"$W\" help nosuchcmd"), 2);
    assert_true(lines(out) == 1);
    free(out);
    assert_int_equal(sh(&out, "\"$W\" nosuchcmd"), 2);
    assert_true(lines(out) == 1);
    assert_non_null(strstr(out, "wattnet --help"));
    free(out);
    assert_int_equal(sh(&out, "\"$W\" data list extra"), 2);
    assert_non_null(strstr(out, "extra"));
    free(out);
    assert_int_equal(sh(NULL, "\"$W\" data list"), 0);
}

/* 6 */
static void slurm_no_password(void **state)
{
    (void)state;
    char *out = NULL;
    assert_int_equal(sh(NULL, "\"$W\" slurm --db "
                              "'postgresql://alice:S3cretPw@dbhost/wn' --nodes 1 "
                              "--time 00:10:00 --wattnet /bin/false > job.sh"), 0);
    char p[700];
    snprintf(p, sizeof p, "%s/job.sh", dir);
    char *script = fx_slurp(p);
    assert_null(strstr(script, "S3cretPw"));
    assert_non_null(strstr(script, "postgresql://alice:***@dbhost/wn"));
    free(script);
    /* without WATTNET_DB in its environment the job stops at once */
    assert_int_equal(sh(&out, "env -u WATTNET_DB bash job.sh"), 2);
    assert_non_null(strstr(out, "WATTNET_DB is not set"));
    free(out);
    /* with it, it goes on to the real URL (here /bin/false fails status) */
    assert_int_equal(sh(&out, "WATTNET_DB=postgresql://x@y/z bash job.sh"), 1);
    free(out);
    /* a URL without a password is written as given */
    assert_int_equal(sh(&out, "\"$W\" slurm --db postgresql://alice@dbhost/wn "
                              "--nodes 1 --time 00:10:00"), 0);
    assert_non_null(strstr(out, "export WATTNET_DB='postgresql://alice@dbhost/wn'"));
    free(out);
}

/* 7 */
static void cosmetics(void **state)
{
    (void)state;
    char b[32];
    assert_string_equal(cli_fmt_bytes(307200 * 1024.0, b,
                                      sizeof b), "300 MiB");
    assert_string_equal(cli_fmt_bytes(48 * 1024.0, b, sizeof b), "48 KiB");
    assert_string_equal(cli_fmt_bytes(24.75 * 1048576.0, b, sizeof b),
                        "24.8 MiB");
    assert_string_equal(cli_fmt_bytes(3.0 * 1073741824.0, b, sizeof b), "3 GiB");
    assert_string_equal(cli_fmt_bytes(512, b, sizeof b), "512 B");
    char *out = NULL;
    assert_int_equal(sh(&out, "\"$W\" sweep --preset quick --db r2.db"), 0);
    assert_non_null(strstr(out, "x 1 repetition,"));
    free(out);
    assert_int_equal(sh(&out, "\"$W\" export --db runs.db --format csv "
                              "--out exp"), 0);
    assert_non_null(strstr(out, "wattnet export: 0 runs written"));
    free(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(fit_too_few_runs),
        cmocka_unit_test(no_double_prefix),
        cmocka_unit_test(advise_larger_by_params),
        cmocka_unit_test(import_bad_rows),
        cmocka_unit_test(help_and_strays),
        cmocka_unit_test(slurm_no_password),
        cmocka_unit_test(cosmetics),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
