/*
 * store.h - the runs database: SQLite (a file path) or PostgreSQL
 * (postgresql://...), one schema behind one interface: hosts, idle
 * baselines, sweeps, the job queue, runs and epochs, attributions and raw
 * meter readings.
 *
 * The store is a leaf: it saves and loads plain values (a run record, an
 * energy, an idle power, raw readings) and never drives a meter.  Steps
 * that need a meter and the store live in lib/run/ (meter_store.h).
 */
#ifndef WATTNET_STORE_H
#define WATTNET_STORE_H

#include <stddef.h>
#include <stdint.h>
#include <wattnet/core.h>
#include <wattnet/energy.h>
#include <wattnet/host.h>
#include <wattnet/readings.h>
#include <wattnet/run.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct wn_store wn_store;

/* Open (creating and migrating) the database at URL: a file path for
 * SQLite, or a postgresql:// URL.  WN_OK and *out (close with
 * wn_store_close); on failure *out is NULL and wn_errmsg() names the
 * database: WN_EDB (cannot open or connect, not a database), WN_EIO (disk
 * full), WN_EUNSUPPORTED (postgresql:// without libpq, or a schema newer
 * than this code), WN_EINVAL (empty URL, unknown scheme).  One handle per
 * thread; do not carry an SQLite handle across fork(). */
int wn_store_open(const char *url, wn_store **out);
/* As wn_store_open, for commands that only read: a SQLite file that does
 * not exist is WN_ENOENT ("'PATH': no such database") and is not created.
 * PostgreSQL URLs open as with wn_store_open. */
int wn_store_open_existing(const char *url, wn_store **out);
void wn_store_close(wn_store **s);

/* Store one run and its epochs in one transaction; sets run->run_id.
 * When run->job_id != 0 the same transaction marks that job done, so a
 * crash never leaves a run without its job done or the reverse.  If the job
 * is already done (another worker finished it first) nothing is stored and
 * WN_ESTATE is returned; a second run for one job is impossible (unique
 * index on runs.job_id). */
int wn_store_put_run(wn_store *s, wn_run_record *run);
/* wn_store_put_run for a claimed job (run->job_id != 0): the job must still
 * be running under OWNER's lease, checked in the same transaction as the
 * insert; else nothing is stored and WN_ESTATE is returned (the lease was
 * lost: the job was reclaimed, released or finished by another worker). */
int wn_store_put_job_run(wn_store *s, wn_run_record *run, const char *owner);

/* Load every stored run (ordered by run_id), epochs included, from one
 * snapshot.  Every stored field round-trips; a NaN is stored as NULL and
 * comes back as NaN.  The caller owns *runs: free with
 * wn_run_records_free. */
int wn_store_load_runs(wn_store *s, wn_run_record **runs, size_t *n);
void wn_run_records_free(wn_run_record **runs, size_t n);

/* ---- What the store is ----------------------------------------------------
 * Schema versions and migrations: docs/store.md. */
#define WN_STORE_SCHEMA_VERSION 8

/* "sqlite" or "postgresql". */
const char *wn_store_backend(const wn_store *s);
/* The schema version of the open database (WN_STORE_SCHEMA_VERSION after
 * wn_store_open). */
int wn_store_schema_version(wn_store *s, int *version);

/* ---- Hosts and idle baselines --------------------------------------------- */
/* Record a host (deduplicated by all of its fields); *host_id may be NULL. */
int wn_store_put_host(wn_store *s, const wn_host *h, int64_t *host_id);
/* Keep (replace) the idle power of HOSTNAME's DOMAIN (e.g. "package-0",
 * "node"). */
int wn_store_put_idle(wn_store *s, const char *hostname, const char *domain,
                      double power_w, double seconds);
/* WN_ENOENT when none is stored. */
int wn_store_get_idle(wn_store *s, const char *hostname, const char *domain,
                      double *power_w);
/* The host the stored runs were recorded on (CPU, cores, caches, memory;
 * GPUs are not restored).  *n_hosts (may be NULL) counts the distinct
 * hosts; WN_ENOENT unless there is exactly one. */
