/*
 * test_gpu_plan.c - the host side of the GPU engine, on any machine:
 * device strings (cpu|cuda|cuda:N and the errors), the memory plan (every
 * buffer's offset equal to the CPU engine's layout, for every shape), the
 * CUDA-graph plan (every step of the epoch runs exactly once), and the one
 * clear error when there is no GPU (no driver, no device, or a build
 * without CUDA), through the library and through `wattnet train`.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include <wattnet/wattnet.h>

#include "nn/gpu.h"
#include "nn/net.h"

/* The CLI and source tree; $WATTNET_TEST_CLI and $WATTNET_TEST_SOURCE
 * override the build's (a build carried to a GPU host). */
static const char *env_or(const char *name, const char *dflt)
{
    const char *e = getenv(name);
    return e && *e ? e : dflt;
}

/* ---- Device strings ---------------------------------------------------------- */

static void test_device_strings(void **state)
{
    (void)state;
    struct {
        const char *s;
        int kind, index;
    } ok[] = {{NULL, WN__DEV_CPU, 0},    {"", WN__DEV_CPU, 0},
              {"cpu", WN__DEV_CPU, 0},   {"cuda", WN__DEV_CUDA, 0},
              {"cuda:0", WN__DEV_CUDA, 0}, {"cuda:7", WN__DEV_CUDA, 7},
              {"cuda:255", WN__DEV_CUDA, 255}};
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        struct wn__device d = {WN__DEV_CUDA, 99};
        assert_int_equal(wn__device_parse(ok[i].s, &d), WN_OK);
        assert_int_equal(d.kind, ok[i].kind);
        assert_int_equal(d.index, ok[i].index);
        assert_true(wn_train_device_valid(ok[i].s));
    }
    const char *bad[] = {"gpu", "CPU", "cuda:", "cuda:256", "cuda:-1", "cuda:1x",
                         "cudax", "cuda0", "cuda:+1", "cuda: 1", "cuda:99999999999999999999"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct wn__device d;
        assert_int_equal(wn__device_parse(bad[i], &d), WN_EINVAL);
        assert_non_null(strstr(wn_errmsg(), bad[i]));
        assert_false(wn_train_device_valid(bad[i]));
    }
}

/* ---- Memory plan --------------------------------------------------------------- */

static size_t off_of(const float *p, const float *base)
{
    return (size_t)(p - base);
}

/* The plan's offsets against a CPU net of the same network and batch. */
static void check_plan_matches_cpu(const char *shape, size_t depth, uint64_t size,
                                   size_t inputs, size_t outputs, size_t batch)
{
    size_t w[WN_MAX_DEPTH];
    if (wn_shape_widths(inputs, outputs, shape, depth, size, w, NULL) != WN_OK)
        return;   /* a shape that cannot reach this size: nothing to plan */
    int residual = wn_shape_is_residual(shape);
    struct wn__net *net = NULL;
    assert_int_equal(wn__net_create(inputs, w, depth, residual, WN_TASK_BINARY, batch,
                                    WN__NN_NAIVE, &net), WN_OK);
    struct wn__gpu_plan p;
    assert_int_equal(wn__gpu_plan_make(inputs, w, depth, residual, batch, 1000, 800,
                                       200, &p), WN_OK);
    assert_int_equal(p.n_flat, net->n_flat);
    for (size_t k = 0; k < depth; k++) {
        assert_int_equal(p.w_off[k], off_of(net->W[k], net->flat_params));
        assert_int_equal(p.b_off[k], off_of(net->b[k], net->flat_params));
        assert_int_equal(p.h_off[k], off_of(net->h[k], net->flat_acts));
        assert_int_equal(p.a_off[k], off_of(net->a[k], net->flat_acts));
        assert_int_equal(p.dz_off[k], off_of(net->dz[k], net->flat_acts));
        if (net->g[k])
            assert_int_equal(p.g_off[k], off_of(net->g[k], net->flat_acts));
        else
            assert_true(p.g_off[k] == SIZE_MAX && k + 1 == depth);
        assert_int_equal(p.w_off[k] % 16, 0);
        assert_int_equal(p.h_off[k] % 16, 0);
        assert_int_equal(p.residual[k], net->residual[k]);
    }
    assert_int_equal(p.x_off, off_of(net->x, net->flat_acts));
    assert_int_equal(p.y_off, off_of(net->y, net->flat_acts));
    /* The last activation ends inside the block. */
    assert_true(p.dz_off[depth - 1] + batch * outputs <= p.n_acts);
    assert_int_equal(p.train_steps, (800 + batch - 1) / batch);
    assert_int_equal(p.test_batches, (200 + batch - 1) / batch);
    size_t least = 4 * p.n_flat * sizeof(float) + p.n_acts * sizeof(float) +
                   1000 * (inputs + outputs) * sizeof(float) + 1000 * 4 +
                   p.train_steps * sizeof(double) + 4 * p.test_batches * sizeof(double) +
                   4 * sizeof(double) + p.workspace_bytes;
    assert_true(p.total_bytes >= least);
    assert_true(p.total_bytes <= least + 16 * 256);
    wn__net_free(&net);
}

