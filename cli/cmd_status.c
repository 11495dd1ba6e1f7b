/*
 * cmd_status.c - `wattnet status`: the queue's counts, the finishing rate,
 * the time left and the joules measured so far.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <wattnet/wattnet.h>
#include <wattnet/data_use.h>

#include "cli.h"

static void usage(FILE *f)
{
    fprintf(f,
        "usage: wattnet status --db URL [--json] [--pue F] [--carbon-intensity G]\n\n"
        "Jobs queued, running, done and failed; runs per hour (jobs finished in\n"
        "the last hour); ETA in seconds; joules measured so far (null when\n"
        "nothing was measured; estimates are reported apart); per dataset,\n"
        "whether the runs trained the real file (path, SHA-256) or the\n"
        "synthetic stand-in; contention: runs whose epochs other work slowed\n"
        "(docs/training.md), and runs with no clean epoch at all.  With --pue /\n"
        "--carbon-intensity: the facility energy and CO2e of the measured\n"
        "joules, beside them.\n"
        CLI_CARBON_HELP);
}

static void add_opt(cJSON *o, const char *k, int has, double v)
{
    if (has)
        cJSON_AddNumberToObject(o, k, v);
    else
        cJSON_AddNullToObject(o, k);
}

/* What status shows, read from the store once. */
struct status {
    wn_queue_status q;
    cli_carbon carbon;
    wn_run_record *runs;
    size_t n_runs;
    wn_data_use *uses;
    size_t n_uses;
    wn_runs_contention con;
};

static void status_free(struct status *t)
{
    wn_run_records_free(&t->runs, t->n_runs);
    wn_free(t->uses);
    t->uses = NULL;
}

/* The queue, the sweep's carbon defaults (unless given), the runs and the
 * datasets they used, from the database at DB. */
static int status_load(const char *db, struct status *t)
{
    wn_store *s = NULL;
    int st = wn_store_open_existing(db, &s);
    if (st == WN_OK)
        st = wn_store_queue_status(s, &t->q);
    if (st == WN_OK)   /* the sweep spec's pue / carbon_intensity, unless given */
        st = wn_sweep_carbon_defaults(s, &t->carbon.pue, &t->carbon.g_per_kwh);
    if (st == WN_OK)
        st = wn_store_load_runs(s, &t->runs, &t->n_runs);
    if (st == WN_OK)
        st = wn_data_uses(t->runs, t->n_runs, &t->uses, &t->n_uses);
    wn_runs_count_contention(t->runs, t->n_runs, &t->con);
    wn_store_close(&s);
    return st;
}

static void json_contention(cJSON *o, const wn_runs_contention *con)
{
    cJSON *ct = cJSON_AddObjectToObject(o, "contention");
    cJSON_AddNumberToObject(ct, "runs_judged", (double)con->runs_judged);
    cJSON_AddNumberToObject(ct, "runs_contended", (double)con->runs_contended);
    cJSON_AddNumberToObject(ct, "runs_no_clean_epoch", (double)con->runs_no_clean);
    cJSON_AddNumberToObject(ct, "epochs_judged", (double)con->epochs_judged);
    cJSON_AddNumberToObject(ct, "epochs_contended", (double)con->epochs_contended);
}

static void json_datasets(cJSON *o, const wn_data_use *uses, size_t n)
{
    cJSON *ds = cJSON_AddArrayToObject(o, "datasets");
    for (size_t i = 0; i < n; i++) {
        cJSON *d = cJSON_CreateObject();
        cJSON_AddStringToObject(d, "name", uses[i].name);
        cJSON_AddStringToObject(d, "source", uses[i].source);
        if (uses[i].path[0]) {
            cJSON_AddStringToObject(d, "path", uses[i].path);
            cJSON_AddStringToObject(d, "sha256", uses[i].sha256);
        } else {
            cJSON_AddNullToObject(d, "path");
            cJSON_AddNullToObject(d, "sha256");
        }
        cJSON_AddNumberToObject(d, "runs", (double)uses[i].runs);
        cJSON_AddItemToArray(ds, d);
    }
}

