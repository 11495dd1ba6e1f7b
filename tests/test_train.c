/*
 * test_train.c - wn_train() through the public API: learning on small
 * separable problems (every task), determinism, hooks, the summary, bad
 * configurations and allocation failures.
 */
#include <math.h>
#include <stdio.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include <omp.h>

#include <wattnet/wattnet.h>

#include "core/rng.h"

/* ---- Datasets -------------------------------------------------------------- */

/* rows x 4 uniform inputs; targets by task:
 *   binary      x0 + x1 > 1
 *   multiclass  argmax of (x0, x1, x2), one-hot
 *   regression  (x0 + x1 + x2 + x3) / 4 */
static wn_dataset *make_data(wn_task task, size_t rows, uint64_t seed)
{
    size_t in = 4, out = task == WN_TASK_MULTICLASS ? 3 : 1;
    float *x = wn_malloc(rows * in * sizeof(float));
    float *y = wn_malloc(rows * out * sizeof(float));
    assert_non_null(x);
    assert_non_null(y);
    wn_rng r;
    wn__rng_seed(&r, seed);
    for (size_t i = 0; i < rows; i++) {
        float *xr = x + i * in, *yr = y + i * out;
        for (size_t j = 0; j < in; j++)
            xr[j] = (float)wn__rng_uniform(&r);
        switch (task) {
        case WN_TASK_BINARY:
            yr[0] = xr[0] + xr[1] > 1.0f ? 1.0f : 0.0f;
            break;
        case WN_TASK_MULTICLASS: {
            size_t c = xr[1] > xr[0] ? 1 : 0;
            c = xr[2] > xr[c] ? 2 : c;
            for (size_t j = 0; j < 3; j++)
                yr[j] = j == c ? 1.0f : 0.0f;
            break;
        }
        case WN_TASK_REGRESSION:
            yr[0] = (xr[0] + xr[1] + xr[2] + xr[3]) / 4.0f;
            break;
        }
    }
    wn_dataset *d = NULL;
    int rc = wn_dataset_from_arrays("toy", task, rows, in, out, x, y, &d);
    wn_free(x);
    wn_free(y);
    if (rc != WN_OK)
        fail_msg("wn_dataset_from_arrays: %s", wn_errmsg());
    return d;
}

/* ---- Hooks that record ------------------------------------------------------ */

struct record {
    size_t begins, ends;
    size_t stop_at;              /* epoch_begin of this epoch fails; 0: never */
    wn_epoch_stats stats[64];
};

static int rec_begin(void *user, size_t epoch)
{
    struct record *r = user;
    r->begins++;
    if (r->stop_at && epoch == r->stop_at)
        return wn_seterr(WN_ESTATE, "stopped by the test at epoch %zu", epoch);
    return WN_OK;
}

static int rec_end(void *user, const wn_epoch_stats *s)
{
    struct record *r = user;
    assert_int_equal(s->epoch, r->ends + 1);
    if (r->ends < 64)
        r->stats[r->ends] = *s;
    r->ends++;
    return WN_OK;
}

static wn_train_config small_config(void)
{
    wn_train_config c;
    wn_train_config_default(&c);
    snprintf(c.shape, sizeof c.shape, "%s", "rectangle");
    c.depth = 3;
    c.size = 300;
    c.epochs = 25;
    c.batch = 32;
    c.learning_rate = 1e-2;
    c.threads = 1;
    return c;
}

/* ---- Learning ------------------------------------------------------------------ */

