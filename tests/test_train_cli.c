/*
 * test_train_cli.c - `wattnet train` and `wattnet widths` as programs:
 * --help, bad option values (exit 2 with a one-line message), the JSON
 * Lines a benchmark reads, and a missing data file.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include <cjson/cJSON.h>
#include <wattnet/wattnet.h>

#define OUT_MAX 65536

struct result {
    int status;              /* exit code, or -1 */
    char out[OUT_MAX];
    char err[OUT_MAX];
};

static void slurp(const char *path, char *buf)
{
    FILE *f = fopen(path, "r");
    size_t n = 0;
    if (f) {
        n = fread(buf, 1, OUT_MAX - 1, f);
        fclose(f);
    }
    buf[n] = '\0';
}

/* Run `wattnet ARGS` with stdout and stderr captured. */
static void run(struct result *r, const char *args)
{
    char out_path[] = "/tmp/wn_cli_outXXXXXX", err_path[] = "/tmp/wn_cli_errXXXXXX";
    int fo = mkstemp(out_path), fe = mkstemp(err_path);
    assert_true(fo >= 0 && fe >= 0);
    close(fo);
    close(fe);
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "OMP_NUM_THREADS=1 '%s' %s >%s 2>%s", WN_CLI_PATH, args,
             out_path, err_path);
    int st = system(cmd);
    r->status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    slurp(out_path, r->out);
    slurp(err_path, r->err);
    unlink(out_path);
    unlink(err_path);
}

static size_t count_lines(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += *s == '\n';
    return n;
}

/* ---- --help and bad values -------------------------------------------------- */

static void test_help(void **state)
{
    (void)state;
    static struct result r;
    run(&r, "train --help");
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "usage: wattnet train"));
    assert_string_equal(r.err, "");
    run(&r, "widths --help");
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "usage: wattnet widths"));
}

static void expect_usage_error(const char *args, const char *mention)
{
    static struct result r;
    run(&r, args);
    if (r.status != 2)
        fail_msg("'%s': exit %d, want 2 (stderr: %s)", args, r.status, r.err);
    assert_int_equal(count_lines(r.err), 1);
    assert_string_equal(r.out, "");
    if (!strstr(r.err, mention))
        fail_msg("'%s': stderr '%s' does not mention '%s'", args, r.err, mention);
}

static void test_bad_values(void **state)
{
    (void)state;
    const char *d = "train --data synthetic:banana ";
    char buf[512];
    struct { const char *opt, *mention; } cases[] = {
        {"--epochs 0", "--epochs"},      {"--epochs abc", "--epochs"},
        {"--epochs -3", "--epochs"},     {"--batch 0", "--batch"},
        {"--lr 0", "--lr"},              {"--lr x", "--lr"},
        {"--lr -1e-3", "--lr"},          {"--shape hexagon", "--shape"},
        {"--depth 1", "--depth"},        {"--depth 65", "--depth"},
        {"--size 0", "--size"},          {"--threads x", "--threads"},
        {"--seed 1.5", "--seed"},        {"--bogus", "--bogus"},
        {"--size 5 --depth 3", "20%"},   {"extra", "extra"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        snprintf(buf, sizeof buf, "%s%s", d, cases[i].opt);
        expect_usage_error(buf, cases[i].mention);
    }
    expect_usage_error("train --epochs 2", "--data");
    expect_usage_error("widths --inputs 10 --outputs 2 --shape rectangle --depth 3",
                       "required");
    expect_usage_error("widths --inputs 10 --outputs 2 --shape hex --depth 3 --size 99",
                       "--shape");
    expect_usage_error("widths --inputs 784 --outputs 10 --shape rectangle --depth 4 "
                       "--size 32", "20%");
}

static void test_missing_file(void **state)
{
    (void)state;
    static struct result r;
    run(&r, "train --data /nonexistent/dir/x.tsv --epochs 1");
    assert_int_equal(r.status, 1);
    assert_int_equal(count_lines(r.err), 1);
    assert_non_null(strstr(r.err, "wattnet train"));
}

/* ---- JSON Lines ------------------------------------------------------------- */

static cJSON *parse_line(char **cursor)
{
    char *nl = strchr(*cursor, '\n');
    if (!nl)
        return NULL;
    *nl = '\0';
    cJSON *o = cJSON_Parse(*cursor);
    *cursor = nl + 1;
    return o;
}

static double num(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!cJSON_IsNumber(v))
        fail_msg("'%s' is not a number", key);
    return v->valuedouble;
}

