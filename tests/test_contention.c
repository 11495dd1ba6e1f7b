/*
 * test_contention.c - per-epoch contention (issue 10): a planted
 * /proc/stat read through WATTNET_PROC_STAT, fake rusage deltas giving
 * clean and contended verdicts for each rule (and their edges), the time
 * target taking the fastest clean epoch over a faster contended one and
 * falling back, flagged, when no epoch is clean, fit's count of the runs
 * it left out or kept, the stored evidence round-tripping on SQLite and
 * PostgreSQL, and a database from before (schema 4) reading as unknown.
 */
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#define FX_PG_SCHEMA "wn_test_contention"
#include "store_fixture.h"

#include <wattnet/model.h>

#include "core/procstat.h"
#include "model/synth.h"
#include "nn/epoch_quality.h"
#include "model_fixture.h"

static char tmpdir[1024];

static int setup(void **state)
{
    (void)state;
    fx_tmpdir(tmpdir, sizeof tmpdir, "contention");
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    unsetenv("WATTNET_PROC_STAT");
    fx_rmdir(tmpdir);
    return 0;
}

/* Plant a /proc/stat whose aggregate line has these steal and idle ticks
 * (user 100, nice 0, system 50, iowait 0, irq 0, softirq 0). */
static void plant_stat(const char *path, double idle, double steal)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fprintf(f, "cpu  100 0 50 %.0f 0 0 0 %.0f 0 0\n"
               "cpu0 50 0 25 10 0 0 0 0 0 0\n"
               "intr 12345\n", idle, steal);
    fclose(f);
    setenv("WATTNET_PROC_STAT", path, 1);
}

/* ---- the leaf: /proc/stat and samples ------------------------------------- */

static void test_procstat_parse_and_plant(void **state)
{
    (void)state;
    double steal = -1, total = -1;
    assert_true(wn__procstat_parse("cpu  1 2 3 4 5 6 7 8 9 10\ncpu0 1\n", &steal, &total));
    assert_true(steal == 8.0);
    assert_true(total == 36.0);            /* guest fields not added again */
    assert_true(wn__procstat_parse("cpu  1 2 3 4\n", &steal, &total));
    assert_true(steal == 0.0 && total == 10.0);   /* an old kernel: no steal */
    assert_false(wn__procstat_parse("cpu0 1 2 3 4 5 6 7 8\n", &steal, &total));
    assert_false(wn__procstat_parse("cpu  1 2\n", &steal, &total));
    assert_false(wn__procstat_parse("", &steal, &total));
    assert_false(wn__procstat_parse(NULL, &steal, &total));

    char path[1200];
    snprintf(path, sizeof path, "%s/stat", tmpdir);
    plant_stat(path, 1000, 30);
    struct wn__proc_sample a;
    wn__proc_sample_take(&a);
    assert_true(a.has_self);
    assert_true(a.cpu_s > 0.0);
    assert_true(a.has_host);
    assert_true(a.steal_ticks == 30.0);
    assert_true(a.total_ticks == 1180.0);
    snprintf(path, sizeof path, "%s/missing", tmpdir);
    setenv("WATTNET_PROC_STAT", path, 1);
    wn__proc_sample_take(&a);
    assert_false(a.has_host);
    assert_true(a.has_self);
    unsetenv("WATTNET_PROC_STAT");
}

/* Two samples: CPU seconds and switches of this process, host ticks. */
static void samples(struct wn__proc_sample *a, struct wn__proc_sample *b,
                    double cpu_s, int64_t nivcsw, double total, double steal)
{
    memset(a, 0, sizeof *a);
    memset(b, 0, sizeof *b);
    a->has_self = b->has_self = 1;
    a->has_host = b->has_host = 1;
    a->cpu_s = 10.0;
    b->cpu_s = 10.0 + cpu_s;
    a->nivcsw = 100;
    b->nivcsw = 100 + nivcsw;
    a->total_ticks = 5000.0;
    b->total_ticks = 5000.0 + total;
    a->steal_ticks = 40.0;
    b->steal_ticks = 40.0 + steal;
}

static unsigned verdict(double wall, int threads, double cpu_s, int64_t nivcsw,
                        double total, double steal)
{
    struct wn__proc_sample a, b;
    wn_epoch_stats st;
    memset(&st, 0, sizeof st);
    st.seconds = wall;
    samples(&a, &b, cpu_s, nivcsw, total, steal);
    wn__epoch_quality_fill(&st, &a, &b);
    return wn_epoch_contention(&st, threads);
}

