/*
 * cmd_worker.c - `wattnet worker`: claim and run queued jobs until nothing
 * is queued or running.  N local worker processes, optionally pinned to
 * cores.  On a terminal a progress bar with ETA is drawn on stderr;
 * otherwise each finished job prints one line on stderr.  `wattnet run`
 * runs its workers through cli_worker_go, like this command.
 */
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <wattnet/wattnet.h>
#include <wattnet/sweep.h>

#include "cli.h"

static void usage(FILE *f)
{
    fprintf(f,
        "usage: wattnet worker --db URL [--workers N] [--pin] [--threads T]\n"
        "                      [--lease-seconds S] [--max-attempts K]\n"
        "                      [--data-dir D] [--meter SOURCE]\n"
        "                      [--devices cpu,cuda] [--json]\n\n"
        "Claim jobs from the database's queue and run them until nothing is\n"
        "queued or running.  Each claim is a lease renewed by a heartbeat; a\n"
        "job whose worker died returns to the queue when its lease expires.\n"
        "Failed attempts are kept with their error and retried.  SIGTERM,\n"
        "SIGINT or SIGHUP stop the workers and put their jobs back in the\n"
        "queue at once; a lost database connection is reopened (10 tries).\n\n"
        "  --db URL            SQLite file or postgresql:// URL\n"
        "  --workers N         local worker processes (default 1)\n"
        "  --pin               pin worker i to core i, one thread per job\n"
        "  --threads T         threads per job when not pinned (default: cores\n"
        "                      divided among the workers)\n"
        "  --lease-seconds S   lease length (default 60)\n"
        "  --max-attempts K    attempts before a job is failed (default 3)\n"
        "  --data-dir D        where NAME.tsv.gz datasets are looked up\n"
        "  --meter SOURCE      auto (default) | rapl | perf | nvml | ipmi |\n"
        "                      redfish | estimate\n"
        "  --devices LIST      claim only jobs for these devices (cpu, cuda);\n"
        "                      default: cpu, and cuda when a GPU answers\n"
        "  --attribute         other work shares the meter: split each run's\n"
        "                      energy by its CPU-time share of the host (always\n"
        "                      on with --workers > 1); the whole reading is kept\n"
        "  --json              print the final counts as JSON on stdout\n\n"
        CLI_WORKER_EXIT_HELP);
}

/* Progress on stderr: a bar on a terminal, else one line per job. */
struct ui {
    int tty;
    int json;
    double t0;
    int drew;
};

static void fmt_duration(char *buf, size_t cap, double s)
{
    if (!(s >= 0) || !isfinite(s))
        snprintf(buf, cap, "?");
    else if (s < 60)
        snprintf(buf, cap, "%.0fs", s);
    else if (s < 3600)
        snprintf(buf, cap, "%dm%02ds", (int)(s / 60), (int)fmod(s, 60));
    else
        snprintf(buf, cap, "%dh%02dm", (int)(s / 3600), (int)fmod(s / 60, 60));
}

/* In each worker process, after each attempt. */
static void on_job(void *user, int worker, const wn_job *job, int status,
                   const char *error_in, double seconds)
{
    struct ui *ui = user;
    char error[1024];   /* a store error may echo the URL: mask it */
    if (ui->tty && status == WN_OK)
        return;   /* the bar shows it */
    wn_redact(error_in, error, sizeof error);
    if (status == WN_OK)
        fprintf(stderr,
                "worker %d: job %lld done in %.2fs: %s %s depth %zu size %llu\n",
                worker, (long long)job->job_id, seconds, job->spec.dataset,
                job->spec.train.shape, job->spec.train.depth, (unsigned long long)job->spec.train.size);
    else if (status == WN_ESTATE)
        fprintf(stderr, "%sworker %d: job %lld not stored: %s\n", ui->tty ? "\n" : "",
                worker, (long long)job->job_id, error);
    else if (status == WN_ECANCELED)
        fprintf(stderr, "%sworker %d: job %lld abandoned: %s\n", ui->tty ? "\n" : "",
                worker, (long long)job->job_id, error);
    else
        fprintf(stderr, "%sworker %d: job %lld attempt %d failed: %s\n",
                ui->tty ? "\n" : "", worker, (long long)job->job_id, job->attempts,
                error);
    fflush(stderr);
}

/* Any process: a lost connection, a lost lease, a stop signal. */
static void on_notice(void *user, int worker, const char *line)
{
    struct ui *ui = user;
    if (worker < 0)
        fprintf(stderr, "%sworker: %s\n", ui->tty ? "\n" : "", line);
    else
        fprintf(stderr, "%sworker %d: %s\n", ui->tty ? "\n" : "", worker, line);
    fflush(stderr);
}

