/*
 * worker.c - workers: processes that claim jobs from the store's queue, run
 * them and store their runs, until nothing is queued or running.
 *
 * DESIGN
 *   wn_worker_run forks N worker processes (each opens its own database
 *   connection after the fork; SQLite connections must not cross a fork)
 *   and waits for them, calling on_progress about once a second from its
 *   own connection.  A worker process that dies abnormally is counted and
 *   replaced while jobs remain (at most 2N replacements), so one crash
 *   does not stall a local sweep.
 *
 *   wn_worker_loop is one worker: claim (a lease of lease_s seconds), run
 *   the executor, repeat.  A heartbeat thread with its own connection
 *   renews the lease every lease_s / 3 while a job runs, so a long job
 *   keeps its claim and a killed worker's job becomes claimable again once
 *   its lease expires.  When nothing is claimable but jobs are running
 *   elsewhere the worker waits poll_s and tries again: a job whose worker
 *   died is then reclaimed.  A failed attempt is recorded with its error
 *   (wn_store_job_fail) and retried up to max_attempts.
 *
 *   Before starting and after a worker process dies, wn_worker_run puts
 *   back at once the jobs held by dead worker processes of this machine
 *   (lease owner "host:boot-id:pid:index" with this host and boot id and
 *   a pid that no longer exists), so a rerun after Ctrl-C or a crash does
 *   not wait for their leases to expire.  Jobs of other machines are left
 *   to lease expiry.
 *
 *   The executor is a function pointer: the default runs wn_run_execute
 *   with this process's meter and stores the record with
 *   wn_store_put_run, which marks the job done in the same transaction;
 *   tests pass a fake one that stores a tiny record or sleeps.
 *
 *   Crash safety: a run and its job's "done" mark commit together, and a
 *   run for a job that is already done is refused (WN_ESTATE), so a worker
 *   killed at any moment loses no finished run and never duplicates one.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <wattnet/wattnet.h>
#include <wattnet/slurm.h>

/* ---- time ------------------------------------------------------------------ */

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void sleep_s(double s)
{
    if (s <= 0)
        return;
    struct timespec ts = { (time_t)s, (long)((s - (double)(time_t)s) * 1e9) };
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

/* ---- owners -------------------------------------------------------------- */

/* "host:boot:" - the part of a lease owner that names this machine (the
 * boot id tells apart containers and VMs that share a host name). */
static void owner_prefix(char *buf, size_t cap)
{
    char host[128] = "localhost", boot[16] = "0";
    gethostname(host, sizeof host - 1);
    host[sizeof host - 1] = '\0';
    FILE *f = fopen("/proc/sys/kernel/random/boot_id", "r");
    if (f) {
        if (fgets(boot, 9, f) == NULL)
            snprintf(boot, sizeof boot, "0");
        fclose(f);
    }
    boot[strcspn(boot, "\n")] = '\0';
    snprintf(buf, cap, "%s:%s:", host, boot);
}

struct dead_list {
    char prefix[192];
    size_t n, cap;
    int64_t *jobs;
    char (*owners)[256];
};

static int collect_dead(void *user, int64_t job_id, const char *owner)
{
    struct dead_list *d = user;
    size_t plen = strlen(d->prefix);
    if (strncmp(owner, d->prefix, plen) != 0)
        return WN_OK;
    char *end = NULL;
    long pid = strtol(owner + plen, &end, 10);
    if (pid <= 0 || !end || *end != ':')
        return WN_OK;
    if (kill((pid_t)pid, 0) == 0 || errno != ESRCH)
        return WN_OK;   /* alive (or not ours to judge) */
    if (d->n == d->cap) {
        size_t cap = d->cap ? 2 * d->cap : 16;
        int64_t *j = wn_realloc(d->jobs, cap * sizeof *j);
        if (!j)
            return wn_seterr(WN_ENOMEM, "worker: out of memory");
        d->jobs = j;
        char(*o)[256] = wn_realloc(d->owners, cap * sizeof *o);
        if (!o)
            return wn_seterr(WN_ENOMEM, "worker: out of memory");
        d->owners = o;
        d->cap = cap;
    }
    d->jobs[d->n] = job_id;
    snprintf(d->owners[d->n], sizeof d->owners[0], "%s", owner);
    d->n++;
    return WN_OK;
}

/* Put back the jobs held by dead worker processes of this machine; the
 * number released (best effort: 0 when the database cannot be read). */
static size_t release_dead_local(const char *url)
{
    struct dead_list d;
    wn_store *s = NULL;
    size_t released = 0;
    memset(&d, 0, sizeof d);
    owner_prefix(d.prefix, sizeof d.prefix);
    if (wn_store_open(url, &s) != WN_OK)
        goto out;
    if (wn_store_jobs_running(s, collect_dead, &d) != WN_OK)
        goto out;
    for (size_t i = 0; i < d.n; i++)
        if (wn_store_job_release(s, d.jobs[i], d.owners[i],
                                 "worker process died; released by a later worker on "
                                 "the same machine") == WN_OK)
            released++;
out:
    wn_store_close(&s);
    wn_free(d.jobs);
    wn_free(d.owners);
    wn_clearerr();
    return released;
}

/* ---- options ----------------------------------------------------------------- */

void wn_worker_opts_default(wn_worker_opts *o)
{
    memset(o, 0, sizeof *o);
    o->workers = 1;
    o->lease_s = 60.0;
    o->max_attempts = 3;
    o->poll_s = 0.5;
}

/* A meter named on purpose must work: probe it once before any job runs,
 * so a typo or a missing counter is an error, not a sweep stored without
 * energy.  NULL, "auto" (best effort) and "none" need no probe. */
static int check_meter(const char *source)
{
    if (!source || !strcmp(source, "auto") || !strcmp(source, "none"))
        return WN_OK;
    wn_meter_opts mo;
    wn_meter *m = NULL;
    wn_meter_opts_default(&mo);
    mo.source = source;
    int rc = wn_meter_open(&mo, &m);
    wn_meter_close(&m);
    return rc;
}

static int check_opts(const wn_worker_opts *o)
{
    if (!o || !o->url || !*o->url)
        return wn_seterr(WN_EINVAL, "worker: no database URL");
    if (o->workers < 1 || o->workers > 4096)
        return wn_seterr(WN_EINVAL, "worker: --workers %d: must be 1..4096", o->workers);
    if (!(o->lease_s >= 0.05))
        return wn_seterr(WN_EINVAL, "worker: lease %.3g s: must be at least 0.05 s",
                         o->lease_s);
    if (o->max_attempts < 1)
        return wn_seterr(WN_EINVAL, "worker: max attempts %d: must be at least 1",
                         o->max_attempts);
    if (o->threads < 0)
        return wn_seterr(WN_EINVAL, "worker: threads %d: must be >= 0", o->threads);
    return check_meter(o->meter_source);
}

/* ---- one worker ---------------------------------------------------------------- */

struct worker {
    const wn_worker_opts *o;
    int index;
    char owner[256];
    int threads;
    /* heartbeat */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int64_t job_id;           /* the job being run; 0 between jobs */
    int stop;
    int lost;                 /* the lease of job_id was lost */
    /* default executor */
    int meter_tried;
    wn_meter *meter;
    int host_stored;
    wn_data_opts dopts;
    int fatal;                /* the store failed: stop this worker */
    char fatal_msg[512];
};

static void *heartbeat_main(void *arg)
{
    struct worker *w = arg;
    wn_store *s = NULL;
    double period = w->o->lease_s / 3.0;
    pthread_mutex_lock(&w->mu);
    while (!w->stop) {
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        double t = (double)until.tv_nsec * 1e-9 + period;
        until.tv_sec += (time_t)t;
        until.tv_nsec = (long)((t - (double)(time_t)t) * 1e9);
        pthread_cond_timedwait(&w->cv, &w->mu, &until);
        if (w->stop)
            break;
        int64_t job = w->job_id;
        if (job == 0)
            continue;
        pthread_mutex_unlock(&w->mu);
        if (!s && wn_store_open(w->o->url, &s) != WN_OK)
            s = NULL;   /* try again next period */
        int rc = s ? wn_store_job_renew(s, job, w->owner, w->o->lease_s) : WN_EDB;
        pthread_mutex_lock(&w->mu);
        if (rc == WN_ESTATE && w->job_id == job)
            w->lost = 1;
    }
    pthread_mutex_unlock(&w->mu);
    wn_store_close(&s);
    return NULL;
}

/* Pin this process to the INDEX-th CPU it may run on. */
static int pin_to_core(int index, int *cpu_out)
{
    cpu_set_t allowed, one;
    if (sched_getaffinity(0, sizeof allowed, &allowed) != 0)
        return wn_seterr(WN_EUNSUPPORTED, "worker: sched_getaffinity: %s",
                         strerror(errno));
    int n = CPU_COUNT(&allowed);
    if (n <= 0)
        return wn_seterr(WN_EUNSUPPORTED, "worker: no CPU allowed");
    int want = index % n, seen = 0, cpu = -1;
    for (int c = 0; c < CPU_SETSIZE; c++)
        if (CPU_ISSET(c, &allowed) && seen++ == want) {
            cpu = c;
            break;
        }
    CPU_ZERO(&one);
    CPU_SET(cpu, &one);
    if (sched_setaffinity(0, sizeof one, &one) != 0)
        return wn_seterr(WN_EPERM, "worker: cannot pin to CPU %d: %s", cpu,
                         strerror(errno));
    *cpu_out = cpu;
    return WN_OK;
}

static int allowed_cpus(void)
{
    cpu_set_t allowed;
    if (sched_getaffinity(0, sizeof allowed, &allowed) != 0)
        return 1;
    int n = CPU_COUNT(&allowed);
    return n > 0 ? n : 1;
}

/* The default executor: train with this process's meter, store the run. */
static int default_exec(void *user, wn_store *s, const wn_job *job)
{
    struct worker *w = user;
    wn_run_record rec;
    int rc = WN_OK;
    memset(&rec, 0, sizeof rec);
    if (!w->host_stored) {
        wn_host h;
        memset(&h, 0, sizeof h);
        if (wn_host_detect(&h) == WN_OK)
            wn_store_put_host(s, &h, NULL);   /* best effort */
        w->host_stored = 1;
        wn_clearerr();
    }
    if (!w->meter_tried) {
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
    rc = wn_run_execute(&job->spec, &w->dopts, w->meter, NULL, &rec);
    if (rc != WN_OK)
        goto out;
    rec.job_id = job->job_id;
    rc = wn_store_put_run(s, &rec);
    wn_slurm_ids sid;   /* runs join on slurm_job_id; a miss loses no run */
    if (rc == WN_OK && wn_slurm_ids_from_env(&sid) &&
        wn_store_put_slurm(s, rec.run_id, &sid) != WN_OK)
        wn_clearerr();
    if (rc != WN_OK && rc != WN_ESTATE) {
        /* Not the job's fault (disk full, database gone): failing every
         * remaining job the same way would only burn their attempts. */
        w->fatal = rc;
        snprintf(w->fatal_msg, sizeof w->fatal_msg, "%s", wn_errmsg());
    }
out:
    wn_run_record_clear(&rec);
    return rc;
}

int wn_worker_loop(const wn_worker_opts *o, int index, size_t *done, size_t *failed)
{
    struct worker w;
    wn_store *s = NULL;
    pthread_t hb;
    int hb_started = 0, rc = WN_OK;
    size_t n_done = 0, n_failed = 0;
    if (done)
        *done = 0;
    if (failed)
        *failed = 0;
    rc = check_opts(o);
    if (rc != WN_OK)
        return rc;
    memset(&w, 0, sizeof w);
    w.o = o;
    w.index = index;
    w.dopts.data_dir = o->data_dir;
    w.dopts.seed = 1;
    pthread_mutex_init(&w.mu, NULL);
    pthread_cond_init(&w.cv, NULL);
    char prefix[192];
    owner_prefix(prefix, sizeof prefix);
    snprintf(w.owner, sizeof w.owner, "%s%ld:%d", prefix, (long)getpid(), index);
    if (o->pin) {
        int cpu = -1;
        rc = pin_to_core(index, &cpu);
        if (rc != WN_OK)
            goto out;
        w.threads = 1;
    } else {
        w.threads = o->threads ? o->threads : allowed_cpus() / o->workers;
        if (w.threads < 1)
            w.threads = 1;
    }
    rc = wn_store_open(o->url, &s);
    if (rc != WN_OK)
        goto out;
    if (pthread_create(&hb, NULL, heartbeat_main, &w) != 0) {
        rc = wn_seterr(WN_EUNAVAILABLE, "worker: cannot start the heartbeat thread");
        goto out;
    }
    hb_started = 1;
    double base_wait_s = o->poll_s > 0 ? o->poll_s : 0.5;
    double max_wait_s = o->lease_s / 2 < 5.0 ? o->lease_s / 2 : 5.0;
    if (max_wait_s < base_wait_s)
        max_wait_s = base_wait_s;
    double wait_s = base_wait_s;
    wn_job_executor exec = o->exec ? o->exec : default_exec;
    void *exec_user = o->exec ? o->exec_user : &w;
    for (;;) {
        wn_job job;
        rc = wn_store_job_claim(s, w.owner, o->lease_s, o->max_attempts, &job);
        if (rc == WN_ENOENT) {
            rc = WN_OK;
            break;
        }
        if (rc == WN_EBUSY) {
            /* Others hold every remaining job (or the database is busy):
             * wait, their leases may expire.  Back off up to 5 s (or half
             * a lease) so that many idle workers do not flood the
             * database. */
            sleep_s(wait_s);
            wait_s = wait_s * 2 < max_wait_s ? wait_s * 2 : max_wait_s;
            continue;
        }
        if (rc != WN_OK)
            goto out;
        wait_s = base_wait_s;
        if (job.spec.threads <= 0)
            job.spec.threads = w.threads;
        pthread_mutex_lock(&w.mu);
        w.job_id = job.job_id;
        w.lost = 0;
        pthread_mutex_unlock(&w.mu);
        double t0 = now_s();
        wn_clearerr();
        int jrc = exec(exec_user, s, &job);
        char err[512];
        snprintf(err, sizeof err, "%s", jrc == WN_OK ? "" : wn_errmsg());
        if (jrc != WN_OK && !err[0])
            snprintf(err, sizeof err, "%s", wn_strerror(jrc));
        pthread_mutex_lock(&w.mu);
        w.job_id = 0;
        pthread_mutex_unlock(&w.mu);
        double secs = now_s() - t0;
        if (jrc == WN_OK) {
            n_done++;
        } else {
            /* Record the failed attempt.  WN_ESTATE: the job is no longer
             * ours (another worker finished it after our lease expired, so
             * our run was refused): nothing to record. */
            int frc = wn_store_job_fail(s, job.job_id, w.owner, err, o->max_attempts);
            if (frc == WN_OK)
                n_failed++;
            else if (frc != WN_ESTATE) {
                rc = frc;
                goto out;
            }
        }
        if (w.fatal) {
            if (o->on_job)
                o->on_job(o->user, index, &job, jrc, err, secs);
            rc = wn_seterr(w.fatal, "worker: storing a run failed, stopping: %s",
                           w.fatal_msg);
            goto out;
        }
        if (o->on_job)
            o->on_job(o->user, index, &job, jrc, err, secs);
    }
out:
    if (hb_started) {
        pthread_mutex_lock(&w.mu);
        w.stop = 1;
        pthread_cond_signal(&w.cv);
        pthread_mutex_unlock(&w.mu);
        pthread_join(hb, NULL);
    }
    if (w.meter)
        wn_meter_close(&w.meter);
    wn_store_close(&s);
    pthread_cond_destroy(&w.cv);
    pthread_mutex_destroy(&w.mu);
    if (done)
        *done = n_done;
    if (failed)
        *failed = n_failed;
    return rc;
}

/* ---- many workers ------------------------------------------------------------------ */

struct child_report {
    int rc;
    size_t done, failed;
    char err[256];
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
static void drain(int fd, wn_worker_result *res, int *first_err, char *first_msg,
                  size_t cap)
{
    struct child_report rep;
    while (read(fd, &rep, sizeof rep) == (ssize_t)sizeof rep) {
        res->done += rep.done;
        res->failed += rep.failed;
        if (rep.rc != WN_OK && *first_err == WN_OK) {
            *first_err = rep.rc;
            snprintf(first_msg, cap, "%s", rep.err);
        }
    }
}

int wn_worker_run(const wn_worker_opts *o, wn_worker_result *out)
{
    pid_t *pids = NULL;
    int fds[2] = { -1, -1 };
    int rc = WN_OK, first_err = WN_OK;
    char first_msg[256] = "";
    wn_store *progress = NULL;
    wn_worker_result res;
    memset(&res, 0, sizeof res);
    if (out)
        memset(out, 0, sizeof *out);
    rc = check_opts(o);
    if (rc != WN_OK)
        return rc;
    int n = o->workers;
    pids = wn_calloc((size_t)n, sizeof *pids);
    if (!pids)
        return wn_seterr(WN_ENOMEM, "worker: out of memory");
    if (pipe(fds) != 0) {
        rc = wn_seterr(WN_EIO, "worker: pipe: %s", strerror(errno));
        goto out;
    }
    fcntl(fds[0], F_SETFL, fcntl(fds[0], F_GETFL) | O_NONBLOCK);
    int running = 0, respawns = 0;
    release_dead_local(o->url);
    for (int i = 0; i < n; i++) {
        pids[i] = spawn(o, i, fds[1]);
        if (pids[i] < 0) {
            rc = wn_seterr(WN_ECHILD, "worker: fork: %s", strerror(errno));
            break;
        }
        running++;
    }
    double last = 0.0;
    while (running > 0) {
        int st = 0;
        drain(fds[0], &res, &first_err, first_msg, sizeof first_msg);
        pid_t pid = waitpid(-1, &st, WNOHANG);
        if (pid < 0 && errno != EINTR)
            break;
        if (pid > 0) {
            int idx = -1;
            for (int i = 0; i < n; i++)
                if (pids[i] == pid)
                    idx = i;
            if (idx < 0)
                continue;   /* not one of ours */
            pids[idx] = 0;
            running--;
            if (WIFSIGNALED(st) || (WIFEXITED(st) && WEXITSTATUS(st) > 1)) {
                res.crashed++;
                release_dead_local(o->url);
                /* Replace it while work remains (its job returns to the
                 * queue when its lease expires). */
                if (respawns < 2 * n) {
                    respawns++;
                    pids[idx] = spawn(o, idx, fds[1]);
                    if (pids[idx] > 0)
                        running++;
                    else
                        pids[idx] = 0;
                }
            }
            continue;
        }
        if (o->on_progress && now_s() - last >= 1.0) {
            wn_queue_status q;
            if (!progress && wn_store_open(o->url, &progress) != WN_OK)
                progress = NULL;
            if (progress && wn_store_queue_status(progress, &q) == WN_OK)
                o->on_progress(o->user, &q);
            last = now_s();
        }
        sleep_s(0.05);
    }
    /* Collect the reports (the pipe holds one per exited worker). */
    close(fds[1]);
    fds[1] = -1;
    drain(fds[0], &res, &first_err, first_msg, sizeof first_msg);
    if (!progress && wn_store_open(o->url, &progress) != WN_OK)
        progress = NULL;
    if (progress) {
        wn_store_queue_status(progress, &res.queue);
        if (o->on_progress)
            o->on_progress(o->user, &res.queue);
    }
    if (rc == WN_OK && first_err != WN_OK)
        rc = wn_seterr(first_err, "%s", first_msg);
    else if (rc == WN_OK && res.crashed)
        rc = wn_seterr(WN_ECHILD, "worker: %zu worker process(es) died", res.crashed);
out:
    for (int i = 0; pids && i < n; i++)
        if (pids[i] > 0) {
            kill(pids[i], SIGTERM);
            waitpid(pids[i], NULL, 0);
        }
    if (fds[0] >= 0)
        close(fds[0]);
    if (fds[1] >= 0)
        close(fds[1]);
    wn_store_close(&progress);
    wn_free(pids);
    if (out)
        *out = res;
    return rc;
}
