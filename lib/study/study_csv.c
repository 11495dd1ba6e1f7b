/*
 * study_csv.c - a streaming CSV reader for the study's files: one row in
 * memory at a time (the energy CSVs hold millions of samples), RFC 4180
 * quoting (a quoted field may span lines), and for every field the column
 * where it starts, so that an error names file:line:column.  Also the
 * strict number and time parsers the import uses.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <wattnet/core.h>

#include "study/study_internal.h"

int wn__csv_open(struct wn__csv *c, const char *path)
{
    memset(c, 0, sizeof *c);
    c->path = path;
    c->next_line = 1;
    c->f = fopen(path, "r");
    if (!c->f)
        return wn_seterr(errno == ENOENT ? WN_ENOENT : WN_EIO, "%s: %s", path,
                         strerror(errno));
    return WN_OK;
}

void wn__csv_close(struct wn__csv *c)
{
    if (c->f)
        fclose(c->f);
    wn_free(c->buf);
    wn_free(c->field);
    wn_free(c->col);
    memset(c, 0, sizeof *c);
}

/* Append one physical line to c->buf at *len; 0 at EOF with nothing read. */
static int read_line(struct wn__csv *c, size_t *len, int *got)
{
    *got = 0;
    for (;;) {
        if (c->cap - *len < 256) {
            size_t cap = c->cap ? 2 * c->cap : 4096;
            char *grown = wn_realloc(c->buf, cap);
            if (!grown)
                return wn_seterr(WN_ENOMEM, "%s: out of memory", c->path);
            c->buf = grown;
            c->cap = cap;
        }
        if (!fgets(c->buf + *len, (int)(c->cap - *len), c->f)) {
            if (ferror(c->f))
                return wn_seterr(WN_EIO, "%s: read failed", c->path);
            return WN_OK;
        }
        *got = 1;
        size_t add = strlen(c->buf + *len);
        *len += add;
        c->bytes += add;
        if (*len && c->buf[*len - 1] == '\n') {
            c->next_line++;
            return WN_OK;
        }
        if (feof(c->f))
            return WN_OK;
    }
}

static int push_field(struct wn__csv *c, char *start, size_t col)
{
    if (c->n == c->fcap) {
        size_t cap = c->fcap ? 2 * c->fcap : 32;
        char **f = wn_realloc(c->field, cap * sizeof *f);
        if (!f)
            return wn_seterr(WN_ENOMEM, "%s: out of memory", c->path);
        c->field = f;
        size_t *k = wn_realloc(c->col, cap * sizeof *k);
        if (!k)
            return wn_seterr(WN_ENOMEM, "%s: out of memory", c->path);
        c->col = k;
        c->fcap = cap;
    }
    c->field[c->n] = start;
    c->col[c->n] = col;
    c->n++;
    return WN_OK;
}

/* Split c->buf[0..len) into fields in place; *open = 1 when a quote is
 * still open at the end (the row continues on the next line). */
static int split(struct wn__csv *c, size_t len, int *open)
{
    char *p = c->buf, *end = c->buf + len, *w = c->buf;
    int rc = WN_OK;
    *open = 0;
    c->n = 0;
    while (end > c->buf && (end[-1] == '\n' || end[-1] == '\r'))
        end--;
    for (;;) {
        size_t col = (size_t)(p - c->buf) + 1;
        char *start = w;
        if (p < end && *p == '"') {
            p++;
            for (;;) {
                if (p >= end) {
                    *open = 1;
                    return WN_OK;
                }
                if (*p == '"' && p + 1 < end && p[1] == '"') {
                    *w++ = '"';
                    p += 2;
                } else if (*p == '"') {
                    p++;
                    break;
                } else {
                    *w++ = *p++;
                }
            }
            if (p < end && *p != ',')
                return wn__csv_error(c, c->n, "text after a closing quote");
        } else {
            while (p < end && *p != ',')
                *w++ = *p++;
        }
        char *sep = p;
        rc = push_field(c, start, col);
        if (rc != WN_OK)
            return rc;
        if (sep >= end) {
            *w = '\0';
            return WN_OK;
        }
        *w++ = '\0';
        p = sep + 1;
    }
}

int wn__csv_next(struct wn__csv *c)
{
    size_t len = 0;
    int got = 0, open = 0, rc = WN_OK;
    c->line = c->next_line;
    rc = read_line(c, &len, &got);
    if (rc != WN_OK)
        return rc;
    if (!got)
        return WN_ENOENT;
    for (;;) {
        /* Split a copy-free way: splitting writes in place, so re-read the
         * joined raw text only when a quote stays open. */
        char *raw = wn_malloc(len + 1);
        if (!raw)
            return wn_seterr(WN_ENOMEM, "%s: out of memory", c->path);
        memcpy(raw, c->buf, len + 1);
        rc = split(c, len, &open);
        if (rc != WN_OK || !open) {
            wn_free(raw);
            return rc;
        }
        memcpy(c->buf, raw, len + 1);
        wn_free(raw);
        rc = read_line(c, &len, &got);
        if (rc != WN_OK)
            return rc;
        if (!got)
            return wn__csv_error(c, 0, "a quoted field is not closed");
    }
}

int wn__csv_error(const struct wn__csv *c, size_t i, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    size_t col = 1;
    if (i < c->n)
        col = c->col[i];
    else if (c->n)
        col = c->col[c->n - 1] + strlen(c->field[c->n - 1]) + 1;
    return wn_seterr(WN_EFORMAT, "%s:%zu:%zu: %s", c->path, c->line, col, msg);
}

int wn__csv_find(const struct wn__csv *c, const char *name)
{
    for (size_t i = 0; i < c->n; i++)
        if (!strcmp(c->field[i], name))
            return (int)i;
    return -1;
}

int wn__csv_double(const struct wn__csv *c, size_t i, const char *what,
                   double *out)
{
    if (i >= c->n)
        return wn__csv_error(c, c->n, "missing %s", what);
    const char *s = c->field[i];
    char *end = NULL;
    errno = 0;
    double v = strtod(s, &end);
    if (!*s || isspace((unsigned char)*s) || *end || errno == ERANGE ||
        !isfinite(v))
        return wn__csv_error(c, i, "%s '%s' is not a number", what, s);
    *out = v;
    return WN_OK;
}

int wn__csv_u64(const struct wn__csv *c, size_t i, const char *what,
                uint64_t *out)
{
    if (i >= c->n)
        return wn__csv_error(c, c->n, "missing %s", what);
    const char *s = c->field[i];
    char *end = NULL;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (!isdigit((unsigned char)*s) || *end || errno == ERANGE)
        return wn__csv_error(c, i, "%s '%s' is not a whole number", what, s);
    *out = (uint64_t)v;
    return WN_OK;
}

