/*
 * cmd_train.c - `wattnet train`: train one BUTTER network on a dataset and
 * report every epoch and a summary, as readable lines or (--json) as JSON
 * Lines for programs (the benchmark, the sweep worker):
 *
 *   {"type":"epoch","epoch":k,"train_loss":..,"test_loss":..,
 *    "test_accuracy":..|null,"seconds":..[,"test_mse":..,"test_mae":..]}
 *   {"type":"summary","dataset":..,"task":..,"shape":..,"depth":..,
 *    "size":..,"batch":..,"lr":..,"seed":..,"threads":..,"train_rows":..,
 *    "test_rows":..,"batches_per_epoch":..,"widths":[..],"params":..,
 *    "epochs":..,"seconds_total":..,"seconds_per_epoch_median":..,
 *    "train_loss":..,"test_loss":..,"test_accuracy":..|null,
 *    "flops_per_epoch":..[,"test_mse":..,"test_mae":..]}
 *
 * Each JSON object is built by one function (epoch_json, summary_json), so
 * further fields (energy per epoch and in total) are added in one place.
 * Data notices (e.g. a synthetic stand-in) go to stderr as one line.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "cli.h"

struct train_cli {
    const char *data, *data_dir, *target;
    wn_train_config cfg;
    int json;
    const wn_dataset *d;
};

static void usage(FILE *f)
{
    fprintf(f,
            "usage: wattnet train --data SPEC [--shape S] [--depth D] [--size P]\n"
            "                     [--epochs E] [--batch B] [--lr LR] [--seed K]\n"
            "                     [--threads T] [--data-dir DIR] [--target NAME] "
            "[--json]\n\n"
            "Train one BUTTER network (Adam, ReLU, float32, oneDNN) and print each "
            "epoch's\nlosses and time and a summary.\n\n"
            "  --data SPEC     a file (.tsv, .tsv.gz, .csv), a study dataset NAME,\n"
            "                  or synthetic:NAME\n"
            "  --shape S       rectangle (default), trapezoid, exponential,\n"
            "                  wide_first_Nx, rectangle_residual\n"
            "  --depth D       dense layers including the output (2..%d; default 3)\n"
            "  --size P        target parameter count (default 1024)\n"
            "  --epochs E      default 10\n"
            "  --batch B       default 256 (the last batch may be partial)\n"
            "  --lr LR         Adam learning rate, default 1e-4\n"
            "  --seed K        split, initial weights and shuffles; default 1\n"
            "  --threads T     compute threads; default 0 = all cores\n"
            "  --data-dir DIR  where to look for NAME.tsv.gz first\n"
            "  --target NAME   label column (default \"target\")\n"
            "  --json          JSON Lines: one object per epoch, then a summary\n",
            WN_MAX_DEPTH);
}

/* ---- Output objects ------------------------------------------------------ */

static cJSON *epoch_json(const wn_epoch_stats *s)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "type", "epoch");
    cJSON_AddNumberToObject(o, "epoch", (double)s->epoch);
    cJSON_AddNumberToObject(o, "train_loss", s->train_loss);
    cJSON_AddNumberToObject(o, "test_loss", s->test_loss);
    if (s->has_accuracy)
        cJSON_AddNumberToObject(o, "test_accuracy", s->test_accuracy);
    else {
        cJSON_AddNullToObject(o, "test_accuracy");
        cJSON_AddNumberToObject(o, "test_mse", s->test_mse);
        cJSON_AddNumberToObject(o, "test_mae", s->test_mae);
    }
    cJSON_AddNumberToObject(o, "seconds", s->seconds);
    return o;
}