int wn_store_runs_host(wn_store *s, wn_host *out, size_t *n_hosts);
/* Keep (replace) HOSTNAME's hardware profile of KIND ("measured": the
 * cache probe's), as the JSON text of wn_hw_profile_to_json. */
int wn_store_put_profile(wn_store *s, const char *hostname, const char *kind,
                         const char *profile_json);
/* The profile kept for HOSTNAME and KIND (*profile_json: wn_free it);
 * WN_ENOENT when none. */
int wn_store_get_profile(wn_store *s, const char *hostname, const char *kind,
                         char **profile_json);
/* One stored idle baseline of a host (plain values). */
typedef struct wn_store_idle {
    char domain[72];          /* the key given to wn_store_put_idle */
    double power_w;
    double seconds;           /* how long it was measured */
    double measured_at;       /* database clock, unix seconds */
} wn_store_idle;

/* HOSTNAME's baselines into rows[0..cap), ordered by domain; *n counts
 * them.  WN_EINVAL (rows filled up to cap) when there are more than cap. */
int wn_store_load_idle(wn_store *s, const char *hostname, wn_store_idle *rows,
                       size_t cap, size_t *n);

/* ---- Sweeps and the job queue ---------------------------------------------
 * A job is one training run to do.  Status: queued -> running (claimed with
 * a lease) -> done | failed; a running job whose lease expired is claimable
 * again; a failed attempt goes back to queued until max_attempts. */
typedef struct wn_job {
    int64_t job_id;
    int64_t sweep_id;
    wn_run_spec spec;
    int repetition;
    int attempts;             /* claims so far, this one included */
    const char *owner;        /* wn_store_job_claim's OWNER (not copied) */
} wn_job;

/* Create a sweep NAME with its spec JSON and enqueue jobs[0..n) in one
 * transaction (job ids and sweep ids in jobs[] are ignored; jobs are
 * claimed in array order).  *sweep_id may be NULL. */
int wn_store_sweep_add(wn_store *s, const char *name, const char *spec_json,
                       uint64_t seed, const wn_job *jobs, size_t n,
                       int64_t *sweep_id);
/* As wn_store_sweep_add, unless a sweep called NAME exists: then nothing
 * is added, *sweep_id is that sweep's and *created 0.  The check and the
 * insert are one locked transaction, so processes racing on one name
 * create one sweep (SQLite and PostgreSQL). */
int wn_store_sweep_add_once(wn_store *s, const char *name,
                            const char *spec_json, uint64_t seed,
                            const wn_job *jobs, size_t n, int64_t *sweep_id,
                            int *created);
/* The spec JSON of the newest sweep (wn_free it); WN_ENOENT when the
 * database has no sweep. */
int wn_store_sweep_latest_spec(wn_store *s, char **json);
/* The newest sweep called NAME; WN_ENOENT when there is none. */
int wn_store_sweep_find(wn_store *s, const char *name, int64_t *sweep_id);

/* Claim the next job for OWNER with a lease of lease_s seconds (database
 * clock).  WN_OK: *out filled, the job is running.  WN_EBUSY: nothing
 * claimable now but jobs are running elsewhere (their leases may expire).
 * WN_ENOENT: nothing queued or running.  Running jobs whose lease expired
 * are reclaimed, or failed when they reached max_attempts; a job whose row
 * holds text longer than wn_job reads is failed with that reason (the
 * message WN_EFORMAT would give), and the next job is claimed. */
int wn_store_job_claim(wn_store *s, const char *owner, double lease_s,
                       int max_attempts, wn_job *out);
/* The devices a worker has, for wn_store_job_claim_on. */
#define WN_JOB_DEVICE_CPU 1u
#define WN_JOB_DEVICE_CUDA 2u
/* wn_store_job_claim for a worker that has DEVICES (a mask of
 * WN_JOB_DEVICE_*): it claims only jobs for those devices (a job's device
 * is spec.train.device: "" or "cpu" the CPU, "cuda" or "cuda:N" a GPU) and
 * leaves the others queued; WN_ENOENT / WN_EBUSY count only its devices'
 * jobs.  wn_store_job_claim is this with both devices.  WN_EINVAL for an
 * empty mask. */
