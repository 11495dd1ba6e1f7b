/*
 * test_meter_perf.c - the perf `power` PMU source against a simulated sysfs
 * tree (WATTNET_PERF_ROOT) and played counters (the perf hook stands in for
 * perf_event_open, which needs a real PMU): scale and event parsing, one
 * package per cpumask CPU, energy-psys reading 0 J dropped (as on this dev
 * machine), EACCES advice, and no PMU at all.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include <wattnet/wattnet.h>
#include "meter/meter_internal.h"
#include "meter_fixture.h"

#define SCALE 2.3283064365386962890625e-10

static char root[256];
static double t_open[64];
static uint64_t cfg_of[64];
static int n_fd;
static int deny;
static _Atomic int reset;   /* counters restart from 0 (driver reload) */

/* Counts grow at watts per event code: pkg 0x2 = 40 W, cores 0x1 = 25 W,
 * ram 0x3 = 6 W, psys 0x5 = 0 W (stuck, like energy-psys here). */
static double watts_for(uint64_t config)
{
    switch (config) {
    case 0x2: return 40.0;
    case 0x1: return 25.0;
    case 0x3: return 6.0;
    default: return 0.0;
    }
}

static int fake_open(uint32_t type, uint64_t config, int cpu)
{
    (void)cpu;
    if (deny) {
        errno = EACCES;
        return -1;
    }
    if (type != 23 || n_fd >= 64) {
        errno = ENOENT;
        return -1;
    }
    t_open[n_fd] = mf_now();
    cfg_of[n_fd] = config;
    return 100 + n_fd++;
}

static int fake_read(int fd, uint64_t *value)
{
    int i = fd - 100;
    if (i < 0 || i >= n_fd)
        return -1;
    *value = (uint64_t)((mf_now() - t_open[i]) * watts_for(cfg_of[i]) / SCALE);
    if (atomic_load(&reset))
        *value /= 1000;
    return 0;
}

static void fake_close(int fd)
{
    (void)fd;
}

static const struct wn__perf_hooks fake = { fake_open, fake_read, fake_close };

static void event(const char *name, const char *code)
{
    char p[512], v[64];
    snprintf(p, sizeof p, "%s/power/events/%s", root, name);
    snprintf(v, sizeof v, "event=%s\n", code);
    mf_write(p, v);
    snprintf(p, sizeof p, "%s/power/events/%s.scale", root, name);
    mf_write(p, "2.3283064365386962890625e-10\n");
    snprintf(p, sizeof p, "%s/power/events/%s.unit", root, name);
    mf_write(p, "Joules\n");
}

static int setup(void **state)
{
    (void)state;
    char p[512];
    mf_tmpdir(root, sizeof root, "perf");
    snprintf(p, sizeof p, "%s/power", root);
    mf_mkdir(p);
    snprintf(p, sizeof p, "%s/power/events", root);
    mf_mkdir(p);
    snprintf(p, sizeof p, "%s/power/type", root);
    mf_write(p, "23\n");
    snprintf(p, sizeof p, "%s/power/cpumask", root);
    mf_write(p, "0,18\n");
    event("energy-pkg", "0x02");
    event("energy-cores", "0x01");
    event("energy-ram", "0x03");
    event("energy-psys", "0x05");
    setenv("WATTNET_PERF_ROOT", root, 1);
    wn__perf_hooks = &fake;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    wn__perf_hooks = NULL;
    unsetenv("WATTNET_PERF_ROOT");
    mf_rmdir(root);
    return 0;
}

static void test_two_packages_psys_dropped(void **state)
{
    (void)state;
    wn_meter_opts o;
    wn_meter_opts_default(&o);
    o.source = "perf";
    o.idle_state = "/nonexistent/idle.json";
    wn_meter *m = NULL;
    assert_int_equal(wn_meter_open(&o, &m), WN_OK);
    wn_meter_info info;
    wn_meter_info_at(m, 0, &info);
    assert_non_null(strstr(info.notes, "psys dropped"));
    assert_true(fabs(info.resolution - SCALE) < 1e-20);
    int w;
    wn_energy e;
    wn_meter_window_begin(m, &w);
    mf_sleep(0.4);
    wn_meter_window_end(m, w, &e);
    wn_meter_close(&m);
    assert_true(e.measured);
    assert_string_equal(e.source, "perf");
    assert_int_equal(e.n_domains, 6);   /* pkg, cores, ram x 2 sockets */
    assert_true(mf_domain(&e, "psys") < 0);
    int pk1 = mf_domain(&e, "package-1"), core1 = mf_domain(&e, "core-1");
    assert_true(pk1 >= 0 && core1 >= 0);
    assert_int_equal(e.domains[core1].in_total, 0);
    assert_true(fabs(e.domains[pk1].energy_j - 40.0 * e.seconds) <
                0.01 * 40.0 * e.seconds);
    /* psys is gone, so packages and dram count: 2 x (40 + 6) W. */
    assert_true(fabs(e.energy_j - 92.0 * e.seconds) < 0.01 * 92 * e.seconds);
}

static void test_counter_reset_is_flagged(void **state)
{
    (void)state;
    wn_meter_opts o;
    wn_meter_opts_default(&o);
    o.source = "perf";
    o.idle_state = "/nonexistent/idle.json";
    wn_meter *m = NULL;
    assert_int_equal(wn_meter_open(&o, &m), WN_OK);
    int w;
    wn_energy e;
    wn_meter_window_begin(m, &w);
    mf_sleep(0.2);
    atomic_store(&reset, 1);   /* a 64-bit counter going back: a reset */
    mf_sleep(0.2);
    wn_meter_window_end(m, w, &e);
    atomic_store(&reset, 0);
    wn_meter_close(&m);
    assert_false(e.measured);
    assert_string_equal(e.flag, "counter-reset");
}

static void test_denied_and_missing(void **state)
{
    (void)state;
    wn_meter_info info;
    deny = 1;
    assert_int_equal(wn_meter_probe("perf", NULL, &info), WN_OK);
    deny = 0;
    assert_int_equal(info.status, WN_EPERM);
    assert_non_null(strstr(info.reason, "perf_event_paranoid"));
    assert_non_null(strstr(info.reason, "CAP_PERFMON"));
    assert_non_null(strstr(info.reason, "/proc/sys/kernel/perf_event_paranoid "
                                        "is "));
    assert_non_null(strstr(info.reason, "sudo sysctl kernel.perf_event_"
                                        "paranoid=0"));
    assert_null(strstr(info.reason, "perf: perf:"));
    setenv("WATTNET_PERF_ROOT", "/nonexistent", 1);
    assert_int_equal(wn_meter_probe("perf", NULL, &info), WN_OK);
    assert_int_equal(info.status, WN_EUNAVAILABLE);
    assert_non_null(strstr(info.reason, "no `power` PMU"));
    setenv("WATTNET_PERF_ROOT", root, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_two_packages_psys_dropped),
        cmocka_unit_test(test_counter_reset_is_flagged),
        cmocka_unit_test(test_denied_and_missing),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
