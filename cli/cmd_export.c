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
        "study's metadata and standardised-energy columns (docs/store.md).\n");
}

int cmd_export(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"db", required_argument, NULL, 'd'},
        {"format", required_argument, NULL, 'f'},
        {"out", required_argument, NULL, 'o'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *db = NULL, *format = "csv", *dir = NULL;
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case 'd': db = optarg; break;
        case 'f': format = optarg; break;
        case 'o': dir = optarg; break;
        case 'h': usage(stdout); return 0;
        default:
            return cli_usage_error("export", "unknown or incomplete option '%s'",
                                   argv[optind - 1]);
        }
    }
    if (optind < argc)
        return cli_usage_error("export", "unexpected argument '%s'", argv[optind]);
    if (!db || !dir)
        return cli_usage_error("export", "--db URL and --out DIR are required");
    wn_store *s = NULL;
    size_t n = 0;
    int st = wn_store_open(db, &s);
    if (st == WN_OK)
        st = wn_store_export(s, format, dir, &n);
    wn_store_close(&s);
    if (st != WN_OK)
        return cli_fail("export", st);
    fprintf(stderr, "export: %zu runs written to %s (%s)\n", n, dir, format);
    return 0;
}
