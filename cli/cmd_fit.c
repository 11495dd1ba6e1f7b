/*
 * cmd_fit.c - `wattnet fit`: fit the four energy models ("flops", "params",
 * "butter-e", "wattnet") to the runs in a database, cross-validate them by
 * held-out sizes, shapes and datasets, print the table and write the model
 * file (temp then rename).  The target is joules per training datum when
 * runs carry real measurements, else seconds per datum, and the output says
 * which.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include <wattnet/wattnet.h>
#include <wattnet/model.h>
#include <wattnet/analysis.h>

#include "cli.h"

static void usage(FILE *f)
{
    fprintf(f,
        "usage: wattnet fit --db URL --out MODEL.json [--hardware PROFILE.json]\n"
        "                   [--target energy|time] [--max-epoch-spread R]\n"
        "                   [--keep-contended] [--json]\n\n"
        "Fit the models flops, params, butter-e and wattnet to every stored run\n"
        "and cross-validate them, holding out whole sizes, shapes and datasets.\n"
        "The target is joules per training datum when at least 8 runs carry a\n"
        "real (not estimated, not flagged) energy measurement; otherwise it is\n"
        "seconds per training datum, and every output says it is time.\n\n"
        "  --db URL           SQLite file or postgresql:// URL\n"
        "  --out FILE         model file to write (JSON, temp then rename)\n"
        "  --hardware FILE    hardware profile JSON (default: the host the runs\n"
        "                     were recorded on, else this machine)\n"
        "  --target T         force energy or time\n"
        "  --max-epoch-spread R  time target: leave out runs whose two fastest\n"
        "                     epochs differ by more than factor R (a busy\n"
        "                     machine slowed them); they are counted\n"
        "  --keep-contended   time target: keep runs with no clean epoch (every\n"
        "                     epoch contended, docs/training.md); by default\n"
        "                     they are left out when enough clean runs remain\n"
        "  --json             print the model JSON instead of the table\n");
}

static void print_stats_row(const wn_model *m, size_t k)
{
    const wn_model_fit *mf = &m->models[k];
    const wn_cv_stats *c = &mf->cv[WN_CV_COMBINED];
    if (c->n == 0) {
        char why[256];
        printf("%-9s  (%s; in-sample std %.3f, not a validation)\n",
               mf->name, wn_model_cv_reason(m, k, why, sizeof why),
               mf->in_sample.std_log_ratio);
        return;
    }
    printf("%-9s %8.3f %7.3f %9.3f %8.1f%% %7.3f  ", mf->name,
           c->std_log_ratio, c->robust_std_log_ratio, c->median_log_ratio,
           100.0 * c->mape, c->r2);
    for (int g = 0; g < WN_CV_COMBINED; g++) {
        if (mf->cv[g].n)
            printf(" %7.3f", mf->cv[g].std_log_ratio);
        else
            printf(" %7s", "-");
    }
    printf("   %7.3f\n", mf->in_sample.std_log_ratio);
}

struct fit_args {
    const char *db, *outp, *hwpath, *target;
    double spread;
    int json, keep_contended;
};

/* Parse argv into a; returns -1 to go on, else the exit code. */
static int parse_args(int argc, char **argv, struct fit_args *a)
{
    static const struct option longopts[] = {
        {"db", required_argument, NULL, 'd'},
        {"out", required_argument, NULL, 'o'},
        {"hardware", required_argument, NULL, 'w'},
        {"target", required_argument, NULL, 't'},
        {"max-epoch-spread", required_argument, NULL, 's'},
        {"json", no_argument, NULL, 'j'},
        {"keep-contended", no_argument, NULL, 'k'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case 'd': a->db = optarg; break;
        case 'o': a->outp = optarg; break;
        case 'w': a->hwpath = optarg; break;
        case 't':
            if (strcmp(optarg, "energy") == 0)
                a->target = WN_TARGET_ENERGY;
            else if (strcmp(optarg, "time") == 0)
                a->target = WN_TARGET_TIME;
            else
                return cli_usage_error("fit", "--target '%s': want energy or "
                                       "time", optarg);
            break;
        case 's':
            if (cli_parse_double(optarg, &a->spread) || a->spread < 1.0)
                return cli_usage_error("fit", "--max-epoch-spread '%s': want "
                                       "a factor >= 1", optarg);
            break;
        case 'j': a->json = 1; break;
        case 'k': a->keep_contended = 1; break;
        case 'h': usage(stdout); return 0;
        default:
            return cli_usage_error("fit", "unknown or incomplete option '%s'",
                                   argv[optind - 1]);
        }
    }
    if (optind < argc)
        return cli_usage_error("fit", "unexpected argument '%s'", argv[optind]);
    if (a->db == NULL || a->outp == NULL)
        return cli_usage_error("fit", "--db and --out are required");
    return -1;
}

/* Runs the time target left out, kept or took from clean epochs only,
 * because of contention (docs/training.md). */