static void test_memory_plan_every_shape(void **state)
{
    (void)state;
    const size_t depths[] = {2, 3, 5, 8};
    const uint64_t sizes[] = {1024, 20000, 300000};
    const size_t batches[] = {1, 7, 256};
    for (size_t s = 0; s < wn_shape_count(); s++)
        for (size_t d = 0; d < 4; d++)
            for (size_t z = 0; z < 3; z++)
                for (size_t b = 0; b < 3; b++)
                    check_plan_matches_cpu(wn_shape_name_at(s), depths[d], sizes[z], 42,
                                           3, batches[b]);
}

static void test_memory_plan_refuses(void **state)
{
    (void)state;
    struct wn__gpu_plan p;
    size_t w[3] = {8, 8, 2}, wr[4] = {8, 9, 9, 2};
    assert_int_equal(wn__gpu_plan_make(4, w, 1, 0, 8, 100, 80, 20, &p), WN_EINVAL);
    assert_int_equal(wn__gpu_plan_make(0, w, 3, 0, 8, 100, 80, 20, &p), WN_EINVAL);
    assert_int_equal(wn__gpu_plan_make(4, w, 3, 0, 0, 100, 80, 20, &p), WN_EINVAL);
    assert_int_equal(wn__gpu_plan_make(4, wr, 4, 1, 8, 100, 80, 20, &p), WN_EINVAL);
    assert_int_equal(wn__gpu_plan_make(4, wr, 4, 0, 8, 100, 80, 20, &p), WN_OK);
    assert_int_equal(wn__gpu_plan_make(4, w, 3, 0, 8, (size_t)1 << 31, 80, 20, &p),
                     WN_EINVAL);
    assert_int_equal(wn__gpu_plan_make(4, w, 3, 0, 8, 100, 90, 20, &p), WN_EINVAL);
    assert_int_equal(wn__gpu_plan_make(4, w, 3, 0, 8, 100, 0, 20, &p), WN_EINVAL);
    size_t huge[2] = {(size_t)1 << 40, 2};
    assert_int_equal(wn__gpu_plan_make((size_t)1 << 40, huge, 2, 0, (size_t)1 << 30,
                                       100, 80, 20, &p), WN_EINVAL);
    assert_non_null(strstr(wn_errmsg(), "overflow"));
}

/* ---- Graph plan ------------------------------------------------------------------ */

static void test_step_nodes(void **state)
{
    (void)state;
    struct wn__gpu_plan p;
    size_t w3[3] = {16, 16, 2}, w5[5] = {16, 16, 16, 16, 2};
    assert_int_equal(wn__gpu_plan_make(4, w3, 3, 0, 8, 100, 80, 20, &p), WN_OK);
    /* gather, loss, advance, Adam + 3 layers x (GEMM, grad) + 3 dW + 2 data */
    assert_int_equal(wn__gpu_step_nodes(&p), 4 + 3 * 2 + 3 + 2);
    assert_int_equal(wn__gpu_plan_make(4, w5, 5, 1, 8, 100, 80, 20, &p), WN_OK);
    /* residual into layers 1..3: one add each */
    assert_int_equal(wn__gpu_step_nodes(&p), 4 + 5 * 2 + 5 + 4 + 3);
}

