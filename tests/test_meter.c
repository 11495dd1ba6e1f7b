/*
 * test_meter.c - the meter against a simulated powercap tree: joules within
 * 1% across several counter wraps, core never added to package, nested and
 * short windows, psys and mmio overlap rules, stuck counters, permission
 * denied (through the open hook, since these tests run as root and root
 * reads a mode-000 file anyway), a missing tree, idle baselines and dynamic
 * energy, the estimate and the sim source, and allocation faults.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <sys/resource.h>
#include <cmocka.h>

#include <wattnet/wattnet.h>
#include "meter/meter_internal.h"
#include "meter_fixture.h"

static void assert_near(double got, double want, double rel)
{
    if (fabs(got - want) > rel * fabs(want)) {
        fprintf(stderr, "got %.6f, want %.6f (+-%.2f%%)\n", got, want,
                rel * 100);
        fail();
    }
}

static wn_meter *open_source(const char *src, unsigned interval_ms)
{
    wn_meter_opts o;
    wn_meter_opts_default(&o);
    o.source = src;
    o.interval_ms = interval_ms;
    o.idle_state = "/nonexistent/wattnet-idle.json";
    wn_meter *m = NULL;
    int rc = wn_meter_open(&o, &m);
    if (rc)
        fprintf(stderr, "open %s: %s\n", src, wn_errmsg());
    assert_int_equal(rc, WN_OK);
    return m;
}

static void test_rapl_wraps_within_one_percent(void **state)
{
    (void)state;
    static struct mf_rapl r;
    mf_rapl_standard(&r);
    mf_rapl_start(&r);
    wn_meter *m = open_source("rapl", 100);
    assert_string_equal(wn_meter_source(m), "rapl");
    /* 30 J (core) at 2 kW wraps in 15 ms: the period must be shortened. */
    assert_true(wn_meter_interval_ms(m) <= 8);
    assert_non_null(strstr(wn_meter_warning(m), "interval shortened"));

    int w;
    wn_energy e;
    assert_int_equal(wn_meter_window_begin(m, &w), WN_OK);
    mf_sleep(2.8);   /* package 140 J: 3 wraps of 40 J */
    assert_int_equal(wn_meter_window_end(m, w, &e), WN_OK);
    assert_true(e.measured);
    assert_false(e.is_estimate);
    assert_string_equal(e.source, "rapl");
    assert_string_equal(e.flag, "");
    int pk = mf_domain(&e, "package-0"), core = mf_domain(&e, "core-0"),
        dram = mf_domain(&e, "dram-0");
    assert_true(pk >= 0 && core >= 0 && dram >= 0);
    assert_int_equal(e.n_domains, 3);
    /* Within 1% of the truth; the truth is the simulator's, which lags W x
     * time by its longest write step at either edge (mf_tol). */
    assert_true(fabs(e.domains[pk].energy_j - 50.0 * e.seconds) <
                mf_tol(&r, 50.0, e.seconds, 0.01));
    assert_true(fabs(e.domains[core].energy_j - 30.0 * e.seconds) <
                mf_tol(&r, 30.0, e.seconds, 0.01));
    assert_true(fabs(e.domains[dram].energy_j - 5.0 * e.seconds) <
                mf_tol(&r, 5.0, e.seconds, 0.01));
    /* core is inside package: never added. */
    assert_int_equal(e.domains[core].in_total, 0);
    assert_int_equal(e.domains[pk].in_total, 1);
    assert_int_equal(e.domains[dram].in_total, 1);
    assert_true(fabs(e.energy_j - 55.0 * e.seconds) <
                mf_tol(&r, 55.0, e.seconds, 0.01));
    assert_true(fabs(e.avg_power_w - 55.0) <
                mf_tol(&r, 55.0, e.seconds, 0.01) / e.seconds);
    assert_false(e.has_idle);

    wn_meter_info info;
    assert_int_equal(wn_meter_count(m), 1);
    assert_int_equal(wn_meter_info_at(m, 0, &info), WN_OK);
    assert_string_equal(info.resolution_unit, "J");
    assert_true(info.resolution == 1e-6);
    assert_int_equal(wn_meter_info_at(m, 1, &info), WN_EINVAL);
    wn_meter_close(&m);
    assert_null(m);
    wn_meter_close(&m);   /* NULL is harmless */
    mf_rapl_free(&r);
}

