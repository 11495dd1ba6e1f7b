/*
 * test_data.c - the datasets module: BUTTER's column rules on small
 * hand-made files (written to a temp dir at test time), the number parser
 * against strtod, the seeded split, the synthetic stand-ins of all 13 study
 * datasets, the WNDATA01 export read back, SPEC resolution (data dir,
 * $WATTNET_DATA, fallback notice) and every real file in
 * $WN_SHARED_DIR/datasets against the SPEC table.
 *
 * Bad input, the CLI and fault injection are in test_data_errors.c.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <cmocka.h>

#include <wattnet/wattnet.h>

#include "core/rng.h"
#include "data/data_internal.h"

/* ---- temp dir and file helpers ------------------------------------------- */

static char tmpdir[64];

static int rm_entry(const char *p, const struct stat *sb, int flag,
                    struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(p);
}

static int setup_dir(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof tmpdir, "/tmp/wn_test_data_XXXXXX");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown_dir(void **state)
{
    (void)state;
    return nftw(tmpdir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
}

/* Write text to tmpdir/name (gzip when name ends in .gz); return the path
 * in a static buffer. */
static const char *write_file(const char *name, const char *text)
{
    static char path[256];
    snprintf(path, sizeof path, "%s/%s", tmpdir, name);
    size_t n = strlen(name);
    if (n > 3 && strcmp(name + n - 3, ".gz") == 0) {
        gzFile gz = gzopen(path, "wb");
        assert_non_null(gz);
        assert_int_equal(gzwrite(gz, text, (unsigned)strlen(text)),
                         (int)strlen(text));
        assert_int_equal(gzclose(gz), Z_OK);
    } else {
        FILE *f = fopen(path, "wb");
        assert_non_null(f);
        assert_int_equal(fwrite(text, 1, strlen(text), f), strlen(text));
        assert_int_equal(fclose(f), 0);
    }
    return path;
}

static wn_dataset *load_ok(const char *path, const char *target)
{
    wn_dataset *d = NULL;
    wn_data_opts o = {0};
    o.target = target;
    int rc = wn_dataset_load(path, &o, &d);
    if (rc)
        fail_msg("%s: %s", path, wn_errmsg());
    assert_non_null(d);
    return d;
}

/* x[r][c] */
static float X(const wn_dataset *d, size_t r, size_t c)
{
    return wn_dataset_x(d)[r * wn_dataset_inputs(d) + c];
}

static float Y(const wn_dataset *d, size_t r, size_t c)
{
    return wn_dataset_y(d)[r * wn_dataset_outputs(d) + c];
}

/* ---- column rules --------------------------------------------------------- */

/* Numeric columns: constant dropped; two values -> 0/1 with the numerically
 * larger (10 > 9, though "9" > "10" as strings) as 1; three values one-hot
 * in numeric order (1.5 < 2 < 10); 20 distinct one-hot; 21 distinct
 * min-max; the label with 24 distinct values min-max -> regression. */
static void test_numeric_rules(void **state)
{
    (void)state;
    char text[8192];
    size_t n = 0;
    static const double few[3] = {2, 10, 1.5};
    n += (size_t)snprintf(text + n, sizeof text - n,
                          "const\ttwo\tfew\ttwenty\tmany\ttarget\n");
    for (int r = 0; r < 24; r++)
        n += (size_t)snprintf(text + n, sizeof text - n,
                              "5\t%d\t%g\t%d\t%d\t%d\n", r % 2 ? 10 : 9,
                              few[r % 3], r % 20, r % 21 * 3 - 7, r * r);
    const char *p = write_file("numeric.tsv", text);
    wn_dataset *d = load_ok(p, NULL);

    assert_string_equal(wn_dataset_name(d), "numeric");
    assert_int_equal(wn_dataset_rows(d), 24);
    assert_int_equal(wn_dataset_inputs(d), 0 + 1 + 3 + 20 + 1);
    assert_int_equal(wn_dataset_outputs(d), 1);
    assert_int_equal(wn_dataset_task(d), WN_TASK_REGRESSION);
    assert_int_equal(wn_dataset_source(d), WN_SOURCE_FILE);
    for (size_t r = 0; r < 24; r++) {
        assert_true(X(d, r, 0) == (r % 2 ? 1.0f : 0.0f));
        size_t k = r % 3 == 2 ? 0 : r % 3 == 0 ? 1 : 2;   /* 1.5, 2, 10 */
        for (size_t j = 0; j < 3; j++)
            assert_true(X(d, r, 1 + j) == (j == k ? 1.0f : 0.0f));
        for (size_t j = 0; j < 20; j++)
            assert_true(X(d, r, 4 + j) == (j == r % 20 ? 1.0f : 0.0f));
        double many = (double)(r % 21 * 3 - 7 + 7) / 60.0;
        assert_float_equal(X(d, r, 24), many, 1e-6);
        assert_float_equal(Y(d, r, 0), (double)(r * r) / (23.0 * 23.0),
                           1e-6);
    }
    wn_dataset_free(&d);
    assert_null(d);
    wn_dataset_free(&d);   /* NULL is a no-op */
    wn_dataset_free(NULL);
}

/* Non-numeric columns (csv): one-hot in byte order whatever the count;
 * two strings -> 0/1 with the larger string as 1; a mixed column is a
 * string column ("10" < "9" < "x" in byte order); a string label with 3
 * values -> multiclass.  Also CRLF line ends and blank lines. */
static void test_string_rules(void **state)
{
    (void)state;
    char text[8192];
    size_t n = 0;
    static const char *const abc[3] = {"b", "a", "c"};
    static const char *const mixed[3] = {"9", "x", "10"};
    static const char *const cls[3] = {"setosa", "virginica", "versicolor"};
    n += (size_t)snprintf(text + n, sizeof text - n,
                          "abc,yn,mixed,id,class,num\r\n");
    for (int r = 0; r < 25; r++) {
        n += (size_t)snprintf(text + n, sizeof text - n,
                              "%s,%s,%s,id%02d,%s,%d\r\n", abc[r % 3],
                              r % 2 ? "yes" : "no", mixed[r % 3], r,
                              cls[r % 3], r);
        if (r == 10)
            n += (size_t)snprintf(text + n, sizeof text - n, "\r\n");
    }
    const char *p = write_file("strings.csv", text);
    wn_dataset *d = load_ok(p, "class");

    assert_int_equal(wn_dataset_rows(d), 25);
    assert_int_equal(wn_dataset_inputs(d), 3 + 1 + 3 + 25 + 1);
    assert_int_equal(wn_dataset_outputs(d), 3);
    assert_int_equal(wn_dataset_task(d), WN_TASK_MULTICLASS);
    for (size_t r = 0; r < 25; r++) {
        size_t kabc = r % 3 == 0 ? 1 : r % 3 == 1 ? 0 : 2;   /* a b c */
        size_t kmix = r % 3 == 0 ? 1 : r % 3 == 1 ? 2 : 0;   /* 10 9 x */
        size_t kcls = r % 3 == 0 ? 0 : r % 3 == 1 ? 2 : 1;   /* s ve vi */
        for (size_t j = 0; j < 3; j++) {
            assert_true(X(d, r, j) == (j == kabc ? 1.0f : 0.0f));
            assert_true(X(d, r, 4 + j) == (j == kmix ? 1.0f : 0.0f));
            assert_true(Y(d, r, j) == (j == kcls ? 1.0f : 0.0f));
        }
        assert_true(X(d, r, 3) == (r % 2 ? 1.0f : 0.0f));   /* yes = 1 */
        for (size_t j = 0; j < 25; j++)
            assert_true(X(d, r, 7 + j) == (j == r ? 1.0f : 0.0f));
        assert_float_equal(X(d, r, 32), r / 24.0, 1e-6);
    }
    wn_dataset_free(&d);
}

/* Label rules: two numbers -> binary (larger is 1); two strings -> binary
 * (byte order); a label with a single value is an error. */
static void test_label_rules(void **state)
{
    (void)state;
    const char *p = write_file("bin.tsv", "a\tb\ttarget\n"
                                          "1\t0.5\t-1\n"
                                          "2\t0.25\t1\n"
                                          "3\t0.75\t1\n");
    wn_dataset *d = load_ok(p, NULL);
    assert_int_equal(wn_dataset_task(d), WN_TASK_BINARY);
    assert_int_equal(wn_dataset_outputs(d), 1);
    assert_int_equal(wn_dataset_inputs(d), 6);   /* a, b: 3 values each */
    assert_true(Y(d, 0, 0) == 0.0f && Y(d, 1, 0) == 1.0f && Y(d, 2, 0) == 1.0f);
    wn_dataset_free(&d);

    p = write_file("bin_str.csv", "f,target\n1,pos\n2,neg\n3,pos\n4,neg\n");
    d = load_ok(p, NULL);
    assert_int_equal(wn_dataset_task(d), WN_TASK_BINARY);
    assert_true(Y(d, 0, 0) == 1.0f && Y(d, 1, 0) == 0.0f);
    /* f has 4 distinct numbers: one-hot */
    assert_int_equal(wn_dataset_inputs(d), 4);
    wn_dataset_free(&d);
}

/* The mnist rule, by name: every pixel / 255 (a constant column is kept),
 * the label one-hot even with only two classes present. */
static void test_mnist_rule(void **state)
{
    (void)state;
    const char *p = write_file("mnist.tsv", "p0\tp1\tp2\ttarget\n"
                                            "0\t255\t17\t3\n"
                                            "0\t0\t51\t7\n"
                                            "0\t128\t255\t3\n");
    wn_dataset *d = load_ok(p, NULL);
    assert_string_equal(wn_dataset_name(d), "mnist");
    assert_int_equal(wn_dataset_inputs(d), 3);
    assert_int_equal(wn_dataset_outputs(d), 2);
    assert_int_equal(wn_dataset_task(d), WN_TASK_MULTICLASS);
    assert_true(X(d, 0, 0) == 0.0f);
    assert_true(X(d, 0, 1) == 1.0f);
    assert_float_equal(X(d, 0, 2), 17.0 / 255.0, 1e-7);
    assert_float_equal(X(d, 2, 1), 128.0 / 255.0, 1e-7);
    assert_true(Y(d, 0, 0) == 1.0f && Y(d, 0, 1) == 0.0f);
    assert_true(Y(d, 1, 0) == 0.0f && Y(d, 1, 1) == 1.0f);
    wn_dataset_free(&d);

    /* the same file under another name follows the general rules */
    p = write_file("notmnist.tsv", "p0\tp1\tp2\ttarget\n"
                                   "0\t255\t17\t3\n"
                                   "0\t0\t51\t7\n"
                                   "0\t128\t255\t3\n");
    d = load_ok(p, NULL);
    assert_int_equal(wn_dataset_inputs(d), 6);   /* p0 dropped, 3 + 3 */
    assert_int_equal(wn_dataset_task(d), WN_TASK_BINARY);
    wn_dataset_free(&d);
}

/* Numbers: the fast path must agree bit for bit with strtod. */
static void test_parse_number_matches_strtod(void **state)
{
    (void)state;
    static const char *const fixed[] = {
        "0", "-0", "1.", ".5", "+3.25", "9007199254740993", "0.1",
        "123456789012345678", "1e5", "1E-3", "0x10", "  7", "4.9e-324",
        "0.30000000000000004", "2.2250738585072014e-308",
        "1234567.8901234567", "99999999999999999999",
    };
    static const char *const bad[] = {"", "-", ".", "a1", "1a", "1 ", "--1",
                                      "1.2.3", "e5"};
    double v;
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++) {
        double want = strtod(fixed[i], NULL);
        assert_true(wn__data_parse_number(fixed[i], &v));
        assert_memory_equal(&v, &want, sizeof v);
    }
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_false(wn__data_parse_number(bad[i], &v));
    assert_true(wn__data_parse_number("nan", &v) && isnan(v));
    assert_true(wn__data_parse_number("-inf", &v) && isinf(v));

    wn_rng rng;
    wn__rng_seed(&rng, 42);
    for (int i = 0; i < 200000; i++) {
        char s[40];
        int len = 0;
        if (wn__rng_below(&rng, 4) == 0)
            s[len++] = '-';
        int ip = (int)wn__rng_below(&rng, 12), fp = (int)wn__rng_below(&rng, 12);
        for (int k = 0; k < ip; k++)
            s[len++] = (char)('0' + wn__rng_below(&rng, 10));
        if (fp || ip == 0) {
            s[len++] = '.';
            for (int k = 0; k < (fp ? fp : 1); k++)
                s[len++] = (char)('0' + wn__rng_below(&rng, 10));
        }
        s[len] = '\0';
        double want = strtod(s, NULL);
        assert_true(wn__data_parse_number(s, &v));
        if (memcmp(&v, &want, sizeof v) != 0)
            fail_msg("'%s': %.17g, strtod %.17g", s, v, want);
    }
}

