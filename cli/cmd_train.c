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
 *    "flops_per_epoch":..[,"test_mse":..,"test_mae":..],
 *    "epochs_requested":..,"extended":bool,"min_seconds":..
 *    [,"pue":..,"facility_energy_j":..|null]
 *    [,"carbon_intensity_g_per_kwh":..,"co2e_g":..|null]}
 *
 * Energy: the run goes through wn_run_execute with a meter (auto: every
 * working measuring source, else the labelled estimate, with a warning), so
 * each epoch object and the summary carry "energy_j", "dynamic_energy_j",
 * "avg_power_w", "energy_source", "energy_estimate" and "energy_domains",
 * and the summary "joules_per_datum" (null unless measured).  With
 * --power-log FILE --node NAME the run's energy comes from a watt-meter log
 * instead (per epoch: null).  An unusable window prints energy_j null and
 * "energy_flag", never 0 J.
 * Each JSON object is built by one function (epoch_json, summary_json).
 * Data notices (e.g. a synthetic stand-in) go to stderr as one line.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "cli.h"

struct train_cli {
    const char *data, *data_dir, *target;
    wn_run_spec spec;           /* the dataset is set after parsing */
    int json;
    const char *meter_source;   /* NULL: auto; "none": no meter */
    unsigned interval_ms;       /* 0: the meter's default */
    double cpu_watts;           /* 0: the estimate's table */
    const char *power_log, *node;
    cli_carbon carbon;          /* --pue, --carbon-intensity */
};

static void usage(FILE *f)
{
    fprintf(f,
            "usage: wattnet train --data SPEC [--shape S] [--depth D] [--size P]\n"
            "                     [--epochs E] [--batch B] [--lr LR] [--seed K]\n"
            "                     [--threads T] [--device DEV] [--data-dir DIR]\n"
            "                     [--target NAME] [--meter SOURCE] [--interval MS]\n"
            "                     [--cpu-watts W] [--power-log FILE --node NAME]\n"
            "                     [--json]\n\n"
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
            "  --device DEV    cpu (default), cuda or cuda:N (the GPU engine;\n"
            "                  fails with one line when there is no usable GPU)\n"
            "  --data-dir DIR  where to look for NAME.tsv.gz first\n"
            "  --target NAME   label column (default \"target\")\n"
            "  --meter SOURCE  auto (default), rapl, perf, nvml, ipmi, redfish,\n"
            "                  estimate, or none\n"
            "  --interval MS   meter sampling period (default 100)\n"
            "  --cpu-watts W   per-core watts for the estimate (only used when\n"
            "                  nothing measures; always labelled an estimate)\n"
            "  --power-log FILE --node NAME\n"
            "                  take the run's energy from a watt-meter log\n"
            "                  (CSV timestamp,node,watts) instead of a meter\n"
            "  --min-seconds S keep training whole epochs past --epochs until S\n"
            "                  seconds have passed, so the window spans enough of\n"
            "                  the meter's update interval (default: 0 on the CPU,\n"
            "                  10 updates of a slow meter (NVML, IPMI, Redfish);\n"
            "                  2 s on a metered GPU); the summary says how many\n"
            "                  epochs ran and whether it extended\n"
            CLI_CARBON_HELP
            "  --json          JSON Lines: one object per epoch, then a summary\n",
            WN_MAX_DEPTH);
}

/* ---- Output objects ------------------------------------------------------ */

/* The window's energy in the one JSON form (wn_energy_to_json): unusable
 * windows say why, never 0 J; an estimate's joules only as estimated_j. */
static void add_energy(cJSON *o, const wn_energy *e)
{
    cJSON *j = wn_energy_to_json(e);
    if (j)
        cJSON_AddItemToObject(o, "energy", j);
}

/* Losses, and accuracy (classification) or MSE/MAE (regression). */
static void add_quality(cJSON *o, double train_loss, double test_loss, int has_accuracy,
                        double accuracy, double mse, double mae)
{
    cJSON_AddNumberToObject(o, "train_loss", train_loss);
    cJSON_AddNumberToObject(o, "test_loss", test_loss);
    if (has_accuracy) {
        cJSON_AddNumberToObject(o, "test_accuracy", accuracy);
        return;
    }
    cJSON_AddNullToObject(o, "test_accuracy");
    cJSON_AddNumberToObject(o, "test_mse", mse);
    cJSON_AddNumberToObject(o, "test_mae", mae);
}

