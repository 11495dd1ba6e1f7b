/*
 * cmd_idle.c - `wattnet idle --seconds N`: measure this host's idle power
 * per source and domain with the measuring sources (never the estimate) and
 * keep it in the idle-baseline state file, so later windows report dynamic
 * energy (total - idle W x seconds).
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "cli.h"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: wattnet idle --seconds N [--json] [--source NAME] "
            "[--idle-file PATH]\n"
            "                    [--db URL]\n\n"
            "Sit idle for N seconds, measure the power of every measuring "
            "source's\ndomains, and save it as this host's idle baseline "
            "(keep the machine quiet).\n\n"
            "  --seconds N       how long to measure (1..86400; 30 or more is "
            "sensible)\n"
            "  --source NAME     one source (rapl, perf, nvml, ipmi, redfish, "
            "sim); default all\n"
            "  --idle-file PATH  state file (else $WATTNET_IDLE_FILE, "
            "$XDG_STATE_HOME/wattnet/\n"
            "                    idle.json or ~/.local/state/wattnet/idle.json)\n"
            "  --db URL          also keep it in the runs database (SQLite path or\n"
            "                    postgresql://), whose workers then report\n"
            "                    dynamic energy with it (the database's\n"
            "                    baseline wins over the state file's)\n"
            "  --json            print the baseline as JSON\n");
}

/* Keep the baseline in the runs database too. */
static int save_to_db(const char *url, const wn_idle_baseline *b)
{
    wn_store *s = NULL;
    int rc = wn_store_open(url, &s);
    if (rc == WN_OK)
        rc = wn_store_save_idle(s, b);
    wn_store_close(&s);
    return rc;
}

struct idle_args {
    double seconds;
    const char *db;
    int json;
    wn_meter_opts o;
};

/* -1: go on; else the exit code (0 for --help, 2 for a usage error). */
static int parse_args(int argc, char **argv, struct idle_args *a)
{
    static const struct option longopts[] = {
        {"seconds", required_argument, NULL, 's'},
        {"json", no_argument, NULL, 'j'},
        {"source", required_argument, NULL, 'S'},
        {"idle-file", required_argument, NULL, 'f'},
        {"db", required_argument, NULL, 'd'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case 's':
            if (cli_parse_double(optarg, &a->seconds) || !(a->seconds >= 1) ||
                a->seconds > 86400)
                return cli_usage_error("idle", "--seconds '%s': want 1..86400",
                                       optarg);
            break;
        case 'j': a->json = 1; break;
        case 'S':
            if (wn_energy_source_from_name(optarg) == WN_ENERGY_ESTIMATE)
                return cli_usage_error("idle", "the estimate has no idle "
                                       "power; pick a measuring source");
            a->o.source = optarg;
            break;
        case 'f': a->o.idle_state = optarg; break;
        case 'd': a->db = optarg; break;
        case 'h': usage(stdout); return 0;
        default:
            return cli_usage_error("idle", "unknown option '%s'",
                                   argv[optind - 1]);
        }
    }
    if (optind < argc)
        return cli_usage_error("idle", "unexpected argument '%s'",
                               argv[optind]);
    if (a->seconds == 0)
        return cli_usage_error("idle", "--seconds N is required");
    return -1;
}

static int print_json(const wn_idle_baseline *b, const char *path)
{
    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "host", b->host);
    cJSON_AddNumberToObject(root, "seconds", b->seconds);
    cJSON_AddNumberToObject(root, "power_w", b->power_w);
    cJSON_AddStringToObject(root, "file", path);
    cJSON *doms = cJSON_AddArrayToObject(root, "domains");
    for (size_t i = 0; i < b->n_domains; i++) {
        cJSON *d = cJSON_CreateObject();
        cJSON_AddStringToObject(d, "source", b->domains[i].source);
        cJSON_AddStringToObject(d, "name", b->domains[i].name);
        cJSON_AddNumberToObject(d, "power_w", b->domains[i].power_w);
        cJSON_AddBoolToObject(d, "in_total", b->domains[i].in_total);
        cJSON_AddItemToArray(doms, d);
    }
    char *s = cJSON_PrintUnformatted(root);
    cJSON_Delete(root);
    if (!s) {
        fprintf(stderr, "wattnet idle: out of memory\n");
        return 1;
    }
    puts(s);
    cJSON_free(s);
    return 0;
}

static int print_text(const wn_idle_baseline *b, const char *path)
{
    printf("host %s: idle %.2f W over %.1f s (saved to %s)\n", b->host,
           b->power_w, b->seconds, path);
    for (size_t i = 0; i < b->n_domains; i++)
        printf("  %-8s %-40s %8.2f W%s\n", b->domains[i].source,
               b->domains[i].name, b->domains[i].power_w,
               b->domains[i].in_total ? "" : "  (inside another, not added)");
    return 0;
}

int cmd_idle(int argc, char **argv)
{
    struct idle_args a = {0};
    wn_meter *m = NULL;
    char path[1024];
    wn_meter_opts_default(&a.o);
    a.o.allow_estimate = 0;
    int rc = parse_args(argc, argv, &a);
    if (rc >= 0)
        return rc;
    rc = wn_meter_idle_path(a.o.idle_state, path, sizeof path);
    if (rc)
        return cli_fail("idle", rc);
    /* a broken file or an output over the database: say so before the
     * minutes of measuring, not after */
    const wn_output_input in[] = {{a.db, "--db"}};
    if ((rc = cli_check_output("idle", path, "--idle-file", in, 1)) != 0)
        return rc;
    if ((rc = wn_meter_idle_check(path)) != WN_OK)
        return cli_fail("idle", rc);
    rc = wn_meter_open(&a.o, &m);
    if (rc)
        return cli_fail("idle", rc);
    if (!a.json)
        fprintf(stderr, "wattnet idle: measuring %s for %.0f s; keep the "
                "machine idle\n", wn_meter_source(m), a.seconds);
    wn_idle_baseline b;
    rc = wn_meter_idle_measure(m, a.seconds, &b);
    wn_meter_close(&m);
    if (rc == WN_OK)
        rc = wn_meter_idle_save(path, &b);
    if (rc == WN_OK && a.db)
        rc = save_to_db(a.db, &b);
    if (rc)
        return cli_fail("idle", rc);
    return a.json ? print_json(&b, path) : print_text(&b, path);
}
