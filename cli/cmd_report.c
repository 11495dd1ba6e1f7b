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
        "the model's cross-validation table.  Without --model the models are\n"
        "fitted to the runs when enough of them are usable (else the report\n"
        "says there is no model, and stderr says why).\n\n"
        "  --db URL          SQLite file or postgresql:// URL\n"
        "  --out FILE        HTML file to write (temp then rename)\n"
        "  --model FILE      model file from 'wattnet fit'\n"
        "  --hardware FILE   hardware profile for the cache lines (default:\n"
        "                    the host the runs were recorded on, else this\n"
        "                    machine)\n"
        CLI_CARBON_HELP);
}

struct report_args {
    const char *db, *outp, *mpath, *hwpath;
    cli_carbon carbon;
};

/* Parse argv into a; returns -1 to go on, else the exit code. */
static int parse_args(int argc, char **argv, struct report_args *a)
{
    static const struct option longopts[] = {
        {"db", required_argument, NULL, 'd'},
        {"out", required_argument, NULL, 'o'},
        {"model", required_argument, NULL, 'm'},
        {"hardware", required_argument, NULL, 'w'},
        {"help", no_argument, NULL, 'h'},
        CLI_LONGOPTS_CARBON,
        {NULL, 0, NULL, 0},
    };
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case 'd': a->db = optarg; break;
        case 'o': a->outp = optarg; break;
        case 'm': a->mpath = optarg; break;
        case 'w': a->hwpath = optarg; break;
        case 'h': usage(stdout); return 0;
        case CLI_OPT_PUE:
        case CLI_OPT_CARBON:
            if (cli_carbon_opt("report", c, optarg, &a->carbon))
                return 2;
            break;
        default:
            return cli_usage_error("report", "unknown or incomplete option "
                                   "'%s'", argv[optind - 1]);
        }
    }
    if (optind < argc)
        return cli_usage_error("report", "unexpected argument '%s'",
                               argv[optind]);
    if (a->db == NULL || a->outp == NULL)
        return cli_usage_error("report", "--db and --out are required");
    return -1;
}

int cmd_report(int argc, char **argv)
{
    struct report_args a = {0};
    int rc = parse_args(argc, argv, &a), st = WN_OK, have_model = 0;
    if (rc >= 0)
        return rc;
    const wn_output_input in[] = {{a.db, "--db"}, {a.mpath, "--model"},
                                  {a.hwpath, "--hardware"}};
    if ((rc = cli_check_output("report", a.outp, "--out", in, 3)) != 0)
        return rc;
    wn_run_record *runs = NULL;
    size_t n = 0;
    wn_store *store = NULL;
    wn_model *given = NULL, *shown = wn_calloc(1, sizeof *shown);
    wn_host host;
    wn_hw_profile hw;
    char hw_note[256], fit_note[256];
    if (shown == NULL || (a.mpath && (given = wn_calloc(1, sizeof *given))
                                         == NULL)) {
        st = WN_ENOMEM;
        goto fail;
    }
    /* one connection for the runs, the sweep's defaults and the trace */
    if ((a.mpath && (st = wn_model_load(a.mpath, given)) != WN_OK) ||
        (st = wn_store_open_existing(a.db, &store)) != WN_OK ||
        (st = wn_analysis_load_runs_from(store, a.hwpath, &runs, &n, &hw, &host,
                                         hw_note, sizeof hw_note)) != WN_OK)
        goto fail;
    /* the report takes a fitted model: the file's, else one fitted here */
    if ((st = wn_model_fit_if_none(given, runs, n, &hw, shown, &have_model,
                                   fit_note, sizeof fit_note)) != WN_OK)
        goto fail;
    if (!have_model)
        fprintf(stderr, "wattnet report: no model: %s\n", fit_note);
    /* the newest sweep's pue / carbon_intensity, unless given */
    if ((st = wn_sweep_carbon_defaults(store, &a.carbon.pue,
                                       &a.carbon.g_per_kwh)) != WN_OK)
        goto fail;
    wn_report_opts o = {.model = have_model ? shown : NULL, .hw = &hw,
                        .host = &host, .source = a.db,
                        .pue = a.carbon.pue,
                        .carbon_intensity = a.carbon.g_per_kwh};
    /* the power trace from the stored raw readings, when any run has them */
    wn_power_trace kept;
    wn_report_trace trace;
    if (wn_report_trace_load(store, runs, n, &kept, &trace) == WN_OK &&
        trace.n > 0)
        o.trace = &trace;
    wn_clearerr();
    st = wn_report_write(runs, n, &o, a.outp);
    wn_power_trace_clear(&kept);
    if (st != WN_OK)
        goto fail;
    printf("wrote %s (%zu runs)\n", a.outp, n);
    goto out;
fail:
    rc = cli_fail("report", st);
out:
    wn_store_close(&store);
    wn_run_records_free(&runs, n);
    wn_free(shown);
    wn_free(given);
    return rc;
}
