/*
 * cmd_data.c - `wattnet data`: inspect a dataset, list the study datasets,
 * and export a dataset with its seeded split for a peer program.
 *
 *   wattnet data info SPEC [--json] [--data-dir D] [--target NAME]
 *   wattnet data export SPEC --out FILE [--seed K] [--data-dir D] ...
 *   wattnet data list [--json]
 *
 * SPEC is a path, "synthetic:NAME" or a study NAME (see wn_dataset_load).
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include <wattnet/data_origin.h>

#include "cli.h"

static const char usage_text[] =
    "usage: wattnet data info SPEC [--json] [--data-dir D] [--target NAME]\n"
    "       wattnet data export SPEC --out FILE [--seed K] [--data-dir D]\n"
    "                           [--target NAME] [--train-fraction F]\n"
    "       wattnet data list [--json]\n"
    "\n"
    "SPEC is a file (a path, or a name ending in .tsv, .tsv.gz or .csv),\n"
    "synthetic:NAME (the stand-in for study dataset NAME), or NAME: looked\n"
    "up as NAME.tsv.gz in --data-dir, then in $WATTNET_DATA; a study\n"
    "dataset that is not found is replaced by its synthetic stand-in (with\n"
    "a notice on stderr).\n"
    "\n"
    "  info     rows, inputs and outputs after preprocessing, task, source\n"
    "  export   the preprocessed data in the WNDATA01 binary format, rows in\n"
    "           split order: the training rows of the seeded split first\n"
    "           (docs/data.md); the same --seed as `wattnet train` gives the\n"
    "           same split\n"
    "  list     the 13 study datasets\n"
    "\n"
    "options:\n"
    "  --json               machine-readable output (info, list)\n"
    "  --data-dir D         look for NAME.tsv.gz in D first\n"
    "  --target NAME        label column (default: target)\n"
    "  --seed K             split seed (export), and the stand-in's seed\n"
    "                       unless --data-seed (default 1, like `wattnet\n"
    "                       train --seed`)\n"
    "  --data-seed S        seed of a synthetic stand-in (default: --seed)\n"
    "  --out FILE           export: the file to write\n"
    "  --train-fraction F   export: training fraction (default 0.8)\n"
    "  -h, --help           this text\n";

struct data_args {
    const char *spec;
    const char *out;
    int json;
    int data_seed_set;
    unsigned long long seed;
    double fraction;
    wn_data_opts opts;
};

static void print_notice(void *user, const char *line)
{
    (void)user;
    fprintf(stderr, "wattnet data: %s\n", line);
}

/* Parse the options after the subcommand; 0 ok, 1 help shown, 2 error. */
static int parse_args(int argc, char **argv, struct data_args *a)
{
    enum { OPT_TARGET = 't', OPT_DATA_SEED = 'S', OPT_OUT = 'o',
           OPT_FRACTION = 'f' };
    static const struct option longopts[] = {
        CLI_LONGOPTS_COMMON,
        {"data-dir", required_argument, NULL, CLI_OPT_DATA_DIR},
        {"target", required_argument, NULL, OPT_TARGET},
        {"data-seed", required_argument, NULL, OPT_DATA_SEED},
        {"out", required_argument, NULL, OPT_OUT},
        {"seed", required_argument, NULL, CLI_OPT_SEED},
        {"train-fraction", required_argument, NULL, OPT_FRACTION},
        {NULL, 0, NULL, 0},
    };
    unsigned long long u = 0;
    int c;

    memset(a, 0, sizeof(*a));
    a->seed = 1;
    a->fraction = 0.8;
    a->opts.notice = print_notice;
    cli_opts_reset();
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        int rc = 0;
        switch (c) {
        case CLI_OPT_DATA_DIR: a->opts.data_dir = optarg; break;
        case OPT_TARGET: a->opts.target = optarg; break;
        case OPT_OUT: a->out = optarg; break;
        case OPT_DATA_SEED:
            rc = cli_opt_uint("data", "data-seed", optarg, 0, CLI_NO_MAX, &u);
            a->opts.seed = u;
            a->data_seed_set = 1;
            break;
        case CLI_OPT_SEED:
            rc = cli_opt_uint("data", "seed", optarg, 0, CLI_NO_MAX, &a->seed);
            break;
        case OPT_FRACTION:
            rc = cli_opt_real("data", "train-fraction", optarg, 0, 1, &a->fraction);
            break;
        case CLI_OPT_HELP:
            fputs(usage_text, stdout);
            return 1;
        default:
            rc = cli_opt_common("data", c, argc, argv, NULL, &a->json);
            break;
        }
        if (rc)
            return rc;
    }
    /* like `wattnet train`, which passes its --seed to the loader */
    if (!a->data_seed_set)
        a->opts.seed = a->seed;
    if (optind < argc)
        a->spec = argv[optind++];
    if (optind < argc)
        return cli_usage_error("data", "unexpected argument '%s'",
                               argv[optind]);
    return 0;
}

/* ---- data info ------------------------------------------------------------ */

