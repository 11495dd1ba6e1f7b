/*
 * meter.c - the meter: picks the sources once at open, runs the sampler
 * thread, keeps 64-bit totals across counter wraps, integrates polled power
 * and answers nestable windows.
 *
 * DESIGN
 *   - Sources are `struct wn_meter_ops` backends (meter_rapl.c, ...).  They
 *     read raw ticks; this file alone converts ticks to joules
 *     (wn__meter_joules), with the unit and range each domain declared.
 *   - One lock guards every running total.  The sampler thread takes it
 *     every interval (CLOCK_MONOTONIC, absolute deadlines); window begin and
 *     end take it too and read every source afresh, so a window does not
 *     wait for the next tick and short windows are accurate.
 *   - A counter reading below the previous one is one wrap of the domain's
 *     range.  Power readings are integrated with the trapezoid rule.  The
 *     sampler period is shortened when a counter could wrap twice within it
 *     at 2 kW (see wrap_guard).
 *   - Honesty: at open, counters must advance over ~60 ms of busy CPU (else
 *     WN_ESTUCK), 0 W readings are dropped domains; a window with read
 *     errors (a 64-bit counter going back is a reset), a sampling gap long
 *     enough to hide a whole wrap (the process was stopped or starved), 0 W
 *     readings or 0 J is flagged (measured = 0).
 *   - Overlapping domains (psys > package > core, node > everything) carry
 *     contained_in and are never added into energy_j.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <wattnet/wattnet.h>

#include "meter/meter_internal.h"

#define MAX_SOURCES 8
#define MAX_WINDOWS 32
#define WRAP_GUARD_WATTS 2000.0

struct window {
    int used;
    double t0;
    uint64_t *acc;            /* one entry per domain of the meter */
    double *acc_s;
    uint64_t *zero;
    uint64_t *err;
    uint64_t *gap;
};

struct wn_meter {
    size_t n_src;
    struct wn__meter_src *src[MAX_SOURCES];
    size_t n_dom;             /* domains over every source */
    double *idle_w;           /* n_dom: idle watts per domain, or NAN */
    char source_name[16];
    int is_estimate;
    unsigned interval_ms;
    char warning[768];

    pthread_mutex_t lock;
    pthread_cond_t cond;
    int lock_ok, cond_ok, thread_ok, stop;
    pthread_t thread;

    struct window win[MAX_WINDOWS];
    void *win_mem;
};

static const struct wn_meter_ops *const all_ops[] = {
    &wn__meter_rapl_ops,  &wn__meter_perf_ops,    &wn__meter_nvml_ops,
    &wn__meter_ipmi_ops,  &wn__meter_redfish_ops, &wn__meter_estimate_ops,
    &wn__meter_sim_ops,
};
#define N_OPS (sizeof all_ops / sizeof all_ops[0])

/* ------------------------------------------------------------------------
 * Shared helpers
 * ---------------------------------------------------------------------- */

int (*wn__meter_open_hook)(const char *path, int flags) = NULL;

double wn__meter_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

void wn__meter_burn(double seconds)
{
    double t_end = wn__meter_now() + seconds;
    volatile double x = 1.0;
    while (wn__meter_now() < t_end)
        for (int i = 0; i < 10000; i++)
            x = x * 1.0000001 + 1e-9;
}

int wn__meter_read_file(const char *path, char *buf, size_t n)
{
    int fd = wn__meter_open_hook ? wn__meter_open_hook(path, O_RDONLY)
                                 : open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        if (e == EACCES || e == EPERM)
            return wn_seterr(WN_EPERM,
                             "%s: permission denied: run as root or make it "
                             "readable (chmod a+r %s)", path, path);
        if (e == ENOENT || e == ENOTDIR)
            return wn_seterr(WN_ENOENT, "%s: not found", path);
        return wn_seterr(WN_EIO, "%s: %s", path, strerror(e));
    }
    ssize_t got = read(fd, buf, n - 1);
    int e = errno;
    close(fd);
    if (got < 0)
        return wn_seterr(e == EACCES || e == EPERM ? WN_EPERM : WN_EIO,
                         "%s: read: %s", path, strerror(e));
    buf[got] = '\0';
    while (got > 0 && (buf[got - 1] == '\n' || buf[got - 1] == ' ' ||
                       buf[got - 1] == '\t' || buf[got - 1] == '\r'))
        buf[--got] = '\0';
    return WN_OK;
}

