/*
 * exporter_internal.h - what exporter.c (meter, store, snapshot) and
 * exporter_http.c (the libmicrohttpd server) share.
 */
#ifndef WN_EXPORTER_INTERNAL_H
#define WN_EXPORTER_INTERNAL_H

#include <pthread.h>
#include <stdint.h>

#include <wattnet/core.h>
#include <wattnet/exporter.h>

struct wn__http;   /* exporter_http.c */

/* Start serving GET /metrics for x on LISTEN ("HOST:PORT"); *port gets the
 * bound port.  WN_EINVAL bad address, WN_ENET cannot bind, WN_EUNSUPPORTED
 * without libmicrohttpd. */
int wn__http_start(wn_exporter *x, const char *listen, struct wn__http **out,
                   unsigned *port, char *url, size_t url_n);
void wn__http_stop(struct wn__http **h);

/* Count one scrape (the server's thread). */
void wn__exporter_count_scrape(wn_exporter *x);

#endif /* WN_EXPORTER_INTERNAL_H */
