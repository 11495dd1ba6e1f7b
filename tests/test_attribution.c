/*
 * test_attribution.c - energy shared between co-located processes (issue
 * 10, issue 12 `measure --attribute`) and facility energy / CO2e (issue 12):
 * the CPU-time leaf on a planted /proc (a tree, an unrelated process, a
 * command name with spaces and parentheses), the share, the split of a
 * wn_energy with the whole reading kept, the flag when no share can be
 * computed, the run glue on the real /proc with the simulated meter, the
 * store keeping it, the CLI's JSON, and the carbon arithmetic and fields.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <cjson/cJSON.h>
#include <wattnet/wattnet.h>
#include "meter_fixture.h"
#include "store_fixture.h"
#include "model_fixture.h"

static char proc[256];

/* PROC/PID/stat with the given parent and tick counts. */
static void plant_pid(int pid, const char *comm, int ppid, unsigned long ut,
                      unsigned long st, unsigned long cut, unsigned long cst)
{
    char p[400], text[512];
    snprintf(p, sizeof p, "%s/%d", proc, pid);
    mkdir(p, 0755);
    snprintf(p, sizeof p, "%s/%d/stat", proc, pid);
    snprintf(text, sizeof text, "%d (%s) S %d %d %d 0 -1 4194560 100 0 0 0 "
             "%lu %lu %lu %lu 20 0 1 0 100 1000 10\n", pid, comm, ppid, pid,
             pid, ut, st, cut, cst);
    mf_write(p, text);
}

static void plant_stat(unsigned long user, unsigned long nice,
                       unsigned long sys, unsigned long idle)
{
    char p[400], text[512];
    snprintf(p, sizeof p, "%s/stat", proc);
    snprintf(text, sizeof text, "cpu  %lu %lu %lu %lu 7 3 2 50 0 0\n"
             "cpu0 1 1 1 1 0 0 0 0 0 0\nintr 1\n", user, nice, sys, idle);
    mf_write(p, text);
}

static int setup(void **state)
{
    (void)state;
    mf_tmpdir(proc, sizeof proc, "proc");
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    mf_rmdir(proc);
    return 0;
}

/* ---- the leaf: CPU time from a planted /proc ------------------------------- */

static void test_cputime_planted(void **state)
{
    (void)state;
    double hz = (double)sysconf(_SC_CLK_TCK);
    plant_stat(1000, 0, 500, 9000);
    plant_pid(42, "train (x) y", 1, 100, 20, 5, 5);    /* the root */
    plant_pid(43, "child", 42, 30, 10, 0, 0);
    plant_pid(44, "grandchild", 43, 8, 2, 0, 0);
    plant_pid(50, "other", 1, 700, 100, 0, 0);          /* not ours */
    mf_mkdir(strcat(strcpy((char[400]){0}, proc), "/self"));   /* not a pid */

    double cpu = 0;
    assert_int_equal(wn_cputime_tree(proc, 42, &cpu), WN_OK);
    assert_true(fabs(cpu - (130.0 + 40.0 + 10.0) / hz) < 1e-9);
    assert_int_equal(wn_cputime_tree(proc, 43, &cpu), WN_OK);
    assert_true(fabs(cpu - 50.0 / hz) < 1e-9);
    double busy = 0;
    assert_int_equal(wn_cputime_busy(proc, &busy), WN_OK);
    assert_true(fabs(busy - (1000.0 + 500.0 + 3.0 + 2.0) / hz) < 1e-9);
    assert_int_equal(wn_cputime_tree(proc, 77, &cpu), WN_ENOENT);

    /* $WATTNET_PROC_ROOT stands in for NULL. */
    setenv("WATTNET_PROC_ROOT", proc, 1);
    wn_cputime_sample a, b;
    assert_int_equal(wn_cputime_sample_tree(NULL, 42, &a), WN_OK);
    unsetenv("WATTNET_PROC_ROOT");
    assert_true(fabs(a.proc_s - 180.0 / hz) < 1e-9);
    wn_cputime_sample alone;
    assert_int_equal(wn_cputime_sample_pid(proc, 42, &alone), WN_OK);
    assert_true(fabs(alone.proc_s - 130.0 / hz) < 1e-9);   /* no descendants */
    assert_true(alone.busy_s == a.busy_s);

    /* Over the window the tree does 60 ticks of the host's 240. */
    plant_stat(1200, 0, 540, 9500);
    plant_pid(42, "train (x) y", 1, 140, 30, 5, 5);
    plant_pid(43, "child", 42, 40, 10, 0, 0);
    assert_int_equal(wn_cputime_sample_tree(proc, 42, &b), WN_OK);
    double share = -1;
    assert_int_equal(wn_cputime_share(&a, &b, &share), WN_OK);
    assert_true(fabs(share - 60.0 / 240.0) < 1e-9);
    /* Nothing advanced on the host: no share, and a message. */
    assert_int_equal(wn_cputime_share(&b, &b, &share), WN_EINVAL);
    assert_non_null(strstr(wn_errmsg(), "too short"));
    /* Tick rounding can push past 1: clamped. */
    wn_cputime_sample c = b;
    c.proc_s += 10.0;
    c.busy_s += 5.0;
    assert_int_equal(wn_cputime_share(&b, &c, &share), WN_OK);
    assert_true(share == 1.0);

    /* A malformed stat file is an error, not a zero. */
    char p[400];
    snprintf(p, sizeof p, "%s/stat", proc);
    mf_write(p, "intr 1 2 3\n");
    assert_int_equal(wn_cputime_busy(proc, &busy), WN_EFORMAT);
    snprintf(p, sizeof p, "%s/42/stat", proc);
    mf_write(p, "42 no parenthesis\n");
    assert_int_equal(wn_cputime_tree(proc, 42, &cpu), WN_EFORMAT);
}

