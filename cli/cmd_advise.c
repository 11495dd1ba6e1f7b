/*
 * cmd_advise.c - `wattnet advise`: from the stored per-epoch test losses
 * of a dataset's runs, which network reaches a target test loss (or
 * accuracy) for the least energy (or time) on this machine; the ranking,
 * the savings, the configurations that never reach it and, with --model,
 * predicted sizes around the best.  Ranking: lib/advise.
 */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <wattnet/wattnet.h>
#include <wattnet/advise.h>

#include "cli.h"

struct adv_args {
    const char *db, *data, *by, *model;
    wn_advise_opts o;
    int json;
};

struct adv_out {
    wn_advise_input in;
    wn_advise_result res;
    wn_advise_prediction *pred;
    size_t n_pred;
    const wn_run_record *template_run;
    char hw_note[256];
};

static void usage(FILE *f)
{
    fprintf(f,
        "usage: wattnet advise --db URL --data NAME\n"
        "                      [--target-loss L | --target-accuracy A]\n"
        "                      [--by energy|time] [--model M.json] [--json]\n\n"
        "Which network reaches a target test loss (or accuracy) on dataset NAME\n"
        "for the least energy (or time), from the per-epoch test losses stored\n"
        "in URL.  For each configuration (shape, depth, size) the first epoch\n"
        "reaching the target is interpolated between epochs, and its cost to\n"
        "the target is the cost per epoch times that many epochs.  Cost is\n"
        "measured energy when every configuration has some, else time (and it\n"
        "says so).  Without a target: the loss that half the configurations\n"
        "reach.  Configurations that never reach it are listed, not ranked.\n\n"
        "  --by energy|time   force the cost (energy falls back to time when\n"
        "                     a configuration has no measured energy)\n"
        "  --model M.json     also suggest sizes around the best (predicted\n"
        "                     cost per epoch with the model's interval)\n"
        "  --json             machine-readable output\n"
        "See docs/advise.md.\n");
}

static int parse_args(int argc, char **argv, struct adv_args *a)
{
    static const struct option longopts[] = {
        {"db", required_argument, NULL, 'd'},
        {"data", required_argument, NULL, 'D'},
        {"target-loss", required_argument, NULL, 'l'},
        {"target-accuracy", required_argument, NULL, 'a'},
        {"by", required_argument, NULL, 'b'},
        {"model", required_argument, NULL, 'm'},
        {"json", no_argument, NULL, 'j'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int c, targets = 0;
    memset(a, 0, sizeof *a);
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case 'd': a->db = optarg; break;
        case 'D': a->data = optarg; break;
        case 'b': a->by = optarg; break;
        case 'm': a->model = optarg; break;
        case 'j': a->json = 1; break;
        case 'l':
        case 'a':
            targets++;
            a->o.has_target = 1;
            a->o.metric = c == 'a' ? WN_ADVISE_ACCURACY : WN_ADVISE_LOSS;
            if (cli_parse_double(optarg, &a->o.target) || !isfinite(a->o.target))
                return cli_usage_error("advise", "--target-%s: '%s' is not a "
                                       "number", c == 'a' ? "accuracy" : "loss",
                                       optarg);
            if (c == 'a' && (a->o.target <= 0 || a->o.target > 1))
                return cli_usage_error("advise", "--target-accuracy '%s': want "
                                       "a fraction in (0, 1]", optarg);
            if (c == 'l' && a->o.target < 0)
                return cli_usage_error("advise", "--target-loss '%s': a loss "
                                       "is never negative", optarg);
            break;
        case 'h': usage(stdout); return -1;
        default:
            return cli_usage_error("advise", "unknown or incomplete option '%s'",
                                   argv[optind - 1]);
        }
    }
    if (optind < argc)
        return cli_usage_error("advise", "unexpected argument '%s'", argv[optind]);
    if (!a->db || !a->data)
        return cli_usage_error("advise", "--db URL and --data NAME are required");
    if (targets > 1)
        return cli_usage_error("advise", "give one of --target-loss and "
                               "--target-accuracy");
    if (a->by && strcmp(a->by, "energy") && strcmp(a->by, "time"))
        return cli_usage_error("advise", "--by must be energy or time, not '%s'",
                               a->by);
    return 0;
}

/* ---- computing -------------------------------------------------------------- */

static const wn_run_record *template_of(const wn_run_record *runs, size_t n,
                                        const wn_advise_config *c)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(runs[i].spec.train.shape, c->shape) && runs[i].spec.train.depth == c->depth &&
            runs[i].spec.train.size == c->size)
            return &runs[i];
    return NULL;
}

