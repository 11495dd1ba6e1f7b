/*
 * test_meter_ipmi.c - the IPMI DCMI source with a fake `ipmitool` script
 * (found on PATH, or named by WATTNET_IPMI_CMD): a steady reading, the node
 * containing RAPL in auto mode, a failing BMC, unparsable output, 0 W, a
 * hung command (timeout) and a missing command; polls that fail on chosen
 * calls (`Unspecified error (ff)`): an isolated miss is bridged, also at a
 * window's first and last poll, and only a run over 3 periods is a gap;
 * /dev/ipmi0 denied names the device and the fix.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <sys/stat.h>
#include <cmocka.h>

#include <wattnet/wattnet.h>
#include "meter_fixture.h"

static char dir[256], script[400], watts_file[400], count_file[400],
    fail_file[400];

int wn__ipmi_parse(const char *out, double *watts);

static void set_watts(const char *w)
{
    mf_write(watts_file, w);
}

static void write_script(const char *body)
{
    char text[2600];
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
    snprintf(count_file, sizeof count_file, "%s/count", dir);
    snprintf(fail_file, sizeof fail_file, "%s/fail", dir);
    char body[2400];
    /* Call n fails when the fail file lists n, or says "all". */
    snprintf(body, sizeof body,
             "[ \"$1 $2 $3\" = \"dcmi power reading\" ] || exit 2\n"
             "n=$(( $(cat %s 2>/dev/null || echo 0) + 1 ))\n"
             "echo $n > %s\n"
             "if grep -qx -e \"$n\" -e all %s 2>/dev/null; then\n"
             "  echo \"Unspecified error (ff)\" >&2; exit 1\n"
             "fi\n"
             "echo\n"
             "echo \"    Instantaneous power reading:   $(cat %s) Watts\"\n"
             "echo \"    Minimum during sampling period:  10 Watts\"",
             count_file, count_file, fail_file, watts_file);
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
    char reason[512], cmd[600];
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

/* The calls so far; fail the ones listed ("all": every one). */
static unsigned long calls(void)
{
    FILE *f = fopen(count_file, "r");
    unsigned long n = 0;
    if (f) {
        if (fscanf(f, "%lu", &n) != 1)
            n = 0;
        fclose(f);
    }
    return n;
}

static void fail_calls(const char *list)
{
    mf_write(fail_file, list);
}

static void check_energy(const wn_energy *e, double watts)
{
    if (!e->measured)
        fprintf(stderr, "flag %s\n", e->flag);
    assert_true(e->measured);
    if (fabs(e->energy_j - watts * e->seconds) > 1e-6 * e->energy_j) {
        fprintf(stderr, "got %.3f J, want %.3f J\n", e->energy_j,
                watts * e->seconds);
        fail();
    }
}

/* The case: one call in 12 fails during an 8-second window. */
static void test_one_failed_poll_in_twelve(void **state)
{
    (void)state;
    fail_calls("7\n19\n31\n");
    mf_write(count_file, "0\n");
    wn_meter *m = mf_open("ipmi");
    int w;
    wn_energy e;
    assert_int_equal(wn_meter_window_begin(m, &w), WN_OK);
    mf_sleep(8.0);
    assert_int_equal(wn_meter_window_end(m, w, &e), WN_OK);
    wn_meter_close(&m);
    assert_true(calls() >= 12);
    fail_calls("");
    check_energy(&e, 312.0);
}

/* The window's first poll fails 0.8 s after the last good one: the next
 * reading's segment straddles the start, and only its part inside the
 * window counts (at 312 W throughout, exactly 312 W x seconds; counting
 * the whole segment would add 0.8 s x 312 W). */
static void test_failed_first_and_last_poll(void **state)
{
    (void)state;
    mf_write(count_file, "0\n");
    fail_calls("");
    wn_meter *m = mf_open("ipmi");
    mf_sleep(0.8);
    char list[64];
    snprintf(list, sizeof list, "%lu\n", calls() + 1);
    fail_calls(list);
    int w;
    wn_energy e;
    assert_int_equal(wn_meter_window_begin(m, &w), WN_OK);
    mf_sleep(2.2);
    assert_int_equal(wn_meter_window_end(m, w, &e), WN_OK);
    check_energy(&e, 312.0);
    /* Now the last poll fails: the last reading holds to the end. */
    assert_int_equal(wn_meter_window_begin(m, &w), WN_OK);
    mf_sleep(1.5);
    snprintf(list, sizeof list, "%lu\n", calls() + 1);
    fail_calls(list);
    assert_int_equal(wn_meter_window_end(m, w, &e), WN_OK);
    check_energy(&e, 312.0);
    /* And a window whose only poll inside fails, first and last. */
    mf_sleep(0.3);
    fail_calls("all\n");
    assert_int_equal(wn_meter_window_begin(m, &w), WN_OK);
    mf_sleep(0.5);
    assert_int_equal(wn_meter_window_end(m, w, &e), WN_OK);
    fail_calls("");
    wn_meter_close(&m);
    check_energy(&e, 312.0);
}

/* Polls failing for longer than 3 periods (3 s): a real gap. */
static void test_real_gap(void **state)
{
    (void)state;
    fail_calls("");
    wn_meter *m = mf_open("ipmi");
    int w;
    wn_energy e;
    assert_int_equal(wn_meter_window_begin(m, &w), WN_OK);
    fail_calls("all\n");
    mf_sleep(3.6);
    fail_calls("");
    mf_sleep(1.2);
    assert_int_equal(wn_meter_window_end(m, w, &e), WN_OK);
    wn_meter_close(&m);
    assert_false(e.measured);
    assert_string_equal(e.flag, "sample-gap");
}

/* ipmitool without access to /dev/ipmi0: its words, the device, the fix. */
static void test_device_denied(void **state)
{
    (void)state;
    char reason[512], body[300];
    snprintf(body, sizeof body,
             "echo 'Could not open device at /dev/ipmi0 or /dev/ipmi/0 or "
             "/dev/ipmidev/0: Permission denied' >&2\nexit 1");
    char denied[420];
    snprintf(denied, sizeof denied, "%s/denied", dir);
    mf_write(denied, "#!/bin/sh\n");
    FILE *f = fopen(denied, "a");
    assert_non_null(f);
    fputs(body, f);
    fclose(f);
    chmod(denied, 0755);
    setenv("WATTNET_IPMI_CMD", denied, 1);
    wn_meter_opts o;
    wn_meter_opts_default(&o);
    wn_meter_info info;
    assert_int_equal(wn_meter_probe("ipmi", &o, &info), WN_OK);
    unsetenv("WATTNET_IPMI_CMD");
    snprintf(reason, sizeof reason, "%s", info.reason);
    assert_int_equal(info.status, WN_EPERM);
    assert_non_null(strstr(reason, "Permission denied"));
    assert_non_null(strstr(reason, "/dev/ipmi0"));
    assert_non_null(strstr(reason, "run as root"));
    assert_non_null(strstr(reason, "udev"));
    assert_null(strstr(reason, "ipmi: ipmi:"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_steady_reading),
        cmocka_unit_test(test_node_contains_rapl),
        cmocka_unit_test(test_failures),
        cmocka_unit_test(test_one_failed_poll_in_twelve),
        cmocka_unit_test(test_failed_first_and_last_poll),
        cmocka_unit_test(test_real_gap),
        cmocka_unit_test(test_device_denied),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
