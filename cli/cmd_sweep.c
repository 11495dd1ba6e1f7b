/*
 * cmd_sweep.c - `wattnet sweep`: enqueue a sweep (a preset or a JSON spec)
 * as jobs in a database's queue.  Workers (`wattnet worker`) run them.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <wattnet/wattnet.h>
#include <wattnet/sweep.h>

#include "cli.h"

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
        "  --preset NAME   quick | butter-e | cache-scan | advise\n"
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

int cmd_sweep(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"db", required_argument, NULL, 'd'},
        {"preset", required_argument, NULL, 'p'},
        {"spec", required_argument, NULL, 's'},
        {"repeat", required_argument, NULL, 'r'},
        {"shuffle", no_argument, NULL, 'S'},
        {"seed", required_argument, NULL, 'k'},
        {"name", required_argument, NULL, 'n'},
        {"dry-run", no_argument, NULL, 'D'},
        {"json", no_argument, NULL, 'j'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *db = NULL, *preset = NULL, *specf = NULL, *name = NULL;
    int json = 0, dry = 0, c, rc = 0, st;
    unsigned long long u;
    wn_sweep_opts so;
    wn_sweep_opts_default(&so);
    wn_sweep_spec *sp = NULL;
    wn_store *store = NULL;
    wn_sweep_plan plan;
    memset(&plan, 0, sizeof plan);

    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case 'd': db = optarg; break;
        case 'p': preset = optarg; break;
        case 's': specf = optarg; break;
        case 'r':
            if (cli_parse_u64(optarg, &u) || u < 1 || u > 1000000)
                return cli_usage_error("sweep", "--repeat '%s': need 1..1000000", optarg);
            so.repeat = (size_t)u;
            break;
        case 'S': so.shuffle = 1; break;
        case 'k':
            if (cli_parse_u64(optarg, &u))
                return cli_usage_error("sweep", "--seed '%s': not a number", optarg);
            so.seed = u;
            break;
        case 'n': name = optarg; break;
        case 'D': dry = 1; break;
        case 'j': json = 1; break;
        case 'h': usage(stdout); return 0;
        default:
            return cli_usage_error("sweep", "unknown or incomplete option '%s'",
                                   argv[optind - 1]);
        }
    }
    if (optind < argc)
        return cli_usage_error("sweep", "unexpected argument '%s'", argv[optind]);
    if (!db && !dry)
        return cli_usage_error("sweep", "--db URL is required");
    if ((preset != NULL) == (specf != NULL))
        return cli_usage_error("sweep", "give exactly one of --preset NAME or --spec FILE");
    if (preset)
        st = wn_sweep_preset(preset, NULL, &sp);
    else
        st = wn_sweep_spec_load(specf, &sp);
    if (st != WN_OK) {
        rc = cli_fail("sweep", st == WN_ENOENT && preset ? WN_EINVAL : st);
        goto out;
    }
    if (!name)
        name = preset ? preset : specf;
    st = wn_sweep_expand(sp, &so, &plan);
    if (st != WN_OK) {
        rc = cli_fail("sweep", st);
        goto out;
    }
    int64_t sweep_id = 0;
    if (!dry) {
        st = wn_store_open(db, &store);
        if (st == WN_OK) {
            wn_sweep_result res;
            st = wn_sweep_enqueue(store, name, sp, &so, &res);
            sweep_id = res.sweep_id;
        }
        if (st != WN_OK) {
            rc = cli_fail("sweep", st);
            goto out;
        }
    }
    if (json) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "name", name);
        if (dry)
            cJSON_AddNullToObject(o, "sweep_id");
        else
            cJSON_AddNumberToObject(o, "sweep_id", (double)sweep_id);
        cJSON_AddNumberToObject(o, "jobs", (double)plan.n_jobs);
        cJSON_AddNumberToObject(o, "combinations", (double)plan.combos);
        cJSON_AddNumberToObject(o, "skipped", (double)plan.skipped);
        cJSON_AddNumberToObject(o, "epochs", (double)sp->epochs);
        cJSON_AddBoolToObject(o, "dry_run", dry);
        char *s = cJSON_Print(o);
        if (s)
            printf("%s\n", s);
        cJSON_free(s);
        cJSON_Delete(o);
    } else {
        if (dry)
            printf("sweep '%s' (dry run): %zu jobs", name, plan.n_jobs);
        else
            printf("sweep %lld '%s': %zu jobs enqueued", (long long)sweep_id, name,
                   plan.n_jobs);
        printf(" (%zu combinations x %zu repetitions, %zu epochs each)\n",
               plan.combos - plan.skipped,
               plan.combos - plan.skipped ? plan.n_jobs / (plan.combos - plan.skipped) : 0,
               sp->epochs);
        if (plan.skipped)
            printf("skipped %zu of %zu combinations: size not reachable for the "
                   "shape and depth\n",
                   plan.skipped, plan.combos);
    }
out:
    wn_sweep_plan_clear(&plan);
    wn_sweep_spec_free(&sp);
    wn_store_close(&store);
    return rc;
}
