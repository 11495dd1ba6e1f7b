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
            "usage: wattnet probe [--max-mib N] [--points N] [--repeats N] [--out FILE]\n"
            "                     [--db URL [--if-missing]] [--curve] [--json]\n\n"
            "Measure the effective size of each cache level on this host: a "
            "read and a\nread-modify-write kernel over working sets from 4 KiB "
            "up, on one pinned thread;\nthe knees where the bandwidth steps "
            "down are the levels.  Shows them beside\nwhat hwloc reports, and "
            "whether that is plausible (a VM may report caches\nit does not "
            "have).  Takes a few seconds.\n\n"
            "  --max-mib N   largest working set in MiB (default: 4x the "
            "reported last\n                level when plausible, else 256)\n"
            "  --points N    sizes per doubling, 1..16 (default 4)\n"
            "  --repeats N   passes over all sizes, 1..16; each size keeps its "
            "best\n                (default 5: on a VM a slow spell lasts "
            "seconds)\n"
            "  --out FILE    write the measured hardware profile (JSON, for "
            "fit/predict\n                --hardware FILE); not written, exit "
            "1, when the passes\n                disagreed (a noisy host) or "
            "the profile is implausible\n"
            "  --db URL      keep the measured profile with this host in the "
            "runs database:\n                fit and report use it when "
            "hwloc's caches are implausible (the same rule as\n"
            "                --out)\n"
            "  --if-missing  with --db: do nothing when this host already has "
            "one\n"
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
    cJSON_AddNumberToObject(o, "pass_spread", r->pass_spread);
    cJSON_AddBoolToObject(o, "noisy", r->pass_spread > WN_PROBE_NOISY);
    cJSON_AddNumberToObject(o, "seconds", r->seconds);
    return o;
}

/* One line per cache level: hwloc's size beside the knee that measures it
 * (wn_probe_assign_levels), then the knees no level took. */
static void print_levels(const wn_probe_result *r, const wn_hw_profile *rep)
{
    int map[WN_HW_MAX_LEVELS], used[WN_PROBE_MAX_KNEES] = { 0 };
    int n = wn_probe_assign_levels(rep, r, map);
    int rows = rep->n_levels > n ? rep->n_levels : n;
    printf("level  reported (hwloc)   measured knee   plateau GB/s\n");
    for (int i = 0; i < rows; i++) {
        printf("L%-5d ", i + 1);
        if (i < rep->n_levels)
            printf("%12.3f MiB   ", rep->levels[i].size_bytes / 1048576.0);
        else
            printf("%16s   ", "-");
        if (i >= n) {
            printf("%13s\n", "not found");
        } else if (map[i] < 0) {
            printf("%13s   (no knee at or below 256 KiB: hwloc's L1 kept)\n",
                   "unresolved");
        } else {
            const wn_probe_knee *k = &r->knees[map[i]];
            used[map[i]] = 1;
            printf("%9.3f MiB   %6.1f -> %.1f\n", k->capacity_bytes / 1048576.0,
                   k->above_gbs, k->below_gbs);
        }
    }
    for (size_t i = 0; i < r->n_knees; i++)
        if (!used[i])
            printf("(the step at %.3f MiB, %.1f -> %.1f GB/s, is not "
                   "taken as a level)\n", r->knees[i].capacity_bytes / 1048576.0,
                   r->knees[i].above_gbs, r->knees[i].below_gbs);
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
    print_levels(r, rep);
    if (plausible)
        printf("hwloc's caches are plausible\n");
    else
        printf("hwloc's caches are NOT plausible: %s\nfit and predict should "
               "use the measured profile (--hardware FILE from --out)\n", why);
    if (r->pass_spread > WN_PROBE_NOISY)
        printf("WARNING: the passes disagreed by %.0f%% at the median size (a "
               "noisy host:\nanother VM or process using this core or the "
               "memory); the knees may be\nmisplaced: run it again when the "
               "machine is quiet\n", 100.0 * r->pass_spread);
    if (r->contended_points)
        printf("WARNING: at %zu of %zu sizes another process took the core "
               "during trials;\nrun it again on a quiet machine for a clean "
               "curve\n", r->contended_points, r->n_points);
    printf("probe took %.1f s\n", r->seconds);
}

static int write_profile(const char *path, const wn_hw_profile *p)
{
    int st = wn_hw_profile_save(p, path);   /* whole or not at all */
    return st == WN_OK ? 0 : cli_fail("probe", st);
}

struct probe_cli {
    const char *out, *db;
    int curve, json, if_missing;
};

