/*
 * util.h - small file and string helpers every module shares (private):
 * bounded string copy, reading a whole file, and writing one atomically
 * (temp file, fsync, rename: atomic_file.c), so a reader never sees half a
 * file.
 */
#ifndef WN_CORE_UTIL_H
#define WN_CORE_UTIL_H

#include <stddef.h>
#include <stdio.h>

/* Copy SRC (NULL: "") into DST of CAP bytes, truncating; always
 * NUL-terminated when CAP > 0. */
void wn__copy_str(char *dst, size_t cap, const char *src);
/* Copy SRC into DST of CAP bytes only when it fits whole: WN_OK, else
 * WN_EINVAL with "WHAT 'SRC...' is N characters, more than the CAP-1 this
 * field holds" and DST = "" (never a silently cut user string; copy_fit.c). */
int wn__copy_str_fit(char *dst, size_t cap, const char *src, const char *what);

/* The status of a failed open, create or rename from its errno: WN_ENOENT,
 * WN_EPERM (EACCES, EPERM), else WN_EIO. */
int wn__errno_status(int err);

/* Read all of PATH into *out (NUL-terminated; wn_free it).  WN_ENOENT when
 * absent, WN_EPERM when not readable, WN_EIO, WN_ENOMEM. */
int wn__read_file(const char *path, char **out);

/* ---- atomic_file.c: an output file written whole or not at all -------- */
typedef struct wn__atomic_file {
    FILE *f;             /* write here between open and commit */
    const char *path;    /* the target (not copied) */
    char tmp[4096];      /* PATH.tmp.XXXXXX while it exists, else "" */
} wn__atomic_file;
/* Create the temporary file beside PATH (PATH must outlive the commit).
 * WN_EINVAL (no path, too long), WN_ENOENT / WN_EPERM / WN_EIO. */
int wn__atomic_open(wn__atomic_file *a, const char *path);
/* Flush, fsync and close it, and rename it over PATH.  On failure the
 * temporary file is removed and PATH untouched: WN_EIO, WN_EPERM. */
int wn__atomic_commit(wn__atomic_file *a);
/* Close and remove the temporary file; harmless after a commit. */
void wn__atomic_abort(wn__atomic_file *a);
/* N bytes of DATA to PATH through the three above. */
int wn__write_file_atomic(const char *path, const char *data, size_t n);

/* Unix seconds (0 .. 1e11), or ISO-8601 "YYYY-MM-DD[ T]HH:MM:SS[.f]" with
 * an optional "Z" or "+HH:MM"/"-HH:MM" offset, into *out (Unix seconds).
 * 0 on success, -1 when S is neither (lib/core/timeparse.c). */
int wn__parse_time(const char *s, double *out);

/* Seconds on the monotonic clock (CLOCK_MONOTONIC): for durations only. */
double wn__now_s(void);

/* qsort comparator of doubles, ascending (NaN-free input). */
int wn__cmp_double(const void *a, const void *b);

/* The P-quantile (0..1) of V[0..n), sorted ascending, interpolated
 * linearly between order statistics; NAN when n == 0. */
double wn__quantile_sorted(const double *v, size_t n, double p);

#endif /* WN_CORE_UTIL_H */
