/*
 * cmd_probe.c - `wattnet probe`: measure this host's caches with the
 * working-set sweep (probe.h), compare them with what hwloc reports, and
 * write the measured hardware profile for `fit --hardware` / `predict`.
 */
#include <getopt.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "cli.h"
#include <wattnet/probe.h>
#include <wattnet/probe_profile.h>

static void usage(FILE *f)
{
    fprintf(f,
            "usage: wattnet probe [--max-mib N] [--points N] [--out FILE] "
            "[--curve] [--json]\n\n"
            "Measure the effective size of each cache level on this host: a "
            "read and a\nread-modify-write kernel over working sets from 4 KiB "
            "up, on one pinned thread;\nthe knees where the bandwidth steps "
            "down are the levels.  Shows them beside\nwhat hwloc reports, and "
            "whether that is plausible (a VM may report caches\nit does not "
            "have).  Takes a few seconds.\n\n"
            "  --max-mib N   largest working set in MiB (default: 4x the "
            "reported last\n                level when plausible, else 256)\n"
            "  --points N    sizes per doubling, 1..16 (default 4)\n"
            "  --out FILE    write the measured hardware profile (JSON, for "
            "fit/predict\n                --hardware FILE)\n"
            "  --curve       print every size's bandwidth\n"
            "  --json        one JSON object: points, knees, reported and "
            "measured profiles\n");
}

static cJSON *result_json(const wn_probe_result *r, const wn_hw_profile *rep,
                          const wn_hw_profile *meas, int plausible,
                          const char *why)
{
    cJSON *o = cJSON_CreateObject();
    cJSON *pts = cJSON_AddArrayToObject(o, "points");
    for (size_t i = 0; i < r->n_points; i++) {
        cJSON *p = cJSON_CreateObject();
        cJSON_AddNumberToObject(p, "bytes", (double)r->points[i].bytes);
        cJSON_AddNumberToObject(p, "read_gbs", r->points[i].read_gbs);
        cJSON_AddNumberToObject(p, "rmw_gbs", r->points[i].rmw_gbs);
        cJSON_AddItemToArray(pts, p);
    }
    cJSON *ks = cJSON_AddArrayToObject(o, "knees");
    for (size_t i = 0; i < r->n_knees; i++) {
        cJSON *k = cJSON_CreateObject();
        cJSON_AddNumberToObject(k, "capacity_bytes", (double)r->knees[i].capacity_bytes);
        cJSON_AddNumberToObject(k, "above_gbs", r->knees[i].above_gbs);
        cJSON_AddNumberToObject(k, "below_gbs", r->knees[i].below_gbs);
        cJSON_AddItemToArray(ks, k);
    }
    char *js = wn_hw_profile_to_json(rep);
    cJSON_AddItemToObject(o, "reported", cJSON_Parse(js ? js : "null"));
    wn_free(js);
    js = wn_hw_profile_to_json(meas);
    cJSON_AddItemToObject(o, "measured", cJSON_Parse(js ? js : "null"));
    wn_free(js);
    cJSON_AddBoolToObject(o, "reported_plausible", plausible);
    if (!plausible)
        cJSON_AddStringToObject(o, "reported_implausible_because", why);
    cJSON_AddNumberToObject(o, "contended_points", (double)r->contended_points);
    cJSON_AddNumberToObject(o, "seconds", r->seconds);
    return o;
}

static void print_text(const wn_probe_result *r, const wn_hw_profile *rep,
                       int plausible, const char *why, int curve)
{
    if (curve) {
        printf("%12s %10s %10s\n", "bytes", "read GB/s", "rmw GB/s");
        for (size_t i = 0; i < r->n_points; i++)
            printf("%12llu %10.1f %10.1f\n",
                   (unsigned long long)r->points[i].bytes,
                   r->points[i].read_gbs, r->points[i].rmw_gbs);
    }
    printf("level  reported (hwloc)   measured knee   plateau GB/s\n");
    int n = rep->n_levels > (int)r->n_knees ? rep->n_levels : (int)r->n_knees;
    for (int i = 0; i < n; i++) {
        printf("L%-5d ", i + 1);
        if (i < rep->n_levels)
            printf("%12.3f MiB   ", rep->levels[i].size_bytes / 1048576.0);
        else
            printf("%16s   ", "-");
        if (i < (int)r->n_knees)
            printf("%9.3f MiB   %6.1f -> %.1f\n",
                   r->knees[i].capacity_bytes / 1048576.0,
                   r->knees[i].above_gbs, r->knees[i].below_gbs);
        else
            printf("%13s\n", "not found");
    }
    if (plausible)
        printf("hwloc's caches are plausible\n");
    else
        printf("hwloc's caches are NOT plausible: %s\nfit and predict should "
               "use the measured profile (--hardware FILE from --out)\n", why);
    if (r->contended_points)
        printf("WARNING: at %zu of %zu sizes another process took the core "
               "during trials;\nrun it again on a quiet machine for a clean "
               "curve\n", r->contended_points, r->n_points);
    printf("probe took %.1f s\n", r->seconds);
}

