/*
 * test_worker_lease.c - lease loss and lost connections (issue 9, item 16):
 *   - the store refuses a run for a job its worker no longer holds
 *     (wn_store_put_job_run checks the lease owner in the insert's
 *     transaction; SQLite and PostgreSQL);
 *   - a run observer's cancelled hook stops wn_run_execute at the next
 *     epoch with WN_ECANCELED and nothing kept;
 *   - a worker whose job is taken from it (another owner, as after a lease
 *     expiry and a reclaim) abandons a real training run at the next epoch
 *     and stores nothing, and one whose executor ignores cancellation has
 *     its run refused;
 *   - a worker whose PostgreSQL connections are cut (a TCP proxy written
 *     here, which drops every connection and refuses new ones for a while)
 *     reconnects with backoff and finishes every job exactly once.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>

#define FX_PG_SCHEMA "wn_test_worker_lease"
#include "worker_fixture.h"

static char tmpdir[1024];

static int setup(void **state)
{
    (void)state;
    fx_tmpdir(tmpdir, sizeof tmpdir, "wlease");
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    fx_rmdir(tmpdir);
    return 0;
}

/* ---- the store checks the owner ---------------------------------------------- */

static void store_refuses_lost_job(const char *url)
{
    assert_int_equal(wx_enqueue(url, 2, 1), WN_OK);
    wn_store *s = NULL;
    assert_int_equal(wn_store_open(url, &s), WN_OK);
    wn_job a, b;
    assert_int_equal(wn_store_job_claim(s, "host:boot:1:0", 0.05, 5, &a), WN_OK);
    assert_string_equal(a.owner, "host:boot:1:0");
    wx_nap(0.3);   /* A's lease expires */
    assert_int_equal(wn_store_job_claim(s, "host:boot:2:0", 60.0, 5, &b), WN_OK);
    assert_int_equal(b.job_id, a.job_id);   /* B reclaimed A's job */
    wn_run_record r;
    fx_record(&r, 1, 1);
    r.job_id = a.job_id;
    /* A's run is refused while B holds the job: nothing stored. */
    assert_int_equal(wn_store_put_job_run(s, &r, a.owner), WN_ESTATE);
    assert_non_null(strstr(wn_errmsg(), "no longer held"));
    assert_int_equal(wx_scalar(url, "SELECT count(*) FROM runs"), 0);
    assert_int_equal(wx_scalar(url, "SELECT count(*) FROM jobs WHERE status = 'running'"),
                     1);
    /* B's is stored. */
    assert_int_equal(wn_store_put_job_run(s, &r, b.owner), WN_OK);
    assert_int_equal(wx_scalar(url, "SELECT count(*) FROM runs"), 1);
    /* A released job is no one's: refused too. */
    wn_job c;
    assert_int_equal(wn_store_job_claim(s, "host:boot:3:0", 60.0, 5, &c), WN_OK);
    assert_int_equal(wn_store_job_release(s, c.job_id, c.owner, "test"), WN_OK);
    r.job_id = c.job_id;
    assert_int_equal(wn_store_put_job_run(s, &r, c.owner), WN_ESTATE);
    assert_int_equal(wn_store_put_job_run(s, &r, NULL), WN_EINVAL);
    fx_record_free(&r);
    wn_store_close(&s);
    assert_int_equal(wx_scalar(url, "SELECT count(*) FROM runs"), 1);
}

static void test_sqlite_store_refuses_lost_job(void **state)
{
    (void)state;
    char path[1200];
    snprintf(path, sizeof path, "%s/refuse.db", tmpdir);
    store_refuses_lost_job(path);
}

static void test_pg_store_refuses_lost_job(void **state)
{
    (void)state;
    const char *url = fx_pg_url_or_skip();
    store_refuses_lost_job(url);
}

/* ---- a run can be cancelled -------------------------------------------------- */

static int epochs_seen;

static void count_epoch(void *user, const wn_run_record *run, const wn_epoch_record *e)
{
    (void)user;
    (void)run;
    (void)e;
    epochs_seen++;
}

static int cancel_after_3(void *user)
{
    (void)user;
    return epochs_seen >= 3;
}

