/*
 * exporter.c - the Prometheus exporter's glue (lib/run: meter + store): one meter whose window rolls
 * every refresh period into per-domain cumulative joules, an optional store
 * for queue figures, and the snapshot that scrapes format (openmetrics.c)
 * and the HTTP server (exporter_http.c) serves.
 *
 * Counters: each period's window gives the joules of each domain (the
 * meter unwraps its counters); the exporter adds them when the window
 * measured and they are finite and non-negative, so a counter never goes
 * down.  A period that did not measure leaves the counters as they were and
 * sets meter_up 0.  Between two windows the meter samples twice within
 * microseconds: that energy is not counted (far below one RAPL tick at
 * these periods).  A window younger than MIN_WINDOW_S is not rolled (a
 * refresh right after another would only yield a window too short to see a
 * counter tick, flagged as not measured).  Scrapes never touch the meter
 * or the store.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <wattnet/meter.h>
#include <wattnet/store.h>

#include "run/exporter_internal.h"
#include "core/util.h"

#define MIN_WINDOW_S 0.05

struct wn_exporter {
    wn_meter *meter;
    wn_store *store;
    int window;                    /* open window id, -1 none */
    double t_window;               /* monotonic start of that window */
    unsigned refresh_ms;
    pthread_mutex_t roll;          /* window, t_window: one refresh at a time */
    pthread_mutex_t lock;          /* snap, scrapes */
    int lock_ok;
    wn_om_snapshot snap;
    uint64_t scrapes;
    pthread_t thread;
    int thread_ok;
    pthread_mutex_t stop_lock;
    pthread_cond_t stop_cond;
    int stop;
    struct wn__http *http;
    unsigned port;
    char url[128];
};

/* ------------------------------------------------------------------------
 * Snapshot
 * ---------------------------------------------------------------------- */


/* Domains and meters of the open meter, all counters at 0. */
static int snapshot_init(wn_exporter *x)
{
    wn_om_snapshot *s = &x->snap;
    memset(s, 0, sizeof *s);
    size_t n = wn_meter_count(x->meter);
    for (size_t i = 0; i < n && s->n_meters < WN_OM_MAX_METERS; i++) {
        wn_meter_info info;
        int rc = wn_meter_info_at(x->meter, i, &info);
        if (rc)
            return rc;
        wn_om_meter *m = &s->meters[s->n_meters++];
        snprintf(m->source, sizeof m->source, "%s", info.source);
        m->estimate = info.is_estimate;
        for (size_t j = 0; j < info.n_domains; j++) {
            if (s->n_domains >= WN_MAX_DOMAINS)
                break;
            wn_om_domain *d = &s->domains[s->n_domains++];
            snprintf(d->source, sizeof d->source, "%s", info.source);
            snprintf(d->domain, sizeof d->domain, "%s", info.domains[j].name);
            d->estimate = info.is_estimate;
            d->in_total = info.domains[j].in_total;
        }
    }
    return WN_OK;
}

static wn_om_domain *find_domain(wn_om_snapshot *s, const char *name)
{
    for (size_t i = 0; i < s->n_domains; i++)
        if (strcmp(s->domains[i].domain, name) == 0)
            return &s->domains[i];
    return NULL;
}

/* Fold one ended window into the snapshot (lock held). */
static void snapshot_add(wn_om_snapshot *s, const wn_energy *e)
{
    int ok = e->measured && e->seconds > 0.0;
    for (size_t i = 0; i < s->n_meters; i++)
        s->meters[i].up = ok;
    if (!ok)
        return;
    for (size_t i = 0; i < e->n_domains; i++) {
        double j = e->domains[i].energy_j;
        wn_om_domain *d = find_domain(s, e->domains[i].name);
        if (!d || !isfinite(j) || j < 0.0)
            continue;
        d->energy_j += j;
        d->power_w = j / e->seconds;
        d->has_power = 1;
    }
}

