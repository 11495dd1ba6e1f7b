/*
 * sbuf.h - a growing string buffer for building the HTML report (private).
 * Errors are sticky: after the first failed allocation every append is a
 * no-op and wn__sbuf_take returns WN_ENOMEM, so builders need not check
 * every call.
 */
#ifndef WN_REPORT_SBUF_H
#define WN_REPORT_SBUF_H

#include <stddef.h>

struct wn_sbuf {
    char *data;
    size_t len, cap;
    int failed;
};

void wn__sbuf_printf(struct wn_sbuf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void wn__sbuf_puts(struct wn_sbuf *b, const char *s);
/* Append s with &, <, >, " and ' escaped for HTML/SVG text. */
void wn__sbuf_escape(struct wn_sbuf *b, const char *s);
/* Hand over the string (wn_free it) and reset b; WN_ENOMEM if any append
 * failed (nothing is handed over then). */
int wn__sbuf_take(struct wn_sbuf *b, char **out, size_t *len);
void wn__sbuf_free(struct wn_sbuf *b);

#endif /* WN_REPORT_SBUF_H */