static void test_run_cancelled_at_epoch(void **state)
{
    (void)state;
    wn_run_spec spec;
    wn_run_spec_default(&spec);
    snprintf(spec.dataset, sizeof spec.dataset, "synthetic:banana");
    spec.train.depth = 2;
    spec.train.size = 100;
    spec.train.epochs = 50;
    spec.train.threads = 1;
    wn_run_observer obs = { count_epoch, NULL, cancel_after_3 };
    wn_run_record rec;
    epochs_seen = 0;
    assert_int_equal(wn_run_execute(&spec, NULL, NULL, &obs, &rec), WN_ECANCELED);
    assert_int_equal(epochs_seen, 3);
    assert_non_null(strstr(wn_errmsg(), "cancelled after 3 of 50 epochs"));
    assert_null(rec.epochs);   /* nothing kept */
    assert_int_equal(rec.n_epochs, 0);
}

/* ---- a worker that loses its job ------------------------------------------------- */

/* on_job in the worker process: the attempt's status into the pipe. */
static void report_job(void *user, int worker, const wn_job *job, int status,
                       const char *error, double seconds)
{
    (void)worker;
    (void)job;
    (void)error;
    (void)seconds;
    ssize_t w = write(*(int *)user, &status, sizeof status);
    (void)w;
}

/* Fork a worker (lease 0.6 s) running EXEC (NULL: the default, real
 * training); its attempts' statuses come through *rd. */
static pid_t fork_worker(const char *url, struct wx_fake *f, int *rd)
{
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    pid_t pid = fork();
    if (pid == 0) {
        close(fds[0]);
        wn_worker_opts o;
        wx_opts(&o, url, f);
        if (!f)
            o.exec = NULL;
        o.meter_source = "none";
        o.lease_s = 0.6;
        o.on_job = report_job;
        o.user = &fds[1];
        int rc = wn_worker_loop(&o, 0, NULL, NULL);
        _exit(rc == WN_ECANCELED ? 0 : 1);
    }
    close(fds[1]);
    *rd = fds[0];
    return pid;
}

/* The next attempt's status from the worker, within TIMEOUT_S; -1 if none. */
static int next_status(int rd, double timeout_s)
{
    struct pollfd p = { rd, POLLIN, 0 };
    int status = -1;
    if (poll(&p, 1, (int)(timeout_s * 1000)) == 1 &&
        read(rd, &status, sizeof status) != (ssize_t)sizeof status)
        status = -1;
    return status;
}

/* The job is taken from the worker (as after its lease expired and another
 * worker reclaimed it): the worker must give up and store nothing. */
static void job_taken(const char *url, struct wx_fake *f, int want_status)
{
    int rd = -1;
    pid_t pid = fork_worker(url, f, &rd);
    assert_true(wx_wait_sql(url, "SELECT count(*) FROM jobs WHERE status = 'running'",
                            1, 60.0));
    wx_nap(0.3);   /* into the job */
    wn_store *s = NULL;
    assert_int_equal(wn_store_open(url, &s), WN_OK);
    assert_int_equal(wn__store_exec(s, "UPDATE jobs SET lease_owner = 'thief:0:1:0',"
                                       " attempts = attempts + 1, lease_expires ="
                                       " lease_expires + 1000 WHERE status = 'running'"),
                     WN_OK);
    wn_store_close(&s);
    /* A 20,000-epoch run takes minutes; the loss is seen within a lease. */
    int status = next_status(rd, 30.0);
    if (status != want_status)
        kill(pid, SIGKILL);   /* do not leave it training */
    assert_int_equal(status, want_status);
    assert_int_equal(kill(pid, SIGTERM), 0);   /* it waits for the thief */
    int st = 0;
    assert_true(wx_wait_child(pid, &st, 60.0));
    assert_true(WIFEXITED(st));
    assert_int_equal(WEXITSTATUS(st), 0);
    close(rd);
    assert_int_equal(wx_scalar(url, "SELECT count(*) FROM runs"), 0);
    assert_int_equal(wx_scalar(url, "SELECT count(*) FROM jobs WHERE status = 'running'"
                                    " AND lease_owner = 'thief:0:1:0'"),
                     1);
}

static void test_lost_lease_abandons_real_run(void **state)
{
    (void)state;
    char path[1200];
    snprintf(path, sizeof path, "%s/lost-real.db", tmpdir);
    assert_int_equal(wx_enqueue(path, 1, 20000), WN_OK);
    job_taken(path, NULL, WN_ECANCELED);
}

static void test_lost_lease_run_refused(void **state)
{
    (void)state;
    char path[1200];
    snprintf(path, sizeof path, "%s/lost-fake.db", tmpdir);
    assert_int_equal(wx_enqueue(path, 1, 1), WN_OK);
    struct wx_fake f = { 5.0, 0 };   /* ignores cancellation, then stores */
    job_taken(path, &f, WN_ESTATE);
}