static void print_json(const struct status *t)
{
    const wn_queue_status *q = &t->q;
    cJSON *o = cJSON_CreateObject();
    cli_device_counts(t->runs, t->n_runs, o);
    cJSON_AddNumberToObject(o, "queued", (double)q->queued);
    cJSON_AddNumberToObject(o, "running", (double)q->running);
    cJSON_AddNumberToObject(o, "done", (double)q->done);
    cJSON_AddNumberToObject(o, "failed", (double)q->failed);
    cJSON_AddNumberToObject(o, "runs", (double)q->runs);
    add_opt(o, "runs_per_hour", q->has_rate, q->runs_per_hour);
    add_opt(o, "eta_seconds", q->has_eta, q->eta_s);
    add_opt(o, "joules", q->has_joules, q->joules);
    cJSON_AddNumberToObject(o, "measured_runs", (double)q->measured_runs);
    add_opt(o, "estimated_joules", q->has_estimated, q->estimated_joules);
    if (t->carbon.pue > 0 || t->carbon.g_per_kwh > 0)
        wn_carbon_to_json(o, q->has_joules, q->joules, t->carbon.pue,
                          t->carbon.g_per_kwh);
    json_contention(o, &t->con);
    json_datasets(o, t->uses, t->n_uses);
    char *txt = cJSON_Print(o);
    if (txt)
        printf("%s\n", txt);
    cJSON_free(txt);
    cJSON_Delete(o);
}

/* The energy lines: measured (with the facility and CO2e lines of
 * cli_carbon.c), estimated. */
static void print_energy(const wn_queue_status *q, const cli_carbon *carbon)
{
    if (!q->has_joules)
        printf("energy measured: none\n");
    else {
        printf("energy measured: %.1f J over %lld runs\n", q->joules,
               (long long)q->measured_runs);
        wn_energy total;
        memset(&total, 0, sizeof total);
        total.measured = 1;
        total.energy_j = q->joules;
        snprintf(total.source, sizeof total.source, "store");
        cli_carbon_print(stdout, "", carbon, &total);
    }
    if (q->has_estimated)
        printf("energy estimated (not measured): %.1f J\n", q->estimated_joules);
}

static void print_datasets(const wn_data_use *uses, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const wn_data_use *u = &uses[i];
        if (!strcmp(u->source, "synthetic"))
            printf("dataset %s: %zu runs on the synthetic stand-in\n", u->name,
                   u->runs);
        else if (u->path[0])
            printf("dataset %s: %zu runs on the real file %s (sha256 %s)\n",
                   u->name, u->runs, u->path, u->sha256);
        else
            printf("dataset %s: %zu runs on a real file (path not recorded)\n",
                   u->name, u->runs);
    }
}

static void print_text(const struct status *t)
{
    const wn_queue_status *q = &t->q;
    const wn_runs_contention *con = &t->con;
    printf("jobs: %lld queued, %lld running, %lld done, %lld failed\n",
           (long long)q->queued, (long long)q->running, (long long)q->done,
           (long long)q->failed);
    printf("runs stored: %lld\n", (long long)q->runs);
    if (q->has_rate)
        printf("rate: %.1f runs/hour, ETA %.0f s\n", q->runs_per_hour, q->eta_s);
    else
        printf("rate: - (no job finished in the last hour)\n");
    print_energy(q, &t->carbon);
    if (con->runs_judged)
        printf("contention: %zu of %zu judged runs had contended epochs "
               "(%zu of %zu epochs); %zu runs had no clean epoch%s\n",
               con->runs_contended, con->runs_judged, con->epochs_contended,
               con->epochs_judged, con->runs_no_clean,
               con->runs_no_clean ? " (their times are slowed by other work)" : "");
    else
        printf("contention: unknown (no run carries the evidence)\n");
    cli_device_counts(t->runs, t->n_runs, NULL);
    print_datasets(t->uses, t->n_uses);
}

int cmd_status(int argc, char **argv)
{
    static const struct option longopts[] = {
        CLI_LONGOPTS_COMMON,
        CLI_LONGOPTS_DB,
        CLI_LONGOPTS_CARBON,
        {NULL, 0, NULL, 0},
    };
    const char *db = NULL;
    struct status t;
    memset(&t, 0, sizeof t);
    int json = 0, c, rc;
    cli_opts_reset();
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        rc = c == CLI_OPT_DB ? (db = optarg, 0)
                             : cli_carbon_opt("status", c, optarg, &t.carbon);
        if (rc == CLI_NOT_MINE)
            rc = cli_opt_common("status", c, argc, argv, usage, &json);
        if (rc)
            return rc == CLI_HELP ? 0 : rc;
    }
    if (cli_opt_rest("status", argc, argv))
        return 2;
    if (!db)
        return cli_usage_error("status", "--db URL is required");
    int st = status_load(db, &t);
    if (st == WN_OK && json)
        print_json(&t);
    else if (st == WN_OK)
        print_text(&t);
    status_free(&t);
    return st == WN_OK ? 0 : cli_fail("status", st);
}
