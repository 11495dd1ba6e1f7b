/*
 * worker_signal.c - stopping workers by signal, and telling a live worker
 * from a dead one.
 *
 * SIGTERM, SIGINT and SIGHUP are caught while workers run (wn_worker_run
 * and wn_worker_loop install the handler and restore the caller's on
 * return).  The handler only records the first signal in a process-wide
 * flag; everything else polls it:
 *   - the supervisor passes the signal on to its worker processes, stops
 *     replacing them, and SIGKILLs those still running after a grace period
 *     (worker_supervisor.c);
 *   - a worker process stops claiming, abandons its job (the run's
 *     observer and wn_worker_cancelled() say so at the next epoch) and puts
 *     the job back in the queue at once: its heartbeat thread releases the
 *     lease within ~0.1 s, even while the executor is still busy
 *     (worker_heartbeat.c).
 * Worker processes also get SIGTERM when the supervisor dies (prctl
 * PR_SET_PDEATHSIG), so a killed supervisor leaves no orphans claiming jobs.
 * A worker process (forked by wn_worker_run) whose executor does not give
 * up within WN__CHILD_GRACE_S of its job being put back exits at once
 * (_exit from the heartbeat thread): the job is no longer its own, and
 * there may be no supervisor left to kill it.
 *
 * Liveness: kill(pid, 0) succeeds on a zombie (a process that ended but
 * was not reaped yet), so it cannot tell whether a lease owner is alive.
 * wn__worker_pid_alive reads the state in /proc/PID/stat instead.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#include "sweep/worker_internal.h"

static const int stop_sigs[WN__WORKER_NSIGS] = { SIGTERM, SIGINT, SIGHUP };

/* The first stop signal received; 0: none. */
static volatile sig_atomic_t stop_sig;

static void on_stop_signal(int sig)
{
    if (!stop_sig)
        stop_sig = sig;
}

void wn__worker_signals_install(struct wn__worker_sigs *saved)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;   /* SQLite and libpq calls are not cut short */
    stop_sig = 0;
    for (int i = 0; i < WN__WORKER_NSIGS; i++)
        saved->ok[i] = sigaction(stop_sigs[i], &sa, &saved->old[i]) == 0;
}

void wn__worker_signals_restore(struct wn__worker_sigs *saved)
{
    for (int i = 0; i < WN__WORKER_NSIGS; i++)
        if (saved->ok[i])
            sigaction(stop_sigs[i], &saved->old[i], NULL);
}

int wn__worker_stop_signal(void)
{
    return (int)stop_sig;
}

void wn__worker_stop_raise(int sig)
{
    if (!stop_sig)
        stop_sig = sig;
}

static int forked_worker;

void wn__worker_mark_forked(void)
{
    forked_worker = 1;
}

int wn__worker_is_forked(void)
{
    return forked_worker;
}

const char *wn__worker_signal_name(int sig)
{
    switch (sig) {
    case SIGTERM: return "SIGTERM";
    case SIGINT: return "SIGINT";
    case SIGHUP: return "SIGHUP";
    case SIGKILL: return "SIGKILL";
    default: return "a signal";
    }
}

/* ---- liveness -------------------------------------------------------------- */

/* The state letter of /proc/PID/stat ("R", "S", "Z" ...); 0 when the file
 * cannot be read or parsed, with *gone = 1 when there is no such process.
 * The command name in parentheses may hold spaces and parentheses: the
 * state follows the last ')'. */
static char proc_state(long pid, int *gone)
{
    char path[64], line[512];
    snprintf(path, sizeof path, "/proc/%ld/stat", pid);
    FILE *f = fopen(path, "r");
    *gone = 0;
    if (!f) {
        *gone = errno == ENOENT || errno == ESRCH;
        return 0;
    }
    size_t n = fread(line, 1, sizeof line - 1, f);
    fclose(f);
    line[n] = '\0';
    char *close = strrchr(line, ')');
    if (!close || close[1] != ' ' || !close[2])
        return 0;
    return close[2];
}

int wn__worker_pid_alive(long pid)
{
    static int have_proc = -1;
    if (pid <= 0)
        return 0;
    if (have_proc < 0)
        have_proc = access("/proc/self/stat", R_OK) == 0;
    if (have_proc) {
        int gone = 0;
        char st = proc_state(pid, &gone);
        if (st == 'Z' || st == 'X' || st == 'x')
            return 0;       /* ended, not reaped yet: dead */
        if (st)
            return 1;
        if (gone)
            return 0;       /* no such process */
    }
    /* No /proc: the signal test (a zombie counts as alive here). */
    return kill((pid_t)pid, 0) == 0 || errno != ESRCH;
}
