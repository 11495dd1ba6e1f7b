/*
 * test_study.c - the BUTTER-E import and the study's pipeline:
 *   - the window rule (constant power between samples, partial ends);
 *   - malformed rows name file:line:column and store nothing;
 *   - an import integrates each run's window, keeps host, device, Slurm job
 *     and metadata, keeps each node's 2nd-percentile power, and a second
 *     import changes nothing (SQLite, and PostgreSQL when available);
 *   - export --format butter-e then import gives the same runs and energies;
 *   - a hand-made fixture in the public layout with planted idle powers,
 *     overhead, a 0 W run, a run over 75,000 s and a 5-sigma outlier:
 *     analyze recovers each value and drops exactly those runs;
 *   - planted marginal costs are recovered by the pipeline, and time-only
 *     runs give time equivalents.
 */
#include <stdarg.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define FX_PG_SCHEMA "wn_test_study"
#include "store_fixture.h"
#include "study/study_internal.h"
#include <wattnet/study.h>

static void writef(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static size_t count_runs(const char *url)
{
    wn_store *s = NULL;
    wn_run_record *runs = NULL;
    size_t n = 0;
    assert_int_equal(wn_store_open(url, &s), WN_OK);
    assert_int_equal(wn_store_load_runs(s, &runs, &n), WN_OK);
    wn_run_records_free(&runs, n);
    wn_store_close(&s);
    return n;
}

/* ---- the window rule ------------------------------------------------------------ */

static void test_window_rule(void **state)
{
    (void)state;
    struct wn__window w;
    const char *flag = NULL;
    wn__window_init(&w, 30, 150);
    wn__window_add(&w, 0, 100);
    wn__window_add(&w, 60, 200);
    wn__window_add(&w, 120, 300);
    wn__window_add(&w, 180, 999);
    wn__window_finish(&w, &flag);
    assert_string_equal(flag, "");
    assert_true(fabs(w.energy_j - (100 * 30 + 200 * 60 + 300 * 30)) < 1e-9);
    /* The last sample holds to the window's end; the first is held back. */
    wn__window_init(&w, 30, 150);
    wn__window_add(&w, 60, 200);
    wn__window_add(&w, 120, 300);
    wn__window_finish(&w, &flag);
    assert_string_equal(flag, "");
    assert_true(fabs(w.energy_j - (200 * 90 + 300 * 30)) < 1e-9);
    wn__window_init(&w, 30, 50);
    wn__window_add(&w, 0, 100);
    wn__window_add(&w, 60, 100);
    wn__window_finish(&w, &flag);
    assert_string_equal(flag, "no-samples");
    wn__window_init(&w, 0, 120);
    wn__window_add(&w, 0, 100);
    wn__window_add(&w, 60, 0);
    wn__window_finish(&w, &flag);
    assert_string_equal(flag, "zero-watts");
}

static void test_hist_quantile(void **state)
{
    (void)state;
    static struct wn__hist h;
    memset(&h, 0, sizeof h);
    for (int i = 0; i < 10; i++)
        wn__hist_add(&h, 220.0);
    for (int i = 0; i < 190; i++)
        wn__hist_add(&h, 400.0 + i);
    assert_true(wn__hist_quantile(&h, 0.02) == 220.0);
    double v[] = { 5, 1, 4, 2, 3 };
    assert_true(wn__study_quantile(v, 5, 0.5) == 3.0);
    assert_true(fabs(wn__study_quantile(v, 5, 0.05) - 1.2) < 1e-12);
}

/* ---- a small import ------------------------------------------------------------------ */

static const char meta_header[] =
    "run_id,experiment_id,old_experiment_id,slurm_job_id,start_time,update_time,"
    "host_name,size,depth,shape,dataset,learning_rate,batch_size,optimizer,"
    "is_gpu,run_data,batch\n";

static void small_fixture(const char *dir)
{
    char path[1200];
    snprintf(path, sizeof path, "%s/meta.csv", dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(meta_header, f);
    fputs("r1,7,,1001,1000,1150,nodeA1,1024,3,rectangle,adult,0.0001,256,Adam,"
          "false,\"{\"\"epochs\"\": 10}\",energy_1\n", f);
    fputs("r2,7,,1001,1970-01-01 00:20:00Z,1970-01-01T00:21:00.5+00:00,nodeA1,1024,3,rectangle,adult,"
          "0.0001,256,Adam,false,\"{\"\"epochs\"\": -5}\",energy_1\n", f);
    fputs("r3,8,,1002,1000,1100,gpuB1,2048,2,trapezoid,adult,0.0001,256,Adam,"
          "true,,energy_1\n", f);
    fputs("r4,8,,1003,1000,1100,gpuB1,2048,2,trapezoid,adult,0.0001,256,Adam,"
          "true,,energy_1\n", f);
    fclose(f);
    snprintf(path, sizeof path, "%s/1001.csv", dir);
    writef(path, "timestamp,node,watts\n"
                 "960,nodeA1,100\n1020,nodeA1,200\n1080,nodeA1,300\n"
                 "1140,nodeA1,400\n1200,nodeA1,100\n"
                 "960,other,5\n1200,other,5\n");
    snprintf(path, sizeof path, "%s/1002.csv", dir);
    writef(path, "timestamp,node,watts\n"
                 "1000,gpuB1,500\n1060,gpuB1,0\n");
}

static void import_small(const char *url, const char *dir)
{
    char meta[1200];
    snprintf(meta, sizeof meta, "%s/meta.csv", dir);
    wn_import_opts o;
    memset(&o, 0, sizeof o);
    o.metadata = meta;
    o.energy_dir = dir;
    wn_import_result r;
    wn_store *s = NULL;
    assert_int_equal(wn_store_open(url, &s), WN_OK);
    int rc = wn_study_import(s, &o, &r);
    if (rc != WN_OK)
        fail_msg("import: %s", wn_errmsg());
    assert_int_equal(r.runs_read, 4);
    assert_int_equal(r.runs_stored, 4);
    assert_int_equal(r.runs_flagged, 2);       /* r3 zero watts, r4 no file */
    assert_int_equal(r.samples, 9);
    assert_int_equal(r.energy_files, 2);
    assert_int_equal(r.nodes, 3);
    /* Idempotent. */
    assert_int_equal(wn_study_import(s, &o, &r), WN_OK);
    assert_int_equal(r.runs_stored, 0);
    assert_int_equal(r.runs_present, 4);
    char *meta_json = NULL;
    int64_t id = 0;
    assert_int_equal(wn_store_imported_meta(s, "butter-e", "r1", &id, &meta_json), WN_OK);
    assert_non_null(strstr(meta_json, "\"slurm_job_id\":\"1001\""));
    assert_non_null(strstr(meta_json, "\"run_data\":\"{\\\"epochs\\\": 10}\""));
    wn_free(meta_json);
    double idle = 0;
    assert_int_equal(wn_store_get_idle(s, "nodeA1", WN_STUDY_IDLE_DOMAIN, &idle), WN_OK);
    assert_true(idle == 100.0);
    wn_run_record *runs = NULL;
    size_t n = 0;
    assert_int_equal(wn_store_load_runs(s, &runs, &n), WN_OK);
    assert_int_equal(n, 4);
    int seen = 0;
    for (size_t i = 0; i < n; i++) {
        const wn_run_record *rr = &runs[i];
        if (rr->run_id == id) {
            /* [1000, 1150]: 100*20 + 200*60 + 300*60 + 400*10 */
            assert_true(rr->energy.measured);
            assert_true(fabs(rr->energy.energy_j - 36000.0) < 1e-9);
            assert_string_equal(rr->host, "nodeA1");
            assert_string_equal(rr->data_source, "butter-e-cpu");
            assert_int_equal(rr->spec.train.epochs, 10);
            assert_int_equal(rr->spec.train.depth, 3);
            assert_true(rr->summary.params > 0);
            assert_true(rr->has_jpd);
            seen++;
        } else if (!strcmp(rr->data_source, "butter-e-gpu")) {
            assert_false(rr->energy.measured);
            assert_true(!strcmp(rr->energy.flag, "zero-watts") ||
                        !strcmp(rr->energy.flag, "no-samples"));
            seen++;
        } else {
            /* r2: ISO times, [1200, 1260.5] at the last reading, 100 W. */
            assert_true(fabs(rr->start_time - 1200.0) < 1e-9);
            assert_true(fabs(rr->end_time - 1260.5) < 1e-9);
            assert_true(fabs(rr->energy.energy_j - 6050.0) < 1e-9);
            /* run_data's "epochs": -5 is not a count: the default */
            assert_int_equal(rr->spec.train.epochs, 3000);
            seen++;
        }
    }
    assert_int_equal(seen, 4);
    wn_run_records_free(&runs, n);
    wn_store_close(&s);
}

static void test_import_sqlite(void **state)
{
    (void)state;
    char dir[1024], url[1200];
    fx_tmpdir(dir, sizeof dir, "study-import");
    small_fixture(dir);
    snprintf(url, sizeof url, "%s/runs.db", dir);
    import_small(url, dir);
    fx_rmdir(dir);
}

/* The standardised CSV gives the energy of a run without a job file (r4),
 * and a malformed value there names its place. */
static void test_import_standardised(void **state)
{
    (void)state;
    char dir[1024], url[1200], meta[1200], std[1200], want[1400];
    fx_tmpdir(dir, sizeof dir, "study-std");
    small_fixture(dir);
    snprintf(url, sizeof url, "%s/runs.db", dir);
    snprintf(meta, sizeof meta, "%s/meta.csv", dir);
    snprintf(std, sizeof std, "%s/std.csv", dir);
    writef(std, "run_id,energy,run_time,std_power,std_energy,energy_overhead,"
                "non_overhead_energy,non_overhead_runtime\n"
                "r4,12345.5,100,,,,,42.25\nr99,1,1,,,,,1\n");
    wn_import_opts o;
    memset(&o, 0, sizeof o);
    o.metadata = meta;
    o.energy_dir = dir;
    o.standardised = std;
    wn_store *s = NULL;
    wn_import_result res;
    assert_int_equal(wn_store_open(url, &s), WN_OK);
    if (wn_study_import(s, &o, &res) != WN_OK)
        fail_msg("import: %s", wn_errmsg());
    assert_int_equal(res.runs_flagged, 1);         /* only r3 (0 W) now */
    int64_t id = 0;
    char *mj = NULL;
    assert_int_equal(wn_store_imported_meta(s, "butter-e", "r4", &id, &mj), WN_OK);
    wn_free(mj);
    wn_run_record *runs = NULL;
    size_t n = 0;
    assert_int_equal(wn_store_load_runs(s, &runs, &n), WN_OK);
    int seen = 0;
    for (size_t i = 0; i < n; i++)
        if (runs[i].run_id == id) {
            assert_true(runs[i].energy.measured);
            assert_true(runs[i].energy.energy_j == 12345.5);
            assert_string_equal(runs[i].energy.source, "butter-e");
            assert_true(runs[i].summary.seconds_total == 42.25);
            seen = 1;
        }
    assert_true(seen);
    wn_run_records_free(&runs, n);
    wn_store_close(&s);
    writef(std, "run_id,energy\nr4,12k\n");
    snprintf(url, sizeof url, "%s/runs2.db", dir);
    assert_int_equal(wn_store_open(url, &s), WN_OK);
    assert_int_equal(wn_study_import(s, &o, NULL), WN_EFORMAT);
    snprintf(want, sizeof want, "%s:2:4: energy '12k' is not a number", std);
    if (!strstr(wn_errmsg(), want))
        fail_msg("error '%s' lacks '%s'", wn_errmsg(), want);
    wn_store_close(&s);
    assert_int_equal(count_runs(url), 0);
    fx_rmdir(dir);
}

static void test_import_pg(void **state)
{
    (void)state;
    const char *url = fx_pg_url();
    if (!url) {
        print_message("WATTNET_TEST_PG_URL unset: PostgreSQL import skipped\n");
        return;
    }
    char dir[1024];
    fx_tmpdir(dir, sizeof dir, "study-import-pg");
    small_fixture(dir);
    import_small(url, dir);
    fx_rmdir(dir);
}

/* ---- malformed rows ---------------------------------------------------------------- */

static void expect_error(const char *dir, const char *want)
{
    char meta[1200], url[1200];
    snprintf(meta, sizeof meta, "%s/meta.csv", dir);
    snprintf(url, sizeof url, "%s/err.db", dir);
    remove(url);
    wn_import_opts o;
    memset(&o, 0, sizeof o);
    o.metadata = meta;
    o.energy_dir = dir;
    wn_store *s = NULL;
    assert_int_equal(wn_store_open(url, &s), WN_OK);
    assert_int_equal(wn_study_import(s, &o, NULL), WN_EFORMAT);
    if (!strstr(wn_errmsg(), want))
        fail_msg("error '%s' lacks '%s'", wn_errmsg(), want);
    wn_store_close(&s);
    assert_int_equal(count_runs(url), 0);     /* nothing half stored */
}

static void test_malformed_rows(void **state)
{
    (void)state;
    char dir[1024], path[1200], want[1400];
    fx_tmpdir(dir, sizeof dir, "study-bad");
    small_fixture(dir);
    snprintf(path, sizeof path, "%s/1002.csv", dir);
    writef(path, "timestamp,node,watts\n1000,gpuB1,500\n1060,gpuB1,lots\n");
    snprintf(want, sizeof want, "%s:3:12: watts 'lots' is not a number", path);
    expect_error(dir, want);
    writef(path, "1000,gpuB1,500\n990,gpuB1,5\n");
    snprintf(want, sizeof want, "%s:2:1: node gpuB1: timestamps go backwards", path);
    expect_error(dir, want);
    writef(path, "1000,gpuB1\n");
    snprintf(want, sizeof want, "%s:1:12: 2 fields, expected 3", path);
    expect_error(dir, want);
    small_fixture(dir);
    snprintf(path, sizeof path, "%s/meta.csv", dir);
    FILE *f = fopen(path, "a");
    assert_non_null(f);
    fputs("r9,7,,1001,1000,1150,nodeA1,big,3,rectangle,adult,0.0001,256,Adam,"
          "false,,energy_1\n", f);
    fclose(f);
    snprintf(want, sizeof want, "%s:6:29: size 'big' is not a whole number", path);
    expect_error(dir, want);
    small_fixture(dir);
    f = fopen(path, "a");
    assert_non_null(f);
    fputs("r9,7,,1001,1000,1150,nodeA1,1,3,rectangle,adult,0.0001,256,Adam,"
          "maybe,,energy_1\n", f);
    fclose(f);
    snprintf(want, sizeof want, "%s:6:65: is_gpu 'maybe'", path);
    expect_error(dir, want);
    fx_rmdir(dir);
}

/* ---- export, then import --------------------------------------------------------------- */

static void test_round_trip(void **state)
{
    (void)state;
    char dir[1024], src[1200], dst[1200], meta[1200], key[32];
    fx_tmpdir(dir, sizeof dir, "study-trip");
    snprintf(src, sizeof src, "%s/src.db", dir);
    snprintf(dst, sizeof dst, "%s/dst.db", dir);
    snprintf(meta, sizeof meta, "%s/out/runs.csv", dir);
    wn_store *s = NULL, *d = NULL;
    const size_t N = 7;
    assert_int_equal(wn_store_open(src, &s), WN_OK);
    for (size_t k = 0; k < N; k++) {
        wn_run_record r;
        fx_record(&r, (int)k, 2);
        r.energy.energy_j *= 1.0 + 1.0 / 3.0;      /* not a short decimal */
        if (k == 3)
            r.energy.measured = 0;                 /* did not measure */
        if (k == 5) {
            r.energy.is_estimate = 1;              /* not a reading */
            snprintf(r.energy.source, sizeof r.energy.source, "estimate");
        }
        assert_int_equal(wn_store_put_run(s, &r), WN_OK);
        fx_record_free(&r);
    }
    char out[1200];
    snprintf(out, sizeof out, "%s/out", dir);
    assert_int_equal(wn_store_export(s, "butter-e", out, NULL), WN_OK);
    wn_import_opts o;
    memset(&o, 0, sizeof o);
    o.metadata = meta;
    assert_int_equal(wn_store_open(dst, &d), WN_OK);
    wn_import_result res;
    if (wn_study_import(d, &o, &res) != WN_OK)
        fail_msg("import: %s", wn_errmsg());
    assert_int_equal(res.runs_stored, N);
    wn_run_record *a = NULL, *b = NULL;
    size_t na = 0, nb = 0;
    assert_int_equal(wn_store_load_runs(s, &a, &na), WN_OK);
    assert_int_equal(wn_store_load_runs(d, &b, &nb), WN_OK);
    assert_int_equal(na, nb);
    for (size_t i = 0; i < na; i++) {
        int64_t id = 0;
        char *mj = NULL;
        snprintf(key, sizeof key, "%lld", (long long)a[i].run_id);
        assert_int_equal(wn_store_imported_meta(d, "butter-e", key, &id, &mj), WN_OK);
        wn_free(mj);
        const wn_run_record *x = &a[i], *y = NULL;
        for (size_t j = 0; j < nb; j++)
            if (b[j].run_id == id)
                y = &b[j];
        assert_non_null(y);
        assert_string_equal(x->host, y->host);
        assert_string_equal(x->dataset_name, y->dataset_name);
        assert_string_equal(x->spec.train.shape, y->spec.train.shape);
        assert_int_equal(x->spec.train.depth, y->spec.train.depth);
        assert_int_equal(x->spec.train.size, y->spec.train.size);
        assert_int_equal(x->spec.train.batch, y->spec.train.batch);
        assert_int_equal(x->spec.train.epochs, y->spec.train.epochs);   /* via run_data */
        assert_true(x->spec.train.learning_rate == y->spec.train.learning_rate);
        assert_true(fabs(x->start_time - y->start_time) < 1e-6);
        assert_true(fabs(x->end_time - y->end_time) < 1e-6);
        assert_true(x->summary.seconds_total == y->summary.seconds_total);
        int reading = x->energy.measured && !x->energy.is_estimate;
        assert_int_equal(y->energy.measured, reading);
        if (reading) {
            double rel = fabs(x->energy.energy_j - y->energy.energy_j) /
                         fabs(x->energy.energy_j);
            if (!(rel <= 1e-9))
                fail_msg("run %zu: %.17g J exported, %.17g imported", i,
                         x->energy.energy_j, y->energy.energy_j);
        }
    }
    wn_run_records_free(&a, na);
    wn_run_records_free(&b, nb);
    wn_store_close(&s);
    wn_store_close(&d);
    fx_rmdir(dir);
}

/* ---- the planted fixture -------------------------------------------------------------- */

struct plan {
    const char *node;
    double idle_w;
    int is_gpu;
    const char *dataset;
    uint64_t size;
    double dur_s;
    int zero;                  /* one 0 W reading inside the window */
};

/* Write run K of P as job 5000+K: 30 idle minutes, the run at idle+100 W,
 * 30 idle minutes (samples every 60 s, the window on the grid). */
static void plant_run(FILE *meta, const char *dir, int k, const struct plan *p)
{
    char path[1200];
    double job0 = 1.7e9 + 200000.0 * k, t0 = job0 + 1800.0, t1 = t0 + p->dur_s;
    fprintf(meta, "p%d,1,,%d,%.3f,%.3f,%s,%llu,3,rectangle,%s,0.0001,256,Adam,%s,,e\n",
            k, 5000 + k, t0, t1, p->node, (unsigned long long)p->size, p->dataset,
            p->is_gpu ? "true" : "false");
    snprintf(path, sizeof path, "%s/%d.csv", dir, 5000 + k);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("timestamp,node,watts\n", f);
    int zeroed = 0;
    for (double t = job0; t <= t1 + 1800.0; t += 60.0) {
        double w = (t >= t0 && t < t1) ? p->idle_w + 100.0 : p->idle_w;
        if (p->zero && t > t0 && t < t1 && !zeroed) {
            w = 0.0;
            zeroed = 1;
        }
        fprintf(f, "%.3f,%s,%.3f\n", t, p->node, w);
    }
    fclose(f);
}

static void test_planted_fixture(void **state)
{
    (void)state;
    static const char *const cpu_nodes[] = { "cpuA1", "cpuA2", "cpuA3", "cpuB1", "cpuB2" };
    static const double cpu_idle[] = { 220, 222, 230, 309, 311 };
    static const char *const gpu_nodes[] = { "gpuC1", "gpuC2", "gpuC3" };
    static const double gpu_idle[] = { 374, 376, 380 };
    struct plan plans[128];
    size_t n = 0;
    /* 21 small 505_tecator CPU runs on cpuA1: overhead = 2nd smallest. */
    for (int k = 0; k < 21; k++)
        plans[n++] = (struct plan){ "cpuA1", 220, 0, "505_tecator", 512,
                                    600.0 + 60.0 * k, 0 };
    /* 5 small GPU ones on gpuC1: the 5th percentile interpolates. */
    for (int k = 0; k < 5; k++)
        plans[n++] = (struct plan){ "gpuC1", 374, 1, "505_tecator", 256,
                                    1200.0 + 120.0 * k, 0 };
    size_t zero_run = n;
    plans[n++] = (struct plan){ "cpuA2", 222, 0, "adult", 2048, 900.0, 1 };
    size_t long_run = n;
    plans[n++] = (struct plan){ "cpuA1", 220, 0, "adult", 8192, 75060.0, 0 };
    /* One (cpu, adult, 4096) group: 60 runs at 600 s and 1200 s on every CPU
     * node, and one 5 sigma (of the others) above their log mean. */
    for (int k = 0; k < 60; k++)
        plans[n++] = (struct plan){ cpu_nodes[k % 5], cpu_idle[k % 5], 0, "adult",
                                    4096, k % 2 ? 1200.0 : 600.0, 0 };
    double d = 0.5 * log(2.0) * sqrt(60.0 / 59.0);
    size_t outlier = n;
    plans[n++] = (struct plan){ "cpuB1", 309, 0, "adult", 4096,
                                round(sqrt(600.0 * 1200.0) * exp(5.0 * d)), 0 };
    for (int k = 0; k < 9; k++)
        plans[n++] = (struct plan){ gpu_nodes[k % 3], gpu_idle[k % 3], 1, "adult",
                                    4096, 300.0 + 10.0 * k, 0 };
    char dir[1024], path[1200], url[1200];
    fx_tmpdir(dir, sizeof dir, "study-plant");
    snprintf(path, sizeof path, "%s/meta.csv", dir);
    snprintf(url, sizeof url, "%s/runs.db", dir);
    FILE *meta = fopen(path, "w");
    assert_non_null(meta);
    fputs(meta_header, meta);
    for (size_t k = 0; k < n; k++)
        plant_run(meta, dir, (int)k, &plans[k]);
    fclose(meta);

    wn_store *s = NULL;
    wn_import_opts o;
    memset(&o, 0, sizeof o);
    o.metadata = path;
    o.energy_dir = dir;
    assert_int_equal(wn_store_open(url, &s), WN_OK);
    if (wn_study_import(s, &o, NULL) != WN_OK)
        fail_msg("import: %s", wn_errmsg());
    wn_study_result r;
    assert_int_equal(wn_study_analyze_store(s, NULL, &r), WN_OK);
    assert_false(r.time_only);
    assert_int_equal(r.runs_in, n);
    assert_int_equal(r.dropped_energy, 1);
    assert_int_equal(r.dropped_runtime, 1);
    assert_int_equal(r.dropped_outlier, 1);
    assert_int_equal(r.n_dropped_ids, 3);
    size_t planted[3] = { zero_run, long_run, outlier };
    for (int i = 0; i < 3; i++) {
        char key[16], *mj = NULL;
        int64_t id = 0;
        snprintf(key, sizeof key, "p%zu", planted[i]);
        assert_int_equal(wn_store_imported_meta(s, "butter-e", key, &id, &mj), WN_OK);
        wn_free(mj);
        int found = 0;
        for (size_t j = 0; j < r.n_dropped_ids; j++)
            found |= r.dropped_ids[j] == id;
        if (!found)
            fail_msg("planted run %s was not dropped", key);
    }
    assert_int_equal(r.overhead_dataset_runs, 26);
    /* Idle per node type: the median of the nodes' 2nd percentiles. */
    const wn_study_device *cpu = &r.dev[0], *gpu = &r.dev[1];
    assert_int_equal(cpu->n_types, 2);
    for (size_t t = 0; t < cpu->n_types; t++) {
        if (!strcmp(cpu->types[t].name, "cpu:cpuA")) {
            assert_true(cpu->types[t].idle_w == 222.0);
            assert_int_equal(cpu->types[t].n_nodes, 3);
        } else {
            assert_string_equal(cpu->types[t].name, "cpu:cpuB");
            assert_true(cpu->types[t].idle_w == 310.0);
        }
    }
    assert_string_equal(cpu->ref_type, "cpu:cpuA");
    assert_int_equal(gpu->n_types, 1);
    assert_true(gpu->types[0].idle_w == 376.0);
    /* Overheads: CPU 2nd smallest of 21 (660 s at 320 W); GPU at 0.2 of
     * the way from the smallest to the next (1224 s at 474 W). */
    assert_true(cpu->has_overhead && gpu->has_overhead);
    assert_int_equal(cpu->overhead_runs, 21);
    assert_true(fabs(cpu->overhead_s - 660.0) < 1e-6);
    assert_true(fabs(cpu->overhead_j - 320.0 * 660.0) < 1e-6);
    assert_true(fabs(gpu->overhead_s - 1224.0) < 1e-6);
    assert_true(fabs(gpu->overhead_j - 474.0 * 1224.0) < 1e-6);
    assert_int_equal(r.runs_kept, n - 3 - 26);
    char *json = wn_study_result_json(&r);
    assert_non_null(json);
    assert_non_null(strstr(json, "\"log_runtime_outlier\":1"));
    wn_free(json);
    wn_study_result_clear(&r);
    wn_store_close(&s);
    fx_rmdir(dir);
}

/* ---- planted marginal costs (the pipeline alone) ---------------------------------------- */

struct law {
    double k0, kp, kl;         /* J per datum = k0 + kp * params + kl * depth */
};

static size_t grid(wn_study_run *v, int is_gpu, const struct law *law,
                   const double *params, size_t n_params, int energy)
{
    static const size_t rows[] = { 2560, 5120, 10240 };
    static const char *const names[] = { "d1", "d2", "d3" };
    size_t n = 0;
    for (int ds = 0; ds < 3; ds++)
        for (size_t depth = 3; depth <= 5; depth++)
            for (size_t p = 0; p < n_params; p++)
                for (int rep = 0; rep < 3; rep++) {
                    wn_study_run *r = &v[n++];
                    memset(r, 0, sizeof *r);
                    r->run_id = (int64_t)n + (is_gpu ? 100000 : 0);
                    r->is_gpu = is_gpu;
                    snprintf(r->node, sizeof r->node, "%s", is_gpu ? "g1" : "c1");
                    snprintf(r->node_type, sizeof r->node_type, "%s", r->node);
                    snprintf(r->dataset, sizeof r->dataset, "%s", names[ds]);
                    snprintf(r->shape, sizeof r->shape, "rectangle");
                    r->depth = depth;
                    r->size = (uint64_t)params[p];
                    r->params = (uint64_t)params[p];
                    r->batch = 256;
                    r->epochs = 10;
                    r->train_rows = rows[ds];
                    double j = law->k0 + law->kp * params[p] + law->kl * (double)depth;
                    if (law->kl == 0 && p >= n_params / 2)
                        j *= 3.0;                  /* the step law */
                    double e = j * (double)rows[ds] * 10.0 * (1.0 + 0.01 * (rep - 1));
                    r->has_energy = energy;
                    r->energy_j = energy ? e : 0;
                    r->seconds = energy ? 100.0 + rep : e;
                }
    return n;
}

static void close_to(double got, double want, const char *what)
{
    if (!(fabs(got - want) <= 1e-6 * fabs(want)))
        fail_msg("%s: %.9g, planted %.9g", what, got, want);
}

static void test_planted_costs(void **state)
{
    (void)state;
    static wn_study_run v[512];
    const double params[] = { 1048576.0, 2097152.0, 4194304.0 };
    const struct law cpu = { 1e-4, 2e-9, 1e-4 }, gpu = { 3e-3, 1e-9, 2e-5 };
    size_t n = grid(v, 0, &cpu, params, 3, 1);
    n += grid(v + n, 1, &gpu, params, 3, 1);
    wn_study_result r;
    assert_int_equal(wn_study_analyze(v, n, NULL, 0, NULL, &r), WN_OK);
    assert_int_equal(r.n_dropped_ids, 0);
    assert_int_equal(r.configs, 2 * 27);
    const wn_study_device *c = &r.dev[0], *g = &r.dev[1];
    assert_true(c->per_param_datum.has && g->per_param_datum.has);
    close_to(c->per_param_datum.value, 2e-9, "CPU J/param/datum");
    close_to(g->per_param_datum.value, 1e-9, "GPU J/param/datum");
    close_to(c->per_layer_datum.value, 1e-4, "CPU J/layer/datum");
    close_to(g->per_layer_datum.value, 2e-5, "GPU J/layer/datum");
    close_to(c->per_row_epoch.value, 1e-4 + 2e-9 * 2097152.0 + 4e-4, "CPU J/row/epoch");
    assert_int_equal(c->per_param_datum.n_groups, 9);
    assert_int_equal(c->per_param_datum.n_runs, 81);
    assert_true(r.has_crossover);
    assert_true(r.crossover_params == 4194304.0);
    assert_int_equal(c->n_steps, 0);
    wn_study_result_clear(&r);

    /* Time only: the same law in seconds. */
    n = grid(v, 0, &cpu, params, 3, 0);
    assert_int_equal(wn_study_analyze(v, n, NULL, 0, NULL, &r), WN_OK);
    assert_true(r.time_only);
    close_to(r.dev[0].per_param_datum.value, 2e-9, "CPU s/param/datum");
    char *json = wn_study_result_json(&r);
    assert_non_null(strstr(json, "\"unit\":\"s\",\"time_only\":true"));
    wn_free(json);
    wn_study_result_clear(&r);
    /* A meter that only ever read 0 W (perf's psys here): time, not drops. */
    for (size_t i = 0; i < n; i++)
        v[i].has_energy = v[i].energy_flagged = 1;
    assert_int_equal(wn_study_analyze(v, n, NULL, 0, NULL, &r), WN_OK);
    assert_true(r.time_only);
    assert_int_equal(r.dropped_energy, 0);
    assert_int_equal(r.runs_kept, n);
    wn_study_result_clear(&r);

    /* A step: cost per parameter triples from 2^12 parameters (2^16 B). */
    const double small[] = { 1024.0, 2048.0, 4096.0, 8192.0 };
    const struct law step = { 0, 1e-9, 0 };
    n = grid(v, 0, &step, small, 4, 1);
    assert_int_equal(wn_study_analyze(v, n, NULL, 0, NULL, &r), WN_OK);
    assert_int_equal(r.dev[0].n_steps, 1);
    assert_true(r.dev[0].steps[0].ws_bytes == 65536.0);
    close_to(r.dev[0].steps[0].ratio, 3.0, "step ratio");
    assert_int_equal(r.dev[0].steps[0].level, 1);     /* 2^16 B: near L1 32 KiB */
    assert_true(r.dev[0].steps[0].cache_bytes == 32768.0);
    wn_study_result_clear(&r);
}

/* ---- allocation faults ---------------------------------------------------------------- */

/* Countdown fault injection over the import: each run either succeeds or
 * fails with a message, and a failed import stores all four runs or none
 * (one transaction), never a part of one. */
static void test_import_alloc_faults(void **state)
{
    (void)state;
    char dir[1024], meta[1200], url[1200];
    fx_tmpdir(dir, sizeof dir, "study-fault");
    small_fixture(dir);
    snprintf(meta, sizeof meta, "%s/meta.csv", dir);
    int ok = 0;
    for (long after = 0; after < 5000 && !ok; after++) {
        snprintf(url, sizeof url, "%s/f.db", dir);
        remove(url);
        wn_store *s = NULL;
        assert_int_equal(wn_store_open(url, &s), WN_OK);
        wn_import_opts o;
        memset(&o, 0, sizeof o);
        o.metadata = meta;
        o.energy_dir = dir;
        wn_fault_alloc(after, 1);
        int rc = wn_study_import(s, &o, NULL);
        long hits = wn_fault_alloc(-1, 0);
        wn_store_close(&s);
        size_t n = count_runs(url);
        if (hits == 0) {
            assert_int_equal(rc, WN_OK);
            assert_int_equal(n, 4);
            ok = 1;
        } else {
            assert_int_not_equal(rc, WN_OK);
            assert_true(wn_errmsg()[0] != '\0');
            assert_true(n == 0 || n == 4);
        }
    }
    assert_true(ok);
    fx_rmdir(dir);
}

/* ---- width-search tolerance --------------------------------------------------------- */

static void test_width_tolerance(void **state)
{
    (void)state;
    size_t w[WN_MAX_DEPTH];
    uint64_t p = 0;
    /* 126 inputs, 3 outputs, depth 2: the smallest network has 133. */
    assert_int_equal(wn_shape_widths_tol(126, 3, "rectangle", 2, 100, 0.2, w, &p),
                     WN_EINVAL);
    assert_non_null(strstr(wn_errmsg(), "within 20%"));
    assert_int_equal(wn_shape_widths_tol(126, 3, "rectangle", 2, 100, 0.5, w, &p), WN_OK);
    assert_int_equal(p, 133);
    assert_int_equal(wn_shape_widths_tol(126, 3, "rectangle", 2, 90, 0.5, w, &p), WN_OK);
    assert_int_equal(wn_shape_widths_tol(126, 3, "rectangle", 2, 88, 0.5, w, &p),
                     WN_EINVAL);
    assert_int_equal(wn_shape_widths_tol(126, 3, "rectangle", 2, 1, INFINITY, w, &p),
                     WN_OK);
    assert_int_equal(wn_shape_widths_tol(126, 3, "rectangle", 2, 100, 0, w, &p),
                     WN_EINVAL);
    /* The butter-e preset: 0.2 gives the sweep's own count, 0.5 more, none
     * every combination. */
    wn_sweep_spec *sp = NULL;
    wn_sweep_plan plan;
    size_t n02 = 0, n05 = 0, nall = 0, d02 = 0;
    assert_int_equal(wn_sweep_preset("butter-e", NULL, &sp), WN_OK);
    assert_int_equal(wn_sweep_expand(sp, NULL, &plan), WN_OK);
    assert_int_equal(wn_sweep_count_configs(sp, 0.2, &n02, &d02), WN_OK);
    assert_int_equal(wn_sweep_count_configs(sp, 0.5, &n05, NULL), WN_OK);
    assert_int_equal(wn_sweep_count_configs(sp, INFINITY, &nall, NULL), WN_OK);
    assert_int_equal(n02, plan.combos - plan.skipped);
    assert_true(n05 > n02);
    assert_int_equal(nall, plan.combos);
    assert_true(d02 < n02);
    wn_sweep_plan_clear(&plan);
    wn_sweep_spec_free(&sp);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_window_rule),
        cmocka_unit_test(test_hist_quantile),
        cmocka_unit_test(test_import_sqlite),
        cmocka_unit_test(test_import_standardised),
        cmocka_unit_test(test_import_pg),
        cmocka_unit_test(test_malformed_rows),
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_planted_fixture),
        cmocka_unit_test(test_planted_costs),
        cmocka_unit_test(test_width_tolerance),
        cmocka_unit_test(test_import_alloc_faults),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