/* ---- the split of an energy ---------------------------------------------------- */

static void test_energy_attribute(void **state)
{
    (void)state;
    wn_energy e;
    fx_energy(&e, 10.0, "rapl");           /* 30.1 J, two domains */
    double whole = e.energy_j, dom0 = e.domains[0].energy_j;
    assert_int_equal(wn_energy_attribute(&e, 0.25), 1);
    assert_int_equal(e.attributed, 1);
    assert_true(fabs(e.energy_j - whole * 0.25) < 1e-12);
    assert_true(fabs(e.whole_energy_j - whole) < 1e-12);
    assert_true(fabs(e.domains[0].energy_j - dom0 * 0.25) < 1e-12);
    assert_true(fabs(e.dynamic_energy_j -
                     (e.energy_j - e.idle_power_w * e.seconds)) < 1e-9);
    assert_true(wn_energy_usable(&e));
    /* Not twice. */
    assert_int_equal(wn_energy_attribute(&e, 0.5), 0);
    assert_true(fabs(e.energy_j - whole * 0.25) < 1e-12);

    char *js = wn_energy_json_string(&e);
    assert_non_null(js);
    assert_non_null(strstr(js, "\"attributed\":true"));
    assert_non_null(strstr(js, "\"cpu_share\":0.25"));
    assert_non_null(strstr(js, "\"whole_energy_j\":30.1"));
    wn_free(js);

    /* An estimate is already this process's own: never split. */
    fx_energy(&e, 10.0, "estimate");
    e.is_estimate = 1;
    assert_int_equal(wn_energy_attribute(&e, 0.5), 0);
    assert_int_equal(e.attributed, 0);
    js = wn_energy_json_string(&e);
    assert_null(strstr(js, "attributed"));
    wn_free(js);
    /* Out-of-range shares are clamped. */
    fx_energy(&e, 10.0, "rapl");
    assert_int_equal(wn_energy_attribute(&e, 7.0), 1);
    assert_true(e.cpu_share == 1.0 && e.energy_j == e.whole_energy_j);
    fx_energy(&e, 10.0, "rapl");
    assert_int_equal(wn_energy_attribute(&e, NAN), 1);
    assert_true(e.cpu_share == 0.0);

    /* The glue: no share -> no figure under our name, whole kept. */
    wn_cputime_sample a = { 1.0, 5.0 };
    fx_energy(&e, 10.0, "rapl");
    assert_int_equal(wn_run_share_apply(&a, &a, &e), WN_OK);
    assert_string_equal(e.flag, "no-cpu-share");
    assert_false(wn_energy_usable(&e));
    assert_true(fabs(e.whole_energy_j - 30.1) < 1e-12);
    wn_cputime_sample b = { 1.5, 7.0 };
    fx_energy(&e, 10.0, "rapl");
    assert_int_equal(wn_run_share_apply(&a, &b, &e), WN_OK);
    assert_int_equal(e.attributed, 1);
    assert_true(fabs(e.cpu_share - 0.25) < 1e-12);
}

/* ---- the run glue on the real /proc, and the store ---------------------------- */

