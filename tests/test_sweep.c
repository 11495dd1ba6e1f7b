/*
 * test_sweep.c - sweep specs (every bad-spec error names its field, JSON
 * errors give line and column), presets, expansion (cartesian product x
 * repetitions, unreachable sizes skipped and counted, seeded shuffle),
 * enqueueing, export round trips (CSV and JSON lines parsed back and
 * compared with what was stored), the BUTTER-E layout, watt-meter log
 * attribution, and the sweep/status/export/slurm commands end to end.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <sys/wait.h>
#include <cmocka.h>

#include "cli_fixture.h"

#include <cjson/cJSON.h>
#include <wattnet/sweep.h>

#define FX_PG_SCHEMA "wn_test_sweep"
#include "store_fixture.h"

static char tmpdir[1024];

static int setup(void **state)
{
    (void)state;
    fx_tmpdir(tmpdir, sizeof tmpdir, "sweep");
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    fx_rmdir(tmpdir);
    return 0;
}

/* ---- specs -------------------------------------------------------------------- */

static const char good_spec[] =
    "{\"datasets\":[\"synthetic:banana\",\"synthetic:adult\"],"
    "\"shapes\":[\"rectangle\",\"exponential\"],\"depths\":[2,4],"
    "\"sizes\":[64,4096],\"epochs\":2,\"batch\":128,"
    "\"learning_rate\":0.001,\"repetitions\":2}";

static void test_spec_parse_good(void **state)
{
    (void)state;
    wn_sweep_spec *sp = NULL;
    assert_int_equal(wn_sweep_spec_parse(good_spec, "g.json", &sp), WN_OK);
    assert_int_equal(sp->n_datasets, 2);
    assert_string_equal(sp->datasets[1], "synthetic:adult");
    assert_int_equal(sp->n_shapes, 2);
    assert_int_equal(sp->depths[1], 4);
    assert_int_equal(sp->sizes[1], 4096);
    assert_int_equal(sp->epochs, 2);
    assert_int_equal(sp->batch, 128);
    assert_true(sp->learning_rate == 0.001);
    assert_int_equal(sp->repetitions, 2);
    /* To JSON and back gives the same spec. */
    char *json = NULL;
    assert_int_equal(wn_sweep_spec_to_json(sp, &json), WN_OK);
    wn_sweep_spec *again = NULL;
    assert_int_equal(wn_sweep_spec_parse(json, "again", &again), WN_OK);
    assert_int_equal(again->n_sizes, sp->n_sizes);
    assert_int_equal(again->sizes[0], 64);
    assert_true(again->learning_rate == sp->learning_rate);
    wn_free(json);
    wn_sweep_spec_free(&again);
    wn_sweep_spec_free(&sp);
    assert_null(sp);
    wn_sweep_spec_free(&sp);
    /* Defaults for the optional fields. */
    assert_int_equal(wn_sweep_spec_parse("{\"datasets\":[\"banana\"],\"shapes\":"
                                         "[\"rectangle\"],\"depths\":[3],\"sizes\":"
                                         "[100],\"epochs\":1}",
                                         NULL, &sp),
                     WN_OK);
    assert_int_equal(sp->batch, 256);
    assert_true(sp->learning_rate == 1e-4);
    assert_int_equal(sp->repetitions, 1);
    wn_sweep_spec_free(&sp);
}

struct bad_case {
    const char *json;
    int status;
    const char *must_contain[2];
};

