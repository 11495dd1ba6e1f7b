/*
 * probe_profile.c - glue between the cache probe (probe.h) and the model's
 * hardware profiles (model.h): is what hwloc reports plausible, and the
 * measured profile (hwloc's topology: cores, sharing, instances, memory;
 * the probe's capacities for the levels it found).
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <wattnet/wattnet.h>
#include <wattnet/probe.h>
#include <wattnet/probe_profile.h>

/* No CPU has more than this much last-level cache per core (AMD's 3D
 * V-Cache parts: 12 MiB per core); a VM reporting more is not measuring. */
#define MAX_CACHE_PER_CORE (64ull << 20)
/* Nor less than 16 KiB of L1 data cache; a probe disturbed by other work
 * can put its first knee far below that. */
#define MIN_L1 (16ull << 10)

int wn_hw_profile_plausible(const wn_hw_profile *p, char *why, size_t why_n)
{
    if (why && why_n)
        why[0] = '\0';
    uint64_t prev = 0, total = 0;
    if (p && p->n_levels > 0 && p->levels[0].size_bytes < MIN_L1) {
        if (why)
            snprintf(why, why_n, "%s is %llu bytes: no CPU has less than %llu "
                     "bytes of L1 data cache", p->levels[0].name,
                     (unsigned long long)p->levels[0].size_bytes,
                     (unsigned long long)MIN_L1);
        return 0;
    }
    for (int i = 0; p && i < p->n_levels; i++) {
        const wn_hw_level *l = &p->levels[i];
        int share = l->shared_by_cores > 0 ? l->shared_by_cores : 1;
        total += l->size_bytes * (uint64_t)(l->instances > 0 ? l->instances : 1);
        if (l->size_bytes / (uint64_t)share > MAX_CACHE_PER_CORE) {
            if (why)
                snprintf(why, why_n, "%s is %llu MiB per core (%llu MiB shared "
                         "by %d cores): no CPU has more than %llu MiB per core",
                         l->name, (unsigned long long)(l->size_bytes / (uint64_t)share >> 20),
                         (unsigned long long)(l->size_bytes >> 20), share,
                         (unsigned long long)(MAX_CACHE_PER_CORE >> 20));
            return 0;
        }
        if (l->size_bytes <= prev) {
            if (why)
                snprintf(why, why_n, "%s (%llu bytes) is not larger than the "
                         "level before it", l->name,
                         (unsigned long long)l->size_bytes);
            return 0;
        }
        prev = l->size_bytes;
    }
    if (p && p->memory_bytes && total > p->memory_bytes / 8) {
        if (why)
            snprintf(why, why_n, "the caches add up to %llu MiB, more than an "
                     "eighth of the memory", (unsigned long long)(total >> 20));
        return 0;
    }
    return 1;
}

/* The largest L1 data cache of any CPU is 192 KiB (Apple's P-cores); a
 * first knee far past this is an L2 (the probe ran while the core's L1 and
 * L2 gave one bandwidth, e.g. with its SMT sibling busy). */
#define MAX_L1 (256ull << 10)

static double drop(const wn_probe_knee *k)
{
    return k->below_gbs > 0 ? k->above_gbs / k->below_gbs : 0.0;
}

/* Level LVL's knee among idx[from..to) (ascending knee indices): the one
 * nearest in log-size to the reported size when that is believable (at
 * most 64 MiB per sharing core: a hypervisor passes the private caches
 * through and overstates only the shared last level), else the one with
 * the largest bandwidth drop.  Returns the position in idx. */
static int pick_middle(const wn_hw_profile *rep, int lvl,
                       const wn_probe_result *r, const int *idx, int from, int to)
{
    const wn_hw_level *l = lvl < rep->n_levels ? &rep->levels[lvl] : NULL;
    int share = l && l->shared_by_cores > 0 ? l->shared_by_cores : 1;
    int near = l && l->size_bytes > 0 &&
               l->size_bytes / (uint64_t)share <= MAX_CACHE_PER_CORE;
    int best = from;
    for (int i = from + 1; i < to; i++) {
        const wn_probe_knee *k = &r->knees[idx[i]], *b = &r->knees[idx[best]];
        int better = near
            ? fabs(log2((double)k->capacity_bytes / (double)l->size_bytes)) <
              fabs(log2((double)b->capacity_bytes / (double)l->size_bytes))
            : drop(k) > drop(b);
        if (better)
            best = i;
    }
    return best;
}

