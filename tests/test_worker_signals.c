/*
 * test_worker_signals.c - workers and signals (issue 9, items 14, 15, 17):
 *   - SIGTERM to a supervisor is passed on to its worker processes, which
 *     put their jobs back at once and exit; the call returns WN_ECANCELED
 *     (SQLite and PostgreSQL);
 *   - a SIGKILLed supervisor leaves no worker behind (PR_SET_PDEATHSIG):
 *     its worker puts the job back at once, even inside a job that ignores
 *     cancellation, and exits;
 *   - a worker that ended but was not reaped (a zombie) counts as dead: a
 *     new wn_worker_run puts its job back at once instead of waiting for
 *     the lease; and wn_worker_run reaps only its own children;
 *   - `wattnet worker`: 0 when every job is done, 3 when jobs failed, killed
 *     by SIGTERM itself after putting a real training run's job back;
 *   - `wattnet measure -- CMD` passes SIGTERM on to CMD.
 * Timing: every wait polls for its condition with a generous deadline, so
 * a loaded machine only makes the tests slower.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <fcntl.h>
#include <sys/prctl.h>
#include <unistd.h>
#include <cmocka.h>

#define FX_PG_SCHEMA "wn_test_worker_signals"
#include "worker_fixture.h"

static char tmpdir[1024];

static int setup(void **state)
{
    (void)state;
    fx_tmpdir(tmpdir, sizeof tmpdir, "wsig");
    /* Orphaned worker processes become our children, so the tests can
     * reap them and see how they ended. */
    prctl(PR_SET_CHILD_SUBREAPER, 1);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    fx_rmdir(tmpdir);
    return 0;
}

/* Exit codes of the forked supervisor. */
enum { SV_CANCELED_BY_TERM = 10, SV_OTHER = 11 };

/* Fork a process running wn_worker_run with N workers and executor F. */
static pid_t fork_supervisor(const char *url, int n, struct wx_fake *f, double lease_s)
{
    pid_t pid = fork();
    if (pid != 0)
        return pid;
    wn_worker_opts o;
    wx_opts(&o, url, f);
    o.workers = n;
    o.lease_s = lease_s;
    wn_worker_result res;
    int rc = wn_worker_run(&o, &res);
    _exit(rc == WN_ECANCELED && res.signal == SIGTERM ? SV_CANCELED_BY_TERM : SV_OTHER);
}

/* ---- 14: SIGTERM is passed on ------------------------------------------------- */

static void sigterm_passed_on(const char *url)
{
    assert_int_equal(wx_enqueue(url, 6, 1), WN_OK);
    struct wx_fake f = { 120.0, 1 };   /* long jobs that check for cancellation */
    pid_t sv = fork_supervisor(url, 2, &f, 30.0);
    assert_true(sv > 0);
    assert_true(wx_wait_sql(url, "SELECT count(*) FROM jobs WHERE status = 'running'",
                            2, 60.0));
    long pids[16];
    assert_int_equal(wx_owner_pids(url, pids), WN_OK);
    assert_true(pids[0] > 0 && pids[1] > 0);
    double t0 = wx_now();
    assert_int_equal(kill(sv, SIGTERM), 0);
    int st = 0;
    assert_true(wx_wait_child(sv, &st, 60.0));
    /* The supervisor stopped on its own terms, not killed by the signal. */
    assert_true(WIFEXITED(st));
    assert_int_equal(WEXITSTATUS(st), SV_CANCELED_BY_TERM);
    assert_true(wx_now() - t0 < 30.0);   /* the grace period is 10 s */
    /* Its workers are gone (reaped by it, not left running or orphaned). */
    for (int i = 0; i < 2; i++)
        assert_true(kill((pid_t)pids[i], 0) != 0 && errno == ESRCH);
    /* Their jobs are back in the queue now, long before the 30 s lease. */
    assert_int_equal(wx_scalar(url, "SELECT count(*) FROM jobs WHERE status = 'queued'"),
                     6);
    assert_int_equal(wx_scalar(url, "SELECT count(*) FROM jobs WHERE error LIKE"
                                    " '%SIGTERM%'"),
                     2);
    assert_int_equal(wx_scalar(url, "SELECT count(*) FROM runs"), 0);
}

static void test_sqlite_sigterm_passed_on(void **state)
{
    (void)state;
    char path[1200];
    snprintf(path, sizeof path, "%s/term.db", tmpdir);
    sigterm_passed_on(path);
}

static void test_pg_sigterm_passed_on(void **state)
{
    (void)state;
    const char *url = fx_pg_url_or_skip();
    sigterm_passed_on(url);
}

/* ---- 14: a SIGKILLed supervisor leaves no worker behind -------------------------- */