static void test_spec_errors_name_the_field(void **state)
{
    (void)state;
    static const struct bad_case cases[] = {
        { "{\"datasets\":[\"banana\"],\n \"shapes\": [\"rectangle\",]}", WN_EFORMAT,
          { "s.json:2:", "invalid JSON" } },
        { "", WN_EFORMAT, { "s.json:1:1", "invalid JSON" } },
        { "[1,2]", WN_EINVAL, { "JSON object", "an array" } },
        { "{\"shapes\":[\"rectangle\"],\"depths\":[2],\"sizes\":[64],\"epochs\":1}",
          WN_EINVAL, { "missing field \"datasets\"", NULL } },
        { "{\"datasets\":[],\"shapes\":[\"rectangle\"],\"depths\":[2],\"sizes\":[64],"
          "\"epochs\":1}", WN_EINVAL, { "\"datasets\" is an empty list", NULL } },
        { "{\"datasets\":\"banana\",\"shapes\":[\"rectangle\"],\"depths\":[2],"
          "\"sizes\":[64],\"epochs\":1}", WN_EINVAL, { "\"datasets\" must be an array",
                                                       "a string" } },
        { "{\"datasets\":[\"nope\"],\"shapes\":[\"rectangle\"],\"depths\":[2],"
          "\"sizes\":[64],\"epochs\":1}", WN_EINVAL, { "\"datasets\"[0]",
                                                       "unknown dataset 'nope'" } },
        { "{\"datasets\":[\"banana\"],\"shapes\":[\"rectangle\",\"blob\"],\"depths\":[2],"
          "\"sizes\":[64],\"epochs\":1}", WN_EINVAL, { "\"shapes\"[1]",
                                                       "unknown shape 'blob'" } },
        { "{\"datasets\":[\"banana\"],\"shapes\":[\"rectangle\"],\"depths\":[1],"
          "\"sizes\":[64],\"epochs\":1}", WN_EINVAL, { "\"depths\"[0]", NULL } },
        { "{\"datasets\":[\"banana\"],\"shapes\":[\"rectangle\"],\"depths\":[2],"
          "\"sizes\":[64.5],\"epochs\":1}", WN_EINVAL, { "\"sizes\"[0]", "integer" } },
        { "{\"datasets\":[\"banana\"],\"shapes\":[\"rectangle\"],\"depths\":[2],"
          "\"sizes\":[\"64\"],\"epochs\":1}", WN_EINVAL, { "\"sizes\"[0]", "a string" } },
        { "{\"datasets\":[\"banana\"],\"shapes\":[\"rectangle\"],\"depths\":[2],"
          "\"sizes\":[64]}", WN_EINVAL, { "missing field \"epochs\"", NULL } },
        { "{\"datasets\":[\"banana\"],\"shapes\":[\"rectangle\"],\"depths\":[2],"
          "\"sizes\":[64],\"epochs\":0}", WN_EINVAL, { "\"epochs\"", NULL } },
        { "{\"datasets\":[\"banana\"],\"shapes\":[\"rectangle\"],\"depths\":[2],"
          "\"sizes\":[64],\"epochs\":1,\"learning_rate\":\"fast\"}", WN_EINVAL,
          { "\"learning_rate\"", "a string" } },
        { "{\"datasets\":[\"banana\"],\"shapes\":[\"rectangle\"],\"depths\":[2],"
          "\"sizes\":[64],\"epochs\":1,\"depth\":[3]}", WN_EINVAL,
          { "unknown field \"depth\"", NULL } },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        wn_sweep_spec *sp = NULL;
        int rc = wn_sweep_spec_parse(cases[i].json, "s.json", &sp);
        if (rc != cases[i].status)
            print_message("case %zu: got %d (%s)\n", i, rc, wn_errmsg());
        assert_int_equal(rc, cases[i].status);
        assert_null(sp);
        for (int k = 0; k < 2; k++)
            if (cases[i].must_contain[k] &&
                !strstr(wn_errmsg(), cases[i].must_contain[k])) {
                print_message("case %zu: '%s' lacks '%s'\n", i, wn_errmsg(),
                              cases[i].must_contain[k]);
                fail();
            }
    }
    /* A missing file. */
    wn_sweep_spec *sp = NULL;
    assert_int_equal(wn_sweep_spec_load("/nonexistent/spec.json", &sp), WN_ENOENT);
    assert_non_null(strstr(wn_errmsg(), "/nonexistent/spec.json"));
}

static void test_spec_alloc_faults(void **state)
{
    (void)state;
    int ok = 0;
    for (long after = 0; after < 200 && !ok; after++) {
        wn_sweep_spec *sp = NULL;
        wn_fault_alloc(after, 1);
        int rc = wn_sweep_spec_parse(good_spec, "g", &sp);
        long hits = wn_fault_alloc(-1, 0);
        if (hits == 0) {
            assert_int_equal(rc, WN_OK);
            ok = 1;
        } else {
            assert_int_equal(rc, WN_ENOMEM);
            assert_null(sp);
        }
        wn_sweep_spec_free(&sp);
    }
    assert_true(ok);
}

/* ---- presets and expansion -------------------------------------------------------- */

static void test_presets(void **state)
{
    (void)state;
    wn_host h;
    memset(&h, 0, sizeof h);
    h.n_caches = 3;
    h.caches[0] = (wn_cache_level){ 1, 48u << 10, 1, 2 };
    h.caches[1] = (wn_cache_level){ 2, 2u << 20, 1, 2 };
    h.caches[2] = (wn_cache_level){ 3, 300u << 20, 2, 1 };
    wn_sweep_spec *sp = NULL;
    wn_sweep_plan plan;

    assert_int_equal(wn_sweep_preset("quick", &h, &sp), WN_OK);
    assert_true(sp->epochs <= 3);
    /* plain study names: the real file when found, else the stand-in */
    for (size_t i = 0; i < sp->n_datasets; i++)
        assert_non_null(wn_study_dataset_find(sp->datasets[i]));
    /* Sizes straddle L1 and L2 (working set 16 bytes per parameter). */
    int below_l1 = 0, above_l1 = 0, above_l2 = 0;
    for (size_t i = 0; i < sp->n_sizes; i++) {
        below_l1 |= sp->sizes[i] * 16 < (48u << 10);
        above_l1 |= sp->sizes[i] * 16 > (48u << 10) && sp->sizes[i] * 16 < (2u << 20);
        above_l2 |= sp->sizes[i] * 16 > (2u << 20);
    }
    assert_true(below_l1 && above_l1 && above_l2);
    assert_int_equal(wn_sweep_expand(sp, NULL, &plan), WN_OK);
    assert_in_range(plan.n_jobs, 30, 80);
    wn_sweep_plan_clear(&plan);
    wn_sweep_spec_free(&sp);

    assert_int_equal(wn_sweep_preset("butter-e", NULL, &sp), WN_OK);
    assert_int_equal(sp->n_datasets, 13);
    assert_int_equal(sp->n_shapes, 8);
    assert_int_equal(sp->n_depths, 14);
    assert_int_equal(sp->n_sizes, 20);
    assert_int_equal(sp->sizes[0], 32);
    assert_int_equal(sp->sizes[19], 1u << 24);
    assert_int_equal(sp->epochs, 3000);
    assert_null(strchr(sp->datasets[0], ':'));
    wn_sweep_spec_free(&sp);

    assert_int_equal(wn_sweep_preset("cache-scan", &h, &sp), WN_OK);
    /* Dense around each boundary: several sizes within 0.5x..2x of each. */
    uint64_t bounds[3] = { (48u << 10) / 16, (2u << 20) / 16, (300u << 20) / 16 };
    for (int b = 0; b < 3; b++) {
        int near = 0;
        for (size_t i = 0; i < sp->n_sizes; i++)
            near += sp->sizes[i] * 2 >= bounds[b] && sp->sizes[i] <= bounds[b] * 2 &&
                    sp->sizes[i] <= (1u << 24);
        assert_true(near >= 3 || bounds[b] > (1u << 24));
    }
    for (size_t i = 1; i < sp->n_sizes; i++)
        assert_true(sp->sizes[i] > sp->sizes[i - 1]);
    wn_sweep_spec_free(&sp);

    assert_int_equal(wn_sweep_preset("nope", NULL, &sp), WN_ENOENT);
    assert_non_null(strstr(wn_errmsg(), "nope"));
    /* advise: one dataset, several shapes, sizes across L1 and L2, enough
     * epochs for the losses to separate */
    assert_int_equal(wn_sweep_preset("advise", &h, &sp), WN_OK);
    assert_int_equal(sp->n_datasets, 1);
    assert_string_equal(sp->datasets[0], "nursery");
    assert_true(sp->n_shapes >= 3);
    assert_true(sp->n_sizes >= 5);
    assert_true(sp->sizes[0] * 16 < (48u << 10));
    assert_true(sp->sizes[sp->n_sizes - 1] * 16 > (2u << 20));
    assert_true(sp->epochs >= 20);
    wn_sweep_spec_free(&sp);

    assert_int_equal(wn_sweep_preset_count(), 5);
    assert_string_equal(wn_sweep_preset_name_at(0), "quick");
    assert_string_equal(wn_sweep_preset_name_at(3), "advise");
    assert_string_equal(wn_sweep_preset_name_at(4), "cache-scan-gpu");
    assert_null(wn_sweep_preset_name_at(5));
}

