/*
 * store.h - the runs database: SQLite (a file path) or PostgreSQL
 * (postgresql://...), one schema behind one interface: hosts, idle
 * baselines, sweeps, the job queue, runs and epochs.
 *
 * (The store module's owner extends this header; the functions below are
 * the contract the model and report rely on.)
 */
#ifndef WATTNET_STORE_H
#define WATTNET_STORE_H

#include <stddef.h>
#include <stdint.h>
#include <wattnet/core.h>
#include <wattnet/host.h>
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
#define WN_STORE_SCHEMA_VERSION 2

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
/* Keep every domain of an idle baseline (from wn_meter_idle_measure) under
 * its host and "source:domain". */
int wn_store_save_idle(wn_store *s, const wn_idle_baseline *b);
/* Give an open meter this host's stored baselines, domain by domain;
 * *applied (may be NULL) counts them.  Domains without one keep what the
 * state file gave. */
int wn_store_apply_idle(wn_store *s, wn_meter *m, size_t *applied);

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
/* The newest sweep called NAME; WN_ENOENT when there is none. */
int wn_store_sweep_find(wn_store *s, const char *name, int64_t *sweep_id);

/* Claim the next job for OWNER with a lease of lease_s seconds (database
 * clock).  WN_OK: *out filled, the job is running.  WN_EBUSY: nothing
 * claimable now but jobs are running elsewhere (their leases may expire).
 * WN_ENOENT: nothing queued or running.  Running jobs whose lease expired
 * are reclaimed, or failed when they reached max_attempts. */
int wn_store_job_claim(wn_store *s, const char *owner, double lease_s,
                       int max_attempts, wn_job *out);
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

/* Replace run RUN_ID's energy by E (e.g. source "log"), keeping a row in
 * the attributions table with NODE and LOG_FILE.  A window that did not
 * measure (e->measured == 0) is kept as an attribution with its flag only;
 * the run's energy is left as it was. */
int wn_store_set_energy(wn_store *s, int64_t run_id, const wn_energy *e,
                        const char *node, const char *log_file);

/* Attribute node watt-meter logs (CSV timestamp,node,watts; BUTTER-E's
 * {slurm_job_id}.csv) to every stored run whose window a log covers:
 * integrate with wn_powerlog_integrate over [start_time, end_time] for NODE
 * (NULL: the run's host name) and store the result with source "log".
 * Counts: stored, flagged (not stored as 0 J), uncovered (no log measured
 * it). */
typedef struct wn_attribute_result {
    size_t stored, flagged, uncovered;
} wn_attribute_result;

int wn_store_attribute_logs(wn_store *s, const char *const *logs,
                            size_t n_logs, const char *node,
                            wn_attribute_result *out);

#ifdef __cplusplus
}
#endif
#endif /* WATTNET_STORE_H */