int wn__meter_read_u64(const char *path, uint64_t *out)
{
    char buf[64];
    int rc = wn__meter_read_file(path, buf, sizeof buf);
    if (rc)
        return rc;
    char *end = NULL;
    errno = 0;
    unsigned long long v = strtoull(buf, &end, 10);
    if (errno || end == buf || *end || buf[0] == '-')
        return wn_seterr(WN_EFORMAT, "%s:1:1: not an unsigned integer: '%s'",
                         path, buf);
    *out = v;
    return WN_OK;
}

struct wn__meter_domain *wn__meter_add_domain(struct wn__meter_src *src,
                                              const char *name, int kind,
                                              double unit, uint64_t range)
{
    if (src->n_dom >= WN_MAX_DOMAINS)
        return NULL;
    struct wn__meter_domain *d = &src->dom[src->n_dom++];
    memset(d, 0, sizeof *d);
    snprintf(d->name, sizeof d->name, "%s", name);
    d->kind = kind;
    d->unit = unit;
    d->range = range;
    d->in_total = 1;
    d->slot = (int)(src->n_dom - 1);
    return d;
}

uint64_t wn__meter_delta(const struct wn__meter_domain *d, uint64_t prev,
                         uint64_t cur)
{
    if (cur >= prev)
        return cur - prev;
    if (d->range == 0 || prev > d->range)
        return cur - prev;   /* 64-bit counter: modulo 2^64 */
    return d->range - prev + cur;
}

double wn__meter_joules(const struct wn__meter_domain *d, uint64_t ticks,
                        double tick_s)
{
    if (d->kind == WN__KIND_COUNTER)
        return (double)ticks * d->unit;
    return tick_s * d->unit;
}

/* ------------------------------------------------------------------------
 * Sources: open, check, read
 * ---------------------------------------------------------------------- */

static const struct wn_meter_ops *find_ops(const char *name)
{
    for (size_t i = 0; i < N_OPS; i++)
        if (strcmp(all_ops[i]->name, name) == 0)
            return all_ops[i];
    return NULL;
}

size_t wn_meter_source_count(void)
{
    return N_OPS;
}

const char *wn_meter_source_name(size_t i)
{
    return i < N_OPS ? all_ops[i]->name : NULL;
}

static void src_free(struct wn__meter_src **ps)
{
    if (!ps || !*ps)
        return;
    struct wn__meter_src *s = *ps;
    if (s->ops && s->ops->close)
        s->ops->close(s);
    wn_free(s);
    *ps = NULL;
}

static void note(struct wn__meter_src *s, const char *fmt, const char *a,
                 const char *b)
{
    size_t len = strlen(s->notes);
    if (len + 2 >= sizeof s->notes)
        return;
    snprintf(s->notes + len, sizeof s->notes - len, len ? "; " : "");
    len = strlen(s->notes);
    snprintf(s->notes + len, sizeof s->notes - len, fmt, a, b);
}

static void drop_domain(struct wn__meter_src *s, size_t i)
{
    memmove(&s->dom[i], &s->dom[i + 1], (s->n_dom - i - 1) * sizeof s->dom[0]);
    s->n_dom--;
}

/* in_total: a domain whose container is present is never added. */
static void assign_totals(struct wn__meter_src *s)
{
    for (size_t i = 0; i < s->n_dom; i++) {
        struct wn__meter_domain *d = &s->dom[i];
        d->in_total = 1;
        if (!d->contained_in[0])
            continue;
        for (size_t j = 0; j < s->n_dom; j++)
            if (j != i && strcmp(s->dom[j].name, d->contained_in) == 0)
                d->in_total = 0;
        if (d->in_total)
            d->contained_in[0] = '\0';   /* container gone: stands alone */
    }
}

/* Prove the source measures: counters advance over busy CPU; power is not
 * 0 W.  Drops the domains that fail; WN_ESTUCK when none is left. */
