/*
 * cmd_attribute.c - `wattnet attribute`: apply node watt-meter logs (CSV
 * timestamp,node,watts, e.g. BUTTER-E's {slurm_job_id}.csv) to the stored
 * runs whose start-end window they cover; the energy is stored with source
 * "log".  Flagged windows are reported, never stored as 0 J.
 */
#include <getopt.h>
#include <stdio.h>

#include <cjson/cJSON.h>
#include <wattnet/wattnet.h>

#include "cli.h"

static void usage(FILE *f)
{
    fprintf(f,
        "usage: wattnet attribute --db URL --power-log FILE [--power-log FILE...]\n"
        "                         [--node NAME] [--json] [FILE...]\n\n"
        "Integrate each run's node power over [start, end] from the logs\n"
        "(constant power between samples, partial first and last intervals) and\n"
        "store it as the run's energy with source \"log\".  Windows with a 0 W\n"
        "reading or an uncovered start are counted as flagged and not stored as\n"
        "energy; windows no log has samples for are counted as uncovered.\n\n"
        "  --power-log FILE   CSV timestamp,node,watts (repeatable; extra FILE\n"
        "                     arguments are logs too)\n"
        "  --node NAME        the node to read (default: each run's host name)\n");
}

int cmd_attribute(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"db", required_argument, NULL, 'd'},
        {"power-log", required_argument, NULL, 'p'},
        {"node", required_argument, NULL, 'n'},
        {"json", no_argument, NULL, 'j'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *db = NULL, *node = NULL;
    const char *logs[256];
    size_t n_logs = 0;
    int json = 0, c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case 'd': db = optarg; break;
        case 'p':
            if (n_logs >= 256)
                return cli_usage_error("attribute", "at most 256 power logs");
            logs[n_logs++] = optarg;
            break;
        case 'n': node = optarg; break;
        case 'j': json = 1; break;
        case 'h': usage(stdout); return 0;
        default:
            return cli_usage_error("attribute", "unknown or incomplete option '%s'",
                                   argv[optind - 1]);
        }
    }
    for (int i = optind; i < argc; i++) {
        if (n_logs >= 256)
            return cli_usage_error("attribute", "at most 256 power logs");
        logs[n_logs++] = argv[i];
    }
    if (!db)
        return cli_usage_error("attribute", "--db URL is required");
    if (n_logs == 0)
        return cli_usage_error("attribute", "give at least one --power-log FILE");
    wn_store *s = NULL;
    wn_attribute_result r = { 0, 0, 0 };
    int st = wn_store_open_existing(db, &s);
    if (st == WN_OK)
        st = wn_store_attribute_logs(s, logs, n_logs, node, &r);
    wn_store_close(&s);
    if (st != WN_OK)
        return cli_fail("attribute", st);
    if (json) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddNumberToObject(o, "stored", (double)r.stored);
        cJSON_AddNumberToObject(o, "flagged", (double)r.flagged);
        cJSON_AddNumberToObject(o, "uncovered", (double)r.uncovered);
        char *txt = cJSON_Print(o);
        if (txt)
            printf("%s\n", txt);
        cJSON_free(txt);
        cJSON_Delete(o);
    } else {
        printf("attribute: %zu runs got log energy, %zu flagged (not stored as "
               "energy), %zu not covered by any log\n",
               r.stored, r.flagged, r.uncovered);
    }
    return 0;
}