/* ---- split ---------------------------------------------------------------- */

static wn_dataset *make_rows(size_t rows)
{
    float *x = calloc(rows, sizeof(float)), *y = calloc(rows, sizeof(float));
    assert_non_null(x);
    assert_non_null(y);
    for (size_t r = 0; r < rows; r++)
        x[r] = y[r] = (float)r;
    wn_dataset *d = NULL;
    assert_int_equal(wn_dataset_from_arrays("rows", WN_TASK_REGRESSION, rows,
                                            1, 1, x, y, &d), WN_OK);
    free(x);
    free(y);
    return d;
}

static void test_split(void **state)
{
    (void)state;
    static const size_t sizes[] = {1, 2, 3, 4, 5, 7, 10, 240, 4898, 12958};
    for (size_t t = 0; t < sizeof sizes / sizeof sizes[0]; t++) {
        size_t rows = sizes[t];
        wn_dataset *d = make_rows(rows);
        wn_split a, b, c;
        assert_int_equal(wn_split_make(d, 0.8, 7, &a), WN_OK);
        assert_int_equal(wn_split_make(d, 0.8, 7, &b), WN_OK);
        assert_int_equal(wn_split_make(d, 0.8, 8, &c), WN_OK);
        assert_int_equal(a.n_train, (8 * rows + 5) / 10);
        assert_int_equal(a.n_train + a.n_test, rows);
        assert_memory_equal(a.idx, b.idx, rows * sizeof(size_t));
        if (rows >= 10)
            assert_memory_not_equal(a.idx, c.idx, rows * sizeof(size_t));
        char *seen = calloc(rows, 1);
        assert_non_null(seen);
        for (size_t i = 0; i < rows; i++) {
            assert_true(a.idx[i] < rows);
            assert_false(seen[a.idx[i]]);   /* disjoint, covers all rows */
            seen[a.idx[i]] = 1;
        }
        free(seen);
        wn_split_free(&a);
        wn_split_free(&b);
        wn_split_free(&c);
        assert_null(a.idx);
        wn_dataset_free(&d);
    }
    /* shuffled: with 4898 rows the identity would be absurd */
    wn_dataset *d = make_rows(100);
    wn_split s;
    assert_int_equal(wn_split_make(d, 0.8, 1, &s), WN_OK);
    size_t fixed_points = 0;
    for (size_t i = 0; i < 100; i++)
        fixed_points += s.idx[i] == i;
    assert_true(fixed_points < 10);
    wn_split_free(&s);
    assert_int_equal(wn_split_make(d, 1.5, 1, &s), WN_EINVAL);
    assert_int_equal(wn_split_make(d, NAN, 1, &s), WN_EINVAL);
    assert_int_equal(wn_split_make(NULL, 0.8, 1, &s), WN_EINVAL);
    assert_int_equal(wn_split_make(d, 0.0, 1, &s), WN_OK);
    assert_int_equal(s.n_train, 0);
    assert_int_equal(s.n_test, 100);
    wn_split_free(&s);
    wn_split_free(NULL);
    wn_dataset_free(&d);
}