static void learn(wn_task task, const char *shape, double min_accuracy)
{
    wn_dataset *d = make_data(task, 1010, 7);
    wn_train_config c = small_config();
    snprintf(c.shape, sizeof c.shape, "%s", shape);
    c.depth = 4;
    struct record rec = {0};
    wn_train_hooks hooks = {rec_begin, rec_end, &rec};
    wn_train_summary s;
    int rc = wn_train(d, &c, &hooks, &s);
    if (rc != WN_OK)
        fail_msg("wn_train: %s", wn_errmsg());
    assert_int_equal(rec.begins, c.epochs);
    assert_int_equal(rec.ends, c.epochs);
    /* Loss goes down clearly, on training and test data. */
    wn_epoch_stats *first = &rec.stats[0], *last = &rec.stats[c.epochs - 1];
    if (!(last->train_loss < 0.7 * first->train_loss))
        fail_msg("%s task %d: train loss %g -> %g", shape, (int)task, first->train_loss,
                 last->train_loss);
    assert_true(last->test_loss < 0.7 * first->test_loss);
    assert_true(s.test_loss == last->test_loss);
    if (task == WN_TASK_REGRESSION) {
        assert_false(s.has_accuracy);
        assert_true(s.test_mse == s.test_loss);
        assert_true(s.test_mae > 0.0 && s.test_mae < 0.1);
    } else {
        assert_true(s.has_accuracy);
        if (s.test_accuracy < min_accuracy)
            fail_msg("%s task %d: accuracy %g", shape, (int)task, s.test_accuracy);
        assert_true(s.test_mse == 0.0 && s.test_mae == 0.0);
    }
    wn_dataset_free(&d);
}

static void test_learns_binary(void **state)
{
    (void)state;
    learn(WN_TASK_BINARY, "rectangle", 0.93);
}

static void test_learns_multiclass_residual(void **state)
{
    (void)state;
    learn(WN_TASK_MULTICLASS, "rectangle_residual", 0.85);
}

static void test_learns_regression(void **state)
{
    (void)state;
    learn(WN_TASK_REGRESSION, "trapezoid", 0.0);
}

/* ---- Summary ----------------------------------------------------------------- */

static void test_summary_fields(void **state)
{
    (void)state;
    wn_dataset *d = make_data(WN_TASK_MULTICLASS, 1010, 8);
    wn_train_config c = small_config();
    c.epochs = 3;
    snprintf(c.shape, sizeof c.shape, "%s", "exponential");
    c.depth = 4;
    c.size = 500;
    int before = omp_get_max_threads();
    wn_train_summary s;
    assert_int_equal(wn_train(d, &c, NULL, &s), WN_OK);
    assert_int_equal(omp_get_max_threads(), before);   /* restored */
    size_t w[WN_MAX_DEPTH];
    uint64_t p;
    assert_int_equal(wn_shape_widths(4, 3, "exponential", 4, 500, w, &p), WN_OK);
    assert_int_equal(s.depth, 4);
    assert_memory_equal(s.widths, w, 4 * sizeof w[0]);
    assert_int_equal(s.params, p);
    assert_int_equal(s.epochs, 3);
    assert_int_equal(s.train_rows, 808);   /* round(1010 * 0.8) */
    assert_int_equal(s.test_rows, 202);
    assert_int_equal(s.batches_per_epoch, 26);   /* ceil(808 / 32) */
    assert_int_equal(s.threads, 1);
    assert_true(s.flops_per_epoch == wn_flops_epoch(32, 4, w, 4, 808, 202));
    assert_true(s.seconds_total > 0.0 && s.seconds_per_epoch_median > 0.0);
    assert_true(s.seconds_per_epoch_median <= s.seconds_total);
    assert_true(s.test_accuracy >= 0.0 && s.test_accuracy <= 1.0);
    /* threads = 0 means every core. */
    c.threads = 0;
    c.epochs = 1;
    assert_int_equal(wn_train(d, &c, NULL, &s), WN_OK);
    assert_int_equal(s.threads, omp_get_num_procs());
    /* A batch larger than the data is one partial batch. */
    c.threads = 1;
    c.batch = 5000;
    assert_int_equal(wn_train(d, &c, NULL, &s), WN_OK);
    assert_int_equal(s.batches_per_epoch, 1);
    wn_dataset_free(&d);
}

/* ---- Determinism ---------------------------------------------------------------- */

