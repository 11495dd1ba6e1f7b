/*
 * meter_window.c - nestable measurement windows: begin snapshots every
 * domain's running totals after a fresh reading, end reads again and turns
 * the differences into joules per domain, seconds, average and dynamic
 * power.  A window with a counter reset, read errors, a sampling gap (a
 * missed poll of a power source is bridged; only a run longer than 3
 * periods is a gap), 0 W readings or 0 J is flagged (measured = 0): it is
 * not a measurement.
 */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <wattnet/core.h>
#include <wattnet/meter.h>

#include "meter/meter_internal.h"

int wn_meter_window_begin(wn_meter *m, int *id)
{
    if (!m || !id)
        return wn_seterr(WN_EINVAL, "meter: window_begin: no meter or id");
    int rc = WN_OK;
    pthread_mutex_lock(&m->lock);
    int w = -1;
    for (int i = 0; i < WN__METER_MAX_WINDOWS && w < 0; i++)
        if (!m->win[i].used)
            w = i;
    if (w < 0) {
        rc = wn_seterr(WN_EBUSY, "meter: more than %d open windows",
                       WN__METER_MAX_WINDOWS);
        goto out;
    }
    struct wn__meter_window *win = &m->win[w];
    win->used = 1;
    win->t0 = wn__meter_sample_all(m, 1);
    size_t k = 0;
    for (size_t i = 0; i < m->n_src; i++)
        for (size_t j = 0; j < m->src[i]->n_dom; j++, k++) {
            const struct wn__meter_domain *d = &m->src[i]->dom[j];
            win->acc[k] = d->acc_ticks;
            win->acc_s[k] = d->acc_tick_s;
            win->zero[k] = d->n_zero;
            win->err[k] = d->n_err;
            win->gap[k] = d->n_gap;
            win->wraps[k] = d->wraps;
            win->ticks0[k] = d->prev_ticks;
            win->reset[k] = d->n_reset;
            /* The opening poll of a power domain failed: the next
             * reading's segment straddles t0 (meter_bridge.c). */
            win->pend[k] = d->kind == WN__KIND_POWER && d->missed > 0;
        }
    *id = w;
out:
    pthread_mutex_unlock(&m->lock);
    return rc;
}

/* What went wrong inside a window, domain by domain. */
struct window_faults {
    int errs, resets, zeros, gaps, any_total, all_idle;
    double idle_w;
};

/* Joules per domain and the in-total sum into *out; faults into *f. */
static void sum_domains(const wn_meter *m, const struct wn__meter_window *win,
                        double t1, wn_energy *out, struct window_faults *f)
{
    size_t k = 0;
    for (size_t i = 0; i < m->n_src; i++)
        for (size_t j = 0; j < m->src[i]->n_dom; j++, k++) {
            const struct wn__meter_domain *d = &m->src[i]->dom[j];
            double joules = wn__meter_joules(
                d, d->acc_ticks - win->acc[k],
                wn__meter_window_tick_s(win, k, d, t1));
            f->errs |= d->n_err != win->err[k];
            f->resets |= d->n_reset != win->reset[k];
            f->zeros |= d->n_zero != win->zero[k];
            f->gaps |= d->n_gap != win->gap[k] ||
                       wn__meter_missed_gap(m, m->src[i], d, t1);
            f->any_total |= d->in_total;
            if (d->in_total) {
                out->energy_j += joules;
                if (isnan(m->idle_w[k]))
                    f->all_idle = 0;
                else
                    f->idle_w += m->idle_w[k];
            }
            if (out->n_domains < WN_MAX_DOMAINS) {
                wn_energy_domain *ed = &out->domains[out->n_domains++];
                snprintf(ed->name, sizeof ed->name, "%s", d->name);
                ed->energy_j = joules;
                ed->in_total = d->in_total;
            }
        }
}

int wn_meter_window_end(wn_meter *m, int id, wn_energy *out)
{
    if (!m || !out)
        return wn_seterr(WN_EINVAL, "meter: window_end: no meter or output");
    int rc = WN_OK;
    pthread_mutex_lock(&m->lock);
    if (id < 0 || id >= WN__METER_MAX_WINDOWS || !m->win[id].used) {
        rc = wn_seterr(WN_ESTATE, "meter: window %d is not open", id);
        goto out;
    }
    double t1 = wn__meter_sample_all(m, 1);
    struct wn__meter_window *win = &m->win[id];
    struct window_faults f = { 0, 0, 0, 0, 0, 1, 0.0 };
    memset(out, 0, sizeof *out);
    snprintf(out->source, sizeof out->source, "%s", m->source_name);
    out->is_estimate = m->is_estimate;
    out->seconds = t1 - win->t0;
    sum_domains(m, win, t1, out, &f);
    rc = wn__meter_raw_capture(m, win, t1);
    win->used = 0;
    if (out->seconds > 0)
        out->avg_power_w = out->energy_j / out->seconds;
    if (f.all_idle && !m->is_estimate) {
        out->has_idle = 1;
        out->idle_power_w = f.idle_w;
        out->dynamic_energy_j = out->energy_j - f.idle_w * out->seconds;
    }
    if (f.resets)
        snprintf(out->flag, sizeof out->flag, "counter-reset");
    else if (f.errs)
        snprintf(out->flag, sizeof out->flag, "read-error");
    else if (f.gaps)
        snprintf(out->flag, sizeof out->flag, "sample-gap");
    else if (f.zeros)
        snprintf(out->flag, sizeof out->flag, "zero-watts");
    else if (!f.any_total)
        snprintf(out->flag, sizeof out->flag, "no-total");
    else if (!(out->energy_j > 0.0))
        snprintf(out->flag, sizeof out->flag, "zero-energy");
    out->measured = out->flag[0] == '\0';
out:
    pthread_mutex_unlock(&m->lock);
    return rc;
}
