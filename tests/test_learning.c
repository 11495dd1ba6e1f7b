/*
 * test_learning.c - wattnet learns as well as PyTorch does: the same job
 * (dataset, split seed, shape, depth, size, epochs, batch, learning rate)
 * trained with wn_train() reaches the test accuracy that bench/torch_peer.py
 * reached, within the stated tolerance.
 *
 * The reference is tests/data/learning_reference.json, written by
 * bench/make_learning_reference.sh (it records the settings, the exact
 * command line, the torch version, the date, and the spread of the torch
 * accuracy across seeds that justifies the tolerance).  Every setting the
 * test trains with is read from that file, so the two runs cannot drift
 * apart.  WN_LEARNING_REFERENCE=path overrides the file (to prove that the
 * check fails on a wrong number).
 *
 * The datasets are the real PMLB files in WN_SHARED_DIR/datasets; when a
 * file is absent the case is skipped with a message.  The split is the one
 * `wattnet data export --seed S` wrote for PyTorch: the same seed through
 * wn_split_make.  Initial weights and shuffles come from different
 * generators, which is what the tolerance covers.
 */
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "cli_fixture.h"

#include <cjson/cJSON.h>
#include <wattnet/wattnet.h>

#define REFERENCE_PATH WN_SOURCE_DIR "/tests/data/learning_reference.json"

/* ---- the reference file ------------------------------------------------- */
struct reference_case {
    char name[64];
    char file[128];
    char task[16];
    char shape[32];
    size_t depth, epochs, batch;
    uint64_t size, seed;
    double lr, train_fraction;
    double test_accuracy;   /* PyTorch's */
    double tolerance;       /* absolute */
};

static const char *reference_path(void)
{
    const char *p = getenv("WN_LEARNING_REFERENCE");
    return p != NULL && *p != '\0' ? p : REFERENCE_PATH;
}

static int get_num(const cJSON *o, const char *key, double *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble))
        return -1;
    *out = v->valuedouble;
    return 0;
}

static int get_str(const cJSON *o, const char *key, char *dst, size_t cap)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!cJSON_IsString(v) || strlen(v->valuestring) >= cap)
        return -1;
    memcpy(dst, v->valuestring, strlen(v->valuestring) + 1);
    return 0;
}

/* Parse the case named NAME out of the reference text.  0, or -1 with a
 * message printed. */
static int parse_case(const char *text, const char *name,
                      struct reference_case *rc_out)
{
    cJSON *root = cJSON_Parse(text);
    int rc = -1;
    double tol = 0, depth = 0, epochs = 0, batch = 0, size = 0, seed = 0;
    if (root == NULL) {
        print_error("learning reference: not JSON\n");
        goto out;
    }
    if (get_num(root, "tolerance", &tol) != 0 || !(tol > 0 && tol < 0.5)) {
        print_error("learning reference: bad \"tolerance\"\n");
        goto out;
    }
    const cJSON *arr = cJSON_GetObjectItemCaseSensitive(root, "datasets");
    const cJSON *c;
    cJSON_ArrayForEach(c, arr) {
        struct reference_case r;
        memset(&r, 0, sizeof r);
        if (get_str(c, "name", r.name, sizeof r.name) != 0 ||
            strcmp(r.name, name) != 0)
            continue;
        if (get_str(c, "file", r.file, sizeof r.file) != 0 ||
            get_str(c, "task", r.task, sizeof r.task) != 0 ||
            get_str(c, "shape", r.shape, sizeof r.shape) != 0 ||
            get_num(c, "depth", &depth) != 0 ||
            get_num(c, "size", &size) != 0 ||
            get_num(c, "epochs", &epochs) != 0 ||
            get_num(c, "batch", &batch) != 0 ||
            get_num(c, "seed", &seed) != 0 ||
            get_num(c, "lr", &r.lr) != 0 ||
            get_num(c, "train_fraction", &r.train_fraction) != 0 ||
            get_num(c, "test_accuracy", &r.test_accuracy) != 0) {
            print_error("learning reference: %s: a field is missing\n", name);
            goto out;
        }
        if (depth < 2 || epochs < 1 || batch < 1 || size < 1 ||
            r.test_accuracy < 0 || r.test_accuracy > 1) {
            print_error("learning reference: %s: a value is out of range\n",
                        name);
            goto out;
        }
        r.depth = (size_t)depth;
        r.epochs = (size_t)epochs;
        r.batch = (size_t)batch;
        r.size = (uint64_t)size;
        r.seed = (uint64_t)seed;
        r.tolerance = tol;
        *rc_out = r;
        rc = 0;
        goto out;
    }
    print_error("learning reference: no case \"%s\"\n", name);
out:
    cJSON_Delete(root);
    return rc;
}