/* Every step of the epoch is run exactly once, in order: full steps first. */
static void check_graph_plan(size_t n_train, size_t B, size_t nodes, int allow)
{
    struct wn__graph_plan g;
    assert_int_equal(wn__gpu_graph_plan(n_train, B, nodes, allow, &g), WN_OK);
    assert_int_equal(g.full, n_train / B);
    assert_int_equal(g.last_rows, n_train % B);
    size_t steps = g.full + (g.last_rows ? 1 : 0);
    assert_int_equal(g.body_steps * g.body_launches + g.tail_steps, steps);
    assert_true(g.tail_steps <= g.body_steps + 1 || !g.use_graph);
    if (g.use_graph) {
        assert_true(allow && steps >= 2);
        assert_true(g.body_steps * nodes <= WN__GPU_GRAPH_NODE_LIMIT ||
                    g.body_steps == 0);
        assert_true(g.body_steps <= WN__GPU_GRAPH_MAX_STEPS);
        assert_true(g.body_steps > 0 || g.full == 0);
    } else {
        assert_true(g.body_steps == 1 && g.body_launches == g.full);
        assert_int_equal(g.tail_steps, g.last_rows ? 1 : 0);
    }
}

static void test_graph_plan(void **state)
{
    (void)state;
    struct wn__graph_plan g;
    /* connect_4, 80 %: 54045 rows, B 256, depth 3 (13 nodes) */
    assert_int_equal(wn__gpu_graph_plan(54045, 256, 13, 1, &g), WN_OK);
    assert_true(g.use_graph);
    assert_int_equal(g.full, 211);
    assert_int_equal(g.last_rows, 29);
    assert_int_equal(g.body_steps, 64);
    assert_int_equal(g.body_launches, 3);
    assert_int_equal(g.tail_steps, 211 % 64 + 1);
    /* one step: no graph */
    assert_int_equal(wn__gpu_graph_plan(100, 256, 13, 1, &g), WN_OK);
    assert_false(g.use_graph);
    assert_int_equal(g.tail_steps, 1);
    /* switched off, or steps too big for a graph */
    assert_int_equal(wn__gpu_graph_plan(54045, 256, 13, 0, &g), WN_OK);
    assert_false(g.use_graph);
    assert_int_equal(wn__gpu_graph_plan(54045, 256, WN__GPU_GRAPH_NODE_LIMIT + 1, 1, &g),
                     WN_OK);
    assert_false(g.use_graph);
    /* big steps: fewer per graph */
    assert_int_equal(wn__gpu_graph_plan(54045, 256, 1000, 1, &g), WN_OK);
    assert_int_equal(g.body_steps, 4);
    /* exact multiple: no partial step */
    assert_int_equal(wn__gpu_graph_plan(512, 256, 13, 1, &g), WN_OK);
    assert_int_equal(g.last_rows, 0);
    assert_int_equal(g.body_steps * g.body_launches + g.tail_steps, 2);
    assert_int_equal(wn__gpu_graph_plan(0, 256, 13, 1, &g), WN_EINVAL);
    assert_int_equal(wn__gpu_graph_plan(10, 0, 13, 1, &g), WN_EINVAL);
    const size_t rows[] = {1, 2, 255, 256, 257, 1000, 54045, 100000};
    const size_t bs[] = {1, 7, 32, 256, 1024};
    const size_t nodes[] = {1, 13, 100, 4096, 5000};
    for (size_t i = 0; i < 8; i++)
        for (size_t j = 0; j < 5; j++)
            for (size_t k = 0; k < 5; k++)
                for (int a = 0; a < 2; a++)
                    check_graph_plan(rows[i], bs[j], nodes[k], a);
}

/* ---- No GPU: one clear error ---------------------------------------------------- */