static int compute(const struct adv_args *a, const wn_run_record *runs, size_t n,
                   const wn_hw_profile *hw, struct adv_out *r)
{
    int st = wn_advise_from_runs(runs, n, a->data, a->by, a->o.metric, hw, &r->in);
    if (st == WN_OK)
        st = wn_advise_rank(r->in.configs, r->in.n, &a->o, &r->res);
    if (st != WN_OK || !a->model || r->res.n_reached == 0)
        return st;
    wn_model m;
    st = wn_model_load(a->model, &m);
    if (st != WN_OK)
        return st;
    r->template_run = template_of(runs, n, &r->in.configs[r->res.best]);
    return wn_advise_predict(&r->in, &r->res, r->template_run, &m, &r->pred,
                             &r->n_pred);
}

/* ---- text ------------------------------------------------------------------- */

static const char *unit_of(const struct adv_out *r)
{
    return strcmp(r->in.by, "energy") ? "s" : "J";
}

static void print_header(const struct adv_args *a, const struct adv_out *r)
{
    const char *what = a->o.metric == WN_ADVISE_ACCURACY ? "test accuracy >="
                                                         : "test loss <=";
    printf("dataset %s: %zu runs, %zu on the real file, %zu on the synthetic "
           "stand-in\n", a->data, r->in.n_runs, r->in.n_real_file,
           r->in.n_runs - r->in.n_real_file);
    if (r->in.data_note[0])
        printf("note: %s\n", r->in.data_note);
    printf("cost: %s [%s]%s%s\n", strcmp(r->in.by, "energy") ? "time" : "measured energy",
           unit_of(r), r->in.note[0] ? " - " : "", r->in.note);
    if (r->res.target_given)
        printf("target: %s %.6g\n", what, r->res.target);
    else
        printf("target: %s %.6g - no target given, so the value that half of the "
               "%zu configurations reach\n", what, r->res.target, r->in.n);
}

static void print_table(const struct adv_out *r)
{
    char ws[32];
    printf("\nrank  shape          depth       size     params  working set  "
           "epochs to target  cost/epoch [%s]  cost to target [%s]\n",
           unit_of(r), unit_of(r));
    for (size_t i = 0; i < r->res.n_reached; i++) {
        const wn_advise_entry *e = &r->res.entries[i];
        const wn_advise_config *c = &r->in.configs[e->config];
        snprintf(ws, sizeof ws, "%.3g MiB", c->working_set_bytes / 1048576.0);
        printf("%4zu  %-13s %6zu %10llu %10llu  %11s  %16.2f  %15.4g  %18.4g\n",
               e->rank, c->shape, c->depth, (unsigned long long)c->size,
               (unsigned long long)c->params, c->working_set_bytes > 0 ? ws : "-",
               e->epochs_to_target, c->cost_per_epoch, e->cost_to_target);
    }
    if (r->res.n_reached < r->res.n)
        printf("\nnever reached the target (not ranked):\n");
    for (size_t i = r->res.n_reached; i < r->res.n; i++) {
        const wn_advise_config *c = &r->in.configs[r->res.entries[i].config];
        printf("      %-13s %6zu %10llu %10llu  best %.6g in %zu epochs\n",
               c->shape, c->depth, (unsigned long long)c->size,
               (unsigned long long)c->params, r->res.entries[i].best_value,
               c->n_epochs);
    }
}

static void print_advice(const struct adv_out *r)
{
    const wn_advise_result *s = &r->res;
    if (s->n_reached == 0) {
        printf("\nno configuration reached the target: no recommendation\n");
        return;
    }
    const wn_advise_config *b = &r->in.configs[s->best];
    const wn_advise_config *sm = &r->in.configs[s->smallest];
    const char *u = unit_of(r);
    printf("\nrecommended: %s depth %zu size %llu (%llu parameters, working set "
           "%.3g MiB): %.4g %s to the target in %.2f epochs\n", b->shape, b->depth,
           (unsigned long long)b->size, (unsigned long long)b->params,
           b->working_set_bytes / 1048576.0, s->best_cost, u,
           s->entries[0].epochs_to_target);
    printf("saves %.0f%% against the median configuration (%.4g %s, %.2fx) and "
           "%.0f%% against the smallest network that reaches it (%s depth %zu, "
           "%llu parameters: %.4g %s, %.2fx)\n",
           100.0 * s->savings_vs_median, s->median_cost, u,
           s->median_cost / s->best_cost, 100.0 * s->savings_vs_smallest,
           sm->shape, sm->depth, (unsigned long long)sm->params,
           s->smallest_cost, u, s->smallest_cost / s->best_cost);
    int larger = s->larger_cheaper;
    printf("networks with more parameters cheaper to the target here: %s "
           "(the smallest reaching network by parameters costs %.2fx the "
           "best); the study: 10-1000x, the "
           "minimum at a working set of 2^22-2^25 bytes; here the minimum is at "
           "2^%.1f bytes\n", larger ? "yes" : "no",
           s->smallest_cost / s->best_cost,
           b->working_set_bytes > 0 ? log2(b->working_set_bytes) : NAN);
}