/* ---- a TCP proxy that can cut PostgreSQL connections ------------------------------- */

#define PX_MAX 64

struct proxy {
    int listen_fd;
    int port;                 /* where it listens */
    int target_port;          /* PostgreSQL */
    int pairs[PX_MAX][2];     /* client, server; -1: free */
    pthread_t thread;
    pthread_mutex_t mu;
    int quit;
    int cut;                  /* drop every connection now */
    double refuse_until;      /* close new connections until then */
    int accepted, refused;
};

static void px_close_pair(struct proxy *px, int i)
{
    close(px->pairs[i][0]);
    close(px->pairs[i][1]);
    px->pairs[i][0] = px->pairs[i][1] = -1;
}

static void px_accept(struct proxy *px, double refuse_until)
{
    int c = accept(px->listen_fd, NULL, NULL);
    if (c < 0)
        return;
    if (wx_now() < refuse_until) {
        close(c);
        px->refused++;
        return;
    }
    struct sockaddr_in a = { 0 };
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)px->target_port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int u = socket(AF_INET, SOCK_STREAM, 0);
    for (int i = 0; i < PX_MAX; i++)
        if (px->pairs[i][0] < 0 && u >= 0 &&
            connect(u, (struct sockaddr *)&a, sizeof a) == 0) {
            px->pairs[i][0] = c;
            px->pairs[i][1] = u;
            px->accepted++;
            return;
        }
    close(c);
    if (u >= 0)
        close(u);
}

/* Copy what is readable on FROM to TO; 0 when the pair ended. */
static int px_pump(int from, int to)
{
    char buf[16384];
    ssize_t n = read(from, buf, sizeof buf);
    if (n <= 0)
        return 0;
    for (ssize_t off = 0; off < n;) {
        ssize_t w = write(to, buf + off, (size_t)(n - off));
        if (w <= 0)
            return 0;
        off += w;
    }
    return 1;
}