static void store_poll(wn_exporter *x, wn_om_snapshot *out)
{
    wn_queue_status q;
    out->has_store = 1;
    out->store_up = wn_store_queue_status(x->store, &q) == WN_OK;
    if (!out->store_up)
        return;
    out->jobs_queued = q.queued;
    out->jobs_running = q.running;
    out->jobs_done = q.done;
    out->jobs_failed = q.failed;
    out->runs = q.runs;
    out->has_rate = q.has_rate;
    out->runs_per_hour = q.runs_per_hour;
}

static int roll(wn_exporter *x)
{
    int rc = WN_OK, rc_end = WN_OK, have_e = 0;
    wn_energy e;
    if (x->window >= 0 && wn__now_s() - x->t_window < MIN_WINDOW_S)
        return WN_OK;
    if (x->window >= 0) {
        rc_end = wn_meter_window_end(x->meter, x->window, &e);
        x->window = -1;
        have_e = rc_end == WN_OK;
    }
    rc = wn_meter_window_begin(x->meter, &x->window);
    if (rc)
        x->window = -1;
    x->t_window = wn__now_s();
    wn_om_snapshot q;
    memset(&q, 0, sizeof q);
    if (x->store)
        store_poll(x, &q);
    pthread_mutex_lock(&x->lock);
    if (have_e)
        snapshot_add(&x->snap, &e);
    else if (rc_end)
        for (size_t i = 0; i < x->snap.n_meters; i++)
            x->snap.meters[i].up = 0;
    x->snap.has_store = q.has_store;
    x->snap.store_up = q.store_up;
    x->snap.jobs_queued = q.jobs_queued;
    x->snap.jobs_running = q.jobs_running;
    x->snap.jobs_done = q.jobs_done;
    x->snap.jobs_failed = q.jobs_failed;
    x->snap.runs = q.runs;
    x->snap.has_rate = q.has_rate;
    x->snap.runs_per_hour = q.runs_per_hour;
    pthread_mutex_unlock(&x->lock);
    return rc_end ? rc_end : rc;
}

int wn_exporter_refresh(wn_exporter *x)
{
    if (!x)
        return wn_seterr(WN_EINVAL, "exporter.c: refresh: no exporter");
    pthread_mutex_lock(&x->roll);
    int rc = roll(x);
    pthread_mutex_unlock(&x->roll);
    return rc;
}

int wn_exporter_scrape(wn_exporter *x, int openmetrics, char *buf, size_t cap,
                       size_t *len)
{
    if (!x)
        return wn_seterr(WN_EINVAL, "exporter.c: scrape: no exporter");
    pthread_mutex_lock(&x->lock);
    int rc = wn_om_format(&x->snap, openmetrics, buf, cap, len);
    pthread_mutex_unlock(&x->lock);
    return rc;
}

void wn__exporter_count_scrape(wn_exporter *x)
{
    pthread_mutex_lock(&x->lock);
    x->scrapes++;
    pthread_mutex_unlock(&x->lock);
}

uint64_t wn_exporter_scrapes(const wn_exporter *x)
{
    if (!x)
        return 0;
    pthread_mutex_lock((pthread_mutex_t *)&x->lock);
    uint64_t n = x->scrapes;
    pthread_mutex_unlock((pthread_mutex_t *)&x->lock);
    return n;
}

unsigned wn_exporter_port(const wn_exporter *x)
{
    return x ? x->port : 0;
}

const char *wn_exporter_url(const wn_exporter *x)
{
    return x ? x->url : "";
}

/* ------------------------------------------------------------------------
 * Refresh thread
 * ---------------------------------------------------------------------- */

