/*
 * meter_rapl.c - RAPL energy counters through the Linux powercap tree
 * (Intel, and AMD which uses the same tree).
 *
 * Layout read (root: $WATTNET_POWERCAP_ROOT, else /sys/class/powercap):
 *     intel-rapl:0/{name,energy_uj,max_energy_range_uj}      "package-0"
 *     intel-rapl:0/intel-rapl:0:0/{name,energy_uj,...}       "core"
 *     intel-rapl:0/intel-rapl:0:1/...                        "uncore"|"dram"
 *     intel-rapl:1/...                                       "psys"
 *     intel-rapl-mmio:0/...                                  "package-0"
 * The class directory also lists the nested zones at top level (symlinks);
 * a zone is taken once (by its id), and an mmio zone that repeats an MSR
 * zone's name is skipped.  Ticks are microjoules; each counter wraps at its
 * own max_energy_range_uj.  Containment: psys > package > core, uncore;
 * psys > dram (dram is only added when there is no psys).  energy_uj is
 * root-only since Linux 5.10 (CVE-2020-8694): the message names the file
 * and the fix.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <wattnet/core.h>
#include <wattnet/meter.h>

#include "meter/meter_internal.h"

#define MAX_ZONES 32

struct zone {
    char id[64];              /* "intel-rapl:0:1" */
    char dir[512];
    char name[32];            /* kernel name: "package-0", "core", ... */
    char parent_name[32];     /* "" for top-level zones */
    int mmio;
};

struct rapl_state {
    char path[WN_MAX_DOMAINS][600];   /* energy_uj per domain */
};

static const char *powercap_root(void)
{
    const char *r = getenv("WATTNET_POWERCAP_ROOT");
    return r && r[0] ? r : "/sys/class/powercap";
}

static int is_zone_id(const char *s, int *mmio)
{
    if (strncmp(s, "intel-rapl-mmio:", 16) == 0) {
        *mmio = 1;
        return 1;
    }
    if (strncmp(s, "intel-rapl:", 11) == 0) {
        *mmio = 0;
        return 1;
    }
    return 0;
}

static int have_zone(const struct zone *z, size_t n, const char *id)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(z[i].id, id) == 0)
            return 1;
    return 0;
}

/* Add the zones directly under dir (and their children, one level). */
static int scan(const char *dir, const char *parent_name, struct zone *z,
                size_t *n, int depth)
{
    DIR *d = opendir(dir);
    if (!d)
        return errno == EACCES
                   ? wn_seterr(WN_EPERM, "rapl: %s: permission denied: run as "
                               "root or make it readable", dir)
                   : wn_seterr(WN_EUNAVAILABLE, "rapl: no powercap tree at %s "
                               "(no RAPL here, or the intel_rapl modules are "
                               "not loaded)", dir);
    struct dirent *e;
    size_t first = *n;
    while ((e = readdir(d)) != NULL) {
        int mmio;
        if (!is_zone_id(e->d_name, &mmio) || have_zone(z, *n, e->d_name))
            continue;
        if (*n >= MAX_ZONES)
            break;
        struct zone *zz = &z[*n];
        memset(zz, 0, sizeof *zz);
        snprintf(zz->id, sizeof zz->id, "%.63s", e->d_name);
        snprintf(zz->dir, sizeof zz->dir, "%s/%s", dir, e->d_name);
        snprintf(zz->parent_name, sizeof zz->parent_name, "%s", parent_name);
        zz->mmio = mmio;
        char p[600];
        snprintf(p, sizeof p, "%s/name", zz->dir);
        if (wn__meter_read_file(p, zz->name, sizeof zz->name) != WN_OK)
            continue;   /* not a zone (the control-type directory) */
        (*n)++;
    }
    closedir(d);
    size_t last = *n;
    if (depth == 0)
        for (size_t i = first; i < last; i++) {
            char pname[32];
            snprintf(pname, sizeof pname, "%s", z[i].name);
            int rc = scan(z[i].dir, pname, z, n, 1);
            if (rc == WN_EPERM)
                return rc;
        }
    wn_clearerr();
    return WN_OK;
}

static int cmp_zone(const void *a, const void *b)
{
    const struct zone *x = a, *y = b;
    if (x->mmio != y->mmio)
        return x->mmio - y->mmio;
    return strcmp(x->id, y->id);
}

/* A nested zone at top level (symlink "intel-rapl:0:0") has no parent name:
 * find it from the zone whose id is the prefix. */
