/*
 * test_meter_cli.c - `wattnet measure`, `meters` and `idle` as a user runs
 * them (WN_CLI_PATH): the command's exit code passes through (3, and 128+9
 * for a kill), the --json shape, the estimate warning, NVML through the fake
 * library, an idle baseline giving dynamic energy, and bad input.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include <cjson/cJSON.h>

#include <wattnet/wattnet.h>
#include "meter_fixture.h"

static char dir[256];

/* Run `wattnet ARGS` with stdout captured into out; returns the exit code. */
static int cli(const char *args, char *out, size_t n)
{
    char cmd[2048], err[512];
    snprintf(err, sizeof err, "%s/stderr.txt", dir);
    snprintf(cmd, sizeof cmd, "%s %s 2>%s", WN_CLI_PATH, args, err);
    return mf_pclose_read(popen(cmd, "r"), out, n);
}

static void read_stderr(char *buf, size_t n)
{
    char p[512];
    snprintf(p, sizeof p, "%s/stderr.txt", dir);
    FILE *f = fopen(p, "r");
    assert_non_null(f);
    size_t len = fread(buf, 1, n - 1, f);
    buf[len] = '\0';
    fclose(f);
}

static int setup(void **state)
{
    (void)state;
    mf_tmpdir(dir, sizeof dir, "cli");
    char idle[400];
    snprintf(idle, sizeof idle, "%s/idle.json", dir);
    setenv("WATTNET_IDLE_FILE", idle, 1);
    /* Nothing measures unless a test says so. */
    setenv("WATTNET_POWERCAP_ROOT", "/nonexistent", 1);
    setenv("WATTNET_PERF_ROOT", "/nonexistent", 1);
    setenv("WATTNET_NVML_LIB", "/nonexistent/libnvidia-ml.so.1", 1);
    setenv("WATTNET_IPMI_CMD", "/nonexistent/ipmitool", 1);
    unsetenv("WATTNET_REDFISH_URL");
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    mf_rmdir(dir);
    return 0;
}

static void test_exit_code_passes_through(void **state)
{
    (void)state;
    char out[4096], err[4096];
    assert_int_equal(cli("measure -- sh -c 'exit 3'", out, sizeof out), 3);
    read_stderr(err, sizeof err);
    assert_non_null(strstr(err, "ESTIMATE"));
    assert_non_null(strstr(err, "exit code   3"));
    assert_int_equal(cli("measure -- sh -c 'kill -9 $$'", out, sizeof out),
                     137);
    assert_int_equal(cli("measure -- true", out, sizeof out), 0);
    assert_int_equal(cli("measure -- /nonexistent/cmd", out, sizeof out), 127);
}

static void test_json_shape_estimate(void **state)
{
    (void)state;
    char out[8192];
    assert_int_equal(cli("measure --json --cpu-watts 7 -- sh -c 'exit 4'",
                         out, sizeof out), 4);
    cJSON *j = cJSON_Parse(out);
    assert_non_null(j);
    cJSON *cmd = cJSON_GetObjectItem(j, "command");
    assert_true(cJSON_IsArray(cmd));
    assert_int_equal(cJSON_GetArraySize(cmd), 3);
    assert_string_equal(cJSON_GetArrayItem(cmd, 2)->valuestring, "exit 4");
    assert_int_equal(cJSON_GetObjectItem(j, "exit_code")->valueint, 4);
    assert_true(cJSON_IsNumber(cJSON_GetObjectItem(j, "seconds")));
    assert_true(cJSON_IsNull(cJSON_GetObjectItem(j, "dynamic_energy_j")));
    assert_string_equal(cJSON_GetObjectItem(j, "source")->valuestring,
                        "estimate");
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(j, "estimate")));
    /* an estimate is never a measurement, in any output */
    assert_true(cJSON_IsFalse(cJSON_GetObjectItem(j, "measured")));
    assert_true(cJSON_IsNull(cJSON_GetObjectItem(j, "energy_j")));
    assert_true(cJSON_IsNumber(cJSON_GetObjectItem(j, "estimated_j")));
    cJSON *doms = cJSON_GetObjectItem(j, "domains");
    assert_int_equal(cJSON_GetArraySize(doms), 1);
    assert_true(cJSON_IsTrue(
        cJSON_GetObjectItem(cJSON_GetArrayItem(doms, 0), "in_total")));
    cJSON_Delete(j);
}

/* `measure --source sim` says SIMULATED in words and in its JSON. */
static void test_sim_is_labelled(void **state)
{
    (void)state;
    char out[8192], err[4096];
    setenv("WATTNET_SIM_WATTS", "40", 1);
    assert_int_equal(cli("measure --source sim -- true", out, sizeof out), 0);
    read_stderr(err, sizeof err);
    assert_non_null(strstr(err, "SIMULATED"));
    assert_int_equal(cli("measure --json --source sim -- true", out, sizeof out),
                     0);
    cJSON *j = cJSON_Parse(out);
    assert_non_null(j);
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(j, "simulated")));
    cJSON_Delete(j);
    unsetenv("WATTNET_SIM_WATTS");
}

