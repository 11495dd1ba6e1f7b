/*
 * cmd_run.c - `wattnet run`: a preset sweep plus workers on one database,
 * the one command behind `make run`.  The sweep is enqueued only when the
 * database has no sweep of that name yet, so a second `run` (after an
 * interruption) reuses what is stored and just finishes the remaining
 * jobs.  Then it runs `wattnet worker` on the same database.
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
        "                   [--lease-seconds S] [--max-attempts K]\n"
        "                   [--data-dir D] [--meter SOURCE] [--json]\n\n"
        "Enqueue preset NAME (default quick) unless the database already has a\n"
        "sweep of that name, then run workers until every job is done or\n"
        "failed.  Running it again finishes what an interrupted run left.\n"
        "Each dataset of the preset is a study name: the real NAME.tsv.gz from\n"
        "--data-dir or $WATTNET_DATA when there is one, else the synthetic\n"
        "stand-in; one line per dataset says which.\n\n"
        "  --preset NAME   quick (default) | butter-e | cache-scan | advise\n"
        "  --db URL        SQLite file or postgresql:// URL (default wattnet.db)\n"
        "  --workers N     local worker processes (default 1)\n"
        "  other options   as for `wattnet worker`\n");
}

int cmd_run(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"preset", required_argument, NULL, 'p'},
        {"db", required_argument, NULL, 'd'},
        {"workers", required_argument, NULL, 'w'},
        {"pin", no_argument, NULL, 'P'},
        {"lease-seconds", required_argument, NULL, 'l'},
        {"max-attempts", required_argument, NULL, 'm'},
        {"data-dir", required_argument, NULL, 'D'},
        {"meter", required_argument, NULL, 'M'},
        {"json", no_argument, NULL, 'j'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *preset = "quick", *db = "wattnet.db", *data_dir = NULL;
    /* Arguments passed on to `wattnet worker`. */
    char *wargv[32];
    int wargc = 0, c, st;
    wargv[wargc++] = "worker";

    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case 'p': preset = optarg; break;
        case 'd': db = optarg; break;
        case 'w': wargv[wargc++] = "--workers"; wargv[wargc++] = optarg; break;
        case 'P': wargv[wargc++] = "--pin"; break;
        case 'l': wargv[wargc++] = "--lease-seconds"; wargv[wargc++] = optarg; break;
        case 'm': wargv[wargc++] = "--max-attempts"; wargv[wargc++] = optarg; break;
        case 'D':
            data_dir = optarg;
            wargv[wargc++] = "--data-dir";
            wargv[wargc++] = optarg;
            break;
        case 'M': wargv[wargc++] = "--meter"; wargv[wargc++] = optarg; break;
        case 'j': wargv[wargc++] = "--json"; break;
        case 'h': usage(stdout); return 0;
        default:
            return cli_usage_error("run", "unknown or incomplete option '%s'",
                                   argv[optind - 1]);
        }
        if (wargc > 28)
            return cli_usage_error("run", "too many options");
    }
    if (optind < argc)
        return cli_usage_error("run", "unexpected argument '%s'", argv[optind]);

    wn_store *s = NULL;
    st = wn_store_open(db, &s);
    if (st != WN_OK)
        return cli_fail("run", st);
    int64_t id = 0;
    wn_sweep_spec *named = NULL;
    if (wn_sweep_preset(preset, NULL, &named) == WN_OK)
        cli_print_data_origins("run", named->datasets, named->n_datasets,
                               data_dir);
    wn_sweep_spec_free(&named);
    wn_clearerr();
    st = wn_store_sweep_find(s, preset, &id);
    if (st == WN_ENOENT) {
        wn_sweep_spec *sp = NULL;
        wn_sweep_opts so;
        wn_sweep_result res;
        wn_sweep_opts_default(&so);
        st = wn_sweep_preset(preset, NULL, &sp);
        if (st == WN_OK)
            st = wn_sweep_enqueue(s, preset, sp, &so, &res);
        wn_sweep_spec_free(&sp);
        if (st != WN_OK) {
            wn_store_close(&s);
            return cli_fail("run", st == WN_ENOENT ? WN_EINVAL : st);
        }
        fprintf(stderr, "run: sweep %lld '%s': %zu jobs enqueued in %s",
                (long long)res.sweep_id, preset, res.n_jobs, db);
        if (res.skipped)
            fprintf(stderr, " (%zu combinations skipped: size unreachable)",
                    res.skipped);
        fputc('\n', stderr);
    } else if (st == WN_OK) {
        wn_queue_status q;
        if (wn_store_queue_status(s, &q) == WN_OK)
            fprintf(stderr,
                    "run: %s already has sweep '%s' (id %lld): finishing the %lld "
                    "queued and %lld running jobs (%lld done, %lld failed)\n",
                    db, preset, (long long)id, (long long)q.queued,
                    (long long)q.running, (long long)q.done, (long long)q.failed);
    } else {
        wn_store_close(&s);
        return cli_fail("run", st);
    }
    /* Workers fork: close our connection first. */
    wn_store_close(&s);
    wargv[wargc++] = "--db";
    wargv[wargc++] = (char *)db;
    wargv[wargc] = NULL;
    return cmd_worker(wargc, wargv);
}
