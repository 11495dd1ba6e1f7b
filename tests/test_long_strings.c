/*
 * test_long_strings.c - issue 9, item 12: no fixed-size field may cut a
 * user's string silently.  A sweep spec naming a 130-character dataset
 * path (a real file, whose 127-character prefix is another real file) used
 * to be stored cut and train the other file; now the spec is refused with
 * the length.  The same for a spec built in code (wn_sweep_expand), a
 * dataset path or data directory too long for the run record
 * (wn_data_resolve), `wattnet train --data`, and the checked copy itself.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <cmocka.h>

#include "store_fixture.h"
#include "core/util.h"

#include <wattnet/data_origin.h>
#include <wattnet/sweep.h>

static char dir[512];

/* A path of exactly LEN characters under dir: dir/ddd.../a.tsv. */
static void long_path(char *out, size_t cap, size_t len)
{
    size_t base = strlen(dir) + 1;
    assert_true(len > base + 6 && len < cap);
    snprintf(out, cap, "%s/", dir);
    size_t pad = len - base - 5;   /* "a.tsv" */
    memset(out + base, 'd', pad);
    snprintf(out + base + pad, cap - base - pad, "a.tsv");
    assert_int_equal(strlen(out), len);
}

static void touch(const char *path)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("x\ty\ttarget\n1\t2\t0\n3\t4\t1\n5\t6\t0\n7\t8\t1\n", f);
    fclose(f);
}

static void spec_with_long_dataset(void **state)
{
    (void)state;
    char path[600], json[1200];
    long_path(path, sizeof path, 130);
    touch(path);
    snprintf(json, sizeof json, "{\"datasets\":[\"%s\"],\"shapes\":"
             "[\"rectangle\"],\"depths\":[2],\"sizes\":[64],\"epochs\":1}",
             path);
    wn_sweep_spec *sp = NULL;
    int rc = wn_sweep_spec_parse(json, "spec.json", &sp);
    assert_int_equal(rc, WN_EINVAL);
    assert_non_null(strstr(wn_errmsg(), "130 characters"));
    wn_sweep_spec_free(&sp);
    /* 127 characters still fit, whole */
    long_path(path, sizeof path, 127);
    touch(path);
    snprintf(json, sizeof json, "{\"datasets\":[\"%s\"],\"shapes\":"
             "[\"rectangle\"],\"depths\":[2],\"sizes\":[64],\"epochs\":1}",
             path);
    assert_int_equal(wn_sweep_spec_parse(json, "spec.json", &sp), WN_OK);
    wn_sweep_plan plan;
    memset(&plan, 0, sizeof plan);
    assert_int_equal(wn_sweep_expand(sp, NULL, &plan), WN_OK);
    assert_true(plan.n_jobs >= 1);
    assert_string_equal(plan.jobs[0].spec.dataset, path);
    wn_sweep_plan_clear(&plan);
    /* a spec built in code with a long dataset: refused at expansion */
    char big[600];
    long_path(big, sizeof big, 200);
    char *keep = sp->datasets[0];
    sp->datasets[0] = big;
    assert_int_equal(wn_sweep_expand(sp, NULL, &plan), WN_EINVAL);
    assert_non_null(strstr(wn_errmsg(), "200 characters"));
    sp->datasets[0] = keep;
    wn_sweep_spec_free(&sp);
}

static void resolve_long_paths(void **state)
{
    (void)state;
    char path[700];
    long_path(path, sizeof path, 600);
    wn_data_origin o;
    int rc = wn_data_resolve(path, NULL, 0, &o);
    assert_int_equal(rc, WN_EINVAL);
    assert_non_null(strstr(wn_errmsg(), "600 characters"));
    /* a data directory that makes DIR/NAME.tsv.gz too long */
    char ddir[700];
    long_path(ddir, sizeof ddir, 505);
    wn_data_opts opts;
    memset(&opts, 0, sizeof opts);
    opts.data_dir = ddir;
    rc = wn_data_resolve("adult", &opts, 0, &o);
    assert_int_equal(rc, WN_EINVAL);
    assert_non_null(strstr(wn_errmsg(), "longer than"));
}

static void train_cli_refuses(void **state)
{
    (void)state;
    char path[600], cmd[1600];
    long_path(path, sizeof path, 130);
    snprintf(cmd, sizeof cmd, "'%s' train --data '%s' --epochs 1 "
             ">/dev/null 2>&1", WN_CLI_PATH, path);
    int st = system(cmd);
    assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 2);
}

static void copy_fit(void **state)
{
    (void)state;
    char b[8];
    assert_int_equal(wn__copy_str_fit(b, sizeof b, "1234567", "x"), WN_OK);
    assert_string_equal(b, "1234567");
    assert_int_equal(wn__copy_str_fit(b, sizeof b, "12345678", "name"),
                     WN_EINVAL);
    assert_string_equal(b, "");
    assert_non_null(strstr(wn_errmsg(), "8 characters"));
}

static int setup(void **state)
{
    (void)state;
    fx_tmpdir(dir, sizeof dir, "long");
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    fx_rmdir(dir);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(spec_with_long_dataset),
        cmocka_unit_test(resolve_long_paths),
        cmocka_unit_test(train_cli_refuses),
        cmocka_unit_test(copy_fit),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