/* Levels FIRST..FIRST+SLOTS from the knees idx[0..n) above the L1 range:
 * the last level is the last knee (the spill to memory is where the
 * last-level cache ends), the ones between by pick_middle.  Returns how
 * many levels were filled. */
static int fill_levels(const wn_hw_profile *rep, const wn_probe_result *r,
                       const int *idx, int n, int first, int slots, int *map)
{
    if (n <= slots) {
        for (int i = 0; i < n; i++)
            map[first + i] = idx[i];
        return n;
    }
    int from = 0;
    for (int s = 0; s + 1 < slots; s++) {
        int at = pick_middle(rep, first + s, r, idx, from, n - slots + s + 1);
        map[first + s] = idx[at];
        from = at + 1;
    }
    if (slots > 0)
        map[first + slots - 1] = idx[n - 1];
    return slots > 0 ? slots : 0;
}

int wn_probe_assign_levels(const wn_hw_profile *reported,
                           const wn_probe_result *r, int *map)
{
    int l1 = -1, rest[WN_PROBE_MAX_KNEES], n_rest = 0;
    for (int i = 0; i < (int)r->n_knees && i < WN_PROBE_MAX_KNEES; i++) {
        uint64_t c = r->knees[i].capacity_bytes;
        if (c < MIN_L1)
            continue;   /* a disturbed tiny working set, not a cache */
        if (c > MAX_L1)
            rest[n_rest++] = i;
        else if (l1 < 0 || drop(&r->knees[i]) > drop(&r->knees[l1]))
            l1 = i;
    }
    int want = reported->n_levels > 0 ? reported->n_levels : WN_HW_MAX_LEVELS;
    if (want > WN_HW_MAX_LEVELS)
        want = WN_HW_MAX_LEVELS;
    uint64_t rep_l1 = reported->n_levels > 0 ? reported->levels[0].size_bytes : 0;
    int n = 0;
    if (l1 >= 0)
        map[n++] = l1;
    else if (rep_l1 >= MIN_L1 && rep_l1 <= MAX_L1 && n_rest > 0)
        map[n++] = -1;   /* L1 not resolved: hwloc's (plausible) L1 stands */
    return n + fill_levels(reported, r, rest, n_rest, n, want - n, map);
}

void wn_hw_profile_from_probe(const wn_hw_profile *reported,
                              const wn_probe_result *r, wn_hw_profile *out)
{
    int map[WN_HW_MAX_LEVELS];
    int n = wn_probe_assign_levels(reported, r, map);
    *out = *reported;
    for (int i = 0; i < n; i++) {
        wn_hw_level *l = &out->levels[i];
        if (i >= reported->n_levels) {   /* a level hwloc did not report */
            snprintf(l->name, sizeof l->name, "L%d", i + 1);
            l->shared_by_cores = 1;
            l->instances = reported->cores > 0 ? reported->cores : 1;
        }
        if (map[i] >= 0)
            l->size_bytes = r->knees[map[i]].capacity_bytes;
    }
    out->n_levels = n;   /* levels the probe did not find are not claimed */
    size_t len = strlen(out->name);
    if (len + sizeof " (measured)" <= sizeof out->name)
        memcpy(out->name + len, " (measured)", sizeof " (measured)");
}

uint64_t wn_probe_default_max_bytes(const wn_hw_profile *reported)
{
    uint64_t max = 256ull << 20;
    if (reported && reported->n_levels > 0 &&
        wn_hw_profile_plausible(reported, NULL, 0)) {
        uint64_t llc = reported->levels[reported->n_levels - 1].size_bytes;
        if (llc * 4 < max && llc * 4 >= (8ull << 20))
            max = llc * 4;
    }
    return max;
}

int wn_probe_profile_keepable(const wn_probe_result *r,
                              const wn_hw_profile *measured, char *why,
                              size_t why_n)
{
    char rule[256];
    if (why && why_n)
        why[0] = '\0';
    if (r->pass_spread > WN_PROBE_NOISY) {
        if (why && why_n)
            snprintf(why, why_n, "the passes disagreed by %.0f%% (more than "
                     "%.0f%%: a noisy host)", 100.0 * r->pass_spread,
                     100.0 * WN_PROBE_NOISY);
        return 0;
    }
    if (!wn_hw_profile_plausible(measured, rule, sizeof rule)) {
        if (why && why_n)
            snprintf(why, why_n, "%s (%zu of %zu sizes were disturbed by "
                     "other work)", rule, r->contended_points, r->n_points);
        return 0;
    }
    return 1;
}
