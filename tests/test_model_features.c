/*
 * test_model_features.c - the model's features on hand-computed small
 * networks (FLOPs, working sets, greedy placement, wattnet's shares and
 * traffic), hardware profiles (host, JSON, the shipped files, errors that
 * name the field), and a cross-check of the FLOPs against train.h.
 */
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include <wattnet/wattnet.h>
#include <wattnet/model.h>

#define NEAR(a, b) assert_true(fabs((double)(a) - (double)(b)) <= 1e-9 * fmax(1.0, fabs((double)(b))))

/* L1 100 B, L2 300 B per core (2 cores), L3 1000 B shared by both. */
static wn_hw_profile tiny_profile(void)
{
    wn_hw_profile p;
    memset(&p, 0, sizeof p);
    snprintf(p.name, sizeof p.name, "tiny");
    snprintf(p.kind, sizeof p.kind, "cpu");
    p.cores = 2;
    p.n_levels = 3;
    wn_hw_level l1 = {"L1", 100, 1, 2}, l2 = {"L2", 300, 1, 2},
                l3 = {"L3", 1000, 2, 1};
    p.levels[0] = l1;
    p.levels[1] = l2;
    p.levels[2] = l3;
    snprintf(p.memory_name, sizeof p.memory_name, "RAM");
    p.memory_bytes = 1 << 20;
    return p;
}

/* inputs 3, widths [4, 2], batch 2, 10 train + 3 test rows.
 * params = 4*4 + 5*2 = 26; fwd/row = 16 + 10 = 26; bwd/row = 20 + 20 = 40;
 * opt/datum = 26 * 3 / 2 = 39; epoch = 5 (52 + 80 + 78) + 2 * 52 = 1154,
 * per datum 115.4.  Sets: act 4*2*(7+6) = 104, params 104, backward
 * 8*26 + 4*2*6 = 256, optimizer 312, dataset 13*5*4 = 260, step 520. */
static void test_hand_computed_net(void **state)
{
    (void)state;
    wn_hw_profile hw = tiny_profile();
    size_t widths[2] = {4, 2};
    wn_net_desc net = {.inputs = 3, .outputs = 2, .depth = 2,
                       .widths = widths, .batch = 2, .train_rows = 10,
                       .test_rows = 3, .threads = 1};
    wn_features f;
    assert_int_equal(wn_features_compute(&net, &hw, &f), WN_OK);
    assert_int_equal(f.params, 26);
    NEAR(f.flops_fwd, 26);
    NEAR(f.flops_bwd, 40);
    NEAR(f.flops_opt, 39);
    NEAR(f.flops_per_datum, 115.4);
    NEAR(f.batches_per_epoch, 5);
    NEAR(f.ws_activations, 104);
    NEAR(f.ws_params, 104);
    NEAR(f.ws_backward, 256);
    NEAR(f.ws_optimizer, 312);
    NEAR(f.ws_dataset, 260);
    NEAR(f.ws_step, 520);
    assert_int_equal(f.n_levels, 4);
    /* greedy: 724 bytes fill L1 (100), L2 (300), then 324 in L3 */
    NEAR(f.greedy_bytes[0], 100);
    NEAR(f.greedy_bytes[1], 300);
    NEAR(f.greedy_bytes[2], 324);
    NEAR(f.greedy_bytes[3], 0);
    /* shares of 520 bytes: 100/520, 200/520, 220/520, 0 */
    NEAR(f.level_share[0], 100.0 / 520);
    NEAR(f.level_share[1], 200.0 / 520);
    NEAR(f.level_share[2], 220.0 / 520);
    NEAR(f.level_share[3], 0);
    NEAR(f.traffic_per_datum, 12 * 13 + 40 * 26 / 2.0);
    double tsum = 0.0, fsum = 0.0;
    for (int l = 0; l < 4; l++) {
        tsum += f.traffic_bytes[l];
        fsum += f.flops_by_level[l];
    }
    NEAR(tsum, f.traffic_per_datum);
    NEAR(fsum, f.flops_per_datum);

    /* two threads use both L1s and both L2s: 200 + 524 */
    net.threads = 2;
    assert_int_equal(wn_features_compute(&net, &hw, &f), WN_OK);
    NEAR(f.greedy_bytes[0], 200);
    NEAR(f.greedy_bytes[1], 524);
    NEAR(f.greedy_bytes[2], 0);
    NEAR(wn_hw_capacity(&hw, 2, 2), 1000);
    NEAR(wn_hw_capacity(&hw, 0, 64), 200);   /* only 2 instances */
}

