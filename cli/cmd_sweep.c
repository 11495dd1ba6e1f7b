/*
 * cmd_sweep.c - `wattnet sweep`: enqueue a sweep (a preset or a JSON spec)
 * as jobs in a database's queue.  Workers (`wattnet worker`) run them.
 */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <wattnet/wattnet.h>
#include <wattnet/sweep.h>

#include "cli.h"

/* The butter-e preset: configurations at each width-search tolerance
 * (wattnet's 0.2, the study's 0.5, none; docs/study.md). */
static void tolerance_counts(const wn_sweep_spec *sp, cJSON *o)
{
    static const double tol[] = { WN_SHAPE_TOLERANCE, 0.5, INFINITY };
    static const char *const key[] = { "configs_tolerance_0_2",
                                       "configs_tolerance_0_5",
                                       "configs_no_rejection" };
    for (int i = 0; i < 3; i++) {
        size_t n = 0, distinct = 0;
        if (wn_sweep_count_configs(sp, tol[i], &n, &distinct) != WN_OK)
            return;
        if (o)
            cJSON_AddNumberToObject(o, key[i], (double)distinct);
        else
            printf("width tolerance %-4s %6zu configurations (%zu with depth 2 "
                   "once)%s\n", i == 0 ? "0.2" : i == 1 ? "0.5" : "none", n,
                   distinct, i == 0 ? ", used" : i == 1 ? ", the study's code" : "");
    }
}

static void usage(FILE *f)
{
    fprintf(f,
        "usage: wattnet sweep --db URL (--preset NAME | --spec FILE.json)\n"
        "                     [--repeat N] [--shuffle] [--seed K] [--name NAME]\n"
        "                     [--dry-run] [--json]\n\n"
        "Enqueue the cartesian product datasets x shapes x depths x sizes (x\n"
        "repetitions) as jobs.  Combinations whose size no network of the shape\n"
        "reaches are skipped and counted.\n\n"
        "  --db URL        SQLite file or postgresql:// URL (created if missing)\n"
        "  --preset NAME   quick | butter-e | cache-scan | advise |\n"
        "                  cache-scan-gpu\n"
        "  --spec FILE     JSON: {\"datasets\":[...],\"shapes\":[...],\"depths\":[...],\n"
        "                  \"sizes\":[...],\"epochs\":N,\"batch\":256,\n"
        "                  \"learning_rate\":1e-4,\"repetitions\":1}\n"
        "  --repeat N      repetitions (overrides the spec's)\n"
        "  --shuffle       claim jobs in a seeded random order\n"
        "  --seed K        training seed of repetition 0 (repetition r: K + r) and\n"
        "                  shuffle seed; default 1\n"
        "  --name NAME     sweep name (default: the preset name or the spec path)\n"
        "  --dry-run       print the counts, enqueue nothing\n"
        "  --json          print the result as JSON\n");
}

struct sweep_cli {
    const char *db, *preset, *specf, *name;
    int json, dry;
    wn_sweep_opts so;
};

static int sweep_opt(struct sweep_cli *a, int ch, const char *arg)
{
    unsigned long long u = 0;
    switch (ch) {
    case CLI_OPT_DB: a->db = arg; return 0;
    case 'p': a->preset = arg; return 0;
    case 's': a->specf = arg; return 0;
    case 'S': a->so.shuffle = 1; return 0;
    case 'n': a->name = arg; return 0;
    case 'D': a->dry = 1; return 0;
    case 'r':
        if (cli_opt_uint("sweep", "repeat", arg, 1, 1000000, &u))
            return 2;
        a->so.repeat = (size_t)u;
        return 0;
    case CLI_OPT_SEED:
        if (cli_opt_uint("sweep", "seed", arg, 0, CLI_NO_MAX, &u))
            return 2;
        a->so.seed = u;
        return 0;
    default:
        return CLI_NOT_MINE;
    }
}

