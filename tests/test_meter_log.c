/*
 * test_meter_log.c - watt-meter log attribution (wn_powerlog_integrate)
 * against hand-computed joules: unsorted rows, a header, another node's
 * rows, partial intervals at both ends, a gap, ISO and unix timestamps,
 * 0 W readings, windows without samples, and malformed input.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "core/util.h"
#include <wattnet/wattnet.h>
#include "meter/meter_internal.h"
#include "meter_fixture.h"

static char dir[256];

static const char *log_file(const char *name, const char *text)
{
    static char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    mf_write(path, text);
    return path;
}

static void test_unsorted_other_node_partial_ends(void **state)
{
    (void)state;
    const char *p = log_file("a.csv", "timestamp,node,watts\n"
                                      "1000,n1,100\n"
                                      "1120,n1,300\n"
                                      "1060,n1,200\n"
                                      "1060,n2,9999\n"
                                      "1180,n1,400\n");
    wn_energy e;
    /* [1030,1060) 100 W + [1060,1120) 200 W + [1120,1150] 300 W */
    assert_int_equal(wn_powerlog_integrate(p, "n1", 1030, 1150, &e), WN_OK);
    assert_true(e.measured);
    assert_string_equal(e.source, "log");
    assert_string_equal(e.flag, "");
    assert_true(fabs(e.energy_j - 24000.0) < 1e-6);
    assert_true(fabs(e.seconds - 120.0) < 1e-9);
    assert_true(fabs(e.avg_power_w - 200.0) < 1e-9);
    assert_int_equal(e.n_domains, 1);
    assert_string_equal(e.domains[0].name, "node:n1");
    assert_int_equal(e.domains[0].in_total, 1);
    /* The last sample holds to the window's end: 10 s x 300 + 120 s x 400. */
    assert_int_equal(wn_powerlog_integrate(p, "n1", 1170, 1300, &e), WN_OK);
    assert_true(e.measured);
    assert_true(fabs(e.energy_j - 51000.0) < 1e-6);
    /* n2 alone: one sample at 1060 holding to the end. */
    assert_int_equal(wn_powerlog_integrate(p, "n2", 1060, 1070, &e), WN_OK);
    assert_true(fabs(e.energy_j - 99990.0) < 1e-6);
    /* No sample inside the window: flagged, never 0 J. */
    assert_int_equal(wn_powerlog_integrate(p, "n1", 1070, 1110, &e), WN_OK);
    assert_false(e.measured);
    assert_string_equal(e.flag, "no-samples");
    /* Starting before the node's first sample leaves part unmeasured. */
    assert_int_equal(wn_powerlog_integrate(p, "n1", 990, 1030, &e), WN_OK);
    assert_false(e.measured);
    assert_string_equal(e.flag, "uncovered-start");
    /* A node with no rows at all. */
    assert_int_equal(wn_powerlog_integrate(p, "n9", 1000, 1100, &e), WN_OK);
    assert_false(e.measured);
    assert_string_equal(e.flag, "no-samples");
}

static void test_iso_gap_and_zero_watts(void **state)
{
    (void)state;
    const char *p = log_file("b.csv", "2024-01-01 00:00:00,n1,100\n"
                                      "2024-01-01T00:01:00Z,n1,110\n"
                                      "2024-01-01 00:03:00.500,n1,120\n"
                                      "2024-01-01 00:04:00,n1,0\n");
    const double t0 = 1704067200.0;   /* 2024-01-01 00:00:00 UTC */
    double t;
    assert_int_equal(wn__parse_time("2024-01-01 00:00:00", &t), 0);
    assert_true(t == t0);
    wn_energy e;
    /* [30,60) 100 W + [60,180.5) 110 W across the gap + [180.5,210] 120 W */
    assert_int_equal(wn_powerlog_integrate(p, NULL, t0 + 30, t0 + 210, &e),
                     WN_OK);
    assert_true(e.measured);
    assert_true(fabs(e.energy_j - (3000.0 + 13255.0 + 3540.0)) < 1e-6);
    assert_string_equal(e.domains[0].name, "node:n1");
    /* The 0 W reading at 00:04 is in effect: flagged, never 0 J. */
    assert_int_equal(wn_powerlog_integrate(p, "n1", t0 + 210, t0 + 270, &e),
                     WN_OK);
    assert_false(e.measured);
    assert_string_equal(e.flag, "zero-watts");
    /* A window ending exactly at the 0 W sample does not use it. */
    assert_int_equal(wn_powerlog_integrate(p, "n1", t0 + 200, t0 + 240, &e),
                     WN_OK);
    assert_true(e.measured);
    assert_true(fabs(e.energy_j - 4800.0) < 1e-6);
}

static void test_bad_input(void **state)
{
    (void)state;
    wn_energy e;
    const char *p = log_file("c.csv", "1000,n1,100\n1060,n1,abc\n");
    assert_int_equal(wn_powerlog_integrate(p, "n1", 1000, 1100, &e),
                     WN_EFORMAT);
    assert_non_null(strstr(wn_errmsg(), "c.csv:2:"));
    p = log_file("d.csv", "1000,n1,100\n1060,n2,100\n");
    assert_int_equal(wn_powerlog_integrate(p, NULL, 1000, 1100, &e),
                     WN_EINVAL);
    assert_non_null(strstr(wn_errmsg(), "--node"));
    p = log_file("e.csv", "1000,n1\n");
    assert_int_equal(wn_powerlog_integrate(p, "n1", 1000, 1100, &e),
                     WN_EFORMAT);
    p = log_file("f.csv", "1000,n1,100\nyesterday,n1,100\n");
    assert_int_equal(wn_powerlog_integrate(p, "n1", 1000, 1100, &e),
                     WN_EFORMAT);
    p = log_file("g.csv", "1000,n1,-5\n");
    assert_int_equal(wn_powerlog_integrate(p, "n1", 1000, 1100, &e),
                     WN_EFORMAT);
    assert_int_equal(wn_powerlog_integrate(p, "n1", 1100, 1000, &e),
                     WN_EINVAL);
    assert_int_equal(wn_powerlog_integrate("/nonexistent.csv", "n1", 0, 1, &e),
                     WN_ENOENT);
    char longline[3000];
    memset(longline, '9', sizeof longline - 1);
    longline[sizeof longline - 1] = '\0';
    p = log_file("i.csv", longline);
    assert_int_equal(wn_powerlog_integrate(p, "n1", 1000, 1100, &e),
                     WN_EFORMAT);
    double t;
    assert_int_equal(wn__parse_time("2024-13-01 00:00:00", &t), -1);
    assert_int_equal(wn__parse_time("", &t), -1);
    /* Allocation faults: only success or WN_ENOMEM. */
    p = log_file("h.csv", "1000,n1,100\n1060,n1,200\n");
    for (long after = 0; after < 5; after++) {
        wn_fault_alloc(after, 1);
        int rc = wn_powerlog_integrate(p, "n1", 1000, 1100, &e);
        wn_fault_alloc(-1, 0);
        assert_true(rc == WN_OK || rc == WN_ENOMEM);
    }
}

static int setup(void **state)
{
    (void)state;
    mf_tmpdir(dir, sizeof dir, "log");
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    mf_rmdir(dir);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_unsorted_other_node_partial_ends),
        cmocka_unit_test(test_iso_gap_and_zero_watts),
        cmocka_unit_test(test_bad_input),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