static void *refresh_main(void *arg)
{
    wn_exporter *x = arg;
    pthread_mutex_lock(&x->stop_lock);
    while (!x->stop) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        long ns = ts.tv_nsec + (long)(x->refresh_ms % 1000) * 1000000L;
        ts.tv_sec += (time_t)(x->refresh_ms / 1000) + ns / 1000000000L;
        ts.tv_nsec = ns % 1000000000L;
        pthread_cond_timedwait(&x->stop_cond, &x->stop_lock, &ts);
        if (x->stop)
            break;
        pthread_mutex_unlock(&x->stop_lock);
        wn_exporter_refresh(x);    /* a failure shows as meter_up 0 */
        pthread_mutex_lock(&x->stop_lock);
    }
    pthread_mutex_unlock(&x->stop_lock);
    return NULL;
}

/* ------------------------------------------------------------------------
 * Open / close
 * ---------------------------------------------------------------------- */

void wn_exporter_opts_default(wn_exporter_opts *o)
{
    memset(o, 0, sizeof *o);
    o->listen = NULL;
    o->refresh_ms = 1000;
}

static int open_sources(wn_exporter *x, const wn_exporter_opts *o)
{
    wn_meter_opts mo;
    wn_meter_opts_default(&mo);
    mo.source = o->source;
    int rc = wn_meter_open(&mo, &x->meter);
    if (rc)
        return rc;
    if (o->db_url && o->db_url[0]) {
        rc = wn_store_open_existing(o->db_url, &x->store);
        if (rc)
            return rc;
    }
    rc = snapshot_init(x);
    if (rc)
        return rc;
    return wn_exporter_refresh(x);     /* opens the first window */
}

int wn_exporter_open(const wn_exporter_opts *o, wn_exporter **out)
{
    int rc = WN_OK;
    wn_exporter_opts def;
    wn_exporter *x = NULL;
    if (!out)
        return wn_seterr(WN_EINVAL, "exporter.c: open: no output");
    *out = NULL;
    if (!o) {
        wn_exporter_opts_default(&def);
        o = &def;
    }
    x = wn_calloc(1, sizeof *x);
    if (!x)
        return wn_seterr(WN_ENOMEM, "exporter.c: open: out of memory");
    x->window = -1;
    x->refresh_ms = o->refresh_ms ? o->refresh_ms : 1000;
    if (pthread_mutex_init(&x->lock, NULL) != 0) {
        rc = wn_seterr(WN_ENOMEM, "exporter.c: open: mutex");
        goto out;
    }
    x->lock_ok = 1;
    pthread_mutex_init(&x->roll, NULL);
    pthread_mutex_init(&x->stop_lock, NULL);
    pthread_cond_init(&x->stop_cond, NULL);
    rc = open_sources(x, o);
    if (rc)
        goto out;
    const char *listen = o->listen ? o->listen : "127.0.0.1:9464";
    if (listen[0]) {
        rc = wn__http_start(x, listen, &x->http, &x->port, x->url,
                            sizeof x->url);
        if (rc)
            goto out;
    }
    if (pthread_create(&x->thread, NULL, refresh_main, x) != 0) {
        rc = wn_seterr(WN_ENOMEM, "exporter.c: open: cannot start thread");
        goto out;
    }
    x->thread_ok = 1;
    *out = x;
    x = NULL;
out:
    wn_exporter_close(&x);
    return rc;
}

void wn_exporter_close(wn_exporter **px)
{
    if (!px || !*px)
        return;
    wn_exporter *x = *px;
    wn__http_stop(&x->http);
    if (x->thread_ok) {
        pthread_mutex_lock(&x->stop_lock);
        x->stop = 1;
        pthread_cond_signal(&x->stop_cond);
        pthread_mutex_unlock(&x->stop_lock);
        pthread_join(x->thread, NULL);
    }
    if (x->lock_ok) {
        pthread_mutex_destroy(&x->lock);
        pthread_mutex_destroy(&x->roll);
        pthread_mutex_destroy(&x->stop_lock);
        pthread_cond_destroy(&x->stop_cond);
    }
    wn_meter_close(&x->meter);
    wn_store_close(&x->store);
    wn_free(x);
    *px = NULL;
}
