/*
 * meter_estimate.c - the labelled estimate, used only when nothing measures:
 * CPU time (this process and its waited-for children, from getrusage) times
 * watts per busy core.
 *
 * Watts per core come from opts->cpu_watts, else a small table of known CPUs
 * (TDP / cores, matched on /proc/cpuinfo's "model name"), else
 * WN_DEFAULT_CPU_WATTS (10 W per busy core, a mid-range server core at full
 * load).  Readings are CPU microseconds; the unit is watts * 1e-6 J per tick.
 * Source "estimate", is_estimate = 1: never passed off as a measurement.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include <wattnet/core.h>
#include <wattnet/meter.h>

#include "meter/meter_internal.h"

#define WN_DEFAULT_CPU_WATTS 10.0

static const struct {
    const char *match;        /* substring of the model name */
    double watts_per_core;    /* TDP / cores */
} known_cpus[] = {
    { "Gold 6154", 200.0 / 18 },      /* the BUTTER-E CPU nodes */
    { "Gold 6248", 150.0 / 20 },
    { "Gold 6338", 205.0 / 32 },
    { "Platinum 8380", 270.0 / 40 },
    { "Platinum 8480", 350.0 / 56 },
    { "EPYC 7742", 225.0 / 64 },
    { "EPYC 7763", 280.0 / 64 },
    { "EPYC 9654", 360.0 / 96 },
};

double wn__meter_cpu_watts(char *model, size_t n)
{
    char line[512];
    if (model && n)
        model[0] = '\0';
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (!f)
        return WN_DEFAULT_CPU_WATTS;
    double w = WN_DEFAULT_CPU_WATTS;
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, "model name", 10) != 0)
            continue;
        const char *colon = strchr(line, ':');
        const char *name = colon ? colon + 1 : line;
        while (*name == ' ' || *name == '\t')
            name++;
        if (model && n) {
            snprintf(model, n, "%s", name);
            model[strcspn(model, "\n")] = '\0';
        }
        for (size_t i = 0; i < sizeof known_cpus / sizeof known_cpus[0]; i++)
            if (strstr(name, known_cpus[i].match))
                w = known_cpus[i].watts_per_core;
        break;
    }
    fclose(f);
    return w;
}

static uint64_t cpu_us(void)
{
    struct rusage self, kids;
    getrusage(RUSAGE_SELF, &self);
    getrusage(RUSAGE_CHILDREN, &kids);
    uint64_t us = 0;
    const struct rusage *r[2] = { &self, &kids };
    for (int i = 0; i < 2; i++)
        us += (uint64_t)r[i]->ru_utime.tv_sec * 1000000u +
              (uint64_t)r[i]->ru_utime.tv_usec +
              (uint64_t)r[i]->ru_stime.tv_sec * 1000000u +
              (uint64_t)r[i]->ru_stime.tv_usec;
    return us;
}

static int estimate_open(struct wn__meter_src *src, const wn_meter_opts *o)
{
    char model[128];
    double w = o->cpu_watts;
    if (w < 0 || w > 10000)
        return wn_seterr(WN_EINVAL, "estimate: --cpu-watts %g is out of range "
                         "(0, 10000]", w);
    if (w == 0)
        w = wn__meter_cpu_watts(model, sizeof model);
    if (!wn__meter_add_domain(src, "cpu-time", WN__KIND_COUNTER, w * 1e-6, 0))
        return wn_seterr(WN_ENOMEM, "estimate: no domain");
    snprintf(src->notes, sizeof src->notes,
             "estimate: CPU time x %.2f W per busy core%s", w,
             o->cpu_watts > 0 ? " (--cpu-watts)" : "");
    return WN_OK;
}

static int estimate_read(struct wn__meter_src *src, uint64_t *ticks)
{
    (void)src;
    ticks[0] = cpu_us();
    return WN_OK;
}

static void estimate_close(struct wn__meter_src *src)
{
    (void)src;
}

const struct wn_meter_ops wn__meter_estimate_ops = {
    .name = "estimate",
    .update_s = 0.01,          /* CPU time in 10 ms clock ticks */
    .node_level = 0,
    .is_estimate = 1,
    .open = estimate_open,
    .read = estimate_read,
    .close = estimate_close,
};