/* The epoch's contention evidence and verdict (null when not measured). */
static void add_contention(cJSON *o, const wn_epoch_stats *s, int threads)
{
    char why[48];
    unsigned v = wn_epoch_contention(s, threads);
    if (s->has_cpu) {
        cJSON_AddNumberToObject(o, "cpu_seconds", s->cpu_seconds);
        cJSON_AddNumberToObject(o, "invol_switches", (double)s->invol_switches);
    } else {
        cJSON_AddNullToObject(o, "cpu_seconds");
        cJSON_AddNullToObject(o, "invol_switches");
    }
    if (s->has_steal)
        cJSON_AddNumberToObject(o, "steal_fraction", s->steal_fraction);
    else
        cJSON_AddNullToObject(o, "steal_fraction");
    if (v == WN_CONTENDED_UNKNOWN)
        cJSON_AddNullToObject(o, "contended");
    else
        cJSON_AddBoolToObject(o, "contended", v != 0);
    cJSON_AddStringToObject(o, "contention", wn_contention_reasons(v, why, sizeof why));
}

static cJSON *epoch_json(const wn_epoch_record *r, int threads)
{
    const wn_epoch_stats *s = &r->stats;
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "type", "epoch");
    cJSON_AddNumberToObject(o, "epoch", (double)s->epoch);
    add_quality(o, s->train_loss, s->test_loss, s->has_accuracy, s->test_accuracy,
                s->test_mse, s->test_mae);
    cJSON_AddNumberToObject(o, "seconds", s->seconds);
    add_contention(o, s, threads);
    add_energy(o, &r->energy);
    return o;
}

static cJSON *summary_json(const struct train_cli *c, const wn_run_record *r)
{
    const wn_train_summary *s = &r->summary;
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "type", "summary");
    cJSON_AddStringToObject(o, "dataset", r->dataset_name);
    cJSON_AddStringToObject(o, "data_source", r->data_source);
    cJSON_AddStringToObject(o, "task", r->task);
    cJSON_AddStringToObject(o, "shape", c->spec.train.shape);
    cJSON_AddNumberToObject(o, "depth", (double)c->spec.train.depth);
    cJSON_AddNumberToObject(o, "size", (double)c->spec.train.size);
    cJSON_AddNumberToObject(o, "batch", (double)c->spec.train.batch);
    cJSON_AddNumberToObject(o, "lr", c->spec.train.learning_rate);
    cJSON_AddNumberToObject(o, "seed", (double)c->spec.train.seed);
    cJSON_AddNumberToObject(o, "threads", s->threads);
    cJSON_AddStringToObject(o, "device", s->device[0] ? s->device : "cpu");
    if (s->device_name[0]) {
        cJSON_AddStringToObject(o, "device_name", s->device_name);
        cJSON_AddStringToObject(o, "device_driver", s->device_driver);
    }
    cJSON_AddNumberToObject(o, "train_rows", (double)s->train_rows);
    cJSON_AddNumberToObject(o, "test_rows", (double)s->test_rows);
    cJSON_AddNumberToObject(o, "batches_per_epoch", (double)s->batches_per_epoch);
    cJSON *w = cJSON_AddArrayToObject(o, "widths");
    for (size_t k = 0; k < s->depth; k++)
        cJSON_AddItemToArray(w, cJSON_CreateNumber((double)s->widths[k]));
    cJSON_AddNumberToObject(o, "params", (double)s->params);
    cJSON_AddNumberToObject(o, "epochs", (double)s->epochs);
    cJSON_AddNumberToObject(o, "epochs_requested", (double)s->epochs_requested);
    cJSON_AddBoolToObject(o, "extended", s->extended);
    cJSON_AddNumberToObject(o, "min_seconds", r->spec.train.min_seconds);
    cJSON_AddNumberToObject(o, "seconds_total", s->seconds_total);
    cJSON_AddNumberToObject(o, "seconds_per_epoch_median", s->seconds_per_epoch_median);
    add_quality(o, s->train_loss, s->test_loss, s->has_accuracy, s->test_accuracy,
                s->test_mse, s->test_mae);
    cJSON_AddNumberToObject(o, "flops_per_epoch", s->flops_per_epoch);
    if (s->has_contention)
        cJSON_AddNumberToObject(o, "epochs_contended", (double)s->epochs_contended);
    else
        cJSON_AddNullToObject(o, "epochs_contended");
    add_energy(o, &r->energy);
    if (r->has_jpd)
        cJSON_AddNumberToObject(o, "joules_per_datum", r->joules_per_datum);
    else
        cJSON_AddNullToObject(o, "joules_per_datum");
    cli_carbon_json(o, &c->carbon, &r->energy);
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

