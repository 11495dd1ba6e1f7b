/*
 * data_read.c - reads a PMLB-style text table into memory: the whole file
 * (plain or gzip, through zlib's gzread, which reads both) into one buffer,
 * then one pass that cuts it into rows of NUL-terminated fields in place.
 *
 * Workload: a few MB to ~150 MB of text (mnist), read once per run.  No
 * per-cell allocation: a row is found by its offset and its fields by
 * walking the NULs.  A gzip stream cut short is an error (zlib reports
 * "unexpected end of file" through gzerror), never a short table.
 */
#include <errno.h>
#include <string.h>
#include <zlib.h>

#include <wattnet/core.h>
#include <wattnet/data.h>

#include "data/data_internal.h"

#define READ_CHUNK (1u << 20)

/* ---- whole file into memory --------------------------------------------- */

static int open_status(int err)
{
    switch (err) {
    case ENOENT:
    case ENOTDIR:
        return WN_ENOENT;
    case EACCES:
    case EPERM:
        return WN_EPERM;
    default:
        return WN_EIO;
    }
}

/* Read all of path into *buf (NUL-terminated, *len bytes before the NUL). */
static int slurp(const char *path, char **buf, size_t *len)
{
    int rc = WN_OK;
    gzFile gz = NULL;
    char *data = NULL;
    size_t cap = 0, used = 0;
    int zerr = Z_OK;
    const char *zmsg;

    *buf = NULL;
    *len = 0;
    errno = 0;
    gz = gzopen(path, "rb");
    if (!gz) {
        int err = errno ? errno : ENOMEM;
        if (err == ENOMEM)
            return wn_seterr(WN_ENOMEM, "%s: out of memory opening", path);
        return wn_seterr(open_status(err), "%s: cannot open: %s", path,
                         strerror(err));
    }
    gzbuffer(gz, 256 * 1024);
    for (;;) {
        if (cap - used < READ_CHUNK + 1) {
            size_t ncap = cap ? cap * 2 : 4 * READ_CHUNK;
            char *nd = wn_realloc(data, ncap);
            if (!nd) {
                rc = wn_seterr(WN_ENOMEM, "%s: out of memory reading", path);
                goto out;
            }
            data = nd;
            cap = ncap;
        }
        int n = gzread(gz, data + used, READ_CHUNK);
        if (n < 0) {
            zmsg = gzerror(gz, &zerr);
            rc = wn_seterr(zerr == Z_MEM_ERROR ? WN_ENOMEM : WN_EIO,
                           "%s: read failed: %s", path,
                           zerr == Z_ERRNO ? strerror(errno) : zmsg);
            goto out;
        }
        if (n == 0)
            break;
        used += (size_t)n;
    }
    /* gzread returns 0 both at a clean end and when the stream was cut
     * short; only gzerror tells them apart. */
    zmsg = gzerror(gz, &zerr);
    if (zerr != Z_OK) {
        if (zerr == Z_BUF_ERROR)
            rc = wn_seterr(WN_EIO, "%s: truncated gzip stream (unexpected "
                           "end of file after %zu bytes of text)", path, used);
        else
            rc = wn_seterr(zerr == Z_MEM_ERROR ? WN_ENOMEM : WN_EIO,
                           "%s: read failed: %s", path,
                           zerr == Z_ERRNO ? strerror(errno) : zmsg);
        goto out;
    }
    data[used] = '\0';
    *buf = data;
    *len = used;
    data = NULL;
out:
    if (gz)
        gzclose(gz);
    wn_free(data);
    return rc;
}

/* ---- cutting into rows and fields ---------------------------------------- */

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* Cut the line [p, end) into fields at delim; returns the field count. */
static size_t cut_fields(char *p, char *end, char delim)
{
    size_t n = 1;
    for (; p < end; p++)
        if (*p == delim) {
            *p = '\0';
            n++;
        }
    *end = '\0';
    return n;
}

void wn__table_clear(struct wn__table *t)
{
    if (!t)
        return;
    wn_free(t->buf);
    wn_free(t->names);
    wn_free(t->row_off);
    wn_free(t->row_line);
    memset(t, 0, sizeof(*t));
}