static void test_expand_skips_and_shuffles(void **state)
{
    (void)state;
    wn_sweep_spec *sp = NULL;
    /* banana: 2 inputs, 1 output: no network reaches 2 parameters. */
    assert_int_equal(wn_sweep_spec_parse("{\"datasets\":[\"synthetic:banana\",\"x/y.tsv\"],"
                                         "\"shapes\":[\"rectangle\",\"trapezoid\"],"
                                         "\"depths\":[2,4],\"sizes\":[2,4096],"
                                         "\"epochs\":1,\"repetitions\":3}",
                                         NULL, &sp),
                     WN_OK);
    wn_sweep_opts o;
    wn_sweep_opts_default(&o);
    o.seed = 42;
    wn_sweep_plan plan;
    assert_int_equal(wn_sweep_expand(sp, &o, &plan), WN_OK);
    assert_int_equal(plan.combos, 16);
    /* Count independently which combos wn_shape_widths accepts. */
    size_t reachable = 8;   /* the path dataset is never checked */
    for (size_t s = 0; s < 2; s++)
        for (size_t d = 0; d < 2; d++)
            for (size_t z = 0; z < 2; z++) {
                size_t w[WN_MAX_DEPTH];
                reachable += wn_shape_widths(2, 1, sp->shapes[s], sp->depths[d],
                                             sp->sizes[z], w, NULL) == WN_OK;
            }
    assert_true(reachable < 16);   /* something is skipped */
    assert_int_equal(plan.skipped, 16 - reachable);
    assert_int_equal(plan.n_jobs, reachable * 3);
    /* Repetition-major; seeds follow the repetition. */
    assert_int_equal(plan.jobs[0].repetition, 0);
    assert_int_equal(plan.jobs[plan.n_jobs - 1].repetition, 2);
    assert_int_equal(plan.jobs[plan.n_jobs - 1].spec.train.seed, 44);
    assert_int_equal(plan.jobs[0].spec.train.epochs, 1);
    assert_int_equal(plan.jobs[0].spec.train.batch, 256);
    /* Shuffled: same multiset, another order, reproducible with the seed. */
    wn_sweep_plan sh, sh2;
    o.shuffle = 1;
    assert_int_equal(wn_sweep_expand(sp, &o, &sh), WN_OK);
    assert_int_equal(wn_sweep_expand(sp, &o, &sh2), WN_OK);
    assert_int_equal(sh.n_jobs, plan.n_jobs);
    int moved = 0;
    uint64_t sum_a = 0, sum_b = 0;
    for (size_t i = 0; i < plan.n_jobs; i++) {
        moved |= memcmp(&sh.jobs[i], &plan.jobs[i], sizeof(wn_job)) != 0;
        assert_memory_equal(&sh.jobs[i], &sh2.jobs[i], sizeof(wn_job));
        sum_a += plan.jobs[i].spec.train.size * (plan.jobs[i].spec.train.seed + 1);
        sum_b += sh.jobs[i].spec.train.size * (sh.jobs[i].spec.train.seed + 1);
    }
    assert_true(moved);
    assert_true(sum_a == sum_b);
    /* --repeat overrides the spec. */
    wn_sweep_plan one;
    o.shuffle = 0;
    o.repeat = 1;
    assert_int_equal(wn_sweep_expand(sp, &o, &one), WN_OK);
    assert_int_equal(one.n_jobs, reachable);
    wn_sweep_plan_clear(&one);
    wn_sweep_plan_clear(&sh);
    wn_sweep_plan_clear(&sh2);
    wn_sweep_plan_clear(&plan);
    wn_sweep_spec_free(&sp);
}

