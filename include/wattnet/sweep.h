/*
 * sweep.h - sweeps (a grid of training runs to do, from a JSON spec or a
 * preset) and the workers that claim and run their jobs from the store's
 * queue, locally (N forked processes, optionally pinned) or on many
 * machines sharing one PostgreSQL database.
 *
 * Usage:
 *     wn_sweep_spec *sp = NULL;
 *     wn_sweep_preset("quick", NULL, &sp);          (or wn_sweep_spec_load)
 *     wn_sweep_opts so; wn_sweep_opts_default(&so);
 *     wn_sweep_enqueue(store, "quick", sp, &so, &res);
 *     wn_worker_opts wo; wn_worker_opts_default(&wo); wo.url = url;
 *     wn_worker_run(&wo, &wr);
 */
#ifndef WATTNET_SWEEP_H
#define WATTNET_SWEEP_H

#include <stddef.h>
#include <stdint.h>
#include <wattnet/core.h>
#include <wattnet/host.h>
#include <wattnet/store.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Specs ------------------------------------------------------------------
 * JSON: {"datasets":[...],"shapes":[...],"depths":[...],"sizes":[...],
 *        "epochs":N,"batch":256,"learning_rate":1e-4,"repetitions":1,
 *        "devices":["cpu","cuda"]}
 * datasets, shapes, depths, sizes and epochs are required; batch,
 * learning_rate and repetitions default to 256, 1e-4 and 1; devices (each
 * "cpu", "cuda" or "cuda:N": every job once per device) to ["cpu"]. */
typedef struct wn_sweep_spec {
    size_t n_datasets;
    char **datasets;          /* NAME, synthetic:NAME or a path */
    size_t n_shapes;
    char **shapes;
    size_t n_depths;
    size_t *depths;
    size_t n_sizes;
    uint64_t *sizes;
    size_t epochs;
    size_t batch;
    double learning_rate;
    size_t repetitions;
    size_t n_devices;         /* 0: the CPU alone */
    char **devices;           /* "cpu", "cuda", "cuda:N" */
    /* Optional (issue 10, 12): */
    int has_min_seconds;      /* "min_seconds" given: each job's run is held
                                 to it (else chosen per run from its meter) */
    double min_seconds;       /* 0..604800 */
    double pue;               /* "pue" (>= 1), 0: not given */
    double carbon_intensity;  /* "carbon_intensity" gCO2e/kWh, 0: not given */
} wn_sweep_spec;

/* Parse a spec from JSON text (ORIGIN names it in messages, e.g. the file
 * name).  WN_EFORMAT for bad JSON (with line and column) and WN_EINVAL for
 * a missing, mistyped, empty or unknown field, each naming the field.
 * Free with wn_sweep_spec_free. */
int wn_sweep_spec_parse(const char *json, const char *origin,
                        wn_sweep_spec **out);
/* Read and parse a spec file. */
int wn_sweep_spec_load(const char *path, wn_sweep_spec **out);
/* The spec as JSON (wn_free the string). */
int wn_sweep_spec_to_json(const wn_sweep_spec *sp, char **json);
/* The newest sweep's "pue" and "carbon_intensity" in store S into *pue and
 * *g_per_kwh where they are 0 (a value the user gave wins).  A database
 * without a sweep, or a spec without them, leaves them as they are: WN_OK.
 * (lib/sweep/sweep_carbon.c) */
int wn_sweep_carbon_defaults(wn_store *s, double *pue, double *g_per_kwh);
void wn_sweep_spec_free(wn_sweep_spec **sp);

/* Presets: "quick", "butter-e", "cache-scan", "advise", "cache-scan-gpu"
 * (devices ["cuda"]; sweep_preset.c says what each holds).  HOST gives the cache sizes
 * that quick and cache-scan aim at (NULL: wn_host_detect, with default
 * sizes when detection fails).  WN_ENOENT for an unknown name. */
int wn_sweep_preset(const char *name, const wn_host *host,
                    wn_sweep_spec **out);
size_t wn_sweep_preset_count(void);
const char *wn_sweep_preset_name_at(size_t i);

/* ---- Expanding and enqueueing ---------------------------------------------- */
typedef struct wn_sweep_opts {
    size_t repeat;            /* repetitions; 0: the spec's */
    int shuffle;              /* claim order shuffled with seed */
    uint64_t seed;            /* base training seed (job seed = seed + rep) */
} wn_sweep_opts;

void wn_sweep_opts_default(wn_sweep_opts *o);

/* The most jobs (combinations x repetitions) one sweep may hold: checked
 * before anything is allocated (docs/store.md).  BUTTER-E's full grid is
 * about 26,000 jobs per repetition. */
#define WN_SWEEP_MAX_JOBS 2000000

typedef struct wn_sweep_plan {
    wn_job *jobs;             /* n_jobs entries, claim order */
    size_t n_jobs;
    size_t combos;            /* dataset x shape x depth x size combinations */
    size_t skipped;           /* combos no network of the shape reaches */
} wn_sweep_plan;

/* The cartesian product x repetitions, without the (dataset, shape, depth,
 * size) combinations whose size the shape cannot reach (wn_shape_widths);
 * datasets given as paths are not checked.  Free with
 * wn_sweep_plan_clear. */
int wn_sweep_expand(const wn_sweep_spec *sp, const wn_sweep_opts *o,
                    wn_sweep_plan *out);
void wn_sweep_plan_clear(wn_sweep_plan *p);

/* Configurations (dataset x shape x depth x size) the width search accepts
 * at TOLERANCE (wn_shape_widths_tol; INFINITY: every one); *distinct (may
 * be NULL) counts depth-2 networks once for all shapes.  Datasets given as
 * paths count as accepted. */
