/*
 * meter_redfish.c - whole-node power from a BMC's Redfish API: an HTTP GET
 * of the chassis Power resource (e.g. https://bmc/redfish/v1/Chassis/1/
 * Power), reading PowerControl[].PowerConsumedWatts.
 *
 * URL, user and password: the options, else $WATTNET_REDFISH_URL,
 * $WATTNET_REDFISH_USER, $WATTNET_REDFISH_PASSWORD; $WATTNET_REDFISH_INSECURE=1
 * skips TLS verification (self-signed BMC certificates).  Credentials are
 * never printed, logged, stored or put in messages; a URL with user:pass@
 * is shown redacted.  PowerControl[0] is the chassis ("node", in the
 * total); further entries keep their MemberId ("powercontrol-<id>") and
 * are listed as contained in it, never added.  When the chassis reports no
 * watts, there is no node total: the entries are parts, never the whole
 * (a window of them alone is flagged no-total).
 * Needs libcurl (WN_HAVE_CURL); without it the source says so.  Polled at
 * most once a second, and afresh at every window edge.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#ifdef WN_HAVE_CURL
#include <curl/curl.h>
#endif

#include <wattnet/core.h>
#include <wattnet/meter.h>

#include "meter/meter_internal.h"

#define MAX_BODY (1u << 20)

void wn__redfish_redact(const char *url, char *out, size_t n);

/* MemberId, printable and without blanks, else the index. */
static void entry_id(const cJSON *item, size_t i, char *id, size_t n)
{
    const cJSON *mid = cJSON_GetObjectItemCaseSensitive(item, "MemberId");
    size_t k = 0;
    if (cJSON_IsString(mid) && mid->valuestring)
        for (const char *p = mid->valuestring; *p && k + 1 < n; p++)
            id[k++] = *p > ' ' && *p < 127 && *p != '"' && *p != '\\'
                          ? *p : '_';
    id[k] = '\0';
    if (k == 0)
        snprintf(id, n, "%zu", i);
}

/* Every PowerControl[i]: its MemberId (else i) and PowerConsumedWatts
 * when that is a number (null on many BMCs for the chassis while the
 * sub-systems report). */
int wn__redfish_parse(const char *json, struct wn__redfish_entry *e,
                      size_t max, size_t *n)
{
    *n = 0;
    cJSON *root = cJSON_Parse(json);
    if (!root)
        return wn_seterr(WN_EFORMAT, "redfish: the Power resource is not "
                         "valid JSON");
    int rc = WN_OK, any = 0;
    cJSON *pc = cJSON_GetObjectItemCaseSensitive(root, "PowerControl");
    cJSON *item;
    if (!cJSON_IsArray(pc)) {
        rc = wn_seterr(WN_EFORMAT, "redfish: no PowerControl array (is the "
                       "URL the chassis Power resource?)");
        goto out;
    }
    cJSON_ArrayForEach(item, pc)
    {
        if (*n >= max)
            break;
        struct wn__redfish_entry *x = &e[(*n)++];
        memset(x, 0, sizeof *x);
        entry_id(item, *n - 1, x->id, sizeof x->id);
        cJSON *w = cJSON_GetObjectItemCaseSensitive(item, "PowerConsumedWatts");
        x->has_watts = cJSON_IsNumber(w) && w->valuedouble >= 0 &&
                       w->valuedouble <= 1e7;
        x->watts = x->has_watts ? w->valuedouble : 0.0;
        any |= x->has_watts;
    }
    if (!any)
        rc = wn_seterr(WN_EFORMAT, "redfish: no PowerControl entry has a "
                       "numeric PowerConsumedWatts");
out:
    cJSON_Delete(root);
    return rc;
}

/* Hide user:password in a URL: scheme, then "***@host/path". */
void wn__redfish_redact(const char *url, char *out, size_t n)
{
    const char *scheme = strstr(url, "://");
    const char *host = scheme ? scheme + 3 : url;
    const char *slash = strchr(host, '/');
    const char *at = strchr(host, '@');
    if (at && (!slash || at < slash))
        snprintf(out, n, "%.*s***%s", (int)(host - url), url, at);
    else
        snprintf(out, n, "%s", url);
}

#ifdef WN_HAVE_CURL

struct redfish_state {
    CURL *curl;
    char url[1024];
    char shown[1024];         /* redacted, for messages */
    char user[256];
    char password[256];
    unsigned timeout_ms;
    char *body;
    size_t len;
    int too_big;
};

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static void curl_init_once(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
}

