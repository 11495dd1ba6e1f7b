/*
 * test_gpu_meter.c - NVML energy on the GPU a run uses (issue 11), against
 * the fake libnvidia-ml.so of tests/meter.cmake with three GPUs drawing
 * 250, 100 and 175 W: wn_run_meter_opts turns a CUDA run's auto meter into
 * NVML alone on its GPU (by index from "cuda:N" here, since no CUDA
 * runtime answers; by UUID when one does), each epoch-like window reads
 * that GPU only; a GPU named by UUID; a GPU that is not there; a CUDA run
 * with a host meter named is refused; and a GPU run's joules per datum
 * come from NVML only.  Simulated: the GPUs (a fake NVML library).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include <wattnet/wattnet.h>
#include "meter_fixture.h"

static void assert_near(double got, double want, double rel)
{
    if (fabs(got - want) > rel * fabs(want)) {
        fprintf(stderr, "got %.6f, want %.6f\n", got, want);
        fail();
    }
}

static int setup(void **state)
{
    (void)state;
    setenv("WATTNET_NVML_LIB", WN_FAKE_NVML_ENERGY, 1);
    setenv("FAKE_NVML_GPUS", "3", 1);
    setenv("FAKE_NVML_W2", "175", 1);
    return 0;
}

/* Two windows (two "epochs") on meter options MO: each the GPU's watts. */
static void two_windows(const wn_meter_opts *mo, const char *domain, double watts)
{
    wn_meter *m = NULL;
    int rc = wn_meter_open(mo, &m);
    if (rc)
        fprintf(stderr, "%s\n", wn_errmsg());
    assert_int_equal(rc, WN_OK);
    assert_string_equal(wn_meter_source(m), "nvml");
    for (int k = 0; k < 2; k++) {
        wn_energy e;
        int w;
        assert_int_equal(wn_meter_window_begin(m, &w), WN_OK);
        mf_sleep(0.3);
        assert_int_equal(wn_meter_window_end(m, w, &e), WN_OK);
        assert_true(wn_energy_usable(&e));
        assert_string_equal(e.source, "nvml");
        assert_int_equal(e.n_domains, 1);
        assert_string_equal(e.domains[0].name, domain);
        assert_near(e.energy_j, watts * e.seconds, 0.03);
    }
    wn_meter_close(&m);
}

static void test_run_on_gpu2_meters_gpu2(void **state)
{
    (void)state;
    wn_meter_opts mo;
    char gpu[64];
    wn_meter_opts_default(&mo);
    mo.idle_state = "/nonexistent/idle.json";
    mo.source = NULL;   /* auto */
    assert_int_equal(wn_run_meter_opts("cuda:2", &mo, gpu, sizeof gpu), WN_OK);
    assert_string_equal(mo.source, "nvml");
    assert_int_equal(mo.allow_estimate, 0);
    assert_string_equal(mo.nvml_gpu, "2");
    two_windows(&mo, "gpu2:Fake H100 2", 175.0);
    /* "cuda" is CUDA device 0. */
    mo.source = "nvml";
    assert_int_equal(wn_run_meter_opts("cuda", &mo, gpu, sizeof gpu), WN_OK);
    two_windows(&mo, "gpu0:Fake H100 0", 250.0);
}

static void test_gpu_by_uuid(void **state)
{
    (void)state;
    wn_meter_opts mo;
    wn_meter_opts_default(&mo);
    mo.idle_state = "/nonexistent/idle.json";
    mo.source = "nvml";
    mo.nvml_gpu = "GPU-fake-0001";
    two_windows(&mo, "gpu1:Fake H100 1", 100.0);
    wn_meter *m = NULL;
    mo.nvml_gpu = "GPU-fake-0009";
    assert_int_equal(wn_meter_open(&mo, &m), WN_EUNAVAILABLE);
    assert_non_null(strstr(wn_errmsg(), "GPU-fake-0009"));
    mo.nvml_gpu = "3";
    assert_int_equal(wn_meter_open(&mo, &m), WN_EUNAVAILABLE);
    assert_non_null(strstr(wn_errmsg(), "no GPU '3'"));
    assert_null(m);
    /* Without a GPU named, every GPU (the old behaviour). */
    mo.nvml_gpu = NULL;
    assert_int_equal(wn_meter_open(&mo, &m), WN_OK);
    wn_energy e;
    int w;
    assert_int_equal(wn_meter_window_begin(m, &w), WN_OK);
    mf_sleep(0.2);
    assert_int_equal(wn_meter_window_end(m, w, &e), WN_OK);
    assert_int_equal(e.n_domains, 3);
    wn_meter_close(&m);
}

static void test_cpu_runs_and_refusals(void **state)
{
    (void)state;
    wn_meter_opts mo;
    char gpu[64];
    wn_meter_opts_default(&mo);
    mo.source = "rapl";
    /* A CPU run keeps its meter. */
    assert_int_equal(wn_run_meter_opts("cpu", &mo, gpu, sizeof gpu), WN_OK);
    assert_int_equal(wn_run_meter_opts("", &mo, gpu, sizeof gpu), WN_OK);
    assert_string_equal(mo.source, "rapl");
    assert_null(mo.nvml_gpu);
    /* A GPU run with a host meter named is refused, saying why. */
    assert_int_equal(wn_run_meter_opts("cuda:0", &mo, gpu, sizeof gpu), WN_EINVAL);
    assert_non_null(strstr(wn_errmsg(), "NVML"));
    mo.source = "none";
    assert_int_equal(wn_run_meter_opts("cuda:0", &mo, gpu, sizeof gpu), WN_OK);
    assert_null(mo.nvml_gpu);
}

/* A GPU run's joules per datum: from NVML, never from a host source. */
static void test_gpu_jpd_from_nvml_only(void **state)
{
    (void)state;
    wn_run_record r;
    memset(&r, 0, sizeof r);
    r.summary.batches_per_epoch = 10;
    r.summary.epochs = 2;
    r.spec.train.batch = 50;
    wn_energy e;
    memset(&e, 0, sizeof e);
    e.measured = 1;
    e.seconds = 2.0;
    e.energy_j = 100.0;
    snprintf(e.source, sizeof e.source, "nvml");
    snprintf(r.summary.device, sizeof r.summary.device, "cuda:0");
    wn_run_set_energy(&r, &e);
    assert_int_equal(r.has_jpd, 1);
    assert_near(r.joules_per_datum, 100.0 / 1000.0, 1e-12);
    snprintf(e.source, sizeof e.source, "log");
    wn_run_set_energy(&r, &e);
    assert_int_equal(r.has_jpd, 0);
    snprintf(r.summary.device, sizeof r.summary.device, "cpu");
    wn_run_set_energy(&r, &e);
    assert_int_equal(r.has_jpd, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_run_on_gpu2_meters_gpu2),
        cmocka_unit_test(test_gpu_by_uuid),
        cmocka_unit_test(test_cpu_runs_and_refusals),
        cmocka_unit_test(test_gpu_jpd_from_nvml_only),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