static cJSON *summary_json(const struct train_cli *c, const wn_train_summary *s)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "type", "summary");
    cJSON_AddStringToObject(o, "dataset", wn_dataset_name(c->d));
    cJSON_AddStringToObject(o, "task", wn_task_name(wn_dataset_task(c->d)));
    cJSON_AddStringToObject(o, "shape", c->cfg.shape);
    cJSON_AddNumberToObject(o, "depth", (double)c->cfg.depth);
    cJSON_AddNumberToObject(o, "size", (double)c->cfg.size);
    cJSON_AddNumberToObject(o, "batch", (double)c->cfg.batch);
    cJSON_AddNumberToObject(o, "lr", c->cfg.learning_rate);
    cJSON_AddNumberToObject(o, "seed", (double)c->cfg.seed);
    cJSON_AddNumberToObject(o, "threads", s->threads);
    cJSON_AddNumberToObject(o, "train_rows", (double)s->train_rows);
    cJSON_AddNumberToObject(o, "test_rows", (double)s->test_rows);
    cJSON_AddNumberToObject(o, "batches_per_epoch", (double)s->batches_per_epoch);
    cJSON *w = cJSON_AddArrayToObject(o, "widths");
    for (size_t k = 0; k < s->depth; k++)
        cJSON_AddItemToArray(w, cJSON_CreateNumber((double)s->widths[k]));
    cJSON_AddNumberToObject(o, "params", (double)s->params);
    cJSON_AddNumberToObject(o, "epochs", (double)s->epochs);
    cJSON_AddNumberToObject(o, "seconds_total", s->seconds_total);
    cJSON_AddNumberToObject(o, "seconds_per_epoch_median", s->seconds_per_epoch_median);
    cJSON_AddNumberToObject(o, "train_loss", s->train_loss);
    cJSON_AddNumberToObject(o, "test_loss", s->test_loss);
    if (s->has_accuracy)
        cJSON_AddNumberToObject(o, "test_accuracy", s->test_accuracy);
    else {
        cJSON_AddNullToObject(o, "test_accuracy");
        cJSON_AddNumberToObject(o, "test_mse", s->test_mse);
        cJSON_AddNumberToObject(o, "test_mae", s->test_mae);
    }
    cJSON_AddNumberToObject(o, "flops_per_epoch", s->flops_per_epoch);
    return o;
}

/* Print one object as a line and free it; WN_ENOMEM if cJSON failed. */
static int emit(cJSON *o)
{
    char *s = o ? cJSON_PrintUnformatted(o) : NULL;
    cJSON_Delete(o);
    if (!s)
        return wn_seterr(WN_ENOMEM, "train: out of memory for JSON output");
    fputs(s, stdout);
    fputc('\n', stdout);
    fflush(stdout);
    cJSON_free(s);
    return WN_OK;
}

/* ---- Hooks and notices --------------------------------------------------- */

static void on_notice(void *user, const char *line)
{
    (void)user;
    fprintf(stderr, "wattnet train: %s\n", line);
}

static int on_epoch_end(void *user, const wn_epoch_stats *s)
{
    const struct train_cli *c = user;
    if (c->json)
        return emit(epoch_json(s));
    printf("epoch %zu/%zu  train_loss %.6f  test_loss %.6f", s->epoch, c->cfg.epochs,
           s->train_loss, s->test_loss);
    if (s->has_accuracy)
        printf("  test_accuracy %.4f", s->test_accuracy);
    else
        printf("  test_mse %.6f  test_mae %.6f", s->test_mse, s->test_mae);
    printf("  %.3f s\n", s->seconds);
    fflush(stdout);
    return WN_OK;
}

static void print_summary(const struct train_cli *c, const wn_train_summary *s)
{
    printf("%s %s depth %zu size %llu: widths", wn_dataset_name(c->d), c->cfg.shape,
           s->depth, (unsigned long long)c->cfg.size);
    for (size_t k = 0; k < s->depth; k++)
        printf("%s%zu", k ? "," : " ", s->widths[k]);
    printf(", %llu params; %zu train / %zu test rows; %zu epochs in %.3f s "
           "(median %.4f s/epoch, %d threads); test_loss %.6f",
           (unsigned long long)s->params, s->train_rows, s->test_rows, s->epochs,
           s->seconds_total, s->seconds_per_epoch_median, s->threads, s->test_loss);
    if (s->has_accuracy)
        printf(", test_accuracy %.4f", s->test_accuracy);
    else
        printf(", test_mse %.6f, test_mae %.6f", s->test_mse, s->test_mae);
    printf("; %.4g FLOPs/epoch\n", s->flops_per_epoch);
}

/* ---- Options -------------------------------------------------------------- */

