/*
 * test_gpu_queue.c - devices in the store and the queue (issue 11), on
 * SQLite and PostgreSQL: a run's device, GPU name and driver round-trip
 * (schema 7), a run stored before reads back as "cpu"; a sweep spec's
 * "devices" axis (parse, errors, JSON round trip, expansion); a job's
 * device is stored with it; a CPU-only worker never claims a CUDA job and
 * leaves it queued, a CUDA worker claims only CUDA jobs; exports carry the
 * device and BUTTER-E's is_gpu.  No GPU is used: the jobs run a fake
 * executor.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#define FX_PG_SCHEMA "wn_test_gpu_queue"
#include "store_fixture.h"

static char tmpdir[1024];

static int setup(void **state)
{
    (void)state;
    fx_tmpdir(tmpdir, sizeof tmpdir, "gpuq");
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    fx_rmdir(tmpdir);
    return 0;
}

static int open_fresh(const char *url, wn_store **s)
{
    if (strncmp(url, "postgres", 8) == 0) {
        int rc = fx_pg_reset(url);
        if (rc != WN_OK)
            return rc;
    } else {
        unlink(url);   /* a fresh SQLite file */
    }
    return wn_store_open(url, s);
}

static int64_t scalar(wn_store *s, const char *sql)
{
    int64_t v = -1;
    assert_int_equal(wn__store_query(s, sql, NULL, 0, wn__row_int, &v, NULL), WN_OK);
    return v;
}

/* ---- runs ------------------------------------------------------------------ */

static void runs_round_trip(const char *url)
{
    wn_store *s = NULL;
    assert_int_equal(open_fresh(url, &s), WN_OK);
    wn_run_record a, b;
    fx_record(&a, 1, 1);
    fx_record(&b, 2, 1);
    snprintf(a.summary.device, sizeof a.summary.device, "cuda:1");
    snprintf(a.summary.device_name, sizeof a.summary.device_name, "NVIDIA H200");
    snprintf(a.summary.device_driver, sizeof a.summary.device_driver, "13.0");
    assert_int_equal(wn_store_put_run(s, &a), WN_OK);
    assert_int_equal(wn_store_put_run(s, &b), WN_OK);   /* device "" */
    wn_run_record *out = NULL;
    size_t n = 0;
    assert_int_equal(wn_store_load_runs(s, &out, &n), WN_OK);
    assert_int_equal(n, 2);
    assert_string_equal(out[0].summary.device, "cuda:1");
    assert_string_equal(out[0].summary.device_name, "NVIDIA H200");
    assert_string_equal(out[0].summary.device_driver, "13.0");
    assert_string_equal(out[1].summary.device, "cpu");
    assert_string_equal(out[1].summary.device_name, "");
    assert_string_equal(out[1].summary.device_driver, "");
    wn_run_records_free(&out, n);
    /* Exports: csv columns and BUTTER-E's is_gpu. */
    char dir[1200], path[1300], line[8192];
    snprintf(dir, sizeof dir, "%s/export-%s", tmpdir, wn_store_backend(s));
    assert_int_equal(wn_store_export(s, "csv", dir, NULL), WN_OK);
    snprintf(path, sizeof path, "%s/runs.csv", dir);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    assert_non_null(fgets(line, sizeof line, f));
    assert_non_null(strstr(line, ",device,device_name,device_driver"));
    assert_non_null(fgets(line, sizeof line, f));
    assert_non_null(strstr(line, ",cuda:1,NVIDIA H200,13.0"));
    assert_non_null(fgets(line, sizeof line, f));
    assert_non_null(strstr(line, ",cpu,,"));
    fclose(f);
    assert_int_equal(wn_store_export(s, "butter-e", dir, NULL), WN_OK);
    f = fopen(path, "r");
    assert_non_null(f);
    assert_non_null(fgets(line, sizeof line, f));
    assert_non_null(fgets(line, sizeof line, f));
    assert_non_null(strstr(line, ",Adam,true,"));
    assert_non_null(fgets(line, sizeof line, f));
    assert_non_null(strstr(line, ",Adam,false,"));
    fclose(f);
    fx_record_free(&a);
    fx_record_free(&b);
    wn_store_close(&s);
}