static void test_run_attributed_and_stored(void **state)
{
    (void)state;
    char dir[256], url[400];
    fx_tmpdir(dir, sizeof dir, "attr");
    snprintf(url, sizeof url, "%s/runs.db", dir);
    wn_meter_opts o;
    wn_meter *m = NULL;
    wn_meter_opts_default(&o);
    o.source = "sim";
    o.skip_stuck_check = 1;
    o.idle_state = "/nonexistent/idle.json";
    assert_int_equal(wn_meter_open(&o, &m), WN_OK);
    wn_run_spec s;
    wn_run_spec_default(&s);
    snprintf(s.dataset, sizeof s.dataset, "synthetic:banana");
    s.train.size = 4096;
    s.train.epochs = 2;
    s.train.threads = 1;
    s.min_seconds_given = 1;
    s.train.min_seconds = 0.4;     /* long enough for /proc's 10 ms ticks */
    wn_run_opts ro = { 1, NULL };
    wn_run_record r;
    assert_int_equal(wn_run_execute_opts(&s, NULL, m, NULL, &ro, &r), WN_OK);
    wn_meter_close(&m);
    /* This process trained on one thread: a real share, in (0, 1]. */
    assert_int_equal(r.energy.attributed, 1);
    assert_true(r.energy.cpu_share > 0.0 && r.energy.cpu_share <= 1.0);
    assert_true(r.energy.whole_energy_j > 0.0);
    assert_true(fabs(r.energy.energy_j -
                     r.energy.whole_energy_j * r.energy.cpu_share) < 1e-9);
    if (wn_energy_usable(&r.energy))
        assert_true(r.has_jpd);

    wn_store *st = NULL;
    assert_int_equal(wn_store_open(url, &st), WN_OK);
    assert_int_equal(wn_store_put_run(st, &r), WN_OK);
    wn_run_record *runs = NULL;
    size_t n = 0;
    assert_int_equal(wn_store_load_runs(st, &runs, &n), WN_OK);
    assert_int_equal(n, 1);
    assert_int_equal(runs[0].energy.attributed, 1);
    assert_true(fabs(runs[0].energy.cpu_share - r.energy.cpu_share) < 1e-12);
    assert_true(fabs(runs[0].energy.whole_energy_j - r.energy.whole_energy_j) < 1e-9);
    assert_int_equal(runs[0].n_epochs, r.n_epochs);
    for (size_t i = 0; i < r.n_epochs; i++)
        assert_int_equal(runs[0].epochs[i].energy.attributed,
                         r.epochs[i].energy.attributed);
    wn_run_records_free(&runs, n);
    wn_store_close(&st);
    wn_run_record_clear(&r);
    fx_rmdir(dir);
}

/* ---- `wattnet measure --attribute` ---------------------------------------------- */

static int cli_json(const char *args, cJSON **out)
{
    char cmd[2048], buf[16384];
    snprintf(cmd, sizeof cmd, "%s measure --json --source sim %s 2>/dev/null",
             WN_CLI_PATH, args);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    size_t len = fread(buf, 1, sizeof buf - 1, p);
    buf[len] = '\0';
    int st = pclose(p);
    *out = cJSON_Parse(buf);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static double num(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

static void test_measure_attribute_cli(void **state)
{
    (void)state;
    cJSON *o = NULL;
    /* A busy command: a real share of the real /proc. */
    assert_int_equal(cli_json("--attribute -- sh -c 'i=0; while [ $i -lt "
                              "200000 ]; do i=$((i+1)); done'", &o), 0);
    assert_non_null(o);
    assert_true(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "attributed")));
    double share = num(o, "cpu_share"), whole = num(o, "whole_energy_j");
    assert_true(share > 0.0 && share <= 1.0);
    assert_true(whole > 0.0);
    assert_true(fabs(num(o, "energy_j") - whole * share) < 1e-6 * whole + 1e-9);
    cJSON_Delete(o);

    /* A planted /proc that never advances: no share, no figure, whole kept. */
    plant_stat(10, 0, 10, 10);
    setenv("WATTNET_PROC_ROOT", proc, 1);
    assert_int_equal(cli_json("--attribute -- true", &o), 0);
    unsetenv("WATTNET_PROC_ROOT");
    assert_non_null(o);
    assert_true(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(o, "energy_j")));
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(o, "flag")->valuestring,
                        "no-cpu-share");
    cJSON_Delete(o);

    /* Without --attribute: the whole reading, not flagged attributed. */
    assert_int_equal(cli_json("--pue 1.5 --carbon-intensity 400 -- sleep 0.2",
                              &o), 0);
    assert_non_null(o);
    assert_null(cJSON_GetObjectItemCaseSensitive(o, "attributed"));
    double j = num(o, "energy_j");
    assert_true(j > 0.0);
    assert_true(fabs(num(o, "facility_energy_j") - 1.5 * j) < 1e-9 * j);
    assert_true(fabs(num(o, "co2e_g") - 1.5 * j / 3.6e6 * 400.0) < 1e-12 + 1e-9 * j);
    assert_true(num(o, "pue") == 1.5);
    cJSON_Delete(o);
}

