/*
 * run.c - one measured training run: load the dataset, train it with
 * wn_train, and meter the whole run and each epoch.
 *
 * The meter windows nest: one window spans the run (dataset loaded, network
 * built, every epoch), and the trainer's epoch hooks open and close one
 * window per epoch inside it.  The record owns its per-epoch array; free it
 * with wn_run_record_clear.  Without a meter (meter NULL) every energy has
 * measured == 0.  joules_per_datum (BUTTER-E's figure of merit) is set only
 * when the run's energy is a measurement (not an estimate):
 *     energy_j / (batches_per_epoch * epochs * batch).
 */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <wattnet/wattnet.h>
#include <wattnet/data_origin.h>

struct run_ctx {
    wn_meter *meter;
    wn_run_record *rec;
    const wn_run_observer *obs;
    size_t cap;
    int win;                  /* the open epoch window, or -1 */
};

static double unix_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

void wn_run_spec_default(wn_run_spec *s)
{
    if (!s)
        return;
    memset(s, 0, sizeof *s);
    snprintf(s->shape, sizeof s->shape, "rectangle");
    s->depth = 3;
    s->size = 1024;
    s->epochs = 10;
    s->batch = 256;
    s->learning_rate = 1e-4;
    s->seed = 1;
    s->threads = 0;
}

void wn_run_record_clear(wn_run_record *r)
{
    if (!r)
        return;
    wn_free(r->epochs);
    memset(r, 0, sizeof *r);
}

/* ---- Trainer hooks ------------------------------------------------------ */

static int on_epoch_begin(void *user, size_t epoch)
{
    struct run_ctx *c = user;
    (void)epoch;
    if (!c->meter)
        return WN_OK;
    return wn_meter_window_begin(c->meter, &c->win);
}

static int on_epoch_end(void *user, const wn_epoch_stats *s)
{
    struct run_ctx *c = user;
    wn_run_record *r = c->rec;
    if (r->n_epochs >= c->cap)
        return wn_seterr(WN_ESTATE, "run: more epochs than the %zu asked for",
                         c->cap);
    wn_epoch_record *e = &r->epochs[r->n_epochs];
    memset(e, 0, sizeof *e);
    e->stats = *s;
    if (c->meter) {
        int win = c->win;
        c->win = -1;
        int rc = wn_meter_window_end(c->meter, win, &e->energy);
        if (rc)
            return rc;
    }
    r->n_epochs++;
    if (c->obs && c->obs->epoch)
        c->obs->epoch(c->obs->user, r, e);
    return WN_OK;
}

/* ---- The run ------------------------------------------------------------ */

int wn_run_execute(const wn_run_spec *spec, const wn_data_opts *dopts,
                   wn_meter *meter, const wn_run_observer *obs,
                   wn_run_record *out)
{
    int rc = WN_OK, run_win = -1;
    wn_dataset *d = NULL;
    wn_data_opts dflt;
    struct run_ctx ctx;
    memset(&ctx, 0, sizeof ctx);
    ctx.win = -1;
    if (!out)
        return wn_seterr(WN_EINVAL, "run: no record to fill");
    memset(out, 0, sizeof *out);
    if (!spec || !spec->dataset[0])
        return wn_seterr(WN_EINVAL, "run: no dataset in the spec");
    if (spec->epochs < 1 || spec->batch < 1)
        return wn_seterr(WN_EINVAL, "run: epochs and batch must be >= 1");
    if (!dopts) {
        memset(&dflt, 0, sizeof dflt);
        dflt.seed = spec->seed;
        dopts = &dflt;
    }
    out->spec = *spec;
    if (gethostname(out->host, sizeof out->host - 1) != 0)
        snprintf(out->host, sizeof out->host, "unknown");
    out->epochs = wn_calloc(spec->epochs, sizeof *out->epochs);
    if (!out->epochs) {
        rc = wn_seterr(WN_ENOMEM, "run: out of memory for %zu epochs",
                       spec->epochs);
        goto out;
    }
    ctx.meter = meter;
    ctx.rec = out;
    ctx.obs = obs;
    ctx.cap = spec->epochs;

    out->start_time = unix_now();
    if (meter) {
        rc = wn_meter_window_begin(meter, &run_win);
        if (rc)
            goto out;
    }
    rc = wn_dataset_load(spec->dataset, dopts, &d);
    if (rc)
        goto out;
    snprintf(out->dataset_name, sizeof out->dataset_name, "%s",
             wn_dataset_name(d));
    snprintf(out->data_source, sizeof out->data_source, "%s",
             wn_dataset_source(d) == WN_SOURCE_SYNTHETIC ? "synthetic"
                                                         : "file");
    snprintf(out->task, sizeof out->task, "%s",
             wn_task_name(wn_dataset_task(d)));
    if (wn_dataset_source(d) == WN_SOURCE_FILE) {
        /* which file, and its checksum, so the record says what was trained */
        wn_data_origin origin;
        rc = wn_data_resolve(spec->dataset, dopts, 1, &origin);
        if (rc)
            goto out;
        snprintf(out->data_path, sizeof out->data_path, "%s", origin.path);
        snprintf(out->data_sha256, sizeof out->data_sha256, "%s", origin.sha256);
    }
    out->inputs = wn_dataset_inputs(d);
    out->outputs = wn_dataset_outputs(d);

    wn_train_config cfg;
    wn_train_config_default(&cfg);
    cfg.shape = spec->shape[0] ? spec->shape : "rectangle";
    cfg.depth = spec->depth;
    cfg.size = spec->size;
    cfg.epochs = spec->epochs;
    cfg.batch = spec->batch;
    cfg.learning_rate = spec->learning_rate;
    cfg.seed = spec->seed;
    cfg.threads = spec->threads;
    wn_train_hooks hooks = { on_epoch_begin, on_epoch_end, &ctx };
    rc = wn_train(d, &cfg, &hooks, &out->summary);
    if (rc)
        goto out;

    if (meter) {
        int w = run_win;
        run_win = -1;
        rc = wn_meter_window_end(meter, w, &out->energy);
        if (rc)
            goto out;
    }
    out->end_time = unix_now();
    double data = (double)out->summary.batches_per_epoch *
                  (double)out->summary.epochs * (double)spec->batch;
    if (out->energy.measured && !out->energy.is_estimate && data > 0) {
        out->has_jpd = 1;
        out->joules_per_datum = out->energy.energy_j / data;
    }
out:
    if (rc) {
        wn_energy scrap;
        if (meter && ctx.win >= 0)
            wn_meter_window_end(meter, ctx.win, &scrap);
        if (meter && run_win >= 0)
            wn_meter_window_end(meter, run_win, &scrap);
        wn_run_record_clear(out);
    }
    wn_dataset_free(&d);
    return rc;
}
