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
 * A window must span enough of its meter's update interval (issue 10): the
 * run's min_seconds (the spec's, or wn_run_min_seconds of the device and
 * the meter's wn_meter_update_s) makes the trainer run past the requested
 * epochs, and the record keeps the epochs it ran.  With wn_run_opts
 * attribute, each window's energy is split by this process tree's share
 * of the host's CPU time (share.c), the whole reading kept beside it.
 */
#include <stdio.h>
#include <stdlib.h>
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
    int attribute;            /* split windows by CPU-time share */
    const char *proc_root;
    wn_cputime_sample ep0;    /* CPU time at the open epoch window */
};

/* This process's CPU time now (attribution only): the run trains in this
 * process (its threads are in its own stat), so no scan of the others. */
static int share_sample(const struct run_ctx *c, wn_cputime_sample *out)
{
    memset(out, 0, sizeof *out);
    if (!c->attribute)
        return WN_OK;
    return wn_cputime_sample_pid(c->proc_root, (int)getpid(), out);
}

/* Split E by the share since A when attributing. */
static int share_apply(const struct run_ctx *c, const wn_cputime_sample *a,
                       wn_energy *e)
{
    wn_cputime_sample b;
    if (!c->attribute)
        return WN_OK;
    int rc = share_sample(c, &b);
    return rc ? rc : wn_run_share_apply(a, &b, e);
}

/* Room for one more epoch record (a run extended by min_seconds runs past
 * the epochs it asked for). */
static int epochs_room(struct run_ctx *c)
{
    wn_run_record *r = c->rec;
    if (r->n_epochs < c->cap)
        return WN_OK;
    size_t ncap = c->cap ? c->cap * 2 : 16;
    wn_epoch_record *g = wn_realloc(r->epochs, ncap * sizeof *g);
    if (!g)
        return wn_seterr(WN_ENOMEM, "run: out of memory for %zu epochs", ncap);
    r->epochs = g;
    c->cap = ncap;
    return WN_OK;
}

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
    wn_train_config_default(&s->train);
}

/* The trainer's configuration for SPEC: an empty shape is "rectangle" and a
 * zero train fraction the default (SPEC's 80/20), so that a zeroed spec, or
 * one loaded from the store (which keeps no fraction), is a valid one. */
static void effective_config(const wn_run_spec *spec, wn_train_config *cfg)
{
    wn_train_config dflt;
    wn_train_config_default(&dflt);
    *cfg = spec->train;
    if (!cfg->shape[0])
        memcpy(cfg->shape, dflt.shape, sizeof cfg->shape);
    if (cfg->train_fraction == 0.0)
        cfg->train_fraction = dflt.train_fraction;
}

void wn_run_record_clear(wn_run_record *r)
{
    if (!r)
        return;
    wn_free(r->epochs);
    memset(r, 0, sizeof *r);
}

void wn_run_set_energy(wn_run_record *r, const wn_energy *e)
{
    wn_energy copy = *e;      /* E may be &r->energy */
    double data = (double)r->summary.batches_per_epoch *
                  (double)r->summary.epochs * (double)r->spec.train.batch;
    r->energy = copy;
    r->has_jpd = wn_energy_per_datum(&copy, data, &r->joules_per_datum);
    /* A GPU run's joules per datum come from NVML only (device_meter.c):
     * another source (an attribution from a node's watt-meter log) would
     * count the host too. */
    if (r->has_jpd && wn_run_device_is_gpu(r->summary.device) &&
        strcmp(copy.source, "nvml"))
        r->has_jpd = 0;
}

/* ---- Trainer hooks ------------------------------------------------------ */

/* WN_ECANCELED when the observer asks to stop. */
static int check_cancel(const struct run_ctx *c, size_t epochs_done)
{
    if (c->obs && c->obs->cancelled && c->obs->cancelled(c->obs->user))
        return wn_seterr(WN_ECANCELED, "run: cancelled after %zu of %zu epochs",
                         epochs_done, c->cap);
    return WN_OK;
}

static int on_epoch_begin(void *user, size_t epoch)
{
    struct run_ctx *c = user;
    (void)epoch;
    int rc = check_cancel(c, c->rec->n_epochs);
    if (rc)
        return rc;
    if (!c->meter)
        return WN_OK;
    rc = wn_meter_window_begin(c->meter, &c->win);
    return rc ? rc : share_sample(c, &c->ep0);
}

static int on_epoch_end(void *user, const wn_epoch_stats *s)
{
    struct run_ctx *c = user;
    wn_run_record *r = c->rec;
    int rc = epochs_room(c);
    if (rc)
        return rc;
    wn_epoch_record *e = &r->epochs[r->n_epochs];
    memset(e, 0, sizeof *e);
    e->stats = *s;
    if (c->meter) {
        int win = c->win;
        c->win = -1;
        rc = wn_meter_window_end(c->meter, win, &e->energy);
        if (rc == WN_OK)
            rc = share_apply(c, &c->ep0, &e->energy);
        if (rc)
            return rc;
    }
    r->n_epochs++;
    if (c->obs && c->obs->epoch)
        c->obs->epoch(c->obs->user, r, e);
    return check_cancel(c, r->n_epochs);
}

/* ---- The run ------------------------------------------------------------ */

/* The dataset's name, source, task and sizes into the record. */
static void describe_dataset(const wn_dataset *d, wn_run_record *out)
{
    snprintf(out->dataset_name, sizeof out->dataset_name, "%s",
             wn_dataset_name(d));
    snprintf(out->data_source, sizeof out->data_source, "%s",
             wn_dataset_source(d) == WN_SOURCE_SYNTHETIC ? "synthetic"
                                                         : "file");
    snprintf(out->task, sizeof out->task, "%s",
             wn_task_name(wn_dataset_task(d)));
    out->inputs = wn_dataset_inputs(d);
    out->outputs = wn_dataset_outputs(d);
}

