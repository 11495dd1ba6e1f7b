/*
 * meter_idle.c - idle power on an open meter: the baselines loaded at open
 * (wn__meter_idle_load), set from elsewhere (wn_meter_set_idle) and
 * measured (wn_meter_idle_measure).  Windows of a meter with an idle power
 * for every in-total domain report dynamic energy.
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

int wn__meter_idle_load(wn_meter *m, const wn_meter_opts *o)
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