static void test_big_net_spills_to_memory(void **state)
{
    (void)state;
    wn_hw_profile hw = tiny_profile();
    size_t widths[3] = {512, 512, 10};
    wn_net_desc net = {.inputs = 100, .outputs = 10, .depth = 3,
                       .widths = widths, .batch = 256, .train_rows = 1000,
                       .test_rows = 250, .threads = 1};
    wn_features f;
    assert_int_equal(wn_features_compute(&net, &hw, &f), WN_OK);
    assert_true(f.level_share[3] > 0.99);
    assert_true(f.flops_by_level[3] > 0.99 * f.flops_per_datum);
    NEAR(f.greedy_bytes[0] + f.greedy_bytes[1] + f.greedy_bytes[2], 1400);
}

static void test_features_cross_check_train_h(void **state)
{
    (void)state;
    wn_hw_profile hw = tiny_profile();
    size_t widths[4] = {70, 70, 70, 10};
    wn_net_desc net = {.inputs = 784, .outputs = 10, .depth = 4,
                       .widths = widths, .batch = 256, .train_rows = 56000,
                       .test_rows = 14000, .threads = 1};
    wn_features f;
    assert_int_equal(wn_features_compute(&net, &hw, &f), WN_OK);
    assert_int_equal(f.params, 65600);
    double epoch = wn_flops_epoch(256, 784, widths, 4, 56000, 14000);
    NEAR(f.flops_per_datum * f.batches_per_epoch * 256, epoch);
    NEAR(f.flops_fwd * 256, wn_flops_forward(256, 784, widths, 4));
    NEAR((f.flops_bwd + f.flops_opt) * 256,
         wn_flops_backward(256, 784, widths, 4));
}

static void test_features_bad_input(void **state)
{
    (void)state;
    wn_hw_profile hw = tiny_profile();
    size_t widths[2] = {4, 0};
    wn_net_desc net = {.inputs = 3, .outputs = 2, .depth = 2,
                       .widths = widths, .batch = 2, .train_rows = 10,
                       .test_rows = 3, .threads = 1};
    wn_features f;
    assert_int_equal(wn_features_compute(&net, &hw, &f), WN_EINVAL);
    widths[1] = 2;
    net.batch = 0;
    assert_int_equal(wn_features_compute(&net, &hw, &f), WN_EINVAL);
    assert_int_equal(wn_features_compute(NULL, &hw, &f), WN_EINVAL);
}

static void test_profile_from_host_and_json_round_trip(void **state)
{
    (void)state;
    wn_host h;
    assert_int_equal(wn_host_detect(&h), WN_OK);
    wn_hw_profile p, q;
    wn_hw_profile_from_host(&h, &p);
    assert_int_equal(p.n_levels, h.n_caches);
    assert_string_equal(p.levels[0].name, "L1");
    assert_true(p.memory_bytes > 0);
    char *js = wn_hw_profile_to_json(&p);
    assert_non_null(js);
    assert_int_equal(wn_hw_profile_parse(js, "round-trip", &q), WN_OK);
    wn_free(js);
    assert_string_equal(q.name, p.name);
    assert_int_equal(q.n_levels, p.n_levels);
    for (int i = 0; i < p.n_levels; i++) {
        assert_int_equal(q.levels[i].size_bytes, p.levels[i].size_bytes);
        assert_int_equal(q.levels[i].instances, p.levels[i].instances);
        assert_int_equal(q.levels[i].shared_by_cores,
                         p.levels[i].shared_by_cores);
    }
    assert_int_equal(q.memory_bytes, p.memory_bytes);
}