/* A run stored under schema 4 (no device columns) reads back as "cpu". */
static void old_run_is_cpu(const char *url)
{
    wn_store *s = NULL;
    if (strncmp(url, "postgres", 8) == 0)
        assert_int_equal(fx_pg_reset(url), WN_OK);
    assert_int_equal(wn__store_open_raw(url, &s), WN_OK);
    assert_int_equal(wn__store_migrate(s, 4), WN_OK);
    assert_int_equal(wn__store_exec(s, "INSERT INTO runs (host, dataset, shape,"
                                       " data_source) VALUES ('h', 'adult',"
                                       " 'rectangle', 'file')"), WN_OK);
    wn_store_close(&s);
    assert_int_equal(wn_store_open(url, &s), WN_OK);
    wn_run_record *out = NULL;
    size_t n = 0;
    assert_int_equal(wn_store_load_runs(s, &out, &n), WN_OK);
    assert_int_equal(n, 1);
    assert_string_equal(out[0].summary.device, "cpu");
    wn_run_records_free(&out, n);
    wn_store_close(&s);
}

/* ---- specs ------------------------------------------------------------------- */

static const char spec_json[] =
    "{\"datasets\":[\"synthetic:banana\"],\"shapes\":[\"rectangle\"],"
    "\"depths\":[2],\"sizes\":[300,600],\"epochs\":1,"
    "\"devices\":[\"cpu\",\"cuda\"]}";

static void test_spec_devices(void **state)
{
    (void)state;
    wn_sweep_spec *sp = NULL, *back = NULL;
    assert_int_equal(wn_sweep_spec_parse(spec_json, "t", &sp), WN_OK);
    assert_int_equal(sp->n_devices, 2);
    assert_string_equal(sp->devices[1], "cuda");
    char *json = NULL, *json2 = NULL;
    assert_int_equal(wn_sweep_spec_to_json(sp, &json), WN_OK);
    assert_non_null(strstr(json, "\"devices\":[\"cpu\",\"cuda\"]"));
    assert_int_equal(wn_sweep_spec_parse(json, "t", &back), WN_OK);
    assert_int_equal(wn_sweep_spec_to_json(back, &json2), WN_OK);
    assert_string_equal(json, json2);
    wn_sweep_plan plan;
    assert_int_equal(wn_sweep_expand(sp, NULL, &plan), WN_OK);
    assert_int_equal(plan.n_jobs, 4);
    size_t cuda = 0;
    for (size_t i = 0; i < plan.n_jobs; i++)
        cuda += !strcmp(plan.jobs[i].spec.train.device, "cuda");
    assert_int_equal(cuda, 2);
    wn_sweep_plan_clear(&plan);
    wn_free(json);
    wn_free(json2);
    wn_sweep_spec_free(&back);
    wn_sweep_spec_free(&sp);
    /* Default: the CPU alone, and no "devices" written. */
    assert_int_equal(wn_sweep_spec_parse("{\"datasets\":[\"synthetic:banana\"],"
                                         "\"shapes\":[\"rectangle\"],\"depths\":[2],"
                                         "\"sizes\":[300],\"epochs\":1}", "t", &sp),
                     WN_OK);
    assert_int_equal(sp->n_devices, 0);
    assert_int_equal(wn_sweep_expand(sp, NULL, &plan), WN_OK);
    assert_int_equal(plan.n_jobs, 1);
    assert_string_equal(plan.jobs[0].spec.train.device, "");
    wn_sweep_plan_clear(&plan);
    assert_int_equal(wn_sweep_spec_to_json(sp, &json), WN_OK);
    assert_null(strstr(json, "devices"));
    wn_free(json);
    wn_sweep_spec_free(&sp);
    /* Errors name the field. */
    const char *bad[] = {
        "{\"datasets\":[\"synthetic:banana\"],\"shapes\":[\"rectangle\"],"
        "\"depths\":[2],\"sizes\":[300],\"epochs\":1,\"devices\":[\"tpu\"]}",
        "{\"datasets\":[\"synthetic:banana\"],\"shapes\":[\"rectangle\"],"
        "\"depths\":[2],\"sizes\":[300],\"epochs\":1,\"devices\":[\"cuda\",\"cuda\"]}",
        "{\"datasets\":[\"synthetic:banana\"],\"shapes\":[\"rectangle\"],"
        "\"depths\":[2],\"sizes\":[300],\"epochs\":1,\"devices\":[]}",
        "{\"datasets\":[\"synthetic:banana\"],\"shapes\":[\"rectangle\"],"
        "\"depths\":[2],\"sizes\":[300],\"epochs\":1,\"devices\":[\"cpu\"],"
        "\"devices\":[\"cuda\"]}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(wn_sweep_spec_parse(bad[i], "t", &sp), WN_EINVAL);
        assert_non_null(strstr(wn_errmsg(), "devices"));
    }
    unsigned m = 0;
    assert_int_equal(wn_worker_devices_parse("cpu,cuda", &m), WN_OK);
    assert_int_equal(m, WN_JOB_DEVICE_CPU | WN_JOB_DEVICE_CUDA);
    assert_int_equal(wn_worker_devices_parse("cuda", &m), WN_OK);
    assert_int_equal(m, WN_JOB_DEVICE_CUDA);
    assert_int_equal(wn_worker_devices_parse("gpu", &m), WN_EINVAL);
    assert_int_equal(wn_worker_devices_parse("", &m), WN_EINVAL);
    /* This machine has no GPU (a build without CUDA, or no driver). */
    assert_true(wn_worker_devices_detect() & WN_JOB_DEVICE_CPU);
}