static void test_enqueue(void **state)
{
    (void)state;
    char path[1200];
    snprintf(path, sizeof path, "%s/enq.db", tmpdir);
    wn_store *s = NULL;
    assert_int_equal(wn_store_open(path, &s), WN_OK);
    wn_sweep_spec *sp = NULL;
    assert_int_equal(wn_sweep_spec_parse(good_spec, "g", &sp), WN_OK);
    wn_sweep_result res;
    assert_int_equal(wn_sweep_enqueue(s, "mine", sp, NULL, &res), WN_OK);
    assert_int_equal(res.n_jobs, 2 * 2 * 2 * 2 * 2 - 2 * res.skipped);
    wn_queue_status q;
    assert_int_equal(wn_store_queue_status(s, &q), WN_OK);
    assert_int_equal(q.queued, (int64_t)res.n_jobs);
    int64_t id = 0;
    assert_int_equal(wn_store_sweep_find(s, "mine", &id), WN_OK);
    assert_int_equal(id, res.sweep_id);
    /* The first claimed job carries the spec's settings. */
    wn_job j;
    assert_int_equal(wn_store_job_claim(s, "me", 10, 3, &j), WN_OK);
    assert_string_equal(j.spec.dataset, "synthetic:banana");
    assert_int_equal(j.spec.train.batch, 128);
    assert_true(j.spec.train.learning_rate == 0.001);
    wn_sweep_spec_free(&sp);
    wn_store_close(&s);
}

/* ---- export round trip ------------------------------------------------------------ */

/* A minimal RFC 4180 reader: the next field of *p into out; returns 1 at
 * end of record. */
static int csv_field(const char **p, char *out, size_t cap)
{
    size_t n = 0;
    const char *s = *p;
    if (*s == '"') {
        s++;
        for (;;) {
            if (*s == '"' && s[1] == '"') {
                if (n + 1 < cap)
                    out[n++] = '"';
                s += 2;
            } else if (*s == '"') {
                s++;
                break;
            } else if (!*s) {
                break;
            } else {
                if (n + 1 < cap)
                    out[n++] = *s;
                s++;
            }
        }
    } else {
        while (*s && *s != ',' && *s != '\n') {
            if (n + 1 < cap)
                out[n++] = *s;
            s++;
        }
    }
    out[n] = '\0';
    int end = (*s == '\n' || !*s);
    if (*s)
        s++;
    *p = s;
    return end;
}

#define MAXF 64

/* Parse a CSV file into header + rows of fields (static storage). */
struct table {
    int nf, nr;
    char head[MAXF][64];
    char cell[16][MAXF][512];
};

static void read_csv(const char *path, struct table *t)
{
    char *buf = fx_slurp(path);
    assert_non_null(buf);
    const char *p = buf;
    t->nf = 0;
    t->nr = 0;
    int end = 0;
    while (!end)
        end = csv_field(&p, t->head[t->nf++], sizeof t->head[0]);
    while (*p && t->nr < 16) {
        int k = 0;
        end = 0;
        while (!end && k < MAXF)
            end = csv_field(&p, t->cell[t->nr][k++], sizeof t->cell[0][0]);
        assert_int_equal(k, t->nf);
        t->nr++;
    }
    free(buf);
}

static const char *cell(const struct table *t, int row, const char *name)
{
    for (int i = 0; i < t->nf; i++)
        if (!strcmp(t->head[i], name))
            return t->cell[row][i];
    print_message("no column %s\n", name);
    fail();
    return NULL;
}

static void fill_store(const char *path, wn_run_record *in, int n)
{
    wn_store *s = NULL;
    assert_int_equal(wn_store_open(path, &s), WN_OK);
    for (int k = 0; k < n; k++) {
        fx_record(&in[k], k, 2);
        assert_int_equal(wn_store_put_run(s, &in[k]), WN_OK);
    }
    /* Run 1 did not measure: its joules must not appear as 0. */
    wn_store_close(&s);
}

