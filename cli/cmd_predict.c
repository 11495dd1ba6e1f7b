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

int cmd_predict(int argc, char **argv)
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
    const char *mpath = NULL, *hwpath = NULL, *data = NULL, *shape = NULL;
    wn_train_config tc;
    wn_train_config_default(&tc);
    unsigned long long depth = 0, size = 0, epochs = tc.epochs,
                       batch = tc.batch, threads = 1;
    int json = 0, c, st;

    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case 'm': mpath = optarg; break;
        case 'w': hwpath = optarg; break;
        case 'D': data = optarg; break;
        case 's': shape = optarg; break;
        case 'd':
            if (cli_parse_u64(optarg, &depth) || depth < 2 ||
                depth > WN_MAX_DEPTH)
                return cli_usage_error("predict", "--depth '%s': want 2..%d",
                                       optarg, WN_MAX_DEPTH);
            break;
        case 'p':
            if (cli_parse_u64(optarg, &size) || size < 1)
                return cli_usage_error("predict", "--size '%s': want an "
                                       "integer >= 1", optarg);
            break;
        case 'e':
            if (cli_parse_u64(optarg, &epochs) || epochs < 1)
                return cli_usage_error("predict", "--epochs '%s': want an "
                                       "integer >= 1", optarg);
            break;
        case 'b':
            if (cli_parse_u64(optarg, &batch) || batch < 1)
                return cli_usage_error("predict", "--batch '%s': want an "
                                       "integer >= 1", optarg);
            break;
        case 't':
            if (cli_parse_u64(optarg, &threads) || threads < 1 ||
                threads > 4096)
                return cli_usage_error("predict", "--threads '%s': want "
                                       "1..4096", optarg);
            break;
        case 'j': json = 1; break;
        case 'h': usage(stdout); return 0;
        default:
            return cli_usage_error("predict", "unknown or incomplete option "
                                   "'%s'", argv[optind - 1]);
        }
    }
    if (optind < argc)
        return cli_usage_error("predict", "unexpected argument '%s'",
                               argv[optind]);
    if (!mpath || !data || !shape || !depth || !size)
        return cli_usage_error("predict", "--model, --data, --shape, --depth "
                               "and --size are required");

    wn_model m;
    if ((st = wn_model_load(mpath, &m)) != WN_OK)
        return cli_fail("predict", st);
    wn_hw_profile hw = m.hw;
    if (hwpath != NULL && (st = wn_hw_profile_load(hwpath, &hw)) != WN_OK)
        return cli_fail("predict", st);
    size_t rows = 0, in = 0, out = 0;
    if ((st = wn_dataset_dims(data, NULL, &rows, &in, &out)) != WN_OK)
        return cli_fail("predict", st);
    size_t widths[WN_MAX_DEPTH];
    uint64_t params = 0;
    if ((st = wn_shape_widths(in, out, shape, (size_t)depth, size, widths,
                              &params)) != WN_OK)
        return cli_fail("predict", st);
    size_t train_rows = wn_split_train_rows(rows, tc.train_fraction);
    wn_net_desc net = {.inputs = in, .outputs = out, .depth = (size_t)depth,
                       .widths = widths, .batch = (size_t)batch,
                       .train_rows = train_rows,
                       .test_rows = rows - train_rows,
                       .threads = (int)threads};
    wn_features f;
    if ((st = wn_features_compute(&net, &hw, &f)) != WN_OK)
        return cli_fail("predict", st);

    int is_time = strcmp(m.target, WN_TARGET_TIME) == 0;
    const char *unit = is_time ? "s" : "J";
    double data_per_epoch = f.batches_per_epoch * (double)batch;
    /* order: wattnet first, then the file's order */
    int order[WN_MODEL_COUNT], no = 0;
    int wi = wn_model_find(&m, "wattnet");
    if (wi >= 0)
        order[no++] = wi;
    for (size_t k = 0; k < m.n_models; k++)
        if ((int)k != wi)
            order[no++] = (int)k;

    cJSON *root = json ? cJSON_CreateObject() : NULL, *arr = NULL;
    if (json) {
        cJSON *w = cJSON_CreateArray();
        for (size_t k = 0; k < (size_t)depth; k++)
            cJSON_AddItemToArray(w, cJSON_CreateNumber((double)widths[k]));
        cJSON_AddStringToObject(root, "target", m.target);
        cJSON_AddStringToObject(root, "quantity", is_time ? "time" : "energy");
        cJSON_AddStringToObject(root, "unit", unit);
        cJSON_AddStringToObject(root, "hardware", hw.name);
        cJSON_AddStringToObject(root, "data", data);
        cJSON_AddStringToObject(root, "shape", shape);
        cJSON_AddNumberToObject(root, "depth", (double)depth);
        cJSON_AddNumberToObject(root, "size", (double)size);
        cJSON_AddItemToObject(root, "widths", w);
        cJSON_AddNumberToObject(root, "params", (double)params);
        cJSON_AddNumberToObject(root, "epochs", (double)epochs);
        cJSON_AddNumberToObject(root, "batch", (double)batch);
        cJSON_AddNumberToObject(root, "batches_per_epoch", f.batches_per_epoch);
        cJSON_AddNumberToObject(root, "flops_per_datum", f.flops_per_datum);
        cJSON_AddStringToObject(root, "interval",
            "80%: 10th/90th percentiles of held-out log(predicted/measured)");
        arr = cJSON_AddArrayToObject(root, "predictions");
    } else {
        printf("prediction of %s per training datum (%s)%s\n",
               is_time ? "TIME" : "ENERGY", m.target,
               is_time ? ": the model was fitted to times, not energy" : "");
        printf("network: %s %s depth %llu size %llu -> %llu params, widths [",
               data, shape, depth, size, (unsigned long long)params);
        for (size_t k = 0; k < (size_t)depth; k++)
            printf("%s%zu", k ? "," : "", widths[k]);
        printf("]\n         batch %llu, %.0f batches/epoch, %llu epochs, "
               "%.4g FLOP/datum; hardware %s%s\n", batch, f.batches_per_epoch,
               epochs, f.flops_per_datum, hw.name,
               hwpath ? " (from --hardware)" : "");
        printf("80%% interval: 10th/90th percentiles of held-out "
               "log(predicted/measured)\n\n");
        printf("%-9s %12s %12s %14s   %s\n", "model",
               is_time ? "s/datum" : "J/datum",
               is_time ? "s/epoch" : "J/epoch",
               is_time ? "s total" : "J total", "80% interval (total)");
    }
    for (int q = 0; q < no; q++) {
        int k = order[q];
        double y = 0, lo = 0, hi = 0;
        if ((st = wn_model_predict(&m, k, &f, &y, &lo, &hi)) != WN_OK) {
            cJSON_Delete(root);
            return cli_fail("predict", st);
        }
        double ep = y * data_per_epoch, tot = ep * (double)epochs;
        double f_tot = data_per_epoch * (double)epochs;
        if (json) {
            cJSON *o = cJSON_CreateObject();
            cJSON_AddStringToObject(o, "model", m.models[k].name);
            cJSON_AddNumberToObject(o, "per_datum", y);
            cJSON_AddNumberToObject(o, "per_epoch", ep);
            cJSON_AddNumberToObject(o, "total", tot);
            cJSON_AddNumberToObject(o, "total_lo", lo * f_tot);
            cJSON_AddNumberToObject(o, "total_hi", hi * f_tot);
            cJSON_AddNumberToObject(o, "cv_std_log_ratio",
                                    m.models[k].cv[WN_CV_COMBINED].std_log_ratio);
            cJSON_AddItemToArray(arr, o);
        } else {
            printf("%-9s %12.4g %12.4g %14.4g   [%.4g, %.4g] %s\n",
                   m.models[k].name, y, ep, tot, lo * f_tot, hi * f_tot, unit);
        }
    }
    if (json) {
        char *s = cJSON_Print(root);
        cJSON_Delete(root);
        if (s == NULL)
            return cli_fail("predict", WN_ENOMEM);
        puts(s);
        cJSON_free(s);
    }
    return 0;
}