/* ---- the check ---------------------------------------------------------- */
static void check_learns_like_torch(const char *name)
{
    struct reference_case ref;
    char *text = fx_slurp(reference_path());
    if (text == NULL)
        fail_msg("cannot read %s", reference_path());
    int prc = parse_case(text, name, &ref);
    free(text);
    assert_int_equal(prc, 0);

    char path[512];
    int n = snprintf(path, sizeof path, "%s/datasets/%s", WN_SHARED_DIR,
                     ref.file);
    assert_true(n > 0 && (size_t)n < sizeof path);
    if (access(path, R_OK) != 0) {
        print_message("SKIP %s: %s absent (WN_SHARED_DIR datasets)\n", name,
                      path);
        skip();
    }

    wn_dataset *d = NULL;
    int rc = wn_dataset_load(path, NULL, &d);
    if (rc != WN_OK)
        fail_msg("load %s: %s", path, wn_errmsg());
    assert_string_equal(wn_task_name(wn_dataset_task(d)), ref.task);

    wn_train_config cfg;
    wn_train_config_default(&cfg);
    snprintf(cfg.shape, sizeof cfg.shape, "%s", ref.shape);
    cfg.depth = ref.depth;
    cfg.size = ref.size;
    cfg.epochs = ref.epochs;
    cfg.batch = ref.batch;
    cfg.learning_rate = ref.lr;
    cfg.seed = ref.seed;
    cfg.threads = 1;
    cfg.train_fraction = ref.train_fraction;
    wn_train_summary s;
    memset(&s, 0, sizeof s);
    rc = wn_train(d, &cfg, NULL, &s);
    wn_dataset_free(&d);
    if (rc != WN_OK)
        fail_msg("wn_train %s: %s", name, wn_errmsg());
    assert_true(s.has_accuracy);
    double diff = s.test_accuracy - ref.test_accuracy;
    print_message("%s: wattnet test accuracy %.4f, PyTorch %.4f, "
                  "difference %+.4f (tolerance %.3f), %.2f s\n",
                  name, s.test_accuracy, ref.test_accuracy, diff,
                  ref.tolerance, s.seconds_total);
    if (fabs(diff) > ref.tolerance)
        fail_msg("%s: accuracy %.4f is %.4f away from PyTorch's %.4f "
                 "(tolerance %.3f)", name, s.test_accuracy, fabs(diff),
                 ref.test_accuracy, ref.tolerance);
}

static void test_adult_learns_like_torch(void **state)
{
    (void)state;
    check_learns_like_torch("adult");
}

static void test_nursery_learns_like_torch(void **state)
{
    (void)state;
    check_learns_like_torch("nursery");
}

/* The parser rejects what it must, so a broken reference cannot pass. */
static void test_reference_parser_rejects_bad_files(void **state)
{
    (void)state;
    struct reference_case r;
    assert_int_equal(parse_case("not json", "adult", &r), -1);
    assert_int_equal(parse_case("{\"tolerance\": 0.02, \"datasets\": []}",
                                "adult", &r), -1);
    assert_int_equal(parse_case("{\"tolerance\": 0, \"datasets\": []}",
                                "adult", &r), -1);
    assert_int_equal(parse_case(
        "{\"tolerance\": 0.02, \"datasets\": [{\"name\": \"adult\"}]}",
        "adult", &r), -1);
    char *text = fx_slurp(reference_path());
    assert_non_null(text);
    assert_int_equal(parse_case(text, "adult", &r), 0);
    assert_true(r.test_accuracy > 0.5 && r.tolerance > 0);
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reference_parser_rejects_bad_files),
        cmocka_unit_test(test_adult_learns_like_torch),
        cmocka_unit_test(test_nursery_learns_like_torch),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