/* ---- carbon ---------------------------------------------------------------------- */

static void test_carbon(void **state)
{
    (void)state;
    double v = 0;
    assert_int_equal(wn_carbon_facility_j(100.0, 1.5, &v), 1);
    assert_true(v == 150.0);
    assert_int_equal(wn_carbon_facility_j(100.0, 0.9, &v), 0);   /* PUE < 1 */
    assert_int_equal(wn_carbon_facility_j(NAN, 1.2, &v), 0);
    assert_int_equal(wn_carbon_co2e_g(3.6e6, 400.0, &v), 1);     /* 1 kWh */
    assert_true(fabs(v - 400.0) < 1e-9);
    assert_int_equal(wn_carbon_co2e_g(-1.0, 400.0, &v), 0);

    cJSON *o = cJSON_CreateObject();
    assert_int_equal(wn_carbon_to_json(o, 1, 7.2e6, 1.25, 100.0), 1);
    assert_true(num(o, "facility_energy_j") == 9e6);
    assert_true(fabs(num(o, "co2e_g") - 250.0) < 1e-9);   /* of facility */
    assert_true(num(o, "carbon_intensity_g_per_kwh") == 100.0);
    assert_null(cJSON_GetObjectItemCaseSensitive(o, "energy_j"));   /* never */
    cJSON_Delete(o);
    /* No measured figure (an estimate, nothing): the fields are null. */
    o = cJSON_CreateObject();
    assert_int_equal(wn_carbon_to_json(o, 0, 7.2e6, 1.25, 100.0), 1);
    assert_true(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(o, "facility_energy_j")));
    assert_true(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(o, "co2e_g")));
    cJSON_Delete(o);
    /* Only an intensity: CO2e of the IT energy, no facility fields. */
    o = cJSON_CreateObject();
    assert_int_equal(wn_carbon_to_json(o, 1, 3.6e6, 0.0, 50.0), 1);
    assert_null(cJSON_GetObjectItemCaseSensitive(o, "facility_energy_j"));
    assert_true(fabs(num(o, "co2e_g") - 50.0) < 1e-9);
    cJSON_Delete(o);

    /* The sweep spec carries both, and rejects a PUE below 1. */
    const char *base = "{\"datasets\":[\"synthetic:banana\"],\"shapes\":"
                       "[\"rectangle\"],\"depths\":[3],\"sizes\":[64],\"epochs\":1,";
    char json[512];
    wn_sweep_spec *sp = NULL, *back = NULL;
    char *text = NULL;
    snprintf(json, sizeof json, "%s\"pue\":1.4,\"carbon_intensity\":350}", base);
    assert_int_equal(wn_sweep_spec_parse(json, "t", &sp), WN_OK);
    assert_true(sp->pue == 1.4 && sp->carbon_intensity == 350.0);
    assert_int_equal(wn_sweep_spec_to_json(sp, &text), WN_OK);
    assert_int_equal(wn_sweep_spec_parse(text, "rt", &back), WN_OK);
    assert_true(back->pue == 1.4 && back->carbon_intensity == 350.0);
    wn_free(text);
    wn_sweep_spec_free(&sp);
    wn_sweep_spec_free(&back);
    snprintf(json, sizeof json, "%s\"pue\":0.8}", base);
    assert_int_equal(wn_sweep_spec_parse(json, "t", &sp), WN_EINVAL);
    assert_non_null(strstr(wn_errmsg(), "pue"));
}

/* ---- the report shows them when set ------------------------------------------ */

static void test_report_section(void **state)
{
    (void)state;
    wn_run_record r[2];
    fx_record(&r[0], 0, 2);
    fx_record(&r[1], 1, 2);
    r[0].summary.extended = 1;
    wn_energy_attribute(&r[1].energy, 0.5);
    wn_report_opts o;
    memset(&o, 0, sizeof o);
    wn_hw_profile hw = test_profile();
    o.hw = &hw;
    char *html = NULL;
    assert_int_equal(wn_report_html(r, 2, &o, &html), WN_OK);
    assert_non_null(strstr(html, "1 of 2 ran past"));
    assert_non_null(strstr(html, "1 of 2 measured runs are a CPU-time share"));
    assert_null(strstr(html, "facility energy"));
    wn_free(html);
    o.pue = 2.0;
    o.carbon_intensity = 360.0;
    assert_int_equal(wn_report_html(r, 2, &o, &html), WN_OK);
    char want[128];
    double it = r[0].energy.energy_j + r[1].energy.energy_j;
    snprintf(want, sizeof want, "%.4g J (IT x PUE 2)", 2.0 * it);
    assert_non_null(strstr(html, want));
    snprintf(want, sizeof want, "%.4g g (360 gCO2e/kWh", 2.0 * it / 3.6e6 * 360.0);
    assert_non_null(strstr(html, want));
    wn_free(html);
    fx_record_free(&r[0]);
    fx_record_free(&r[1]);
}