static int src_check(struct wn__meter_src *s, int skip_busy)
{
    uint64_t a[WN_MAX_DOMAINS], b[WN_MAX_DOMAINS];
    int rc = s->ops->read(s, a);
    if (rc)
        return rc;
    int any_counter = 0;
    for (size_t i = 0; i < s->n_dom; i++)
        any_counter |= s->dom[i].kind == WN__KIND_COUNTER;
    memcpy(b, a, sizeof b);
    /* Busy 60 ms, then up to 3 x 100 ms more for counters that update
     * slowly (some GPUs refresh their energy counter every ~100 ms). */
    for (int attempt = 0; any_counter && !skip_busy && attempt < 4;
         attempt++) {
        wn__meter_burn(attempt == 0 ? 0.06 : 0.1);
        rc = s->ops->read(s, b);
        if (rc)
            return rc;
        int all_moved = 1;
        for (size_t i = 0; i < s->n_dom; i++)
            if (s->dom[i].kind == WN__KIND_COUNTER && a[i] == b[i])
                all_moved = 0;
        if (all_moved)
            break;
    }
    char first_reason[160] = "";
    for (size_t i = s->n_dom; i-- > 0;) {
        struct wn__meter_domain *d = &s->dom[i];
        const char *why = NULL;
        if (d->kind == WN__KIND_COUNTER && !skip_busy && a[i] == b[i])
            why = "counter did not advance over 0.36 s of busy CPU (0 J "
                  "is not a measurement)";
        else if (d->kind == WN__KIND_POWER && a[i] == 0)
            why = "reads 0 W (not a measurement)";
        if (!why)
            continue;
        if (!first_reason[0])
            snprintf(first_reason, sizeof first_reason, "%s: %s", d->name,
                     why);
        note(s, "%s dropped: %s", d->name, why);
        drop_domain(s, i);
        memmove(&a[i], &a[i + 1], (WN_MAX_DOMAINS - i - 1) * sizeof a[0]);
        memmove(&b[i], &b[i + 1], (WN_MAX_DOMAINS - i - 1) * sizeof b[0]);
    }
    if (s->n_dom == 0)
        return wn_seterr(WN_ESTUCK, "%s: %s", s->ops->name,
                         first_reason[0] ? first_reason : "no domains");
    assign_totals(s);
    return WN_OK;
}

static int src_open(const struct wn_meter_ops *ops, const wn_meter_opts *o,
                    struct wn__meter_src **out)
{
    int rc;
    struct wn__meter_src *s = wn_calloc(1, sizeof *s);
    *out = NULL;
    if (!s)
        return wn_seterr(WN_ENOMEM, "meter.c: %s: out of memory", ops->name);
    s->ops = ops;
    rc = ops->open(s, o);
    if (rc)
        goto out;
    if (s->n_dom == 0) {
        rc = wn_seterr(WN_EUNAVAILABLE, "%s: no energy domains found",
                       ops->name);
        goto out;
    }
    rc = src_check(s, o->skip_stuck_check);
    if (rc)
        goto out;
    *out = s;
    s = NULL;
out:
    src_free(&s);
    return rc;
}

static void fill_info(const struct wn__meter_src *s, wn_meter_info *out)
{
    out->is_estimate = s->ops->is_estimate;
    out->node_level = s->ops->node_level;
    snprintf(out->notes, sizeof out->notes, "%s", s->notes);
    out->n_domains = s->n_dom;
    for (size_t i = 0; i < s->n_dom; i++) {
        const struct wn__meter_domain *d = &s->dom[i];
        wn_meter_domain_info *di = &out->domains[i];
        snprintf(di->name, sizeof di->name, "%s", d->name);
        snprintf(di->contained_in, sizeof di->contained_in, "%s",
                 d->contained_in);
        di->in_total = d->in_total;
        di->is_counter = d->kind == WN__KIND_COUNTER;
        if (i == 0 || d->unit < out->resolution) {
            out->resolution = d->unit;
            snprintf(out->resolution_unit, sizeof out->resolution_unit, "%s",
                     di->is_counter ? "J" : "W");
        }
    }
}

int wn_meter_probe(const char *source, const wn_meter_opts *o,
                   wn_meter_info *out)
{
    wn_meter_opts def;
    if (!o) {
        wn_meter_opts_default(&def);
        o = &def;
    }
    if (!source || !out)
        return wn_seterr(WN_EINVAL, "meter.c: probe: no source or output");
    const struct wn_meter_ops *ops = find_ops(source);
    if (!ops)
        return wn_seterr(WN_EINVAL, "unknown meter source '%s' (rapl, perf, "
                         "nvml, ipmi, redfish, estimate, sim)", source);
    memset(out, 0, sizeof *out);
    snprintf(out->source, sizeof out->source, "%s", source);
    out->is_estimate = ops->is_estimate;
    out->node_level = ops->node_level;
    struct wn__meter_src *s = NULL;
    int rc = src_open(ops, o, &s);
    if (rc == WN_ENOMEM)
        return rc;
    out->status = rc;
    if (rc) {
        snprintf(out->reason, sizeof out->reason, "%s", wn_errmsg());
        return WN_OK;
    }
    fill_info(s, out);
    src_free(&s);
    return WN_OK;
}

