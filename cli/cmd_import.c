/*
 * cmd_import.c - `wattnet import butter-e`: the BUTTER-E study's public
 * files (metadata CSV, per-Slurm-job energy CSVs, standardised energy CSV)
 * into the runs database (docs/study.md).
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <wattnet/wattnet.h>
#include <wattnet/study.h>

#include "cli.h"

static void usage(FILE *f)
{
    fprintf(f,
        "usage: wattnet import butter-e --db URL --metadata FILE\n"
        "                      [--energy-dir DIR] [--standardised FILE]\n"
        "                      [--epochs N] [--json] [--quiet]\n\n"
        "Read the BUTTER-E public layout into the runs database.  FILE has the\n"
        "metadata columns (run_id, slurm_job_id, start_time, update_time,\n"
        "host_name, size, depth, shape, dataset, learning_rate, batch_size,\n"
        "is_gpu, ...); DIR holds {slurm_job_id}.csv files (timestamp,node,watts)\n"
        "whose samples give each run's energy over its start-end window; the\n"
        "standardised CSV (run_id, energy, ...) gives the energy of runs without\n"
        "a job file.  Runs imported before are left alone (idempotent); each\n"
        "node's 2nd-percentile power is kept as its idle.  --epochs: epochs per\n"
        "run when run_data has none (default 3000).  --json prints the counts.\n");
}

struct ui {
    int tty;
    int quiet;
};

static void on_progress(void *user, const char *stage, uint64_t done,
                        uint64_t total)
{
    const struct ui *ui = user;
    if (ui->quiet || !ui->tty)
        return;
    if (!strcmp(stage, "energy") && total)
        fprintf(stderr, "\rimport: energy %5.1f%% (%.1f of %.1f MB)   ",
                100.0 * (double)done / (double)total, (double)done / 1e6,
                (double)total / 1e6);
    else if (total)
        fprintf(stderr, "\rimport: %s %llu/%llu   ", stage,
                (unsigned long long)done, (unsigned long long)total);
    else
        fprintf(stderr, "\rimport: %s %llu   ", stage, (unsigned long long)done);
    if (total && done >= total)
        fputc('\n', stderr);
}

int cmd_import(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"db", required_argument, NULL, 'd'},
        {"metadata", required_argument, NULL, 'm'},
        {"energy-dir", required_argument, NULL, 'e'},
        {"standardised", required_argument, NULL, 's'},
        {"standardized", required_argument, NULL, 's'},
        {"epochs", required_argument, NULL, 'E'},
        {"json", no_argument, NULL, 'j'},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    wn_import_opts o;
    const char *db = NULL;
    int json = 0, c;
    struct ui ui = { isatty(STDERR_FILENO), 0 };
    unsigned long long epochs = 0;
    memset(&o, 0, sizeof o);
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "hq", longopts, NULL)) != -1) {
        switch (c) {
        case 'd': db = optarg; break;
        case 'm': o.metadata = optarg; break;
        case 'e': o.energy_dir = optarg; break;
        case 's': o.standardised = optarg; break;
        case 'E':
            if (cli_parse_u64(optarg, &epochs) != 0 || !epochs)
                return cli_usage_error("import", "--epochs '%s': a whole number >= 1",
                                       optarg);
            break;
        case 'j': json = 1; break;
        case 'q': ui.quiet = 1; break;
        case 'h': usage(stdout); return 0;
        default:
            return cli_usage_error("import", "unknown or incomplete option '%s'",
                                   argv[optind - 1]);
        }
    }
    if (optind >= argc)
        return cli_usage_error("import", "which layout? (butter-e)");
    if (strcmp(argv[optind], "butter-e"))
        return cli_usage_error("import", "unknown layout '%s' (butter-e)",
                               argv[optind]);
    if (optind + 1 < argc)
        return cli_usage_error("import", "unexpected argument '%s'", argv[optind + 1]);
    if (!db || !o.metadata)
        return cli_usage_error("import", "--db URL and --metadata FILE are required");
    o.epochs = (size_t)epochs;
    o.progress = on_progress;
    o.user = &ui;
    wn_store *s = NULL;
    wn_import_result r;
    memset(&r, 0, sizeof r);
    int st = wn_store_open(db, &s);
    if (st == WN_OK)
        st = wn_study_import(s, &o, &r);
    wn_store_close(&s);
    if (ui.tty && !ui.quiet)
        fputc('\n', stderr);
    if (st != WN_OK)
        return cli_fail("import", st);
    if (json)
        printf("{\"runs_read\":%zu,\"runs_stored\":%zu,\"runs_present\":%zu,"
               "\"runs_flagged\":%zu,\"samples\":%llu,\"energy_files\":%zu,"
               "\"nodes\":%zu}\n", r.runs_read, r.runs_stored, r.runs_present,
               r.runs_flagged, (unsigned long long)r.samples, r.energy_files,
               r.nodes);
    else if (!ui.quiet)
        fprintf(stderr, "import: %zu runs read, %zu stored (%zu without a valid "
                        "energy), %zu already present; %llu samples from %zu "
                        "energy files; idle of %zu nodes kept\n",
                r.runs_read, r.runs_stored, r.runs_flagged, r.runs_present,
                (unsigned long long)r.samples, r.energy_files, r.nodes);
    return 0;
}
