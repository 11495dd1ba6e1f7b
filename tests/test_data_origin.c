/*
 * test_data_origin.c - which dataset a run trained on: SHA-256 against the
 * FIPS 180-4 vectors and sha256sum, wn_data_resolve's order (data dir,
 * $WATTNET_DATA, stand-in with its notice), a run on a real file recording
 * the file's path and checksum, and the store keeping them (schema 3) on
 * SQLite and PostgreSQL, with a run stored under schema 2 migrated and
 * read back with no path.
 */
#define FX_PG_SCHEMA "wn_test_origin"
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <wattnet/wattnet.h>
#include <wattnet/data_origin.h>

#include "core/sha256.h"
#include "store_fixture.h"

static char tmpdir[1024];

static void test_sha256_vectors(void **state)
{
    (void)state;
    struct wn__sha256 c;
    char hex[65];
    wn__sha256_init(&c);
    wn__sha256_hex(&c, hex);
    assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    wn__sha256_init(&c);
    wn__sha256_update(&c, "abc", 3);
    wn__sha256_hex(&c, hex);
    assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    const char *two = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    wn__sha256_init(&c);
    wn__sha256_update(&c, two, strlen(two));
    wn__sha256_hex(&c, hex);
    assert_string_equal(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

/* A small PMLB-style file NAME.tsv in DIR (gzip not needed: .tsv.gz is
 * what the lookup wants, so write plain text and gzip it). */
static void write_dataset(const char *dir, const char *name)
{
    char path[1300], cmd[2800];
    snprintf(path, sizeof path, "%s/%s.tsv", dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fprintf(f, "a\tb\ttarget\n");
    for (int i = 0; i < 64; i++)
        fprintf(f, "%d\t%d\t%d\n", i % 7, (i * 3) % 11, (i % 7) > 3);
    fclose(f);
    snprintf(cmd, sizeof cmd, "gzip -nf '%s'", path);
    assert_int_equal(system(cmd), 0);
}

static void test_resolve_order(void **state)
{
    (void)state;
    char d1[1100], d2[1100], cmd[2400], sum[65] = "";
    snprintf(d1, sizeof d1, "%s/dir", tmpdir);
    snprintf(d2, sizeof d2, "%s/env", tmpdir);
    snprintf(cmd, sizeof cmd, "mkdir -p '%s' '%s'", d1, d2);
    assert_int_equal(system(cmd), 0);
    write_dataset(d2, "banana");
    wn_data_opts o = {0};
    o.data_dir = d1;
    wn_data_origin org;
    unsetenv("WATTNET_DATA");
    assert_int_equal(wn_data_resolve("banana", &o, 1, &org), WN_OK);
    assert_int_equal(org.source, WN_SOURCE_SYNTHETIC);
    assert_string_equal(org.path, "");
    assert_non_null(strstr(org.notice, "synthetic stand-in"));
    setenv("WATTNET_DATA", d2, 1);
    assert_int_equal(wn_data_resolve("banana", &o, 1, &org), WN_OK);
    assert_int_equal(org.source, WN_SOURCE_FILE);
    assert_non_null(strstr(org.path, "/env/banana.tsv.gz"));
    assert_string_equal(org.notice, "");
    /* the checksum is sha256sum's */
    snprintf(cmd, sizeof cmd, "sha256sum '%s'", org.path);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    assert_int_equal(fscanf(p, "%64s", sum), 1);
    pclose(p);
    assert_string_equal(org.sha256, sum);
    /* the data directory comes first */
    write_dataset(d1, "banana");
    assert_int_equal(wn_data_resolve("banana", &o, 0, &org), WN_OK);
    assert_non_null(strstr(org.path, "/dir/banana.tsv.gz"));
    assert_string_equal(org.sha256, "");
    assert_int_equal(wn_data_resolve("synthetic:banana", &o, 1, &org), WN_OK);
    assert_int_equal(org.source, WN_SOURCE_SYNTHETIC);
    assert_int_equal(wn_data_resolve("no_such_set", &o, 1, &org), WN_ENOENT);
    unsetenv("WATTNET_DATA");
}

/* A run on the real file records it; the store keeps it. */
static void run_and_store(const char *url)
{
    char dir[1100];
    snprintf(dir, sizeof dir, "%s/dir", tmpdir);
    wn_data_opts o = {0};
    o.data_dir = dir;
    o.seed = 1;
    wn_run_spec sp;
    wn_run_spec_default(&sp);
    snprintf(sp.dataset, sizeof sp.dataset, "banana");
    sp.train.size = 64;
    sp.train.epochs = 2;
    sp.train.batch = 16;
    sp.train.threads = 1;
    wn_run_record rec, syn;
    assert_int_equal(wn_run_execute(&sp, &o, NULL, NULL, &rec), WN_OK);
    assert_string_equal(rec.data_source, "file");
    assert_non_null(strstr(rec.data_path, "/dir/banana.tsv.gz"));
    assert_int_equal(strlen(rec.data_sha256), 64);
    snprintf(sp.dataset, sizeof sp.dataset, "synthetic:banana");
    assert_int_equal(wn_run_execute(&sp, &o, NULL, NULL, &syn), WN_OK);
    assert_string_equal(syn.data_path, "");

    wn_store *s = NULL;
    assert_int_equal(wn_store_open(url, &s), WN_OK);
    assert_int_equal(wn_store_put_run(s, &rec), WN_OK);
    assert_int_equal(wn_store_put_run(s, &syn), WN_OK);
    wn_run_record *out = NULL;
    size_t n = 0;
    assert_int_equal(wn_store_load_runs(s, &out, &n), WN_OK);
    assert_int_equal(n, 2);
    assert_string_equal(out[0].data_path, rec.data_path);
    assert_string_equal(out[0].data_sha256, rec.data_sha256);
    assert_string_equal(out[1].data_path, "");
    assert_string_equal(out[1].data_sha256, "");
    wn_run_records_free(&out, n);
    wn_store_close(&s);
    wn_run_record_clear(&rec);
    wn_run_record_clear(&syn);
}

/* A run stored under schema 2 reads back after the migrations, no path. */
static void migrate_2_to_3(const char *url)
{
    wn_store *s = NULL;
    int v = 0;
    assert_int_equal(wn__store_open_raw(url, &s), WN_OK);
    assert_int_equal(wn__store_migrate(s, 2), WN_OK);
    assert_int_equal(wn__store_exec(s, "INSERT INTO runs (host, dataset, shape,"
                                       " data_source) VALUES ('h', 'adult',"
                                       " 'rectangle', 'file')"), WN_OK);
    wn_store_close(&s);
    assert_int_equal(wn_store_open(url, &s), WN_OK);
    assert_int_equal(wn_store_schema_version(s, &v), WN_OK);
    assert_int_equal(v, WN_STORE_SCHEMA_VERSION);
    wn_run_record *out = NULL;
    size_t n = 0;
    assert_int_equal(wn_store_load_runs(s, &out, &n), WN_OK);
    assert_int_equal(n, 1);
    assert_string_equal(out[0].data_source, "file");
    assert_string_equal(out[0].data_path, "");
    wn_run_records_free(&out, n);
    wn_store_close(&s);
}

static void test_sqlite(void **state)
{
    (void)state;
    char path[1200];
    snprintf(path, sizeof path, "%s/origin.db", tmpdir);
    run_and_store(path);
    snprintf(path, sizeof path, "%s/v2.db", tmpdir);
    migrate_2_to_3(path);
}

static void test_pg(void **state)
{
    (void)state;
    const char *url = fx_pg_fresh_or_skip();
    run_and_store(url);
    assert_int_equal(fx_pg_reset(url), WN_OK);
    migrate_2_to_3(url);
}

static int setup(void **state)
{
    (void)state;
    fx_tmpdir(tmpdir, sizeof tmpdir, "origin");
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    fx_rmdir(tmpdir);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sha256_vectors),
        cmocka_unit_test(test_resolve_order),
        cmocka_unit_test(test_sqlite),
        cmocka_unit_test(test_pg),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
