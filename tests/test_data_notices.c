/*
 * test_data_notices.c - the loader says what it did to the user's columns
 * (issue 9, items 6-8): a UTF-8 BOM before the header is stripped, a
 * missing label names the parsed header fields and the separator, a numeric
 * column turned one-hot by a few non-numeric cells is announced, and a file
 * found under a study dataset's name that does not match the study's table
 * is announced and loaded with the generic rules (no mnist /255).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include <wattnet/wattnet.h>

static char tmpdir[64];
static char notices[8][1024];
static int n_notices;

static void on_notice(void *user, const char *line)
{
    (void)user;
    if (n_notices < 8)
        snprintf(notices[n_notices++], sizeof notices[0], "%s", line);
}

static int setup(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof tmpdir, "/tmp/wn_test_notices_XXXXXX");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    return system(cmd) == 0 ? 0 : -1;
}

static const char *write_file(const char *name, const char *text)
{
    static char path[256];
    snprintf(path, sizeof path, "%s/%s", tmpdir, name);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    fputs(text, f);
    assert_int_equal(fclose(f), 0);
    return path;
}

static wn_data_opts opts_with_notices(const char *dir)
{
    wn_data_opts o;
    memset(&o, 0, sizeof o);
    o.data_dir = dir;
    o.notice = on_notice;
    n_notices = 0;
    return o;
}

static void test_bom_is_stripped(void **state)
{
    (void)state;
    const char *p = write_file("bom.tsv", "\xEF\xBB\xBFtarget\tx\n0\t1\n1\t2\n"
                                          "0\t3\n1\t4\n");
    wn_dataset *d = NULL;
    wn_data_opts o = opts_with_notices(NULL);
    assert_int_equal(wn_dataset_load(p, &o, &d), WN_OK);
    assert_int_equal(wn_dataset_rows(d), 4);
    assert_int_equal(wn_dataset_task(d), WN_TASK_BINARY);
    wn_dataset_free(&d);
}

static void test_missing_label_names_fields(void **state)
{
    (void)state;
    const char *p = write_file("nolabel.csv", "\"target\",x\n0,1\n1,2\n");
    wn_dataset *d = NULL;
    wn_data_opts o = opts_with_notices(NULL);
    assert_int_equal(wn_dataset_load(p, &o, &d), WN_EFORMAT);
    const char *m = wn_errmsg();
    assert_non_null(strstr(m, "'\"target\"'"));   /* the field as parsed */
    assert_non_null(strstr(m, "'x'"));
    assert_non_null(strstr(m, "commas"));
    assert_non_null(strstr(m, "2 fields"));
}

static void test_onehot_notice(void **state)
{
    (void)state;
    /* 200 rows: a numeric column with 8 '?' cells becomes one-hot */
    size_t cap = 200 * 32 + 64, used = 0;
    char *text = malloc(cap);
    assert_non_null(text);
    used += (size_t)snprintf(text + used, cap - used, "age\tflag\ttarget\n");
    for (int r = 0; r < 200; r++) {
        char age[16];
        if (r % 25 == 0)
            snprintf(age, sizeof age, "?");
        else
            snprintf(age, sizeof age, "%d", r);
        used += (size_t)snprintf(text + used, cap - used, "%s\t%s\t%d\n", age,
                                 r % 3 ? "yes" : "no", r % 2);
    }
    const char *p = write_file("onehot.tsv", text);
    free(text);
    wn_dataset *d = NULL;
    wn_data_opts o = opts_with_notices(NULL);
    assert_int_equal(wn_dataset_load(p, &o, &d), WN_OK);
    /* 192 distinct numbers + '?' = 193 one-hot inputs, + 1 for flag */
    assert_int_equal(wn_dataset_inputs(d), 194);
    assert_int_equal(n_notices, 1);   /* flag is categorical anyway: no word */
    assert_non_null(strstr(notices[0], "'age'"));
    assert_non_null(strstr(notices[0], "8 non-numeric cells"));
    assert_non_null(strstr(notices[0], "'?'"));
    assert_non_null(strstr(notices[0], "193 one-hot inputs"));
    wn_dataset_free(&d);
}

static void test_study_name_mismatch(void **state)
{
    (void)state;
    /* dd/mnist.tsv.gz-like file with 2 features: not the study's mnist */
    char dir[128];
    snprintf(dir, sizeof dir, "%s/dd", tmpdir);
    assert_int_equal(mkdir(dir, 0755), 0);
    char text[4096];
    size_t used = (size_t)snprintf(text, sizeof text, "a\tb\ttarget\n");
    for (int r = 0; r < 30; r++)
        used += (size_t)snprintf(text + used, sizeof text - used,
                                 "%d\t%d\t%d\n", r * 13 - 100, 388 - r, r % 3);
    char name[160];
    snprintf(name, sizeof name, "dd/mnist.tsv");
    write_file(name, text);
    /* only .tsv.gz is looked up by name: gzip it */
    char cmd[512];
    snprintf(cmd, sizeof cmd, "gzip -f '%s/dd/mnist.tsv'", tmpdir);
    assert_int_equal(system(cmd), 0);

    wn_dataset *d = NULL;
    wn_data_opts o = opts_with_notices(dir);
    assert_int_equal(wn_dataset_load("mnist", &o, &d), WN_OK);
    assert_int_equal(n_notices, 1);
    assert_non_null(strstr(notices[0], "not the study's mnist"));
    assert_non_null(strstr(notices[0], "generic column rules"));
    /* generic rules: min-max scaled to [0, 1], not /255 */
    const float *x = wn_dataset_x(d);
    for (size_t i = 0; i < wn_dataset_rows(d) * wn_dataset_inputs(d); i++)
        assert_true(x[i] >= 0.0f && x[i] <= 1.0f);
    wn_dataset_free(&d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bom_is_stripped),
        cmocka_unit_test(test_missing_label_names_fields),
        cmocka_unit_test(test_onehot_notice),
        cmocka_unit_test(test_study_name_mismatch),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