/* " 12.3 J (rapl)" or " energy n/a (why)" for the readable lines. */
static void print_energy(const wn_energy *e)
{
    if (e->measured)
        printf("  %.4g J%s (%s)", e->energy_j,
               wn_energy_is_estimate(e) ? " ESTIMATE"
               : wn_energy_is_simulated(e) ? " SIMULATED" : "",
               e->source);
    else if (e->flag[0])
        printf("  energy n/a (%s)", e->flag);
}

static void on_epoch(void *user, const wn_run_record *run, const wn_epoch_record *r)
{
    const struct train_cli *c = user;
    const wn_epoch_stats *s = &r->stats;
    int threads = c->spec.train.threads > 0 ? c->spec.train.threads : wn_cpus_usable();
    (void)run;
    if (c->json) {
        emit(epoch_json(r, threads));
        return;
    }
    printf("epoch %zu/%zu%s  train_loss %.6f  test_loss %.6f", s->epoch, c->spec.train.epochs,
           s->epoch > c->spec.train.epochs ? " (extended)" : "", s->train_loss, s->test_loss);
    if (s->has_accuracy)
        printf("  test_accuracy %.4f", s->test_accuracy);
    else
        printf("  test_mse %.6f  test_mae %.6f", s->test_mse, s->test_mae);
    printf("  %.3f s", s->seconds);
    if (s->has_cpu && s->seconds > 0.0)
        printf("  cpu %.2fx", s->cpu_seconds / s->seconds);
    if (wn_epoch_contended(s, threads)) {
        char why[48];
        printf("  CONTENDED (%s)", wn_contention_reasons(
                   wn_epoch_contention(s, threads), why, sizeof why));
    }
    print_energy(&r->energy);
    printf("\n");
    fflush(stdout);
}

static void print_summary(const struct train_cli *c, const wn_run_record *r)
{
    const wn_train_summary *s = &r->summary;
    printf("%s %s depth %zu size %llu: widths", r->dataset_name, c->spec.train.shape,
           s->depth, (unsigned long long)c->spec.train.size);
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
    printf("; %.4g FLOPs/epoch", s->flops_per_epoch);
    if (s->has_contention && s->epochs_contended)
        printf("; %zu of %zu epochs CONTENDED", s->epochs_contended, s->epochs);
    if (s->device_name[0])
        printf("; on %s (%s, driver %s)", s->device, s->device_name, s->device_driver);
    print_energy(&r->energy);
    if (r->has_jpd)
        printf(", %.4g J/datum", r->joules_per_datum);
    printf("\n");
    if (s->extended)
        printf("  extended: %zu epochs run for the %zu asked, to reach "
               "min_seconds %.3g s\n", s->epochs, s->epochs_requested,
               r->spec.train.min_seconds);
    cli_carbon_print(stdout, "  ", &c->carbon, &r->energy);
}

/* ---- Options -------------------------------------------------------------- */

