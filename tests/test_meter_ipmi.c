/*
 * test_meter_ipmi.c - the IPMI DCMI source with a fake `ipmitool` script
 * (found on PATH, or named by WATTNET_IPMI_CMD): a steady reading, the node
 * containing RAPL in auto mode, a failing BMC, unparsable output, 0 W, a
 * hung command (timeout) and a missing command.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <sys/stat.h>
#include <cmocka.h>

#include <wattnet/wattnet.h>
#include "meter_fixture.h"

static char dir[256], script[400], watts_file[400];

int wn__ipmi_parse(const char *out, double *watts);

static void set_watts(const char *w)
{
    mf_write(watts_file, w);
}

static void write_script(const char *body)
{
    char text[1024];
    snprintf(text, sizeof text, "#!/bin/sh\n%s\n", body);
    mf_write(script, text);
    chmod(script, 0755);
}

static int setup(void **state)
{
    (void)state;
    mf_tmpdir(dir, sizeof dir, "ipmi");
    snprintf(script, sizeof script, "%s/ipmitool", dir);
    snprintf(watts_file, sizeof watts_file, "%s/watts", dir);
    char body[600];
    snprintf(body, sizeof body,
             "[ \"$1 $2 $3\" = \"dcmi power reading\" ] || exit 2\n"
             "echo\n"
             "echo \"    Instantaneous power reading:   $(cat %s) Watts\"\n"
             "echo \"    Minimum during sampling period:  10 Watts\"",
             watts_file);
    write_script(body);
    set_watts("312");
    /* Found on PATH, as the real tool would be. */
    char path[2048];
    const char *old = getenv("PATH");
    snprintf(path, sizeof path, "%s:%s", dir, old ? old : "/usr/bin:/bin");
    setenv("PATH", path, 1);
    unsetenv("WATTNET_IPMI_CMD");
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    mf_rmdir(dir);
    return 0;
}

static void test_steady_reading(void **state)
{
    (void)state;
    wn_meter_opts o;
    wn_meter_opts_default(&o);
    o.source = "ipmi";
    o.idle_state = "/nonexistent/idle.json";
    wn_meter *m = NULL;
    assert_int_equal(wn_meter_open(&o, &m), WN_OK);
    int w;
    wn_energy e;
    wn_meter_window_begin(m, &w);
    mf_sleep(0.4);
    wn_meter_window_end(m, w, &e);
    wn_meter_close(&m);
    assert_true(e.measured);
    assert_string_equal(e.source, "ipmi");
    assert_string_equal(e.domains[0].name, "node");
    assert_true(fabs(e.energy_j - 312.0 * e.seconds) < 1e-6 * e.energy_j);
    wn_meter_info info;
    assert_int_equal(wn_meter_probe("ipmi", NULL, &info), WN_OK);
    assert_int_equal(info.status, WN_OK);
    assert_true(info.node_level);
    assert_string_equal(info.resolution_unit, "W");
}

static void test_node_contains_rapl(void **state)
{
    (void)state;
    static struct mf_rapl r;
    mf_rapl_standard(&r);
    mf_rapl_start(&r);
    setenv("WATTNET_NVML_LIB", "/nonexistent/libnvidia-ml.so.1", 1);
    setenv("WATTNET_PERF_ROOT", "/nonexistent", 1);
    wn_meter_opts o;
    wn_meter_opts_default(&o);
    o.idle_state = "/nonexistent/idle.json";
    wn_meter *m = NULL;
    assert_int_equal(wn_meter_open(&o, &m), WN_OK);
    assert_string_equal(wn_meter_source(m), "ipmi");
    int w;
    wn_energy e;
    wn_meter_window_begin(m, &w);
    mf_sleep(0.3);
    wn_meter_window_end(m, w, &e);
    wn_meter_close(&m);
    assert_int_equal(e.n_domains, 4);
    for (size_t i = 0; i < e.n_domains; i++)
        assert_int_equal(e.domains[i].in_total,
                         strcmp(e.domains[i].name, "node") == 0);
    /* Two sources are read one after the other: the window's seconds are
     * the first one's, the node's joules its own interval. */
    assert_true(fabs(e.energy_j - 312.0 * e.seconds) < 0.02 * e.energy_j);
    unsetenv("WATTNET_NVML_LIB");
    unsetenv("WATTNET_PERF_ROOT");
    mf_rapl_free(&r);
}

static int probe_status(char *reason, size_t n)
{
    wn_meter_opts o;
    wn_meter_opts_default(&o);
    o.timeout_ms = 400;
    wn_meter_info info;
    assert_int_equal(wn_meter_probe("ipmi", &o, &info), WN_OK);
    snprintf(reason, n, "%s", info.reason);
    return info.status;
}

static void test_failures(void **state)
{
    (void)state;
    char reason[256], cmd[600];
    set_watts("0");
    assert_int_equal(probe_status(reason, sizeof reason), WN_ESTUCK);
    assert_non_null(strstr(reason, "0 W"));
    set_watts("312");
    /* WATTNET_IPMI_CMD with arguments, run without a shell. */
    snprintf(cmd, sizeof cmd, "%s bogus args", script);
    setenv("WATTNET_IPMI_CMD", cmd, 1);
    assert_int_equal(probe_status(reason, sizeof reason), WN_EUNAVAILABLE);
    assert_non_null(strstr(reason, "exit 2"));
    setenv("WATTNET_IPMI_CMD", "/bin/echo hello", 1);
    assert_int_equal(probe_status(reason, sizeof reason), WN_EFORMAT);
    setenv("WATTNET_IPMI_CMD", "/bin/sleep 5", 1);
    double t0 = mf_now();
    assert_int_equal(probe_status(reason, sizeof reason), WN_ETIMEOUT);
    assert_true(mf_now() - t0 < 2.0);
    setenv("WATTNET_IPMI_CMD", "/nonexistent/ipmitool dcmi power reading", 1);
    assert_int_equal(probe_status(reason, sizeof reason), WN_EUNAVAILABLE);
    assert_non_null(strstr(reason, "not found"));
    unsetenv("WATTNET_IPMI_CMD");
    double w;
    assert_int_equal(wn__ipmi_parse("Instantaneous power reading: 12 kW", &w),
                     WN_EFORMAT);
    assert_int_equal(wn__ipmi_parse("Instantaneous power reading: 1.5 Watts",
                                    &w), WN_OK);
    assert_true(w == 1.5);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_steady_reading),
        cmocka_unit_test(test_node_contains_rapl),
        cmocka_unit_test(test_failures),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