static void test_verdicts_from_fake_deltas(void **state)
{
    (void)state;
    char why[48];
    /* Quiet: 2 threads over 1 s using 1.9 CPU s, 3 preemptions, no steal. */
    assert_int_equal(verdict(1.0, 2, 1.9, 3, 200, 0), 0);
    /* Quiet and mostly serial: one CPU busy of two threads is clean. */
    assert_int_equal(verdict(1.0, 2, 0.98, 0, 200, 0), 0);
    /* Descheduled: 2 threads got 0.6 CPU s in 1 s (three 2-thread jobs on
     * two cores). */
    assert_int_equal(verdict(1.0, 2, 0.6, 10, 200, 0), WN_CONTENDED_CPU);
    /* Preempted 300 times in 1 s with 2 threads (> 100 per thread-second)
     * while still getting its CPUs. */
    assert_int_equal(verdict(1.0, 2, 1.5, 300, 200, 0), WN_CONTENDED_SWITCHES);
    /* One other busy process: 5351 preemptions in 0.75 s with 2 threads,
     * yet 0.98 CPUs (measured on the 2-core VM). */
    assert_int_equal(verdict(0.75, 2, 0.735, 5351, 200, 0), WN_CONTENDED_SWITCHES);
    /* ... but 30 in 1 s is below the rate, and 4 never count. */
    assert_int_equal(verdict(1.0, 2, 1.5, 30, 200, 0), 0);
    /* A quiet 2^20-parameter epoch on the quiet VM: 105 in 2.1 s with 2
     * threads (25 per thread-second, timer ticks and daemons) is clean. */
    assert_int_equal(verdict(2.1, 2, 3.8, 105, 200, 0), 0);
    assert_int_equal(verdict(0.001, 1, 0.001, 4, 0, 0), 0);
    /* Steal: 20 of 200 host ticks stolen (0.10 > 0.05). */
    assert_int_equal(verdict(1.0, 2, 1.9, 0, 200, 20), WN_CONTENDED_STEAL);
    assert_int_equal(verdict(1.0, 2, 1.9, 0, 200, 5), 0);
    /* A window too short to resolve steal: 2 of 10 ticks is not judged. */
    assert_int_equal(verdict(0.05, 1, 0.05, 0, 10, 2), 0);
    /* All three. */
    unsigned all = verdict(1.0, 1, 0.2, 500, 200, 100);
    assert_int_equal(all, WN_CONTENDED_CPU | WN_CONTENDED_SWITCHES |
                          WN_CONTENDED_STEAL);
    assert_string_equal(wn_contention_reasons(all, why, sizeof why),
                        "cpu+switches+steal");
    assert_string_equal(wn_contention_reasons(0, why, sizeof why), "none");
    assert_string_equal(wn_contention_reasons(WN_CONTENDED_UNKNOWN, why, sizeof why),
                        "unknown");
    /* No evidence (a stored-before run): unknown, not contended. */
    wn_epoch_stats st;
    memset(&st, 0, sizeof st);
    st.seconds = 1.0;
    assert_int_equal(wn_epoch_contention(&st, 2), WN_CONTENDED_UNKNOWN);
    assert_false(wn_epoch_contended(&st, 2));
    /* Counters going backwards (a sample from another process) are not
     * evidence. */
    struct wn__proc_sample a, b;
    samples(&a, &b, 1.0, 0, 200, 0);
    b.cpu_s = 1.0;
    b.has_host = 0;
    wn__epoch_quality_fill(&st, &a, &b);
    assert_false(st.has_cpu);
    assert_false(st.has_steal);
    assert_int_equal(wn_epoch_contention(&st, 2), WN_CONTENDED_UNKNOWN);
}

/* Planted /proc/stat files before and after, through the real sampler. */
static void test_steal_through_planted_proc_stat(void **state)
{
    (void)state;
    char path[1200];
    snprintf(path, sizeof path, "%s/stat2", tmpdir);
    struct wn__proc_sample a, b;
    plant_stat(path, 1000, 0);
    wn__proc_sample_take(&a);
    plant_stat(path, 1150, 50);   /* +200 ticks, 50 stolen */
    wn__proc_sample_take(&b);
    unsetenv("WATTNET_PROC_STAT");
    wn_epoch_stats st;
    memset(&st, 0, sizeof st);
    st.seconds = 1.0;
    wn__epoch_quality_fill(&st, &a, &b);
    assert_true(st.has_steal);
    assert_true(fabs(st.steal_fraction - 0.25) < 1e-12);
    assert_true(wn_epoch_contention(&st, 1) & WN_CONTENDED_STEAL);
}

