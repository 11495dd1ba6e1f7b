/*
 * test_min_seconds.c - windows long enough to measure (issue 10): each
 * meter source's update interval, the trainer running past its epochs to
 * reach min_seconds, the run glue's default from the meter and device, the
 * record and the store keeping what ran, and the sweep spec's field
 * reaching the job queue.  The meters are the simulated ones (the sim
 * source, with $WATTNET_SIM_UPDATE_S standing in for a slow meter, and the
 * powercap fixture for RAPL's interval).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include <cjson/cJSON.h>
#include <wattnet/wattnet.h>
#include "meter_fixture.h"
#include "store_fixture.h"

static double mono(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* One tiny epoch: ~1 ms on banana with a small net. */
static void spec_tiny(wn_run_spec *s)
{
    wn_run_spec_default(s);
    snprintf(s->dataset, sizeof s->dataset, "synthetic:banana");
    s->train.depth = 3;
    s->train.size = 64;
    s->train.epochs = 1;
    s->train.batch = 256;
    s->train.threads = 1;
    s->train.seed = 3;
}

static wn_meter *open_sim(void)
{
    wn_meter_opts o;
    wn_meter *m = NULL;
    wn_meter_opts_default(&o);
    o.source = "sim";
    o.skip_stuck_check = 1;
    assert_int_equal(wn_meter_open(&o, &m), WN_OK);
    return m;
}

/* ---- the trainer ----------------------------------------------------------- */

static void test_trainer_extends(void **state)
{
    (void)state;
    wn_dataset *d = NULL;
    wn_data_opts dopts;
    memset(&dopts, 0, sizeof dopts);
    dopts.seed = 3;
    assert_int_equal(wn_dataset_load("synthetic:banana", &dopts, &d), WN_OK);
    wn_run_spec s;
    spec_tiny(&s);
    wn_train_summary sm;

    /* Without min_seconds: exactly the epochs asked for. */
    assert_int_equal(wn_train(d, &s.train, NULL, &sm), WN_OK);
    assert_int_equal(sm.epochs, 1);
    assert_int_equal(sm.epochs_requested, 1);
    assert_int_equal(sm.extended, 0);

    /* 1 tiny epoch, min 0.5 s: several epochs, at least 0.5 s of them. */
    s.train.min_seconds = 0.5;
    double t0 = mono();
    assert_int_equal(wn_train(d, &s.train, NULL, &sm), WN_OK);
    double wall = mono() - t0;
    assert_true(sm.epochs > 1);
    assert_int_equal(sm.epochs_requested, 1);
    assert_int_equal(sm.extended, 1);
    assert_true(wall >= 0.5);
    assert_true(sm.seconds_total > 0.0);

    /* A requested count already past the minimum is not cut short. */
    s.train.epochs = 3;
    s.train.min_seconds = 1e-9;
    assert_int_equal(wn_train(d, &s.train, NULL, &sm), WN_OK);
    assert_int_equal(sm.epochs, 3);
    assert_int_equal(sm.extended, 0);

    /* Bad values are refused with a message. */
    s.train.min_seconds = -1.0;
    assert_int_equal(wn_train(d, &s.train, NULL, &sm), WN_EINVAL);
    s.train.min_seconds = NAN;
    assert_int_equal(wn_train(d, &s.train, NULL, &sm), WN_EINVAL);
    assert_non_null(strstr(wn_errmsg(), "min_seconds"));
    wn_dataset_free(&d);
}

/* ---- meters' update intervals ------------------------------------------------ */