static void test_nested_and_short_windows(void **state)
{
    (void)state;
    static struct mf_rapl r;
    mf_rapl_standard(&r);
    mf_rapl_start(&r);
    wn_meter *m = open_source("rapl", 100);
    int outer, inner, tiny;
    wn_energy eo, ei, et;
    assert_int_equal(wn_meter_window_begin(m, &outer), WN_OK);
    mf_sleep(0.4);
    double t_in = mf_now();
    assert_int_equal(wn_meter_window_begin(m, &inner), WN_OK);
    assert_int_not_equal(inner, outer);
    mf_sleep(0.5);
    assert_int_equal(wn_meter_window_end(m, inner, &ei), WN_OK);
    double t_out = mf_now();
    mf_sleep(0.2);
    assert_int_equal(wn_meter_window_end(m, outer, &eo), WN_OK);
    /* The window spans the sleep and no more than the calls around it (a
     * fixed upper bound would fail whenever the machine stalls us). */
    assert_true(ei.seconds >= 0.5 && ei.seconds <= t_out - t_in);
    assert_true(fabs(ei.energy_j - 55.0 * ei.seconds) <
                mf_tol(&r, 55.0, ei.seconds, 0.01));
    assert_true(fabs(eo.energy_j - 55.0 * eo.seconds) <
                mf_tol(&r, 55.0, eo.seconds, 0.01));
    assert_true(eo.seconds > ei.seconds + 0.5);
    /* A short window gets fresh readings at both edges. */
    assert_int_equal(wn_meter_window_begin(m, &tiny), WN_OK);
    mf_sleep(0.05);
    assert_int_equal(wn_meter_window_end(m, tiny, &et), WN_OK);
    assert_true(et.measured);
    assert_true(fabs(et.energy_j - 55.0 * et.seconds) <
                mf_tol(&r, 55.0, et.seconds, 0.05));
    /* Closing twice, or a window never opened, is out of order. */
    assert_int_equal(wn_meter_window_end(m, tiny, &et), WN_ESTATE);
    assert_int_equal(wn_meter_window_end(m, 999, &et), WN_ESTATE);
    assert_int_equal(wn_meter_window_begin(NULL, &tiny), WN_EINVAL);
    wn_meter_close(&m);
    mf_rapl_free(&r);
}

static void test_psys_and_mmio_overlap(void **state)
{
    (void)state;
    static struct mf_rapl r;
    mf_rapl_init(&r);
    mf_rapl_zone(&r, "intel-rapl:0", "package-0", 40.0, 262143328850ull);
    mf_rapl_zone(&r, "intel-rapl:0/intel-rapl:0:0", "core", 20.0,
                 262143328850ull);
    mf_rapl_zone(&r, "intel-rapl:1", "psys", 70.0, 262143328850ull);
    mf_rapl_zone(&r, "intel-rapl-mmio:0", "package-0", 40.0, 262143328850ull);
    mf_rapl_start(&r);
    wn_meter *m = open_source("rapl", 100);
    assert_int_equal(wn_meter_interval_ms(m), 100);   /* big range: no guard */
    assert_string_equal(wn_meter_warning(m), "");
    int w;
    wn_energy e;
    wn_meter_window_begin(m, &w);
    mf_sleep(0.5);
    wn_meter_window_end(m, w, &e);
    assert_int_equal(e.n_domains, 3);   /* the mmio copy is skipped */
    int ps = mf_domain(&e, "psys"), pk = mf_domain(&e, "package-0"),
        core = mf_domain(&e, "core-0");
    assert_true(ps >= 0 && pk >= 0 && core >= 0);
    assert_int_equal(e.domains[ps].in_total, 1);
    assert_int_equal(e.domains[pk].in_total, 0);
    assert_int_equal(e.domains[core].in_total, 0);
    assert_true(fabs(e.energy_j - 70.0 * e.seconds) <
                mf_tol(&r, 70.0, e.seconds, 0.01));
    wn_meter_info info;
    wn_meter_info_at(m, 0, &info);
    for (size_t i = 0; i < info.n_domains; i++)
        if (strcmp(info.domains[i].name, "core-0") == 0)
            assert_string_equal(info.domains[i].contained_in, "package-0");
    wn_meter_close(&m);
    mf_rapl_free(&r);
}

