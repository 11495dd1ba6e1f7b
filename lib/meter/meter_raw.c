/*
 * meter_raw.c - the raw readings behind a window, kept as plain values so
 * that energy can be re-integrated later (likwid keeps PowerData's ticks
 * and converts late).  The sampler pushes every reading of every domain
 * into a per-domain ring of WN__METER_RING readings; when a window closes,
 * its edges (ticks, wraps, unit, range) and the ring's readings inside it
 * are copied into m->last_raw, which wn_meter_window_raw hands out.  A
 * window longer than the ring holds keeps its newest readings and counts
 * the others as dropped.  Called under the meter's lock.
 */
#include <stdio.h>
#include <string.h>

#include <wattnet/core.h>
#include <wattnet/meter.h>

#include "meter/meter_internal.h"

void wn__meter_ring_push(wn_meter *m, size_t k, double t, uint64_t ticks)
{
    if (!m->ring || k >= m->n_dom)
        return;
    struct wn__meter_reading *r =
        &m->ring[k * WN__METER_RING + m->ring_n[k] % WN__METER_RING];
    r->t = t;
    r->ticks = ticks;
    m->ring_n[k]++;
}

static int width_bits(uint64_t range)
{
    if (range == 0 || (range & (range - 1)) != 0)
        return 0;
    int bits = 0;
    while (range > 1) {
        range >>= 1;
        bits++;
    }
    return bits;
}

/* How many of domain k's held readings fall in [t0, t1]. */
static size_t count_samples(const wn_meter *m, size_t k, double t0, double t1)
{
    uint64_t n = m->ring_n[k];
    uint64_t held = n < WN__METER_RING ? n : WN__METER_RING;
    const struct wn__meter_reading *ring = &m->ring[k * WN__METER_RING];
    size_t c = 0;
    for (uint64_t i = n - held; i < n; i++) {
        const struct wn__meter_reading *r = &ring[i % WN__METER_RING];
        c += r->t >= t0 && r->t <= t1;
    }
    return c;
}

/* Copy domain k's ring readings in [t0, t1] into w->samples (room for
 * them was made); fills d->first, n_samples, dropped. */
static void copy_samples(const wn_meter *m, size_t k, double t0, double t1,
                         wn_raw_window *w, wn_raw_domain *d)
{
    uint64_t n = m->ring_n[k];
    uint64_t held = n < WN__METER_RING ? n : WN__METER_RING;
    const struct wn__meter_reading *ring = &m->ring[k * WN__METER_RING];
    d->first = w->n_samples;
    for (uint64_t i = n - held; i < n; i++) {
        const struct wn__meter_reading *r = &ring[i % WN__METER_RING];
        if (r->t < t0 || r->t > t1)
            continue;
        w->samples[w->n_samples].t = r->t - t0;
        w->samples[w->n_samples++].ticks = r->ticks;
    }
    d->n_samples = w->n_samples - d->first;
    /* The oldest held reading is after t0: readings were overwritten. */
    if (n > held && ring[(n - held) % WN__METER_RING].t > t0)
        d->dropped = 1;   /* at least one; the ring does not know more */
}

int wn__meter_raw_capture(wn_meter *m, const struct wn__meter_window *win,
                          double t1)
{
    wn_raw_window *w = &m->last_raw;
    wn_raw_window_clear(w);
    w->seconds = t1 - win->t0;
    size_t room = 0;
    for (size_t k = 0; k < m->n_dom; k++)
        room += count_samples(m, k, win->t0, t1);
    w->samples = wn_calloc(room + 1, sizeof *w->samples);
    if (!w->samples)
        return wn_seterr(WN_ENOMEM, "meter: raw readings: out of memory");
    size_t k = 0;
    for (size_t i = 0; i < m->n_src; i++)
        for (size_t j = 0; j < m->src[i]->n_dom; j++, k++) {
            const struct wn__meter_domain *md = &m->src[i]->dom[j];
            wn_raw_domain *d = &w->domains[w->n_domains++];
            snprintf(d->source, sizeof d->source, "%s", m->src[i]->ops->name);
            snprintf(d->name, sizeof d->name, "%s", md->name);
            d->is_counter = md->kind == WN__KIND_COUNTER;
            d->unit = md->unit;
            d->range = md->range;
            d->width_bits = width_bits(md->range);
            d->in_total = md->in_total;
            d->ticks_begin = win->ticks0[k];
            d->ticks_end = md->prev_ticks;
            d->wraps = md->wraps - win->wraps[k];
            d->ticks = md->acc_ticks - win->acc[k];
            d->tick_s = wn__meter_window_tick_s(win, k, md, t1);
            copy_samples(m, k, win->t0, t1, w, d);
        }
    return WN_OK;
}

int wn_meter_window_raw(wn_meter *m, wn_raw_window *out)
{
    int rc = WN_OK;
    if (!m || !out)
        return wn_seterr(WN_EINVAL, "meter: window_raw: NULL argument");
    memset(out, 0, sizeof *out);
    pthread_mutex_lock(&m->lock);
    const wn_raw_window *w = &m->last_raw;
    if (!w->samples) {
        rc = wn_seterr(WN_ESTATE, "meter: no window was closed yet");
        goto out;
    }
    *out = *w;
    out->samples = wn_calloc(w->n_samples + 1, sizeof *out->samples);
    if (!out->samples) {
        memset(out, 0, sizeof *out);
        rc = wn_seterr(WN_ENOMEM, "meter: window_raw: out of memory");
        goto out;
    }
    memcpy(out->samples, w->samples, w->n_samples * sizeof *w->samples);
out:
    pthread_mutex_unlock(&m->lock);
    return rc;
}
