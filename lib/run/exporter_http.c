/*
 * exporter_http.c - the exporter's HTTP server (libmicrohttpd): GET /metrics
 * answers the current snapshot, OpenMetrics when the client accepts it
 * (Prometheus does), else the text format 0.0.4; / points to /metrics;
 * anything else is 404, non-GET 405.  One internal polling thread serves
 * every connection, each scrape formats into a buffer on that thread's
 * stack and libmicrohttpd copies it: no allocation of ours per scrape.
 * Listens where it is told, loopback by default (exporter.c).
 */
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "run/exporter_internal.h"

#ifdef WN_HAVE_MHD
#include <microhttpd.h>

#define SCRAPE_CAP 65536

struct wn__http {
    struct MHD_Daemon *daemon;
};

static enum MHD_Result reply(struct MHD_Connection *c, unsigned code,
                             const char *type, const char *body, size_t n)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(
        n, (void *)body, MHD_RESPMEM_MUST_COPY);
    if (!r)
        return MHD_NO;
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
    enum MHD_Result ret = MHD_queue_response(c, code, r);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c,
                                  const char *url, const char *method,
                                  const char *version, const char *upload,
                                  size_t *upload_n, void **state)
{
    static char buf[SCRAPE_CAP];   /* only the one server thread uses it */
    wn_exporter *x = cls;
    (void)version;
    (void)upload;
    (void)upload_n;
    (void)state;
    if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0) {
        static const char msg[] = "only GET /metrics\n";
        return reply(c, MHD_HTTP_METHOD_NOT_ALLOWED, "text/plain", msg,
                     sizeof msg - 1);
    }
    if (strcmp(url, "/") == 0) {
        static const char msg[] = "wattnet exporter: see /metrics\n";
        return reply(c, MHD_HTTP_OK, "text/plain", msg, sizeof msg - 1);
    }
    if (strcmp(url, "/metrics") != 0) {
        static const char msg[] = "not found: try /metrics\n";
        return reply(c, MHD_HTTP_NOT_FOUND, "text/plain", msg, sizeof msg - 1);
    }
    const char *accept = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
                                                     MHD_HTTP_HEADER_ACCEPT);
    int om = accept && strstr(accept, "application/openmetrics-text");
    size_t n = 0;
    if (wn_exporter_scrape(x, om, buf, sizeof buf, &n) != WN_OK) {
        static const char msg[] = "exposition failed\n";
        return reply(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "text/plain", msg,
                     sizeof msg - 1);
    }
    wn__exporter_count_scrape(x);
    return reply(c, MHD_HTTP_OK, om ? WN_OM_CONTENT_TYPE : WN_PROM_CONTENT_TYPE,
                 buf, n);
}

/* "HOST:PORT" or "[V6]:PORT" into a socket address. */
static int parse_listen(const char *listen, struct sockaddr_storage *sa,
                        socklen_t *sa_len)
{
    char host[256];
    const char *colon = strrchr(listen, ':');
    if (!colon || colon == listen || !colon[1])
        return wn_seterr(WN_EINVAL, "listen address '%s': want HOST:PORT",
                         listen);
    size_t hn = (size_t)(colon - listen);
    const char *h = listen;
    if (h[0] == '[' && hn >= 2 && h[hn - 1] == ']') {
        h++;
        hn -= 2;
    }
    if (hn == 0 || hn >= sizeof host)
        return wn_seterr(WN_EINVAL, "listen address '%s': bad host",
                         listen);
    memcpy(host, h, hn);
    host[hn] = '\0';
    /* getaddrinfo takes "99999" and keeps its low 16 bits (34463): check */
    const char *p = colon + 1;
    size_t pn = strspn(p, "0123456789");
    if (p[pn] == '\0' && (pn > 15 || strtoull(p, NULL, 10) > 65535))
        return wn_seterr(WN_EINVAL, "listen address '%s': port %s is over "
                         "65535", listen, p);
    struct addrinfo hints, *res = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV | AI_PASSIVE;
    int g = getaddrinfo(host, colon + 1, &hints, &res);
    if (g != 0 || !res)
        return wn_seterr(WN_EINVAL, "listen address '%s': %s", listen,
                         gai_strerror(g));
    memcpy(sa, res->ai_addr, res->ai_addrlen);
    *sa_len = res->ai_addrlen;
    freeaddrinfo(res);
    return WN_OK;
}

static void format_url(const struct sockaddr_storage *sa, unsigned port,
                       char *url, size_t url_n)
{
    char host[INET6_ADDRSTRLEN] = "?";
    if (sa->ss_family == AF_INET6) {
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr,
                  host, sizeof host);
        snprintf(url, url_n, "http://[%s]:%u/metrics", host, port);
    } else {
        inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, host,
                  sizeof host);
        snprintf(url, url_n, "http://%s:%u/metrics", host, port);
    }
}

int wn__http_start(wn_exporter *x, const char *listen, struct wn__http **out,
                   unsigned *port, char *url, size_t url_n)
{
    struct sockaddr_storage sa;
    socklen_t sa_len = 0;
    *out = NULL;
    int rc = parse_listen(listen, &sa, &sa_len);
    if (rc)
        return rc;
    struct wn__http *h = wn_calloc(1, sizeof *h);
    if (!h)
        return wn_seterr(WN_ENOMEM, "exporter_http.c: out of memory");
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL;
    if (sa.ss_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    h->daemon = MHD_start_daemon(flags, 0, NULL, NULL, on_request, x,
                                 MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
                                 MHD_OPTION_CONNECTION_TIMEOUT, 10u,
                                 MHD_OPTION_END);
    if (!h->daemon) {
        wn_free(h);
        return wn_seterr(WN_ENET, "cannot listen on %s (in use, or "
                         "not an address of this host)", listen);
    }
    const union MHD_DaemonInfo *di =
        MHD_get_daemon_info(h->daemon, MHD_DAEMON_INFO_BIND_PORT);
    *port = di ? di->port : 0;
    format_url(&sa, *port, url, url_n);
    *out = h;
    return WN_OK;
}

void wn__http_stop(struct wn__http **h)
{
    if (!h || !*h)
        return;
    MHD_stop_daemon((*h)->daemon);
    wn_free(*h);
    *h = NULL;
}

#else /* !WN_HAVE_MHD */

struct wn__http {
    int unused;
};

int wn__http_start(wn_exporter *x, const char *listen, struct wn__http **out,
                   unsigned *port, char *url, size_t url_n)
{
    (void)x;
    (void)port;
    (void)url;
    (void)url_n;
    *out = NULL;
    return wn_seterr(WN_EUNSUPPORTED, "cannot listen on %s: built "
                     "without libmicrohttpd (install libmicrohttpd-dev and "
                     "rebuild)", listen);
}

void wn__http_stop(struct wn__http **h)
{
    if (h)
        *h = NULL;
}

#endif
