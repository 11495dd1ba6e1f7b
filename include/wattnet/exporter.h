/*
 * exporter.h - the Prometheus exporter: OpenMetrics (and the classic text
 * format) for this host's energy meters and, with a store, the queue.
 *
 * Two parts:
 *   - a leaf formatter, wn_om_format(): plain values (wn_om_snapshot) in,
 *     exposition text out, no meter or store;
 *   - the exporter itself (wn_exporter_*): a meter whose windows roll every
 *     refresh period into per-domain counters (monotonic across counter
 *     wraps: the meter unwraps, the exporter only adds non-negative window
 *     joules), an optional store for queue figures, and an HTTP server
 *     (libmicrohttpd) answering GET /metrics.  Scrapes only format the last
 *     snapshot, so their rate does not change what is measured.
 *
 * Usage:
 *     wn_exporter_opts o; wn_exporter_opts_default(&o);
 *     o.listen = "127.0.0.1:9464";
 *     wn_exporter *x = NULL;
 *     if (wn_exporter_open(&o, &x) != WN_OK) ... wn_errmsg() ...
 *     ... serve until a signal ...
 *     wn_exporter_close(&x);
 */
#ifndef WATTNET_EXPORTER_H
#define WATTNET_EXPORTER_H

#include <stddef.h>
#include <stdint.h>
#include <wattnet/energy.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Leaf: exposition from plain values -------------------------------- */
#define WN_OM_MAX_METERS 8

typedef struct wn_om_domain {
    char source[16];          /* rapl, nvml, ..., estimate */
    char domain[48];
    double energy_j;          /* cumulative since the exporter started */
    int has_power;
    double power_w;           /* over the last refresh period */
    int estimate;             /* 1: not a measurement (label estimate="true") */
    int in_total;             /* 1: counted in the host's non-overlapping sum */
} wn_om_domain;

typedef struct wn_om_meter {
    char source[16];
    int up;                   /* 1: the last period measured */
    int estimate;
} wn_om_meter;

typedef struct wn_om_snapshot {
    size_t n_domains;
    wn_om_domain domains[WN_MAX_DOMAINS];
    size_t n_meters;
    wn_om_meter meters[WN_OM_MAX_METERS];
    int has_store;            /* a store was given (--db) */
    int store_up;             /* its last query succeeded */
    int64_t jobs_queued, jobs_running, jobs_done, jobs_failed;
    int64_t runs;
    int has_rate;
    double runs_per_hour;
} wn_om_snapshot;

/* Write the exposition of s into buf (cap bytes, NUL-terminated) and its
 * length into *len.  openmetrics 1: OpenMetrics 1.0.0 (UNIT lines, "# EOF");
 * 0: the Prometheus text format 0.0.4.  WN_EINVAL for bad arguments,
 * WN_ENOMEM when cap is too small (buf then holds nothing useful). */
int wn_om_format(const wn_om_snapshot *s, int openmetrics, char *buf,
                 size_t cap, size_t *len);

/* Content types of the two formats. */
#define WN_OM_CONTENT_TYPE "application/openmetrics-text; version=1.0.0; charset=utf-8"
#define WN_PROM_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

/* ---- The exporter ----------------------------------------------------- */
typedef struct wn_exporter wn_exporter;   /* opaque: meter, store, server */

typedef struct wn_exporter_opts {
    const char *listen;       /* "HOST:PORT" ([v6]:PORT); NULL: 127.0.0.1:9464;
                                 port 0: any free port (wn_exporter_port);
                                 "" : no HTTP server (wn_exporter_scrape) */
    const char *db_url;       /* NULL: no queue metrics */
    const char *source;       /* meter source; NULL or "auto" */
    unsigned refresh_ms;      /* window roll period; default 1000 */
} wn_exporter_opts;

void wn_exporter_opts_default(wn_exporter_opts *o);

/* Open the meter (and the store), take a first snapshot, start the refresh
 * thread and the server.  WN_OK and *out; else the failing step's status
 * (WN_EINVAL bad address, WN_EUNSUPPORTED built without libmicrohttpd,
 * WN_ENET cannot bind, a meter or store status) with wn_errmsg(). */
int wn_exporter_open(const wn_exporter_opts *o, wn_exporter **out);
/* Stop the server and the thread, close meter and store; NULL is a no-op. */
void wn_exporter_close(wn_exporter **x);

/* The bound TCP port (0 without a server). */
unsigned wn_exporter_port(const wn_exporter *x);
/* The address served, "http://HOST:PORT/metrics" ("" without a server). */
const char *wn_exporter_url(const wn_exporter *x);

/* Roll the meter's window now (as the refresh thread does). */
int wn_exporter_refresh(wn_exporter *x);
/* Format the current snapshot as a scrape would (see wn_om_format). */
int wn_exporter_scrape(wn_exporter *x, int openmetrics, char *buf, size_t cap,
                       size_t *len);
/* Scrapes served so far. */
uint64_t wn_exporter_scrapes(const wn_exporter *x);

#ifdef __cplusplus
}
#endif
#endif /* WATTNET_EXPORTER_H */