static void test_update_intervals(void **state)
{
    (void)state;
    wn_meter_opts o;
    wn_meter_info info;
    wn_meter_opts_default(&o);
    o.skip_stuck_check = 1;

    unsetenv("WATTNET_SIM_UPDATE_S");
    assert_int_equal(wn_meter_probe("sim", &o, &info), WN_OK);
    assert_int_equal(info.status, WN_OK);
    assert_true(info.update_s == 0.0);
    setenv("WATTNET_SIM_UPDATE_S", "0.25", 1);
    assert_int_equal(wn_meter_probe("sim", &o, &info), WN_OK);
    assert_true(fabs(info.update_s - 0.25) < 1e-12);
    wn_meter *m = open_sim();
    assert_true(fabs(wn_meter_update_s(m) - 0.25) < 1e-12);
    wn_meter_close(&m);
    setenv("WATTNET_SIM_UPDATE_S", "soon", 1);
    assert_int_equal(wn_meter_probe("sim", &o, &info), WN_OK);
    assert_int_not_equal(info.status, WN_OK);
    unsetenv("WATTNET_SIM_UPDATE_S");
    assert_true(wn_meter_update_s(NULL) == 0.0);

    /* RAPL through the simulated powercap tree: about 1 ms. */
    static struct mf_rapl r;
    mf_rapl_bigrange(&r);
    mf_rapl_start(&r);
    assert_int_equal(wn_meter_probe("rapl", &o, &info), WN_OK);
    assert_int_equal(info.status, WN_OK);
    assert_true(fabs(info.update_s - 0.001) < 1e-12);
    mf_rapl_free(&r);
}

/* ---- the run glue's default ---------------------------------------------------- */

static void test_default_rule(void **state)
{
    (void)state;
    assert_true(wn_run_min_seconds("cpu", 0, 1.0) == 0.0);        /* not metered */
    assert_true(wn_run_min_seconds("", 1, 0.001) == 0.0);         /* RAPL on CPU */
    assert_true(fabs(wn_run_min_seconds("cpu", 1, 0.1) - 1.0) < 1e-12);   /* NVML */
    assert_true(fabs(wn_run_min_seconds(NULL, 1, 1.0) - 10.0) < 1e-12);   /* IPMI */
    assert_true(wn_run_min_seconds("cuda", 1, 0.001) == 2.0);     /* GPU floor */
    assert_true(wn_run_min_seconds("cuda:1", 1, 0.1) == 2.0);
    assert_true(fabs(wn_run_min_seconds("cuda:0", 1, 1.0) - 10.0) < 1e-12);
}

/* A slow simulated meter (0.05 s updates is fast; 0.1 s is NVML-slow):
 * the run is held to 10 updates without being asked. */
static void test_run_default_from_meter(void **state)
{
    (void)state;
    wn_run_spec s;
    wn_run_record r;
    spec_tiny(&s);

    setenv("WATTNET_SIM_UPDATE_S", "0.05", 1);
    wn_meter *m = open_sim();
    assert_int_equal(wn_run_execute(&s, NULL, m, NULL, &r), WN_OK);
    assert_true(r.spec.train.min_seconds == 0.0);
    assert_int_equal(r.summary.epochs, 1);
    wn_run_record_clear(&r);
    wn_meter_close(&m);

    setenv("WATTNET_SIM_UPDATE_S", "0.1", 1);
    m = open_sim();
    assert_int_equal(wn_run_execute(&s, NULL, m, NULL, &r), WN_OK);
    assert_true(fabs(r.spec.train.min_seconds - 1.0) < 1e-12);
    assert_int_equal(r.summary.extended, 1);
    assert_true(r.summary.epochs > 1);
    assert_true(r.energy.seconds >= 1.0);
    wn_run_record_clear(&r);

    /* The user's value wins, 0 included. */
    s.min_seconds_given = 1;
    s.train.min_seconds = 0.0;
    assert_int_equal(wn_run_execute(&s, NULL, m, NULL, &r), WN_OK);
    assert_int_equal(r.summary.epochs, 1);
    assert_int_equal(r.summary.extended, 0);
    wn_run_record_clear(&r);
    wn_meter_close(&m);
    unsetenv("WATTNET_SIM_UPDATE_S");
}

/* ---- the record and the store ---------------------------------------------------- */

