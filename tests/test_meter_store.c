/*
 * test_meter_store.c - the glue between the meter and the store
 * (lib/run/idle_apply.c, attribute.c, samples.c) and the store's raw
 * readings (store_samples.c): the idle rule (database wins per domain, the
 * state file stays the fallback), attribution storing joules per datum
 * from wn_energy_per_datum, a run window's raw readings written, read back
 * and re-integrated to the meter's joules, the per-domain cap and the
 * per-run retention.  Meters are the simulated source "sim" (a counter at
 * $WATTNET_SIM_WATTS); raw windows for the cap test are built by hand.
 * SQLite always; PostgreSQL too when WATTNET_TEST_PG_URL is set.
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

#define FX_PG_SCHEMA "wn_test_meter_store"
#include "store_fixture.h"

#include <wattnet/wattnet.h>

static char dir[1024], idle_file[1100];

static int setup(void **state)
{
    (void)state;
    fx_tmpdir(dir, sizeof dir, "meter-store");
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

static wn_meter *open_sim(unsigned interval_ms)
{
    wn_meter_opts o;
    wn_meter *m = NULL;
    wn_meter_opts_default(&o);
    o.source = "sim";
    o.idle_state = idle_file;
    o.interval_ms = interval_ms;
    assert_int_equal(wn_meter_open(&o, &m), WN_OK);
    return m;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static wn_store *open_db(const char *name)
{
    char path[1200];
    wn_store *s = NULL;
    if (strcmp(name, "pg") == 0) {
        const char *url = fx_pg_url();
        if (!url)
            return NULL;
        assert_int_equal(fx_pg_reset(url), WN_OK);
        assert_int_equal(wn_store_open(url, &s), WN_OK);
        return s;
    }
    snprintf(path, sizeof path, "%s/%s.db", dir, name);
    unlink(path);
    assert_int_equal(wn_store_open(path, &s), WN_OK);
    return s;
}

static void window(wn_meter *m, long ms, wn_energy *e)
{
    int w;
    assert_int_equal(wn_meter_window_begin(m, &w), WN_OK);
    sleep_ms(ms);
    assert_int_equal(wn_meter_window_end(m, w, e), WN_OK);
}

/* ---- idle: the database wins per domain, the state file is the fallback */

static void test_idle_rule(void **state)
{
    (void)state;
    wn_idle_baseline b;
    memset(&b, 0, sizeof b);
    assert_int_equal(gethostname(b.host, sizeof b.host - 1), 0);
    b.seconds = 30;
    b.n_domains = 1;
    snprintf(b.domains[0].source, sizeof b.domains[0].source, "sim");
    snprintf(b.domains[0].name, sizeof b.domains[0].name, "sim");
    b.domains[0].in_total = 1;
    b.domains[0].power_w = 30.0;
    assert_int_equal(wn_meter_idle_save(idle_file, &b), WN_OK);

    wn_meter *m = open_sim(100);
    wn_energy e;
    window(m, 50, &e);
    assert_true(e.has_idle);   /* the state file's 30 W */
    assert_true(fabs(e.idle_power_w - 30.0) < 1e-9);

    wn_store *s = open_db("idle");
    size_t applied = 99;
    /* Nothing in the database: the state file's value stays. */
    assert_int_equal(wn_store_apply_idle(s, m, &applied), WN_OK);
    assert_int_equal(applied, 0);
    window(m, 50, &e);
    assert_true(fabs(e.idle_power_w - 30.0) < 1e-9);

    b.domains[0].power_w = 45.0;
    assert_int_equal(wn_store_save_idle(s, &b), WN_OK);
    wn_store_idle rows[4];
    size_t n = 0;
    assert_int_equal(wn_store_load_idle(s, b.host, rows, 4, &n), WN_OK);
    assert_int_equal(n, 1);
    assert_string_equal(rows[0].domain, "sim:sim");
    assert_true(rows[0].power_w == 45.0);
    assert_int_equal(wn_store_load_idle(s, b.host, rows, 0, &n), WN_EINVAL);
    /* The database's 45 W wins over the file's 30 W. */
    assert_int_equal(wn_store_apply_idle(s, m, &applied), WN_OK);
    assert_int_equal(applied, 1);
    window(m, 50, &e);
    assert_true(fabs(e.idle_power_w - 45.0) < 1e-9);
    wn_meter_close(&m);
    wn_store_close(&s);
}

/* ---- attribution through the glue --------------------------------------- */