static int write_profile(const char *path, const wn_hw_profile *p)
{
    char *js = wn_hw_profile_to_json(p);
    if (!js)
        return cli_fail("probe", wn_seterr(WN_ENOMEM, "out of memory"));
    FILE *f = fopen(path, "w");
    int ok = f && fputs(js, f) >= 0 && fputc('\n', f) != EOF;
    ok = (f && fclose(f) == 0) && ok;
    wn_free(js);
    if (!ok)
        return cli_fail("probe", wn_seterr(WN_EIO, "%s: cannot write", path));
    return 0;
}

static int parse(int argc, char **argv, wn_probe_opts *o, const char **out,
                 int *curve, int *json)
{
    static const struct option longopts[] = {
        {"max-mib", required_argument, NULL, 'm'},
        {"points", required_argument, NULL, 'p'},
        {"out", required_argument, NULL, 'o'},
        {"curve", no_argument, NULL, 'c'},
        {"json", no_argument, NULL, 'j'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    unsigned long long v;
    int c;
    optind = 1;
    opterr = 0;   /* one line, ours, instead of getopt's too */
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case 'm':
            if (cli_parse_u64(optarg, &v) || v < 1 || v > 65536)
                return cli_usage_error("probe", "--max-mib '%s': want 1..65536",
                                       optarg);
            o->max_bytes = v << 20;
            break;
        case 'p':
            if (cli_parse_u64(optarg, &v) || v < 1 || v > 16)
                return cli_usage_error("probe", "--points '%s': want 1..16", optarg);
            o->points_per_octave = (int)v;
            break;
        case 'o': *out = optarg; break;
        case 'c': *curve = 1; break;
        case 'j': *json = 1; break;
        case 'h': usage(stdout); return -1;
        default:
            return cli_usage_error("probe", "unknown or incomplete option '%s'",
                                   argv[optind - 1]);
        }
    }
    if (optind < argc)
        return cli_usage_error("probe", "unexpected argument '%s'", argv[optind]);
    return 0;
}

/* Pin the calling thread to the CPU it runs on, for a clean curve. */
static void pin_here(void)
{
    int cpu = sched_getcpu();
    if (cpu < 0)
        return;
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    (void)sched_setaffinity(0, sizeof set, &set);
}

int cmd_probe(int argc, char **argv)
{
    wn_probe_opts o;
    wn_probe_opts_default(&o);
    o.max_bytes = 0;
    const char *out = NULL;
    int curve = 0, json = 0;
    int rc = parse(argc, argv, &o, &out, &curve, &json);
    if (rc)
        return rc < 0 ? 0 : rc;
    wn_host host;
    if (wn_host_detect(&host) != WN_OK)
        return cli_fail("probe", WN_EUNAVAILABLE);
    wn_hw_profile rep, meas;
    wn_hw_profile_from_host(&host, &rep);
    if (o.max_bytes == 0)
        o.max_bytes = wn_probe_default_max_bytes(&rep);
    if (!json)
        fprintf(stderr, "wattnet probe: working sets 4 KiB .. %llu MiB on one "
                "pinned thread...\n", (unsigned long long)(o.max_bytes >> 20));
    pin_here();
    wn_probe_result r;
    if ((rc = wn_probe_caches(&o, &r)) != WN_OK)
        return cli_fail("probe", rc);
    wn_hw_profile_from_probe(&rep, &r, &meas);
    char why[256];
    int plausible = wn_hw_profile_plausible(&rep, why, sizeof why);
    if (json) {
        cJSON *j = result_json(&r, &rep, &meas, plausible, why);
        char *s = cJSON_PrintUnformatted(j);
        printf("%s\n", s ? s : "null");
        cJSON_free(s);
        cJSON_Delete(j);
    } else {
        print_text(&r, &rep, plausible, why, curve);
    }
    return out ? write_profile(out, &meas) : 0;
}
