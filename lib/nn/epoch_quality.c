/*
 * epoch_quality.c - whether an epoch's time is the network's own: the
 * evidence (two procstat samples around the epoch -> CPU time, involuntary
 * context switches, host steal) and the one verdict, wn_epoch_contention.
 *
 * The rules (docs/training.md, "Contended epochs"), for an epoch of wall
 * time W run with T threads:
 *   cpu       cpu_seconds / W < 0.75 of one CPU.  CPU training never waits
 *             for I/O and at least one thread always works, so a quiet
 *             epoch keeps at least one CPU busy; less means it was
 *             descheduled.  The floor is one CPU, not T: with passive
 *             OpenMP waiting (cli/main.c) a quiet T-thread epoch uses
 *             between 1 and T CPUs depending on how much of it is
 *             parallel (a small net's epoch is mostly serial).
 *   switches  involuntary context switches > 100 per thread-second (and
 *             at least 5): the scheduler kept preempting it for other work
 *             (quiet VM: at most 29; one other busy process: 3,500).
 *   steal     host steal / host CPU time > 0.05 over the epoch (only when
 *             the host's CPU time over the epoch is >= 20 ticks).
 * An epoch with no evidence (a run stored before, a GPU run) is UNKNOWN and
 * counts as not contended, so old databases keep their old time targets.
 */
#include <stdio.h>
#include <string.h>

#include <wattnet/core.h>
#include <wattnet/train.h>

#include "nn/epoch_quality.h"

void wn__epoch_quality_fill(wn_epoch_stats *s, const struct wn__proc_sample *a,
                            const struct wn__proc_sample *b)
{
    s->has_cpu = 0;
    s->cpu_seconds = 0.0;
    s->invol_switches = 0;
    s->has_steal = 0;
    s->steal_fraction = 0.0;
    if (a->has_self && b->has_self && b->cpu_s >= a->cpu_s &&
        b->nivcsw >= a->nivcsw) {
        s->has_cpu = 1;
        s->cpu_seconds = b->cpu_s - a->cpu_s;
        s->invol_switches = b->nivcsw - a->nivcsw;
    }
    double total = b->total_ticks - a->total_ticks;
    double steal = b->steal_ticks - a->steal_ticks;
    if (a->has_host && b->has_host && total >= WN__STEAL_MIN_TICKS &&
        steal >= 0.0 && steal <= total) {
        s->has_steal = 1;
        s->steal_fraction = steal / total;
    }
}

unsigned wn_epoch_contention(const wn_epoch_stats *s, int threads)
{
    unsigned why = 0;
    if (s == NULL || !(s->seconds > 0.0) || (!s->has_cpu && !s->has_steal))
        return WN_CONTENDED_UNKNOWN;
    double t = threads > 0 ? (double)threads : 1.0;
    if (s->has_cpu) {
        if (s->cpu_seconds / s->seconds < WN_CONTENTION_CPU_FRACTION)
            why |= WN_CONTENDED_CPU;
        double sw = (double)s->invol_switches;
        if (s->invol_switches >= WN_CONTENTION_MIN_SWITCHES &&
            sw > WN_CONTENTION_SWITCHES_PER_S * t * s->seconds)
            why |= WN_CONTENDED_SWITCHES;
    }
    if (s->has_steal && s->steal_fraction > WN_CONTENTION_STEAL)
        why |= WN_CONTENDED_STEAL;
    return why;
}

int wn_epoch_contended(const wn_epoch_stats *s, int threads)
{
    unsigned why = wn_epoch_contention(s, threads);
    return (why & ~WN_CONTENDED_UNKNOWN) != 0;
}

const char *wn_contention_reasons(unsigned reasons, char *buf, size_t n)
{
    static const struct { unsigned bit; const char *name; } names[] = {
        {WN_CONTENDED_CPU, "cpu"},
        {WN_CONTENDED_SWITCHES, "switches"},
        {WN_CONTENDED_STEAL, "steal"},
    };
    size_t o = 0;
    if (buf == NULL || n == 0)
        return "";
    buf[0] = '\0';
    if (reasons == WN_CONTENDED_UNKNOWN) {
        snprintf(buf, n, "unknown");
        return buf;
    }
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (!(reasons & names[i].bit))
            continue;
        int k = snprintf(buf + o, n - o, "%s%s", o ? "+" : "", names[i].name);
        if (k < 0 || (size_t)k >= n - o)
            break;
        o += (size_t)k;
    }
    if (o == 0)
        snprintf(buf, n, "none");
    return buf;
}
