/*
 * worker_internal.h - what the files of a worker share (lib/sweep/):
 * worker.c (options and the claim loop), worker_supervisor.c (forking and
 * reaping N worker processes), worker_heartbeat.c (the lease renewal
 * thread), worker_pin.c (CPU pinning), worker_owner.c (lease owner names
 * and releasing dead local workers' jobs), worker_exec.c (the default
 * executor) and worker_signal.c (stop signals, process liveness).  See
 * worker.c for the design.
 */
#ifndef WN_SWEEP_WORKER_INTERNAL_H
#define WN_SWEEP_WORKER_INTERNAL_H

#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include <wattnet/wattnet.h>

/* One worker (one wn_worker_loop call). */
struct worker {
    unsigned devices;         /* WN_JOB_DEVICE_* mask it claims jobs for */
    const wn_worker_opts *o;
    int index;
    char owner[256];
    int threads;
    wn_store *s;              /* the worker's connection (reopened when lost) */
    /* heartbeat (worker_heartbeat.c); the fields below are under mu */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    pthread_t hb;
    int hb_started;
    int64_t job_id;           /* the job being run; 0 between jobs */
    int stop;
    int lost;                 /* the lease of job_id was lost */
    int released;             /* job_id was put back (stop signal) */
    double released_s;        /* when */
    double renewed_s;         /* when the lease was last renewed (or claimed) */
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
/* Sleep S seconds, or less when a stop signal arrives (worker_signal.c). */
void wn__worker_nap_s(double s);

/* One worker's claim loop without touching signal handlers (a worker
 * process inherits the supervisor's). */
int wn__worker_loop_run(const wn_worker_opts *o, int index, size_t *done,
                        size_t *failed);
/* Call o->on_notice with a formatted line (no-op without one). */
void wn__worker_notice(const struct worker *w, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Close W's connection and open it again, up to WN__RECONNECT_TRIES times
 * with a doubling wait (0.5 s up to 15 s), each failure reported through
 * on_notice.  WHAT names the step that failed.  WN_OK with w->s open; else
 * WN_EDB (w->s NULL) or WN_ECANCELED (stop signal). */
#define WN__RECONNECT_TRIES 10
int wn__worker_reconnect(struct worker *w, const char *what);
/* Non-zero when W's job should be abandoned: its lease was lost or put
 * back, or a stop signal arrived. */
int wn__worker_cancelled(struct worker *w);

/* ---- stop signals and liveness (worker_signal.c) ---------------------------- */
#define WN__WORKER_NSIGS 3    /* SIGTERM, SIGINT, SIGHUP */
struct wn__worker_sigs {
    struct sigaction old[WN__WORKER_NSIGS];
    int ok[WN__WORKER_NSIGS];
};
/* Catch the stop signals (clearing the flag), saving the caller's
 * handlers; restore them. */
void wn__worker_signals_install(struct wn__worker_sigs *saved);
void wn__worker_signals_restore(struct wn__worker_sigs *saved);
/* The first stop signal received since install; 0: none.  _raise sets it
 * as if SIG had arrived. */
int wn__worker_stop_signal(void);
void wn__worker_stop_raise(int sig);
const char *wn__worker_signal_name(int sig);
/* This process is a worker process forked by wn_worker_run; after a stop
 * signal it exits WN__CHILD_GRACE_S after its job was put back, even if
 * the executor has not returned. */
#define WN__CHILD_GRACE_S 5.0
void wn__worker_mark_forked(void);
int wn__worker_is_forked(void);
/* 0 when process PID does not exist or is a zombie (ended, not reaped);
 * 1 otherwise (alive, or not ours to judge). */
int wn__worker_pid_alive(long pid);

/* "host:boot:" - the part of a lease owner that names this machine. */
void wn__worker_owner_prefix(char *buf, size_t cap);
/* Put back the jobs held by dead worker processes of this machine; the
 * number released (best effort: 0 when the database cannot be read). */
size_t wn__worker_release_dead(const char *url);

/* Start the heartbeat thread of W (renews W's job lease every lease/3,
 * marks it lost when a renewal is refused or none succeeded for a whole
 * lease, and puts the job back at once after a stop signal), set the job
 * it renews (0: none; clears lost and released), stop and join it (no-op
 * if not started). */
int wn__heartbeat_start(struct worker *w);
void wn__heartbeat_set_job(struct worker *w, int64_t job_id);
void wn__heartbeat_stop(struct worker *w);

/* Pin this process to the INDEX-th CPU it may run on; the CPUs it may run
 * on (at least 1). */
int wn__worker_pin(int index, int *cpu_out);
int wn__worker_cpus(void);

/* The default executor (wn_job_executor; USER is the struct worker):
 * train with this process's meter (abandoning the run when the job is
 * cancelled), store the run on w->s while the job is still W's.  Close
 * its meter with wn__worker_exec_close. */
int wn__worker_default_exec(void *user, wn_store *s, const wn_job *job);
void wn__worker_exec_close(struct worker *w);

/* Check a worker's options (also probes a meter named on purpose). */
int wn__worker_check_opts(const wn_worker_opts *o);

#endif /* WN_SWEEP_WORKER_INTERNAL_H */