static void test_attribute_jpd(void **state)
{
    (void)state;
    char log[1200];
    wn_run_record r[2];
    wn_store *s = open_db("attr");
    for (int k = 0; k < 2; k++) {
        fx_record(&r[k], k, 2);
        snprintf(r[k].host, sizeof r[k].host, "n1");
        r[k].start_time = 1000.0 + 200.0 * k;
        r[k].end_time = r[k].start_time + 60.0;
    }
    r[1].summary.batches_per_epoch = 0;   /* no data: no joules per datum */
    for (int k = 0; k < 2; k++)
        assert_int_equal(wn_store_put_run(s, &r[k]), WN_OK);
    snprintf(log, sizeof log, "%s/1.csv", dir);
    FILE *f = fopen(log, "w");
    assert_non_null(f);
    fprintf(f, "timestamp,node,watts\n");
    for (int t = 990; t <= 1300; t += 10)
        fprintf(f, "%d,n1,150\n", t);
    fclose(f);
    const char *logs[] = { log };
    wn_attribute_result res;
    assert_int_equal(wn_store_attribute_logs(s, logs, 1, NULL, &res), WN_OK);
    assert_int_equal(res.stored, 2);
    wn_run_record *out = NULL;
    size_t n = 0;
    assert_int_equal(wn_store_load_runs(s, &out, &n), WN_OK);
    assert_int_equal(n, 2);
    double jpd = 0;
    assert_true(wn_energy_per_datum(&out[0].energy, 17.0 * 2 * 256, &jpd));
    assert_true(fabs(out[0].energy.energy_j - 9000.0) < 1e-6);
    assert_true(out[0].has_jpd);
    assert_true(fabs(out[0].joules_per_datum - 9000.0 / (17.0 * 2 * 256)) < 1e-12);
    assert_true(out[0].joules_per_datum == jpd);
    /* The old SQL kept the earlier figure here; a new energy with no data
     * count has no joules per datum. */
    assert_string_equal(out[1].energy.source, "log");
    assert_false(out[1].has_jpd);
    wn_run_records_free(&out, n);
    /* set_energy on a run that does not exist. */
    assert_int_equal(wn_store_set_energy(s, 999, &r[0].energy, 0, 0, "n1", log),
                     WN_ENOENT);
    wn_store_close(&s);
    for (int k = 0; k < 2; k++)
        fx_record_free(&r[k]);
}

/* ---- raw readings --------------------------------------------------------- */

static void samples_round_trip(const char *db)
{
    wn_store *s = open_db(db);
    if (!s) {
        print_message("WATTNET_TEST_PG_URL unset: PostgreSQL part skipped\n");
        return;
    }
    wn_meter *m = open_sim(10);
    wn_run_record r;
    fx_record(&r, 0, 1);
    window(m, 300, &r.energy);
    assert_true(r.energy.measured);
    assert_int_equal(wn_store_put_run(s, &r), WN_OK);
    assert_int_equal(wn_run_samples_store(s, m, &r, 0), WN_OK);

    wn_raw_window mine, back;
    assert_int_equal(wn_meter_window_raw(m, &mine), WN_OK);
    assert_int_equal(wn_store_get_samples(s, r.run_id, &back), WN_OK);
    assert_int_equal(back.n_domains, 1);
    assert_true(back.seconds == r.energy.seconds);
    const wn_raw_domain *d = &back.domains[0];
    assert_string_equal(d->source, "sim");
    assert_true(d->is_counter);
    assert_true(d->unit == 1e-6);
    assert_true(d->n_samples >= 10);   /* 300 ms at 10 ms */
    assert_int_equal(d->n_samples, mine.domains[0].n_samples);
    for (size_t i = 0; i < d->n_samples; i++) {
        assert_true(back.samples[i].t == mine.samples[i].t);
        assert_true(back.samples[i].ticks == mine.samples[i].ticks);
    }
    /* Re-integrated from the stored edges: the meter's joules. */
    uint64_t ticks = wn_raw_delta(d->range, d->ticks_begin, d->ticks_end);
    assert_true(ticks == d->ticks);
    assert_true(fabs(wn_raw_joules(1, d->unit, ticks, 0) - r.energy.energy_j)
                < 1e-9);
    wn_power_trace t;
    assert_int_equal(wn_store_power_trace(s, r.run_id, &t), WN_OK);
    assert_int_equal(t.n_series, 1);
    assert_string_equal(t.series[0].name, "sim:sim");
    assert_int_equal(t.series[0].n, d->n_samples - 1);
    for (size_t i = 0; i < t.series[0].n; i++)
        assert_true(t.series[0].power_w[i] > 50 && t.series[0].power_w[i] < 150);
    wn_power_trace_clear(&t);
    wn_raw_window_clear(&mine);
    wn_raw_window_clear(&back);

    /* Another window closed after the run's: not the run's, refused. */
    wn_energy other;
    window(m, 20, &other);
    assert_int_equal(wn_run_samples_store(s, m, &r, 0), WN_ESTATE);
    assert_int_equal(wn_store_get_samples(s, 12345, &back), WN_ENOENT);
    wn_meter_close(&m);
    wn_store_close(&s);
    fx_record_free(&r);
}