static void test_supervisor_killed_workers_follow(void **state)
{
    (void)state;
    char path[1200];
    snprintf(path, sizeof path, "%s/orphan.db", tmpdir);
    assert_int_equal(wx_enqueue(path, 3, 1), WN_OK);
    struct wx_fake f = { 120.0, 0 };   /* ignores cancellation */
    pid_t sv = fork_supervisor(path, 1, &f, 30.0);
    assert_true(sv > 0);
    assert_true(wx_wait_sql(path, "SELECT count(*) FROM jobs WHERE status = 'running'",
                            1, 60.0));
    long pids[16];
    assert_int_equal(wx_owner_pids(path, pids), WN_OK);
    assert_true(pids[0] > 0);
    assert_int_equal(kill(sv, SIGKILL), 0);
    int st = 0;
    assert_true(wx_wait_child(sv, &st, 30.0));
    /* The worker got SIGTERM from the kernel: its heartbeat puts the job
     * back at once (the executor is still sleeping), long before the
     * 30 s lease. */
    assert_true(wx_wait_sql(path, "SELECT count(*) FROM jobs WHERE status = 'queued'",
                            3, 20.0));
    assert_int_equal(wx_scalar(path, "SELECT count(*) FROM jobs WHERE error LIKE"
                                     " '%SIGTERM%'"),
                     1);
    /* And the worker process ends (we are its subreaper) without claiming
     * anything else. */
    assert_true(wx_wait_child((pid_t)pids[0], &st, 30.0));
    assert_int_equal(wx_scalar(path, "SELECT count(*) FROM jobs WHERE status = 'queued'"),
                     3);
    /* Stopped, not failed: the claim is not counted as an attempt. */
    assert_int_equal(wx_scalar(path, "SELECT sum(attempts) FROM jobs"), 0);
}

/* ---- 15: a zombie is dead ---------------------------------------------------------- */

static void test_zombie_owner_released_at_once(void **state)
{
    (void)state;
    char path[1200];
    snprintf(path, sizeof path, "%s/zombie.db", tmpdir);
    assert_int_equal(wx_enqueue(path, 4, 1), WN_OK);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        struct wx_fake slow = { 120.0, 0 };
        wn_worker_opts o;
        wx_opts(&o, path, &slow);
        o.lease_s = 60.0;
        wn_worker_loop(&o, 0, NULL, NULL);
        _exit(0);
    }
    assert_true(wx_wait_sql(path, "SELECT count(*) FROM jobs WHERE status = 'running'",
                            1, 60.0));
    assert_int_equal(kill(pid, SIGKILL), 0);
    /* Not reaped: wait until the kernel shows it as a zombie. */
    char stat_path[64], line[256];
    snprintf(stat_path, sizeof stat_path, "/proc/%ld/stat", (long)pid);
    int zombie = 0;
    for (double until = wx_now() + 30.0; !zombie && wx_now() < until; wx_nap(0.02)) {
        FILE *fp = fopen(stat_path, "r");
        if (fp && fgets(line, sizeof line, fp) && strstr(line, ") Z "))
            zombie = 1;
        if (fp)
            fclose(fp);
    }
    assert_true(zombie);
    assert_int_equal(kill(pid, 0), 0);   /* what fooled the old check */

    struct wx_fake fast = { 0, 0 };
    wn_worker_opts o;
    wx_opts(&o, path, &fast);
    o.lease_s = 60.0;
    wn_worker_result res;
    double t0 = wx_now();
    assert_int_equal(wn_worker_run(&o, &res), WN_OK);
    assert_true(wx_now() - t0 < 30.0);   /* not the 60 s lease */
    assert_int_equal(res.done, 4);
    /* wn_worker_run left our zombie alone (it reaps only its children). */
    int st = 0;
    assert_int_equal(waitpid(pid, &st, WNOHANG), pid);
    assert_true(WIFSIGNALED(st));
    assert_int_equal(wx_scalar(path, "SELECT count(*) FROM runs"), 4);
    assert_int_equal(wx_scalar(path, "SELECT count(*) FROM jobs WHERE attempts = 2"), 1);
}

/* ---- 17: exit codes of `wattnet worker`, and SIGTERM through the CLI ------------ */

