/*
 * worker_exec.c - the default executor of a worker: the first job stores
 * this host (best effort) and opens this process's meter (with the stored
 * idle baseline when there is one); each job runs wn_run_execute_opts (its
 * energy split by CPU-time share when workers share the meter; it gives up
 * at the next epoch when the job is cancelled: lease lost, stop signal) and
 * stores the record with wn_store_put_job_run, which marks the job done in
 * the same transaction if this worker still holds it.  A store failure that
 * is not the job's fault (disk full, database gone for good after the
 * reconnection tries) sets w->fatal so the worker stops instead of burning
 * every remaining job's attempts.
 */
#include <stdio.h>
#include <string.h>

#include <wattnet/slurm.h>

#include "sweep/worker_internal.h"

static void store_host_once(struct worker *w, wn_store *s)
{
    if (w->host_stored)
        return;
    wn_host h;
    memset(&h, 0, sizeof h);
    if (wn_host_detect(&h) == WN_OK)
        wn_store_put_host(s, &h, NULL);   /* best effort */
    w->host_stored = 1;
    wn_clearerr();
}

static void open_meter_once(struct worker *w, wn_store *s)
{
    if (w->meter_tried)
        return;
    wn_meter_opts mo;
    wn_meter_opts_default(&mo);
    if (w->o->meter_source)
        mo.source = w->o->meter_source;
    if (mo.source && !strcmp(mo.source, "none"))
        w->meter = NULL;   /* asked for no meter */
    else if (wn_meter_open(&mo, &w->meter) != WN_OK)
        w->meter = NULL;   /* no meter: runs are stored unmetered */
    else if (wn_store_apply_idle(s, w->meter, NULL) != WN_OK)
        wn_clearerr();     /* no stored baseline: total energy only */
    w->meter_tried = 1;
    wn_clearerr();
}

/* The meter of a GPU job: NVML on its GPU (wn_run_meter_opts), kept open
 * while the jobs keep that device.  NULL (the run stored unmetered) when
 * NVML does not work here; an error for a meter that cannot meter a GPU. */
static int gpu_meter(struct worker *w, const char *device, wn_meter **m)
{
    char gpu[64];
    wn_meter_opts mo;
    wn_meter_opts_default(&mo);
    mo.source = w->o->meter_source;
    int rc = wn_run_meter_opts(device, &mo, gpu, sizeof gpu);
    if (rc != WN_OK)
        return rc;
    if (w->gpu_meter && strcmp(w->gpu_meter_dev, device))
        wn_meter_close(&w->gpu_meter);
    if (!w->gpu_meter && mo.nvml_gpu && wn_meter_open(&mo, &w->gpu_meter) != WN_OK)
        w->gpu_meter = NULL;
    snprintf(w->gpu_meter_dev, sizeof w->gpu_meter_dev, "%s", device);
    wn_clearerr();
    *m = w->gpu_meter;
    return WN_OK;
}

/* wn_run_observer.cancelled: the lease was lost or a stop signal came. */
static int run_cancelled(void *user)
{
    return wn__worker_cancelled(user);
}

int wn__worker_default_exec(void *user, wn_store *s, const wn_job *job)
{
    struct worker *w = user;
    wn_run_record rec;
    wn_meter *meter = NULL;
    wn_run_observer obs = { NULL, w, run_cancelled };
    int rc = WN_OK;
    (void)s;   /* w->s: it may be reopened below */
    memset(&rec, 0, sizeof rec);
    store_host_once(w, w->s);
    if (wn_run_device_is_gpu(job->spec.train.device)) {
        rc = gpu_meter(w, job->spec.train.device, &meter);
    } else {
        open_meter_once(w, w->s);
        meter = w->meter;
    }
    if (rc == WN_OK) {
        /* Co-located workers share the package (and node) meter: each run
         * gets its CPU-time share of it, the whole reading kept (issue 10). */
        wn_run_opts ro = { w->o->attribute || w->o->workers > 1, NULL };
        rc = wn_run_execute_opts(&job->spec, &w->dopts, meter, &obs, &ro, &rec);
    }
    if (rc != WN_OK)
        goto out;
    rec.job_id = job->job_id;
    rc = wn_store_put_job_run(w->s, &rec, w->owner);
    if (rc == WN_EDB && wn__worker_reconnect(w, "storing a run") == WN_OK)
        rc = wn_store_put_job_run(w->s, &rec, w->owner);
    /* the run's raw readings, for re-integration later (docs/store.md);
     * losing them never loses the run */
    if (rc == WN_OK && meter && wn_run_samples_store(w->s, meter, &rec, 0))
        wn_clearerr();
    /* the Slurm job and step it ran in: runs join on slurm_job_id */
    wn_slurm_ids sid;
    if (rc == WN_OK && wn_slurm_ids_from_env(&sid) &&
        wn_store_put_slurm(w->s, rec.run_id, &sid) != WN_OK)
        wn_clearerr();
    if (rc != WN_OK && rc != WN_ESTATE && !wn__worker_stop_signal()) {
        w->fatal = rc;
        snprintf(w->fatal_msg, sizeof w->fatal_msg, "%s", wn_errmsg());
    }
out:
    wn_run_record_clear(&rec);
    return rc;
}

void wn__worker_exec_close(struct worker *w)
{
    if (w->meter)
        wn_meter_close(&w->meter);
    if (w->gpu_meter)
        wn_meter_close(&w->gpu_meter);
}