/* ---- synthetic stand-ins -------------------------------------------------- */

/* Targets well formed; strict: also about balanced (synthetic data). */
static void check_labels(const wn_dataset *d, int strict)
{
    size_t rows = wn_dataset_rows(d), k = wn_dataset_outputs(d);
    const float *y = wn_dataset_y(d);
    if (wn_dataset_task(d) == WN_TASK_MULTICLASS) {
        size_t count[64] = {0};
        assert_true(k <= 64);
        for (size_t r = 0; r < rows; r++) {
            float sum = 0;
            size_t hot = 0;
            for (size_t j = 0; j < k; j++) {
                sum += y[r * k + j];
                if (y[r * k + j] == 1.0f)
                    hot = j;
            }
            assert_true(sum == 1.0f);
            count[hot]++;
        }
        for (size_t j = 0; j < k; j++) {
            /* every class present, none dominant */
            if (count[j] == 0 ||
                (strict && (count[j] < rows / (4 * k) || count[j] > rows / 2)))
                fail_msg("%s: class %zu has %zu of %zu rows",
                         wn_dataset_name(d), j, count[j], rows);
        }
    } else if (wn_dataset_task(d) == WN_TASK_BINARY) {
        size_t ones = 0;
        for (size_t r = 0; r < rows; r++) {
            assert_true(y[r] == 0.0f || y[r] == 1.0f);
            ones += y[r] == 1.0f;
        }
        assert_true(ones > 0 && ones < rows);
        if (strict)
            assert_true(ones > rows * 2 / 5 && ones < rows * 3 / 5);
    } else {
        float lo = 1, hi = 0;
        for (size_t r = 0; r < rows; r++) {
            lo = fminf(lo, y[r]);
            hi = fmaxf(hi, y[r]);
        }
        assert_true(lo == 0.0f && hi == 1.0f);
    }
}

