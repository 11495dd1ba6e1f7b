/*
 * test_meter_implausible.c - an implausible reading never becomes a
 * measurement (issue 9): a counter reset read as a wrap (RAPL through a
 * simulated powercap tree, the NVML total-energy counter of the fake
 * libnvidia-ml.so, the stored readings' power trace), and missed polls of
 * a polled power source (NVML power; IPMI is in test_meter_ipmi.c) bridged
 * when isolated, flagged when they are a real gap.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include <wattnet/wattnet.h>
#include "meter_fixture.h"

static struct mf_rapl r;

/* One package-0 at 50 W with the kernel's 262 kJ range, starting at
 * start_uj, its writer running. */
static struct mf_zone *one_package(uint64_t start_uj)
{
    mf_rapl_init(&r);
    struct mf_zone *z = mf_rapl_zone(&r, "intel-rapl:0", "package-0", 50.0,
                                     262143328850ull);
    z->offset_uj = start_uj;
    mf_rapl_start(&r);
    return z;
}

/* The case: package-0 at 123 kJ of a 262 kJ range drops to about
 * 0 one second into the window.  As a wrap it would be 139 kJ in 0.1 s. */
static void test_rapl_reset_is_not_a_wrap(void **state)
{
    (void)state;
    struct mf_zone *z = one_package(123000000000ull);
    wn_meter *m = mf_open("rapl");
    int w;
    wn_energy e;
    assert_int_equal(wn_meter_window_begin(m, &w), WN_OK);
    mf_sleep(1.0);
    atomic_store(&z->reset, 1);
    mf_sleep(1.0);
    assert_int_equal(wn_meter_window_end(m, w, &e), WN_OK);
    assert_false(e.measured);
    assert_string_equal(e.flag, "counter-reset");
    assert_false(wn_energy_usable(&e));
    /* Whatever it reports, never the wrap's 139 kJ. */
    assert_true(e.energy_j < 50.0 * 5);
    /* Later windows measure again, from the new counter. */
    mf_window(m, 0.5, &e);
    assert_true(e.measured);
    assert_true(fabs(e.energy_j - 50.0 * e.seconds) <
                mf_tol(&r, 50.0, e.seconds, 0.02));
    wn_meter_close(&m);
    mf_rapl_free(&r);
}

/* The same through `wattnet measure --json`, as the issue saw it. */
static void test_measure_cli_reset(void **state)
{
    (void)state;
    struct mf_zone *z = one_package(123000000000ull);
    char cmd[1024], out[4096];
    snprintf(cmd, sizeof cmd, "WATTNET_IDLE_FILE=/nonexistent/idle.json "
             "%s measure --json --source rapl -- sleep 3", WN_CLI_PATH);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    mf_sleep(1.5);   /* the meter opens (stuck check), then one second */
    atomic_store(&z->reset, 1);
    mf_pclose_read(p, out, sizeof out);
    fprintf(stderr, "%s", out);
    assert_non_null(strstr(out, "\"measured\":false"));
    assert_non_null(strstr(out, "\"flag\":\"counter-reset\""));
    assert_null(strstr(out, "\"measured\":true"));
    mf_rapl_free(&r);
}

/* A real wrap near the top of the range stays a wrap. */
static void test_rapl_wrap_still_counts(void **state)
{
    (void)state;
    one_package(262143328850ull - 20000000ull);   /* wraps in 0.4 s */
    wn_meter *m = mf_open("rapl");
    wn_energy e;
    mf_window(m, 1.0, &e);
    assert_true(e.measured);
    assert_true(fabs(e.energy_j - 50.0 * e.seconds) <
                mf_tol(&r, 50.0, e.seconds, 0.02));
    wn_raw_window raw;
    assert_int_equal(wn_meter_window_raw(m, &raw), WN_OK);
    assert_int_equal(raw.domains[0].wraps, 1);
    wn_raw_window_clear(&raw);
    wn_meter_close(&m);
    mf_rapl_free(&r);
}

/* One window of the fake NVML library LIB with its variable KEY=VALUE. */
static void nvml_window(const char *lib, const char *key, const char *value,
                        double seconds, wn_energy *e)
{
    setenv("WATTNET_NVML_LIB", lib, 1);
    setenv(key, value, 1);
    wn_meter *m = mf_open("nvml");
    mf_window(m, seconds, e);
    wn_meter_close(&m);
    unsetenv(key);
}