static void test_stuck_counter(void **state)
{
    (void)state;
    static struct mf_rapl r;
    mf_rapl_standard(&r);   /* no helper thread: counters never move */
    wn_meter_info info;
    assert_int_equal(wn_meter_probe("rapl", NULL, &info), WN_OK);
    assert_int_equal(info.status, WN_ESTUCK);
    assert_non_null(strstr(info.reason, "did not advance"));
    wn_meter_opts o;
    wn_meter_opts_default(&o);
    o.source = "rapl";
    wn_meter *m = NULL;
    assert_int_equal(wn_meter_open(&o, &m), WN_ESTUCK);
    assert_null(m);
    /* One stuck domain of several is dropped, with a note. */
    mf_rapl_start(&r);
    atomic_store(&r.z[2].watts, 0.0);   /* dram stuck */
    assert_int_equal(wn_meter_probe("rapl", NULL, &info), WN_OK);
    assert_int_equal(info.status, WN_OK);
    assert_int_equal(info.n_domains, 2);
    assert_non_null(strstr(info.notes, "dram-0 dropped"));
    mf_rapl_free(&r);
}

static int deny_energy(const char *path, int flags)
{
    size_t n = strlen(path);
    if (n >= 9 && strcmp(path + n - 9, "energy_uj") == 0) {
        errno = EACCES;
        return -1;
    }
    return open(path, flags);
}

static atomic_int stall_once;

static int stall_package(const char *path, int flags)
{
    const char *tail = "intel-rapl:0/energy_uj";
    size_t n = strlen(path), k = strlen(tail);
    if (n >= k && strcmp(path + n - k, tail) == 0 &&
        atomic_exchange(&stall_once, 0))
        mf_sleep(1.0);   /* the sampler is held up: 50 J > the 40 J range */
    return open(path, flags);
}

static void test_sampling_gap_is_flagged(void **state)
{
    (void)state;
    static struct mf_rapl r;
    mf_rapl_standard(&r);
    mf_rapl_start(&r);
    wn_meter *m = open_source("rapl", 100);
    int w;
    wn_energy e;
    mf_sleep(0.4);   /* the meter learns the rate over >= 0.25 s */
    assert_int_equal(wn_meter_window_begin(m, &w), WN_OK);
    wn__meter_open_hook = stall_package;
    atomic_store(&stall_once, 1);
    mf_sleep(1.2);
    assert_int_equal(wn_meter_window_end(m, w, &e), WN_OK);
    wn__meter_open_hook = NULL;
    assert_false(e.measured);
    assert_string_equal(e.flag, "sample-gap");
    /* Later windows are fine again. */
    assert_int_equal(wn_meter_window_begin(m, &w), WN_OK);
    mf_sleep(0.3);
    assert_int_equal(wn_meter_window_end(m, w, &e), WN_OK);
    assert_true(e.measured);
    wn_meter_close(&m);
    mf_rapl_free(&r);
}

static void test_permission_denied_and_missing(void **state)
{
    (void)state;
    static struct mf_rapl r;
    mf_rapl_standard(&r);
    mf_rapl_start(&r);
    wn_meter_info info;
    /* Root bypasses mode 000, so EACCES comes through the open hook. */
    wn__meter_open_hook = deny_energy;
    assert_int_equal(wn_meter_probe("rapl", NULL, &info), WN_OK);
    wn__meter_open_hook = NULL;
    assert_int_equal(info.status, WN_EPERM);
    assert_non_null(strstr(info.reason, "run as root"));
    assert_non_null(strstr(info.reason, "sudo chmod o+r "));
    assert_non_null(strstr(info.reason, "intel-rapl:0/energy_uj`"));
    assert_non_null(strstr(info.reason, "CVE-2020-8694"));
    assert_null(strstr(info.reason, "rapl: rapl:"));
    mf_rapl_free(&r);

    setenv("WATTNET_POWERCAP_ROOT", "/nonexistent/powercap", 1);
    assert_int_equal(wn_meter_probe("rapl", NULL, &info), WN_OK);
    assert_int_equal(info.status, WN_EUNAVAILABLE);
    assert_non_null(strstr(info.reason, "no powercap tree"));
    unsetenv("WATTNET_POWERCAP_ROOT");
    assert_int_equal(wn_meter_probe("bogus", NULL, &info), WN_EINVAL);
    assert_null(wn_meter_source_name(wn_meter_source_count()));
    assert_string_equal(wn_meter_source_name(0), "rapl");
}