static size_t on_body(char *p, size_t size, size_t nmemb, void *user)
{
    struct redfish_state *st = user;
    size_t add = size * nmemb;
    if (st->len + add + 1 > MAX_BODY) {
        st->too_big = 1;
        return 0;
    }
    char *nb = wn_realloc(st->body, st->len + add + 1);
    if (!nb)
        return 0;
    st->body = nb;
    memcpy(st->body + st->len, p, add);
    st->len += add;
    st->body[st->len] = '\0';
    return add;
}

static int get_watts(struct redfish_state *st, struct wn__redfish_entry *e,
                     size_t max, size_t *n)
{
    st->len = 0;
    st->too_big = 0;
    if (st->body)
        st->body[0] = '\0';
    CURLcode cc = curl_easy_perform(st->curl);
    if (cc == CURLE_OPERATION_TIMEDOUT)
        return wn_seterr(WN_ETIMEOUT, "redfish: %s: no answer within %u ms",
                         st->shown, st->timeout_ms);
    if (cc != CURLE_OK)
        return wn_seterr(st->too_big ? WN_EFORMAT : WN_ENET,
                         "redfish: %s: %s", st->shown,
                         st->too_big ? "response over 1 MiB"
                                     : curl_easy_strerror(cc));
    long code = 0;
    curl_easy_getinfo(st->curl, CURLINFO_RESPONSE_CODE, &code);
    if (code == 401 || code == 403)
        return wn_seterr(WN_EPERM, "redfish: %s: HTTP %ld: the BMC refused "
                         "the credentials (set WATTNET_REDFISH_USER and "
                         "WATTNET_REDFISH_PASSWORD)", st->shown, code);
    if (code != 200)
        return wn_seterr(WN_ENET, "redfish: %s: HTTP %ld", st->shown, code);
    if (!st->body)
        return wn_seterr(WN_EFORMAT, "redfish: %s: empty response", st->shown);
    return wn__redfish_parse(st->body, e, max, n);
}

/* One domain per entry that has watts, keeping the BMC's numbering (slot
 * = the entry's index): PowerControl[0], the chassis, is "node"; entry i
 * is "powercontrol-<MemberId>", inside the node.  Without the chassis's
 * watts there is no node total: the entries are parts, never added and
 * never relabelled as the whole, and the notes say so. */
static int add_domains(struct wn__meter_src *src,
                       const struct wn__redfish_entry *e, size_t n)
{
    int total = n > 0 && e[0].has_watts;
    for (size_t i = 0; i < n; i++) {
        char name[48];
        if (!e[i].has_watts)
            continue;
        if (i == 0)
            snprintf(name, sizeof name, "node");
        else
            snprintf(name, sizeof name, "powercontrol-%s", e[i].id);
        struct wn__meter_domain *d =
            wn__meter_add_domain(src, name, WN__KIND_POWER, 1e-3, 0);
        if (!d)
            return wn_seterr(WN_ENOMEM, "redfish: no domain");
        d->slot = (int)i;
        if (i > 0)
            snprintf(d->contained_in, sizeof d->contained_in, "node");
        d->part_only = !total;
    }
    if (!total)
        snprintf(src->notes, sizeof src->notes, "PowerControl[0] (the "
                 "chassis, id %s) has no PowerConsumedWatts: no node total; "
                 "the other entries are parts of the node, listed, never "
                 "added", n > 0 ? e[0].id : "-");
    return WN_OK;
}