/* Check the spec and set up the record (its spec is the effective one). */
static int run_begin(const wn_run_spec *spec, wn_run_record *out)
{
    memset(out, 0, sizeof *out);
    if (!spec || !spec->dataset[0])
        return wn_seterr(WN_EINVAL, "run: no dataset in the spec");
    if (spec->train.epochs < 1 || spec->train.batch < 1)
        return wn_seterr(WN_EINVAL, "run: epochs and batch must be >= 1");
    out->spec = *spec;
    effective_config(spec, &out->spec.train);
    if (gethostname(out->host, sizeof out->host - 1) != 0)
        snprintf(out->host, sizeof out->host, "unknown");
    out->epochs = wn_calloc(spec->train.epochs, sizeof *out->epochs);
    if (!out->epochs)
        return wn_seterr(WN_ENOMEM, "run: out of memory for %zu epochs",
                         spec->train.epochs);
    return WN_OK;
}

int wn_run_execute(const wn_run_spec *spec, const wn_data_opts *dopts,
                   wn_meter *meter, const wn_run_observer *obs,
                   wn_run_record *out)
{
    return wn_run_execute_opts(spec, dopts, meter, obs, NULL, out);
}

/* The run's min_seconds: the spec's when given, else the rule of
 * wn_run_min_seconds for this device and meter. */
static void choose_min_seconds(const wn_run_spec *spec, wn_meter *meter,
                               wn_run_record *out)
{
    if (spec->min_seconds_given)
        return;
    int metered = meter && wn_energy_source_from_name(wn_meter_source(meter))
                               != WN_ENERGY_ESTIMATE;
    out->spec.train.min_seconds =
        wn_run_min_seconds(out->spec.train.device, metered,
                           wn_meter_update_s(meter));
}

/* What the record says about the data and the device before training: the
 * dataset, $WATTNET_DEVICE for a spec without a device (jobs of a sweep
 * without a "devices" axis; their meter is the CPU's, so such a GPU run gets
 * no joules per datum: wn_run_set_energy), the min_seconds chosen, and for
 * a file its path and checksum, so the record says what was trained. */
static int describe_inputs(const wn_run_spec *spec, const wn_data_opts *dopts,
                           const wn_dataset *d, wn_meter *meter, wn_run_record *out)
{
    describe_dataset(d, out);
    const char *dev = getenv("WATTNET_DEVICE");
    if (!out->spec.train.device[0] && dev && *dev)
        snprintf(out->spec.train.device, sizeof out->spec.train.device, "%s", dev);
    choose_min_seconds(spec, meter, out);
    if (wn_dataset_source(d) != WN_SOURCE_FILE)
        return WN_OK;
    wn_data_origin origin;
    int rc = wn_data_resolve(spec->dataset, dopts, 1, &origin);
    if (rc)
        return rc;
    snprintf(out->data_path, sizeof out->data_path, "%s", origin.path);
    snprintf(out->data_sha256, sizeof out->data_sha256, "%s", origin.sha256);
    return WN_OK;
}

/* Close the run's window *run_win (then -1) into out->energy, with the
 * CPU-time share since RUN0 applied when attributing. */
static int end_run_window(const struct run_ctx *ctx, int *run_win,
                          const wn_cputime_sample *run0, wn_run_record *out)
{
    int w = *run_win;
    *run_win = -1;
    int rc = wn_meter_window_end(ctx->meter, w, &out->energy);
    return rc == WN_OK ? share_apply(ctx, run0, &out->energy) : rc;
}

int wn_run_execute_opts(const wn_run_spec *spec, const wn_data_opts *dopts,
                        wn_meter *meter, const wn_run_observer *obs,
                        const wn_run_opts *opts, wn_run_record *out)
{
    int rc = WN_OK, run_win = -1;
    wn_cputime_sample run0;
    memset(&run0, 0, sizeof run0);
    wn_dataset *d = NULL;
    wn_data_opts dflt;
    if (!out)
        return wn_seterr(WN_EINVAL, "run: no record to fill");
    struct run_ctx ctx = { .meter = meter, .rec = out, .obs = obs, .win = -1,
                           .attribute = opts && opts->attribute,
                           .proc_root = opts ? opts->proc_root : NULL };
    rc = run_begin(spec, out);   /* checks SPEC */
    if (rc)
        goto out;
    ctx.cap = spec->train.epochs;
    if (!dopts) {
        memset(&dflt, 0, sizeof dflt);
        dflt.seed = spec->train.seed;
        dopts = &dflt;
    }
    out->start_time = unix_now();
    if (meter) {
        rc = wn_meter_window_begin(meter, &run_win);
        if (rc == WN_OK)
            rc = share_sample(&ctx, &run0);
        if (rc)
            goto out;
    }
    rc = wn_dataset_load(spec->dataset, dopts, &d);
    if (rc == WN_OK)
        rc = describe_inputs(spec, dopts, d, meter, out);
    if (rc)
        goto out;
    wn_train_hooks hooks = { on_epoch_begin, on_epoch_end, &ctx };
    rc = wn_train(d, &out->spec.train, &hooks, &out->summary);
    if (rc)
        goto out;
    out->spec.train.batch = out->summary.batch;   /* the effective batch */
    if (meter && (rc = end_run_window(&ctx, &run_win, &run0, out)) != WN_OK)
        goto out;
    out->end_time = unix_now();
    wn_run_set_energy(out, &out->energy);
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
