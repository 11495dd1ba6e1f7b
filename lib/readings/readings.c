/*
 * readings.c - raw meter readings into joules and watts: the wrap rule,
 * the unit, the reset rule (a "wrap" no plausible power could make), and
 * the power trace of a window.  The meter's running totals
 * (lib/meter) and the stored readings (lib/store) both convert here, so a
 * re-integration from the store gives what the meter gave.
 */
#include <stdio.h>
#include <string.h>

#include <wattnet/core.h>
#include <wattnet/readings.h>

void wn_raw_window_clear(wn_raw_window *w)
{
    if (!w)
        return;
    wn_free(w->samples);
    memset(w, 0, sizeof *w);
}

uint64_t wn_raw_delta(uint64_t range, uint64_t prev, uint64_t cur)
{
    if (cur >= prev)
        return cur - prev;
    if (range == 0 || prev > range)
        return cur - prev;   /* 64-bit counter: modulo 2^64 */
    return range - prev + cur;
}

int wn_raw_is_reset(uint64_t range, double unit, uint64_t prev, uint64_t cur,
                    double dt)
{
    if (cur >= prev)
        return 0;
    double joules = (double)wn_raw_delta(range, prev, cur) * unit;
    return !(joules <= WN_RAW_MAX_WATTS * (dt > 1.0 ? dt : 1.0));
}

double wn_raw_joules(int is_counter, double unit, uint64_t ticks,
                     double tick_s)
{
    if (is_counter)
        return (double)ticks * unit;
    return tick_s * unit;
}

double wn_raw_domain_joules(const wn_raw_domain *d)
{
    return wn_raw_joules(d->is_counter, d->unit, d->ticks, d->tick_s);
}

/* The series of domain d: one point per sample (power) or per gap between
 * samples (counter, stamped at the gap's end). */
static int series_fill(const wn_raw_window *w, const wn_raw_domain *d,
                       wn_power_series *s)
{
    const wn_raw_sample *x = w->samples + d->first;
    size_t n = d->n_samples;
    snprintf(s->name, sizeof s->name, "%s:%s", d->source, d->name);
    s->in_total = d->in_total;
    s->n = 0;
    if (n == 0)
        return WN_OK;
    s->t_s = wn_calloc(n, sizeof *s->t_s);
    s->power_w = wn_calloc(n, sizeof *s->power_w);
    if (!s->t_s || !s->power_w)
        return wn_seterr(WN_ENOMEM, "readings: out of memory");
    for (size_t i = 0; i < n; i++) {
        if (!d->is_counter) {
            s->t_s[s->n] = x[i].t;
            s->power_w[s->n++] = (double)x[i].ticks * d->unit;
        } else if (i > 0 && x[i].t > x[i - 1].t &&
                   !wn_raw_is_reset(d->range, d->unit, x[i - 1].ticks,
                                    x[i].ticks, x[i].t - x[i - 1].t)) {
            uint64_t dt = wn_raw_delta(d->range, x[i - 1].ticks, x[i].ticks);
            s->t_s[s->n] = x[i].t;
            s->power_w[s->n++] = wn_raw_joules(1, d->unit, dt, 0.0) /
                                 (x[i].t - x[i - 1].t);
        }
    }
    return WN_OK;
}

int wn_raw_power_trace(const wn_raw_window *w, wn_power_trace *out)
{
    int rc = WN_OK;
    if (!w || !out)
        return wn_seterr(WN_EINVAL, "readings: power_trace: NULL argument");
    memset(out, 0, sizeof *out);
    out->seconds = w->seconds;
    for (size_t k = 0; k < w->n_domains && k < WN_MAX_DOMAINS; k++) {
        const wn_raw_domain *d = &w->domains[k];
        if (d->first > w->n_samples || d->n_samples > w->n_samples - d->first) {
            rc = wn_seterr(WN_EFORMAT, "readings: domain %s: samples out of "
                           "range", d->name);
            break;
        }
        rc = series_fill(w, d, &out->series[out->n_series++]);
        if (rc)
            break;
    }
    if (rc)
        wn_power_trace_clear(out);
    return rc;
}

void wn_power_trace_clear(wn_power_trace *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->n_series && i < WN_MAX_DOMAINS; i++) {
        wn_free(t->series[i].t_s);
        wn_free(t->series[i].power_w);
    }
    memset(t, 0, sizeof *t);
}