static void test_idle_baseline_and_dynamic(void **state)
{
    (void)state;
    char dir[256], path[400];
    mf_tmpdir(dir, sizeof dir, "idle");
    snprintf(path, sizeof path, "%s/sub/idle.json", dir);
    static struct mf_rapl r;
    mf_rapl_standard(&r);
    mf_rapl_start(&r);
    wn_meter_opts o;
    wn_meter_opts_default(&o);
    o.source = "rapl";
    o.idle_state = path;
    wn_meter *m = NULL;
    assert_int_equal(wn_meter_open(&o, &m), WN_OK);
    wn_idle_baseline b;
    assert_int_equal(wn_meter_idle_measure(m, 0.4, &b), WN_OK);
    assert_true(fabs(b.power_w * b.seconds - 55.0 * b.seconds) <
                mf_tol(&r, 55.0, b.seconds, 0.01));
    assert_int_equal(b.n_domains, 3);
    assert_string_equal(b.domains[0].source, "rapl");
    assert_int_equal(wn_meter_idle_save(path, &b), WN_OK);
    assert_int_equal(wn_meter_idle_measure(m, -1, &b), WN_EINVAL);
    wn_meter_close(&m);

    /* Reopened: the baseline applies; raise package by 20 W. */
    atomic_store(&r.z[0].watts, 70.0);
    assert_int_equal(wn_meter_open(&o, &m), WN_OK);
    int w;
    wn_energy e;
    wn_meter_window_begin(m, &w);
    mf_sleep(1.0);
    wn_meter_window_end(m, w, &e);
    assert_true(e.has_idle);
    assert_near(e.idle_power_w, b.power_w, 1e-9);
    /* The baseline's own error (its short window) carries into dynamic. */
    assert_true(fabs(e.energy_j - 75.0 * e.seconds) <
                mf_tol(&r, 75.0, e.seconds, 0.01));
    assert_true(fabs(e.dynamic_energy_j - 20.0 * e.seconds) <
                mf_tol(&r, 75.0, e.seconds, 0.03));
    wn_meter_close(&m);

    /* The file keeps other hosts; a malformed file is not clobbered. */
    wn_idle_baseline other = b;
    snprintf(other.host, sizeof other.host, "other-host");
    assert_int_equal(wn_meter_idle_save(path, &other), WN_OK);
    FILE *f = fopen(path, "r");
    char text[4096] = "";
    size_t got = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[got] = '\0';
    assert_non_null(strstr(text, "other-host"));
    assert_non_null(strstr(text, "package-0"));
    mf_write(path, "{not json");
    assert_int_equal(wn_meter_idle_save(path, &b), WN_EFORMAT);

    char def[512];
    setenv("WATTNET_IDLE_FILE", "/x/idle.json", 1);
    assert_int_equal(wn_meter_idle_path(NULL, def, sizeof def), WN_OK);
    assert_string_equal(def, "/x/idle.json");
    unsetenv("WATTNET_IDLE_FILE");
    setenv("XDG_STATE_HOME", "/state", 1);
    wn_meter_idle_path(NULL, def, sizeof def);
    assert_string_equal(def, "/state/wattnet/idle.json");
    unsetenv("XDG_STATE_HOME");
    mf_rapl_free(&r);
    mf_rmdir(dir);
}

static double cpu_seconds(void)
{
    struct rusage a, b;
    getrusage(RUSAGE_SELF, &a);
    getrusage(RUSAGE_CHILDREN, &b);
    return (double)(a.ru_utime.tv_sec + a.ru_stime.tv_sec + b.ru_utime.tv_sec +
                    b.ru_stime.tv_sec) +
           (double)(a.ru_utime.tv_usec + a.ru_stime.tv_usec +
                    b.ru_utime.tv_usec + b.ru_stime.tv_usec) * 1e-6;
}

static void test_estimate_and_sim(void **state)
{
    (void)state;
    wn_meter_opts o;
    wn_meter_opts_default(&o);
    o.source = "estimate";
    o.cpu_watts = 12.0;
    wn_meter *m = NULL;
    assert_int_equal(wn_meter_open(&o, &m), WN_OK);
    int w;
    wn_energy e;
    double c0 = cpu_seconds();
    wn_meter_window_begin(m, &w);
    wn__meter_burn(0.2);
    wn_meter_window_end(m, w, &e);
    double cpu = cpu_seconds() - c0;
    assert_true(e.measured);
    assert_true(e.is_estimate);
    assert_string_equal(e.source, "estimate");
    assert_false(e.has_idle);
    assert_near(e.energy_j, 12.0 * cpu, 0.1);
    wn_idle_baseline b;
    assert_int_equal(wn_meter_idle_measure(m, 0.1, &b), WN_EINVAL);
    wn_meter_close(&m);
    o.cpu_watts = -3;
    assert_int_equal(wn_meter_open(&o, &m), WN_EINVAL);

    setenv("WATTNET_SIM_WATTS", "200", 1);
    m = open_source("sim", 50);
    wn_meter_window_begin(m, &w);
    mf_sleep(0.3);
    wn_meter_window_end(m, w, &e);
    assert_string_equal(e.source, "sim");
    assert_near(e.energy_j, 200.0 * e.seconds, 0.01);
    wn_meter_close(&m);
    setenv("WATTNET_SIM_WATTS", "0", 1);   /* 0 W never measures */
    o.source = "sim";
    o.cpu_watts = 0;
    assert_int_equal(wn_meter_open(&o, &m), WN_ESTUCK);
    setenv("WATTNET_SIM_WATTS", "abc", 1);
    assert_int_equal(wn_meter_open(&o, &m), WN_EINVAL);
    unsetenv("WATTNET_SIM_WATTS");
    o.source = "nosuch";
    assert_int_equal(wn_meter_open(&o, &m), WN_EINVAL);
}