static void export_csv_round_trip(const char *db, const char *tag)
{
    char dir[1200], f[1300];
    snprintf(dir, sizeof dir, "%s/exp-csv-%s", tmpdir, tag);
    wn_run_record in[3];
    fill_store(db, in, 3);
    /* A fourth run that did not measure, with a host that needs quoting
     * (shares in[1]'s epochs array). */
    wn_run_record extra = in[1];
    extra.energy.measured = 0;
    snprintf(extra.energy.flag, sizeof extra.energy.flag, "no-samples");
    snprintf(extra.host, sizeof extra.host, "node \"b\", rack 2");
    wn_store *s = NULL;
    assert_int_equal(wn_store_open(db, &s), WN_OK);
    assert_int_equal(wn_store_put_run(s, &extra), WN_OK);
    size_t n = 0;
    assert_int_equal(wn_store_export(s, "csv", dir, &n), WN_OK);
    assert_int_equal(n, 4);
    static struct table t;
    snprintf(f, sizeof f, "%s/runs.csv", dir);
    read_csv(f, &t);
    assert_int_equal(t.nr, 4);
    for (int r = 0; r < 4; r++) {
        const wn_run_record *x = r < 3 ? &in[r] : &extra;
        assert_int_equal(strtoll(cell(&t, r, "run_id"), NULL, 10), x->run_id);
        assert_string_equal(cell(&t, r, "host"), x->host);
        assert_string_equal(cell(&t, r, "shape"), x->spec.train.shape);
        assert_int_equal(strtoull(cell(&t, r, "size"), NULL, 10), x->spec.train.size);
        assert_true(strtod(cell(&t, r, "start_time"), NULL) == x->start_time);
        assert_true(strtod(cell(&t, r, "seconds_total"), NULL) == x->summary.seconds_total);
        assert_true(strtod(cell(&t, r, "test_loss"), NULL) == x->summary.test_loss);
        assert_true(strtod(cell(&t, r, "learning_rate"), NULL) == x->spec.train.learning_rate);
        if (x->energy.measured) {
            assert_true(strtod(cell(&t, r, "energy_j"), NULL) == x->energy.energy_j);
            cJSON *d = cJSON_Parse(cell(&t, r, "energy_domains"));
            assert_non_null(d);
            assert_int_equal(cJSON_GetArraySize(d), 2);
            cJSON *d1 = cJSON_GetArrayItem(d, 1);
            assert_string_equal(cJSON_GetObjectItem(d1, "name")->valuestring,
                                x->energy.domains[1].name);
            assert_true(cJSON_GetObjectItem(d1, "energy_j")->valuedouble ==
                        x->energy.domains[1].energy_j);
            cJSON_Delete(d);
        } else {
            assert_string_equal(cell(&t, r, "energy_j"), "");   /* never 0 J */
            assert_string_equal(cell(&t, r, "energy_flag"), "no-samples");
        }
        char widths[256];
        snprintf(widths, sizeof widths, "[%zu,%zu,%zu", x->summary.widths[0],
                 x->summary.widths[1], x->summary.widths[2]);
        assert_memory_equal(cell(&t, r, "widths"), widths, strlen(widths));
    }
    snprintf(f, sizeof f, "%s/epochs.csv", dir);
    read_csv(f, &t);
    assert_int_equal(t.nr, 8);
    assert_true(strtod(cell(&t, 1, "test_mae"), NULL) == in[0].epochs[1].stats.test_mae);
    assert_string_equal(cell(&t, 1, "energy_j"), "");   /* epoch 2 flagged */
    assert_true(strtod(cell(&t, 0, "energy_j"), NULL) == in[0].epochs[0].energy.energy_j);
    assert_int_equal(strtoll(cell(&t, 0, "job_id"), NULL, 10), 0);
    /* No temp files left. */
    char cmd[1400];
    snprintf(cmd, sizeof cmd, "test -z \"$(ls -A '%s' | grep tmp)\"", dir);
    assert_int_equal(system(cmd), 0);
    /* Unknown format, unwritable dir. */
    assert_int_equal(wn_store_export(s, "xml", dir, NULL), WN_EINVAL);
    assert_int_not_equal(wn_store_export(s, "csv", "/proc/nope/x", NULL), WN_OK);
    wn_store_close(&s);
    for (int k = 0; k < 3; k++)
        fx_record_free(&in[k]);
}

static void test_export_csv_round_trip(void **state)
{
    (void)state;
    char db[1200];
    snprintf(db, sizeof db, "%s/exp.db", tmpdir);
    export_csv_round_trip(db, "sqlite");
}

static void test_export_jsonl_round_trip(void **state)
{
    (void)state;
    char db[1200], dir[1200], f[1300];
    snprintf(db, sizeof db, "%s/expj.db", tmpdir);
    snprintf(dir, sizeof dir, "%s/exp-jsonl", tmpdir);
    wn_run_record in[3];
    fill_store(db, in, 3);
    wn_store *s = NULL;
    assert_int_equal(wn_store_open(db, &s), WN_OK);
    assert_int_equal(wn_store_export(s, "jsonl", dir, NULL), WN_OK);
    wn_store_close(&s);
    snprintf(f, sizeof f, "%s/runs.jsonl", dir);
    char *buf = fx_slurp(f);
    assert_non_null(buf);
    char *save = NULL;
    int r = 0;
    for (char *line = strtok_r(buf, "\n", &save); line;
         line = strtok_r(NULL, "\n", &save), r++) {
        cJSON *o = cJSON_Parse(line);
        assert_non_null(o);
        const wn_run_record *x = &in[r];
        assert_int_equal((int64_t)cJSON_GetObjectItem(o, "run_id")->valuedouble, x->run_id);
        assert_true(cJSON_IsNull(cJSON_GetObjectItem(o, "job_id")));
        assert_string_equal(cJSON_GetObjectItem(o, "dataset")->valuestring,
                            x->spec.dataset);
        assert_true(cJSON_GetObjectItem(o, "end_time")->valuedouble == x->end_time);
        assert_true(cJSON_GetObjectItem(o, "joules_per_datum")->valuedouble ==
                    x->joules_per_datum);
        assert_true(cJSON_GetObjectItem(o, "test_mae")->valuedouble ==
                    x->summary.test_mae);
        cJSON *w = cJSON_GetObjectItem(o, "widths");
        assert_true(cJSON_IsArray(w));
        assert_int_equal(cJSON_GetArraySize(w), (int)x->summary.depth);
        assert_int_equal(cJSON_GetArrayItem(w, 0)->valueint, (int)x->summary.widths[0]);
        cJSON *d = cJSON_GetObjectItem(o, "energy_domains");
        assert_true(cJSON_IsArray(d));
        assert_string_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(d, 1), "name")->valuestring,
                            "dram, \"0\"");
        cJSON_Delete(o);
    }
    assert_int_equal(r, 3);
    free(buf);
    snprintf(f, sizeof f, "%s/epochs.jsonl", dir);
    buf = fx_slurp(f);
    assert_non_null(buf);
    cJSON *o = cJSON_Parse(strtok_r(buf, "\n", &save));
    assert_non_null(o);
    assert_int_equal(cJSON_GetObjectItem(o, "epoch")->valueint, 1);
    assert_true(cJSON_GetObjectItem(o, "seconds")->valuedouble ==
                in[0].epochs[0].stats.seconds);
    cJSON_Delete(o);
    o = cJSON_Parse(strtok_r(NULL, "\n", &save));
    assert_true(cJSON_IsNull(cJSON_GetObjectItem(o, "energy_j")));   /* flagged */
    cJSON_Delete(o);
    free(buf);
    for (int k = 0; k < 3; k++)
        fx_record_free(&in[k]);
}

