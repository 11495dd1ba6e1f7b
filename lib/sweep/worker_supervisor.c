/*
 * worker_supervisor.c - wn_worker_run: fork N worker processes (each opens
 * its own database connection after the fork; SQLite connections must not
 * cross a fork), collect their reports through a pipe and wait for them,
 * calling on_progress about once a second from its own connection.  A
 * worker process that dies abnormally is counted and replaced while jobs
 * remain (at most 2N replacements), so one crash does not stall a local
 * sweep; before starting and after each death the jobs held by dead local
 * worker processes are put back at once (worker_owner.c).
 *
 * Only its own children are waited for (waitpid on each pid, never -1, so
 * a caller's other children are left alone), every ended one is reaped on
 * each pass before dead workers' jobs are released, and a stop signal
 * (worker_signal.c) is passed on to every worker process; one still
 * running STOP_GRACE_S later is killed, and its job put back.  Worker
 * processes get SIGTERM when the supervisor dies (PR_SET_PDEATHSIG).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sweep/worker_internal.h"

/* What a worker process writes to the pipe when it ends. */
struct child_report {
    int rc;
    size_t done, failed;
    char err[256];
};

struct supervisor {
    const wn_worker_opts *o;
    pid_t *pids;              /* o->workers slots; 0: none (-1 in reap) */
    int n, running, respawns;
    int fds[2];               /* the report pipe */
    wn_worker_result res;
    int first_err;
    char first_msg[256];
    wn_store *progress;       /* for on_progress and the final counts */
    double last;              /* when on_progress was last called */
    int stopping;             /* the stop signal passed on; 0: none */
    double stop_at;           /* when it was passed on */
    int killed;               /* SIGKILL sent after the grace period */
};

/* Seconds a worker process has to stop after a stop signal. */
#define STOP_GRACE_S 10.0

static pid_t spawn(const wn_worker_opts *o, int index, int fd)
{
    pid_t parent = getpid();
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid != 0)
        return pid;
    /* The worker process: it gets SIGTERM when the supervisor dies; if the
     * supervisor died before prctl, stop as if it had come. */
    wn__worker_mark_forked();
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (getppid() != parent)
        wn__worker_stop_raise(SIGTERM);
    struct child_report rep;
    memset(&rep, 0, sizeof rep);
    rep.rc = wn__worker_loop_run(o, index, &rep.done, &rep.failed);
    snprintf(rep.err, sizeof rep.err, "%s", rep.rc == WN_OK ? "" : wn_errmsg());
    ssize_t wr = write(fd, &rep, sizeof rep);   /* < PIPE_BUF: atomic */
    (void)wr;
    fflush(stdout);
    fflush(stderr);
    _exit(rep.rc == WN_OK ? 0 : 1);
}

/* Read every complete report waiting in the pipe. */
static void drain(struct supervisor *sv)
{
    struct child_report rep;
    while (read(sv->fds[0], &rep, sizeof rep) == (ssize_t)sizeof rep) {
        sv->res.done += rep.done;
        sv->res.failed += rep.failed;
        if (rep.rc != WN_OK && sv->first_err == WN_OK) {
            sv->first_err = rep.rc;
            snprintf(sv->first_msg, sizeof sv->first_msg, "%s", rep.err);
        }
    }
}

static void notice(const struct supervisor *sv, const char *line)
{
    if (sv->o->on_notice)
        sv->o->on_notice(sv->o->user, -1, line);
}

/* Start a process in slot IDX again (after an abnormal death). */
static void respawn(struct supervisor *sv, int idx)
{
    if (sv->stopping || sv->respawns >= 2 * sv->n)
        return;
    sv->respawns++;
    sv->pids[idx] = spawn(sv->o, idx, sv->fds[1]);
    if (sv->pids[idx] > 0)
        sv->running++;
    else
        sv->pids[idx] = 0;
}

/* Reap every worker process that ended; count the abnormal deaths (not
 * those of a stop), put their jobs back and replace them.  The number
 * reaped. */
static int reap(struct supervisor *sv)
{
    int n = 0, n_dead = 0;
    for (int i = 0; i < sv->n; i++) {
        int st = 0;
        if (sv->pids[i] <= 0)
            continue;
        pid_t r = waitpid(sv->pids[i], &st, WNOHANG);
        if (r == 0 || (r < 0 && errno == EINTR))
            continue;
        sv->pids[i] = 0;   /* ended (ECHILD: reaped by someone else) */
        sv->running--;
        n++;
        if (r > 0 && !sv->stopping &&
            (WIFSIGNALED(st) || (WIFEXITED(st) && WEXITSTATUS(st) > 1))) {
            sv->pids[i] = -1;   /* to replace, once its jobs are back */
            n_dead++;
        }
    }
    if (n_dead == 0)
        return n;
    sv->res.crashed += (size_t)n_dead;
    wn__worker_release_dead(sv->o->url);
    for (int i = 0; i < sv->n; i++)
        if (sv->pids[i] < 0) {
            sv->pids[i] = 0;
            respawn(sv, i);
        }
    return n;
}

/* Pass a stop signal on to every worker process; SIGKILL those still
 * running STOP_GRACE_S later. */