static void test_auto_falls_back_to_estimate(void **state)
{
    (void)state;
    setenv("WATTNET_POWERCAP_ROOT", "/nonexistent", 1);
    setenv("WATTNET_PERF_ROOT", "/nonexistent", 1);
    setenv("WATTNET_NVML_LIB", "/nonexistent/libnvidia-ml.so.1", 1);
    setenv("WATTNET_IPMI_CMD", "/nonexistent/ipmitool", 1);
    unsetenv("WATTNET_REDFISH_URL");
    wn_meter_opts o;
    wn_meter_opts_default(&o);
    wn_meter *m = NULL;
    assert_int_equal(wn_meter_open(&o, &m), WN_OK);
    assert_string_equal(wn_meter_source(m), "estimate");
    wn_meter_close(&m);
    o.allow_estimate = 0;
    assert_int_equal(wn_meter_open(&o, &m), WN_EUNAVAILABLE);
    assert_non_null(strstr(wn_errmsg(), "rapl"));
    assert_non_null(strstr(wn_errmsg(), "nvml"));
    unsetenv("WATTNET_PERF_ROOT");
    unsetenv("WATTNET_NVML_LIB");
    unsetenv("WATTNET_IPMI_CMD");
    unsetenv("WATTNET_POWERCAP_ROOT");
}

static void test_open_survives_alloc_faults(void **state)
{
    (void)state;
    static struct mf_rapl r;
    mf_rapl_standard(&r);
    mf_rapl_start(&r);
    wn_meter_opts o;
    wn_meter_opts_default(&o);
    o.source = "rapl";
    o.skip_stuck_check = 1;
    o.idle_state = "/nonexistent/idle.json";
    int clean = 0;
    for (long after = 0; after < 50 && !clean; after++) {
        wn_meter *m = NULL;
        wn_fault_alloc(after, 1);
        int rc = wn_meter_open(&o, &m);
        long hits = wn_fault_alloc(-1, 0);
        assert_true(rc == WN_OK || rc == WN_ENOMEM);
        if (rc == WN_OK) {
            int w;
            wn_energy e;
            assert_int_equal(wn_meter_window_begin(m, &w), WN_OK);
            assert_int_equal(wn_meter_window_end(m, w, &e), WN_OK);
        } else {
            assert_null(m);
        }
        wn_meter_close(&m);
        clean = hits == 0;
    }
    assert_true(clean);
    mf_rapl_free(&r);
}

static void test_delta_and_joules(void **state)
{
    (void)state;
    struct wn__meter_domain d;
    memset(&d, 0, sizeof d);
    d.kind = WN__KIND_COUNTER;
    d.unit = 1e-6;
    d.range = 1000;
    assert_int_equal(wn__meter_delta(&d, 900, 100), 200);   /* one wrap */
    assert_int_equal(wn__meter_delta(&d, 100, 900), 800);
    d.range = 0;
    assert_true(wn__meter_delta(&d, UINT64_MAX - 1, 3) == 5);
    assert_true(fabs(wn__meter_joules(&d, 2000000, 0) - 2.0) < 1e-12);
    d.kind = WN__KIND_POWER;
    d.unit = 1e-3;
    assert_true(fabs(wn__meter_joules(&d, 0, 5000.0) - 5.0) < 1e-12);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_delta_and_joules),
        cmocka_unit_test(test_rapl_wraps_within_one_percent),
        cmocka_unit_test(test_nested_and_short_windows),
        cmocka_unit_test(test_psys_and_mmio_overlap),
        cmocka_unit_test(test_stuck_counter),
        cmocka_unit_test(test_sampling_gap_is_flagged),
        cmocka_unit_test(test_permission_denied_and_missing),
        cmocka_unit_test(test_idle_baseline_and_dynamic),
        cmocka_unit_test(test_estimate_and_sim),
        cmocka_unit_test(test_auto_falls_back_to_estimate),
        cmocka_unit_test(test_open_survives_alloc_faults),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
