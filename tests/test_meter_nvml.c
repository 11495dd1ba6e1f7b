/*
 * test_meter_nvml.c - the NVML source against the fake libnvidia-ml.so of
 * tests/meter.cmake: the energy counter variant, the power-only variant
 * (integrated), a failing init (vendor error mapped to ours), a library
 * without the symbols, and a missing library.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include <wattnet/wattnet.h>
#include "meter_fixture.h"

static void assert_near(double got, double want, double rel)
{
    if (fabs(got - want) > rel * fabs(want)) {
        fprintf(stderr, "got %.6f, want %.6f\n", got, want);
        fail();
    }
}

static void window(const char *lib, double seconds, wn_energy *e,
                   wn_meter_info *info)
{
    setenv("WATTNET_NVML_LIB", lib, 1);
    wn_meter_opts o;
    wn_meter_opts_default(&o);
    o.source = "nvml";
    o.idle_state = "/nonexistent/idle.json";
    wn_meter *m = NULL;
    int rc = wn_meter_open(&o, &m);
    if (rc)
        fprintf(stderr, "%s\n", wn_errmsg());
    assert_int_equal(rc, WN_OK);
    assert_int_equal(wn_meter_info_at(m, 0, info), WN_OK);
    int w;
    assert_int_equal(wn_meter_window_begin(m, &w), WN_OK);
    mf_sleep(seconds);
    assert_int_equal(wn_meter_window_end(m, w, e), WN_OK);
    wn_meter_close(&m);
}

static void test_energy_counter(void **state)
{
    (void)state;
    wn_energy e;
    wn_meter_info info;
    window(WN_FAKE_NVML_ENERGY, 0.5, &e, &info);
    assert_true(e.measured);
    assert_string_equal(e.source, "nvml");
    assert_int_equal(e.n_domains, 2);
    assert_string_equal(e.domains[0].name, "gpu0:Fake H100 0");
    assert_string_equal(e.domains[1].name, "gpu1:Fake H100 1");
    assert_true(e.domains[0].in_total && e.domains[1].in_total);
    /* 2%: the fake reads its clock a moment after the meter's stamp. */
    assert_near(e.domains[0].energy_j, 250.0 * e.seconds, 0.02);
    assert_near(e.domains[1].energy_j, 100.0 * e.seconds, 0.02);
    assert_near(e.energy_j, 350.0 * e.seconds, 0.02);
    assert_true(info.domains[0].is_counter);
    assert_string_equal(info.resolution_unit, "J");
}

static void test_power_only(void **state)
{
    (void)state;
    wn_energy e;
    wn_meter_info info;
    setenv("FAKE_NVML_GPUS", "1", 1);
    window(WN_FAKE_NVML_POWER, 0.5, &e, &info);
    unsetenv("FAKE_NVML_GPUS");
    assert_true(e.measured);
    assert_int_equal(e.n_domains, 1);
    assert_false(info.domains[0].is_counter);
    assert_string_equal(info.resolution_unit, "W");
    assert_non_null(strstr(info.notes, "polled power"));
    assert_near(e.energy_j, 250.0 * e.seconds, 0.005);
}

static void test_zero_watts_gpu_is_dropped(void **state)
{
    (void)state;
    wn_meter_info info;
    setenv("WATTNET_NVML_LIB", WN_FAKE_NVML_POWER, 1);
    setenv("FAKE_NVML_W1", "0", 1);
    assert_int_equal(wn_meter_probe("nvml", NULL, &info), WN_OK);
    assert_int_equal(info.status, WN_OK);
    assert_int_equal(info.n_domains, 1);
    assert_non_null(strstr(info.notes, "reads 0 W"));
    setenv("FAKE_NVML_W0", "0", 1);
    assert_int_equal(wn_meter_probe("nvml", NULL, &info), WN_OK);
    assert_int_equal(info.status, WN_ESTUCK);
    unsetenv("FAKE_NVML_W0");
    unsetenv("FAKE_NVML_W1");
}

static void test_failures(void **state)
{
    (void)state;
    wn_meter_info info;
    setenv("WATTNET_NVML_LIB", WN_FAKE_NVML_ENERGY, 1);
    setenv("FAKE_NVML_FAIL_INIT", "1", 1);
    assert_int_equal(wn_meter_probe("nvml", NULL, &info), WN_OK);
    unsetenv("FAKE_NVML_FAIL_INIT");
    assert_int_equal(info.status, WN_EUNAVAILABLE);
    assert_non_null(strstr(info.reason, "Driver Not Loaded"));
    setenv("FAKE_NVML_GPUS", "0", 1);
    assert_int_equal(wn_meter_probe("nvml", NULL, &info), WN_OK);
    unsetenv("FAKE_NVML_GPUS");
    assert_int_equal(info.status, WN_EUNAVAILABLE);
    assert_non_null(strstr(info.reason, "no GPU"));
    /* A library without NVML's symbols. */
    setenv("WATTNET_NVML_LIB", "libm.so.6", 1);
    assert_int_equal(wn_meter_probe("nvml", NULL, &info), WN_OK);
    assert_int_equal(info.status, WN_EUNAVAILABLE);
    assert_non_null(strstr(info.reason, "symbol"));
    /* No library at all. */
    setenv("WATTNET_NVML_LIB", "/nonexistent/libnvidia-ml.so.1", 1);
    assert_int_equal(wn_meter_probe("nvml", NULL, &info), WN_OK);
    assert_int_equal(info.status, WN_EUNAVAILABLE);
    assert_non_null(strstr(info.reason, "cannot load"));
    unsetenv("WATTNET_NVML_LIB");
}

static void test_auto_adds_gpus_to_rapl(void **state)
{
    (void)state;
    static struct mf_rapl r;
    mf_rapl_standard(&r);
    mf_rapl_start(&r);
    setenv("WATTNET_NVML_LIB", WN_FAKE_NVML_ENERGY, 1);
    setenv("WATTNET_PERF_ROOT", "/nonexistent", 1);
    setenv("WATTNET_IPMI_CMD", "/nonexistent/ipmitool", 1);
    wn_meter_opts o;
    wn_meter_opts_default(&o);
    o.idle_state = "/nonexistent/idle.json";
    wn_meter *m = NULL;
    assert_int_equal(wn_meter_open(&o, &m), WN_OK);
    assert_string_equal(wn_meter_source(m), "rapl+nvml");
    int w;
    wn_energy e;
    wn_meter_window_begin(m, &w);
    mf_sleep(0.5);
    wn_meter_window_end(m, w, &e);
    wn_meter_close(&m);
    assert_int_equal(e.n_domains, 5);
    assert_true(fabs(e.energy_j - 405.0 * e.seconds) <
                mf_tol(&r, 55.0, e.seconds, 0.01) + 0.02 * 350.0 * e.seconds);
    /* RAPL stuck: auto keeps NVML and says why RAPL is not used. */
    mf_rapl_stop(&r);
    assert_int_equal(wn_meter_open(&o, &m), WN_OK);
    assert_string_equal(wn_meter_source(m), "nvml");
    assert_non_null(strstr(wn_meter_warning(m), "not used: rapl"));
    wn_meter_close(&m);
    unsetenv("WATTNET_NVML_LIB");
    unsetenv("WATTNET_PERF_ROOT");
    unsetenv("WATTNET_IPMI_CMD");
    mf_rapl_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_energy_counter),
        cmocka_unit_test(test_power_only),
        cmocka_unit_test(test_zero_watts_gpu_is_dropped),
        cmocka_unit_test(test_failures),
        cmocka_unit_test(test_auto_adds_gpus_to_rapl),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