/* WN_EFORMAT naming the line of the buffer's first NUL byte, if any: a
 * binary file is not a table. */
static int refuse_nul(const char *path, const struct wn__table *t)
{
    const char *zero = memchr(t->buf, '\0', t->len);
    if (!zero)
        return WN_OK;
    size_t zline = 1;
    for (const char *q = t->buf; q < zero; q++)
        zline += *q == '\n';
    return wn_seterr(WN_EFORMAT, "%s:%zu: not a text table (NUL byte)", path, zline);
}

/* Room for a row offset and line number per line of the buffer. */
static int alloc_rows(const char *path, struct wn__table *t)
{
    size_t max_rows = 1;
    for (const char *p = t->buf; (p = memchr(p, '\n', (size_t)(t->buf + t->len - p)));
         p++)
        max_rows++;
    t->row_off = wn_malloc(max_rows * sizeof(size_t));
    t->row_line = wn_malloc(max_rows * sizeof(size_t));
    if (!t->row_off || !t->row_line)
        return wn_seterr(WN_ENOMEM, "%s: out of memory for %zu lines", path,
                         max_rows);
    return WN_OK;
}

/* The header line [p, text_end): cut into t->names at *delim, which turns
 * to ',' when a tab-named file's header has commas and no tab. */
static int read_header(const char *path, struct wn__table *t, char *p, char *text_end,
                       char *delim)
{
    if (*delim == '\t' && !memchr(p, '\t', (size_t)(text_end - p)) &&
        memchr(p, ',', (size_t)(text_end - p)))
        *delim = ',';
    t->ncols = cut_fields(p, text_end, *delim);
    t->names = wn_malloc(t->ncols * sizeof(char *));
    if (!t->names)
        return wn_seterr(WN_ENOMEM, "%s: out of memory for %zu columns", path,
                         t->ncols);
    for (size_t c = 0; c < t->ncols; c++) {
        t->names[c] = p;
        p += strlen(p) + 1;
    }
    return WN_OK;
}

int wn__table_read(const char *path, struct wn__table *t)
{
    size_t line = 0;
    int have_header = 0;
    memset(t, 0, sizeof(*t));
    int rc = slurp(path, &t->buf, &t->len);
    if (rc == WN_OK)
        rc = refuse_nul(path, t);
    if (rc == WN_OK)
        rc = alloc_rows(path, t);
    if (rc)
        goto out;
    char delim = ends_with(path, ".csv") || ends_with(path, ".csv.gz") ? ',' : '\t';
    char *end = t->buf + t->len, *p = t->buf, *line_end;
    if (t->len >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0)
        p += 3;   /* a UTF-8 byte-order mark (spreadsheet exports) */
    for (; p < end; p = line_end + 1) {
        line++;
        line_end = memchr(p, '\n', (size_t)(end - p));
        if (!line_end)
            line_end = end;   /* the buffer's final NUL: writable */
        char *text_end = line_end;
        if (text_end > p && text_end[-1] == '\r')
            text_end--;
        if (text_end == p)
            continue;   /* blank line */
        if (!have_header) {
            if ((rc = read_header(path, t, p, text_end, &delim)) != WN_OK)
                goto out;
            have_header = 1;
            continue;
        }
        size_t n = cut_fields(p, text_end, delim);
        if (n != t->ncols) {
            rc = wn_seterr(WN_EFORMAT, "%s:%zu: ragged row: %zu fields, the "
                           "header has %zu", path, line, n, t->ncols);
            goto out;
        }
        t->row_off[t->nrows] = (size_t)(p - t->buf);
        t->row_line[t->nrows] = line;
        t->nrows++;
    }
    if (!have_header)
        rc = wn_seterr(WN_EFORMAT, "%s: empty file (no header row)", path);
    else if (t->nrows == 0)
        rc = wn_seterr(WN_EFORMAT, "%s: header only, no data rows", path);
    t->delim = delim;
out:
    if (rc)
        wn__table_clear(t);
    return rc;
}
