/*
 * probe_profile.c - glue between the cache probe (probe.h) and the model's
 * hardware profiles (model.h): is what hwloc reports plausible, and the
 * measured profile (hwloc's topology: cores, sharing, instances, memory;
 * the probe's capacities for the levels it found).
 */
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

void wn_hw_profile_from_probe(const wn_hw_profile *reported,
                              const wn_probe_result *r, wn_hw_profile *out)
{
    *out = *reported;
    int n = (int)r->n_knees < WN_HW_MAX_LEVELS ? (int)r->n_knees : WN_HW_MAX_LEVELS;
    for (int i = 0; i < n; i++) {
        wn_hw_level *l = &out->levels[i];
        if (i >= reported->n_levels) {   /* a level hwloc did not report */
            snprintf(l->name, sizeof l->name, "L%d", i + 1);
            l->shared_by_cores = 1;
            l->instances = reported->cores > 0 ? reported->cores : 1;
        }
        l->size_bytes = r->knees[i].capacity_bytes;
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
