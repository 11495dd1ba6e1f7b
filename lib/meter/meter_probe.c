/*
 * meter_probe.c - the source registry and probing: the table of backends in
 * auto mode's order of preference, opening one source and proving that it
 * measures (counters advance over busy CPU, power is not 0 W; failing
 * domains are dropped with a note), and what `wattnet meters` lists
 * (wn_meter_probe, wn__meter_fill_info).
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

static const struct wn_meter_ops *const all_ops[] = {
    &wn__meter_rapl_ops,  &wn__meter_perf_ops,    &wn__meter_nvml_ops,
    &wn__meter_ipmi_ops,  &wn__meter_redfish_ops, &wn__meter_estimate_ops,
    &wn__meter_sim_ops,
};
#define N_OPS (sizeof all_ops / sizeof all_ops[0])

const struct wn_meter_ops *wn__meter_find_ops(const char *name)
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

void wn__meter_src_free(struct wn__meter_src **ps)
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
        d->in_total = !d->part_only;
        if (!d->contained_in[0] || d->part_only)
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

int wn__meter_src_open(const struct wn_meter_ops *ops, const wn_meter_opts *o,
                    struct wn__meter_src **out)
{
    int rc;
    struct wn__meter_src *s = wn_calloc(1, sizeof *s);
    *out = NULL;
    if (!s)
        return wn_seterr(WN_ENOMEM, "meter.c: %s: out of memory", ops->name);
    s->ops = ops;
    s->update_s = ops->update_s;
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
    wn__meter_src_free(&s);
    return rc;
}

void wn__meter_fill_info(const struct wn__meter_src *s, wn_meter_info *out)
{
    out->is_estimate = s->ops->is_estimate;
    out->node_level = s->ops->node_level;
    out->update_s = s->update_s;
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
    const struct wn_meter_ops *ops = wn__meter_find_ops(source);
    if (!ops)
        return wn_seterr(WN_EINVAL, "unknown meter source '%s' (rapl, perf, "
                         "nvml, ipmi, redfish, estimate, sim)", source);
    memset(out, 0, sizeof *out);
    snprintf(out->source, sizeof out->source, "%s", source);
    out->is_estimate = ops->is_estimate;
    out->node_level = ops->node_level;
    struct wn__meter_src *s = NULL;
    int rc = wn__meter_src_open(ops, o, &s);
    if (rc == WN_ENOMEM)
        return rc;
    out->status = rc;
    if (rc) {
        snprintf(out->reason, sizeof out->reason, "%s", wn_errmsg());
        return WN_OK;
    }
    wn__meter_fill_info(s, out);
    wn__meter_src_free(&s);
    return WN_OK;
}