int wn_store_job_claim_on(wn_store *s, const char *owner, double lease_s,
                          int max_attempts, unsigned devices, wn_job *out);
/* Extend the lease (the heartbeat).  WN_ESTATE when OWNER lost the job. */
int wn_store_job_renew(wn_store *s, int64_t job_id, const char *owner,
                       double lease_s);
/* Record a failed attempt with ERROR: back to queued, or failed once
 * attempts >= max_attempts.  WN_ESTATE when OWNER no longer holds it. */
int wn_store_job_fail(wn_store *s, int64_t job_id, const char *owner,
                      const char *error, int max_attempts);

/* Call fn(user, job_id, lease_owner) for every running job (a non-zero
 * return stops with that status). */
typedef int (*wn_job_owner_fn)(void *user, int64_t job_id, const char *owner);
int wn_store_jobs_running(wn_store *s, wn_job_owner_fn fn, void *user);
/* Put a running job held by OWNER back in the queue now, because its worker
 * is known to be dead (WHY is kept as the error; the attempt still counts).
 * WN_ESTATE when OWNER no longer holds it. */
int wn_store_job_release(wn_store *s, int64_t job_id, const char *owner,
                         const char *why);
/* Put a running job held by OWNER back in the queue because its worker was
 * told to stop (SIGTERM, SIGINT, SIGHUP: a Slurm preemption or time limit,
 * a Ctrl-C).  The job did not fail, so its claim is not counted: attempts
 * goes back down by one.  WHY is kept as the error.  WN_ESTATE when OWNER
 * no longer holds it. */
int wn_store_job_return(wn_store *s, int64_t job_id, const char *owner,
                        const char *why);

typedef struct wn_queue_status {
    int64_t queued, running, done, failed;
    int64_t runs;             /* stored runs */
    int has_rate;
    double runs_per_hour;     /* finished runs over their time span */
    int has_eta;
    double eta_s;             /* (queued + running) / rate */
    int has_joules;
    double joules;            /* sum over measured runs (estimates excluded);
                                 has_joules = 0 when nothing was measured */
    int64_t measured_runs;
    int has_estimated;
    double estimated_joules;  /* sum over runs whose energy is an estimate */
} wn_queue_status;

int wn_store_queue_status(wn_store *s, wn_queue_status *out);

/* ---- Export and attribution ------------------------------------------------ */
/* Write runs.EXT and epochs.EXT into DIR (created if missing) for FORMAT
 * "csv", "jsonl" or "butter-e" (runs.csv in the BUTTER-E metadata and
 * standardised-energy columns, docs/store.md).  Files are written to a temp
 * name and renamed.  *n_runs may be NULL. */
int wn_store_export(wn_store *s, const char *format, const char *dir,
                    size_t *n_runs);
/* The same with facility energy (IT x PUE) and CO2e (g at G_PER_KWH
 * gCO2e/kWh, of the facility energy when a PUE is given) as the extra
 * columns facility_energy_j and co2e_g of runs and epochs (csv, jsonl), set
 * only for a usable measurement; 0 leaves a column out.  energy_j stays
 * what was measured. */
int wn_store_export_carbon(wn_store *s, const char *format, const char *dir,
                           double pue, double g_per_kwh, size_t *n_runs);

/* Replace run RUN_ID's energy by E (e.g. source "log") and its joules per
 * datum by JOULES_PER_DATUM (has_jpd = 0: none; the caller computes it
 * with wn_energy_per_datum), keeping a row in the attributions table with
 * NODE and LOG_FILE.  A window that did not measure (e->measured == 0) is
 * kept as an attribution with its flag only; the run is left as it was.
 * WN_ENOENT when there is no such run. */
int wn_store_set_energy(wn_store *s, int64_t run_id, const wn_energy *e,
                        int has_jpd, double joules_per_datum, const char *node,
                        const char *log_file);