static int parse_args(int argc, char **argv, struct train_cli *c)
{
    static const struct option longopts[] = {
        {"data", required_argument, NULL, 'D'},
        {"shape", required_argument, NULL, 's'},
        {"depth", required_argument, NULL, 'd'},
        {"size", required_argument, NULL, 'p'},
        {"epochs", required_argument, NULL, 'e'},
        {"batch", required_argument, NULL, 'b'},
        {"lr", required_argument, NULL, 'l'},
        {"seed", required_argument, NULL, 'k'},
        {"threads", required_argument, NULL, 't'},
        {"data-dir", required_argument, NULL, 'r'},
        {"target", required_argument, NULL, 'g'},
        {"json", no_argument, NULL, 'j'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    unsigned long long u = 0;
    double v = 0.0;
    int ch;

    optind = 1;
    opterr = 0;
    while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (ch) {
        case 'D':
            c->data = optarg;
            break;
        case 's':
            if (!wn_shape_valid(optarg))
                return cli_usage_error("train", "--shape '%s': unknown shape", optarg);
            c->cfg.shape = optarg;
            break;
        case 'd':
            if (cli_parse_u64(optarg, &u) || u < 2 || u > WN_MAX_DEPTH)
                return cli_usage_error("train", "--depth '%s': want an integer 2..%d",
                                       optarg, WN_MAX_DEPTH);
            c->cfg.depth = (size_t)u;
            break;
        case 'p':
            if (cli_parse_u64(optarg, &u) || u < 1)
                return cli_usage_error("train", "--size '%s': want an integer >= 1", optarg);
            c->cfg.size = (uint64_t)u;
            break;
        case 'e':
            if (cli_parse_u64(optarg, &u) || u < 1 || u > 100000000ULL)
                return cli_usage_error("train", "--epochs '%s': want an integer >= 1",
                                       optarg);
            c->cfg.epochs = (size_t)u;
            break;
        case 'b':
            if (cli_parse_u64(optarg, &u) || u < 1 || u > 1000000000ULL)
                return cli_usage_error("train", "--batch '%s': want an integer >= 1",
                                       optarg);
            c->cfg.batch = (size_t)u;
            break;
        case 'l':
            if (cli_parse_double(optarg, &v) || !(v > 0.0))
                return cli_usage_error("train", "--lr '%s': want a number > 0", optarg);
            c->cfg.learning_rate = v;
            break;
        case 'k':
            if (cli_parse_u64(optarg, &u))
                return cli_usage_error("train", "--seed '%s': want an integer >= 0",
                                       optarg);
            c->cfg.seed = (uint64_t)u;
            break;
        case 't':
            if (cli_parse_u64(optarg, &u) || u > 4096)
                return cli_usage_error("train", "--threads '%s': want an integer "
                                       "0..4096 (0: all cores)", optarg);
            c->cfg.threads = (int)u;
            break;
        case 'r':
            c->data_dir = optarg;
            break;
        case 'g':
            c->target = optarg;
            break;
        case 'j':
            c->json = 1;
            break;
        case 'h':
            usage(stdout);
            return -1;
        default:
            return cli_usage_error("train", "unknown or incomplete option '%s'",
                                   argv[optind - 1]);
        }
    }
    if (optind < argc)
        return cli_usage_error("train", "unexpected argument '%s'", argv[optind]);
    if (!c->data)
        return cli_usage_error("train", "--data SPEC is required");
    return 0;
}

/* ---- The command ----------------------------------------------------------- */

int cmd_train(int argc, char **argv)
{
    struct train_cli c;
    wn_dataset *d = NULL;
    wn_train_summary sum;
    int rc;

    memset(&c, 0, sizeof c);
    wn_train_config_default(&c.cfg);
    rc = parse_args(argc, argv, &c);
    if (rc != 0)
        return rc < 0 ? 0 : rc;

    wn_data_opts opts;
    memset(&opts, 0, sizeof opts);
    opts.data_dir = c.data_dir;
    opts.target = c.target;
    opts.seed = c.cfg.seed;
    opts.notice = on_notice;
    rc = wn_dataset_load(c.data, &opts, &d);
    if (rc != WN_OK)
        return cli_fail("train", rc);
    c.d = d;

    wn_train_hooks hooks = {NULL, on_epoch_end, &c};
    rc = wn_train(d, &c.cfg, &hooks, &sum);
    if (rc == WN_OK) {
        if (c.json)
            rc = emit(summary_json(&c, &sum));
        else
            print_summary(&c, &sum);
    }
    wn_dataset_free(&d);
    return rc == WN_OK ? 0 : cli_fail("train", rc);
}
