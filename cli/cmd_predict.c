/*
 * cmd_predict.c - `wattnet predict`: the energy (or, for a time model, the
 * time) of training one network, per training datum, per epoch and for the
 * whole training, from a model file written by `wattnet fit`, with an 80%
 * interval from the model's held-out residuals.  --hardware predicts for
 * another machine's cache sizes with the fitted coefficients.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include <wattnet/wattnet.h>
#include <wattnet/model.h>

#include "cli.h"

static void usage(FILE *f)
{
    fprintf(f,
        "usage: wattnet predict --model MODEL.json --data NAME --shape S --depth D\n"
        "                       --size P [--epochs E] [--batch B] [--threads T]\n"
        "                       [--hardware PROFILE.json] [--json]\n\n"
        "Predict the energy (joules) of training a network, or its time (seconds)\n"
        "when the model's target is time, per training datum, per epoch and for\n"
        "the whole training, by each model in the file (wattnet first).  The\n"
        "interval is 80%%: the 10th/90th percentiles of the model's held-out\n"
        "log(predicted/measured), the three cross-validation groupings pooled.\n\n"
        "  --model FILE      model file from 'wattnet fit'\n"
        "  --data NAME       study dataset name (dims from the study table),\n"
        "                    synthetic:NAME, or a data file\n"
        "  --shape S --depth D --size P   the network (SPEC section 3)\n"
        "  --epochs E        epochs (default 10)\n"
        "  --batch B         batch size (default 256)\n"
        "  --threads T       threads the training uses (default 1)\n"
        "  --hardware FILE   predict for this hardware profile instead of the\n"
        "                    model's own\n"
        "  --json            machine-readable output\n");
}

/* What the command line asks for. */
struct predict_args {
    const char *mpath, *hwpath, *data, *shape;
    unsigned long long depth, size, epochs, batch, threads;
    int json;
};

/* optarg as an integer >= 1 into *v: -1, or the usage error's code */
static int positive(const char *opt, unsigned long long *v)
{
    if (cli_parse_u64(optarg, v) || *v < 1)
        return cli_usage_error("predict", "--%s '%s': want an integer >= 1",
                               opt, optarg);
    return -1;
}

