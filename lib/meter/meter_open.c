/*
 * meter_open.c - opening and closing a meter: the sources are picked once
 * (one named source, or auto mode: the CPU side rapl else perf, GPUs nvml,
 * the node ipmi else redfish, the labelled estimate when nothing measures),
 * the sampler period is shortened when a counter could wrap twice within it
 * at 2 kW (wrap_guard), idle baselines are loaded, and the sampler starts.
 * Also the getters of an open meter.  Overlapping domains (psys > package >
 * core, node > everything) carry contained_in and are never added into
 * energy_j.
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

/* The fastest plausible wrap: the one plausible-power bound (readings.h),
 * which also tells a counter reset from a wrap. */
#define WRAP_GUARD_WATTS WN_RAW_MAX_WATTS

void wn_meter_opts_default(wn_meter_opts *o)
{
    memset(o, 0, sizeof *o);
    o->source = NULL;
    o->interval_ms = 100;
    o->cpu_watts = 0.0;
    o->allow_estimate = 1;
    o->idle_state = NULL;
    o->timeout_ms = 3000;
}

/* Shorten the period so that no counter can wrap twice between samples at
 * WRAP_GUARD_WATTS (the fastest plausible wrap). */
static void wrap_guard(wn_meter *m)
{
    for (size_t i = 0; i < m->n_src; i++) {
        struct wn__meter_src *s = m->src[i];
        for (size_t j = 0; j < s->n_dom; j++) {
            struct wn__meter_domain *d = &s->dom[j];
            if (d->kind != WN__KIND_COUNTER || d->range == 0)
                continue;
            double wrap_s = (double)d->range * d->unit / WRAP_GUARD_WATTS;
            double safe_ms = floor(wrap_s * 1000.0 / 2.0);
            if (safe_ms < 1.0)
                safe_ms = 1.0;
            if ((double)m->interval_ms > safe_ms) {
                size_t len = strlen(m->warning);
                if (len + 3 >= sizeof m->warning)
                    continue;
                snprintf(m->warning + len, sizeof m->warning - len,
                         "%sinterval shortened from %u ms to %.0f ms: %s's "
                         "counter range (%.3g J) wraps in %.3g s at %.0f W",
                         len ? "; " : "", m->interval_ms, safe_ms, d->name,
                         (double)d->range * d->unit, wrap_s,
                         WRAP_GUARD_WATTS);
                m->interval_ms = (unsigned)safe_ms;
            }
        }
    }
}

static int attach(wn_meter *m, struct wn__meter_src *s)
{
    if (m->n_src >= WN__METER_MAX_SOURCES || m->n_dom + s->n_dom > WN_MAX_DOMAINS)
        return wn_seterr(WN_EUNSUPPORTED, "meter: more than %d domains",
                         WN_MAX_DOMAINS);
    m->src[m->n_src++] = s;
    m->n_dom += s->n_dom;
    return WN_OK;
}

/* Auto mode: the CPU side (rapl, else perf), GPUs (nvml) and the node
 * (ipmi, else redfish).  A node source contains every other domain. */
static int open_auto(wn_meter *m, const wn_meter_opts *o, char *why,
                     size_t why_n)
{
    static const char *const order[] = { "rapl", "perf", "nvml", "ipmi",
                                         "redfish" };
    int have_cpu = 0, have_node = 0;
    why[0] = '\0';
    for (size_t i = 0; i < sizeof order / sizeof order[0]; i++) {
        const struct wn_meter_ops *ops = wn__meter_find_ops(order[i]);
        int is_cpu = i < 2;
        if ((is_cpu && have_cpu) || (ops->node_level && have_node))
            continue;
        struct wn__meter_src *s = NULL;
        int rc = wn__meter_src_open(ops, o, &s);
        if (rc == WN_ENOMEM)
            return rc;
        if (rc) {
            size_t len = strlen(why);
            snprintf(why + len, why_n - len, "%s%s", len ? "; " : "",
                     wn_errmsg());
            continue;
        }
        rc = attach(m, s);
        if (rc) {
            wn__meter_src_free(&s);
            return rc;
        }
        have_cpu |= is_cpu;
        /* A node source without the node's total (only its parts) does
         * not contain the others. */
        for (size_t j = 0; j < s->n_dom && ops->node_level; j++)
            have_node |= s->dom[j].in_total;
    }
    if (have_node) {
        for (size_t i = 0; i < m->n_src; i++) {
            struct wn__meter_src *s = m->src[i];
            if (s->ops->node_level)
                continue;
            for (size_t j = 0; j < s->n_dom; j++) {
                snprintf(s->dom[j].contained_in, sizeof s->dom[j].contained_in,
                         "node");
                s->dom[j].in_total = 0;
            }
        }
    }
    return WN_OK;
}