static void print_predictions(const struct adv_out *r)
{
    if (r->n_pred == 0)
        return;
    const wn_advise_config *b = &r->in.configs[r->res.best];
    printf("\npredicted (model; not measured) for %s depth %zu:\n", b->shape,
           b->depth);
    printf("      size     params  cost/epoch [%s] (80%% interval)   epochs "
           "(from size)  cost to target [%s] (interval)\n", unit_of(r), unit_of(r));
    for (size_t i = 0; i < r->n_pred; i++) {
        const wn_advise_prediction *p = &r->pred[i];
        if (isnan(p->lo)) {   /* the model has no held-out errors */
            printf("%10llu %10llu  %.4g (no interval)  %8.2f (%llu)  %.4g "
                   "(no interval: not cross-validated) predicted\n",
                   (unsigned long long)p->size, (unsigned long long)p->params,
                   p->cost_per_epoch, p->epochs_to_target,
                   (unsigned long long)p->epochs_from_size, p->cost_to_target);
            continue;
        }
        if (!p->interval_informative) {
            printf("%10llu %10llu  %.4g (interval uninformative: %.3gx wide)  "
                   "%8.2f (%llu)  %.4g (no useful interval) predicted\n",
                   (unsigned long long)p->size, (unsigned long long)p->params,
                   p->cost_per_epoch, p->interval_ratio, p->epochs_to_target,
                   (unsigned long long)p->epochs_from_size, p->cost_to_target);
            continue;
        }
        printf("%10llu %10llu  %.4g (%.4g-%.4g)  %8.2f (%llu)  %.4g (%.4g-%.4g) "
               "predicted\n", (unsigned long long)p->size,
               (unsigned long long)p->params, p->cost_per_epoch, p->lo, p->hi,
               p->epochs_to_target, (unsigned long long)p->epochs_from_size,
               p->cost_to_target, p->cost_lo, p->cost_hi);
    }
}

/* ---- JSON ------------------------------------------------------------------- */

static cJSON *config_json(const wn_advise_config *c, const wn_advise_entry *e)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "shape", c->shape);
    cJSON_AddNumberToObject(o, "depth", (double)c->depth);
    cJSON_AddNumberToObject(o, "size", (double)c->size);
    cJSON_AddNumberToObject(o, "params", (double)c->params);
    cJSON_AddNumberToObject(o, "working_set_bytes", c->working_set_bytes);
    cJSON_AddNumberToObject(o, "runs", (double)c->n_runs);
    cJSON_AddNumberToObject(o, "epochs", (double)c->n_epochs);
    cJSON_AddNumberToObject(o, "cost_per_epoch", c->cost_per_epoch);
    cJSON_AddNumberToObject(o, "best_value", e->best_value);
    if (e->reached) {
        cJSON_AddNumberToObject(o, "rank", (double)e->rank);
        cJSON_AddNumberToObject(o, "epochs_to_target", e->epochs_to_target);
        cJSON_AddNumberToObject(o, "cost_to_target", e->cost_to_target);
    }
    return o;
}