static int data_info(const struct data_args *a)
{
    wn_dataset *d = NULL;
    int rc = wn_dataset_load(a->spec, &a->opts, &d);
    if (rc)
        return cli_fail("data", rc);
    const char *source = wn_dataset_source(d) == WN_SOURCE_SYNTHETIC
                             ? "synthetic" : "file";
    if (a->json) {
        cJSON *o = cJSON_CreateObject();
        char *text = NULL;
        if (o) {
            cJSON_AddStringToObject(o, "name", wn_dataset_name(d));
            cJSON_AddNumberToObject(o, "rows", (double)wn_dataset_rows(d));
            cJSON_AddNumberToObject(o, "inputs", (double)wn_dataset_inputs(d));
            cJSON_AddNumberToObject(o, "outputs",
                                    (double)wn_dataset_outputs(d));
            cJSON_AddStringToObject(o, "task",
                                    wn_task_name(wn_dataset_task(d)));
            cJSON_AddStringToObject(o, "source", source);
            text = cJSON_PrintUnformatted(o);
        }
        cJSON_Delete(o);
        if (!text) {
            wn_dataset_free(&d);
            return cli_fail("data", wn_seterr(WN_ENOMEM, "JSON output"));
        }
        printf("%s\n", text);
        cJSON_free(text);
    } else {
        printf("%s: %zu rows, %zu inputs, %zu output%s, %s (%s)\n",
               wn_dataset_name(d), wn_dataset_rows(d), wn_dataset_inputs(d),
               wn_dataset_outputs(d), wn_dataset_outputs(d) == 1 ? "" : "s",
               wn_task_name(wn_dataset_task(d)), source);
    }
    wn_dataset_free(&d);
    return 0;
}

/* ---- data export ---------------------------------------------------------- */

static int data_export(const struct data_args *a)
{
    wn_dataset *d = NULL;
    wn_split split = {0};
    int rc;

    if (!a->out)
        return cli_usage_error("data", "export needs --out FILE");
    /* the file the spec resolves to (a path, or NAME in --data-dir) */
    wn_data_origin origin;
    int have = wn_data_resolve(a->spec, &a->opts, 0, &origin) == WN_OK;
    wn_clearerr();
    const wn_output_input in[] = {{a->spec, "the dataset"},
                                  {have ? origin.path : NULL, "the dataset"}};
    if ((rc = cli_check_output("data", a->out, "--out", in, 2)) != 0)
        return rc;
    rc = wn_dataset_load(a->spec, &a->opts, &d);
    if (!rc)
        rc = wn_split_make(d, a->fraction, a->seed, &split);
    if (!rc)
        rc = wn_dataset_export(d, &split, a->out);
    if (!rc)
        printf("%s: %zu rows (%zu train, %zu test), %zu inputs, %zu "
               "output%s, %s -> %s\n", wn_dataset_name(d), wn_dataset_rows(d),
               split.n_train, split.n_test, wn_dataset_inputs(d),
               wn_dataset_outputs(d), wn_dataset_outputs(d) == 1 ? "" : "s",
               wn_task_name(wn_dataset_task(d)),
               a->out);
    wn_split_free(&split);
    wn_dataset_free(&d);
    return rc ? cli_fail("data", rc) : 0;
}

/* ---- data list ------------------------------------------------------------ */

static int data_list(const struct data_args *a)
{
    size_t n = wn_study_dataset_count();
    if (!a->json) {
        printf("%-20s %7s %5s %6s %7s  %s\n", "name", "rows", "raw", "inputs",
               "outputs", "task");
        for (size_t i = 0; i < n; i++) {
            const wn_study_dataset *s = wn_study_dataset_at(i);
            printf("%-20s %7zu %5zu %6zu %7zu  %s\n", s->name, s->rows,
                   s->raw_features, s->inputs, s->outputs,
                   wn_task_name(s->task));
        }
        return 0;
    }
    cJSON *arr = cJSON_CreateArray();
    for (size_t i = 0; arr && i < n; i++) {
        const wn_study_dataset *s = wn_study_dataset_at(i);
        cJSON *o = cJSON_CreateObject();
        if (!o || !cJSON_AddItemToArray(arr, o)) {
            cJSON_Delete(o);
            cJSON_Delete(arr);
            arr = NULL;
            break;
        }
        cJSON_AddStringToObject(o, "name", s->name);
        cJSON_AddNumberToObject(o, "rows", (double)s->rows);
        cJSON_AddNumberToObject(o, "raw_features", (double)s->raw_features);
        cJSON_AddNumberToObject(o, "inputs", (double)s->inputs);
        cJSON_AddNumberToObject(o, "outputs", (double)s->outputs);
        cJSON_AddStringToObject(o, "task", wn_task_name(s->task));
    }
    char *text = arr ? cJSON_PrintUnformatted(arr) : NULL;
    cJSON_Delete(arr);
    if (!text)
        return cli_fail("data", wn_seterr(WN_ENOMEM, "JSON output"));
    printf("%s\n", text);
    cJSON_free(text);
    return 0;
}

int cmd_data(int argc, char **argv)
{
    struct data_args a;
    const char *sub = argc > 1 ? argv[1] : NULL;

    if (!sub) {
        fputs(usage_text, stderr);
        return 2;
    }
    if (!strcmp(sub, "-h") || !strcmp(sub, "--help") || !strcmp(sub, "help")) {
        fputs(usage_text, stdout);
        return 0;
    }
    int prc = parse_args(argc - 1, argv + 1, &a);
    if (prc == 1)
        return 0;
    if (prc)
        return prc;
    if (!strcmp(sub, "list") && a.spec)
        return cli_usage_error("data", "list takes no argument, got '%s'",
                               a.spec);
    if (!strcmp(sub, "list"))
        return data_list(&a);
    if (strcmp(sub, "info") && strcmp(sub, "export"))
        return cli_usage_error("data", "unknown subcommand '%s'", sub);
    if (!a.spec)
        return cli_usage_error("data", "%s needs a dataset SPEC", sub);
    return !strcmp(sub, "info") ? data_info(&a) : data_export(&a);
}
