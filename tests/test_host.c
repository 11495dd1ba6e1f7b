/*
 * test_host.c - wn_host_detect: every field is filled with something
 * plausible on this machine, caches come ordered L1, L2, L3 with growing
 * sizes, and the NULL argument is rejected.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <wattnet/wattnet.h>

static void test_detect_fills_fields(void **state)
{
    (void)state;
    wn_host h;
    int rc = wn_host_detect(&h);
    assert_int_equal(rc, WN_OK);
    char name[128] = "";
    gethostname(name, sizeof name - 1);
    assert_string_equal(h.hostname, name);
    assert_true(h.cores >= 1);
    assert_true(strlen(h.cpu_model) > 0);
    assert_true(strlen(h.kernel) > 0);
    assert_non_null(strstr(h.kernel, "Linux"));
    assert_true(strlen(h.compiler) > 0);
    assert_true(h.dnnl_version[0] >= '1' && h.dnnl_version[0] <= '9');
    assert_true(h.memory_bytes > (uint64_t)64 << 20);
    long pages = sysconf(_SC_PHYS_PAGES), psz = sysconf(_SC_PAGESIZE);
    double sys_mem = (double)pages * (double)psz;
    assert_true((double)h.memory_bytes > 0.5 * sys_mem);
    assert_true((double)h.memory_bytes < 1.5 * sys_mem);
    assert_true(h.n_gpus >= 0 && h.n_gpus <= WN_MAX_GPUS);
    assert_true(h.n_caches >= 1 && h.n_caches <= WN_MAX_CACHES);
    for (int i = 0; i < h.n_caches; i++) {
        assert_int_equal(h.caches[i].level, i + 1);
        assert_true(h.caches[i].size_bytes >= 1024);
        assert_true(h.caches[i].shared_by_cores >= 1);
        assert_true(h.caches[i].instances >= 1);
        if (i > 0)
            assert_true(h.caches[i].size_bytes > h.caches[i - 1].size_bytes);
    }
    printf("host %s: %s, %d cores, %d cache levels, L1 %llu B, mem %llu B, "
           "dnnl %s, %s\n", h.hostname, h.cpu_model, h.cores, h.n_caches,
           (unsigned long long)h.caches[0].size_bytes,
           (unsigned long long)h.memory_bytes, h.dnnl_version, h.compiler);
}

static void test_detect_null(void **state)
{
    (void)state;
    assert_int_equal(wn_host_detect(NULL), WN_EINVAL);
    assert_true(strlen(wn_errmsg()) > 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_detect_fills_fields),
        cmocka_unit_test(test_detect_null),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
