/*
 * meter_sampler.c - the sampler: one thread reads the due sources every
 * interval (CLOCK_MONOTONIC, absolute deadlines) under the meter's lock and
 * folds each raw reading into 64-bit running totals: a counter reading
 * below the previous one is one wrap of the domain's range (likwid's
 * overflow rule), polled power is integrated with the trapezoid rule.  A
 * counter going back further than any plausible power could wrap it is a
 * reset (wn_raw_is_reset), never a wrap; a gap long enough to hide a whole
 * wrap is flagged; a missed poll of a power source is bridged
 * (meter_bridge.c).  Window edges call wn__meter_sample_all
 * with force = 1, so a window never waits for the next tick.
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

/* Fold counter reading cur, taken at t, into d's totals. */
static void fold_counter(struct wn__meter_domain *d, uint64_t cur, double t)
{
    if (!d->have_prev) {
        d->rate_t0 = t;
        d->rate_acc0 = d->acc_ticks;
        return;
    }
    /* Going back by more than any plausible power could wrap (a 64-bit
     * counter going back at all) is a reset (module reload, resume), not a
     * wrap: the windows across it are not measurements. */
    if (wn_raw_is_reset(d->range, d->unit, d->prev_ticks, cur,
                        t - d->prev_t)) {
        d->n_reset++;
        return;
    }
    /* A gap in which the counter could have gone round a whole range (at
     * 1.5x the last rate) may hide wraps: flagged. */
    if (d->range && d->rate > 0 &&
        (t - d->prev_t) * d->rate * 1.5 >= (double)d->range)
        d->n_gap++;
    if (cur < d->prev_ticks)
        d->wraps++;
    d->acc_ticks += wn__meter_delta(d, d->prev_ticks, cur);
    /* The rate over a quarter second at least: a short interval's rate is
     * noise. */
    if (t - d->rate_t0 >= 0.25) {
        d->rate = (double)(d->acc_ticks - d->rate_acc0) / (t - d->rate_t0);
        d->rate_t0 = t;
        d->rate_acc0 = d->acc_ticks;
    }
}

/* Fold power reading cur (trapezoid rule). */
static void fold_power(struct wn__meter_domain *d, uint64_t cur, double t)
{
    if (cur == 0)
        d->n_zero++;
    if (d->have_prev && t > d->prev_t)
        d->acc_tick_s += 0.5 * ((double)d->prev_ticks + (double)cur) *
                         (t - d->prev_t);
}

/* A failed read: a power domain with a reading before misses one poll
 * (bridged by the next reading, meter_bridge.c); anything else is a read
 * error. */
static void read_failed(struct wn__meter_src *s)
{
    for (size_t i = 0; i < s->n_dom; i++) {
        struct wn__meter_domain *d = &s->dom[i];
        if (d->kind == WN__KIND_POWER && d->have_prev)
            d->missed++;
        else
            d->n_err++;
    }
}

/* Read s (whose domains are the meter's k0, k0 + 1, ...) and fold the
 * readings into its totals and the raw ring.  The readings carry the time
 * just before this source's read.  Returns that time stamp. */
static double sample_src(wn_meter *m, struct wn__meter_src *s, size_t k0)
{
    uint64_t ticks[WN_MAX_DOMAINS];
    double t = wn__meter_now();
    s->last_read_t = t;
    if (s->ops->read(s, ticks) != WN_OK) {
        read_failed(s);
        return t;
    }
    for (size_t i = 0; i < s->n_dom; i++) {
        struct wn__meter_domain *d = &s->dom[i];
        if (d->kind == WN__KIND_COUNTER) {
            fold_counter(d, ticks[i], t);
        } else {
            if (wn__meter_missed_gap(m, s, d, t))
                d->n_gap++;
            if (d->missed)
                wn__meter_bridge(m, k0 + i, d, ticks[i], t);
            fold_power(d, ticks[i], t);
        }
        d->missed = 0;
        d->prev_ticks = ticks[i];
        d->prev_t = t;
        d->have_prev = 1;
        wn__meter_ring_push(m, k0 + i, t, ticks[i]);
    }
    return t;
}

/* Read the due sources (every one when force); returns the time stamp of
 * the first source's readings, which window edges use so that seconds and
 * joules cover the same interval (exactly so for a single source). */
double wn__meter_sample_all(wn_meter *m, int force)
{
    double t = wn__meter_now(), first = -1.0;
    size_t k0 = 0;
    for (size_t i = 0; i < m->n_src; k0 += m->src[i]->n_dom, i++) {
        struct wn__meter_src *s = m->src[i];
        if (!force && s->min_interval_ms &&
            (t - s->last_read_t) * 1000.0 < (double)s->min_interval_ms)
            continue;
        double ts = sample_src(m, s, k0);
        if (first < 0)
            first = ts;
    }
    return first < 0 ? t : first;
}

static void *sampler_main(void *arg)
{
    wn_meter *m = arg;
    struct timespec next;
    clock_gettime(CLOCK_MONOTONIC, &next);
    pthread_mutex_lock(&m->lock);
    while (!m->stop) {
        long ns = (long)m->interval_ms * 1000000L;
        next.tv_nsec += ns % 1000000000L;
        next.tv_sec += ns / 1000000000L + next.tv_nsec / 1000000000L;
        next.tv_nsec %= 1000000000L;
        int wrc = 0;
        while (!m->stop && wrc != ETIMEDOUT)
            wrc = pthread_cond_timedwait(&m->cond, &m->lock, &next);
        if (m->stop)
            break;
        wn__meter_sample_all(m, 0);
        /* Fell behind (a slow source): restart the schedule from now. */
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (now.tv_sec > next.tv_sec ||
            (now.tv_sec == next.tv_sec && now.tv_nsec > next.tv_nsec))
            next = now;
    }
    pthread_mutex_unlock(&m->lock);
    return NULL;
}


/* Start the sampler thread (after the first readings). */
int wn__meter_sampler_start(wn_meter *m)
{
    if (pthread_mutex_init(&m->lock, NULL) != 0)
        return wn_seterr(WN_ENOMEM, "meter: open: mutex");
    m->lock_ok = 1;
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    int crc = pthread_cond_init(&m->cond, &ca);
    pthread_condattr_destroy(&ca);
    if (crc != 0)
        return wn_seterr(WN_ENOMEM, "meter: open: condition variable");
    m->cond_ok = 1;
    wn__meter_sample_all(m, 1);   /* first readings: totals start here */
    if (pthread_create(&m->thread, NULL, sampler_main, m) != 0)
        return wn_seterr(WN_ENOMEM, "meter: open: cannot start the sampler");
    m->thread_ok = 1;
    return WN_OK;
}

/* Stop and join the thread; free the lock (each only if it was made). */
void wn__meter_sampler_stop(wn_meter *m)
{
    if (m->thread_ok) {
        pthread_mutex_lock(&m->lock);
        m->stop = 1;
        pthread_cond_broadcast(&m->cond);
        pthread_mutex_unlock(&m->lock);
        pthread_join(m->thread, NULL);
        m->thread_ok = 0;
    }
    if (m->cond_ok)
        pthread_cond_destroy(&m->cond);
    if (m->lock_ok)
        pthread_mutex_destroy(&m->lock);
    m->cond_ok = m->lock_ok = 0;
}