/* ---- the time target ---------------------------------------------------------- */

static void set_epoch(wn_epoch_stats *st, double seconds, int contended)
{
    st->seconds = seconds;
    st->has_cpu = 1;
    st->cpu_seconds = contended ? 0.3 * seconds : 0.95 * seconds;
    st->invol_switches = 0;
}

static void test_time_target_prefers_clean_epochs(void **state)
{
    (void)state;
    wn_run_record r;
    fx_record(&r, 0, 4);
    memset(&r.energy, 0, sizeof r.energy);   /* time only */
    r.has_jpd = 0;
    r.summary.threads = 1;
    set_epoch(&r.epochs[0].stats, 2.0, 0);
    set_epoch(&r.epochs[1].stats, 1.5, 1);   /* faster, but contended */
    set_epoch(&r.epochs[2].stats, 2.2, 0);
    set_epoch(&r.epochs[3].stats, 3.0, 1);
    double per = 17.0 * 256.0, y = 0, sec = 0;
    int all = -1;
    assert_true(wn_run_clean_epoch_seconds(&r, &sec, &all));
    assert_true(sec == 2.0);
    assert_int_equal(all, 0);
    assert_true(wn_run_target(&r, WN_TARGET_TIME, &y));
    assert_true(fabs(y - 2.0 / per) < 1e-15);
    assert_false(wn_run_no_clean_epoch(&r));
    wn_run_contention c;
    wn_run_contention_count(&r, &c);
    assert_int_equal(c.clean, 2);
    assert_int_equal(c.contended, 2);
    assert_int_equal(c.unknown, 0);
    /* No clean epoch: the fastest of all, flagged. */
    set_epoch(&r.epochs[0].stats, 2.0, 1);
    set_epoch(&r.epochs[2].stats, 2.2, 1);
    assert_true(wn_run_clean_epoch_seconds(&r, &sec, &all));
    assert_true(sec == 1.5);
    assert_int_equal(all, 1);
    assert_true(wn_run_no_clean_epoch(&r));
    /* Epochs without evidence (stored before): the fastest, as before. */
    for (size_t e = 0; e < 4; e++)
        r.epochs[e].stats.has_cpu = 0;
    assert_true(wn_run_clean_epoch_seconds(&r, &sec, &all));
    assert_true(sec == 1.5);
    assert_int_equal(all, 0);
    assert_false(wn_run_no_clean_epoch(&r));
    /* Without epoch records, the stored count decides the flag. */
    wn_epoch_record *keep = r.epochs;
    r.epochs = NULL;
    r.n_epochs = 0;
    r.summary.epochs = 4;
    r.summary.has_contention = 1;
    r.summary.epochs_contended = 4;
    assert_true(wn_run_no_clean_epoch(&r));
    r.summary.epochs_contended = 3;
    assert_false(wn_run_no_clean_epoch(&r));
    r.epochs = keep;
    r.n_epochs = 4;
    fx_record_free(&r);
}

/* ---- fit: left out, kept, counted ---------------------------------------------- */

/* Judge every epoch of runs[i]: clean, or contended (slowed 3x) in
 * every epoch (mode 2) or all but one (mode 1). */
static void mark(wn_run_record *r, int mode)
{
    r->summary.threads = 1;
    for (size_t e = 0; e < r->n_epochs; e++) {
        int cont = mode == 2 || (mode == 1 && e > 0);
        if (cont)
            r->epochs[e].stats.seconds *= 3.0;
        set_epoch(&r->epochs[e].stats, r->epochs[e].stats.seconds, cont);
    }
}