static void export_butter_e(const char *db, const char *tag)
{
    char dir[1200], f[1300];
    snprintf(dir, sizeof dir, "%s/exp-b-%s", tmpdir, tag);
    wn_run_record in[3];
    fill_store(db, in, 3);
    wn_store *s = NULL;
    assert_int_equal(wn_store_open(db, &s), WN_OK);
    /* A fourth run whose energy is only an estimate. */
    wn_run_record est;
    fx_record(&est, 4, 1);
    est.energy.is_estimate = 1;
    snprintf(est.energy.source, sizeof est.energy.source, "estimate");
    assert_int_equal(wn_store_put_run(s, &est), WN_OK);
    fx_record_free(&est);
    assert_int_equal(wn_store_export(s, "butter-e", dir, NULL), WN_OK);
    wn_store_close(&s);
    static struct table t;
    snprintf(f, sizeof f, "%s/runs.csv", dir);
    read_csv(f, &t);
    static const char *const cols[] = {
        "run_id", "experiment_id", "old_experiment_id", "slurm_job_id", "start_time",
        "update_time", "host_name", "size", "depth", "shape", "dataset",
        "learning_rate", "batch_size", "optimizer", "is_gpu", "run_data", "batch",
        "energy", "run_time", "std_power", "std_energy", "energy_overhead",
        "non_overhead_energy", "non_overhead_runtime",
    };
    for (size_t i = 0; i < sizeof cols / sizeof cols[0]; i++)
        assert_string_equal(t.head[i], cols[i]);
    assert_int_equal(t.nr, 4);
    assert_string_equal(cell(&t, 3, "energy"), "");   /* an estimate is no reading */
    assert_string_equal(cell(&t, 0, "dataset"), "banana");
    assert_string_equal(cell(&t, 0, "optimizer"), "Adam");
    assert_true(strtod(cell(&t, 2, "energy"), NULL) == in[2].energy.energy_j);
    assert_true(fabs(strtod(cell(&t, 2, "run_time"), NULL) - 3.0 / 7.0) < 1e-6);
    assert_memory_equal(cell(&t, 0, "start_time"), "2025-11-", 8);
    assert_string_equal(cell(&t, 0, "std_energy"), "");
    assert_string_equal(cell(&t, 0, "batch"), "");   /* not from a sweep */
    /* Distinct configurations get distinct experiment ids. */
    assert_string_not_equal(cell(&t, 0, "experiment_id"), cell(&t, 1, "experiment_id"));
    for (int k = 0; k < 3; k++)
        fx_record_free(&in[k]);
}

static void test_export_butter_e(void **state)
{
    (void)state;
    char db[1200];
    snprintf(db, sizeof db, "%s/expb.db", tmpdir);
    export_butter_e(db, "sqlite");
}

/* ---- attribution --------------------------------------------------------------------- */

static void attribute_logs(const char *db)
{
    char log[1200];
    snprintf(log, sizeof log, "%s/12345.csv", tmpdir);
    wn_store *s = NULL;
    assert_int_equal(wn_store_open(db, &s), WN_OK);
    wn_run_record r[3];
    for (int k = 0; k < 3; k++) {
        fx_record(&r[k], 0, 1);
        snprintf(r[k].host, sizeof r[k].host, "n1");
        r[k].start_time = 1000.0 + 100.0 * k;
        r[k].end_time = r[k].start_time + 60.0;
        assert_int_equal(wn_store_put_run(s, &r[k]), WN_OK);
    }
    /* n1 at 200 W from 990 to 1100, then 0 W from 1100 to 1170; nothing
     * after: run 0 measured, run 1 flagged (0 W), run 2 uncovered. */
    FILE *f = fopen(log, "w");
    assert_non_null(f);
    fprintf(f, "timestamp,node,watts\n990,n1,200\n1000,n1,200\n1030,n1,200\n"
               "1100,n1,0\n1130,n1,0\n1030,n2,999\n");
    fclose(f);
    const char *logs[] = { log };
    wn_attribute_result res;
    int arc = wn_store_attribute_logs(s, logs, 1, NULL, &res);
    if (arc != WN_OK)
        print_message("attribute: %s\n", wn_errmsg());
    assert_int_equal(arc, WN_OK);
    assert_int_equal(res.stored, 1);
    assert_int_equal(res.flagged, 1);
    assert_int_equal(res.uncovered, 1);
    wn_run_record *out = NULL;
    size_t n = 0;
    assert_int_equal(wn_store_load_runs(s, &out, &n), WN_OK);
    assert_string_equal(out[0].energy.source, "log");
    assert_true(fabs(out[0].energy.energy_j - 200.0 * 60.0) < 1e-6);
    /* Joules per datum follow: 12000 J / (17 batches x 1 epoch x 256). */
    assert_true(fabs(out[0].joules_per_datum - 12000.0 / (17.0 * 256.0)) < 1e-9);
    /* The flagged run keeps its earlier energy, never 0 J. */
    assert_string_equal(out[1].energy.source, "sim");
    assert_true(out[1].energy.energy_j == r[1].energy.energy_j);
    wn_run_records_free(&out, n);
    /* A missing log is an error naming it. */
    const char *missing[] = { "/nonexistent/1.csv" };
    assert_int_equal(wn_store_attribute_logs(s, missing, 1, NULL, &res), WN_ENOENT);
    assert_non_null(strstr(wn_errmsg(), "/nonexistent/1.csv"));
    wn_store_close(&s);
    for (int k = 0; k < 3; k++)
        fx_record_free(&r[k]);
}

