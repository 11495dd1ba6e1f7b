/*
 * test_sweep_limits.c - a sweep spec's size and keys are checked before
 * anything is built (issue 9, items 18 and 20): a grid whose product
 * overflows size_t, or passes WN_SWEEP_MAX_JOBS, is refused with the
 * product named and without allocating it; a key given twice is refused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <wattnet/wattnet.h>

/* "[v,v,...,v]" with N copies of the JSON value V. */
static char *repeat_array(const char *v, size_t n)
{
    size_t len = strlen(v) + 1, cap = n * len + 3, used = 0;
    char *s = malloc(cap);
    assert_non_null(s);
    s[used++] = '[';
    for (size_t i = 0; i < n; i++) {
        memcpy(s + used, v, len - 1);
        used += len - 1;
        s[used++] = i + 1 < n ? ',' : ']';
    }
    s[used] = '\0';
    return s;
}

static int parse_grid(size_t nd, size_t ns, size_t nk, size_t nz,
                      wn_sweep_spec **sp)
{
    char *d = repeat_array("\"synthetic:adult\"", nd);
    char *s = repeat_array("\"rectangle\"", ns);
    char *k = repeat_array("3", nk);
    char *z = repeat_array("4096", nz);
    size_t cap = strlen(d) + strlen(s) + strlen(k) + strlen(z) + 128;
    char *json = malloc(cap);
    assert_non_null(json);
    snprintf(json, cap, "{\"datasets\":%s,\"shapes\":%s,\"depths\":%s,"
             "\"sizes\":%s,\"epochs\":1}", d, s, k, z);
    int rc = wn_sweep_spec_parse(json, "grid", sp);
    free(d);
    free(s);
    free(k);
    free(z);
    free(json);
    return rc;
}

static void test_overflowing_grid_is_refused(void **state)
{
    (void)state;
    wn_sweep_spec *sp = NULL;
    /* 99,000 x 99,000 x 43,000 x 43,000 overflows a 64-bit size_t */
    assert_int_equal(parse_grid(99000, 99000, 43000, 43000, &sp), WN_OK);
    wn_sweep_plan plan;
    assert_int_equal(wn_sweep_expand(sp, NULL, &plan), WN_EINVAL);
    assert_non_null(strstr(wn_errmsg(), "99000 datasets x 99000 shapes"));
    assert_non_null(strstr(wn_errmsg(), "more than the"));
    assert_null(plan.jobs);
    wn_sweep_spec_free(&sp);
}

static void test_grid_over_the_cap_is_refused(void **state)
{
    (void)state;
    wn_sweep_spec *sp = NULL;
    /* 2,000 x 2,000 = 4e6 combinations: over WN_SWEEP_MAX_JOBS */
    assert_int_equal(parse_grid(2000, 1, 1, 2000, &sp), WN_OK);
    wn_sweep_plan plan;
    assert_int_equal(wn_sweep_expand(sp, NULL, &plan), WN_EINVAL);
    assert_non_null(strstr(wn_errmsg(), "split the sweep"));
    wn_sweep_spec_free(&sp);
    /* below the cap it expands */
    assert_int_equal(parse_grid(3, 1, 2, 5, &sp), WN_OK);
    assert_int_equal(wn_sweep_expand(sp, NULL, &plan), WN_OK);
    assert_int_equal(plan.combos, 30);
    wn_sweep_plan_clear(&plan);
    wn_sweep_spec_free(&sp);
}

static void test_duplicate_key_is_refused(void **state)
{
    (void)state;
    wn_sweep_spec *sp = NULL;
    const char *json = "{\"datasets\":[\"synthetic:adult\"],\"shapes\":"
                       "[\"rectangle\"],\"depths\":[2],\"sizes\":[1024],"
                       "\"epochs\":1,\"batch\":64,\"epochs\":5}";
    assert_int_equal(wn_sweep_spec_parse(json, "dup.json", &sp), WN_EINVAL);
    assert_null(sp);
    assert_non_null(strstr(wn_errmsg(), "dup.json"));
    assert_non_null(strstr(wn_errmsg(), "\"epochs\" is given twice"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_overflowing_grid_is_refused),
        cmocka_unit_test(test_grid_over_the_cap_is_refused),
        cmocka_unit_test(test_duplicate_key_is_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
