/*
 * meter_bridge.c - missed polls of a power source (IPMI, Redfish, NVML
 * power, any polled power domain).  One failed poll does not throw a
 * window away: the next reading's trapezoid spans the missed one, as it
 * would a slow poll.  Only a run of misses longer than WN__METER_GAP_POLLS
 * periods is a real gap (flagged sample-gap).  At a window's edges:
 *   - the opening poll failed: the next reading's segment straddles t0,
 *     and only its part after t0 (linear between the two readings) belongs
 *     to the window, so energy from before the window is never counted in
 *     it (wn__meter_bridge moves the part before t0 into the window's
 *     snapshot);
 *   - the closing poll failed: the last reading is held to t1 (the rule of
 *     the watt-meter logs), and the next reading's segment goes to later
 *     windows.
 * Counters need none of this: a missed read of a counter loses no energy,
 * and a failed read at a window's edge stays a read error.
 */
#include <stddef.h>
#include <stdint.h>

#include <wattnet/core.h>
#include <wattnet/meter.h>

#include "meter/meter_internal.h"

double wn__meter_period_s(const wn_meter *m, const struct wn__meter_src *s)
{
    unsigned ms = m->interval_ms;
    if (s->min_interval_ms > ms)
        ms = s->min_interval_ms;
    return (double)ms / 1000.0;
}

int wn__meter_missed_gap(const wn_meter *m, const struct wn__meter_src *s,
                         const struct wn__meter_domain *d, double t)
{
    return d->missed > 0 &&
           t - d->prev_t > WN__METER_GAP_POLLS * wn__meter_period_s(m, s);
}

/* Tick-seconds of the segment (t0, p0) -> (t1, p1) that lie before tc. */
static double part_before(double t0, double p0, double t1, double p1,
                          double tc)
{
    if (tc <= t0 || t1 <= t0)
        return 0.0;
    if (tc >= t1)
        return 0.5 * (p0 + p1) * (t1 - t0);
    double pc = p0 + (p1 - p0) * (tc - t0) / (t1 - t0);
    return 0.5 * (p0 + pc) * (tc - t0);
}

void wn__meter_bridge(wn_meter *m, size_t k,
                      const struct wn__meter_domain *d, uint64_t cur,
                      double t)
{
    if (d->kind != WN__KIND_POWER || !d->have_prev || !m->win_mem)
        return;
    for (int i = 0; i < WN__METER_MAX_WINDOWS; i++) {
        struct wn__meter_window *w = &m->win[i];
        if (!w->used || !w->pend[k])
            continue;
        w->acc_s[k] += part_before(d->prev_t, (double)d->prev_ticks, t,
                                   (double)cur, w->t0);
        w->pend[k] = 0;
    }
}

double wn__meter_window_tick_s(const struct wn__meter_window *w, size_t k,
                               const struct wn__meter_domain *d, double t1)
{
    double ts = d->acc_tick_s - w->acc_s[k];
    if (d->kind != WN__KIND_POWER || !d->missed || !d->have_prev)
        return ts;
    /* The closing poll failed: hold the last reading to t1, from the
     * window's start when no reading came inside it. */
    double from = w->pend[k] && w->t0 > d->prev_t ? w->t0 : d->prev_t;
    if (t1 > from)
        ts += (double)d->prev_ticks * (t1 - from);
    return ts;
}