/* In the parent, about once a second. */
static void on_progress(void *user, const wn_queue_status *q)
{
    struct ui *ui = user;
    if (!ui->tty)
        return;
    int64_t total = q->queued + q->running + q->done + q->failed;
    int64_t fin = q->done + q->failed;
    const int width = 30;
    int fill = total ? (int)((double)fin / (double)total * width) : 0;
    char bar[64], eta[32];
    for (int i = 0; i < width; i++)
        bar[i] = i < fill ? '#' : '.';
    bar[width] = '\0';
    if (q->has_eta)
        fmt_duration(eta, sizeof eta, q->eta_s);
    else
        snprintf(eta, sizeof eta, "?");
    fprintf(stderr, "\r[%s] %lld/%lld done, %lld running, %lld failed, ETA %s   ",
            bar, (long long)q->done, (long long)total, (long long)q->running,
            (long long)q->failed, eta);
    fflush(stderr);
    ui->drew = 1;
}

static void print_counts(const wn_worker_result *res, int json)
{
    if (!json) {
        fprintf(stderr,
                "worker: %zu jobs done here, %zu failed attempts; queue: %lld done, "
                "%lld failed, %lld queued\n",
                res->done, res->failed, (long long)res->queue.done,
                (long long)res->queue.failed, (long long)res->queue.queued);
        return;
    }
    cJSON *j = cJSON_CreateObject();
    cJSON_AddNumberToObject(j, "done_by_these_workers", (double)res->done);
    cJSON_AddNumberToObject(j, "failed_attempts", (double)res->failed);
    cJSON_AddNumberToObject(j, "crashed_workers", (double)res->crashed);
    cJSON_AddNumberToObject(j, "queued", (double)res->queue.queued);
    cJSON_AddNumberToObject(j, "running", (double)res->queue.running);
    cJSON_AddNumberToObject(j, "done", (double)res->queue.done);
    cJSON_AddNumberToObject(j, "failed", (double)res->queue.failed);
    cJSON_AddNumberToObject(j, "stopped_by_signal", res->signal);
    char *s = cJSON_Print(j);
    if (s)
        printf("%s\n", s);
    cJSON_free(s);
    cJSON_Delete(j);
}

/* Die of SIG, as the shell expects of a program stopped by a signal (it
 * then reports 128 + SIG); 128 + SIG if the signal does not kill us. */
static int die_of(int sig)
{
    fflush(stdout);
    fflush(stderr);
    signal(sig, SIG_DFL);
    raise(sig);
    return 128 + sig;
}

int cli_worker_go(const char *cmd, wn_worker_opts *o, int json)
{
    struct ui ui = { isatty(STDERR_FILENO), json, 0, 0 };
    o->on_job = on_job;
    o->on_notice = on_notice;
    /* The bar only on a terminal: without one, no status polling (which
     * would load a shared database from every node). */
    o->on_progress = ui.tty ? on_progress : NULL;
    o->user = &ui;
    wn_worker_result res;
    int st = wn_worker_run(o, &res);
    if (ui.drew)
        fputc('\n', stderr);
    if (st != WN_OK && res.done == 0 && res.failed == 0 && res.crashed == 0 &&
        !res.signal)
        return cli_fail(cmd, st);   /* nothing ran: no summary */
    print_counts(&res, json);
    if (res.signal) {
        cli_fail(cmd, st);
        return die_of(res.signal);
    }
    if (st != WN_OK)
        return cli_fail(cmd, st);
    if (res.queue.failed > 0) {
        fprintf(stderr, "wattnet %s: %lld job(s) failed after their last attempt (their"
                        " errors: SELECT id, attempts, error FROM jobs WHERE"
                        " status = 'failed')\n", cmd, (long long)res.queue.failed);
        return CLI_EXIT_JOBS_FAILED;
    }
    return 0;
}

int cmd_worker(int argc, char **argv)
{
    static const struct option longopts[] = {
        CLI_LONGOPTS_COMMON,
        CLI_LONGOPTS_DB,
        CLI_LONGOPTS_WORKER,
        {NULL, 0, NULL, 0},
    };
    wn_worker_opts o;
    wn_worker_opts_default(&o);
    int json = 0, c, rc;

    cli_opts_reset();
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        rc = cli_worker_opt("worker", c, optarg, &o);
        if (rc == CLI_NOT_MINE)
            rc = cli_opt_common("worker", c, argc, argv, usage, &json);
        if (rc)
            return rc == CLI_HELP ? 0 : rc;
    }
    if (cli_opt_rest("worker", argc, argv))
        return 2;
    if (!o.url)
        return cli_usage_error("worker", "--db URL is required");
    /* Fail early and clearly when the database cannot be opened. */
    wn_store *probe = NULL;
    int st = wn_store_open(o.url, &probe);
    wn_store_close(&probe);
    if (st != WN_OK)
        return cli_fail("worker", st);
    return cli_worker_go("worker", &o, json);
}