/* This command's own options (the training ones are cli_train_opt's). */
static int train_opt(struct train_cli *c, int ch, const char *arg)
{
    unsigned long long u = 0;
    switch (ch) {
    case 'D': c->data = arg; return 0;
    case 'G':
        if (!wn_train_device_valid(arg) ||
            strlen(arg) >= sizeof c->spec.train.device)
            return cli_usage_error("train", "--device '%s': want cpu, cuda or "
                                   "cuda:N", arg);
        snprintf(c->spec.train.device, sizeof c->spec.train.device, "%s", arg);
        return 0;
    case 'r': c->data_dir = arg; return 0;
    case 'g': c->target = arg; return 0;
    case 'm': c->meter_source = arg; return 0;
    case 'P': c->power_log = arg; return 0;
    case 'n': c->node = arg; return 0;
    case 'i':
        if (cli_opt_uint("train", "interval", arg, 1, 3600000, &u))
            return 2;
        c->interval_ms = (unsigned)u;
        return 0;
    case 'w':
        return cli_opt_real("train", "cpu-watts", arg, 0.0, CLI_NO_MAX_REAL,
                            &c->cpu_watts);
    case CLI_OPT_MIN_SECONDS:
        c->spec.min_seconds_given = 1;
        return cli_opt_real("train", "min-seconds", arg, 0.0, 604800.0,
                            &c->spec.train.min_seconds);
    default:
        return cli_carbon_opt("train", ch, arg, &c->carbon);
    }
}

static int parse_args(int argc, char **argv, struct train_cli *c)
{
    static const struct option longopts[] = {
        CLI_LONGOPTS_COMMON,
        CLI_LONGOPTS_TRAIN,
        {"data", required_argument, NULL, 'D'},
        {"device", required_argument, NULL, 'G'},
        {"data-dir", required_argument, NULL, 'r'},
        {"target", required_argument, NULL, 'g'},
        {"meter", required_argument, NULL, 'm'},
        {"interval", required_argument, NULL, 'i'},
        {"cpu-watts", required_argument, NULL, 'w'},
        {"power-log", required_argument, NULL, 'P'},
        {"node", required_argument, NULL, 'n'},
        {"min-seconds", required_argument, NULL, CLI_OPT_MIN_SECONDS},
        CLI_LONGOPTS_CARBON,
        {NULL, 0, NULL, 0},
    };
    int ch;

    cli_opts_reset();
    while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        int rc = cli_train_opt("train", ch, optarg, &c->spec.train);
        if (rc == CLI_NOT_MINE)
            rc = train_opt(c, ch, optarg);
        if (rc == CLI_NOT_MINE)
            rc = cli_opt_common("train", ch, argc, argv, usage, &c->json);
        if (rc)
            return rc;
    }
    if (cli_opt_rest("train", argc, argv))
        return 2;
    if (!c->data)
        return cli_usage_error("train", "--data SPEC is required");
    if (!c->power_log != !c->node)
        return cli_usage_error("train", "--power-log FILE and --node NAME go together");
    return 0;
}

/* ---- The command ----------------------------------------------------------- */

/* Open the meter the options ask for; *m stays NULL for "none" or a
 * power log. */
static int open_meter(const struct train_cli *c, wn_meter **m)
{
    if (c->power_log || (c->meter_source && !strcmp(c->meter_source, "none")))
        return WN_OK;
    wn_meter_opts mo;
    char gpu[64];
    wn_meter_opts_default(&mo);
    mo.source = c->meter_source;
    /* A GPU run: NVML on its GPU alone (device_meter.c). */
    int rc = wn_run_meter_opts(c->spec.train.device, &mo, gpu, sizeof gpu);
    if (rc != WN_OK)
        return rc;
    if (c->interval_ms)
        mo.interval_ms = c->interval_ms;
    if (c->cpu_watts > 0)
        mo.cpu_watts = c->cpu_watts;
    /* No usable GPU: no meter either, so that training's one line says
     * why (no driver, no device, built without CUDA). */
    wn_gpu_props gp;
    if (mo.nvml_gpu && wn_gpu_query(c->spec.train.device, &gp) != WN_OK) {
        wn_clearerr();
        return WN_OK;
    }
    rc = wn_meter_open(&mo, m);
    /* A GPU run with --meter auto and no NVML: unmetered. */
    if (rc != WN_OK && mo.nvml_gpu && (!c->meter_source ||
                                       !strcmp(c->meter_source, "auto"))) {
        fprintf(stderr, "wattnet train: %s; the run is not metered\n", wn_errmsg());
        *m = NULL;
        rc = WN_OK;
    }
    return rc;
}