/* ------------------------------------------------------------------------
 * Sampling (under m->lock)
 * ---------------------------------------------------------------------- */

/* Read s and fold the readings into its totals.  The readings carry the
 * time just before this source's read.  Returns that time stamp. */
static double sample_src(struct wn__meter_src *s)
{
    uint64_t ticks[WN_MAX_DOMAINS];
    double t = wn__meter_now();
    s->last_read_t = t;
    if (s->ops->read(s, ticks) != WN_OK) {
        for (size_t i = 0; i < s->n_dom; i++)
            s->dom[i].n_err++;
        return t;
    }
    for (size_t i = 0; i < s->n_dom; i++) {
        struct wn__meter_domain *d = &s->dom[i];
        uint64_t cur = ticks[i];
        if (d->kind == WN__KIND_COUNTER) {
            if (d->have_prev && cur < d->prev_ticks && d->range == 0) {
                /* A 64-bit counter going back was reset (driver reload),
                 * not wrapped: the windows across it cannot be trusted. */
                d->n_err++;
            } else if (d->have_prev) {
                double dt = t - d->prev_t;
                /* A gap in which the counter could have gone round a whole
                 * range (at 1.5x the last rate) may hide wraps: flagged. */
                if (d->range && d->rate > 0 &&
                    dt * d->rate * 1.5 >= (double)d->range)
                    d->n_gap++;
                if (cur < d->prev_ticks)
                    d->wraps++;
                d->acc_ticks += wn__meter_delta(d, d->prev_ticks, cur);
                /* The rate over a quarter second at least: a short
                 * interval's rate is noise. */
                if (t - d->rate_t0 >= 0.25) {
                    d->rate = (double)(d->acc_ticks - d->rate_acc0) /
                              (t - d->rate_t0);
                    d->rate_t0 = t;
                    d->rate_acc0 = d->acc_ticks;
                }
            } else {
                d->rate_t0 = t;
                d->rate_acc0 = d->acc_ticks;
            }
        } else {
            if (cur == 0)
                d->n_zero++;
            if (d->have_prev && t > d->prev_t)
                d->acc_tick_s += 0.5 * ((double)d->prev_ticks + (double)cur) *
                                 (t - d->prev_t);
        }
        d->prev_ticks = cur;
        d->prev_t = t;
        d->have_prev = 1;
    }
    return t;
}

/* Read the due sources (every one when force); returns the time stamp of
 * the first source's readings, which window edges use so that seconds and
 * joules cover the same interval (exactly so for a single source). */