/* Non-zero when this machine has a usable CUDA device (then the "no GPU"
 * errors cannot be seen here). */
static int have_gpu(void)
{
    struct wn__cu *cu = NULL;
    int rc = wn__cu_open(0, NULL, &cu);
    wn__cu_close(&cu);
    return rc == WN_OK;
}

static void test_no_gpu_error(void **state)
{
    (void)state;
    if (have_gpu()) {
        print_message("SKIP: a CUDA device is present; the no-GPU errors are "
                      "tested on machines without one\n");
        skip();
    }
    float x[40], y[20];
    for (size_t i = 0; i < 40; i++)
        x[i] = (float)(i % 7) / 7.0f;
    for (size_t i = 0; i < 20; i++)
        y[i] = (float)(i % 2);
    wn_dataset *d = NULL;
    assert_int_equal(wn_dataset_from_arrays("tiny", WN_TASK_BINARY, 20, 2, 1, x, y, &d),
                     WN_OK);
    wn_train_config cfg;
    wn_train_config_default(&cfg);
    cfg.epochs = 1;
    cfg.size = 64;
    wn_train_summary s;
    const char *devices[] = {"cuda", "cuda:3"};
    for (size_t i = 0; i < 2; i++) {
        snprintf(cfg.device, sizeof cfg.device, "%s", devices[i]);
        int rc = wn_train(d, &cfg, NULL, &s);
#ifdef WN_HAVE_CUDA
        assert_int_equal(rc, WN_EUNAVAILABLE);
        const char *m = wn_errmsg();
        assert_true(strstr(m, "no NVIDIA driver") || strstr(m, "no CUDA device") ||
                    strstr(m, "only"));
#else
        assert_int_equal(rc, WN_EUNSUPPORTED);
        assert_non_null(strstr(wn_errmsg(), "built without CUDA"));
#endif
    }
    snprintf(cfg.device, sizeof cfg.device, "%s", "cpu");
    assert_int_equal(wn_train(d, &cfg, NULL, &s), WN_OK);
    assert_string_equal(s.device, "cpu");
    snprintf(cfg.device, sizeof cfg.device, "%s", "tpu");
    assert_int_equal(wn_train(d, &cfg, NULL, &s), WN_EINVAL);
    wn_dataset_free(&d);
}

/* `wattnet train --device`: exit 2 for a bad string, one line and non-zero
 * without a GPU. */
static void test_cli_device(void **state)
{
    (void)state;
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "%s train --data synthetic:nursery --epochs 1 "
             "--meter none --device tpu 2>/dev/null", env_or("WATTNET_TEST_CLI", WN_CLI_PATH));
    int st = system(cmd);
    assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 2);
    if (have_gpu()) {
        print_message("SKIP part: a CUDA device is present\n");
        return;
    }
    char tmp[] = "/tmp/wn-gpu-cli-XXXXXX";
    int fd = mkstemp(tmp);
    assert_true(fd >= 0);
    close(fd);
    snprintf(cmd, sizeof cmd, "%s train --data synthetic:nursery --epochs 1 "
             "--meter none --device cuda >/dev/null 2>%s",
             env_or("WATTNET_TEST_CLI", WN_CLI_PATH), tmp);
    st = system(cmd);
    assert_true(WIFEXITED(st) && WEXITSTATUS(st) != 0);
    FILE *f = fopen(tmp, "r");
    assert_non_null(f);
    char line[512] = "", extra[512];
    assert_non_null(fgets(line, sizeof line, f));
    assert_null(fgets(extra, sizeof extra, f));   /* one line */
    fclose(f);
    unlink(tmp);
    assert_true(strstr(line, "no NVIDIA driver") || strstr(line, "no CUDA device") ||
                strstr(line, "built without CUDA"));
}

/* ---- Hardware profiles of the GPUs ------------------------------------------------ */

