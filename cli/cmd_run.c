/*
 * cmd_run.c - `wattnet run`: a preset sweep plus workers on one database,
 * the one command behind `make run`.  The sweep is enqueued only when the
 * database has no sweep of that name yet, so a second `run` (after an
 * interruption) reuses what is stored and just finishes the remaining
 * jobs (wn_sweep_preset_ensure).  Then it runs the workers on the same
 * database as `wattnet worker` does (cli_worker_go).
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include <wattnet/wattnet.h>
#include <wattnet/sweep.h>

#include "cli.h"

static void usage(FILE *f)
{
    fprintf(f,
        "usage: wattnet run [--preset NAME] [--db URL] [--workers N] [--pin]\n"
        "                   [--threads T] [--lease-seconds S] [--max-attempts K]\n"
        "                   [--data-dir D] [--meter SOURCE]\n"
        "                   [--devices cpu,cuda] [--json]\n\n"
        "Enqueue preset NAME (default quick) unless the database already has a\n"
        "sweep of that name, then run workers until every job is done or\n"
        "failed.  Running it again finishes what an interrupted run left.\n\n"
        "  --preset NAME   quick (default) | butter-e | cache-scan |\n"
        "                  advise\n"
        "  --db URL        SQLite file or postgresql:// URL (default wattnet.db)\n"
        "  --workers N     local worker processes (default 1)\n"
        "  other options   as for `wattnet worker`\n\n"
        CLI_WORKER_EXIT_HELP);
}

/* Enqueue the preset unless the database has it, and say which. */
static int ensure_preset(wn_store *s, const char *preset, const char *url)
{
    char db[1024];   /* shown: never the URL's password */
    wn_redact(url, db, sizeof db);
    wn_sweep_result res;
    int created = 0;
    int st = wn_sweep_preset_ensure(s, preset, NULL, &res, &created);
    if (st != WN_OK)
        return cli_fail("run", st == WN_ENOENT ? WN_EINVAL : st);
    if (created) {
        fprintf(stderr, "run: sweep %lld '%s': %zu jobs enqueued in %s",
                (long long)res.sweep_id, preset, res.n_jobs, db);
        if (res.skipped)
            fprintf(stderr, " (%zu combinations skipped: size unreachable)",
                    res.skipped);
        fputc('\n', stderr);
        return 0;
    }
    wn_queue_status q;
    if (wn_store_queue_status(s, &q) == WN_OK)
        fprintf(stderr,
                "run: %s already has sweep '%s' (id %lld): finishing the %lld "
                "queued and %lld running jobs (%lld done, %lld failed)\n",
                db, preset, (long long)res.sweep_id, (long long)q.queued,
                (long long)q.running, (long long)q.done, (long long)q.failed);
    return 0;
}

int cmd_run(int argc, char **argv)
{
    static const struct option longopts[] = {
        CLI_LONGOPTS_COMMON,
        CLI_LONGOPTS_DB,
        CLI_LONGOPTS_WORKER,
        {"preset", required_argument, NULL, 'p'},
        {NULL, 0, NULL, 0},
    };
    const char *preset = "quick";
    wn_worker_opts o;
    wn_worker_opts_default(&o);
    o.url = "wattnet.db";
    int json = 0, c, rc;

    cli_opts_reset();
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        if (c == 'p') {
            preset = optarg;
            continue;
        }
        rc = cli_worker_opt("run", c, optarg, &o);
        if (rc == CLI_NOT_MINE)
            rc = cli_opt_common("run", c, argc, argv, usage, &json);
        if (rc)
            return rc == CLI_HELP ? 0 : rc;
    }
    if (cli_opt_rest("run", argc, argv))
        return 2;

    wn_store *s = NULL;
    rc = wn_store_open(o.url, &s);
    if (rc != WN_OK)
        return cli_fail("run", rc);
    /* one line per dataset: the real file (path, checksum) or the stand-in */
    wn_sweep_spec *named = NULL;
    if (wn_sweep_preset(preset, NULL, &named) == WN_OK)
        cli_print_data_origins("run", named->datasets, named->n_datasets,
                               o.data_dir);
    wn_sweep_spec_free(&named);
    wn_clearerr();
    rc = ensure_preset(s, preset, o.url);
    /* Workers fork: close our connection first. */
    wn_store_close(&s);
    return rc ? rc : cli_worker_go("run", &o, json);
}