static void test_fit_reports_contended_runs(void **state)
{
    (void)state;
    wn_hw_profile hw = test_profile();
    double flops[1] = {3e-10};
    wn_synth_opts so = {.seed = 13, .noise_sigma = 0.02, .energy = 0,
                        .kind = WN_MODEL_FLOPS, .coefs = flops, .n_sizes = 3,
                        .epochs = 3};
    wn_run_record *runs = NULL;
    size_t n = 0;
    assert_int_equal(wn__synth_runs(&hw, &so, &runs, &n), WN_OK);
    assert_true(n > 12);
    for (size_t i = 0; i < n; i++)
        mark(&runs[i], i < 3 ? 2 : i < 5 ? 1 : 0);
    wn_fit_opts o;
    wn_fit_opts_default(&o);
    wn_model *m = wn_calloc(1, sizeof *m);
    assert_non_null(m);
    assert_int_equal(wn_model_fit_runs(runs, n, &hw, &o, m), WN_OK);
    assert_string_equal(m->target, WN_TARGET_TIME);
    assert_int_equal(m->n_contended_left_out, 3);
    assert_int_equal(m->n_contended_kept, 0);
    assert_int_equal(m->n_partly_contended, 2);
    assert_int_equal(m->n_runs, n - 3);
    char *js = wn_model_to_json(m);
    assert_non_null(js);
    assert_non_null(strstr(js, "\"n_contended_left_out\":\t3"));
    wn_model *back = wn_calloc(1, sizeof *back);
    assert_non_null(back);
    assert_int_equal(wn_model_parse(js, "test", back), WN_OK);
    assert_int_equal(back->n_contended_left_out, 3);
    assert_int_equal(back->n_partly_contended, 2);
    wn_free(js);
    wn_free(back);
    /* The caller keeps them. */
    o.keep_contended = 1;
    assert_int_equal(wn_model_fit_runs(runs, n, &hw, &o, m), WN_OK);
    assert_int_equal(m->n_contended_left_out, 0);
    assert_int_equal(m->n_contended_kept, 3);
    assert_int_equal(m->n_runs, n);
    /* Too few clean runs to leave them out: kept, counted. */
    o.keep_contended = 0;
    for (size_t i = 0; i < n; i++)
        if (i % 4)
            mark(&runs[i], 2);
    size_t no_clean = 0;
    for (size_t i = 0; i < n; i++)
        no_clean += wn_run_no_clean_epoch(&runs[i]);
    o.min_runs = n - no_clean + 1;
    assert_int_equal(wn_model_fit_runs(runs, n, &hw, &o, m), WN_OK);
    assert_int_equal(m->n_contended_left_out, 0);
    assert_int_equal(m->n_contended_kept, no_clean);
    /* Energy targets are not touched by the time rule. */
    wn__synth_free(&runs, n);
    so.energy = 1;
    assert_int_equal(wn__synth_runs(&hw, &so, &runs, &n), WN_OK);
    for (size_t i = 0; i < n; i++)
        mark(&runs[i], i < 3 ? 2 : 0);
    wn_fit_opts_default(&o);
    assert_int_equal(wn_model_fit_runs(runs, n, &hw, &o, m), WN_OK);
    assert_string_equal(m->target, WN_TARGET_ENERGY);
    assert_int_equal(m->n_contended_left_out + m->n_contended_kept, 0);
    /* Counting over a set, for status and the report. */
    wn_runs_contention k;
    wn_runs_count_contention(runs, n, &k);
    assert_int_equal(k.runs_judged, n);
    assert_int_equal(k.runs_contended, 3);
    assert_int_equal(k.runs_no_clean, 3);
    assert_int_equal(k.epochs_contended, 9);
    wn__synth_free(&runs, n);
    wn_free(m);
}

/* ---- the store ------------------------------------------------------------------- */