static int redfish_open(struct wn__meter_src *src, const wn_meter_opts *o)
{
    const char *url = o->redfish_url ? o->redfish_url
                                     : getenv("WATTNET_REDFISH_URL");
    const char *user = o->redfish_user ? o->redfish_user
                                       : getenv("WATTNET_REDFISH_USER");
    const char *pw = o->redfish_password ? o->redfish_password
                                         : getenv("WATTNET_REDFISH_PASSWORD");
    const char *insecure = getenv("WATTNET_REDFISH_INSECURE");
    if (!url || !url[0])
        return wn_seterr(WN_EUNAVAILABLE, "redfish: no URL (set "
                         "WATTNET_REDFISH_URL to the chassis Power resource)");
    struct redfish_state *st = wn_calloc(1, sizeof *st);
    if (!st)
        return wn_seterr(WN_ENOMEM, "redfish: out of memory");
    src->state = st;
    if (snprintf(st->url, sizeof st->url, "%s", url) >= (int)sizeof st->url ||
        snprintf(st->user, sizeof st->user, "%s", user ? user : "") >=
            (int)sizeof st->user ||
        snprintf(st->password, sizeof st->password, "%s", pw ? pw : "") >=
            (int)sizeof st->password)
        return wn_seterr(WN_EINVAL, "redfish: URL or credentials too long");
    wn__redfish_redact(st->url, st->shown, sizeof st->shown);
    st->timeout_ms = o->timeout_ms ? o->timeout_ms : 3000;
    pthread_once(&curl_once, curl_init_once);
    st->curl = curl_easy_init();
    if (!st->curl)
        return wn_seterr(WN_ENOMEM, "redfish: curl_easy_init failed");
    curl_easy_setopt(st->curl, CURLOPT_URL, st->url);
    curl_easy_setopt(st->curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(st->curl, CURLOPT_TIMEOUT_MS, (long)st->timeout_ms);
    curl_easy_setopt(st->curl, CURLOPT_CONNECTTIMEOUT_MS,
                     (long)st->timeout_ms);
    curl_easy_setopt(st->curl, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(st->curl, CURLOPT_WRITEDATA, st);
#if LIBCURL_VERSION_NUM >= 0x075500
    curl_easy_setopt(st->curl, CURLOPT_PROTOCOLS_STR, "http,https");
#else
    curl_easy_setopt(st->curl, CURLOPT_PROTOCOLS,
                     (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
    if (st->user[0]) {
        curl_easy_setopt(st->curl, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
        curl_easy_setopt(st->curl, CURLOPT_USERNAME, st->user);
        curl_easy_setopt(st->curl, CURLOPT_PASSWORD, st->password);
    }
    if (insecure && strcmp(insecure, "1") == 0) {
        curl_easy_setopt(st->curl, CURLOPT_SSL_VERIFYPEER, 0L);
        curl_easy_setopt(st->curl, CURLOPT_SSL_VERIFYHOST, 0L);
    }
    struct wn__redfish_entry e[WN_MAX_DOMAINS];
    size_t n = 0;
    int rc = get_watts(st, e, WN_MAX_DOMAINS, &n);
    if (rc)
        return rc;
    rc = add_domains(src, e, n);
    if (rc)
        return rc;
    src->min_interval_ms = 1000;
    return WN_OK;
}

static int redfish_read(struct wn__meter_src *src, uint64_t *ticks)
{
    struct wn__redfish_entry e[WN_MAX_DOMAINS];
    size_t n = 0;
    int rc = get_watts(src->state, e, WN_MAX_DOMAINS, &n);
    if (rc)
        return rc;
    for (size_t i = 0; i < src->n_dom; i++) {
        size_t k = (size_t)src->dom[i].slot;
        if (k >= n || !e[k].has_watts)
            return wn_seterr(WN_EFORMAT, "redfish: PowerControl[%zu] has no "
                             "PowerConsumedWatts now", k);
        ticks[i] = (uint64_t)(e[k].watts * 1000.0 + 0.5);
    }
    return WN_OK;
}

static void redfish_close(struct wn__meter_src *src)
{
    struct redfish_state *st = src->state;
    if (!st)
        return;
    if (st->curl)
        curl_easy_cleanup(st->curl);
    wn_free(st->body);
    memset(st->password, 0, sizeof st->password);
    wn_free(st);
    src->state = NULL;
}

#else /* !WN_HAVE_CURL */

static int redfish_open(struct wn__meter_src *src, const wn_meter_opts *o)
{
    (void)src;
    (void)o;
    return wn_seterr(WN_EUNSUPPORTED, "redfish: this build has no libcurl "
                     "(rebuild with libcurl-dev for Redfish)");
}

static int redfish_read(struct wn__meter_src *src, uint64_t *ticks)
{
    (void)src;
    (void)ticks;
    return wn_seterr(WN_EUNSUPPORTED, "redfish: no libcurl in this build");
}

static void redfish_close(struct wn__meter_src *src)
{
    (void)src;
}

#endif /* WN_HAVE_CURL */

const struct wn_meter_ops wn__meter_redfish_ops = {
    .name = "redfish",
    .update_s = 1.0,          /* a BMC reading about every 1 s */
    .node_level = 1,
    .is_estimate = 0,
    .open = redfish_open,
    .read = redfish_read,
    .close = redfish_close,
};