static void fix_parents(struct zone *z, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (z[i].parent_name[0])
            continue;
        const char *colon = strrchr(z[i].id, ':');
        const char *first = strchr(z[i].id, ':');
        if (!colon || colon == first)
            continue;   /* top-level id: one colon */
        size_t plen = (size_t)(colon - z[i].id);
        for (size_t j = 0; j < n; j++)
            if (strlen(z[j].id) == plen && strncmp(z[j].id, z[i].id, plen) == 0)
                snprintf(z[i].parent_name, sizeof z[i].parent_name, "%s",
                         z[j].name);
    }
}

static void domain_name(const struct zone *zz, size_t idx, char *out,
                        size_t n)
{
    const char *dash = strchr(zz->parent_name, '-');
    if (strncmp(zz->name, "package-", 8) == 0 || strcmp(zz->name, "psys") == 0)
        snprintf(out, n, "%s", zz->name);
    else if (zz->parent_name[0] && dash)
        snprintf(out, n, "%s-%s", zz->name, dash + 1);
    else
        snprintf(out, n, "%s-%zu", zz->name, idx);
}

/* energy_uj readable by root only: the file, why, and the fix. */
static int denied(const char *path)
{
    return wn_seterr(WN_EPERM, "rapl: %s: permission denied: energy_uj is "
                     "readable by root only since Linux 5.10 (CVE-2020-8694)"
                     ": run as root, or `sudo chmod o+r %s` and the other "
                     "zones' energy_uj (until reboot; a udev rule keeps it)",
                     path, path);
}

static int rapl_open(struct wn__meter_src *src, const wn_meter_opts *o)
{
    (void)o;
    struct zone zones[MAX_ZONES];
    size_t n = 0;
    const char *root = powercap_root();
    int rc = scan(root, "", zones, &n, 0);
    if (rc)
        return rc;
    if (n == 0)
        return wn_seterr(WN_EUNAVAILABLE, "rapl: no intel-rapl zones under %s",
                         root);
    /* Nested zones listed at top level keep the nested entry's parent:
     * rescan order puts top-level copies first, so fix their parents. */
    fix_parents(zones, n);
    qsort(zones, n, sizeof zones[0], cmp_zone);
    struct rapl_state *st = wn_calloc(1, sizeof *st);
    if (!st)
        return wn_seterr(WN_ENOMEM, "rapl: out of memory");
    src->state = st;
    int have_psys = 0;
    for (size_t i = 0; i < n; i++)
        have_psys |= strcmp(zones[i].name, "psys") == 0;
    for (size_t i = 0; i < n; i++) {
        const struct zone *zz = &zones[i];
        char name[48], p[600];
        domain_name(zz, i, name, sizeof name);
        int dup = 0;
        for (size_t j = 0; j < src->n_dom; j++)
            dup |= strcmp(src->dom[j].name, name) == 0;
        if (dup)
            continue;   /* mmio copy of an MSR zone */
        uint64_t v, range = 0;
        snprintf(p, sizeof p, "%s/energy_uj", zz->dir);
        rc = wn__meter_read_u64(p, &v);
        if (rc == WN_EPERM)
            return denied(p);
        if (rc)
            return wn_seterr(rc, "rapl: %s", wn_errmsg());
        snprintf(st->path[src->n_dom], sizeof st->path[0], "%s", p);
        snprintf(p, sizeof p, "%s/max_energy_range_uj", zz->dir);
        if (wn__meter_read_u64(p, &range) != WN_OK)
            range = 0;
        struct wn__meter_domain *d =
            wn__meter_add_domain(src, name, WN__KIND_COUNTER, 1e-6, range);
        if (!d)
            break;
        if (strncmp(zz->name, "core", 4) == 0 ||
            strncmp(zz->name, "uncore", 6) == 0)
            snprintf(d->contained_in, sizeof d->contained_in, "%s",
                     zz->parent_name);
        else if (have_psys && strcmp(zz->name, "psys") != 0)
            snprintf(d->contained_in, sizeof d->contained_in, "psys");
    }
    wn_clearerr();
    return WN_OK;
}

static int rapl_read(struct wn__meter_src *src, uint64_t *ticks)
{
    const struct rapl_state *st = src->state;
    for (size_t i = 0; i < src->n_dom; i++) {
        int rc = wn__meter_read_u64(st->path[src->dom[i].slot], &ticks[i]);
        if (rc)
            return rc;
    }
    return WN_OK;
}

static void rapl_close(struct wn__meter_src *src)
{
    wn_free(src->state);
    src->state = NULL;
}

const struct wn_meter_ops wn__meter_rapl_ops = {
    .name = "rapl",
    .update_s = 0.001,          /* RAPL MSRs update about every 1 ms */
    .node_level = 0,
    .is_estimate = 0,
    .open = rapl_open,
    .read = rapl_read,
    .close = rapl_close,
};