static void contention_round_trip(const char *url)
{
    wn_store *s = NULL;
    assert_int_equal(wn_store_open(url, &s), WN_OK);
    wn_run_record in, bare;
    fx_record(&in, 1, 3);
    in.summary.has_contention = 1;
    in.summary.epochs_contended = 2;
    set_epoch(&in.epochs[0].stats, 0.5, 0);
    in.epochs[0].stats.cpu_seconds = 1.0 / 3.0;
    in.epochs[0].stats.invol_switches = 123456789012LL;
    in.epochs[0].stats.has_steal = 1;
    in.epochs[0].stats.steal_fraction = 0.0625;
    set_epoch(&in.epochs[1].stats, 0.7, 1);   /* CPU, no steal */
    /* epoch 3: nothing measured (a GPU epoch) */
    fx_record(&bare, 2, 1);                   /* nothing known at all */
    assert_int_equal(wn_store_put_run(s, &in), WN_OK);
    assert_int_equal(wn_store_put_run(s, &bare), WN_OK);
    wn_run_record *out = NULL;
    size_t n = 0;
    assert_int_equal(wn_store_load_runs(s, &out, &n), WN_OK);
    assert_int_equal(n, 2);
    assert_true(fx_record_equal(&in, &out[0]));
    assert_int_equal(out[0].summary.has_contention, 1);
    assert_int_equal(out[0].summary.epochs_contended, 2);
    const wn_epoch_stats *e0 = &out[0].epochs[0].stats, *e1 = &out[0].epochs[1].stats,
                         *e2 = &out[0].epochs[2].stats;
    assert_true(e0->has_cpu && e0->has_steal);
    assert_true(e0->cpu_seconds == 1.0 / 3.0);
    assert_true(e0->invol_switches == 123456789012LL);
    assert_true(e0->steal_fraction == 0.0625);
    assert_true(e1->has_cpu && !e1->has_steal);
    assert_true(e1->cpu_seconds == in.epochs[1].stats.cpu_seconds);
    assert_false(e2->has_cpu);
    assert_false(e2->has_steal);
    assert_int_equal(out[1].summary.has_contention, 0);
    assert_false(out[1].epochs[0].stats.has_cpu);
    /* The verdicts agree after the round trip. */
    assert_int_equal(wn_epoch_contended(e1, out[0].summary.threads), 1);
    assert_int_equal(wn_epoch_contended(e0, out[0].summary.threads), 1); /* steal */
    wn_run_records_free(&out, n);
    fx_record_free(&in);
    fx_record_free(&bare);
    wn_store_close(&s);
}

/* A database at schema 4 (before this evidence) with a run and an epoch:
 * opened, migrated, it reads as unknown. */
static void from_schema_4(const char *url)
{
    wn_store *s = NULL;
    assert_int_equal(wn__store_open_raw(url, &s), WN_OK);
    assert_int_equal(wn__store_migrate(s, 4), WN_OK);
    assert_int_equal(wn__store_exec(s, "INSERT INTO runs (id, host, dataset, shape,"
                                       " threads_used) VALUES (1, 'h', 'banana',"
                                       " 'rectangle', 2)"), WN_OK);
    assert_int_equal(wn__store_exec(s, "INSERT INTO epochs (run_id, epoch, seconds)"
                                       " VALUES (1, 1, 0.25)"), WN_OK);
    wn_store_close(&s);
    assert_int_equal(wn_store_open(url, &s), WN_OK);
    int v = 0;
    assert_int_equal(wn_store_schema_version(s, &v), WN_OK);
    assert_int_equal(v, WN_STORE_SCHEMA_VERSION);
    wn_run_record *out = NULL;
    size_t n = 0;
    assert_int_equal(wn_store_load_runs(s, &out, &n), WN_OK);
    assert_int_equal(n, 1);
    assert_int_equal(out[0].summary.has_contention, 0);
    assert_int_equal(out[0].n_epochs, 1);
    assert_false(out[0].epochs[0].stats.has_cpu);
    assert_int_equal(wn_epoch_contention(&out[0].epochs[0].stats, 2),
                     WN_CONTENDED_UNKNOWN);
    assert_false(wn_run_no_clean_epoch(&out[0]));
    wn_run_records_free(&out, n);
    wn_store_close(&s);
}

static void test_sqlite_store(void **state)
{
    (void)state;
    char path[1200];
    snprintf(path, sizeof path, "%s/c.db", tmpdir);
    contention_round_trip(path);
    snprintf(path, sizeof path, "%s/v4.db", tmpdir);
    from_schema_4(path);
}

static void test_pg_store(void **state)
{
    (void)state;
    const char *url = fx_pg_fresh_or_skip();
    contention_round_trip(url);
    assert_int_equal(fx_pg_reset(url), WN_OK);
    from_schema_4(url);
    assert_int_equal(fx_pg_reset(url), WN_OK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_procstat_parse_and_plant),
        cmocka_unit_test(test_verdicts_from_fake_deltas),
        cmocka_unit_test(test_steal_through_planted_proc_stat),
        cmocka_unit_test(test_time_target_prefers_clean_epochs),
        cmocka_unit_test(test_fit_reports_contended_runs),
        cmocka_unit_test(test_sqlite_store),
        cmocka_unit_test(test_pg_store),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