static int cli(const char *args)
{
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "%s %s >/dev/null 2>&1", WN_CLI_PATH, args);
    int st = system(cmd);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static void test_cli_exit_codes(void **state)
{
    (void)state;
    char path[1200], args[1400];
    snprintf(path, sizeof path, "%s/cli.db", tmpdir);
    assert_int_equal(wx_enqueue(path, 2, 1), WN_OK);
    snprintf(args, sizeof args, "worker --db %s --meter none --threads 1", path);
    assert_int_equal(cli(args), 0);   /* every job done */
    /* A job that cannot run (no such dataset file) ends failed: exit 3. */
    snprintf(path, sizeof path, "%s/cli-fail.db", tmpdir);
    assert_int_equal(wx_enqueue(path, 2, 1), WN_OK);
    wn_store *s = NULL;
    assert_int_equal(wn_store_open(path, &s), WN_OK);
    assert_int_equal(wn__store_exec(s, "UPDATE jobs SET dataset = '/nonexistent/x.tsv'"
                                       " WHERE id = 1"),
                     WN_OK);
    wn_store_close(&s);
    snprintf(args, sizeof args,
             "worker --db %s --meter none --threads 1 --max-attempts 1", path);
    assert_int_equal(cli(args), 3);
    assert_int_equal(wx_scalar(path, "SELECT count(*) FROM jobs WHERE status = 'failed'"),
                     1);
    assert_int_equal(wx_scalar(path, "SELECT count(*) FROM jobs WHERE status = 'done'"),
                     1);
    assert_int_equal(cli("worker --bogus"), 2);
    /* --help names the codes. */
    char cmd[1400], out[8192];
    snprintf(cmd, sizeof cmd, "%s worker --help", WN_CLI_PATH);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    size_t n = fread(out, 1, sizeof out - 1, p);
    out[n] = '\0';
    pclose(p);
    assert_non_null(strstr(out, "Exit status"));
    assert_non_null(strstr(out, "3 finished, but some jobs failed"));
}

/* A real training run (many epochs) under `wattnet worker`: SIGTERM to the
 * command ends the run at the next epoch, puts the job back and the
 * command dies of SIGTERM. */
static void test_cli_sigterm_real_run(void **state)
{
    (void)state;
    char path[1200];
    snprintf(path, sizeof path, "%s/cliterm.db", tmpdir);
    assert_int_equal(wx_enqueue(path, 1, 20000), WN_OK);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int fd = open("/dev/null", O_WRONLY);
        dup2(fd, STDERR_FILENO);
        execl(WN_CLI_PATH, WN_CLI_PATH, "worker", "--db", path, "--meter", "none",
              "--threads", "1", "--lease-seconds", "60", (char *)NULL);
        _exit(127);
    }
    assert_true(wx_wait_sql(path, "SELECT count(*) FROM jobs WHERE status = 'running'",
                            1, 60.0));
    wx_nap(0.3);   /* into training */
    double t0 = wx_now();
    assert_int_equal(kill(pid, SIGTERM), 0);
    int st = 0;
    assert_true(wx_wait_child(pid, &st, 60.0));
    assert_true(wx_now() - t0 < 30.0);
    assert_true(WIFSIGNALED(st));
    assert_int_equal(WTERMSIG(st), SIGTERM);
    assert_int_equal(wx_scalar(path, "SELECT count(*) FROM jobs WHERE status = 'queued'"),
                     1);
    assert_int_equal(wx_scalar(path, "SELECT count(*) FROM runs"), 0);
}

/* The same kind in `wattnet measure -- CMD`: SIGTERM to wattnet reaches the
 * measured command (which used to be left running), and the command's
 * status passes through. */
static void test_measure_passes_sigterm(void **state)
{
    (void)state;
    char pidfile[1200], script[4000];
    snprintf(pidfile, sizeof pidfile, "%s/cmd.pid", tmpdir);
    snprintf(script, sizeof script, "echo $$ > %s.tmp && mv %s.tmp %s && exec sleep 120",
             pidfile, pidfile, pidfile);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int fd = open("/dev/null", O_WRONLY);
        dup2(fd, STDOUT_FILENO);
        dup2(fd, STDERR_FILENO);
        execl(WN_CLI_PATH, WN_CLI_PATH, "measure", "--source", "estimate", "--", "sh",
              "-c", script, (char *)NULL);
        _exit(127);
    }
    long cmd_pid = 0;
    for (double until = wx_now() + 30.0; !cmd_pid && wx_now() < until; wx_nap(0.02)) {
        FILE *f = fopen(pidfile, "r");
        if (f && fscanf(f, "%ld", &cmd_pid) != 1)
            cmd_pid = 0;
        if (f)
            fclose(f);
    }
    assert_true(cmd_pid > 0);
    assert_int_equal(kill(pid, SIGTERM), 0);
    int st = 0;
    assert_true(wx_wait_child(pid, &st, 30.0));
    assert_true(WIFEXITED(st));
    assert_int_equal(WEXITSTATUS(st), 128 + SIGTERM);   /* the command's status */
    /* The command is gone (as our subreaped orphan it would be alive). */
    int alive = kill((pid_t)cmd_pid, 0) == 0;
    if (alive) {
        kill((pid_t)cmd_pid, SIGKILL);
        waitpid((pid_t)cmd_pid, NULL, 0);
    }
    assert_false(alive);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sqlite_sigterm_passed_on),
        cmocka_unit_test(test_pg_sigterm_passed_on),
        cmocka_unit_test(test_supervisor_killed_workers_follow),
        cmocka_unit_test(test_zombie_owner_released_at_once),
        cmocka_unit_test(test_cli_exit_codes),
        cmocka_unit_test(test_cli_sigterm_real_run),
        cmocka_unit_test(test_measure_passes_sigterm),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