/* The NVML total-energy counter (64-bit mJ) restarting from 0. */
static void test_nvml_energy_reset(void **state)
{
    (void)state;
    wn_energy e;
    nvml_window(WN_FAKE_NVML_ENERGY, "FAKE_NVML_RESET_AT", "0.6", 0.8, &e);
    assert_false(e.measured);
    assert_string_equal(e.flag, "counter-reset");
}

/* The stored readings: a reset between two samples gives no power point
 * (a wrap would be 1.39 MW), a wrap gives its true power. */
static void test_readings_reset_rule(void **state)
{
    (void)state;
    const uint64_t range = 262143328850ull;
    assert_int_equal(wn_raw_is_reset(range, 1e-6, 123000000000ull, 1000, 0.1),
                     1);
    assert_int_equal(wn_raw_is_reset(range, 1e-6, range - 1000000, 4000000,
                                     0.1), 0);   /* 5 J: a wrap */
    assert_int_equal(wn_raw_is_reset(0, 1e-3, 5000, 4999, 0.1), 1);
    assert_int_equal(wn_raw_is_reset(range, 1e-6, 10, 20, 0.1), 0);
    /* 1.9 kJ over 1 s is plausible; over 0.01 s the floor of 1 s holds. */
    assert_int_equal(wn_raw_is_reset(range, 1e-6, range - 1900000000ull, 0,
                                     0.01), 0);
    assert_int_equal(wn_raw_is_reset(range, 1e-6, range - 2100000000ull, 0,
                                     0.01), 1);

    wn_raw_sample s[4] = { { 0.0, 122999000000ull },
                           { 0.1, 123000000000ull },
                           { 0.2, 1000 },
                           { 0.3, 11000000 } };
    wn_raw_window w;
    memset(&w, 0, sizeof w);
    w.seconds = 0.3;
    w.n_domains = 1;
    w.n_samples = 4;
    w.samples = s;
    snprintf(w.domains[0].source, sizeof w.domains[0].source, "rapl");
    snprintf(w.domains[0].name, sizeof w.domains[0].name, "package-0");
    w.domains[0].is_counter = 1;
    w.domains[0].unit = 1e-6;
    w.domains[0].range = range;
    w.domains[0].n_samples = 4;
    wn_power_trace t;
    assert_int_equal(wn_raw_power_trace(&w, &t), WN_OK);
    assert_int_equal(t.series[0].n, 2);
    for (size_t i = 0; i < t.series[0].n; i++)
        assert_true(t.series[0].power_w[i] < WN_RAW_MAX_WATTS);
    wn_power_trace_clear(&t);
}

/* NVML power polled every 100 ms, every 4th poll failing: each miss is
 * bridged and the window measures. */
static void test_nvml_power_missed_polls(void **state)
{
    (void)state;
    wn_energy e;
    nvml_window(WN_FAKE_NVML_POWER, "FAKE_NVML_POWER_FAIL", "4", 1.0, &e);
    if (!e.measured)
        fprintf(stderr, "flag %s\n", e.flag);
    assert_true(e.measured);
    assert_true(fabs(e.energy_j - 350.0 * e.seconds) < 0.01 * 350.0 *
                e.seconds);
}

/* Every poll failing after open: a real gap (over 3 periods), flagged. */
static void test_nvml_power_real_gap(void **state)
{
    (void)state;
    setenv("WATTNET_NVML_LIB", WN_FAKE_NVML_POWER, 1);
    wn_meter *m = mf_open("nvml");
    int w;
    wn_energy e;
    assert_int_equal(wn_meter_window_begin(m, &w), WN_OK);
    setenv("FAKE_NVML_POWER_FAIL", "1", 1);
    mf_sleep(0.6);
    assert_int_equal(wn_meter_window_end(m, w, &e), WN_OK);
    unsetenv("FAKE_NVML_POWER_FAIL");
    wn_meter_close(&m);
    assert_false(e.measured);
    assert_string_equal(e.flag, "sample-gap");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rapl_reset_is_not_a_wrap),
        cmocka_unit_test(test_measure_cli_reset),
        cmocka_unit_test(test_rapl_wrap_still_counts),
        cmocka_unit_test(test_nvml_energy_reset),
        cmocka_unit_test(test_readings_reset_rule),
        cmocka_unit_test(test_nvml_power_missed_polls),
        cmocka_unit_test(test_nvml_power_real_gap),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