static void print_json(const struct adv_args *a, const struct adv_out *r)
{
    const wn_advise_result *s = &r->res;
    cJSON *o = cJSON_CreateObject(), *rk = NULL, *nv = NULL, *pr = NULL;
    cJSON_AddStringToObject(o, "dataset", a->data);
    cJSON_AddNumberToObject(o, "runs", (double)r->in.n_runs);
    cJSON_AddNumberToObject(o, "runs_real_file", (double)r->in.n_real_file);
    cJSON_AddStringToObject(o, "by", r->in.by);
    cJSON_AddStringToObject(o, "unit", unit_of(r));
    cJSON_AddStringToObject(o, "note", r->in.note);
    cJSON_AddStringToObject(o, "data_note", r->in.data_note);
    cJSON_AddStringToObject(o, "metric", s->metric == WN_ADVISE_ACCURACY
                                             ? "test_accuracy" : "test_loss");
    cJSON_AddNumberToObject(o, "target", s->target);
    cJSON_AddBoolToObject(o, "target_given", s->target_given);
    rk = cJSON_AddArrayToObject(o, "ranked");
    nv = cJSON_AddArrayToObject(o, "never_reached");
    for (size_t i = 0; i < s->n; i++)
        cJSON_AddItemToArray(i < s->n_reached ? rk : nv,
                             config_json(&r->in.configs[s->entries[i].config],
                                         &s->entries[i]));
    if (s->n_reached) {
        cJSON *rec = cJSON_AddObjectToObject(o, "recommendation");
        cJSON_AddItemToObject(rec, "network", config_json(&r->in.configs[s->best],
                                                          &s->entries[0]));
        cJSON_AddNumberToObject(rec, "cost_to_target", s->best_cost);
        cJSON_AddNumberToObject(rec, "median_cost", s->median_cost);
        cJSON_AddNumberToObject(rec, "savings_vs_median", s->savings_vs_median);
        cJSON_AddNumberToObject(rec, "smallest_reaching_params",
                                (double)r->in.configs[s->smallest].params);
        cJSON_AddNumberToObject(rec, "smallest_cost", s->smallest_cost);
        cJSON_AddNumberToObject(rec, "savings_vs_smallest", s->savings_vs_smallest);
        cJSON_AddBoolToObject(rec, "larger_networks_cheaper", s->larger_cheaper);
    }
    pr = cJSON_AddArrayToObject(o, "predicted");
    for (size_t i = 0; i < r->n_pred; i++) {
        const wn_advise_prediction *p = &r->pred[i];
        cJSON *q = cJSON_CreateObject();
        cJSON_AddNumberToObject(q, "size", (double)p->size);
        cJSON_AddNumberToObject(q, "params", (double)p->params);
        cJSON_AddNumberToObject(q, "working_set_bytes", p->working_set_bytes);
        cJSON_AddNumberToObject(q, "cost_per_epoch", p->cost_per_epoch);
        cJSON_AddNumberToObject(q, "cost_per_epoch_lo", p->lo);
        cJSON_AddNumberToObject(q, "cost_per_epoch_hi", p->hi);
        cJSON_AddNumberToObject(q, "epochs_to_target", p->epochs_to_target);
        cJSON_AddNumberToObject(q, "epochs_from_size", (double)p->epochs_from_size);
        cJSON_AddNumberToObject(q, "cost_to_target", p->cost_to_target);
        cJSON_AddNumberToObject(q, "cost_to_target_lo", p->cost_lo);
        cJSON_AddNumberToObject(q, "cost_to_target_hi", p->cost_hi);
        cJSON_AddBoolToObject(q, "interval_informative", p->interval_informative);
        cJSON_AddItemToArray(pr, q);
    }
    char *txt = cJSON_Print(o);
    if (txt)
        printf("%s\n", txt);
    cJSON_free(txt);
    cJSON_Delete(o);
}

int cmd_advise(int argc, char **argv)
{
    struct adv_args a;
    struct adv_out r;
    wn_store *s = NULL;
    wn_run_record *runs = NULL;
    wn_hw_profile hw;
    size_t n = 0;
    int u = parse_args(argc, argv, &a);
    if (u)
        return u < 0 ? 0 : u;
    memset(&r, 0, sizeof r);
    int st = wn_store_open_existing(a.db, &s);
    if (st == WN_OK)
        st = wn_hw_profile_for_runs(s, NULL, &hw, NULL, r.hw_note, sizeof r.hw_note);
    if (st == WN_OK)
        st = wn_store_load_runs(s, &runs, &n);
    wn_store_close(&s);
    if (st == WN_OK)
        st = compute(&a, runs, n, &hw, &r);
    if (st == WN_OK && a.json) {
        print_json(&a, &r);
    } else if (st == WN_OK) {
        print_header(&a, &r);
        print_table(&r);
        print_advice(&r);
        print_predictions(&r);
    }
    int code = st == WN_OK ? 0 : cli_fail("advise", st);
    wn_free(r.pred);
    wn_advise_result_clear(&r.res);
    wn_advise_input_clear(&r.in);
    wn_run_records_free(&runs, n);
    return code;
}
