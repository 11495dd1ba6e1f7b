/*
 * cmd_report.c - `wattnet report`: one self-contained HTML file (inline
 * SVG, no scripts, nothing from the network) about the runs in a database:
 * summary, model cross-validation table and five charts.  Written temp
 * then rename.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include <wattnet/wattnet.h>
#include <wattnet/model.h>
#include <wattnet/report.h>
#include <wattnet/analysis.h>

#include "cli.h"

static void usage(FILE *f)
{
    fprintf(f,
        "usage: wattnet report --db URL --out REPORT.html [--model MODEL.json]\n"
        "                      [--hardware PROFILE.json]\n\n"
        "Write one self-contained HTML report of the stored runs: energy (or,\n"
        "without measured energy, time) per datum against working set with this\n"
        "host's cache sizes, efficiency against size, predicted against measured\n"
        "per model, cost to reach a test loss against size, a power trace, and\n"
        "the model's cross-validation table.  Without --model the report fits\n"
        "the models itself when there are enough runs.\n\n"
        "  --db URL          SQLite file or postgresql:// URL\n"
        "  --out FILE        HTML file to write (temp then rename)\n"
        "  --model FILE      model file from 'wattnet fit'\n"
        "  --hardware FILE   hardware profile for the cache lines (default:\n"
        "                    the host the runs were recorded on, else this\n"
        "                    machine)\n");
}

int cmd_report(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"db", required_argument, NULL, 'd'},
        {"out", required_argument, NULL, 'o'},
        {"model", required_argument, NULL, 'm'},
        {"hardware", required_argument, NULL, 'w'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *db = NULL, *outp = NULL, *mpath = NULL, *hwpath = NULL;
    int c, rc = 0, st;
    wn_store *store = NULL;
    wn_run_record *runs = NULL;
    size_t n = 0;
    wn_model *m = NULL, *shown = NULL;

    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case 'd': db = optarg; break;
        case 'o': outp = optarg; break;
        case 'm': mpath = optarg; break;
        case 'w': hwpath = optarg; break;
        case 'h': usage(stdout); return 0;
        default:
            return cli_usage_error("report", "unknown or incomplete option "
                                   "'%s'", argv[optind - 1]);
        }
    }
    if (optind < argc)
        return cli_usage_error("report", "unexpected argument '%s'",
                               argv[optind]);
    if (db == NULL || outp == NULL)
        return cli_usage_error("report", "--db and --out are required");

    wn_host host;
    wn_hw_profile hw;
    char hw_note[256];
    if (mpath != NULL) {
        m = wn_calloc(1, sizeof *m);
        if (m == NULL)
            return cli_fail("report", WN_ENOMEM);
        if ((st = wn_model_load(mpath, m)) != WN_OK) {
            rc = cli_fail("report", st);
            goto out;
        }
    }
    if ((st = wn_store_open(db, &store)) != WN_OK) {
        rc = cli_fail("report", st);
        goto out;
    }
    st = wn_hw_profile_for_runs(store, hwpath, &hw, &host, hw_note, sizeof hw_note);
    if (st != WN_OK) {
        rc = cli_fail("report", st);
        goto out;
    }
    if ((st = wn_store_load_runs(store, &runs, &n)) != WN_OK) {
        rc = cli_fail("report", st);
        goto out;
    }
    /* the report takes a fitted model: the file's, else one fitted here */
    int have_model = 0;
    char fit_note[256];
    shown = wn_calloc(1, sizeof *shown);
    if (shown == NULL) {
        rc = cli_fail("report", WN_ENOMEM);
        goto out;
    }
    st = wn_model_fit_if_none(m, runs, n, &hw, shown, &have_model, fit_note,
                              sizeof fit_note);
    if (st != WN_OK) {
        rc = cli_fail("report", st);
        goto out;
    }
    if (!have_model)
        fprintf(stderr, "report: no model: %s\n", fit_note);
    wn_report_opts o;
    memset(&o, 0, sizeof o);
    o.model = have_model ? shown : NULL;
    o.hw = &hw;
    o.host = &host;
    o.source = db;
    if ((st = wn_report_write(runs, n, &o, outp)) != WN_OK) {
        rc = cli_fail("report", st);
        goto out;
    }
    printf("wrote %s (%zu runs)\n", outp, n);
out:
    wn_run_records_free(&runs, n);
    wn_store_close(&store);
    wn_free(shown);
    wn_free(m);
    return rc;
}
