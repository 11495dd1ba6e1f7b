/*
 * test_store_idle.c - idle baselines in the runs database: saved per host
 * and "source:domain", applied to an open meter (whose windows then report
 * dynamic energy), and written by `wattnet idle --db`.  Uses the simulated
 * constant-power source "sim".
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#define FX_PG_SCHEMA "wn_test_store_idle"
#include "store_fixture.h"

#include <wattnet/wattnet.h>

static char dir[1024], db[1100], idle_file[1100];

static int setup(void **state)
{
    (void)state;
    fx_tmpdir(dir, sizeof dir, "store-idle");
    snprintf(db, sizeof db, "%s/runs.db", dir);
    snprintf(idle_file, sizeof idle_file, "%s/idle.json", dir);
    setenv("WATTNET_SIM_WATTS", "100", 1);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    fx_rmdir(dir);
    return 0;
}

static wn_meter *open_sim(void)
{
    wn_meter_opts o;
    wn_meter *m = NULL;
    wn_meter_opts_default(&o);
    o.source = "sim";
    o.idle_state = idle_file;   /* absent: no baseline from the file */
    assert_int_equal(wn_meter_open(&o, &m), WN_OK);
    return m;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static void test_apply_stored_baseline(void **state)
{
    (void)state;
    wn_store *s = NULL;
    wn_idle_baseline b;
    memset(&b, 0, sizeof b);
    assert_int_equal(gethostname(b.host, sizeof b.host - 1), 0);
    b.seconds = 30;
    b.n_domains = 1;
    snprintf(b.domains[0].source, sizeof b.domains[0].source, "sim");
    snprintf(b.domains[0].name, sizeof b.domains[0].name, "sim");
    b.domains[0].power_w = 40.0;
    b.domains[0].in_total = 1;
    assert_int_equal(wn_store_open(db, &s), WN_OK);
    assert_int_equal(wn_store_save_idle(s, &b), WN_OK);

    wn_meter *m = open_sim();
    wn_energy e;
    int w;
    assert_int_equal(wn_meter_window_begin(m, &w), WN_OK);
    sleep_ms(50);
    assert_int_equal(wn_meter_window_end(m, w, &e), WN_OK);
    assert_false(e.has_idle);

    size_t applied = 0;
    assert_int_equal(wn_store_apply_idle(s, m, &applied), WN_OK);
    assert_int_equal(applied, 1);
    assert_int_equal(wn_meter_window_begin(m, &w), WN_OK);
    sleep_ms(200);
    assert_int_equal(wn_meter_window_end(m, w, &e), WN_OK);
    assert_true(e.measured);
    assert_true(e.has_idle);
    assert_true(fabs(e.idle_power_w - 40.0) < 1e-9);
    assert_true(fabs(e.dynamic_energy_j - (e.energy_j - 40.0 * e.seconds)) < 1e-9);
    /* 100 W simulated, 40 W idle: dynamic power is about 60 W. */
    assert_true(e.dynamic_energy_j / e.seconds > 54 && e.dynamic_energy_j / e.seconds < 66);

    assert_int_equal(wn_meter_set_idle(m, "sim", "nosuch", 1.0), WN_ENOENT);
    assert_int_equal(wn_meter_set_idle(m, "sim", "sim", -1.0), WN_EINVAL);
    assert_int_equal(wn_meter_set_idle(m, "sim", "sim", NAN), WN_EINVAL);
    wn_meter_close(&m);
    wn_store_close(&s);
}

static void test_cli_idle_keeps_baseline_in_db(void **state)
{
    (void)state;
    char cmd[3000], host[128] = "", key[] = "sim:sim";
    snprintf(cmd, sizeof cmd,
             "WATTNET_SIM_WATTS=25 %s idle --seconds 1 --source sim --idle-file %s "
             "--db %s/cli.db --json >/dev/null 2>&1", WN_CLI_PATH, idle_file, dir);
    assert_int_equal(system(cmd), 0);
    assert_int_equal(gethostname(host, sizeof host - 1), 0);
    char path[1100];
    snprintf(path, sizeof path, "%s/cli.db", dir);
    wn_store *s = NULL;
    double w = 0;
    assert_int_equal(wn_store_open(path, &s), WN_OK);
    assert_int_equal(wn_store_get_idle(s, host, key, &w), WN_OK);
    assert_true(w > 24.0 && w < 26.0);
    assert_int_equal(wn_store_get_idle(s, host, "rapl:package-0", &w), WN_ENOENT);
    wn_store_close(&s);

    /* An unreachable database is a clear failure, not a silent skip. */
    snprintf(cmd, sizeof cmd,
             "%s idle --seconds 1 --source sim --idle-file %s --db /nonexistent/dir/x.db "
             ">/dev/null 2>&1", WN_CLI_PATH, idle_file);
    assert_int_not_equal(system(cmd), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_apply_stored_baseline),
        cmocka_unit_test(test_cli_idle_keeps_baseline_in_db),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