static void test_json_lines_classification(void **state)
{
    (void)state;
    static struct result r;
    run(&r, "train --data synthetic:banana --shape trapezoid --depth 3 --size 300 "
            "--epochs 3 --threads 1 --seed 5 --json");
    if (r.status != 0)
        fail_msg("exit %d: %s", r.status, r.err);
    char *cur = r.out;
    for (int e = 1; e <= 3; e++) {
        cJSON *o = parse_line(&cur);
        assert_non_null(o);
        assert_string_equal(cJSON_GetObjectItem(o, "type")->valuestring, "epoch");
        assert_int_equal((int)num(o, "epoch"), e);
        assert_true(num(o, "train_loss") > 0.0);
        assert_true(num(o, "test_loss") > 0.0);
        double acc = num(o, "test_accuracy");
        assert_true(acc >= 0.0 && acc <= 1.0);
        assert_true(num(o, "seconds") > 0.0);
        assert_null(cJSON_GetObjectItem(o, "test_mse"));
        cJSON_Delete(o);
    }
    cJSON *s = parse_line(&cur);
    assert_non_null(s);
    assert_string_equal(cJSON_GetObjectItem(s, "type")->valuestring, "summary");
    assert_string_equal(cJSON_GetObjectItem(s, "shape")->valuestring, "trapezoid");
    assert_string_equal(cJSON_GetObjectItem(s, "task")->valuestring, "binary");
    assert_int_equal((int)num(s, "epochs"), 3);
    assert_int_equal((int)num(s, "depth"), 3);
    assert_int_equal((int)num(s, "batch"), 256);
    assert_int_equal((int)num(s, "threads"), 1);
    size_t rows = (size_t)num(s, "train_rows") + (size_t)num(s, "test_rows");
    assert_true(rows > 0);
    /* widths and params agree with the library; flops with SPEC 5. */
    const cJSON *w = cJSON_GetObjectItem(s, "widths");
    assert_int_equal(cJSON_GetArraySize(w), 3);
    size_t want[WN_MAX_DEPTH], got[3];
    uint64_t p;
    assert_int_equal(wn_shape_widths(2, 1, "trapezoid", 3, 300, want, &p), WN_OK);
    for (int k = 0; k < 3; k++)
        got[k] = (size_t)cJSON_GetArrayItem(w, k)->valuedouble;
    assert_memory_equal(got, want, sizeof got);
    assert_true(num(s, "params") == (double)p);
    double flops = wn_flops_epoch(256, 2, want, 3, (size_t)num(s, "train_rows"),
                                  (size_t)num(s, "test_rows"));
    assert_true(num(s, "flops_per_epoch") == flops);
    assert_true(num(s, "seconds_per_epoch_median") > 0.0);
    assert_true(num(s, "seconds_total") >= num(s, "seconds_per_epoch_median"));
    cJSON_Delete(s);
    assert_string_equal(cur, "");   /* nothing after the summary */
}

static void test_json_lines_regression_and_text(void **state)
{
    (void)state;
    static struct result r;
    run(&r, "train --data synthetic:529_pollen --depth 2 --size 64 --epochs 2 "
            "--threads 1 --json");
    if (r.status != 0)
        fail_msg("exit %d: %s", r.status, r.err);
    char *cur = r.out;
    cJSON *o = parse_line(&cur);
    assert_non_null(o);
    assert_true(cJSON_IsNull(cJSON_GetObjectItem(o, "test_accuracy")));
    assert_true(num(o, "test_mse") == num(o, "test_loss"));
    assert_true(num(o, "test_mae") > 0.0);
    cJSON_Delete(o);
    o = parse_line(&cur);
    cJSON_Delete(o);
    o = parse_line(&cur);
    assert_string_equal(cJSON_GetObjectItem(o, "type")->valuestring, "summary");
    assert_true(cJSON_IsNull(cJSON_GetObjectItem(o, "test_accuracy")));
    assert_true(num(o, "test_mse") >= 0.0);
    cJSON_Delete(o);
    /* Without --json: one line per epoch and a summary line. */
    run(&r, "train --data synthetic:529_pollen --depth 2 --size 64 --epochs 2 "
            "--threads 1");
    assert_int_equal(r.status, 0);
    assert_int_equal(count_lines(r.out), 3);
    assert_non_null(strstr(r.out, "epoch 2/2"));
    assert_non_null(strstr(r.out, "test_mse"));
}

static void test_widths_json(void **state)
{
    (void)state;
    static struct result r;
    run(&r, "widths --inputs 126 --outputs 3 --shape exponential --depth 20 "
            "--size 16777216 --json");
    assert_int_equal(r.status, 0);
    cJSON *o = cJSON_Parse(r.out);
    assert_non_null(o);
    const cJSON *w = cJSON_GetObjectItem(o, "widths");
    assert_int_equal(cJSON_GetArraySize(w), 20);
    assert_int_equal((int)cJSON_GetArrayItem(w, 0)->valuedouble, 3525);
    assert_int_equal((int)cJSON_GetArrayItem(w, 19)->valuedouble, 3);
    assert_true(num(o, "params") == 16778087.0);
    cJSON_Delete(o);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_help),
        cmocka_unit_test(test_bad_values),
        cmocka_unit_test(test_missing_file),
        cmocka_unit_test(test_json_lines_classification),
        cmocka_unit_test(test_json_lines_regression_and_text),
        cmocka_unit_test(test_widths_json),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
