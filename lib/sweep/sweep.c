/*
 * sweep.c - from a sweep spec to jobs in the queue: the cartesian product
 * dataset x shape x depth x size, repeated, without the combinations whose
 * size no network of the shape reaches (wn_shape_widths says so for the
 * dataset's inputs and outputs), optionally shuffled with a seed, then
 * stored as one sweep in one transaction.
 *
 * Order: repetition-major (every combination once before any is repeated),
 * so a sweep stopped early still covers the grid.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <wattnet/wattnet.h>

#include "core/rng.h"

void wn_sweep_opts_default(wn_sweep_opts *o)
{
    memset(o, 0, sizeof *o);
    o->seed = 1;
}

void wn_sweep_plan_clear(wn_sweep_plan *p)
{
    if (!p)
        return;
    wn_free(p->jobs);
    memset(p, 0, sizeof *p);
}

/* Inputs and outputs of a study dataset spec (NAME or synthetic:NAME);
 * 0 when unknown (a path: not checked). */
static int dataset_dims(const char *spec, size_t *inputs, size_t *outputs)
{
    const char *name = strncmp(spec, "synthetic:", 10) ? spec : spec + 10;
    const wn_study_dataset *d = wn_study_dataset_find(name);
    if (!d)
        return 0;
    *inputs = d->inputs;
    *outputs = d->outputs;
    return 1;
}

/* The grid's size, checked before anything is allocated: every product
 * in overflow-safe arithmetic, against WN_SWEEP_MAX_JOBS (a 10^8-job spec
 * once grew past 9.7 GB before failing; four axes of ~10^5 values
 * overflowed size_t and crashed).  *combos: datasets x shapes x depths x
 * sizes.  WN_EINVAL naming the product when over the cap or an axis is
 * empty. */
static int count_combinations(const wn_sweep_spec *sp, size_t reps,
                              size_t *combos)
{
    size_t ndev = sp->n_devices ? sp->n_devices : 1;
    const size_t axes[] = { sp->n_datasets, sp->n_shapes, sp->n_depths,
                            sp->n_sizes, reps, ndev };
    size_t n = 1;
    int over = 0;
    for (size_t i = 0; i < sizeof axes / sizeof axes[0]; i++) {
        if (axes[i] == 0)
            return wn_seterr(WN_EINVAL, "sweep: the spec has an empty axis");
        size_t next;
        if (over || __builtin_mul_overflow(n, axes[i], &next) ||
            next > WN_SWEEP_MAX_JOBS)
            over = 1;
        else
            n = next;
    }
    if (over)
        return wn_seterr(WN_EINVAL, "sweep: %zu datasets x %zu shapes x %zu "
                         "depths x %zu sizes x %zu repetitions x %zu devices is "
                         "more than the %d jobs one sweep may hold; split the "
                         "sweep", sp->n_datasets, sp->n_shapes, sp->n_depths,
                         sp->n_sizes, reps, ndev, WN_SWEEP_MAX_JOBS);
    *combos = n / reps / ndev;
    return WN_OK;
}

/* Mark in OK (one byte a combination, axis order) the combinations some
 * network of the shape reaches; the number marked. */
static size_t mark_reachable(const wn_sweep_spec *sp, uint8_t *ok)
{
    size_t good = 0, c = 0;
    for (size_t d = 0; d < sp->n_datasets; d++) {
        size_t in = 0, outs = 0;
        int known = dataset_dims(sp->datasets[d], &in, &outs);
        for (size_t s = 0; s < sp->n_shapes; s++)
            for (size_t k = 0; k < sp->n_depths; k++)
                for (size_t z = 0; z < sp->n_sizes; z++, c++) {
                    size_t widths[WN_MAX_DEPTH];
                    ok[c] = !known ||
                            wn_shape_widths(in, outs, sp->shapes[s], sp->depths[k],
                                            sp->sizes[z], widths, NULL) == WN_OK;
                    good += ok[c];
                }
    }
    wn_clearerr();
    return good;
}

