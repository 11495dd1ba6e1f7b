/*
 * cmd_export.c - `wattnet export`: runs and epochs as CSV, JSON lines or
 * the BUTTER-E layout, for pandas, DuckDB and the study's tools.
 */
#include <getopt.h>
#include <stdio.h>

#include <wattnet/wattnet.h>

#include "cli.h"

static void usage(FILE *f)
{
    fprintf(f,
        "usage: wattnet export --db URL --format csv|jsonl|butter-e --out DIR\n\n"
        "Write DIR/runs.EXT (one row per run, with its job_id) and\n"
        "DIR/epochs.EXT (one row per epoch).  Energy that did not measure is\n"
        "empty (CSV) or null (JSON), never 0.  butter-e: runs.csv in the\n"
        "study's metadata and standardised-energy columns (docs/store.md).\n"
        "With --pue / --carbon-intensity, runs and epochs get facility_energy_j\n"
        "and co2e_g columns beside energy_j (csv, jsonl).\n"
        CLI_CARBON_HELP);
}

int cmd_export(int argc, char **argv)
{
    static const struct option longopts[] = {
        CLI_LONGOPTS_DB,
        {"format", required_argument, NULL, 'f'},
        {"out", required_argument, NULL, 'o'},
        {"help", no_argument, NULL, CLI_OPT_HELP},
        CLI_LONGOPTS_CARBON,
        {NULL, 0, NULL, 0},
    };
    const char *db = NULL, *format = "csv", *dir = NULL;
    cli_carbon carbon = {0.0, 0.0};
    int c, rc;
    cli_opts_reset();
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case CLI_OPT_DB: db = optarg; break;
        case 'f': format = optarg; break;
        case 'o': dir = optarg; break;
        case CLI_OPT_PUE:
        case CLI_OPT_CARBON:
            if (cli_carbon_opt("export", c, optarg, &carbon))
                return 2;
            break;
        default:
            rc = cli_opt_common("export", c, argc, argv, usage, NULL);
            return rc == CLI_HELP ? 0 : rc;
        }
    }
    if (cli_opt_rest("export", argc, argv))
        return 2;
    if (!db || !dir)
        return cli_usage_error("export", "--db URL and --out DIR are required");
    /* the files export writes into DIR must not be the database */
    static const char *const files[] = {"runs.csv", "epochs.csv",
                                        "runs.jsonl", "epochs.jsonl"};
    const wn_output_input in[] = {{db, "--db"}};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, files[i]);
        if ((rc = cli_check_output("export", path, "--out", in, 1)) != 0)
            return rc;
    }
    wn_store *s = NULL;
    size_t n = 0;
    int st = wn_store_open_existing(db, &s);
    if (st == WN_OK)
        st = wn_sweep_carbon_defaults(s, &carbon.pue, &carbon.g_per_kwh);
    if (st == WN_OK)
        st = wn_store_export_carbon(s, format, dir, carbon.pue, carbon.g_per_kwh,
                                    &n);
    wn_store_close(&s);
    if (st != WN_OK)
        return cli_fail("export", st);
    fprintf(stderr, "wattnet export: %zu runs written to %s (%s)\n", n, dir, format);
    return 0;
}