static void test_synthetic_all_13(void **state)
{
    (void)state;
    assert_int_equal(wn_study_dataset_count(), 13);
    assert_null(wn_study_dataset_at(13));
    assert_null(wn_study_dataset_find("nope"));
    for (size_t i = 0; i < wn_study_dataset_count(); i++) {
        const wn_study_dataset *sd = wn_study_dataset_at(i);
        assert_ptr_equal(wn_study_dataset_find(sd->name), sd);
        char spec[64];
        snprintf(spec, sizeof spec, "synthetic:%s", sd->name);
        wn_dataset *d = NULL, *again = NULL;
        wn_data_opts o = {0};
        o.seed = 5;
        assert_int_equal(wn_dataset_load(spec, &o, &d), WN_OK);
        assert_string_equal(wn_dataset_name(d), sd->name);
        assert_int_equal(wn_dataset_rows(d), sd->rows);
        assert_int_equal(wn_dataset_inputs(d), sd->inputs);
        assert_int_equal(wn_dataset_outputs(d), sd->outputs);
        assert_int_equal(wn_dataset_task(d), sd->task);
        assert_int_equal(wn_dataset_source(d), WN_SOURCE_SYNTHETIC);
        const float *x = wn_dataset_x(d);
        for (size_t j = 0; j < sd->rows * sd->inputs; j++)
            if (!(x[j] >= 0.0f && x[j] <= 1.0f))
                fail_msg("%s: x[%zu] = %g", sd->name, j, x[j]);
        check_labels(d, 1);
        /* deterministic; another seed gives other data */
        if (sd->rows * sd->inputs <= 2000000) {
            assert_int_equal(wn_dataset_load(spec, &o, &again), WN_OK);
            assert_memory_equal(wn_dataset_x(d), wn_dataset_x(again),
                                sd->rows * sd->inputs * sizeof(float));
            assert_memory_equal(wn_dataset_y(d), wn_dataset_y(again),
                                sd->rows * sd->outputs * sizeof(float));
            wn_dataset_free(&again);
            o.seed = 6;
            assert_int_equal(wn_dataset_load(spec, &o, &again), WN_OK);
            assert_memory_not_equal(wn_dataset_x(d), wn_dataset_x(again),
                                    sd->inputs * sizeof(float));
            wn_dataset_free(&again);
        }
        wn_dataset_free(&d);
    }
}