static void name_sources(wn_meter *m)
{
    m->source_name[0] = '\0';
    for (size_t i = 0; i < m->n_src; i++) {
        const struct wn__meter_src *s = m->src[i];
        int counted = 0;
        for (size_t j = 0; j < s->n_dom; j++)
            counted |= s->dom[j].in_total;
        if (!counted)
            continue;
        size_t len = strlen(m->source_name);
        snprintf(m->source_name + len, sizeof m->source_name - len, "%s%s",
                 len ? "+" : "", s->ops->name);
        m->is_estimate |= s->ops->is_estimate;
    }
}

/* Denied or stuck sources are worth a word: they can be fixed.  WHY is
 * "reason; reason; ..."; the fixable ones go into the warning. */
static void warn_fixable(wn_meter *m, const char *why)
{
    const char *p = why;
    size_t len = 0;
    while (p && *p) {
        const char *next = strstr(p, "; ");
        size_t plen = next ? (size_t)(next - p) : strlen(p);
        const char *perm = strstr(p, "permission");
        const char *stuck = strstr(p, "did not advance");
        if ((perm && (size_t)(perm - p) < plen) ||
            (stuck && (size_t)(stuck - p) < plen))
            len += (size_t)snprintf(m->warning + len,
                                    len < sizeof m->warning
                                        ? sizeof m->warning - len : 0,
                                    "%snot used: %.*s", len ? "; " : "",
                                    (int)plen, p);
        if (len >= sizeof m->warning)
            break;
        p = next ? next + 2 : NULL;
    }
}

/* Open one source by name and attach it. */
static int open_named(wn_meter *m, const wn_meter_opts *o,
                      const struct wn_meter_ops *ops)
{
    struct wn__meter_src *s = NULL;
    int rc = wn__meter_src_open(ops, o, &s);
    if (rc == WN_OK)
        rc = attach(m, s);
    if (rc)
        wn__meter_src_free(&s);
    return rc;
}

/* Pick the sources: the one named, else auto mode (then the estimate when
 * nothing measures and it is allowed). */
static int open_sources(wn_meter *m, const wn_meter_opts *o)
{
    char why[768];
    int rc;
    if (o->source && o->source[0] && strcmp(o->source, "auto") != 0) {
        const struct wn_meter_ops *ops = wn__meter_find_ops(o->source);
        if (!ops)
            return wn_seterr(WN_EINVAL, "unknown meter source '%s' (auto, "
                             "rapl, perf, nvml, ipmi, redfish, estimate, sim)",
                             o->source);
        return open_named(m, o, ops);
    }
    rc = open_auto(m, o, why, sizeof why);
    if (rc)
        return rc;
    if (m->n_src > 0) {
        if (why[0])
            warn_fixable(m, why);
        return WN_OK;
    }
    if (!o->allow_estimate)
        return wn_seterr(WN_EUNAVAILABLE, "no energy meter measures here: %s",
                         why);
    rc = open_named(m, o, &wn__meter_estimate_ops);
    if (rc == WN_OK)
        snprintf(m->warning, sizeof m->warning, "estimate used because "
                 "nothing measures: %.700s", why);
    return rc;
}