/* After a run: say on stderr what the meter noted, and loudly when its
 * figures are an estimate.  (Not before the run, so that a failing run
 * prints its one error line alone.) */
static void meter_warnings(const wn_meter *m)
{
    if (!m)
        return;
    const char *warning = wn_meter_warning(m);
    if (warning && *warning)
        fprintf(stderr, "wattnet train: %s\n", warning);
    if (wn_energy_source_from_name(wn_meter_source(m)) == WN_ENERGY_ESTIMATE)
        fprintf(stderr, "wattnet train: WARNING: no energy meter works here; "
                        "energy is an ESTIMATE (CPU time x watts per core), "
                        "not a measurement\n");
    if (wn_energy_source_from_name(wn_meter_source(m)) == WN_ENERGY_SIM)
        fprintf(stderr, "wattnet train: energy is SIMULATED (source sim, "
                        "WATTNET_SIM_WATTS), not a measurement\n");
}

/* A watt-meter log updates at its own sample interval: unless the user set
 * --min-seconds, hold the run to 10 samples of it (when the log already has
 * samples to tell; else say so). */
static void log_min_seconds(struct train_cli *c)
{
    double interval = 0.0;
    if (wn_powerlog_interval(c->power_log, c->node, &interval) != WN_OK) {
        fprintf(stderr, "wattnet train: %s; give --min-seconds (>= 10 of "
                "its samples) so the run spans enough of them\n", wn_errmsg());
        wn_clearerr();
        return;
    }
    c->spec.min_seconds_given = 1;
    c->spec.train.min_seconds = 10.0 * interval;
    if (c->spec.train.min_seconds > 604800.0)
        c->spec.train.min_seconds = 604800.0;
}

/* Attribute the run's window in a watt-meter log to the run. */
static int attribute_log(const struct train_cli *c, wn_run_record *r)
{
    wn_energy e;
    int rc = wn_powerlog_integrate(c->power_log, c->node, r->start_time, r->end_time, &e);
    if (rc != WN_OK)
        return rc;
    wn_run_set_energy(r, &e);
    if (!e.measured)
        fprintf(stderr, "wattnet train: power log gives no usable energy for this "
                        "run (%s)\n", e.flag[0] ? e.flag : "unknown");
    return WN_OK;
}

int cmd_train(int argc, char **argv)
{
    struct train_cli c;
    wn_meter *meter = NULL;
    wn_run_record rec;
    int rc;

    memset(&c, 0, sizeof c);
    memset(&rec, 0, sizeof rec);
    wn_run_spec_default(&c.spec);
    rc = parse_args(argc, argv, &c);
    if (rc != 0)
        return rc == CLI_HELP ? 0 : rc;
    if (strlen(c.data) >= sizeof c.spec.dataset)
        return cli_usage_error("train", "--data: spec longer than %zu characters",
                               sizeof c.spec.dataset - 1);
    snprintf(c.spec.dataset, sizeof c.spec.dataset, "%s", c.data);

    wn_data_opts opts;
    memset(&opts, 0, sizeof opts);
    opts.data_dir = c.data_dir;
    opts.target = c.target;
    opts.seed = c.spec.train.seed;
    opts.notice = on_notice;

    rc = open_meter(&c, &meter);
    if (rc != WN_OK)
        return cli_fail("train", rc);
    if (c.power_log && !c.spec.min_seconds_given)
        log_min_seconds(&c);
    wn_run_observer obs = {on_epoch, &c, NULL};
    rc = wn_run_execute(&c.spec, &opts, meter, &obs, &rec);
    if (rc == WN_OK && c.power_log)
        rc = attribute_log(&c, &rec);
    if (rc == WN_OK) {
        meter_warnings(meter);
        if (c.json)
            rc = emit(summary_json(&c, &rec));
        else
            print_summary(&c, &rec);
    }
    wn_run_record_clear(&rec);
    wn_meter_close(&meter);
    return rc == WN_OK ? 0 : cli_fail("train", rc);
}