static void *px_main(void *arg)
{
    struct proxy *px = arg;
    for (;;) {
        pthread_mutex_lock(&px->mu);
        int quit = px->quit, cut = px->cut;
        double refuse_until = px->refuse_until;
        px->cut = 0;
        pthread_mutex_unlock(&px->mu);
        if (quit)
            break;
        for (int i = 0; cut && i < PX_MAX; i++)
            if (px->pairs[i][0] >= 0)
                px_close_pair(px, i);
        struct pollfd p[1 + 2 * PX_MAX];
        int n = 0;
        p[n++] = (struct pollfd){ px->listen_fd, POLLIN, 0 };
        for (int i = 0; i < PX_MAX; i++)
            for (int k = 0; k < 2 && px->pairs[i][0] >= 0; k++)
                p[n++] = (struct pollfd){ px->pairs[i][k], POLLIN, 0 };
        if (poll(p, (nfds_t)n, 20) <= 0)
            continue;
        if (p[0].revents & POLLIN)
            px_accept(px, refuse_until);
        for (int j = 1; j < n; j++) {
            if (!(p[j].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            for (int i = 0; i < PX_MAX; i++)
                for (int k = 0; k < 2; k++)
                    if (px->pairs[i][k] == p[j].fd && px->pairs[i][0] >= 0 &&
                        !px_pump(px->pairs[i][k], px->pairs[i][1 - k]))
                        px_close_pair(px, i);
        }
    }
    for (int i = 0; i < PX_MAX; i++)
        if (px->pairs[i][0] >= 0)
            px_close_pair(px, i);
    close(px->listen_fd);
    return NULL;
}

static void px_start(struct proxy *px, int target_port)
{
    memset(px, 0, sizeof *px);
    memset(px->pairs, -1, sizeof px->pairs);
    px->target_port = target_port;
    px->listen_fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(px->listen_fd >= 0);
    struct sockaddr_in a = { 0 };
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(px->listen_fd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(listen(px->listen_fd, 64), 0);
    socklen_t len = sizeof a;
    assert_int_equal(getsockname(px->listen_fd, (struct sockaddr *)&a, &len), 0);
    px->port = ntohs(a.sin_port);
    pthread_mutex_init(&px->mu, NULL);
    assert_int_equal(pthread_create(&px->thread, NULL, px_main, px), 0);
}

static void px_stop(struct proxy *px)
{
    pthread_mutex_lock(&px->mu);
    px->quit = 1;
    pthread_mutex_unlock(&px->mu);
    pthread_join(px->thread, NULL);
    pthread_mutex_destroy(&px->mu);
}

/* Drop every connection and refuse new ones for REFUSE_S seconds. */
static void px_cut(struct proxy *px, double refuse_s)
{
    pthread_mutex_lock(&px->mu);
    px->cut = 1;
    px->refuse_until = wx_now() + refuse_s;
    pthread_mutex_unlock(&px->mu);
}

/* URL with its port (after "@host:") replaced by PORT; 0 if it has none. */
static int with_port(const char *url, int port, char *out, size_t cap)
{
    const char *at = strchr(url, '@');
    const char *colon = at ? strchr(at, ':') : NULL;
    if (!colon)
        return 0;
    const char *rest = colon + 1;
    while (*rest >= '0' && *rest <= '9')
        rest++;
    snprintf(out, cap, "%.*s:%d%s", (int)(colon - url), url, port, rest);
    return 1;
}

/* ---- a worker reconnects ------------------------------------------------------------ */

static int notices_reconnected;

static void count_notice(void *user, int worker, const char *line)
{
    (void)user;
    (void)worker;
    if (strstr(line, "database reconnected"))
        notices_reconnected++;
}

/* The cutter: once 3 jobs are done, and again once 8 are, cut every
 * connection, refusing new ones for 1.5 s; it counts the cuts made while
 * jobs were left (each one the worker must survive). */
#define RC_JOBS 20
struct cutter {
    struct proxy *px;
    const char *direct_url;
    int cuts;
};

/* Wait until at least N jobs are done; the number done (-1: timed out). */
static int64_t wait_done(const char *url, int64_t n)
{
    for (double until = wx_now() + 120.0; wx_now() < until; wx_nap(0.02)) {
        int64_t d = wx_scalar(url, "SELECT count(*) FROM jobs WHERE status = 'done'");
        if (d >= n)
            return d;
    }
    return -1;
}

static void *cutter_main(void *arg)
{
    struct cutter *c = arg;
    const int64_t at[2] = { 3, 8 };
    for (int i = 0; i < 2; i++) {
        int64_t d = wait_done(c->direct_url, at[i]);
        if (d < 0 || d >= RC_JOBS)
            break;
        px_cut(c->px, 1.5);
        c->cuts++;
    }
    return NULL;
}

static void test_pg_reconnects(void **state)
{
    (void)state;
    const char *url = fx_pg_url_or_skip();
    const char *at = strchr(url, '@');
    const char *colon = at ? strchr(at, ':') : NULL;
    if (!colon) {
        print_message("skipped: the test URL has no TCP port\n");
        skip();
    }
    assert_int_equal(wx_enqueue(url, RC_JOBS, 1), WN_OK);
    struct proxy px;
    px_start(&px, atoi(colon + 1));
    char purl[1200];
    assert_true(with_port(url, px.port, purl, sizeof purl));
    struct cutter c = { &px, url, 0 };
    pthread_t cut;
    assert_int_equal(pthread_create(&cut, NULL, cutter_main, &c), 0);

    struct wx_fake f = { 0.15, 1 };
    wn_worker_opts o;
    wx_opts(&o, purl, &f);
    o.lease_s = 10.0;
    o.max_attempts = 10;
    o.on_notice = count_notice;
    size_t done = 0, failed = 0;
    notices_reconnected = 0;
    int rc = wn_worker_loop(&o, 0, &done, &failed);
    if (rc != WN_OK)
        print_message("worker: %s\n", wn_errmsg());
    pthread_join(cut, NULL);
    px_stop(&px);
    assert_int_equal(rc, WN_OK);
    print_message("%d cuts, %d reconnections, %d connections refused\n", c.cuts,
                  notices_reconnected, px.refused);
    assert_true(c.cuts >= 1);
    assert_true(notices_reconnected >= c.cuts);
    assert_true(px.refused >= 1);
    /* Every job done exactly once. */
    assert_int_equal(wx_scalar(url, "SELECT count(*) FROM jobs WHERE status = 'done'"),
                     RC_JOBS);
    assert_int_equal(wx_scalar(url, "SELECT count(*) FROM runs"), RC_JOBS);
    assert_int_equal(wx_scalar(url, "SELECT count(DISTINCT job_id) FROM runs"), RC_JOBS);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sqlite_store_refuses_lost_job),
        cmocka_unit_test(test_pg_store_refuses_lost_job),
        cmocka_unit_test(test_run_cancelled_at_epoch),
        cmocka_unit_test(test_lost_lease_abandons_real_run),
        cmocka_unit_test(test_lost_lease_run_refused),
        cmocka_unit_test(test_pg_reconnects),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