static void test_shipped_profiles(void **state)
{
    (void)state;
    wn_hw_profile p;
    assert_int_equal(wn_hw_profile_load(WN_SOURCE_DIR
                     "/profiles/xeon-gold-6154x2.json", &p), WN_OK);
    assert_int_equal(p.cores, 36);
    assert_int_equal(p.n_levels, 3);
    assert_int_equal(p.levels[0].size_bytes, 32768);
    assert_int_equal(p.levels[2].size_bytes, 25952256);   /* 24.75 MiB */
    NEAR(wn_hw_capacity(&p, 2, 36), 2.0 * 25952256);
    NEAR(wn_hw_capacity(&p, 1, 1), 1048576);
    assert_int_equal(wn_hw_profile_load(WN_SOURCE_DIR "/profiles/v100.json",
                                        &p), WN_OK);
    assert_string_equal(p.kind, "gpu");
    assert_string_equal(p.memory_name, "HBM");
    assert_int_equal(p.n_levels, 2);
    NEAR(wn_hw_capacity(&p, 0, 1), 80.0 * 131072);  /* all SMs */
    NEAR(wn_hw_capacity(&p, 1, 1), 6291456);
}

static void test_profile_errors_name_the_field(void **state)
{
    (void)state;
    wn_hw_profile p;
    assert_int_equal(wn_hw_profile_parse("{\"name\": \"x\",\n \"cores\": ",
                                         "bad.json", &p), WN_EFORMAT);
    assert_non_null(strstr(wn_errmsg(), "bad.json:2:"));
    const char *missing =
        "{\"name\":\"x\",\"cores\":2,\"caches\":[{\"size_bytes\":1024,"
        "\"shared_by_cores\":1,\"instances\":2},{\"shared_by_cores\":1,"
        "\"instances\":2}],\"memory\":{\"size_bytes\":1e9}}";
    assert_int_equal(wn_hw_profile_parse(missing, "p.json", &p), WN_EFORMAT);
    assert_non_null(strstr(wn_errmsg(), "caches[1].size_bytes"));
    const char *neg =
        "{\"name\":\"x\",\"cores\":-2,\"caches\":[],\"memory\":{}}";
    assert_int_equal(wn_hw_profile_parse(neg, "p.json", &p), WN_EFORMAT);
    assert_non_null(strstr(wn_errmsg(), "cores"));
    const char *kind =
        "{\"name\":\"x\",\"kind\":\"tpu\",\"cores\":2,\"caches\":[],"
        "\"memory\":{}}";
    assert_int_equal(wn_hw_profile_parse(kind, "p.json", &p), WN_EFORMAT);
    assert_non_null(strstr(wn_errmsg(), "kind"));
    const char *nomem =
        "{\"name\":\"x\",\"cores\":2,\"caches\":[{\"size_bytes\":1024,"
        "\"shared_by_cores\":1,\"instances\":2}]}";
    assert_int_equal(wn_hw_profile_parse(nomem, "p.json", &p), WN_EFORMAT);
    assert_non_null(strstr(wn_errmsg(), "memory"));
    assert_int_equal(wn_hw_profile_load("/nonexistent/p.json", &p), WN_ENOENT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hand_computed_net),
        cmocka_unit_test(test_big_net_spills_to_memory),
        cmocka_unit_test(test_features_cross_check_train_h),
        cmocka_unit_test(test_features_bad_input),
        cmocka_unit_test(test_profile_from_host_and_json_round_trip),
        cmocka_unit_test(test_shipped_profiles),
        cmocka_unit_test(test_profile_errors_name_the_field),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
