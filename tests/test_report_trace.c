/*
 * test_report_trace.c - the report's power trace comes from the raw meter
 * readings the store keeps (issue 8: "the report's power trace uses
 * them"): a worker metered by the simulated source stores each run's
 * readings, and `wattnet report` draws "Power samples of run N" from them
 * (lib/run/report_trace.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "cli_fixture.h"

static char dir[64];

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/wn_report_trace_XXXXXX");
    return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd);
}

static int sh(const char *fmt, const char *a)
{
    char cmd[2048];
    snprintf(cmd, sizeof cmd, fmt, a, a, a, a, a, a);
    return system(cmd);
}

static void test_trace_from_raw_readings(void **state)
{
    (void)state;
    char spec[256], html[256];
    snprintf(spec, sizeof spec, "%s/spec.json", dir);
    FILE *f = fopen(spec, "w");
    assert_non_null(f);
    fputs("{\"datasets\":[\"synthetic:banana\"],\"shapes\":[\"rectangle\"],"
          "\"depths\":[2,3],\"sizes\":[256,1024],\"epochs\":3}", f);
    fclose(f);
    assert_int_equal(sh(WN_CLI_PATH " sweep --db %s/r.db --spec %s/spec.json "
                        ">/dev/null", dir), 0);
    assert_int_equal(sh(WN_CLI_PATH " worker --db %s/r.db --meter sim "
                        ">/dev/null 2>&1", dir), 0);
    assert_int_equal(sh(WN_CLI_PATH " report --db %s/r.db --out %s/r.html "
                        ">/dev/null 2>&1", dir), 0);
    snprintf(html, sizeof html, "%s/r.html", dir);
    char *s = fx_slurp(html);
    assert_non_null(s);
    assert_non_null(strstr(s, "Power samples of run"));
    assert_non_null(strstr(s, "raw samples"));
    free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_trace_from_raw_readings),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
