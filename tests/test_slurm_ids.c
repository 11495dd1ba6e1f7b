/*
 * test_slurm_ids.c - the Slurm ids kept with runs (include/wattnet/slurm.h):
 * read from the environment Slurm sets, stored in run_slurm next to a real
 * stored run (SQLite, and PostgreSQL when WATTNET_TEST_PG_URL is set),
 * replaced on a second put, absent for another run, refused without a job
 * id.  The real Slurm cluster test is tests/slurm/slurm_test.sh.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#define FX_PG_SCHEMA "wn_test_slurm"
#include "store_fixture.h"
#include <wattnet/slurm.h>

static void test_from_env(void **state)
{
    (void)state;
    wn_slurm_ids id;
    unsetenv("SLURM_JOB_ID");
    assert_int_equal(wn_slurm_ids_from_env(&id), 0);
    assert_string_equal(id.job_id, "");
    setenv("SLURM_JOB_ID", "4242", 1);
    setenv("SLURM_STEP_ID", "3", 1);
    setenv("SLURMD_NODENAME", "node07", 1);
    unsetenv("SLURM_ARRAY_JOB_ID");
    assert_int_equal(wn_slurm_ids_from_env(&id), 1);
    assert_string_equal(id.job_id, "4242");
    assert_string_equal(id.step_id, "3");
    assert_string_equal(id.node, "node07");
    assert_string_equal(id.array_job_id, "");
    unsetenv("SLURM_JOB_ID");
    unsetenv("SLURM_STEP_ID");
    unsetenv("SLURMD_NODENAME");
}

static void roundtrip(const char *url)
{
    wn_store *s = NULL;
    wn_run_record r;
    wn_slurm_ids id, got;
    assert_int_equal(wn_store_open(url, &s), WN_OK);
    fx_record(&r, 1, 2);
    r.job_id = 0;
    assert_int_equal(wn_store_put_run(s, &r), WN_OK);
    assert_true(r.run_id > 0);
    assert_int_equal(wn_store_get_slurm(s, r.run_id, &got), WN_ENOENT);
    memset(&id, 0, sizeof id);
    snprintf(id.job_id, sizeof id.job_id, "77");
    snprintf(id.step_id, sizeof id.step_id, "0");
    snprintf(id.node, sizeof id.node, "n1");
    assert_int_equal(wn_store_put_slurm(s, r.run_id, &id), WN_OK);
    assert_int_equal(wn_store_get_slurm(s, r.run_id, &got), WN_OK);
    assert_string_equal(got.job_id, "77");
    assert_string_equal(got.step_id, "0");
    assert_string_equal(got.node, "n1");
    snprintf(id.step_id, sizeof id.step_id, "5");
    assert_int_equal(wn_store_put_slurm(s, r.run_id, &id), WN_OK);
    assert_int_equal(wn_store_get_slurm(s, r.run_id, &got), WN_OK);
    assert_string_equal(got.step_id, "5");
    assert_int_equal(wn_store_get_slurm(s, r.run_id + 1000, &got), WN_ENOENT);
    id.job_id[0] = '\0';
    assert_int_equal(wn_store_put_slurm(s, r.run_id, &id), WN_EINVAL);
    fx_record_free(&r);
    wn_store_close(&s);
}

static void test_sqlite(void **state)
{
    (void)state;
    char dir[512], db[600];
    fx_tmpdir(dir, sizeof dir, "slurm");
    snprintf(db, sizeof db, "%s/s.db", dir);
    roundtrip(db);
    fx_rmdir(dir);
}

static void test_pg(void **state)
{
    (void)state;
    const char *url = fx_pg_url();
    if (!url) {
        fprintf(stderr, "WATTNET_TEST_PG_URL unset: PostgreSQL part skipped\n");
        skip();
    }
    roundtrip(url);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_from_env),
        cmocka_unit_test(test_sqlite),
        cmocka_unit_test(test_pg),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