static int parse(int argc, char **argv, wn_probe_opts *o, struct probe_cli *a)
{
    static const struct option longopts[] = {
        {"max-mib", required_argument, NULL, 'm'},
        {"points", required_argument, NULL, 'p'},
        {"repeats", required_argument, NULL, 'r'},
        {"out", required_argument, NULL, 'o'},
        {"db", required_argument, NULL, 'd'},
        {"if-missing", no_argument, NULL, 'I'},
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
        case 'r':
            if (cli_parse_u64(optarg, &v) || v < 1 || v > 16)
                return cli_usage_error("probe", "--repeats '%s': want 1..16", optarg);
            o->repeats = (int)v;
            break;
        case 'o': a->out = optarg; break;
        case 'd': a->db = optarg; break;
        case 'I': a->if_missing = 1; break;
        case 'c': a->curve = 1; break;
        case 'j': a->json = 1; break;
        case 'h': usage(stdout); return -1;
        default:
            return cli_usage_error("probe", "unknown or incomplete option '%s'",
                                   argv[optind - 1]);
        }
    }
    if (optind < argc)
        return cli_usage_error("probe", "unexpected argument '%s'", argv[optind]);
    if (a->if_missing && !a->db)
        return cli_usage_error("probe", "--if-missing needs --db URL");
    return 0;
}

/* Keep the measured profile with HOST in the database at URL. */
static int store_profile(const char *url, const char *host,
                         const wn_hw_profile *p)
{
    wn_store *s = NULL;
    char *js = wn_hw_profile_to_json(p);
    int rc = js ? wn_store_open(url, &s) : WN_ENOMEM;
    if (rc == WN_OK)
        rc = wn_store_put_profile(s, host, "measured", js);
    wn_store_close(&s);
    wn_free(js);
    return rc == WN_OK ? 0 : cli_fail("probe", rc);
}

/* --db URL --if-missing: 1 when HOST already has a measured profile. */
static int have_profile(const char *url, const char *host)
{
    wn_store *s = NULL;
    char *js = NULL;
    int have = wn_store_open(url, &s) == WN_OK &&
               wn_store_get_profile(s, host, "measured", &js) == WN_OK;
    wn_free(js);
    wn_store_close(&s);
    wn_clearerr();
    return have;
}

/* 1 when the measured profile may be kept (in a database or a file: the
 * one rule for both), else 0 after saying on stderr why it is not kept in
 * DEST: the curve was noisy, or the profile is implausible.  fit then keeps
 * hwloc's caches rather than a bad measurement. */
static int keepable(const wn_probe_result *r, const wn_hw_profile *meas,
                    const char *dest)
{
    char why[320];
    if (wn_probe_profile_keepable(r, meas, why, sizeof why))
        return 1;
    fprintf(stderr, "wattnet probe: the measured profile is not kept in %s: %s; "
            "run it again on a quiet machine\n", dest, why);
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
    struct probe_cli a = {0};
    int rc = parse(argc, argv, &o, &a);
    if (rc)
        return rc < 0 ? 0 : rc;
    wn_host host;
    if (wn_host_detect(&host) != WN_OK)
        return cli_fail("probe", WN_EUNAVAILABLE);
    if (a.if_missing && have_profile(a.db, host.hostname)) {
        if (!a.json)
            fprintf(stderr, "wattnet probe: %s already has a measured profile "
                    "in %s\n", host.hostname, a.db);
        return 0;
    }
    wn_hw_profile rep, meas;
    wn_hw_profile_from_host(&host, &rep);
    if (o.max_bytes == 0)
        o.max_bytes = wn_probe_default_max_bytes(&rep);
    if (!a.json)
        fprintf(stderr, "wattnet probe: working sets 4 KiB .. %llu MiB on one "
                "pinned thread...\n", (unsigned long long)(o.max_bytes >> 20));
    pin_here();
    wn_probe_result r;
    if ((rc = wn_probe_caches(&o, &r)) != WN_OK)
        return cli_fail("probe", rc);
    wn_hw_profile_from_probe(&rep, &r, &meas);
    char why[256];
    int plausible = wn_hw_profile_plausible(&rep, why, sizeof why);
    if (a.json) {
        cJSON *j = result_json(&r, &rep, &meas, plausible, why);
        char *s = cJSON_PrintUnformatted(j);
        printf("%s\n", s ? s : "null");
        cJSON_free(s);
        cJSON_Delete(j);
    } else {
        print_text(&r, &rep, plausible, why, a.curve);
    }
    if ((a.out || a.db) && !keepable(&r, &meas, a.out ? a.out : a.db))
        return 1;
    if (a.out && (rc = write_profile(a.out, &meas)) != 0)
        return rc;
    return a.db ? store_profile(a.db, host.hostname, &meas) : 0;
}