static void print_contention(const wn_model *m)
{
    if (m->n_contended_left_out)
        printf("        %zu contended run%s left out (no clean epoch: "
               "other work took their CPUs)\n", m->n_contended_left_out,
               m->n_contended_left_out == 1 ? "" : "s");
    if (m->n_contended_kept)
        printf("        %zu contended run%s KEPT although no epoch was clean "
               "(too few clean runs, or --keep-contended): their times are "
               "slowed by other work\n", m->n_contended_kept,
               m->n_contended_kept == 1 ? "" : "s");
    if (m->n_partly_contended)
        printf("        %zu run%s had contended epochs; their time comes "
               "from their clean epochs only\n", m->n_partly_contended,
               m->n_partly_contended == 1 ? "" : "s");
}

static void print_table(const wn_model *m, size_t n_stored,
                        const wn_hw_profile *hw, const char *hw_note,
                        const char *outp)
{
    int is_time = strcmp(m->target, WN_TARGET_TIME) == 0;
    printf("target: %s%s\n", m->target,
           is_time ? "  <-- TIME per training datum, NOT energy" : "");
    printf("        (%s)\n", m->target_note);
    printf("runs:   %zu fitted of %zu stored (%zu measured, %zu estimated, "
           "%zu time-only)\n", m->n_runs, n_stored, m->n_measured,
           m->n_estimated, m->n_time_only);
    if (m->n_simulated > 0)
        printf("        %zu of the measured runs are SIMULATED (source sim): "
               "no meter read them\n", m->n_simulated);
    if (m->max_epoch_spread > 0.0)
        printf("        %zu noisy runs left out (two fastest epochs more than "
               "%.3gx apart)\n", m->n_noisy, m->max_epoch_spread);
    print_contention(m);
    printf("hardware: %s (%s, %d cores", hw->name, hw->kind, hw->cores);
    for (int l = 0; l < hw->n_levels; l++) {
        char sz[32];
        printf(", %s %s x%d", hw->levels[l].name,
               cli_fmt_bytes((double)hw->levels[l].size_bytes, sz, sizeof sz),
               hw->levels[l].instances);
    }
    printf(")\n          profile: %s\n\nheld-out log(predicted/measured), "
           "groupings pooled; per grouping std; in-sample std\n", hw_note);
    printf("%-9s %8s %7s %9s %9s %7s   %7s %7s %7s   %7s\n", "model",
           "std", "IQR/1.35", "median", "MAPE", "R2(log)", "size", "shape",
           "dataset", "in-smp");
    for (size_t k = 0; k < m->n_models; k++)
        print_stats_row(m, k);
    int w = wn_model_find(m, "wattnet");
    if (w >= 0) {
        printf("\nwattnet coefficients (non-negative):\n");
        for (size_t j = 0; j < m->models[w].n_coefs; j++)
            printf("  %-22s %12.4g %s\n", m->models[w].coefs[j].name,
                   m->models[w].coefs[j].value, m->models[w].coefs[j].unit);
    }
    printf("\nwrote %s\n", outp);
}

int cmd_fit(int argc, char **argv)
{
    struct fit_args a = {0};
    int rc = parse_args(argc, argv, &a), st;
    if (rc >= 0)
        return rc;
    const wn_output_input in[] = {{a.db, "--db"}, {a.hwpath, "--hardware"}};
    if ((rc = cli_check_output("fit", a.outp, "--out", in, 2)) != 0)
        return rc;
    wn_run_record *runs = NULL;
    size_t n = 0;
    wn_model *m = NULL;
    wn_hw_profile hw;
    char hw_note[256];
    wn_fit_opts o;
    wn_fit_opts_default(&o);
    o.force_target = a.target;
    o.max_epoch_spread = a.spread;
    o.keep_contended = a.keep_contended;
    st = wn_analysis_load_runs(a.db, a.hwpath, &runs, &n, &hw, NULL, hw_note,
                               sizeof hw_note);
    if (st != WN_OK)
        goto fail;
    if ((m = wn_calloc(1, sizeof *m)) == NULL) {
        st = WN_ENOMEM;
        goto fail;
    }
    if ((st = wn_model_fit_runs(runs, n, &hw, &o, m)) != WN_OK ||
        (st = wn_model_save(m, a.outp)) != WN_OK)
        goto fail;
    if (!a.json) {
        print_table(m, n, &hw, hw_note, a.outp);
        if (strcmp(m->target, WN_TARGET_TIME))
            cli_energy_sources(runs, n);
        goto out;
    }
    char *s = wn_model_to_json(m);
    if (s == NULL) {
        st = WN_ENOMEM;
        goto fail;
    }
    puts(s);
    wn_free(s);
    goto out;
fail:
    rc = cli_fail("fit", st);
out:
    wn_free(m);
    wn_run_records_free(&runs, n);
    return rc;
}