/* The per-window snapshots, idle powers and the raw ring, one block each. */
static int alloc_state(wn_meter *m)
{
    const size_t per = 9;     /* uint64-sized arrays per window */
    size_t n = m->n_dom;
    m->idle_w = wn_calloc(n ? n : 1, sizeof *m->idle_w);
    m->win_mem = wn_calloc(WN__METER_MAX_WINDOWS * (n ? n : 1),
                           per * sizeof(uint64_t));
    m->ring = wn_calloc((n ? n : 1) * WN__METER_RING, sizeof *m->ring);
    m->ring_n = wn_calloc(n ? n : 1, sizeof *m->ring_n);
    if (!m->idle_w || !m->win_mem || !m->ring || !m->ring_n)
        return wn_seterr(WN_ENOMEM, "meter: open: out of memory");
    for (size_t w = 0; w < WN__METER_MAX_WINDOWS; w++) {
        uint64_t *base = (uint64_t *)m->win_mem + w * n * per;
        struct wn__meter_window *win = &m->win[w];
        win->acc = base;
        win->acc_s = (double *)(base + n);
        win->zero = base + 2 * n;
        win->err = base + 3 * n;
        win->gap = base + 4 * n;
        win->wraps = base + 5 * n;
        win->ticks0 = base + 6 * n;
        win->reset = base + 7 * n;
        win->pend = base + 8 * n;
    }
    return WN_OK;
}

int wn_meter_open(const wn_meter_opts *o, wn_meter **out)
{
    int rc = WN_OK;
    wn_meter_opts def;
    wn_meter *m = NULL;
    if (!out)
        return wn_seterr(WN_EINVAL, "meter: open: no output");
    *out = NULL;
    if (!o) {
        wn_meter_opts_default(&def);
        o = &def;
    }
    m = wn_calloc(1, sizeof *m);
    if (!m)
        return wn_seterr(WN_ENOMEM, "meter: open: out of memory");
    m->interval_ms = o->interval_ms ? o->interval_ms : 100;
    rc = open_sources(m, o);
    if (rc)
        goto out;
    name_sources(m);
    wrap_guard(m);
    rc = alloc_state(m);
    if (rc)
        goto out;
    rc = wn__meter_idle_load(m, o);
    if (rc)
        goto out;
    rc = wn__meter_sampler_start(m);
    if (rc)
        goto out;
    *out = m;
    m = NULL;
out:
    wn_meter_close(&m);
    return rc;
}

void wn_meter_close(wn_meter **pm)
{
    if (!pm || !*pm)
        return;
    wn_meter *m = *pm;
    wn__meter_sampler_stop(m);
    for (size_t i = 0; i < m->n_src; i++)
        wn__meter_src_free(&m->src[i]);
    wn_free(m->idle_w);
    wn_free(m->win_mem);
    wn_free(m->ring);
    wn_free(m->ring_n);
    wn_raw_window_clear(&m->last_raw);
    wn_free(m);
    *pm = NULL;
}

const char *wn_meter_source(const wn_meter *m)
{
    return m ? m->source_name : "";
}

size_t wn_meter_count(const wn_meter *m)
{
    return m ? m->n_src : 0;
}

int wn_meter_info_at(const wn_meter *m, size_t i, wn_meter_info *out)
{
    if (!m || !out || i >= m->n_src)
        return wn_seterr(WN_EINVAL, "meter: info: no source %zu", i);
    memset(out, 0, sizeof *out);
    snprintf(out->source, sizeof out->source, "%s", m->src[i]->ops->name);
    wn__meter_fill_info(m->src[i], out);
    return WN_OK;
}

unsigned wn_meter_interval_ms(const wn_meter *m)
{
    return m ? m->interval_ms : 0;
}

double wn_meter_update_s(const wn_meter *m)
{
    double slowest = 0.0;
    for (size_t i = 0; m && i < m->n_src; i++)
        if (m->src[i] && m->src[i]->update_s > slowest)
            slowest = m->src[i]->update_s;
    return slowest;
}

const char *wn_meter_warning(const wn_meter *m)
{
    return m ? m->warning : "";
}