/* ---- a sweep's fields through workers, status and export ------------------------ */

static void test_sweep_workers_status_export(void **state)
{
    (void)state;
    char dir[256], cmd[2048], path[400], buf[65536];
    fx_tmpdir(dir, sizeof dir, "attr-sweep");
    snprintf(path, sizeof path, "%s/spec.json", dir);
    mf_write(path, "{\"datasets\":[\"synthetic:banana\"],\"shapes\":"
             "[\"rectangle\"],\"depths\":[3],\"sizes\":[64,256],\"epochs\":1,"
             "\"min_seconds\":0.2,\"pue\":1.5,\"carbon_intensity\":400}");
    snprintf(cmd, sizeof cmd, "cd %s && %s sweep --db w.db --spec spec.json "
             ">/dev/null 2>&1 && WATTNET_IDLE_FILE=/nonexistent %s worker "
             "--db w.db --workers 2 --meter sim >/dev/null 2>&1 && %s export "
             "--db w.db --out x >/dev/null 2>&1", dir, WN_CLI_PATH, WN_CLI_PATH,
             WN_CLI_PATH);
    assert_int_equal(system(cmd), 0);

    /* Two co-located workers: every run attributed and extended. */
    snprintf(path, sizeof path, "%s/w.db", dir);
    wn_store *st = NULL;
    wn_run_record *runs = NULL;
    size_t n = 0;
    assert_int_equal(wn_store_open(path, &st), WN_OK);
    assert_int_equal(wn_store_load_runs(st, &runs, &n), WN_OK);
    assert_int_equal(n, 2);
    double joules = 0;
    for (size_t i = 0; i < n; i++) {
        assert_true(runs[i].summary.extended);
        assert_true(runs[i].summary.epochs > 1);
        assert_true(fabs(runs[i].spec.train.min_seconds - 0.2) < 1e-12);
        if (runs[i].energy.flag[0] == '\0') {
            assert_int_equal(runs[i].energy.attributed, 1);
            assert_true(runs[i].energy.whole_energy_j >= runs[i].energy.energy_j);
        }
        if (wn_energy_usable(&runs[i].energy))
            joules += runs[i].energy.energy_j;
    }
    wn_run_records_free(&runs, n);
    wn_store_close(&st);

    /* status takes the sweep's pue and intensity; an option wins. */
    snprintf(cmd, sizeof cmd, "%s status --db %s --json", WN_CLI_PATH, path);
    FILE *p = popen(cmd, "r");
    size_t len = fread(buf, 1, sizeof buf - 1, p);
    buf[len] = '\0';
    assert_int_equal(pclose(p), 0);
    cJSON *o = cJSON_Parse(buf);
    assert_non_null(o);
    assert_true(num(o, "pue") == 1.5);
    assert_true(fabs(num(o, "facility_energy_j") - 1.5 * num(o, "joules")) < 1e-9);
    assert_true(fabs(num(o, "joules") - joules) < 1e-6);
    cJSON_Delete(o);
    snprintf(cmd, sizeof cmd, "%s status --db %s --json --pue 2", WN_CLI_PATH, path);
    p = popen(cmd, "r");
    len = fread(buf, 1, sizeof buf - 1, p);
    buf[len] = '\0';
    assert_int_equal(pclose(p), 0);
    o = cJSON_Parse(buf);
    assert_true(num(o, "pue") == 2.0);
    cJSON_Delete(o);

    /* The export's columns. */
    snprintf(path, sizeof path, "%s/x/runs.csv", dir);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    assert_non_null(fgets(buf, sizeof buf, f));
    fclose(f);
    assert_non_null(strstr(buf, ",epochs_extended,"));
    assert_non_null(strstr(buf, ",energy_whole_j,"));
    assert_non_null(strstr(buf, ",facility_energy_j,co2e_g"));
    fx_rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cputime_planted),
        cmocka_unit_test(test_energy_attribute),
        cmocka_unit_test(test_run_attributed_and_stored),
        cmocka_unit_test(test_measure_attribute_cli),
        cmocka_unit_test(test_carbon),
        cmocka_unit_test(test_report_section),
        cmocka_unit_test(test_sweep_workers_status_export),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
