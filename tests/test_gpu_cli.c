/*
 * test_gpu_cli.c - the commands around GPU runs (issue 11), with planted
 * runs (no GPU trains anything here): `fit` on runs whose energy NVML
 * measured fits ENERGY and says the energy came from nvml on GPU runs;
 * `status` lists the runs per device with the GPU's name and driver;
 * `report` draws the CPU/GPU crossover; `worker --devices` refuses a bad
 * list (exit 2); `sweep --preset cache-scan-gpu --dry-run` counts CUDA
 * jobs.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <cmocka.h>

#include <wattnet/wattnet.h>
#include <wattnet/model.h>

#include "model/synth.h"
#include "model_fixture.h"
#include "store_fixture.h"

static char dir[1024];

static int cli(const char *args, char *out, size_t n)
{
    char cmd[8192];
    snprintf(cmd, sizeof cmd, "%s %s 2>%s/stderr.txt", WN_CLI_PATH, args, dir);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    size_t len = fread(out, 1, n - 1, p);
    out[len] = '\0';
    int st = pclose(p);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* Synthetic runs with measured energy, relabelled as NVML on cuda:0 (odd
 * ones) and RAPL on the CPU (even ones), stored in DB. */
static void plant(const char *db, size_t *n_gpu)
{
    wn_hw_profile hw = test_profile();
    double coef[11] = {1e-10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    wn_synth_opts so = {.seed = 3, .noise_sigma = 0.02, .energy = 1,
                        .kind = WN_MODEL_FLOPS, .coefs = coef};
    wn_run_record *runs = NULL;
    size_t n = 0;
    assert_int_equal(wn__synth_runs(&hw, &so, &runs, &n), WN_OK);
    wn_store *s = NULL;
    assert_int_equal(wn_store_open(db, &s), WN_OK);
    *n_gpu = 0;
    for (size_t i = 0; i < n; i++) {
        wn_run_record *r = &runs[i];
        int gpu = i % 2;
        wn_energy e = r->energy;
        snprintf(e.source, sizeof e.source, "%s", gpu ? "nvml" : "rapl");
        if (gpu) {
            snprintf(r->summary.device, sizeof r->summary.device, "cuda:0");
            snprintf(r->summary.device_name, sizeof r->summary.device_name,
                     "NVIDIA H200");
            snprintf(r->summary.device_driver, sizeof r->summary.device_driver,
                     "13.0");
            (*n_gpu)++;
        }
        wn_run_set_energy(r, &e);
        assert_int_equal(r->has_jpd, 1);
        assert_int_equal(wn_store_put_run(s, r), WN_OK);
    }
    wn_store_close(&s);
    wn__synth_free(&runs, n);
}

static void test_fit_status_report(void **state)
{
    (void)state;
    char db[1200], args[4096], want[160];
    static char out[1 << 20];
    size_t n_gpu = 0;
    snprintf(db, sizeof db, "%s/gpu.db", dir);
    plant(db, &n_gpu);
    snprintf(args, sizeof args, "fit --db %s --out %s/model.json", db, dir);
    assert_int_equal(cli(args, out, sizeof out), 0);
    assert_non_null(strstr(out, "target: joules_per_datum"));
    snprintf(want, sizeof want, "nvml on %zu runs (%zu on a GPU)", n_gpu, n_gpu);
    assert_non_null(strstr(out, want));
    assert_non_null(strstr(out, "rapl on "));
    snprintf(args, sizeof args, "status --db %s", db);
    assert_int_equal(cli(args, out, sizeof out), 0);
    snprintf(want, sizeof want, "device cuda:0 (NVIDIA H200, driver 13.0): %zu runs, "
             "%zu with measured energy", n_gpu, n_gpu);
    assert_non_null(strstr(out, want));
    assert_non_null(strstr(out, "device cpu: "));
    snprintf(args, sizeof args, "status --db %s --json", db);
    assert_int_equal(cli(args, out, sizeof out), 0);
    assert_non_null(strstr(out, "\"devices\""));
    assert_non_null(strstr(out, "\"NVIDIA H200\""));
    snprintf(args, sizeof args, "report --db %s --model %s/model.json --out %s/r.html",
             db, dir, dir);
    assert_int_equal(cli(args, out, sizeof out), 0);
    char path[1300];
    snprintf(path, sizeof path, "%s/r.html", dir);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    size_t len = fread(out, 1, sizeof out - 1, f);
    out[len] = '\0';
    fclose(f);
    assert_non_null(strstr(out, "CPU and GPU: energy per training datum"));
}

static void test_worker_devices_and_preset(void **state)
{
    (void)state;
    static char out[1 << 16];
    char args[2048];
    snprintf(args, sizeof args, "worker --db %s/w.db --devices tpu", dir);
    assert_int_equal(cli(args, out, sizeof out), 2);
    snprintf(args, sizeof args, "sweep --db %s/w.db --preset cache-scan-gpu "
             "--dry-run --json", dir);
    assert_int_equal(cli(args, out, sizeof out), 0);
    assert_non_null(strstr(out, "\"jobs\":\t60"));
}

static int setup(void **state)
{
    (void)state;
    fx_tmpdir(dir, sizeof dir, "gpucli");
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    fx_rmdir(dir);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fit_status_report),
        cmocka_unit_test(test_worker_devices_and_preset),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