/* ---- Raw meter readings (docs/store.md, "Raw readings") -------------------
 * A run's raw window: per domain the edge ticks, wraps, unit and range
 * (table meter_windows) and its readings (table meter_samples), so that
 * energy can be re-integrated later.  At most WN_STORE_SAMPLES_CAP readings
 * per domain are kept (evenly thinned, the first and last always kept;
 * the rest counted in `dropped`), and only the newest keep_runs runs keep
 * readings (0: WN_STORE_SAMPLES_KEEP_RUNS); older runs' readings are
 * deleted when a new run's are stored. */
#define WN_STORE_SAMPLES_CAP 4096
#define WN_STORE_SAMPLES_KEEP_RUNS 1000

/* Store W for run RUN_ID, replacing what it had, in one transaction. */
int wn_store_put_samples(wn_store *s, int64_t run_id, const wn_raw_window *w,
                         size_t keep_runs);
/* Load run RUN_ID's raw window into *out (free with wn_raw_window_clear).
 * WN_ENOENT when it has none. */
int wn_store_get_samples(wn_store *s, int64_t run_id, wn_raw_window *out);
/* The power trace of run RUN_ID, per domain, as plain arrays (free with
 * wn_power_trace_clear).  WN_ENOENT when it has no readings. */
int wn_store_power_trace(wn_store *s, int64_t run_id, wn_power_trace *out);

/* ---- BUTTER-E import (lib/store/store_import.c) ------------------------ */

/* The store side of the import (lib/store/store_import.c).  Store RUN as
 * wn_store_put_run does and keep (SOURCE, EXTERNAL_ID, IS_GPU, META_JSON)
 * beside it, in one transaction.  When SOURCE/EXTERNAL_ID was imported
 * before nothing is written and *stored = 0 (else 1). */
int wn_store_put_imported_run(wn_store *s, wn_run_record *run,
                              const char *source, const char *external_id,
                              int is_gpu, const char *meta_json, int *stored);
/* The same for RUNS[0..n) in one transaction (all or none stored);
 * stored[i] says whether run i was new. */
int wn_store_put_imported_runs(wn_store *s, wn_run_record *runs, size_t n,
                               const char *source, const char *const *external_ids,
                               const int *is_gpu, const char *const *meta_json,
                               int *stored);
/* *n = runs imported from SOURCE. */
int wn_store_imported_count(wn_store *s, const char *source, size_t *n);
/* The metadata JSON kept for SOURCE/EXTERNAL_ID (wn_free it); WN_ENOENT. */
int wn_store_imported_meta(wn_store *s, const char *source,
                           const char *external_id, int64_t *run_id,
                           char **meta_json);

/* ---- Slurm ids of runs (store_slurm.c) -------------------------------------
 * The Slurm job and step a stored run ran in, in table run_slurm (created on
 * first use), so runs join on slurm_job_id.  Filled by the worker from the
 * environment (wn_slurm_ids_from_env, slurm.h). */
typedef struct wn_slurm_ids {
    char job_id[32];          /* $SLURM_JOB_ID */
    char step_id[32];         /* $SLURM_STEP_ID ("" outside a step) */
    char node[64];            /* $SLURMD_NODENAME */
    char array_job_id[32];    /* $SLURM_ARRAY_JOB_ID ("" unless an array) */
    char array_task_id[32];   /* $SLURM_ARRAY_TASK_ID */
} wn_slurm_ids;

/* Keep ids with stored run RUN_ID (replaces an earlier row of the run).
 * WN_OK; WN_EINVAL without a job id; else the store's status. */
int wn_store_put_slurm(wn_store *s, int64_t run_id, const wn_slurm_ids *ids);
/* The ids kept with RUN_ID: WN_OK, WN_ENOENT when none. */
int wn_store_get_slurm(wn_store *s, int64_t run_id, wn_slurm_ids *out);

#ifdef __cplusplus
}
#endif
#endif /* WATTNET_STORE_H */