/* One job of the grid: combination (d, s, k, z), repetition r. */
static void fill_job(wn_job *job, const wn_sweep_spec *sp, const wn_sweep_opts *o,
                     size_t d, size_t s, size_t k, size_t z, size_t r,
                     const char *device)
{
    wn_run_spec *rs = &job->spec;
    snprintf(rs->train.device, sizeof rs->train.device, "%s", device);
    snprintf(rs->dataset, sizeof rs->dataset, "%s", sp->datasets[d]);
    snprintf(rs->train.shape, sizeof rs->train.shape, "%s", sp->shapes[s]);
    rs->train.depth = sp->depths[k];
    rs->train.size = sp->sizes[z];
    rs->train.epochs = sp->epochs;
    rs->train.batch = sp->batch;
    rs->train.learning_rate = sp->learning_rate;
    rs->train.seed = o->seed + r;
    rs->train.threads = 0;
    rs->min_seconds_given = sp->has_min_seconds;
    rs->train.min_seconds = sp->has_min_seconds ? sp->min_seconds : 0.0;
    job->repetition = (int)r;
}

/* Every reachable combination (OK) times REPS repetitions times the
 * devices (none given: the CPU, device "") into out->jobs. */
static void fill_jobs(const wn_sweep_spec *sp, const wn_sweep_opts *o, size_t reps,
                      const uint8_t *ok, wn_sweep_plan *out)
{
    size_t j = 0;
    size_t ndev = sp->n_devices ? sp->n_devices : 1;
    for (size_t r = 0; r < reps; r++)
        for (size_t v = 0; v < ndev; v++) {
            const char *dev = sp->n_devices ? sp->devices[v] : "";
            size_t c = 0;
            for (size_t d = 0; d < sp->n_datasets; d++)
                for (size_t s = 0; s < sp->n_shapes; s++)
                    for (size_t k = 0; k < sp->n_depths; k++)
                        for (size_t z = 0; z < sp->n_sizes; z++, c++)
                            if (ok[c])
                                fill_job(&out->jobs[j++], sp, o, d, s, k, z, r, dev);
        }
}

/* Fisher-Yates with a seed of its own, so the claim order is reproducible. */
static void shuffle_jobs(wn_sweep_plan *p, uint64_t seed)
{
    wn_rng rng;
    wn__rng_seed(&rng, seed ^ 0x5eed5eedULL);
    for (size_t i = p->n_jobs; i > 1; i--) {
        size_t x = (size_t)wn__rng_below(&rng, i);
        wn_job t = p->jobs[i - 1];
        p->jobs[i - 1] = p->jobs[x];
        p->jobs[x] = t;
    }
}

int wn_sweep_expand(const wn_sweep_spec *sp, const wn_sweep_opts *o,
                    wn_sweep_plan *out)
{
    wn_sweep_opts defaults;
    uint8_t *ok = NULL;
    int rc = WN_OK;
    if (!sp || !out)
        return wn_seterr(WN_EINVAL, "sweep: NULL argument");
    memset(out, 0, sizeof *out);
    if (!o) {
        wn_sweep_opts_default(&defaults);
        o = &defaults;
    }
    size_t reps = o->repeat ? o->repeat : sp->repetitions;
    if (reps == 0)
        reps = 1;
    /* a job's fields hold whole strings or the spec is refused */
    for (size_t d = 0; d < sp->n_datasets; d++)
        if (strlen(sp->datasets[d]) >= sizeof out->jobs->spec.dataset)
            return wn_seterr(WN_EINVAL, "sweep: dataset '%.40s...' is %zu "
                             "characters, more than the %zu a job holds",
                             sp->datasets[d], strlen(sp->datasets[d]),
                             sizeof out->jobs->spec.dataset - 1);
    for (size_t k = 0; k < sp->n_shapes; k++)
        if (strlen(sp->shapes[k]) >= sizeof out->jobs->spec.train.shape)
            return wn_seterr(WN_EINVAL, "sweep: shape '%.40s...' is too long",
                             sp->shapes[k]);
    size_t combos = 0;
    rc = count_combinations(sp, reps, &combos);
    if (rc != WN_OK)
        return rc;
    ok = wn_calloc(combos, 1);
    if (!ok) {
        rc = wn_seterr(WN_ENOMEM, "sweep: out of memory");
        goto out;
    }
    size_t good = mark_reachable(sp, ok);
    out->combos = combos;
    out->skipped = combos - good;
    /* <= combos * reps * devices <= WN_SWEEP_MAX_JOBS */
    out->n_jobs = good * reps * (sp->n_devices ? sp->n_devices : 1);
    if (out->n_jobs == 0)
        goto out;
    out->jobs = wn_calloc(out->n_jobs, sizeof *out->jobs);
    if (!out->jobs) {
        rc = wn_seterr(WN_ENOMEM, "sweep: out of memory for %zu jobs", out->n_jobs);
        goto out;
    }
    fill_jobs(sp, o, reps, ok, out);
    if (o->shuffle && out->n_jobs > 1)
        shuffle_jobs(out, o->seed);
out:
    wn_free(ok);
    if (rc != WN_OK)
        wn_sweep_plan_clear(out);
    return rc;
}