static void test_attribute_logs(void **state)
{
    (void)state;
    char db[1200];
    snprintf(db, sizeof db, "%s/attr.db", tmpdir);
    attribute_logs(db);
}

/* The same export and attribution SQL on PostgreSQL. */
static void test_pg_export_and_attribute(void **state)
{
    (void)state;
    const char *url = fx_pg_fresh_or_skip();
    export_csv_round_trip(url, "pg");
    assert_int_equal(fx_pg_reset(url), WN_OK);
    export_butter_e(url, "pg");
    assert_int_equal(fx_pg_reset(url), WN_OK);
    attribute_logs(url);
    assert_int_equal(fx_pg_reset(url), WN_OK);
}

/* ---- the commands ------------------------------------------------------------------------- */

static int run_cli(const char *args, char *out, size_t cap)
{
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "'%s' %s 2>&1", WN_CLI_PATH, args);
    FILE *p = popen(cmd, "r");
    if (!p)
        return -1;
    size_t n = fread(out, 1, cap - 1, p);
    out[n] = '\0';
    int st = pclose(p);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void test_commands(void **state)
{
    (void)state;
    static char out[65536];
    char args[3000], db[1200], spec[1200];
    snprintf(db, sizeof db, "%s/cli.db", tmpdir);
    snprintf(spec, sizeof spec, "%s/spec.json", tmpdir);
    const char *cmds[] = { "sweep", "worker", "run", "status", "export", "attribute",
                           "slurm" };
    for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++) {
        snprintf(args, sizeof args, "%s --help", cmds[i]);
        assert_int_equal(run_cli(args, out, sizeof out), 0);
        assert_non_null(strstr(out, "usage: wattnet"));
        snprintf(args, sizeof args, "%s --bogus", cmds[i]);
        assert_int_equal(run_cli(args, out, sizeof out), 2);
    }
    FILE *f = fopen(spec, "w");
    assert_non_null(f);
    fputs("{\"datasets\":[\"synthetic:banana\"],\"shapes\":[\"rectangle\"],"
          "\"depths\":[2,3],\"sizes\":[64,128],\"epochs\":1}", f);
    fclose(f);
    snprintf(args, sizeof args, "sweep --db '%s' --spec '%s' --repeat 2 --json", db, spec);
    assert_int_equal(run_cli(args, out, sizeof out), 0);
    cJSON *o = cJSON_Parse(out);
    assert_non_null(o);
    assert_int_equal(cJSON_GetObjectItem(o, "jobs")->valueint, 8);
    cJSON_Delete(o);
    snprintf(args, sizeof args, "status --db '%s' --json", db);
    assert_int_equal(run_cli(args, out, sizeof out), 0);
    o = cJSON_Parse(out);
    assert_non_null(o);
    assert_int_equal(cJSON_GetObjectItem(o, "queued")->valueint, 8);
    assert_int_equal(cJSON_GetObjectItem(o, "done")->valueint, 0);
    assert_true(cJSON_IsNull(cJSON_GetObjectItem(o, "joules")));
    assert_true(cJSON_IsNull(cJSON_GetObjectItem(o, "eta_seconds")));
    cJSON_Delete(o);
    /* Bad inputs: one clear line, non-zero exit. */
    f = fopen(spec, "w");
    fputs("{\"datasets\":[\"synthetic:banana\"],\n\"shapes\":[\"rectangle\"],"
          "\"depths\":[2],\"sizes\":[64],\"epochs\":true}", f);
    fclose(f);
    snprintf(args, sizeof args, "sweep --db '%s' --spec '%s'", db, spec);
    assert_int_not_equal(run_cli(args, out, sizeof out), 0);
    assert_non_null(strstr(out, "\"epochs\""));
    assert_int_not_equal(run_cli("sweep --db /nonexistent/d/x.db --preset quick", out,
                                 sizeof out),
                         0);
    assert_non_null(strstr(out, "/nonexistent/d/x.db"));
    assert_int_not_equal(run_cli("status --db 'postgresql://u@127.0.0.1:1/x?connect_timeout=2'",
                                 out, sizeof out),
                         0);
    assert_non_null(strstr(out, "wattnet status:"));
    assert_int_equal(run_cli("sweep --db x.db --preset nope", out, sizeof out), 2);
    assert_int_equal(run_cli("slurm --db wattnet.db --nodes 2 --time 1:00:00", out,
                             sizeof out),
                     2);
    assert_non_null(strstr(out, "postgresql://"));
    assert_int_equal(run_cli("slurm --db postgresql://u@h/db --nodes 3 --time 01:00:00 "
                             "--gpus 2",
                             out, sizeof out),
                     0);
    assert_non_null(strstr(out, "#SBATCH --nodes=3"));
    assert_non_null(strstr(out, "#SBATCH --gpus-per-node=2"));
    assert_non_null(strstr(out, "srun"));
    assert_non_null(strstr(out, "--pin"));
    assert_int_equal(run_cli("slurm --db postgresql://u@h/db --nodes 3 --time soon", out,
                             sizeof out),
                     2);
    /* export of an empty database still writes headers. */
    snprintf(args, sizeof args, "export --db '%s' --format csv --out '%s/cli-exp'", db,
             tmpdir);
    assert_int_equal(run_cli(args, out, sizeof out), 0);
    snprintf(args, sizeof args, "%s/cli-exp/runs.csv", tmpdir);
    char *txt = fx_slurp(args);
    assert_non_null(txt);
    assert_memory_equal(txt, "run_id,job_id,", 14);
    free(txt);
}