/* The GPU preset: CUDA jobs only, the same grid on any host. */
static void test_gpu_preset(void **state)
{
    (void)state;
    wn_sweep_spec *sp = NULL;
    assert_int_equal(wn_sweep_preset("cache-scan-gpu", NULL, &sp), WN_OK);
    assert_int_equal(sp->n_devices, 1);
    assert_string_equal(sp->devices[0], "cuda");
    assert_string_equal(sp->datasets[0], "connect_4");
    assert_int_equal(sp->sizes[0], 1024);
    assert_int_equal(sp->sizes[sp->n_sizes - 1], 1u << 24);
    wn_sweep_plan plan;
    assert_int_equal(wn_sweep_expand(sp, NULL, &plan), WN_OK);
    assert_true(plan.n_jobs >= 40 && plan.n_jobs <= 60);
    for (size_t i = 0; i < plan.n_jobs; i++)
        assert_string_equal(plan.jobs[i].spec.train.device, "cuda");
    wn_sweep_plan_clear(&plan);
    wn_sweep_spec_free(&sp);
}

/* ---- the queue -------------------------------------------------------------- */

static int fake_exec(void *user, wn_store *s, const wn_job *job)
{
    int *ran_cuda = user;
    if (!strncmp(job->spec.train.device, "cuda", 4))
        (*ran_cuda)++;
    wn_run_record r;
    fx_record(&r, 1, 1);
    r.job_id = job->job_id;
    snprintf(r.summary.device, sizeof r.summary.device, "%s",
             job->spec.train.device[0] ? job->spec.train.device : "cpu");
    int rc = wn_store_put_run(s, &r);
    fx_record_free(&r);
    return rc;
}

