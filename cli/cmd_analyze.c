/*
 * cmd_analyze.c - `wattnet analyze`: the BUTTER-E study's pipeline on the
 * stored runs (imported or wattnet's own), with the study's published
 * numbers side by side (docs/study.md).
 */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <wattnet/wattnet.h>
#include <wattnet/study.h>

#include "cli.h"

static void usage(FILE *f)
{
    fprintf(f,
        "usage: wattnet analyze --db URL [--json] [--max-runtime S] [--sigma K]\n"
        "                       [--caches study|this]\n\n"
        "Apply the study's pipeline to the stored runs: cleaning (0 W or no\n"
        "samples; runtime over S = 75000 s; log runtime more than K = 4 standard\n"
        "deviations from its device, dataset and size group), idle\n"
        "standardisation per node type, the fixed overhead (5th percentile of\n"
        "small 505_tecator runs), depth-2 runs merged into rectangle, medians\n"
        "over repetitions; then the marginal costs next to the study's.  Runs\n"
        "without energy give time equivalents (seconds), and the output says so.\n"
        "--caches: match the steps in cost per datum to the study's caches\n"
        "(default) or to this host's CPU caches.\n");
}

static void stat_line(const char *what, const char *unit, const wn_study_stat *s,
                      double study)
{
    if (s->has)
        printf("  %-34s %11.3g %s  [%.3g, %.3g]  %5zu groups %7zu runs   study %.3g\n",
               what, s->value, unit, s->lo, s->hi, s->n_groups, s->n_runs, study);
    else
        printf("  %-34s %11s           (not enough runs)                   study %.3g\n",
               what, "-", study);
}

static void print_device(const wn_study_result *r, int g)
{
    const wn_study_device *d = &r->dev[g];
    const wn_study_reference *ref = wn_study_reference_get(g);
    const char *u = r->time_only ? "s" : "J";
    if (!d->present)
        return;
    printf("%s: %zu runs kept, %zu configurations\n", g ? "GPU" : "CPU",
           d->runs_kept, d->configs);
    for (size_t t = 0; t < d->n_types; t++)
        printf("  idle of node type %-18s %8.1f W (median of %zu nodes)%s\n",
               d->types[t].name, d->types[t].idle_w, d->types[t].n_nodes,
               strcmp(d->types[t].name, d->ref_type) ? "" : "  (reference)");
    if (d->has_overhead)
        printf("  overhead per run %15.6g %s, %.1f s (%zu runs)   study %.6g J, %.1f s\n",
               d->overhead_j, u, d->overhead_s, d->overhead_runs, ref->overhead_j,
               ref->overhead_s);
    else
        printf("  overhead: no small 505_tecator runs   study %.6g J, %.1f s\n",
               ref->overhead_j, ref->overhead_s);
    stat_line("per extra training row per epoch", u, &d->per_row_epoch,
              ref->per_row_epoch_j);
    stat_line("per parameter per datum (large)", u, &d->per_param_datum,
              ref->per_param_datum_j);
    stat_line("per extra layer per datum", u, &d->per_layer_datum,
              ref->per_layer_datum_j);
    for (size_t s = 0; s < d->n_steps; s++) {
        printf("  cost per datum steps up %.2fx at a working set of 2^%.0f bytes",
               d->steps[s].ratio, log2(d->steps[s].ws_bytes));
        if (d->steps[s].level)
            printf(" (L%d, %.4g KiB)", d->steps[s].level, d->steps[s].cache_bytes / 1024);
        printf("   study: a step at each cache level\n");
    }
}

int cmd_analyze(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"db", required_argument, NULL, 'd'},
        {"json", no_argument, NULL, 'j'},
        {"max-runtime", required_argument, NULL, 'r'},
        {"sigma", required_argument, NULL, 's'},
        {"caches", required_argument, NULL, 'c'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    wn_study_opts o;
    const char *db = NULL;
    int json = 0, c;
    wn_study_opts_default(&o);
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case 'd': db = optarg; break;
        case 'j': json = 1; break;
        case 'r':
            if (cli_parse_double(optarg, &o.max_runtime_s) != 0 || !(o.max_runtime_s > 0))
                return cli_usage_error("analyze", "--max-runtime '%s': seconds > 0",
                                       optarg);
            break;
        case 's':
            if (cli_parse_double(optarg, &o.outlier_sigma) != 0 || !(o.outlier_sigma > 0))
                return cli_usage_error("analyze", "--sigma '%s': a number > 0", optarg);
            break;
        case 'c':
            if (!strcmp(optarg, "this")) {
                wn_host h;
                memset(&h, 0, sizeof h);
                if (wn_host_detect(&h) != WN_OK)
                    return cli_fail("analyze", WN_EUNAVAILABLE);
                for (int l = 0; l < 3; l++)
                    o.cpu_cache_bytes[l] = 0;
                for (int k = 0; k < h.n_caches; k++)
                    if (h.caches[k].level >= 1 && h.caches[k].level <= 3)
                        o.cpu_cache_bytes[h.caches[k].level - 1] =
                            (double)h.caches[k].size_bytes;
            } else if (strcmp(optarg, "study")) {
                return cli_usage_error("analyze", "--caches '%s': study or this", optarg);
            }
            break;
        case 'h': usage(stdout); return 0;
        default:
            return cli_usage_error("analyze", "unknown or incomplete option '%s'",
                                   argv[optind - 1]);
        }
    }
    if (optind < argc)
        return cli_usage_error("analyze", "unexpected argument '%s'", argv[optind]);
    if (!db)
        return cli_usage_error("analyze", "--db URL is required");
    wn_store *s = NULL;
    wn_study_result r;
    memset(&r, 0, sizeof r);
    int st = wn_store_open(db, &s);
    if (st == WN_OK)
        st = wn_study_analyze_store(s, &o, &r);
    wn_store_close(&s);
    if (st != WN_OK)
        return cli_fail("analyze", st);
    if (json) {
        char *j = wn_study_result_json(&r);
        if (!j) {
            wn_study_result_clear(&r);
            return cli_fail("analyze", WN_ENOMEM);
        }
        printf("%s\n", j);
        wn_free(j);
    } else {
        if (r.time_only)
            printf("No run has energy: every value below is a time equivalent "
                   "(seconds, not joules).\n");
        printf("%zu runs; dropped: %zu (0 W or no samples), %zu (runtime over "
               "%.0f s), %zu (log runtime beyond %.1f sigma); %zu overhead-dataset "
               "runs left out; %zu depth-2 runs merged into rectangle; %zu kept in "
               "%zu configurations\n",
               r.runs_in, r.dropped_energy, r.dropped_runtime, o.max_runtime_s,
               r.dropped_outlier, o.outlier_sigma, r.overhead_dataset_runs,
               r.merged_depth2, r.runs_kept, r.configs);
        print_device(&r, 0);
        print_device(&r, 1);
        if (r.has_crossover)
            printf("CPU/GPU crossover near 2^%.0f parameters (%zu runs)   study "
                   "2^20-2^22\n", log2(r.crossover_params), r.crossover_runs);
        else if (r.dev[0].present && r.dev[1].present)
            printf("CPU/GPU crossover: none found   study 2^20-2^22\n");
    }
    wn_study_result_clear(&r);
    return 0;
}