/* `wattnet run` enqueues its preset only once: with a sweep called "quick"
 * already stored (two tiny jobs), it just runs those; a second `run` finds
 * nothing left to do. */
static void test_run_reuses_stored_sweep(void **state)
{
    (void)state;
    static char out[65536];
    char args[3000], db[1200], spec[1200];
    snprintf(db, sizeof db, "%s/run.db", tmpdir);
    snprintf(spec, sizeof spec, "%s/tiny.json", tmpdir);
    FILE *f = fopen(spec, "w");
    assert_non_null(f);
    fputs("{\"datasets\":[\"synthetic:banana\"],\"shapes\":[\"rectangle\"],"
          "\"depths\":[2],\"sizes\":[64,128],\"epochs\":1}", f);
    fclose(f);
    snprintf(args, sizeof args, "sweep --db '%s' --spec '%s' --name quick", db, spec);
    assert_int_equal(run_cli(args, out, sizeof out), 0);
    snprintf(args, sizeof args, "run --db '%s' --meter estimate", db);
    int rc = run_cli(args, out, sizeof out);
    if (rc != 0)
        print_message("%s\n", out);
    assert_int_equal(rc, 0);
    assert_non_null(strstr(out, "already has sweep 'quick'"));
    snprintf(args, sizeof args, "status --db '%s' --json", db);
    assert_int_equal(run_cli(args, out, sizeof out), 0);
    cJSON *o = cJSON_Parse(out);
    assert_non_null(o);
    assert_int_equal(cJSON_GetObjectItem(o, "done")->valueint, 2);
    assert_int_equal(cJSON_GetObjectItem(o, "runs")->valueint, 2);
    assert_int_equal(cJSON_GetObjectItem(o, "queued")->valueint, 0);
    assert_false(cJSON_IsNull(cJSON_GetObjectItem(o, "runs_per_hour")));
    cJSON_Delete(o);
    /* Again: nothing to do, nothing added. */
    snprintf(args, sizeof args, "run --db '%s' --meter estimate --json", db);
    assert_int_equal(run_cli(args, out, sizeof out), 0);
    snprintf(args, sizeof args, "status --db '%s' --json", db);
    assert_int_equal(run_cli(args, out, sizeof out), 0);
    o = cJSON_Parse(out);
    assert_non_null(o);
    assert_int_equal(cJSON_GetObjectItem(o, "done")->valueint, 2);
    assert_int_equal(cJSON_GetObjectItem(o, "runs")->valueint, 2);
    cJSON_Delete(o);
    /* The runs export with their job ids. */
    snprintf(args, sizeof args, "export --db '%s' --format jsonl --out '%s/run-exp'", db,
             tmpdir);
    assert_int_equal(run_cli(args, out, sizeof out), 0);
    snprintf(args, sizeof args, "%s/run-exp/runs.jsonl", tmpdir);
    char *txt = fx_slurp(args);
    assert_non_null(txt);
    o = cJSON_Parse(strtok(txt, "\n"));
    assert_non_null(o);
    assert_true(cJSON_GetObjectItem(o, "job_id")->valueint >= 1);
    assert_string_equal(cJSON_GetObjectItem(o, "dataset")->valuestring, "synthetic:banana");
    cJSON_Delete(o);
    free(txt);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_spec_parse_good),
        cmocka_unit_test(test_spec_errors_name_the_field),
        cmocka_unit_test(test_spec_alloc_faults),
        cmocka_unit_test(test_presets),
        cmocka_unit_test(test_expand_skips_and_shuffles),
        cmocka_unit_test(test_enqueue),
        cmocka_unit_test(test_export_csv_round_trip),
        cmocka_unit_test(test_export_jsonl_round_trip),
        cmocka_unit_test(test_export_butter_e),
        cmocka_unit_test(test_attribute_logs),
        cmocka_unit_test(test_pg_export_and_attribute),
        cmocka_unit_test(test_commands),
        cmocka_unit_test(test_run_reuses_stored_sweep),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
