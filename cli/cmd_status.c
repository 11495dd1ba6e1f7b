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

int cmd_status(int argc, char **argv)
{
    static const struct option longopts[] = {
        CLI_LONGOPTS_COMMON,
        CLI_LONGOPTS_DB,
        CLI_LONGOPTS_CARBON,
        {NULL, 0, NULL, 0},
    };
    const char *db = NULL;
    cli_carbon carbon = {0.0, 0.0};
    int json = 0, c, rc;
    cli_opts_reset();
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        rc = c == CLI_OPT_DB ? (db = optarg, 0)
                             : cli_carbon_opt("status", c, optarg, &carbon);
        if (rc == CLI_NOT_MINE)
            rc = cli_opt_common("status", c, argc, argv, usage, &json);
        if (rc)
            return rc == CLI_HELP ? 0 : rc;
    }
    if (cli_opt_rest("status", argc, argv))
        return 2;
    if (!db)
        return cli_usage_error("status", "--db URL is required");
    wn_store *s = NULL;
    wn_queue_status q;
    wn_run_record *runs = NULL;
    size_t n_runs = 0, n_uses = 0;
    wn_data_use *uses = NULL;
    wn_runs_contention con;
    int st = wn_store_open_existing(db, &s);
    if (st == WN_OK)
        st = wn_store_queue_status(s, &q);
    if (st == WN_OK)   /* the sweep spec's pue / carbon_intensity, unless given */
        st = wn_sweep_carbon_defaults(s, &carbon.pue, &carbon.g_per_kwh);
    if (st == WN_OK)
        st = wn_store_load_runs(s, &runs, &n_runs);
    if (st == WN_OK)
        st = wn_data_uses(runs, n_runs, &uses, &n_uses);
    wn_runs_count_contention(runs, n_runs, &con);
    wn_store_close(&s);
    if (st != WN_OK) {
        wn_run_records_free(&runs, n_runs);
        return cli_fail("status", st);
    }
    if (json) {
        cJSON *o = cJSON_CreateObject();
        cli_device_counts(runs, n_runs, o);
        wn_run_records_free(&runs, n_runs);
        cJSON_AddNumberToObject(o, "queued", (double)q.queued);
        cJSON_AddNumberToObject(o, "running", (double)q.running);
        cJSON_AddNumberToObject(o, "done", (double)q.done);
        cJSON_AddNumberToObject(o, "failed", (double)q.failed);
        cJSON_AddNumberToObject(o, "runs", (double)q.runs);
        add_opt(o, "runs_per_hour", q.has_rate, q.runs_per_hour);
        add_opt(o, "eta_seconds", q.has_eta, q.eta_s);
        add_opt(o, "joules", q.has_joules, q.joules);
        cJSON_AddNumberToObject(o, "measured_runs", (double)q.measured_runs);
        add_opt(o, "estimated_joules", q.has_estimated, q.estimated_joules);
        if (carbon.pue > 0 || carbon.g_per_kwh > 0)
            wn_carbon_to_json(o, q.has_joules, q.joules, carbon.pue,
                              carbon.g_per_kwh);
        cJSON *ct = cJSON_AddObjectToObject(o, "contention");
        cJSON_AddNumberToObject(ct, "runs_judged", (double)con.runs_judged);
        cJSON_AddNumberToObject(ct, "runs_contended", (double)con.runs_contended);
        cJSON_AddNumberToObject(ct, "runs_no_clean_epoch", (double)con.runs_no_clean);
        cJSON_AddNumberToObject(ct, "epochs_judged", (double)con.epochs_judged);
        cJSON_AddNumberToObject(ct, "epochs_contended", (double)con.epochs_contended);
        cJSON *ds = cJSON_AddArrayToObject(o, "datasets");
        for (size_t i = 0; i < n_uses; i++) {
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
        char *txt = cJSON_Print(o);
        if (txt)
            printf("%s\n", txt);
        cJSON_free(txt);
        cJSON_Delete(o);
        wn_free(uses);
        return 0;
    }
    printf("jobs: %lld queued, %lld running, %lld done, %lld failed\n",
           (long long)q.queued, (long long)q.running, (long long)q.done,
           (long long)q.failed);
    printf("runs stored: %lld\n", (long long)q.runs);
    if (q.has_rate)
        printf("rate: %.1f runs/hour, ETA %.0f s\n", q.runs_per_hour, q.eta_s);
    else
        printf("rate: - (no job finished in the last hour)\n");
    if (q.has_joules)
        printf("energy measured: %.1f J over %lld runs\n", q.joules,
               (long long)q.measured_runs);
    else
        printf("energy measured: none\n");
    if (q.has_joules) {
        /* the facility and CO2e lines of a measured total (cli_carbon.c) */
        wn_energy total;
        memset(&total, 0, sizeof total);
        total.measured = 1;
        total.energy_j = q.joules;
        snprintf(total.source, sizeof total.source, "store");
        cli_carbon_print(stdout, "", &carbon, &total);
    }
    if (q.has_estimated)
        printf("energy estimated (not measured): %.1f J\n", q.estimated_joules);
    if (con.runs_judged)
        printf("contention: %zu of %zu judged runs had contended epochs "
               "(%zu of %zu epochs); %zu runs had no clean epoch%s\n",
               con.runs_contended, con.runs_judged, con.epochs_contended,
               con.epochs_judged, con.runs_no_clean,
               con.runs_no_clean ? " (their times are slowed by other work)" : "");
    else
        printf("contention: unknown (no run carries the evidence)\n");
    cli_device_counts(runs, n_runs, NULL);
    wn_run_records_free(&runs, n_runs);
    for (size_t i = 0; i < n_uses; i++) {
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
    wn_free(uses);
    return 0;
}