static void test_nvml_json_and_idle(void **state)
{
    (void)state;
    char out[8192];
    setenv("WATTNET_NVML_LIB", WN_FAKE_NVML_ENERGY, 1);
    assert_int_equal(cli("measure --json --source nvml -- sleep 0.3", out,
                         sizeof out), 0);
    cJSON *j = cJSON_Parse(out);
    assert_non_null(j);
    double s = cJSON_GetObjectItem(j, "seconds")->valuedouble;
    double ej = cJSON_GetObjectItem(j, "energy_j")->valuedouble;
    assert_true(s > 0.25 && s < 2.0);
    assert_true(fabs(ej - 350.0 * s) < 0.03 * 350.0 * s);
    assert_string_equal(cJSON_GetObjectItem(j, "source")->valuestring, "nvml");
    assert_true(cJSON_IsFalse(cJSON_GetObjectItem(j, "estimate")));
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(j, "measured")));
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(j, "domains")), 2);
    cJSON_Delete(j);

    assert_int_equal(cli("meters --json", out, sizeof out), 0);
    j = cJSON_Parse(out);
    assert_non_null(j);
    cJSON *srcs = cJSON_GetObjectItem(j, "sources"), *it;
    int saw_nvml = 0, saw_rapl = 0;
    cJSON_ArrayForEach(it, srcs)
    {
        const char *name = cJSON_GetObjectItem(it, "source")->valuestring;
        const char *st = cJSON_GetObjectItem(it, "status")->valuestring;
        if (strcmp(name, "nvml") == 0) {
            saw_nvml = 1;
            assert_string_equal(st, "ok");
        }
        if (strcmp(name, "rapl") == 0) {
            saw_rapl = 1;
            assert_string_equal(st, "unavailable");
            assert_true(cJSON_IsString(cJSON_GetObjectItem(it, "reason")));
        }
    }
    assert_true(saw_nvml && saw_rapl);
    cJSON_Delete(j);

    /* Idle baseline at the same power: dynamic energy near 0. */
    assert_int_equal(cli("idle --seconds 1 --source nvml --json", out,
                         sizeof out), 0);
    j = cJSON_Parse(out);
    assert_non_null(j);
    assert_true(fabs(cJSON_GetObjectItem(j, "power_w")->valuedouble - 350.0) <
                3.5);
    cJSON_Delete(j);
    assert_int_equal(cli("measure --json --source nvml -- sleep 0.3", out,
                         sizeof out), 0);
    j = cJSON_Parse(out);
    assert_non_null(j);
    cJSON *dyn = cJSON_GetObjectItem(j, "dynamic_energy_j");
    assert_true(cJSON_IsNumber(dyn));
    ej = cJSON_GetObjectItem(j, "energy_j")->valuedouble;
    assert_true(fabs(dyn->valuedouble) < 0.04 * ej);
    cJSON_Delete(j);
    setenv("WATTNET_NVML_LIB", "/nonexistent/libnvidia-ml.so.1", 1);
}

static void test_bad_input(void **state)
{
    (void)state;
    char out[8192];
    assert_int_equal(cli("measure --interval abc -- true", out, sizeof out), 2);
    assert_int_equal(cli("measure --cpu-watts -1 -- true", out, sizeof out), 2);
    assert_int_equal(cli("measure", out, sizeof out), 2);
    assert_int_equal(cli("measure --source bogus -- true", out, sizeof out), 2);
    assert_int_equal(cli("measure --source rapl -- true", out, sizeof out), 1);
    assert_int_equal(cli("meters --bogus", out, sizeof out), 2);
    assert_int_equal(cli("meters --source nosuch", out, sizeof out), 2);
    assert_int_equal(cli("idle", out, sizeof out), 2);
    assert_int_equal(cli("idle --seconds 0", out, sizeof out), 2);
    assert_int_equal(cli("idle --seconds 1", out, sizeof out), 1);
    for (int i = 0; i < 3; i++) {
        const char *c = i == 0 ? "measure --help" : i == 1 ? "meters --help"
                                                         : "idle --help";
        assert_int_equal(cli(c, out, sizeof out), 0);
        assert_non_null(strstr(out, "usage: wattnet"));
    }
}

/* --output writes the report whole, replacing the file (a hard link to
 * the old one keeps it), and a report that cannot be written is an error
 * that names the path, with the command's exit code kept. */
static void test_output_file_replaced_whole(void **state)
{
    (void)state;
    char out[4096], err[4096], path[400], old[400], args[1000];
    snprintf(path, sizeof path, "%s/report.json", dir);
    snprintf(old, sizeof old, "%s/report-old.json", dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("old\n", f);
    fclose(f);
    assert_int_equal(link(path, old), 0);
    snprintf(args, sizeof args, "measure --json --output '%s' -- true", path);
    assert_int_equal(cli(args, out, sizeof out), 0);
    f = fopen(path, "r");
    assert_non_null(f);
    size_t n = fread(out, 1, sizeof out - 1, f);
    out[n] = '\0';
    fclose(f);
    cJSON *j = cJSON_Parse(out);
    assert_non_null(j);
    cJSON_Delete(j);
    f = fopen(old, "r");
    assert_non_null(f);
    n = fread(out, 1, sizeof out - 1, f);
    out[n] = '\0';
    fclose(f);
    assert_string_equal(out, "old\n");
    unlink(old);
    unlink(path);
    snprintf(args, sizeof args, "measure --output '%s/no/such/r.txt' -- sh -c 'exit 4'",
             dir);
    assert_int_equal(cli(args, out, sizeof out), 4);
    read_stderr(err, sizeof err);
    assert_non_null(strstr(err, "no/such/r.txt"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_exit_code_passes_through),
        cmocka_unit_test(test_output_file_replaced_whole),
        cmocka_unit_test(test_json_shape_estimate),
        cmocka_unit_test(test_sim_is_labelled),
        cmocka_unit_test(test_nvml_json_and_idle),
        cmocka_unit_test(test_bad_input),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
