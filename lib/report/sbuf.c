/*
 * sbuf.c - the report's growing string buffer (see sbuf.h): printf-style
 * and escaped appends with a sticky allocation failure.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <wattnet/core.h>

#include "report/sbuf.h"

static int reserve(struct wn_sbuf *b, size_t extra)
{
    if (b->failed)
        return -1;
    if (b->len + extra + 1 <= b->cap)
        return 0;
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < b->len + extra + 1)
        cap *= 2;
    char *nd = wn_realloc(b->data, cap);
    if (nd == NULL) {
        b->failed = 1;
        return -1;
    }
    b->data = nd;
    b->cap = cap;
    return 0;
}

void wn__sbuf_printf(struct wn_sbuf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || reserve(b, (size_t)n) != 0)
        return;
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

void wn__sbuf_puts(struct wn_sbuf *b, const char *s)
{
    size_t n = strlen(s);
    if (reserve(b, n) != 0)
        return;
    memcpy(b->data + b->len, s, n + 1);
    b->len += n;
}

void wn__sbuf_escape(struct wn_sbuf *b, const char *s)
{
    for (; s != NULL && *s; s++) {
        switch (*s) {
        case '&': wn__sbuf_puts(b, "&amp;"); break;
        case '<': wn__sbuf_puts(b, "&lt;"); break;
        case '>': wn__sbuf_puts(b, "&gt;"); break;
        case '"': wn__sbuf_puts(b, "&quot;"); break;
        case '\'': wn__sbuf_puts(b, "&#39;"); break;
        default:
            if (reserve(b, 1) == 0) {
                b->data[b->len++] = *s;
                b->data[b->len] = '\0';
            }
        }
    }
}

int wn__sbuf_take(struct wn_sbuf *b, char **out, size_t *len)
{
    *out = NULL;
    if (b->failed || reserve(b, 0) != 0) {
        wn__sbuf_free(b);
        return wn_seterr(WN_ENOMEM, "report: out of memory building HTML");
    }
    *out = b->data;
    if (len != NULL)
        *len = b->len;
    b->data = NULL;
    b->len = b->cap = 0;
    return WN_OK;
}

void wn__sbuf_free(struct wn_sbuf *b)
{
    wn_free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
    b->failed = 0;
}