static void test_run_records_and_stores(void **state)
{
    (void)state;
    char dir[256], url[400];
    fx_tmpdir(dir, sizeof dir, "minsec");
    snprintf(url, sizeof url, "%s/runs.db", dir);
    wn_run_spec s;
    wn_run_record r;
    spec_tiny(&s);
    s.min_seconds_given = 1;
    s.train.min_seconds = 0.5;
    wn_meter *m = open_sim();
    assert_int_equal(wn_run_execute(&s, NULL, m, NULL, &r), WN_OK);
    wn_meter_close(&m);
    assert_true(r.summary.epochs > 1);
    assert_int_equal(r.n_epochs, r.summary.epochs);   /* every epoch metered */
    assert_int_equal(r.spec.train.epochs, 1);          /* what was asked */
    assert_int_equal(r.summary.extended, 1);
    assert_true(r.energy.seconds >= 0.5);
    assert_true(wn_energy_usable(&r.energy));
    for (size_t i = 0; i < r.n_epochs; i++)
        assert_int_equal(r.epochs[i].stats.epoch, i + 1);

    wn_store *st = NULL;
    assert_int_equal(wn_store_open(url, &st), WN_OK);
    assert_int_equal(wn_store_put_run(st, &r), WN_OK);
    wn_run_record *runs = NULL;
    size_t n = 0;
    assert_int_equal(wn_store_load_runs(st, &runs, &n), WN_OK);
    assert_int_equal(n, 1);
    assert_int_equal(runs[0].spec.train.epochs, 1);
    assert_int_equal(runs[0].summary.epochs, r.summary.epochs);
    assert_int_equal(runs[0].summary.extended, 1);
    assert_true(fabs(runs[0].spec.train.min_seconds - 0.5) < 1e-12);
    assert_int_equal(runs[0].n_epochs, r.n_epochs);
    wn_run_records_free(&runs, n);
    wn_store_close(&st);
    wn_run_record_clear(&r);
    fx_rmdir(dir);
}

/* ---- the sweep spec and the queue ---------------------------------------------- */

static void test_sweep_field(void **state)
{
    (void)state;
    const char *json = "{\"datasets\":[\"synthetic:banana\"],\"shapes\":"
                       "[\"rectangle\"],\"depths\":[3],\"sizes\":[64],"
                       "\"epochs\":1,\"min_seconds\":0.25}";
    wn_sweep_spec *sp = NULL, *back = NULL;
    char *text = NULL;
    assert_int_equal(wn_sweep_spec_parse(json, "t", &sp), WN_OK);
    assert_int_equal(sp->has_min_seconds, 1);
    assert_true(sp->min_seconds == 0.25);
    assert_int_equal(wn_sweep_spec_to_json(sp, &text), WN_OK);
    assert_int_equal(wn_sweep_spec_parse(text, "round trip", &back), WN_OK);
    assert_int_equal(back->has_min_seconds, 1);
    assert_true(back->min_seconds == 0.25);
    wn_free(text);
    wn_sweep_spec_free(&back);

    /* Through the queue: the job carries it, and an absent one stays absent. */
    char dir[256], url[400];
    fx_tmpdir(dir, sizeof dir, "minsec-q");
    snprintf(url, sizeof url, "%s/q.db", dir);
    wn_store *st = NULL;
    assert_int_equal(wn_store_open(url, &st), WN_OK);
    wn_job jobs[2];
    memset(jobs, 0, sizeof jobs);
    spec_tiny(&jobs[0].spec);
    spec_tiny(&jobs[1].spec);
    jobs[0].spec.min_seconds_given = 1;
    jobs[0].spec.train.min_seconds = 0.25;
    assert_int_equal(wn_store_sweep_add(st, "t", "{}", 1, jobs, 2, NULL), WN_OK);
    wn_job j;
    assert_int_equal(wn_store_job_claim(st, "w", 60, 3, &j), WN_OK);
    assert_int_equal(j.spec.min_seconds_given, 1);
    assert_true(j.spec.train.min_seconds == 0.25);
    assert_int_equal(wn_store_job_claim(st, "w", 60, 3, &j), WN_OK);
    assert_int_equal(j.spec.min_seconds_given, 0);
    wn_store_close(&st);
    fx_rmdir(dir);
    wn_sweep_spec_free(&sp);

    /* Out of range or mistyped: one message naming the field. */
    const char *bad[] = {
        "{\"datasets\":[\"synthetic:banana\"],\"shapes\":[\"rectangle\"],"
        "\"depths\":[3],\"sizes\":[64],\"epochs\":1,\"min_seconds\":-1}",
        "{\"datasets\":[\"synthetic:banana\"],\"shapes\":[\"rectangle\"],"
        "\"depths\":[3],\"sizes\":[64],\"epochs\":1,\"min_seconds\":\"2\"}",
    };
    for (size_t i = 0; i < 2; i++) {
        assert_int_equal(wn_sweep_spec_parse(bad[i], "bad", &sp), WN_EINVAL);
        assert_non_null(strstr(wn_errmsg(), "min_seconds"));
    }
}