int wn_sweep_count_configs(const wn_sweep_spec *sp, double tolerance,
                           size_t *configs, size_t *distinct);

typedef struct wn_sweep_result {
    int64_t sweep_id;
    size_t n_jobs;
    size_t skipped;
} wn_sweep_result;

/* Expand and store as sweep NAME (one transaction). */
int wn_sweep_enqueue(wn_store *s, const char *name, const wn_sweep_spec *sp,
                     const wn_sweep_opts *o, wn_sweep_result *out);

/* Enqueue preset NAME (wn_sweep_preset with HOST) as sweep NAME with the
 * default options, unless S already has a sweep of that name: then only
 * out->sweep_id is set.  *created is 1 when it was enqueued.  WN_ENOENT
 * for an unknown preset; `wattnet run` resumes through this. */
int wn_sweep_preset_ensure(wn_store *s, const char *name, const wn_host *host,
                           wn_sweep_result *out, int *created);

/* ---- Workers ---------------------------------------------------------------
 * An executor does one job and stores its run with wn_store_put_job_run(s,
 * &rec, job->owner) (the record's job_id set to job->job_id, which marks
 * the job done in the same transaction, if the job is still this worker's).
 * A non-zero status is a failed attempt; wn_errmsg() is kept as the job's
 * error.  A long executor should check wn_worker_cancelled() between steps
 * and give up with WN_ECANCELED.  The default runs wn_run_execute with the
 * worker's meter (checking at every epoch) and stores the record.
 *
 * Stopping: while wn_worker_run or wn_worker_loop runs, SIGTERM, SIGINT and
 * SIGHUP are caught (the caller's handlers are restored on return).  The
 * supervisor passes them on to its worker processes, which put their jobs
 * back in the queue at once and exit; worker processes also stop when the
 * supervisor dies.  The call then returns WN_ECANCELED. */
typedef int (*wn_job_executor)(void *user, wn_store *s, const wn_job *job);

/* In an executor: non-zero when the job should be abandoned, because its
 * lease was lost (a renewal was refused, or none succeeded for a whole
 * lease) or the worker was told to stop.  0 outside a worker. */
int wn_worker_cancelled(void);

typedef struct wn_worker_opts {
    const char *url;          /* database: path or postgresql:// */
    int workers;              /* local processes; default 1 */
    int pin;                  /* pin worker i to core i % cores, threads=1 */
    int threads;              /* threads per job when not pinned; 0: cores
                                 divided among the workers */
    double lease_s;           /* lease length; default 60 */
    int max_attempts;         /* default 3 */
    double poll_s;            /* wait between claims while others run;
                                 default 0.5 */
    const char *data_dir;     /* datasets (default executor) */
    const char *meter_source; /* NULL/"auto" (default executor) */
    int attribute;            /* 1: split each run's energy by its CPU-time
                                 share of the host (other work shares the
                                 meter); also whenever workers > 1 (default
                                 executor) */
    wn_job_executor exec;     /* NULL: the default executor */
    void *exec_user;
    /* In the worker process after each attempt (status WN_OK or the
     * failure's, error its message).  May be NULL. */
    void (*on_job)(void *user, int worker, const wn_job *job, int status,
                   const char *error, double seconds);
    /* In the parent about once a second while workers run.  May be NULL. */
    void (*on_progress)(void *user, const wn_queue_status *q);
    void *user;
    unsigned devices;         /* WN_JOB_DEVICE_* mask of the devices the
                                 workers have; 0: wn_worker_devices_detect */
    /* In any process or thread: one line about a lost database connection
     * and each reconnection try, a lost lease, a stop signal.  May be NULL. */
    void (*on_notice)(void *user, int worker, const char *line);
} wn_worker_opts;

void wn_worker_opts_default(wn_worker_opts *o);

/* The devices this machine has (WN_JOB_DEVICE_* mask): the CPU always,
 * CUDA when wn_gpu_query("cuda") succeeds. */
unsigned wn_worker_devices_detect(void);
/* "cpu", "cuda" or "cpu,cuda" into *mask.  WN_EINVAL naming a bad entry. */
int wn_worker_devices_parse(const char *list, unsigned *mask);
/* The mask as "cpu", "cuda" or "cpu,cuda" (a static string). */
const char *wn_worker_devices_name(unsigned mask);

typedef struct wn_worker_result {
    size_t done;              /* jobs this call's workers finished */
    size_t failed;            /* failed attempts */
    size_t crashed;           /* worker processes that died abnormally */
    wn_queue_status queue;    /* at the end */
    int signal;               /* the stop signal that ended the call; 0: none */
} wn_worker_result;

/* Fork o->workers processes, each running wn_worker_loop until nothing is
 * queued or running, and wait for them.  The caller must not hold an open
 * SQLite store on the same file across this call's fork.  WN_ECHILD when a
 * worker process died abnormally; WN_ECANCELED when a stop signal ended it
 * (out->signal), its workers' jobs back in the queue.  A worker process
 * that does not stop within 10 s of the signal is killed. */
int wn_worker_run(const wn_worker_opts *o, wn_worker_result *out);

/* One worker in this process (no fork): claim, heartbeat, execute, repeat,
 * until nothing is queued or running.  INDEX picks the core when pinned.
 * *done / *failed may be NULL.  A lost database connection is reopened
 * (up to 10 tries, 0.5 s doubling to 15 s apart, each one reported by
 * on_notice);
 * WN_ECANCELED after a stop signal (the job put back). */
int wn_worker_loop(const wn_worker_opts *o, int index, size_t *done,
                   size_t *failed);

#ifdef __cplusplus
}
#endif
#endif /* WATTNET_SWEEP_H */