static double sample_all(wn_meter *m, int force)
{
    double t = wn__meter_now(), first = -1.0;
    for (size_t i = 0; i < m->n_src; i++) {
        struct wn__meter_src *s = m->src[i];
        if (!force && s->min_interval_ms &&
            (t - s->last_read_t) * 1000.0 < (double)s->min_interval_ms)
            continue;
        double ts = sample_src(s);
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
        sample_all(m, 0);
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

/* ------------------------------------------------------------------------
 * Open / close
 * ---------------------------------------------------------------------- */

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
    if (m->n_src >= MAX_SOURCES || m->n_dom + s->n_dom > WN_MAX_DOMAINS)
        return wn_seterr(WN_EUNSUPPORTED, "meter.c: more than %d domains",
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
        const struct wn_meter_ops *ops = find_ops(order[i]);
        int is_cpu = i < 2;
        if ((is_cpu && have_cpu) || (ops->node_level && have_node))
            continue;
        struct wn__meter_src *s = NULL;
        int rc = src_open(ops, o, &s);
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
            src_free(&s);
            return rc;
        }
        have_cpu |= is_cpu;
        have_node |= ops->node_level;
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

static int load_idle(wn_meter *m, const wn_meter_opts *o);

int wn_meter_open(const wn_meter_opts *o, wn_meter **out)
{
    int rc = WN_OK;
    wn_meter_opts def;
    char why[768];
    wn_meter *m = NULL;
    if (!out)
        return wn_seterr(WN_EINVAL, "meter.c: open: no output");
    *out = NULL;
    if (!o) {
        wn_meter_opts_default(&def);
        o = &def;
    }
    m = wn_calloc(1, sizeof *m);
    if (!m)
        return wn_seterr(WN_ENOMEM, "meter.c: open: out of memory");
    m->interval_ms = o->interval_ms ? o->interval_ms : 100;

    if (!o->source || !o->source[0] || strcmp(o->source, "auto") == 0) {
        rc = open_auto(m, o, why, sizeof why);
        if (rc)
            goto out;
        if (m->n_src == 0) {
            if (!o->allow_estimate) {
                rc = wn_seterr(WN_EUNAVAILABLE, "no energy meter measures "
                               "here: %s", why);
                goto out;
            }
            struct wn__meter_src *s = NULL;
            rc = src_open(&wn__meter_estimate_ops, o, &s);
            if (rc)
                goto out;
            attach(m, s);
            snprintf(m->warning, sizeof m->warning, "estimate used because "
                     "nothing measures: %.700s", why);
        } else if (why[0]) {
            /* Denied or stuck sources are worth a word: they can be fixed. */
            char *p = why;
            size_t len = 0;
            while (p && *p) {
                char *next = strstr(p, "; ");
                size_t plen = next ? (size_t)(next - p) : strlen(p);
                if ((strstr(p, "permission") && (size_t)(strstr(p, "permission") - p) < plen) ||
                    (strstr(p, "did not advance") &&
                     (size_t)(strstr(p, "did not advance") - p) < plen))
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
    } else {
        const struct wn_meter_ops *ops = find_ops(o->source);
        if (!ops) {
            rc = wn_seterr(WN_EINVAL, "unknown meter source '%s' (auto, rapl, "
                           "perf, nvml, ipmi, redfish, estimate, sim)",
                           o->source);
            goto out;
        }
        struct wn__meter_src *s = NULL;
        rc = src_open(ops, o, &s);
        if (rc)
            goto out;
        attach(m, s);
    }
    name_sources(m);
    wrap_guard(m);

    m->idle_w = wn_calloc(m->n_dom, sizeof *m->idle_w);
    m->win_mem = wn_calloc(MAX_WINDOWS * m->n_dom, 5 * sizeof(uint64_t));
    if (!m->idle_w || !m->win_mem) {
        rc = wn_seterr(WN_ENOMEM, "meter.c: open: out of memory");
        goto out;
    }
    for (size_t w = 0; w < MAX_WINDOWS; w++) {
        uint64_t *base = (uint64_t *)m->win_mem + w * m->n_dom * 5;
        m->win[w].acc = base;
        m->win[w].acc_s = (double *)(base + m->n_dom);
        m->win[w].zero = base + 2 * m->n_dom;
        m->win[w].err = base + 3 * m->n_dom;
        m->win[w].gap = base + 4 * m->n_dom;
    }
    rc = load_idle(m, o);
    if (rc)
        goto out;

    if (pthread_mutex_init(&m->lock, NULL) != 0) {
        rc = wn_seterr(WN_ENOMEM, "meter.c: open: mutex");
        goto out;
    }
    m->lock_ok = 1;
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    int crc = pthread_cond_init(&m->cond, &ca);
    pthread_condattr_destroy(&ca);
    if (crc != 0) {
        rc = wn_seterr(WN_ENOMEM, "meter.c: open: condition variable");
        goto out;
    }
    m->cond_ok = 1;
    sample_all(m, 1);   /* first readings: totals start here */
    if (pthread_create(&m->thread, NULL, sampler_main, m) != 0) {
        rc = wn_seterr(WN_ENOMEM, "meter.c: open: cannot start the sampler");
        goto out;
    }
    m->thread_ok = 1;
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
    if (m->thread_ok) {
        pthread_mutex_lock(&m->lock);
        m->stop = 1;
        pthread_cond_broadcast(&m->cond);
        pthread_mutex_unlock(&m->lock);
        pthread_join(m->thread, NULL);
    }
    if (m->cond_ok)
        pthread_cond_destroy(&m->cond);
    if (m->lock_ok)
        pthread_mutex_destroy(&m->lock);
    for (size_t i = 0; i < m->n_src; i++)
        src_free(&m->src[i]);
    wn_free(m->idle_w);
    wn_free(m->win_mem);
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
        return wn_seterr(WN_EINVAL, "meter.c: info: no source %zu", i);
    memset(out, 0, sizeof *out);
    snprintf(out->source, sizeof out->source, "%s", m->src[i]->ops->name);
    fill_info(m->src[i], out);
    return WN_OK;
}

unsigned wn_meter_interval_ms(const wn_meter *m)
{
    return m ? m->interval_ms : 0;
}

const char *wn_meter_warning(const wn_meter *m)
{
    return m ? m->warning : "";
}

/* ------------------------------------------------------------------------
 * Windows
 * ---------------------------------------------------------------------- */

int wn_meter_window_begin(wn_meter *m, int *id)
{
    if (!m || !id)
        return wn_seterr(WN_EINVAL, "meter.c: window_begin: no meter or id");
    int rc = WN_OK;
    pthread_mutex_lock(&m->lock);
    int w = -1;
    for (int i = 0; i < MAX_WINDOWS && w < 0; i++)
        if (!m->win[i].used)
            w = i;
    if (w < 0) {
        rc = wn_seterr(WN_EBUSY, "meter.c: more than %d open windows",
                       MAX_WINDOWS);
        goto out;
    }
    struct window *win = &m->win[w];
    win->used = 1;
    win->t0 = sample_all(m, 1);
    size_t k = 0;
    for (size_t i = 0; i < m->n_src; i++)
        for (size_t j = 0; j < m->src[i]->n_dom; j++, k++) {
            const struct wn__meter_domain *d = &m->src[i]->dom[j];
            win->acc[k] = d->acc_ticks;
            win->acc_s[k] = d->acc_tick_s;
            win->zero[k] = d->n_zero;
            win->err[k] = d->n_err;
            win->gap[k] = d->n_gap;
        }
    *id = w;
out:
    pthread_mutex_unlock(&m->lock);
    return rc;
}

int wn_meter_window_end(wn_meter *m, int id, wn_energy *out)
{
    if (!m || !out)
        return wn_seterr(WN_EINVAL, "meter.c: window_end: no meter or output");
    int rc = WN_OK;
    pthread_mutex_lock(&m->lock);
    if (id < 0 || id >= MAX_WINDOWS || !m->win[id].used) {
        rc = wn_seterr(WN_ESTATE, "meter.c: window %d is not open", id);
        goto out;
    }
    double t1 = sample_all(m, 1);
    struct window *win = &m->win[id];
    memset(out, 0, sizeof *out);
    snprintf(out->source, sizeof out->source, "%s", m->source_name);
    out->is_estimate = m->is_estimate;
    out->seconds = t1 - win->t0;
    int errs = 0, zeros = 0, gaps = 0, all_idle = 1;
    double idle_w = 0.0;
    size_t k = 0;
    for (size_t i = 0; i < m->n_src; i++)
        for (size_t j = 0; j < m->src[i]->n_dom; j++, k++) {
            const struct wn__meter_domain *d = &m->src[i]->dom[j];
            double joules = wn__meter_joules(d, d->acc_ticks - win->acc[k],
                                             d->acc_tick_s - win->acc_s[k]);
            if (d->n_err != win->err[k])
                errs = 1;
            if (d->n_zero != win->zero[k])
                zeros = 1;
            if (d->n_gap != win->gap[k])
                gaps = 1;
            if (d->in_total) {
                out->energy_j += joules;
                if (isnan(m->idle_w[k]))
                    all_idle = 0;
                else
                    idle_w += m->idle_w[k];
            }
            if (out->n_domains < WN_MAX_DOMAINS) {
                wn_energy_domain *ed = &out->domains[out->n_domains++];
                snprintf(ed->name, sizeof ed->name, "%s", d->name);
                ed->energy_j = joules;
                ed->in_total = d->in_total;
            }
        }
    win->used = 0;
    if (out->seconds > 0)
        out->avg_power_w = out->energy_j / out->seconds;
    if (all_idle && !m->is_estimate) {
        out->has_idle = 1;
        out->idle_power_w = idle_w;
        out->dynamic_energy_j = out->energy_j - idle_w * out->seconds;
    }
    if (errs)
        snprintf(out->flag, sizeof out->flag, "read-error");
    else if (gaps)
        snprintf(out->flag, sizeof out->flag, "sample-gap");
    else if (zeros)
        snprintf(out->flag, sizeof out->flag, "zero-watts");
    else if (!(out->energy_j > 0.0))
        snprintf(out->flag, sizeof out->flag, "zero-energy");
    out->measured = out->flag[0] == '\0';
out:
    pthread_mutex_unlock(&m->lock);
    return rc;
}

/* ------------------------------------------------------------------------
 * Idle baselines of this host, loaded at open
 * ---------------------------------------------------------------------- */

int wn__idle_lookup(const char *path, const char *host, const char *source,
                    const char *domain, double *watts);

static int load_idle(wn_meter *m, const wn_meter_opts *o)
{
    char path[1024], host[128] = "";
    size_t k = 0;
    for (size_t i = 0; i < m->n_dom; i++)
        m->idle_w[i] = NAN;
    if (wn_meter_idle_path(o->idle_state, path, sizeof path) != WN_OK)
        return WN_OK;   /* no home: no baselines */
    if (gethostname(host, sizeof host - 1) != 0)
        return WN_OK;
    for (size_t i = 0; i < m->n_src; i++)
        for (size_t j = 0; j < m->src[i]->n_dom; j++, k++) {
            double w;
            int rc = wn__idle_lookup(path, host, m->src[i]->ops->name,
                                     m->src[i]->dom[j].name, &w);
            if (rc == WN_ENOMEM)
                return rc;
            if (rc == WN_OK)
                m->idle_w[k] = w;
        }
    wn_clearerr();
    return WN_OK;
}

int wn_meter_set_idle(wn_meter *m, const char *source, const char *domain,
                      double power_w)
{
    size_t k = 0;
    if (!m || !source || !domain)
        return wn_seterr(WN_EINVAL, "idle: no meter, source or domain");
    if (!isfinite(power_w) || power_w < 0)
        return wn_seterr(WN_EINVAL, "idle: %s %s: %g W is not a power", source,
                         domain, power_w);
    for (size_t i = 0; i < m->n_src; i++)
        for (size_t j = 0; j < m->src[i]->n_dom; j++, k++)
            if (!strcmp(m->src[i]->ops->name, source) &&
                !strcmp(m->src[i]->dom[j].name, domain)) {
                pthread_mutex_lock(&m->lock);
                m->idle_w[k] = power_w;
                pthread_mutex_unlock(&m->lock);
                return WN_OK;
            }
    return wn_seterr(WN_ENOENT, "idle: the meter has no domain %s %s", source,
                     domain);
}

/* Idle measurement lives here because it needs the per-domain sources. */
int wn_meter_idle_measure(wn_meter *m, double seconds, wn_idle_baseline *out)
{
    int rc, id = -1;
    wn_energy e;
    if (!m || !out || !(seconds > 0) || seconds > 86400)
        return wn_seterr(WN_EINVAL, "idle: seconds must be in (0, 86400]");
    if (m->is_estimate)
        return wn_seterr(WN_EINVAL, "idle: only an estimate is available "
                         "here; an idle baseline needs a measuring source");
    memset(out, 0, sizeof *out);
    rc = wn_meter_window_begin(m, &id);
    if (rc)
        return rc;
    struct timespec ts;
    ts.tv_sec = (time_t)seconds;
    ts.tv_nsec = (long)((seconds - (double)ts.tv_sec) * 1e9);
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
    rc = wn_meter_window_end(m, id, &e);
    if (rc)
        return rc;
    if (!e.measured)
        return wn_seterr(WN_ESTUCK, "idle: the window did not measure (%s)",
                         e.flag);
    if (gethostname(out->host, sizeof out->host - 1) != 0)
        snprintf(out->host, sizeof out->host, "unknown");
    out->seconds = e.seconds;
    out->measured_at = (double)time(NULL);
    size_t k = 0;
    for (size_t i = 0; i < m->n_src; i++)
        for (size_t j = 0; j < m->src[i]->n_dom && k < e.n_domains; j++, k++) {
            wn_idle_domain *d = &out->domains[out->n_domains++];
            snprintf(d->source, sizeof d->source, "%s", m->src[i]->ops->name);
            snprintf(d->name, sizeof d->name, "%s", e.domains[k].name);
            d->power_w = e.domains[k].energy_j / e.seconds;
            d->in_total = e.domains[k].in_total;
            if (d->in_total)
                out->power_w += d->power_w;
        }
    return WN_OK;
}
