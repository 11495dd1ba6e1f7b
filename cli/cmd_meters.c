/*
 * cmd_meters.c - `wattnet meters`: every energy source this machine might
 * have, probed (ok, or unavailable and why), with its domains (which are
 * added into the total and which lie inside another) and its resolution.
 * --json for programs.  The simulated "sim" source is listed only by name
 * (--source sim).
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "cli.h"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: wattnet meters [--json] [--source NAME] [--cpu-watts W]\n"
            "                      [--redfish-url URL] [--redfish-user USER]\n\n"
            "Probe every energy source: rapl (powercap), perf (power PMU), nvml,\n"
            "ipmi (DCMI), redfish and the labelled estimate.  Each is ok, or\n"
            "unavailable with the reason and what to do.  Counters must advance\n"
            "over a short busy interval (0 J is never a measurement).\n\n"
            "  --json             one JSON object {\"sources\":[...]}\n"
            "  --source NAME      probe only NAME (also: sim)\n"
            "  --cpu-watts W      watts per busy core for the estimate\n"
            "  --redfish-url URL  chassis Power resource (else $WATTNET_REDFISH_URL;\n"
            "                     the password only from $WATTNET_REDFISH_PASSWORD)\n"
            "  --redfish-user U   Redfish user (else $WATTNET_REDFISH_USER)\n");
}

static cJSON *info_json(const wn_meter_info *in)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "source", in->source);
    cJSON_AddStringToObject(o, "status", in->status == WN_OK ? "ok"
                                                             : "unavailable");
    if (in->status != WN_OK) {
        cJSON_AddStringToObject(o, "error", wn_strerror(in->status));
        cJSON_AddStringToObject(o, "reason", in->reason);
    }
    cJSON_AddBoolToObject(o, "estimate", in->is_estimate);
    cJSON_AddBoolToObject(o, "node_level", in->node_level);
    if (in->status == WN_OK) {
        cJSON_AddNumberToObject(o, "resolution", in->resolution);
        cJSON_AddStringToObject(o, "resolution_unit", in->resolution_unit);
    }
    if (in->notes[0])
        cJSON_AddStringToObject(o, "notes", in->notes);
    cJSON *doms = cJSON_AddArrayToObject(o, "domains");
    for (size_t i = 0; i < in->n_domains; i++) {
        const wn_meter_domain_info *d = &in->domains[i];
        cJSON *jd = cJSON_CreateObject();
        cJSON_AddStringToObject(jd, "name", d->name);
        cJSON_AddBoolToObject(jd, "in_total", d->in_total);
        cJSON_AddStringToObject(jd, "kind", d->is_counter ? "energy-counter"
                                                          : "power");
        if (d->contained_in[0])
            cJSON_AddStringToObject(jd, "contained_in", d->contained_in);
        cJSON_AddItemToArray(doms, jd);
    }
    return o;
}

static void print_text(const wn_meter_info *in)
{
    if (in->status != WN_OK) {
        /* The reason starts with the source's name: not twice. */
        const char *why = in->reason;
        size_t n = strlen(in->source);
        if (strncmp(why, in->source, n) == 0 && strncmp(why + n, ": ", 2) == 0)
            why += n + 2;
        printf("%-9s unavailable: %s\n", in->source, why);
        return;
    }
    printf("%-9s ok%s, resolution %g %s, domains:", in->source,
           in->is_estimate ? " (ESTIMATE, not a measurement)" : "",
           in->resolution, in->resolution_unit);
    for (size_t i = 0; i < in->n_domains; i++) {
        const wn_meter_domain_info *d = &in->domains[i];
        if (d->in_total)
            printf(" %s [total]", d->name);
        else
            printf(" %s [inside %s, not added]", d->name, d->contained_in);
    }
    printf("\n");
    if (in->notes[0])
        printf("%-9s note: %s\n", "", in->notes);
}

int cmd_meters(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"json", no_argument, NULL, 'j'},
        {"source", required_argument, NULL, 's'},
        {"cpu-watts", required_argument, NULL, 'w'},
        {"redfish-url", required_argument, NULL, 'u'},
        {"redfish-user", required_argument, NULL, 'U'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    wn_meter_opts o;
    const char *only = NULL;
    int json = 0, c;
    wn_meter_opts_default(&o);
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case 'j': json = 1; break;
        case 's': only = optarg; break;
        case 'w':
            if (cli_parse_double(optarg, &o.cpu_watts) || !(o.cpu_watts > 0))
                return cli_usage_error("meters", "--cpu-watts '%s': want "
                                       "watts > 0", optarg);
            break;
        case 'u': o.redfish_url = optarg; break;
        case 'U': o.redfish_user = optarg; break;
        case 'h': usage(stdout); return 0;
        default:
            return cli_usage_error("meters", "unknown option '%s'",
                                   argv[optind - 1]);
        }
    }
    if (optind < argc)
        return cli_usage_error("meters", "unexpected argument '%s'",
                               argv[optind]);
    cJSON *root = json ? cJSON_CreateObject() : NULL;
    cJSON *arr = root ? cJSON_AddArrayToObject(root, "sources") : NULL;
    if (json && !arr) {
        cJSON_Delete(root);
        fprintf(stderr, "wattnet meters: out of memory\n");
        return 1;
    }
    int found = 0;
    for (size_t i = 0; i < wn_meter_source_count(); i++) {
        const char *name = wn_meter_source_name(i);
        if (only ? strcmp(only, name) != 0 : strcmp(name, "sim") == 0)
            continue;
        found = 1;
        wn_meter_info info;
        int rc = wn_meter_probe(name, &o, &info);
        if (rc) {
            cJSON_Delete(root);
            return cli_fail("meters", rc);
        }
        if (json)
            cJSON_AddItemToArray(arr, info_json(&info));
        else
            print_text(&info);
    }
    if (!found) {
        cJSON_Delete(root);
        return cli_usage_error("meters", "unknown source '%s' (rapl, perf, "
                               "nvml, ipmi, redfish, estimate, sim)", only);
    }
    if (json) {
        char *s = cJSON_PrintUnformatted(root);
        cJSON_Delete(root);
        if (!s) {
            fprintf(stderr, "wattnet meters: out of memory\n");
            return 1;
        }
        puts(s);
        cJSON_free(s);
    }
    return 0;
}