/* Expand SP and store it as sweep NAME; CREATED NULL: always a new sweep,
 * else only when none called NAME exists (*created says which). */
static int enqueue(wn_store *s, const char *name, const wn_sweep_spec *sp,
                   const wn_sweep_opts *o, wn_sweep_result *out, int *created)
{
    wn_sweep_plan plan;
    wn_sweep_opts defaults;
    char *json = NULL;
    int64_t id = 0;
    int rc = WN_OK;
    memset(&plan, 0, sizeof plan);
    if (!s || !name || !sp)
        return wn_seterr(WN_EINVAL, "sweep: NULL argument");
    if (!o) {
        wn_sweep_opts_default(&defaults);
        o = &defaults;
    }
    rc = wn_sweep_expand(sp, o, &plan);
    if (rc != WN_OK)
        goto out;
    rc = wn_sweep_spec_to_json(sp, &json);
    if (rc != WN_OK)
        goto out;
    if (created)
        rc = wn_store_sweep_add_once(s, name, json, o->seed, plan.jobs,
                                     plan.n_jobs, &id, created);
    else
        rc = wn_store_sweep_add(s, name, json, o->seed, plan.jobs,
                                plan.n_jobs, &id);
    if (rc != WN_OK)
        goto out;
    if (out && created && !*created) {
        out->sweep_id = id;      /* another process created it first */
    } else if (out) {
        out->sweep_id = id;
        out->n_jobs = plan.n_jobs;
        out->skipped = plan.skipped;
    }
out:
    wn_free(json);
    wn_sweep_plan_clear(&plan);
    return rc;
}

int wn_sweep_enqueue(wn_store *s, const char *name, const wn_sweep_spec *sp,
                     const wn_sweep_opts *o, wn_sweep_result *out)
{
    return enqueue(s, name, sp, o, out, NULL);
}

int wn_sweep_preset_ensure(wn_store *s, const char *name, const wn_host *host,
                           wn_sweep_result *out, int *created)
{
    wn_sweep_spec *sp = NULL;
    wn_sweep_opts so;
    int64_t id = 0;
    memset(out, 0, sizeof *out);
    *created = 0;
    int rc = wn_store_sweep_find(s, name, &id);
    if (rc == WN_OK) {
        out->sweep_id = id;
        return WN_OK;
    }
    if (rc != WN_ENOENT)
        return rc;
    wn_clearerr();
    wn_sweep_opts_default(&so);
    rc = wn_sweep_preset(name, host, &sp);
    if (rc == WN_OK)   /* checked again under the store's lock */
        rc = enqueue(s, name, sp, &so, out, created);
    wn_sweep_spec_free(&sp);
    if (rc != WN_OK)
        *created = 0;
    return rc;
}