/* Parse argv into a; returns -1 to go on, else the exit code. */
static int parse_args(int argc, char **argv, struct predict_args *a)
{
    static const struct option longopts[] = {
        {"model", required_argument, NULL, 'm'},
        {"hardware", required_argument, NULL, 'w'},
        {"data", required_argument, NULL, 'D'},
        {"shape", required_argument, NULL, 's'},
        {"depth", required_argument, NULL, 'd'},
        {"size", required_argument, NULL, 'p'},
        {"epochs", required_argument, NULL, 'e'},
        {"batch", required_argument, NULL, 'b'},
        {"threads", required_argument, NULL, 't'},
        {"json", no_argument, NULL, 'j'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int c, st = -1;
    optind = 1;
    opterr = 0;
    while (st < 0 && (c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case 'm': a->mpath = optarg; break;
        case 'w': a->hwpath = optarg; break;
        case 'D': a->data = optarg; break;
        case 's': a->shape = optarg; break;
        case 'd':
            if (cli_parse_u64(optarg, &a->depth) || a->depth < 2 ||
                a->depth > WN_MAX_DEPTH)
                return cli_usage_error("predict", "--depth '%s': want 2..%d",
                                       optarg, WN_MAX_DEPTH);
            break;
        case 'p': st = positive("size", &a->size); break;
        case 'e': st = positive("epochs", &a->epochs); break;
        case 'b': st = positive("batch", &a->batch); break;
        case 't':
            if (cli_parse_u64(optarg, &a->threads) || a->threads < 1 ||
                a->threads > 4096)
                return cli_usage_error("predict", "--threads '%s': want "
                                       "1..4096", optarg);
            break;
        case 'j': a->json = 1; break;
        case 'h': usage(stdout); return 0;
        default:
            return cli_usage_error("predict", "unknown or incomplete option "
                                   "'%s'", argv[optind - 1]);
        }
    }
    if (st >= 0)
        return st;
    if (optind < argc)
        return cli_usage_error("predict", "unexpected argument '%s'",
                               argv[optind]);
    if (!a->mpath || !a->data || !a->shape || !a->depth || !a->size)
        return cli_usage_error("predict", "--model, --data, --shape, --depth "
                               "and --size are required");
    return -1;
}

/* The features of the network a asks for, trained as `wattnet train`
 * would (its split), on profile hw. */
static int network_features(const struct predict_args *a,
                            const wn_hw_profile *hw, double train_fraction,
                            size_t *widths, uint64_t *params, wn_features *f)
{
    size_t rows = 0, in = 0, out = 0;
    int st = wn_dataset_dims(a->data, NULL, &rows, &in, &out);
    if (st != WN_OK)
        return st;
    st = wn_shape_widths(in, out, a->shape, (size_t)a->depth, a->size,
                         widths, params);
    if (st != WN_OK)
        return st;
    size_t train_rows = wn_split_train_rows(rows, train_fraction);
    wn_net_desc net = {.inputs = in, .outputs = out,
                       .depth = (size_t)a->depth, .widths = widths,
                       .batch = (size_t)a->batch, .train_rows = train_rows,
                       .test_rows = rows - train_rows,
                       .threads = (int)a->threads};
    return wn_features_compute(&net, hw, f);
}

static cJSON *json_head(const struct predict_args *a, const wn_model *m,
                        const wn_hw_profile *hw, const size_t *widths,
                        uint64_t params, const wn_features *f)
{
    int is_time = strcmp(m->target, WN_TARGET_TIME) == 0;
    cJSON *root = cJSON_CreateObject(), *w = cJSON_CreateArray();
    for (size_t k = 0; k < (size_t)a->depth; k++)
        cJSON_AddItemToArray(w, cJSON_CreateNumber((double)widths[k]));
    cJSON_AddStringToObject(root, "target", m->target);
    cJSON_AddStringToObject(root, "quantity", is_time ? "time" : "energy");
    cJSON_AddStringToObject(root, "unit", is_time ? "s" : "J");
    cJSON_AddStringToObject(root, "hardware", hw->name);
    cJSON_AddStringToObject(root, "data", a->data);
    cJSON_AddStringToObject(root, "shape", a->shape);
    cJSON_AddNumberToObject(root, "depth", (double)a->depth);
    cJSON_AddNumberToObject(root, "size", (double)a->size);
    cJSON_AddItemToObject(root, "widths", w);
    cJSON_AddNumberToObject(root, "params", (double)params);
    cJSON_AddNumberToObject(root, "epochs", (double)a->epochs);
    cJSON_AddNumberToObject(root, "batch", (double)a->batch);
    cJSON_AddNumberToObject(root, "batches_per_epoch", f->batches_per_epoch);
    cJSON_AddNumberToObject(root, "flops_per_datum", f->flops_per_datum);
    cJSON_AddStringToObject(root, "interval",
        "80%: 10th/90th percentiles of held-out log(predicted/measured)");
    cJSON_AddArrayToObject(root, "predictions");
    return root;
}

static void text_head(const struct predict_args *a, const wn_model *m,
                      const wn_hw_profile *hw, const size_t *widths,
                      uint64_t params, const wn_features *f)
{
    int is_time = strcmp(m->target, WN_TARGET_TIME) == 0;
    printf("prediction of %s per training datum (%s)%s\n",
           is_time ? "TIME" : "ENERGY", m->target,
           is_time ? ": the model was fitted to times, not energy" : "");
    printf("network: %s %s depth %llu size %llu -> %llu params, widths [",
           a->data, a->shape, a->depth, a->size, (unsigned long long)params);
    for (size_t k = 0; k < (size_t)a->depth; k++)
        printf("%s%zu", k ? "," : "", widths[k]);
    printf("]\n         batch %llu, %.0f batches/epoch, %llu epochs, "
           "%.4g FLOP/datum; hardware %s%s\n", a->batch, f->batches_per_epoch,
           a->epochs, f->flops_per_datum, hw->name,
           a->hwpath ? " (from --hardware)" : "");
    printf("80%% interval: 10th/90th percentiles of held-out "
           "log(predicted/measured)\n\n");
    printf("%-9s %12s %12s %14s   %s\n", "model",
           is_time ? "s/datum" : "J/datum", is_time ? "s/epoch" : "J/epoch",
           is_time ? "s total" : "J total", "80% interval (total)");
}

/* One model's line (or JSON object under root's "predictions"). */
static int predict_one(const struct predict_args *a, const wn_model *m,
                       int k, const wn_features *f, cJSON *root)
{
    double y = 0, lo = 0, hi = 0;
    int st = wn_model_predict(m, k, f, &y, &lo, &hi);
    if (st != WN_OK)
        return st;
    double data_per_epoch = f->batches_per_epoch * (double)a->batch;
    double ep = y * data_per_epoch, tot = ep * (double)a->epochs;
    double f_tot = data_per_epoch * (double)a->epochs;
    char why[256];
    wn_model_cv_reason(m, (size_t)k, why, sizeof why);
    if (root == NULL && why[0]) {
        /* no held-out errors: no interval (never in-sample as held-out) */
        printf("%-9s %12.4g %12.4g %14.4g   no interval: %s\n",
               m->models[k].name, y, ep, tot, why);
        return WN_OK;
    }
    int useful = wn_model_interval_informative(m, (size_t)k);
    if (root == NULL && !useful) {
        printf("%-9s %12.4g %12.4g %14.4g   uninformative: %.3gx wide "
               "(held-out errors too large)\n", m->models[k].name, y, ep, tot,
               wn_model_interval_ratio(m, (size_t)k));
        return WN_OK;
    }
    if (root == NULL) {
        printf("%-9s %12.4g %12.4g %14.4g   [%.4g, %.4g] %s\n",
               m->models[k].name, y, ep, tot, lo * f_tot, hi * f_tot,
               strcmp(m->target, WN_TARGET_TIME) == 0 ? "s" : "J");
        return WN_OK;
    }
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "model", m->models[k].name);
    cJSON_AddNumberToObject(o, "per_datum", y);
    cJSON_AddNumberToObject(o, "per_epoch", ep);
    cJSON_AddNumberToObject(o, "total", tot);
    if (why[0]) {   /* null, with the reason: no held-out interval */
        cJSON_AddNullToObject(o, "total_lo");
        cJSON_AddNullToObject(o, "total_hi");
        cJSON_AddNullToObject(o, "cv_std_log_ratio");
        cJSON_AddStringToObject(o, "no_interval", why);
    } else {
        cJSON_AddNumberToObject(o, "total_lo", lo * f_tot);
        cJSON_AddNumberToObject(o, "total_hi", hi * f_tot);
        cJSON_AddNumberToObject(o, "cv_std_log_ratio",
                                m->models[k].cv[WN_CV_COMBINED].std_log_ratio);
        cJSON_AddBoolToObject(o, "interval_informative", useful);
    }
    cJSON_AddItemToArray(cJSON_GetObjectItem(root, "predictions"), o);
    return WN_OK;
}

int cmd_predict(int argc, char **argv)
{
    wn_train_config tc;
    wn_train_config_default(&tc);
    struct predict_args a = {.epochs = tc.epochs, .batch = tc.batch,
                             .threads = 1};
    int st = parse_args(argc, argv, &a);
    if (st >= 0)
        return st;
    wn_model m;
    if ((st = wn_model_load(a.mpath, &m)) != WN_OK)
        return cli_fail("predict", st);
    wn_hw_profile hw = m.hw;
    if (a.hwpath != NULL && (st = wn_hw_profile_load(a.hwpath, &hw)) != WN_OK)
        return cli_fail("predict", st);
    size_t widths[WN_MAX_DEPTH];
    uint64_t params = 0;
    wn_features f;
    st = network_features(&a, &hw, tc.train_fraction, widths, &params, &f);
    if (st != WN_OK)
        return cli_fail("predict", st);
    cJSON *root = NULL;
    if (a.json)
        root = json_head(&a, &m, &hw, widths, params, &f);
    else
        text_head(&a, &m, &hw, widths, params, &f);
    /* order: wattnet first, then the file's order */
    int wi = wn_model_find(&m, "wattnet");
    for (int q = -1; q < (int)m.n_models; q++) {
        int k = q < 0 ? wi : q;
        if (k < 0 || (q >= 0 && k == wi))
            continue;
        if ((st = predict_one(&a, &m, k, &f, root)) != WN_OK) {
            cJSON_Delete(root);
            return cli_fail("predict", st);
        }
    }
    if (!a.json)
        return 0;
    char *s = cJSON_Print(root);
    cJSON_Delete(root);
    if (s == NULL)
        return cli_fail("predict", WN_ENOMEM);
    puts(s);
    cJSON_free(s);
    return 0;
}
