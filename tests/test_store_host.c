/*
 * test_store_host.c - the host stored runs were recorded on comes back
 * from the database (caches included), and fitting/reporting choose it
 * over the machine that reads the database; runs from several hosts fall
 * back to this machine with a note.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#define FX_PG_SCHEMA "wn_test_store_host"
#include "store_fixture.h"

#include <wattnet/wattnet.h>

static char dir[1024], db[1100];

static int setup(void **state)
{
    (void)state;
    fx_tmpdir(dir, sizeof dir, "store-host");
    snprintf(db, sizeof db, "%s/runs.db", dir);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    fx_rmdir(dir);
    return 0;
}

static void fake_host(wn_host *h, const char *name, uint64_t l2)
{
    memset(h, 0, sizeof *h);
    snprintf(h->hostname, sizeof h->hostname, "%s", name);
    snprintf(h->cpu_model, sizeof h->cpu_model, "Test CPU");
    h->cores = 12;
    h->n_caches = 3;
    h->caches[0] = (wn_cache_level){1, 32768, 1, 12};
    h->caches[1] = (wn_cache_level){2, l2, 1, 12};
    h->caches[2] = (wn_cache_level){3, 24u << 20, 12, 1};
    h->memory_bytes = 64ull << 30;
}

static void put_run_on(wn_store *s, const char *host)
{
    wn_run_record r;
    memset(&r, 0, sizeof r);
    wn_run_spec_default(&r.spec);
    snprintf(r.spec.dataset, sizeof r.spec.dataset, "synthetic:banana");
    snprintf(r.host, sizeof r.host, "%s", host);
    snprintf(r.dataset_name, sizeof r.dataset_name, "banana");
    snprintf(r.data_source, sizeof r.data_source, "synthetic");
    snprintf(r.task, sizeof r.task, "binary");
    r.inputs = 2;
    r.outputs = 1;
    r.summary.depth = 3;
    r.summary.widths[0] = r.summary.widths[1] = 10;
    r.summary.widths[2] = 1;
    r.summary.params = 151;
    assert_int_equal(wn_store_put_run(s, &r), WN_OK);
}

static void test_one_recorded_host_is_used(void **state)
{
    (void)state;
    wn_store *s = NULL;
    wn_host h, back;
    size_t n = 0;
    assert_int_equal(wn_store_open(db, &s), WN_OK);
    assert_int_equal(wn_store_runs_host(s, &back, &n), WN_ENOENT);   /* no runs */
    assert_int_equal(n, 0);

    fake_host(&h, "node-a", 3u << 20);
    assert_int_equal(wn_store_put_host(s, &h, NULL), WN_OK);
    put_run_on(s, "node-a");
    assert_int_equal(wn_store_runs_host(s, &back, &n), WN_OK);
    assert_int_equal(n, 1);
    assert_string_equal(back.hostname, "node-a");
    assert_int_equal(back.cores, 12);
    assert_int_equal(back.n_caches, 3);
    assert_int_equal(back.caches[1].level, 2);
    assert_int_equal(back.caches[1].size_bytes, 3u << 20);
    assert_int_equal(back.caches[2].shared_by_cores, 12);

    wn_hw_profile hw;
    char note[256];
    assert_int_equal(wn_hw_profile_for_runs(s, NULL, &hw, NULL, note, sizeof note),
                     WN_OK);
    assert_non_null(strstr(note, "node-a"));
    assert_int_equal(hw.cores, 12);
    int found = 0;
    for (int l = 0; l < hw.n_levels; l++)
        found |= hw.levels[l].size_bytes == (3u << 20);
    assert_true(found);
    wn_store_close(&s);
}

static void test_several_hosts_fall_back_with_a_note(void **state)
{
    (void)state;
    wn_store *s = NULL;
    wn_host h, back;
    size_t n = 0;
    assert_int_equal(wn_store_open(db, &s), WN_OK);
    fake_host(&h, "node-b", 1u << 20);
    assert_int_equal(wn_store_put_host(s, &h, NULL), WN_OK);
    put_run_on(s, "node-b");
    assert_int_equal(wn_store_runs_host(s, &back, &n), WN_ENOENT);
    assert_int_equal(n, 2);
    wn_hw_profile hw;
    char note[256];
    assert_int_equal(wn_hw_profile_for_runs(s, NULL, &hw, NULL, note, sizeof note),
                     WN_OK);
    assert_non_null(strstr(note, "2 hosts"));
    /* A named profile file wins; a bad one is an error. */
    assert_int_not_equal(wn_hw_profile_for_runs(s, "/nonexistent.json", &hw, NULL,
                                                note, sizeof note), WN_OK);
    char prof[1100];
    snprintf(prof, sizeof prof, "%s/profiles/xeon-gold-6154x2.json", WN_SOURCE_DIR);
    assert_int_equal(wn_hw_profile_for_runs(s, prof, &hw, NULL, note, sizeof note),
                     WN_OK);
    assert_non_null(strstr(note, "xeon-gold-6154x2.json"));
    wn_store_close(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_one_recorded_host_is_used),
        cmocka_unit_test(test_several_hosts_fall_back_with_a_note),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
