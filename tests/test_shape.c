/*
 * test_shape.c - network shapes (SPEC section 3): the study's width
 * examples, parameter counts, refusals and the FLOP formulas (SPEC 5).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include <wattnet/wattnet.h>

static void check_widths(size_t in, size_t out, const char *shape, size_t depth,
                         uint64_t size, const size_t *want, uint64_t want_params)
{
    size_t w[WN_MAX_DEPTH];
    uint64_t p = 0;
    int rc = wn_shape_widths(in, out, shape, depth, size, w, &p);
    if (rc != WN_OK)
        fail_msg("%s: %s", shape, wn_errmsg());
    for (size_t k = 0; k < depth; k++)
        if (w[k] != want[k])
            fail_msg("%s: width %zu is %zu, want %zu", shape, k, w[k], want[k]);
    assert_int_equal(p, want_params);
    assert_int_equal(wn_params(in, w, depth), want_params);
}

static void test_spec_examples_784_10(void **state)
{
    (void)state;
    check_widths(784, 10, "rectangle", 4, 65536, (size_t[]){70, 70, 70, 10}, 65600);
    check_widths(784, 10, "trapezoid", 4, 65536, (size_t[]){76, 54, 32, 10}, 65908);
    check_widths(784, 10, "exponential", 4, 65536, (size_t[]){78, 39, 20, 10}, 65321);
    check_widths(784, 10, "wide_first_4x", 4, 65536, (size_t[]){81, 20, 20, 10}, 65855);
    check_widths(784, 10, "wide_first_16x", 4, 65536, (size_t[]){83, 5, 5, 10}, 65665);
}

static void test_spec_example_exponential_deep(void **state)
{
    (void)state;
    size_t w[WN_MAX_DEPTH];
    uint64_t p = 0;
    assert_int_equal(wn_shape_widths(126, 3, "exponential", 20, 1u << 24, w, &p),
                     WN_OK);
    assert_int_equal(w[0], 3525);
    assert_int_equal(w[16], 9);
    assert_int_equal(w[17], 6);
    assert_int_equal(w[18], 4);
    assert_int_equal(w[19], 3);
    assert_int_equal(p, 16778087);
    for (size_t k = 1; k < 20; k++)
        assert_true(w[k] <= w[k - 1]);
}

static void test_residual_and_depth2(void **state)
{
    (void)state;
    size_t a[WN_MAX_DEPTH], b[WN_MAX_DEPTH];
    uint64_t pa, pb;
    assert_int_equal(wn_shape_widths(784, 10, "rectangle_residual", 4, 65536, a, &pa), 0);
    assert_int_equal(wn_shape_widths(784, 10, "rectangle", 4, 65536, b, &pb), 0);
    assert_memory_equal(a, b, 4 * sizeof a[0]);
    assert_int_equal(pa, pb);
    assert_true(wn_shape_is_residual("rectangle_residual"));
    assert_false(wn_shape_is_residual("rectangle"));
    /* At depth 2 every shape is the same network. */
    for (size_t i = 0; i < wn_shape_count(); i++) {
        assert_int_equal(wn_shape_widths(26, 4, wn_shape_name_at(i), 2, 4096, a, &pa), 0);
        assert_int_equal(wn_shape_widths(26, 4, "rectangle", 2, 4096, b, &pb), 0);
        assert_memory_equal(a, b, 2 * sizeof a[0]);
    }
}

static void test_nearest_and_any_wide_first(void **state)
{
    (void)state;
    size_t w[WN_MAX_DEPTH], v[WN_MAX_DEPTH];
    uint64_t p;
    /* Nearest: no w0 +/- 1 is closer to the target. */
    for (uint64_t size = 1000; size < 3000000; size = size * 3 + 7) {
        assert_int_equal(wn_shape_widths(126, 3, "rectangle", 4, size, w, &p), 0);
        uint64_t d = p > size ? p - size : size - p;
        for (int delta = -1; delta <= 1; delta += 2) {
            size_t w0 = (size_t)((long)w[0] + delta);
            if (w0 < 1)
                continue;
            v[0] = v[1] = v[2] = w0;
            v[3] = 3;
            uint64_t q = wn_params(126, v, 4);
            assert_true((q > size ? q - size : size - q) >= d);
        }
    }
    assert_true(wn_shape_valid("wide_first_3x"));
    assert_true(wn_shape_valid("wide_first_1x"));
    assert_int_equal(wn_shape_widths(10, 2, "wide_first_3x", 5, 20000, w, &p), 0);
    assert_int_equal(w[1], (size_t)__builtin_nearbyint((double)w[0] / 3.0));
    assert_int_equal(w[1], w[3]);
    /* wide_first_1x is rectangle. */
    assert_int_equal(wn_shape_widths(10, 2, "wide_first_1x", 5, 20000, w, &p), 0);
    assert_int_equal(wn_shape_widths(10, 2, "rectangle", 5, 20000, v, &p), 0);
    assert_memory_equal(w, v, 5 * sizeof w[0]);
}