static void run_record(const wn_dataset *d, uint64_t seed, int threads,
                       struct record *rec, uint64_t size)
{
    wn_train_config c = small_config();
    c.epochs = 4;
    c.size = size;
    c.batch = 64;
    c.seed = seed;
    c.threads = threads;
    memset(rec, 0, sizeof *rec);
    wn_train_hooks hooks = {NULL, rec_end, rec};
    wn_train_summary s;
    assert_int_equal(wn_train(d, &c, &hooks, &s), WN_OK);
}

static int same_losses(const struct record *a, const struct record *b)
{
    for (size_t e = 0; e < a->ends; e++)
        if (memcmp(&a->stats[e].train_loss, &b->stats[e].train_loss, sizeof(double)) ||
            memcmp(&a->stats[e].test_loss, &b->stats[e].test_loss, sizeof(double)) ||
            a->stats[e].test_accuracy != b->stats[e].test_accuracy)
            return 0;
    return a->ends == b->ends;
}

static void test_determinism(void **state)
{
    (void)state;
    wn_dataset *d = make_data(WN_TASK_BINARY, 1500, 9);
    static struct record a, b, c;
    /* 2000 parameters: every matmul serial; 70000 (~185 wide): the large
     * ones run on both threads. */
    const uint64_t sizes[] = {2000, 70000};
    for (size_t s = 0; s < 2; s++)
        for (int threads = 1; threads <= 2; threads++) {
            run_record(d, 42, threads, &a, sizes[s]);
            run_record(d, 42, threads, &b, sizes[s]);
            assert_true(same_losses(&a, &b));
        }
    run_record(d, 43, 1, &c, 2000);
    run_record(d, 42, 1, &a, 2000);
    assert_false(same_losses(&a, &c));
    wn_dataset_free(&d);
}

/* One-hot inputs (4 groups of 3 categories; binary target: category of
 * group 0 + that of group 1 >= 2): the packed rows, and on AVX-512 layer 0
 * computed from the bits.  It learns, and runs are deterministic. */
static void test_one_hot_inputs(void **state)
{
    (void)state;
    size_t rows = 1200, in = 12;
    float *x = wn_calloc(rows * in, sizeof(float)), *y = wn_malloc(rows * sizeof(float));
    assert_non_null(x);
    assert_non_null(y);
    wn_rng r;
    wn__rng_seed(&r, 5);
    for (size_t i = 0; i < rows; i++) {
        size_t cat[4];
        for (size_t g = 0; g < 4; g++) {
            cat[g] = (size_t)wn__rng_below(&r, 3);
            x[i * in + g * 3 + cat[g]] = 1.0f;
        }
        y[i] = cat[0] + cat[1] >= 2 ? 1.0f : 0.0f;
    }
    wn_dataset *d = NULL;
    assert_int_equal(wn_dataset_from_arrays("onehot", WN_TASK_BINARY, rows, in, 1, x, y, &d),
                     WN_OK);
    wn_free(x);
    wn_free(y);
    static struct record a, b;
    wn_train_config c = small_config();
    c.depth = 4;
    c.epochs = 30;
    /* first layer 12 -> 8 wide, then 23 wide: layer 0 from the bits with
     * the narrow and the wide kernels */
    for (int k = 0; k < 4; k++) {
        c.size = k < 2 ? 250 : 1500;
        struct record *rec = k % 2 ? &b : &a;
        memset(rec, 0, sizeof *rec);
        wn_train_hooks hooks = {NULL, rec_end, rec};
        wn_train_summary s;
        assert_int_equal(wn_train(d, &c, &hooks, &s), WN_OK);
        assert_true(k < 2 ? s.widths[0] <= 16 : s.widths[0] > 16);
        if (s.test_accuracy < 0.9)
            fail_msg("one-hot: accuracy %g", s.test_accuracy);
        if (k % 2)
            assert_true(same_losses(&a, &b));
    }
    wn_dataset_free(&d);
}

/* ---- Hooks and errors --------------------------------------------------------------- */