static void check_stop(struct supervisor *sv)
{
    int sig = wn__worker_stop_signal();
    char line[160];
    if (sig && !sv->stopping) {
        sv->stopping = sig;
        sv->stop_at = wn__worker_now_s();
        for (int i = 0; i < sv->n; i++)
            if (sv->pids[i] > 0)
                kill(sv->pids[i], sig);
        snprintf(line, sizeof line, "%s: stopping %d worker process(es); their jobs go"
                                    " back to the queue", wn__worker_signal_name(sig),
                 sv->running);
        notice(sv, line);
    } else if (sv->stopping && !sv->killed &&
               wn__worker_now_s() - sv->stop_at > STOP_GRACE_S) {
        sv->killed = 1;
        for (int i = 0; i < sv->n; i++)
            if (sv->pids[i] > 0)
                kill(sv->pids[i], SIGKILL);
        snprintf(line, sizeof line, "worker processes still running %.0f s after %s:"
                                    " killed", STOP_GRACE_S,
                 wn__worker_signal_name(sv->stopping));
        notice(sv, line);
    }
}

/* The queue's counts into *q from the supervisor's own connection. */
static int queue_status(struct supervisor *sv, wn_queue_status *q)
{
    if (!sv->progress && wn_store_open(sv->o->url, &sv->progress) != WN_OK)
        sv->progress = NULL;
    int rc = sv->progress ? wn_store_queue_status(sv->progress, q) : WN_EDB;
    if (rc == WN_EDB)
        wn_store_close(&sv->progress);   /* reconnect next time */
    return rc;
}

static void tick_progress(struct supervisor *sv)
{
    wn_queue_status q;
    if (!sv->o->on_progress || sv->stopping || wn__worker_now_s() - sv->last < 1.0)
        return;
    if (queue_status(sv, &q) == WN_OK)
        sv->o->on_progress(sv->o->user, &q);
    sv->last = wn__worker_now_s();
}

static int start_all(struct supervisor *sv)
{
    if (pipe(sv->fds) != 0)
        return wn_seterr(WN_EIO, "worker: pipe: %s", strerror(errno));
    fcntl(sv->fds[0], F_SETFL, fcntl(sv->fds[0], F_GETFL) | O_NONBLOCK);
    wn__worker_release_dead(sv->o->url);
    for (int i = 0; i < sv->n; i++) {
        sv->pids[i] = spawn(sv->o, i, sv->fds[1]);
        if (sv->pids[i] < 0) {
            sv->pids[i] = 0;
            return wn_seterr(WN_ECHILD, "worker: fork: %s", strerror(errno));
        }
        sv->running++;
    }
    return WN_OK;
}

static void wait_all(struct supervisor *sv)
{
    while (sv->running > 0) {
        drain(sv);
        check_stop(sv);
        if (reap(sv) > 0)
            continue;
        tick_progress(sv);
        wn__worker_sleep_s(0.05);
    }
    /* Collect the reports (the pipe holds one per exited worker). */
    close(sv->fds[1]);
    sv->fds[1] = -1;
    drain(sv);
    if (sv->killed)
        wn__worker_release_dead(sv->o->url);   /* the jobs of those killed */
    if (queue_status(sv, &sv->res.queue) == WN_OK && sv->o->on_progress)
        sv->o->on_progress(sv->o->user, &sv->res.queue);
}

int wn_worker_run(const wn_worker_opts *o, wn_worker_result *out)
{
    struct supervisor sv;
    memset(&sv, 0, sizeof sv);
    sv.fds[0] = sv.fds[1] = -1;
    if (out)
        memset(out, 0, sizeof *out);
    struct wn__worker_sigs saved;
    int rc = wn__worker_check_opts(o);
    if (rc != WN_OK)
        return rc;
    sv.o = o;
    sv.n = o->workers;
    sv.pids = wn_calloc((size_t)sv.n, sizeof *sv.pids);
    if (!sv.pids)
        return wn_seterr(WN_ENOMEM, "worker: out of memory");
    wn__worker_signals_install(&saved);
    rc = start_all(&sv);
    if (sv.running > 0)
        wait_all(&sv);
    check_stop(&sv);   /* a signal after the last worker ended */
    sv.res.signal = sv.stopping;
    if (rc == WN_OK && sv.stopping)
        rc = wn_seterr(WN_ECANCELED, "worker: stopped by %s; running jobs were put back"
                                     " in the queue", wn__worker_signal_name(sv.stopping));
    else if (rc == WN_OK && sv.first_err != WN_OK)
        rc = wn_seterr(sv.first_err, "%s", sv.first_msg);
    else if (rc == WN_OK && sv.res.crashed)
        rc = wn_seterr(WN_ECHILD, "worker: %zu worker process(es) died",
                       sv.res.crashed);
    for (int i = 0; i < sv.n; i++)
        if (sv.pids[i] > 0) {
            kill(sv.pids[i], SIGTERM);
            waitpid(sv.pids[i], NULL, 0);
        }
    if (sv.fds[0] >= 0)
        close(sv.fds[0]);
    if (sv.fds[1] >= 0)
        close(sv.fds[1]);
    wn_store_close(&sv.progress);
    wn_free(sv.pids);
    wn__worker_signals_restore(&saved);
    if (out)
        *out = sv.res;
    return rc;
}