static int parse_args(int argc, char **argv, struct sweep_cli *a)
{
    static const struct option longopts[] = {
        CLI_LONGOPTS_COMMON,
        CLI_LONGOPTS_DB,
        {"preset", required_argument, NULL, 'p'},
        {"spec", required_argument, NULL, 's'},
        {"repeat", required_argument, NULL, 'r'},
        {"shuffle", no_argument, NULL, 'S'},
        {"seed", required_argument, NULL, CLI_OPT_SEED},
        {"name", required_argument, NULL, 'n'},
        {"dry-run", no_argument, NULL, 'D'},
        {NULL, 0, NULL, 0},
    };
    int c, rc;
    cli_opts_reset();
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        rc = sweep_opt(a, c, optarg);
        if (rc == CLI_NOT_MINE)
            rc = cli_opt_common("sweep", c, argc, argv, usage, &a->json);
        if (rc)
            return rc;
    }
    if (cli_opt_rest("sweep", argc, argv))
        return 2;
    if (!a->db && !a->dry)
        return cli_usage_error("sweep", "--db URL is required");
    if ((a->preset != NULL) == (a->specf != NULL))
        return cli_usage_error("sweep", "give exactly one of --preset NAME or --spec FILE");
    if (!a->name)
        a->name = a->preset ? a->preset : a->specf;
    return 0;
}

static void print_result(const struct sweep_cli *a, const wn_sweep_spec *sp,
                         const wn_sweep_plan *plan, int64_t sweep_id)
{
    size_t combos = plan->combos - plan->skipped;
    if (a->json) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "name", a->name);
        if (a->dry)
            cJSON_AddNullToObject(o, "sweep_id");
        else
            cJSON_AddNumberToObject(o, "sweep_id", (double)sweep_id);
        cJSON_AddNumberToObject(o, "jobs", (double)plan->n_jobs);
        cJSON_AddNumberToObject(o, "combinations", (double)plan->combos);
        cJSON_AddNumberToObject(o, "skipped", (double)plan->skipped);
        cJSON_AddNumberToObject(o, "epochs", (double)sp->epochs);
        cJSON_AddBoolToObject(o, "dry_run", a->dry);
        if (a->preset && !strcmp(a->preset, "butter-e"))
            tolerance_counts(sp, o);
        char *s = cJSON_Print(o);
        if (s)
            printf("%s\n", s);
        cJSON_free(s);
        cJSON_Delete(o);
        return;
    }
    if (a->dry)
        printf("sweep '%s' (dry run): %zu jobs", a->name, plan->n_jobs);
    else
        printf("sweep %lld '%s': %zu jobs enqueued", (long long)sweep_id, a->name,
               plan->n_jobs);
    printf(" (%zu combinations x %zu repetitions, %zu epochs each)\n", combos,
           combos ? plan->n_jobs / combos : 0, sp->epochs);
    if (plan->skipped)
        printf("skipped %zu of %zu combinations: size not reachable for the "
               "shape and depth\n",
               plan->skipped, plan->combos);
    if (a->preset && !strcmp(a->preset, "butter-e"))
        tolerance_counts(sp, NULL);
}

int cmd_sweep(int argc, char **argv)
{
    struct sweep_cli a;
    wn_sweep_spec *sp = NULL;
    wn_store *store = NULL;
    wn_sweep_plan plan;
    int64_t sweep_id = 0;
    int rc = 0, st;
    memset(&a, 0, sizeof a);
    memset(&plan, 0, sizeof plan);
    wn_sweep_opts_default(&a.so);
    rc = parse_args(argc, argv, &a);
    if (rc)
        return rc == CLI_HELP ? 0 : rc;
    if (a.preset)
        st = wn_sweep_preset(a.preset, NULL, &sp);
    else
        st = wn_sweep_spec_load(a.specf, &sp);
    if (st == WN_ENOENT && a.preset)
        st = WN_EINVAL;   /* an unknown preset name is a usage error */
    if (st == WN_OK)
        st = wn_sweep_expand(sp, &a.so, &plan);
    if (st == WN_OK && !a.dry) {
        st = wn_store_open(a.db, &store);
        if (st == WN_OK) {
            wn_sweep_result res;
            st = wn_sweep_enqueue(store, a.name, sp, &a.so, &res);
            sweep_id = res.sweep_id;
        }
    }
    if (st == WN_OK)
        print_result(&a, sp, &plan, sweep_id);
    else
        rc = cli_fail("sweep", st);
    wn_sweep_plan_clear(&plan);
    wn_sweep_spec_free(&sp);
    wn_store_close(&store);
    return rc;
}
