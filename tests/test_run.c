/*
 * test_run.c - the measured run (wn_run_execute) with a simulated powercap
 * tree and a tiny synthetic dataset: per-epoch windows nested in the run
 * window, joules within 1% of the simulated watts, joules per datum, the
 * observer, no meter (no energy), an estimate (no joules per datum), bad
 * specs and allocation faults.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include <wattnet/wattnet.h>
#include "meter_fixture.h"

static void spec_small(wn_run_spec *s)
{
    wn_run_spec_default(s);
    snprintf(s->dataset, sizeof s->dataset, "synthetic:banana");
    s->train.depth = 3;
    s->train.size = 65536;
    s->train.epochs = 3;
    s->train.batch = 32;
    s->train.threads = 1;
    s->train.seed = 7;
}

static int n_seen;
static size_t last_epoch;

static void on_epoch(void *user, const wn_run_record *run,
                     const wn_epoch_record *e)
{
    (void)user;
    n_seen++;
    last_epoch = e->stats.epoch;
    assert_int_equal(run->n_epochs, e->stats.epoch);
}

static void test_measured_run(void **state)
{
    (void)state;
    static struct mf_rapl r;
    mf_rapl_bigrange(&r);   /* wraps are test_meter's business */
    mf_rapl_start(&r);
    wn_meter_opts o;
    wn_meter_opts_default(&o);
    o.source = "rapl";
    o.idle_state = "/nonexistent/idle.json";
    wn_meter *m = NULL;
    assert_int_equal(wn_meter_open(&o, &m), WN_OK);
    wn_run_spec s;
    spec_small(&s);
    s.train.size = 1u << 20;   /* a run of a few tenths of a second */
    wn_run_record rec;
    wn_run_observer obs = { on_epoch, NULL, NULL };
    n_seen = 0;
    int rc = wn_run_execute(&s, NULL, m, &obs, &rec);
    if (rc)
        fprintf(stderr, "run: %s\n", wn_errmsg());
    assert_int_equal(rc, WN_OK);
    assert_int_equal(n_seen, 3);
    assert_int_equal(last_epoch, 3);
    assert_int_equal(rec.n_epochs, 3);
    assert_string_equal(rec.dataset_name, "banana");
    assert_string_equal(rec.data_source, "synthetic");
    assert_string_equal(rec.task, "binary");
    assert_int_equal(rec.inputs, 2);
    assert_true(rec.host[0] != '\0');
    assert_true(rec.end_time > rec.start_time);
    assert_true(rec.energy.measured);
    assert_string_equal(rec.energy.source, "rapl");
    /* 1%, plus the simulator's update lag at both edges. */
    assert_true(rec.energy.seconds > 0.1);
    assert_true(fabs(rec.energy.energy_j - 55.0 * rec.energy.seconds) <
                mf_tol(&r, 55.0, rec.energy.seconds, 0.01));
    double epochs_j = 0;
    for (size_t i = 0; i < rec.n_epochs; i++) {
        const wn_energy *e = &rec.epochs[i].energy;
        assert_int_equal(rec.epochs[i].stats.epoch, i + 1);
        assert_true(e->measured);
        /* Epochs are short (~0.1 s): 5%, plus the simulator's lag. */
        assert_true(fabs(e->energy_j - 55.0 * e->seconds) <
                    mf_tol(&r, 55.0, e->seconds, 0.05));
        epochs_j += e->energy_j;
    }
    assert_true(epochs_j <= rec.energy.energy_j * 1.001);
    assert_true(rec.has_jpd);
    double data = (double)rec.summary.batches_per_epoch * 3.0 * (double)s.train.batch;
    assert_true(fabs(rec.joules_per_datum - rec.energy.energy_j / data) <
                1e-12 * rec.joules_per_datum);
    wn_run_record_clear(&rec);
    assert_null(rec.epochs);
    wn_run_record_clear(&rec);   /* twice is harmless */
    wn_meter_close(&m);
    mf_rapl_free(&r);
}

static void test_no_meter_and_estimate(void **state)
{
    (void)state;
    wn_run_spec s;
    spec_small(&s);
    s.train.epochs = 2;
    wn_run_record rec;
    assert_int_equal(wn_run_execute(&s, NULL, NULL, NULL, &rec), WN_OK);
    assert_false(rec.energy.measured);
    assert_false(rec.has_jpd);
    assert_int_equal(rec.n_epochs, 2);
    assert_false(rec.epochs[0].energy.measured);
    wn_run_record_clear(&rec);

    wn_meter_opts o;
    wn_meter_opts_default(&o);
    o.source = "estimate";
    o.cpu_watts = 10;
    wn_meter *m = NULL;
    assert_int_equal(wn_meter_open(&o, &m), WN_OK);
    assert_int_equal(wn_run_execute(&s, NULL, m, NULL, &rec), WN_OK);
    assert_true(rec.energy.is_estimate);
    assert_string_equal(rec.energy.source, "estimate");
    assert_false(rec.has_jpd);   /* an estimate is not a measurement */
    wn_run_record_clear(&rec);
    wn_meter_close(&m);
}

static void test_bad_specs_and_faults(void **state)
{
    (void)state;
    wn_run_spec s;
    wn_run_record rec;
    spec_small(&s);
    snprintf(s.dataset, sizeof s.dataset, "synthetic:nosuch");
    assert_int_equal(wn_run_execute(&s, NULL, NULL, NULL, &rec), WN_ENOENT);
    assert_null(rec.epochs);
    spec_small(&s);
    s.train.epochs = 0;
    assert_int_equal(wn_run_execute(&s, NULL, NULL, NULL, &rec), WN_EINVAL);
    spec_small(&s);
    snprintf(s.train.shape, sizeof s.train.shape, "blob");
    assert_true(wn_run_execute(&s, NULL, NULL, NULL, &rec) != WN_OK);
    assert_int_equal(wn_run_execute(NULL, NULL, NULL, NULL, &rec), WN_EINVAL);

    /* Allocation faults with a meter: success or WN_ENOMEM, and the meter's
     * windows are all closed afterwards (a fresh window still works). */
    setenv("WATTNET_SIM_WATTS", "100", 1);
    wn_meter_opts o;
    wn_meter_opts_default(&o);
    o.source = "sim";
    wn_meter *m = NULL;
    assert_int_equal(wn_meter_open(&o, &m), WN_OK);
    spec_small(&s);
    s.train.epochs = 1;
    for (long after = 0; after < 8; after++) {
        wn_fault_alloc(after, 1);
        int rc = wn_run_execute(&s, NULL, m, NULL, &rec);
        wn_fault_alloc(-1, 0);
        assert_true(rc == WN_OK || rc == WN_ENOMEM);
        wn_run_record_clear(&rec);
    }
    int ids[40], n = 0;
    while (n < 40 && wn_meter_window_begin(m, &ids[n]) == WN_OK)
        n++;
    assert_int_equal(n, 32);   /* no window leaked by the failed runs */
    wn_energy e;
    for (int i = 0; i < n; i++)
        wn_meter_window_end(m, ids[i], &e);
    wn_meter_close(&m);
    unsetenv("WATTNET_SIM_WATTS");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_measured_run),
        cmocka_unit_test(test_no_meter_and_estimate),
        cmocka_unit_test(test_bad_specs_and_faults),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