static void test_gpu_profiles_load(void **state)
{
    (void)state;
    const struct {
        const char *file;
        int sms;
        double l2_mib;
    } want[] = {{"v100.json", 80, 6}, {"h100.json", 132, 50}, {"h200.json", 132, 50}};
    for (size_t i = 0; i < 3; i++) {
        char path[512];
        snprintf(path, sizeof path, "%s/profiles/%s",
                 env_or("WATTNET_TEST_SOURCE", WN_SOURCE_DIR), want[i].file);
        wn_hw_profile hw;
        if (wn_hw_profile_load(path, &hw) != WN_OK)
            fail_msg("%s: %s", path, wn_errmsg());
        assert_string_equal(hw.kind, "gpu");
        assert_int_equal(hw.cores, want[i].sms);
        int found = 0;
        for (int c = 0; c < hw.n_levels; c++)
            if (!strcmp(hw.levels[c].name, "L2")) {
                assert_true((double)hw.levels[c].size_bytes == want[i].l2_mib * 1048576.0);
                found = 1;
            }
        assert_true(found);
        assert_string_equal(hw.memory_name, "HBM");
    }
}

/* A profile made from device properties (as `wattnet gpu --profile`)
 * survives the profile JSON round trip the model reads. */
static void test_profile_from_props(void **state)
{
    (void)state;
    wn_gpu_props g;
    memset(&g, 0, sizeof g);
    snprintf(g.name, sizeof g.name, "NVIDIA H200");
    g.sms = 132;
    g.shared_per_sm_bytes = 233472;
    g.l2_bytes = 62914560;
    g.memory_bytes = 150754820096ULL;
    wn_hw_profile hw, back;
    wn_gpu_hw_profile(&g, &hw);
    char *json = wn_hw_profile_to_json(&hw);
    assert_non_null(json);
    if (wn_hw_profile_parse(json, "props", &back) != WN_OK)
        fail_msg("parse: %s\n%s", wn_errmsg(), json);
    wn_free(json);
    assert_string_equal(back.kind, "gpu");
    assert_int_equal(back.cores, 132);
    assert_int_equal(back.n_levels, 2);
    assert_string_equal(back.levels[0].name, "L1");
    assert_int_equal(back.levels[0].size_bytes, 233472);
    assert_int_equal(back.levels[0].instances, 132);
    assert_string_equal(back.levels[1].name, "L2");
    assert_int_equal(back.levels[1].size_bytes, 62914560);
    assert_int_equal(back.levels[1].shared_by_cores, 132);
    assert_true(back.memory_bytes == 150754820096ULL);
}

/* wn_gpu_query and `wattnet gpu` without a GPU: one clear error. */
static void test_gpu_query_without_gpu(void **state)
{
    (void)state;
    wn_gpu_props g;
    assert_int_equal(wn_gpu_query("cpu", &g), WN_EINVAL);
    assert_int_equal(wn_gpu_query("cuda:x", &g), WN_EINVAL);
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "%s gpu --frobnicate 2>/dev/null",
             env_or("WATTNET_TEST_CLI", WN_CLI_PATH));
    int st = system(cmd);
    assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 2);
    if (have_gpu()) {
        assert_int_equal(wn_gpu_query("cuda", &g), WN_OK);
        assert_true(g.sms > 0 && g.memory_bytes > 0 && g.name[0]);
        print_message("SKIP part: a CUDA device is present (%s)\n", g.name);
        return;
    }
    int rc = wn_gpu_query("cuda", &g);
    assert_true(rc == WN_EUNAVAILABLE || rc == WN_EUNSUPPORTED);
    snprintf(cmd, sizeof cmd, "%s gpu >/dev/null 2>&1",
             env_or("WATTNET_TEST_CLI", WN_CLI_PATH));
    st = system(cmd);
    assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_device_strings),
        cmocka_unit_test(test_memory_plan_every_shape),
        cmocka_unit_test(test_memory_plan_refuses),
        cmocka_unit_test(test_step_nodes),
        cmocka_unit_test(test_graph_plan),
        cmocka_unit_test(test_no_gpu_error),
        cmocka_unit_test(test_cli_device),
        cmocka_unit_test(test_gpu_profiles_load),
        cmocka_unit_test(test_profile_from_props),
        cmocka_unit_test(test_gpu_query_without_gpu),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
