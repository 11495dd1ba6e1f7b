/*
 * worker_supervisor.c - wn_worker_run: fork N worker processes (each opens
 * its own database connection after the fork; SQLite connections must not
 * cross a fork), collect their reports through a pipe and wait for them,
 * calling on_progress about once a second from its own connection.  A
 * worker process that dies abnormally is counted and replaced while jobs
 * remain (at most 2N replacements), so one crash does not stall a local
 * sweep; before starting and after each death the jobs held by dead local
 * worker processes are put back at once (worker_owner.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
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
    pid_t *pids;              /* o->workers slots; 0: none */
    int n, running, respawns;
    int fds[2];               /* the report pipe */
    wn_worker_result res;
    int first_err;
    char first_msg[256];
    wn_store *progress;       /* for on_progress and the final counts */
    double last;              /* when on_progress was last called */
};

static pid_t spawn(const wn_worker_opts *o, int index, int fd)
{
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid != 0)
        return pid;
    /* The worker process. */
    struct child_report rep;
    memset(&rep, 0, sizeof rep);
    rep.rc = wn_worker_loop(o, index, &rep.done, &rep.failed);
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

/* A worker process PID ended with wait status ST: count a crash, release
 * its jobs and replace it while replacements are left. */
static void reaped(struct supervisor *sv, pid_t pid, int st)
{
    int idx = -1;
    for (int i = 0; i < sv->n; i++)
        if (sv->pids[i] == pid)
            idx = i;
    if (idx < 0)
        return;   /* not one of ours */
    sv->pids[idx] = 0;
    sv->running--;
    if (!(WIFSIGNALED(st) || (WIFEXITED(st) && WEXITSTATUS(st) > 1)))
        return;
    sv->res.crashed++;
    wn__worker_release_dead(sv->o->url);
    if (sv->respawns >= 2 * sv->n)
        return;
    sv->respawns++;
    sv->pids[idx] = spawn(sv->o, idx, sv->fds[1]);
    if (sv->pids[idx] > 0)
        sv->running++;
    else
        sv->pids[idx] = 0;
}

/* The queue's counts into *q from the supervisor's own connection. */
static int queue_status(struct supervisor *sv, wn_queue_status *q)
{
    if (!sv->progress && wn_store_open(sv->o->url, &sv->progress) != WN_OK)
        sv->progress = NULL;
    return sv->progress ? wn_store_queue_status(sv->progress, q) : WN_EDB;
}

static void tick_progress(struct supervisor *sv)
{
    wn_queue_status q;
    if (!sv->o->on_progress || wn__worker_now_s() - sv->last < 1.0)
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
        int st = 0;
        drain(sv);
        pid_t pid = waitpid(-1, &st, WNOHANG);
        if (pid < 0 && errno != EINTR)
            break;
        if (pid > 0) {
            reaped(sv, pid, st);
            continue;
        }
        tick_progress(sv);
        wn__worker_sleep_s(0.05);
    }
    /* Collect the reports (the pipe holds one per exited worker). */
    close(sv->fds[1]);
    sv->fds[1] = -1;
    drain(sv);
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
    int rc = wn__worker_check_opts(o);
    if (rc != WN_OK)
        return rc;
    sv.o = o;
    sv.n = o->workers;
    sv.pids = wn_calloc((size_t)sv.n, sizeof *sv.pids);
    if (!sv.pids)
        return wn_seterr(WN_ENOMEM, "worker: out of memory");
    rc = start_all(&sv);
    if (sv.running > 0)
        wait_all(&sv);
    if (rc == WN_OK && sv.first_err != WN_OK)
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
    if (out)
        *out = sv.res;
    return rc;
}
