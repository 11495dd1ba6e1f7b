/*
 * test_probe_store.c - a measured hardware profile kept with its host
 * (`wattnet probe --db`) replaces an implausible reported one when runs of
 * that host are fitted or reported (lib/run/hw_for_runs.c, issue 10), and
 * only then; without one, the note warns and says how to measure.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <wattnet/wattnet.h>

static char dir[64];

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/wn_probe_store_XXXXXX");
    return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd);
}

/* A host like the development VM: L3 300 MiB shared by 2 cores. */
static wn_host vm_host(const char *name)
{
    wn_host h;
    memset(&h, 0, sizeof h);
    snprintf(h.hostname, sizeof h.hostname, "%s", name);
    snprintf(h.cpu_model, sizeof h.cpu_model, "EPYC (VM)");
    h.cores = 2;
    h.n_caches = 3;
    uint64_t sz[] = { 48 << 10, 2 << 20, 300ull << 20 };
    for (int i = 0; i < 3; i++) {
        h.caches[i].level = i + 1;
        h.caches[i].size_bytes = sz[i];
        h.caches[i].shared_by_cores = i == 2 ? 2 : 1;
        h.caches[i].instances = i == 2 ? 1 : 2;
    }
    h.memory_bytes = 24ull << 30;
    return h;
}

static wn_store *db_with_run(const char *file, const wn_host *h)
{
    char url[256];
    snprintf(url, sizeof url, "%s/%s", dir, file);
    wn_store *s = NULL;
    assert_int_equal(wn_store_open(url, &s), WN_OK);
    assert_int_equal(wn_store_put_host(s, h, NULL), WN_OK);
    wn_run_record r;
    memset(&r, 0, sizeof r);
    wn_run_spec_default(&r.spec);
    snprintf(r.spec.dataset, sizeof r.spec.dataset, "synthetic:banana");
    snprintf(r.host, sizeof r.host, "%s", h->hostname);
    assert_int_equal(wn_store_put_run(s, &r), WN_OK);
    return s;
}

static void test_measured_replaces_implausible(void **state)
{
    (void)state;
    wn_host h = vm_host("vm-1");
    wn_store *s = db_with_run("a.db", &h);
    wn_hw_profile p;
    char note[512] = "";
    /* no measured profile yet: hwloc's, with a warning */
    assert_int_equal(wn_hw_profile_for_runs(s, NULL, &p, NULL, note, sizeof note),
                     WN_OK);
    assert_true(p.levels[2].size_bytes == 300ull << 20);
    assert_non_null(strstr(note, "wattnet probe --db"));
    /* the probe's profile is kept with the host: it is used */
    wn_hw_profile m = p;
    /* a probe disturbed by other work (an "L1" of 5 KB) is never used */
    m.n_levels = 2;
    m.levels[0].size_bytes = 5000;
    m.levels[1].size_bytes = 1200000;
    char *bad = wn_hw_profile_to_json(&m);
    assert_int_equal(wn_store_put_profile(s, "vm-1", "measured", bad), WN_OK);
    wn_free(bad);
    note[0] = '\0';
    assert_int_equal(wn_hw_profile_for_runs(s, NULL, &p, NULL, note, sizeof note),
                     WN_OK);
    assert_true(p.levels[2].size_bytes == 300ull << 20);
    assert_non_null(strstr(note, "stored measured profile"));
    m.n_levels = 2;
    m.levels[0].size_bytes = 50000;
    m.levels[1].size_bytes = 1200000;
    snprintf(m.name, sizeof m.name, "vm-1 (measured)");
    char *js = wn_hw_profile_to_json(&m);
    assert_non_null(js);
    assert_int_equal(wn_store_put_profile(s, "vm-1", "measured", js), WN_OK);
    wn_free(js);
    note[0] = '\0';
    assert_int_equal(wn_hw_profile_for_runs(s, NULL, &p, NULL, note, sizeof note),
                     WN_OK);
    assert_int_equal(p.n_levels, 2);
    assert_true(p.levels[1].size_bytes == 1200000);
    assert_non_null(strstr(note, "measured profile"));
    /* a file given by the user is used as given, with a warning when its
     * caches are implausible */
    char file[128];
    snprintf(file, sizeof file, "%s/vm.json", dir);
    wn_hw_profile vm;
    wn_hw_profile_from_host(&h, &vm);   /* L3 300 MiB shared by 2 cores */
    char *vj = wn_hw_profile_to_json(&vm);
    FILE *f = fopen(file, "w");
    assert_non_null(f);
    fputs(vj, f);
    fclose(f);
    wn_free(vj);
    note[0] = '\0';
    assert_int_equal(wn_hw_profile_for_runs(s, file, &p, NULL, note, sizeof note),
                     WN_OK);
    assert_true(p.levels[2].size_bytes == 300ull << 20);
    assert_non_null(strstr(note, "this file's caches are implausible"));
    wn_store_close(&s);
}

static void test_plausible_host_keeps_its_profile(void **state)
{
    (void)state;
    wn_host h = vm_host("real-1");
    h.caches[2].size_bytes = 32ull << 20;   /* a real 32 MiB L3 */
    wn_store *s = db_with_run("b.db", &h);
    wn_hw_profile m;
    memset(&m, 0, sizeof m);
    snprintf(m.name, sizeof m.name, "x");
    snprintf(m.kind, sizeof m.kind, "cpu");
    m.cores = 2;
    m.n_levels = 1;
    snprintf(m.levels[0].name, sizeof m.levels[0].name, "L1");
    m.levels[0].size_bytes = 1000;
    m.levels[0].shared_by_cores = 1;
    m.levels[0].instances = 2;
    snprintf(m.memory_name, sizeof m.memory_name, "RAM");
    m.memory_bytes = 1 << 30;
    char *js = wn_hw_profile_to_json(&m);
    assert_int_equal(wn_store_put_profile(s, "real-1", "measured", js), WN_OK);
    wn_free(js);
    wn_hw_profile p;
    char note[512] = "";
    assert_int_equal(wn_hw_profile_for_runs(s, NULL, &p, NULL, note, sizeof note),
                     WN_OK);
    assert_int_equal(p.n_levels, 3);   /* plausible: hwloc's is kept */
    assert_null(strstr(note, "measured"));
    char *back = NULL;
    assert_int_equal(wn_store_get_profile(s, "nobody", "measured", &back), WN_ENOENT);
    assert_null(back);
    wn_store_close(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_measured_replaces_implausible),
        cmocka_unit_test(test_plausible_host_keeps_its_profile),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