static void test_samples_sqlite(void **state)
{
    (void)state;
    samples_round_trip("samples");
}

static void test_samples_pg(void **state)
{
    (void)state;
    samples_round_trip("pg");
}

/* A hand-made window: one power domain with n readings of 2 W. */
static void fake_window(wn_raw_window *w, size_t n)
{
    memset(w, 0, sizeof *w);
    w->seconds = (double)n;
    w->n_domains = 1;
    wn_raw_domain *d = &w->domains[0];
    snprintf(d->source, sizeof d->source, "ipmi");
    snprintf(d->name, sizeof d->name, "node");
    d->unit = 1.0;
    d->in_total = 1;
    d->n_samples = n;
    d->tick_s = 2.0 * (double)n;
    w->n_samples = n;
    w->samples = wn_calloc(n, sizeof *w->samples);
    assert_non_null(w->samples);
    for (size_t i = 0; i < n; i++) {
        w->samples[i].t = (double)i;
        w->samples[i].ticks = 2;
    }
}

static void cap_and_retention(const char *db)
{
    wn_store *s = open_db(db);
    if (!s) {
        print_message("WATTNET_TEST_PG_URL unset: PostgreSQL part skipped\n");
        return;
    }
    wn_run_record r[3];
    wn_raw_window w, back;
    for (int k = 0; k < 3; k++) {
        fx_record(&r[k], k, 0);
        assert_int_equal(wn_store_put_run(s, &r[k]), WN_OK);
    }
    size_t big = WN_STORE_SAMPLES_CAP + 904;
    fake_window(&w, big);
    assert_int_equal(wn_store_put_samples(s, r[0].run_id, &w, 2), WN_OK);
    assert_int_equal(wn_store_get_samples(s, r[0].run_id, &back), WN_OK);
    assert_int_equal(back.domains[0].n_samples, WN_STORE_SAMPLES_CAP);
    assert_int_equal(back.domains[0].dropped, 904);
    assert_true(back.samples[0].t == 0.0);
    assert_true(back.samples[WN_STORE_SAMPLES_CAP - 1].t == (double)(big - 1));
    assert_true(wn_raw_domain_joules(&back.domains[0]) == 2.0 * (double)big);
    wn_raw_window_clear(&back);
    wn_raw_window_clear(&w);
    /* Two newer runs with keep_runs = 2: run 0 loses its readings, keeps
     * its window. */
    for (int k = 1; k < 3; k++) {
        fake_window(&w, 5);
        assert_int_equal(wn_store_put_samples(s, r[k].run_id, &w, 2), WN_OK);
        wn_raw_window_clear(&w);
    }
    assert_int_equal(wn_store_get_samples(s, r[0].run_id, &back), WN_OK);
    assert_int_equal(back.domains[0].n_samples, 0);
    assert_int_equal(back.domains[0].dropped, big);
    assert_true(wn_raw_domain_joules(&back.domains[0]) == 2.0 * (double)big);
    wn_raw_window_clear(&back);
    assert_int_equal(wn_store_get_samples(s, r[2].run_id, &back), WN_OK);
    assert_int_equal(back.domains[0].n_samples, 5);
    wn_raw_window_clear(&back);
    wn_store_close(&s);
    for (int k = 0; k < 3; k++)
        fx_record_free(&r[k]);
}

static void test_cap_retention_sqlite(void **state)
{
    (void)state;
    cap_and_retention("cap");
}

static void test_cap_retention_pg(void **state)
{
    (void)state;
    cap_and_retention("pg");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_idle_rule),
        cmocka_unit_test(test_attribute_jpd),
        cmocka_unit_test(test_samples_sqlite),
        cmocka_unit_test(test_samples_pg),
        cmocka_unit_test(test_cap_retention_sqlite),
        cmocka_unit_test(test_cap_retention_pg),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