static void test_refusals(void **state)
{
    (void)state;
    size_t w[WN_MAX_DEPTH];
    const char *bad[] = {"square", "", "wide_first_0x", "wide_first_x",
                         "wide_first_4", "wide_first_04x", "wide_first_-2x",
                         "Rectangle", "rectangle "};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_false(wn_shape_valid(bad[i]));
        assert_int_equal(wn_shape_widths(10, 2, bad[i], 3, 1000, w, NULL), WN_EINVAL);
        assert_non_null(strstr(wn_errmsg(), "unknown"));
    }
    assert_false(wn_shape_valid(NULL));
    assert_int_equal(wn_shape_widths(10, 2, "rectangle", 1, 1000, w, NULL), WN_EINVAL);
    assert_non_null(strstr(wn_errmsg(), "depth"));
    assert_int_equal(wn_shape_widths(10, 2, "rectangle", WN_MAX_DEPTH + 1, 1000, w, NULL),
                     WN_EINVAL);
    /* 784 inputs: the smallest network has 785 + 11*10 params, far above 32. */
    assert_int_equal(wn_shape_widths(784, 10, "rectangle", 4, 32, w, NULL), WN_EINVAL);
    assert_non_null(strstr(wn_errmsg(), "20%"));
    assert_int_equal(wn_shape_widths(10, 2, "rectangle", 3, 0, w, NULL), WN_EINVAL);
    /* Within 20% is accepted: smallest rectangle 126-3 depth 2 has 127+6 = 133. */
    assert_int_equal(wn_shape_widths(126, 3, "rectangle", 2, 120, w, NULL), WN_OK);
    assert_int_equal(wn_shape_widths(126, 3, "rectangle", 2, 100, w, NULL), WN_EINVAL);
    /* Beyond w0 = 2^30: refused. */
    assert_int_equal(wn_shape_widths(10, 2, "rectangle", 2, UINT64_MAX / 2, w, NULL),
                     WN_EINVAL);
    /* Candidates whose count overflows 64 bits saturate and compare as too
     * big, so a huge but reachable size still finds its width. */
    uint64_t p = 0;
    assert_int_equal(wn_shape_widths(1000, 10, "rectangle", 64, UINT64_MAX / 2, w, &p),
                     WN_OK);
    assert_true(p > UINT64_MAX / 2 / 10 * 8 && p < UINT64_MAX / 2 / 10 * 12);
}

static void test_flops(void **state)
{
    (void)state;
    size_t w[] = {5, 3};   /* 4 inputs: params (4+1)*5 + (5+1)*3 = 43 */
    assert_int_equal(wn_params(4, w, 2), 43);
    /* fwd: B * ((4*5+5) + (5*3+3)) = B * 43 */
    assert_true(wn_flops_forward(10, 4, w, 2) == 430.0);
    /* bwd: B * ((10 + 20) + (6 + 15 + 15)) + 43 * (1 + B) */
    assert_true(wn_flops_backward(10, 4, w, 2) == 10.0 * 66 + 43.0 * 11);
    double fwd = 430.0, bwd = 10.0 * 66 + 43.0 * 11;
    /* 25 train rows -> 3 batches, 5 test rows -> 1 batch */
    assert_true(wn_flops_epoch(10, 4, w, 2, 25, 5) == 3 * (fwd + bwd) + fwd);
    assert_true(wn_flops_epoch(0, 4, w, 2, 25, 5) == 0.0);
    /* a batch larger than the data is the data (issue 9 item 19): batch
     * 10^8 on 8 training rows counts 8-row batches, not 10^8-row ones */
    assert_true(wn_flops_epoch(100000000, 4, w, 2, 8, 2) ==
                wn_flops_epoch(8, 4, w, 2, 8, 2));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_spec_examples_784_10),
        cmocka_unit_test(test_spec_example_exponential_deep),
        cmocka_unit_test(test_residual_and_depth2),
        cmocka_unit_test(test_nearest_and_any_wide_first),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_flops),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