/* ---- export --------------------------------------------------------------- */

static uint64_t get_u64(const unsigned char *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

static void check_export(const wn_dataset *d, uint64_t seed)
{
    char path[256];
    wn_split s;
    snprintf(path, sizeof path, "%s/out.wndata", tmpdir);
    assert_int_equal(wn_split_make(d, 0.8, seed, &s), WN_OK);
    if (wn_dataset_export(d, &s, path))
        fail_msg("export: %s", wn_errmsg());

    size_t rows = wn_dataset_rows(d), in = wn_dataset_inputs(d);
    size_t k = wn_dataset_outputs(d);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    unsigned char head[48];
    assert_int_equal(fread(head, 1, 48, f), 48);
    assert_memory_equal(head, "WNDATA01", 8);
    assert_int_equal(get_u64(head + 8), rows);
    assert_int_equal(get_u64(head + 16), in);
    assert_int_equal(get_u64(head + 24), k);
    assert_int_equal(get_u64(head + 32), s.n_train);
    assert_int_equal(get_u64(head + 40) & 0xffffffffu, wn_dataset_task(d));
    assert_int_equal(get_u64(head + 40) >> 32, 0);
    float *x = malloc(rows * in * sizeof(float));
    float *y = malloc(rows * k * sizeof(float));
    assert_non_null(x);
    assert_non_null(y);
    assert_int_equal(fread(x, sizeof(float), rows * in, f), rows * in);
    assert_int_equal(fread(y, sizeof(float), rows * k, f), rows * k);
    assert_int_equal(fgetc(f), EOF);   /* nothing after y */
    fclose(f);
    for (size_t i = 0; i < rows; i++) {
        size_t r = s.idx[i];
        assert_memory_equal(x + i * in, wn_dataset_x(d) + r * in,
                            in * sizeof(float));
        assert_memory_equal(y + i * k, wn_dataset_y(d) + r * k,
                            k * sizeof(float));
    }
    free(x);
    free(y);
    wn_split_free(&s);
}

static void test_export_roundtrip(void **state)
{
    (void)state;
    wn_dataset *d = NULL;
    assert_int_equal(wn_dataset_load("synthetic:wine_quality_white", NULL, &d),
                     WN_OK);
    check_export(d, 1);
    check_export(d, 12345);
    /* a split that does not match the dataset is refused */
    wn_split s = {0};
    char path[256];
    snprintf(path, sizeof path, "%s/bad.wndata", tmpdir);
    assert_int_equal(wn_dataset_export(d, &s, path), WN_EINVAL);
    assert_int_equal(wn_split_make(d, 0.8, 1, &s), WN_OK);
    s.idx[0] = s.idx[1];
    assert_int_equal(wn_dataset_export(d, &s, path), WN_EINVAL);
    assert_int_equal(access(path, F_OK), -1);
    snprintf(path, sizeof path, "%s/no/such/dir/x.wndata", tmpdir);
    s.idx[0] = s.idx[2];   /* wrong again: fix it from a fresh split */
    wn_split_free(&s);
    assert_int_equal(wn_split_make(d, 0.8, 1, &s), WN_OK);
    assert_int_not_equal(wn_dataset_export(d, &s, path), WN_OK);
    wn_split_free(&s);
    wn_dataset_free(&d);

    d = load_ok(write_file("exp.tsv", "a\tb\ttarget\n1\tx\t0.5\n2\ty\t0.25\n"
                                      "3\tz\t1.5\n4\tx\t7\n5\ty\t0\n"), NULL);
    check_export(d, 3);
    wn_dataset_free(&d);
    /* no temporary files left behind */
    char cmd[512];
    snprintf(cmd, sizeof cmd, "ls %s | grep -q tmp", tmpdir);
    assert_int_not_equal(system(cmd), 0);
}

/* ---- SPEC resolution ------------------------------------------------------ */

struct notices {
    int count;
    char last[512];
};

static void on_notice(void *user, const char *line)
{
    struct notices *n = user;
    n->count++;
    snprintf(n->last, sizeof n->last, "%s", line);
}

static void test_spec_resolution(void **state)
{
    (void)state;
    char dir[256];
    snprintf(dir, sizeof dir, "%s/dd", tmpdir);
    assert_int_equal(mkdir(dir, 0700), 0);
    write_file("dd/mydata.tsv.gz", "a\ttarget\n1\t0\n2\t1\n3\t1\n");
    write_file("dd/banana.tsv.gz", "a\tb\ttarget\n1\t2\t0\n2\t2\t1\n");

    struct notices seen = {0};
    wn_data_opts o = {0};
    o.notice = on_notice;
    o.user = &seen;
    wn_dataset *d = NULL;

    /* NAME in data_dir */
    o.data_dir = dir;
    assert_int_equal(wn_dataset_load("mydata", &o, &d), WN_OK);
    assert_int_equal(wn_dataset_source(d), WN_SOURCE_FILE);
    assert_int_equal(wn_dataset_rows(d), 3);
    wn_dataset_free(&d);
    /* a study name found on disk is the file, not the stand-in */
    assert_int_equal(wn_dataset_load("banana", &o, &d), WN_OK);
    assert_int_equal(wn_dataset_source(d), WN_SOURCE_FILE);
    assert_int_equal(wn_dataset_rows(d), 2);
    wn_dataset_free(&d);
    /* ...but this 2-row file is not the study's banana: one notice says so */
    assert_int_equal(seen.count, 1);
    assert_non_null(strstr(seen.last, "not the study's banana"));
    seen.count = 0;

    /* NAME in $WATTNET_DATA */
    o.data_dir = tmpdir;
    setenv("WATTNET_DATA", dir, 1);
    assert_int_equal(wn_dataset_load("mydata", &o, &d), WN_OK);
    assert_int_equal(wn_dataset_source(d), WN_SOURCE_FILE);
    wn_dataset_free(&d);

    /* a study dataset that is nowhere: the stand-in and one notice line */
    unsetenv("WATTNET_DATA");
    assert_int_equal(wn_dataset_load("nursery", &o, &d), WN_OK);
    assert_int_equal(wn_dataset_source(d), WN_SOURCE_SYNTHETIC);
    assert_int_equal(wn_dataset_rows(d), 12958);
    assert_int_equal(seen.count, 1);
    assert_non_null(strstr(seen.last, "nursery"));
    assert_non_null(strstr(seen.last, "synthetic"));
    assert_null(strchr(seen.last, '\n'));
    wn_dataset_free(&d);
    /* no notice function: still fine */
    assert_int_equal(wn_dataset_load("nursery", NULL, &d), WN_OK);
    wn_dataset_free(&d);

    /* an unknown NAME is an error that names it */
    assert_int_equal(wn_dataset_load("mydata", &o, &d), WN_ENOENT);
    assert_null(d);
    assert_non_null(strstr(wn_errmsg(), "mydata"));
    assert_int_equal(wn_dataset_load("synthetic:mydata", &o, &d), WN_ENOENT);
    assert_int_equal(wn_dataset_load("", &o, &d), WN_EINVAL);
    assert_int_equal(wn_dataset_load(NULL, &o, &d), WN_EINVAL);
    assert_int_equal(seen.count, 1);

    /* a relative path with an extension is a path */
    char cwd[512];
    assert_non_null(getcwd(cwd, sizeof cwd));
    assert_int_equal(chdir(dir), 0);
    assert_int_equal(wn_dataset_load("mydata.tsv.gz", &o, &d), WN_OK);
    assert_string_equal(wn_dataset_name(d), "mydata");
    wn_dataset_free(&d);
    assert_int_equal(chdir(cwd), 0);
}

/* ---- from_arrays ---------------------------------------------------------- */

static void test_from_arrays(void **state)
{
    (void)state;
    const float x[6] = {1, 2, 3, 4, 5, 6}, y[2] = {0, 1};
    wn_dataset *d = NULL;
    assert_int_equal(wn_dataset_from_arrays("arr", WN_TASK_BINARY, 2, 3, 1, x,
                                            y, &d), WN_OK);
    assert_string_equal(wn_dataset_name(d), "arr");
    assert_memory_equal(wn_dataset_x(d), x, sizeof x);
    assert_memory_equal(wn_dataset_y(d), y, sizeof y);
    assert_int_equal(wn_dataset_task(d), WN_TASK_BINARY);
    wn_dataset_free(&d);
    assert_int_equal(wn_dataset_from_arrays("arr", WN_TASK_BINARY, 0, 3, 1, x,
                                            y, &d), WN_EINVAL);
    assert_int_equal(wn_dataset_from_arrays("arr", WN_TASK_BINARY, 2, 3, 1,
                                            NULL, y, &d), WN_EINVAL);
    assert_int_equal(wn_dataset_from_arrays("arr", (wn_task)9, 2, 3, 1, x, y,
                                            &d), WN_EINVAL);
    assert_int_equal(wn_dataset_from_arrays("arr", WN_TASK_BINARY, SIZE_MAX / 2,
                                            3, 1, x, y, &d), WN_EINVAL);
    assert_null(d);
    assert_string_equal(wn_task_name(WN_TASK_REGRESSION), "regression");
    assert_string_equal(wn_task_name(WN_TASK_BINARY), "binary");
    assert_string_equal(wn_task_name(WN_TASK_MULTICLASS), "multiclass");
}

/* ---- the real PMLB files against SPEC section 2 --------------------------- */

static void check_shared_file(const char *dir, const char *name)
{
    const wn_study_dataset *sd = wn_study_dataset_find(name);
    if (!sd)
        fail_msg("%s/%s.tsv.gz is not a study dataset", dir, name);
    wn_data_opts o = {0};
    o.data_dir = dir;
    wn_dataset *d = NULL;
    int rc = wn_dataset_load(name, &o, &d);
    if (rc)
        fail_msg("%s: %s", name, wn_errmsg());
    if (wn_dataset_source(d) != WN_SOURCE_FILE ||
        wn_dataset_rows(d) != sd->rows || wn_dataset_inputs(d) != sd->inputs ||
        wn_dataset_outputs(d) != sd->outputs || wn_dataset_task(d) != sd->task)
        fail_msg("%s: %zu rows, %zu inputs, %zu outputs, %s; SPEC says "
                 "%zu, %zu, %zu, %s", name, wn_dataset_rows(d),
                 wn_dataset_inputs(d), wn_dataset_outputs(d),
                 wn_task_name(wn_dataset_task(d)), sd->rows, sd->inputs,
                 sd->outputs, wn_task_name(sd->task));
    /* every input in [0, 1], and every input column reaches 0 and 1 */
    for (size_t c = 0; c < sd->inputs; c++) {
        float lo = 1, hi = 0;
        for (size_t r = 0; r < sd->rows; r++) {
            float v = X(d, r, c);
            if (!(v >= 0.0f && v <= 1.0f))
                fail_msg("%s: x[%zu][%zu] = %g", name, r, c, v);
            lo = fminf(lo, v);
            hi = fmaxf(hi, v);
        }
        if (lo != 0.0f || hi != 1.0f)
            fail_msg("%s: input %zu spans [%g, %g]", name, c, lo, hi);
    }
    check_labels(d, 0);
    print_message("%s: %zu x %zu -> %zu %s, as in SPEC\n", name, sd->rows,
                  sd->inputs, sd->outputs, wn_task_name(sd->task));
    wn_dataset_free(&d);
}

/* Every NAME.tsv.gz in $WN_SHARED_DIR/datasets against the SPEC table. */
static void test_shared_files_match_spec(void **state)
{
    (void)state;
    char dir[512];
    snprintf(dir, sizeof dir, "%s/datasets", WN_SHARED_DIR);
    DIR *dp = opendir(dir);
    if (!dp) {
        print_message("SKIP: %s is absent: real datasets not checked\n", dir);
        skip();
    }
    size_t checked = 0;
    for (struct dirent *e; (e = readdir(dp));) {
        size_t n = strlen(e->d_name);
        if (n <= 7 || strcmp(e->d_name + n - 7, ".tsv.gz") != 0)
            continue;
        char name[256];
        snprintf(name, sizeof name, "%.*s", (int)(n - 7), e->d_name);
        check_shared_file(dir, name);
        checked++;
    }
    closedir(dp);
    print_message("%zu real datasets checked\n", checked);
    assert_true(checked > 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_numeric_rules),
        cmocka_unit_test(test_string_rules),
        cmocka_unit_test(test_label_rules),
        cmocka_unit_test(test_mnist_rule),
        cmocka_unit_test(test_parse_number_matches_strtod),
        cmocka_unit_test(test_split),
        cmocka_unit_test(test_synthetic_all_13),
        cmocka_unit_test(test_export_roundtrip),
        cmocka_unit_test(test_spec_resolution),
        cmocka_unit_test(test_from_arrays),
        cmocka_unit_test(test_shared_files_match_spec),
    };
    return cmocka_run_group_tests(tests, setup_dir, teardown_dir);
}