/* ---- the CLI ---------------------------------------------------------------------- */

static void test_cli_min_seconds(void **state)
{
    (void)state;
    char cmd[1024], out[65536];
    snprintf(cmd, sizeof cmd, "%s train --data synthetic:banana --size 64 "
             "--epochs 1 --threads 1 --meter sim --min-seconds 0.3 --json "
             "2>/dev/null | tail -n 1", WN_CLI_PATH);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    size_t len = fread(out, 1, sizeof out - 1, p);
    out[len] = '\0';
    assert_int_equal(pclose(p), 0);
    assert_non_null(strstr(out, "\"type\":\"summary\""));
    assert_non_null(strstr(out, "\"epochs_requested\":1"));
    assert_non_null(strstr(out, "\"extended\":true"));
    assert_non_null(strstr(out, "\"min_seconds\":0.3"));
    snprintf(cmd, sizeof cmd, "%s train --data synthetic:banana "
             "--min-seconds -2 >/dev/null 2>&1", WN_CLI_PATH);
    int st = system(cmd);
    assert_int_equal(WEXITSTATUS(st), 2);
}

/* ---- a watt-meter log's own sample interval ------------------------------------ */

static void test_powerlog_interval(void **state)
{
    (void)state;
    char dir[256], path[400], cmd[1400], out[65536];
    mf_tmpdir(dir, sizeof dir, "minsec-log");
    snprintf(path, sizeof path, "%s/power.csv", dir);
    mf_write(path, "timestamp,node,watts\n"
                   "1000.00,n1,100\n1000.03,n1,100\n1000.06,n1,100\n"
                   "1000.10,n1,100\n1000.00,n2,50\n1005.00,n2,50\n");
    double iv = 0;
    assert_int_equal(wn_powerlog_interval(path, "n1", &iv), WN_OK);
    assert_true(fabs(iv - 0.03) < 1e-9);       /* the median gap */
    assert_int_equal(wn_powerlog_interval(path, "n2", &iv), WN_OK);
    assert_true(fabs(iv - 5.0) < 1e-9);
    assert_int_equal(wn_powerlog_interval(path, "n3", &iv), WN_ENOENT);
    assert_int_not_equal(wn_powerlog_interval(path, NULL, &iv), WN_OK);   /* two nodes */

    /* train --power-log: held to 10 of the log's samples (0.3 s). */
    snprintf(cmd, sizeof cmd, "%s train --data synthetic:banana --size 64 "
             "--epochs 1 --threads 1 --power-log %s --node n1 --json "
             "2>/dev/null | tail -n 1", WN_CLI_PATH, path);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    size_t len = fread(out, 1, sizeof out - 1, p);
    out[len] = '\0';
    assert_int_equal(pclose(p), 0);
    cJSON *o = cJSON_Parse(out);
    assert_non_null(o);
    const cJSON *ms = cJSON_GetObjectItemCaseSensitive(o, "min_seconds");
    assert_true(cJSON_IsNumber(ms) && fabs(ms->valuedouble - 0.3) < 1e-9);
    assert_true(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "extended")));
    cJSON_Delete(o);
    mf_rmdir(dir);
}

int main(void)
{
    setenv("WATTNET_IDLE_FILE", "/nonexistent/idle.json", 1);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_trainer_extends),
        cmocka_unit_test(test_update_intervals),
        cmocka_unit_test(test_default_rule),
        cmocka_unit_test(test_run_default_from_meter),
        cmocka_unit_test(test_run_records_and_stores),
        cmocka_unit_test(test_sweep_field),
        cmocka_unit_test(test_cli_min_seconds),
        cmocka_unit_test(test_powerlog_interval),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