static void enqueue(const char *url)
{
    wn_store *s = NULL;
    wn_sweep_spec *sp = NULL;
    assert_int_equal(open_fresh(url, &s), WN_OK);
    assert_int_equal(wn_sweep_spec_parse(spec_json, "t", &sp), WN_OK);
    wn_sweep_result res;
    assert_int_equal(wn_sweep_enqueue(s, "gpu", sp, NULL, &res), WN_OK);
    assert_int_equal(res.n_jobs, 4);
    assert_int_equal(scalar(s, "SELECT count(*) FROM jobs WHERE device = 'cuda'"), 2);
    assert_int_equal(scalar(s, "SELECT count(*) FROM jobs WHERE device = 'cpu'"), 2);
    wn_sweep_spec_free(&sp);
    wn_store_close(&s);
}

static void queue_by_device(const char *url)
{
    enqueue(url);
    /* Claims: a CPU-only claimer sees the CPU jobs and then nothing. */
    wn_store *s = NULL;
    wn_job j;
    assert_int_equal(wn_store_open(url, &s), WN_OK);
    assert_int_equal(wn_store_job_claim_on(s, "c", 60, 3, WN_JOB_DEVICE_CPU, &j), WN_OK);
    assert_string_equal(j.spec.train.device, "cpu");
    assert_int_equal(wn_store_job_claim_on(s, "g", 60, 3, WN_JOB_DEVICE_CUDA, &j), WN_OK);
    assert_string_equal(j.spec.train.device, "cuda");
    assert_int_equal(wn_store_job_claim_on(s, "g", 60, 3, 0, &j), WN_EINVAL);
    wn_store_close(&s);

    /* A CPU-only worker runs the CPU jobs and leaves the CUDA jobs queued. */
    enqueue(url);
    int ran_cuda = 0;
    wn_worker_opts o;
    wn_worker_opts_default(&o);
    o.url = url;
    o.exec = fake_exec;
    o.exec_user = &ran_cuda;
    o.poll_s = 0.05;
    o.devices = WN_JOB_DEVICE_CPU;
    size_t done = 0, failed = 0;
    assert_int_equal(wn_worker_loop(&o, 0, &done, &failed), WN_OK);
    assert_int_equal(done, 2);
    assert_int_equal(ran_cuda, 0);
    assert_int_equal(wn_store_open(url, &s), WN_OK);
    assert_int_equal(scalar(s, "SELECT count(*) FROM jobs WHERE status = 'queued'"
                               " AND device = 'cuda' AND attempts = 0"), 2);
    assert_int_equal(scalar(s, "SELECT count(*) FROM runs WHERE device = 'cpu'"), 2);
    wn_store_close(&s);
    /* A CUDA worker then takes them. */
    o.devices = WN_JOB_DEVICE_CUDA;
    assert_int_equal(wn_worker_loop(&o, 0, &done, &failed), WN_OK);
    assert_int_equal(done, 2);
    assert_int_equal(ran_cuda, 2);
    assert_int_equal(wn_store_open(url, &s), WN_OK);
    assert_int_equal(scalar(s, "SELECT count(*) FROM jobs WHERE status <> 'done'"), 0);
    assert_int_equal(scalar(s, "SELECT count(*) FROM runs WHERE device = 'cuda'"), 2);
    wn_store_close(&s);
}

/* ---- backends ----------------------------------------------------------------- */

static void test_sqlite(void **state)
{
    (void)state;
    char path[1200];
    snprintf(path, sizeof path, "%s/runs.db", tmpdir);
    runs_round_trip(path);
    snprintf(path, sizeof path, "%s/old.db", tmpdir);
    old_run_is_cpu(path);
    snprintf(path, sizeof path, "%s/queue.db", tmpdir);
    queue_by_device(path);
}

static void test_pg(void **state)
{
    (void)state;
    const char *url = fx_pg_url();
    if (!url) {
        fprintf(stderr, "skipped: WATTNET_TEST_PG_URL is not set (run under "
                        "scripts/with-services.sh)\n");
        skip();
    }
    runs_round_trip(url);
    old_run_is_cpu(url);
    queue_by_device(url);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_spec_devices),
        cmocka_unit_test(test_gpu_preset),
        cmocka_unit_test(test_sqlite),
        cmocka_unit_test(test_pg),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
