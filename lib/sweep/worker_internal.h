/*
 * worker_internal.h - what the files of a worker share (lib/sweep/):
 * worker.c (options and the claim loop), worker_supervisor.c (forking and
 * reaping N worker processes), worker_heartbeat.c (the lease renewal
 * thread), worker_pin.c (CPU pinning), worker_owner.c (lease owner names
 * and releasing dead local workers' jobs) and worker_exec.c (the default
 * executor).  See worker.c for the design.
 */
#ifndef WN_SWEEP_WORKER_INTERNAL_H
#define WN_SWEEP_WORKER_INTERNAL_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include <wattnet/wattnet.h>

/* One worker (one wn_worker_loop call). */
struct worker {
    const wn_worker_opts *o;
    int index;
    char owner[256];
    int threads;
    /* heartbeat (worker_heartbeat.c) */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    pthread_t hb;
    int hb_started;
    int64_t job_id;           /* the job being run; 0 between jobs */
    int stop;
    int lost;                 /* the lease of job_id was lost */
    /* default executor (worker_exec.c) */
    int meter_tried;
    wn_meter *meter;
    wn_meter *gpu_meter;      /* NVML on the GPU of gpu_meter_dev's jobs */
    char gpu_meter_dev[16];
    int host_stored;
    wn_data_opts dopts;
    int fatal;                /* the store failed: stop this worker */
    char fatal_msg[512];
};

/* Monotonic seconds, and a sleep that resumes after signals. */
double wn__worker_now_s(void);
void wn__worker_sleep_s(double s);

/* "host:boot:" - the part of a lease owner that names this machine. */
void wn__worker_owner_prefix(char *buf, size_t cap);
/* Put back the jobs held by dead worker processes of this machine; the
 * number released (best effort: 0 when the database cannot be read). */
size_t wn__worker_release_dead(const char *url);

/* Start the heartbeat thread of W (renews W's job lease every lease/3),
 * set the job it renews (0: none), stop and join it (no-op if not
 * started). */
int wn__heartbeat_start(struct worker *w);
void wn__heartbeat_set_job(struct worker *w, int64_t job_id);
void wn__heartbeat_stop(struct worker *w);

/* Pin this process to the INDEX-th CPU it may run on; the CPUs it may run
 * on (at least 1). */
int wn__worker_pin(int index, int *cpu_out);
int wn__worker_cpus(void);

/* The default executor (wn_job_executor; USER is the struct worker):
 * train with this process's meter, store the run.  Close its meter with
 * wn__worker_exec_close. */
int wn__worker_default_exec(void *user, wn_store *s, const wn_job *job);
void wn__worker_exec_close(struct worker *w);

/* Check a worker's options (also probes a meter named on purpose). */
int wn__worker_check_opts(const wn_worker_opts *o);

#endif /* WN_SWEEP_WORKER_INTERNAL_H */
