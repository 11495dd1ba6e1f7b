/*
 * openmetrics.c - the leaf that turns plain values (wn_om_snapshot) into an
 * exposition: OpenMetrics 1.0.0 for Prometheus servers, the classic text
 * format 0.0.4 for everything else (promtool, curl).  No meter, no store,
 * no allocation: a scrape formats into the caller's buffer.
 *
 * Families (label sets are the same on every sample of a family):
 *   wattnet_energy_joules_total{source,domain,estimate,in_total}  counter
 *   wattnet_power_watts{source,domain,estimate,in_total}          gauge
 *   wattnet_meter_up{source,estimate}                             gauge
 *   with a store: wattnet_store_up, wattnet_queue_jobs{state},
 *   wattnet_runs (stored runs), wattnet_runs_per_hour.
 * estimate="true" marks a figure that is not a measurement.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <wattnet/core.h>
#include <wattnet/exporter.h>

struct out {
    char *buf;
    size_t cap, len;
    int full;
};

static void put(struct out *o, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void put(struct out *o, const char *fmt, ...)
{
    if (o->full)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(o->buf + o->len, o->cap - o->len, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= o->cap - o->len) {
        o->full = 1;
        return;
    }
    o->len += (size_t)n;
}

/* A label value with \ " and newline escaped. */
static void put_label(struct out *o, const char *s)
{
    char esc[2 * 48 + 1];
    size_t k = 0;
    for (; *s && k + 2 < sizeof esc; s++) {
        if (*s == '\\' || *s == '"') {
            esc[k++] = '\\';
            esc[k++] = *s;
        } else if (*s == '\n') {
            esc[k++] = '\\';
            esc[k++] = 'n';
        } else {
            esc[k++] = *s;
        }
    }
    esc[k] = '\0';
    put(o, "\"%s\"", esc);
}

/* A sample value: finite numbers with full precision, else NaN. */
static void put_value(struct out *o, double v)
{
    if (isfinite(v))
        put(o, " %.15g\n", v);
    else
        put(o, " NaN\n");
}

static void family(struct out *o, int om, const char *name, const char *type,
                   const char *unit, const char *help)
{
    put(o, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
    if (om && unit)
        put(o, "# UNIT %s %s\n", name, unit);
}

static void domain_labels(struct out *o, const wn_om_domain *d)
{
    put(o, "{source=");
    put_label(o, d->source);
    put(o, ",domain=");
    put_label(o, d->domain);
    put(o, ",estimate=\"%s\",in_total=\"%s\"}", d->estimate ? "true" : "false",
        d->in_total ? "true" : "false");
}

static void energy_families(struct out *o, const wn_om_snapshot *s, int om)
{
    /* OpenMetrics names the counter family without _total; the text format
     * names it as its samples. */
    family(o, om, om ? "wattnet_energy_joules" : "wattnet_energy_joules_total",
           "counter", "joules", "Energy since the exporter started, per "
           "meter domain (monotonic across counter wraps); sum only "
           "in_total=\"true\" for the host");
    for (size_t i = 0; i < s->n_domains; i++) {
        put(o, "wattnet_energy_joules_total");
        domain_labels(o, &s->domains[i]);
        put_value(o, s->domains[i].energy_j);
    }
    family(o, om, "wattnet_power_watts", "gauge", "watts",
           "Average power over the last refresh period, per meter domain");
    for (size_t i = 0; i < s->n_domains; i++) {
        if (!s->domains[i].has_power)
            continue;
        put(o, "wattnet_power_watts");
        domain_labels(o, &s->domains[i]);
        put_value(o, s->domains[i].power_w);
    }
    family(o, om, "wattnet_meter_up", "gauge", NULL,
           "1 when the meter source measured in the last refresh period");
    for (size_t i = 0; i < s->n_meters; i++) {
        put(o, "wattnet_meter_up{source=");
        put_label(o, s->meters[i].source);
        put(o, ",estimate=\"%s\"} %d\n",
            s->meters[i].estimate ? "true" : "false", s->meters[i].up ? 1 : 0);
    }
}

static void store_families(struct out *o, const wn_om_snapshot *s, int om)
{
    family(o, om, "wattnet_store_up", "gauge", NULL,
           "1 when the last query of the store (--db) succeeded");
    put(o, "wattnet_store_up %d\n", s->store_up ? 1 : 0);
    if (!s->store_up)
        return;
    family(o, om, "wattnet_queue_jobs", "gauge", NULL,
           "Jobs in the store's queue, by state");
    put(o, "wattnet_queue_jobs{state=\"queued\"} %lld\n",
        (long long)s->jobs_queued);
    put(o, "wattnet_queue_jobs{state=\"running\"} %lld\n",
        (long long)s->jobs_running);
    put(o, "wattnet_queue_jobs{state=\"done\"} %lld\n", (long long)s->jobs_done);
    put(o, "wattnet_queue_jobs{state=\"failed\"} %lld\n",
        (long long)s->jobs_failed);
    family(o, om, "wattnet_runs", "gauge", NULL, "Runs stored");
    put(o, "wattnet_runs %lld\n", (long long)s->runs);
    if (s->has_rate) {
        family(o, om, "wattnet_runs_per_hour", "gauge", NULL,
               "Finished runs per hour over their time span");
        put(o, "wattnet_runs_per_hour");
        put_value(o, s->runs_per_hour);
    }
}

int wn_om_format(const wn_om_snapshot *s, int openmetrics, char *buf,
                 size_t cap, size_t *len)
{
    if (!s || !buf || cap == 0 || !len || s->n_domains > WN_MAX_DOMAINS ||
        s->n_meters > WN_OM_MAX_METERS)
        return wn_seterr(WN_EINVAL, "openmetrics.c: bad arguments");
    struct out o = { buf, cap, 0, 0 };
    buf[0] = '\0';
    energy_families(&o, s, openmetrics);
    if (s->has_store)
        store_families(&o, s, openmetrics);
    if (openmetrics)
        put(&o, "# EOF\n");
    if (o.full) {
        buf[0] = '\0';
        *len = 0;
        return wn_seterr(WN_ENOMEM, "openmetrics.c: exposition larger than "
                         "%zu bytes", cap);
    }
    *len = o.len;
    return WN_OK;
}