static void test_hook_stops_training(void **state)
{
    (void)state;
    wn_dataset *d = make_data(WN_TASK_BINARY, 300, 10);
    wn_train_config c = small_config();
    c.epochs = 5;
    struct record rec = {0};
    rec.stop_at = 3;
    wn_train_hooks hooks = {rec_begin, rec_end, &rec};
    wn_train_summary s;
    assert_int_equal(wn_train(d, &c, &hooks, &s), WN_ESTATE);
    assert_non_null(strstr(wn_errmsg(), "stopped by the test"));
    assert_int_equal(rec.ends, 2);
    assert_int_equal(s.epochs, 2);
    wn_dataset_free(&d);
}

static void expect_einval(const wn_dataset *d, wn_train_config c, const char *what)
{
    wn_train_summary s;
    int rc = wn_train(d, &c, NULL, &s);
    if (rc != WN_EINVAL)
        fail_msg("%s: status %d, want WN_EINVAL", what, rc);
    if (!strstr(wn_errmsg(), what))
        fail_msg("message '%s' does not mention '%s'", wn_errmsg(), what);
}

static void test_bad_configs(void **state)
{
    (void)state;
    wn_dataset *d = make_data(WN_TASK_BINARY, 100, 11);
    wn_train_config c = small_config();
    wn_train_summary s;
    assert_int_equal(wn_train(NULL, &c, NULL, &s), WN_EINVAL);
    assert_int_equal(wn_train(d, NULL, NULL, &s), WN_EINVAL);
    assert_int_equal(wn_train(d, &c, NULL, NULL), WN_EINVAL);
    snprintf(c.shape, sizeof c.shape, "%s", "hexagon");
    expect_einval(d, c, "shape");
    c = small_config();
    c.depth = 1;
    expect_einval(d, c, "depth");
    c = small_config();
    c.epochs = 0;
    expect_einval(d, c, "epochs");
    c = small_config();
    c.batch = 0;
    expect_einval(d, c, "batch");
    c = small_config();
    c.learning_rate = 0.0;
    expect_einval(d, c, "learning rate");
    c.learning_rate = NAN;
    expect_einval(d, c, "learning rate");
    c = small_config();
    c.train_fraction = 1.0;
    expect_einval(d, c, "fraction");
    c = small_config();
    c.threads = -1;
    expect_einval(d, c, "threads");
    c = small_config();
    c.size = 3;
    expect_einval(d, c, "20%");
    wn_dataset_free(&d);
    /* Too few rows for a split with a test row. */
    d = make_data(WN_TASK_BINARY, 2, 12);
    c = small_config();
    c.train_fraction = 0.9;
    expect_einval(d, c, "test rows");
    wn_dataset_free(&d);
}

static void test_allocation_failures(void **state)
{
    (void)state;
    wn_dataset *d = make_data(WN_TASK_MULTICLASS, 200, 13);
    wn_train_config c = small_config();
    c.epochs = 1;
    snprintf(c.shape, sizeof c.shape, "%s", "rectangle_residual");
    c.depth = 4;
    int ok = 0;
    for (long after = 0; after < 200 && !ok; after++) {
        wn_train_summary s;
        wn_fault_alloc(after, 1);
        int rc = wn_train(d, &c, NULL, &s);
        long hits = wn_fault_alloc(-1, 0);
        if (hits == 0) {
            assert_int_equal(rc, WN_OK);
            ok = 1;
        } else if (rc != WN_ENOMEM)
            fail_msg("fault after %ld allocations: status %d (%s)", after, rc,
                     wn_errmsg());
    }
    assert_true(ok);
    wn_dataset_free(&d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_learns_binary),
        cmocka_unit_test(test_learns_multiclass_residual),
        cmocka_unit_test(test_learns_regression),
        cmocka_unit_test(test_summary_fields),
        cmocka_unit_test(test_determinism),
        cmocka_unit_test(test_one_hot_inputs),
        cmocka_unit_test(test_hook_stops_training),
        cmocka_unit_test(test_bad_configs),
        cmocka_unit_test(test_allocation_failures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
