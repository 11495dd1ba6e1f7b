/*
 * util.c - bounded string copy and whole-file read.  See util.h (the
 * atomic write is atomic_file.c).
 */
#include <errno.h>
#include <stdio.h>
#include <math.h>
#include <string.h>
#include <time.h>

#include <wattnet/core.h>

#include "core/util.h"

void wn__copy_str(char *dst, size_t cap, const char *src)
{
    if (cap == 0)
        return;
    size_t n = src ? strlen(src) : 0;
    if (n >= cap)
        n = cap - 1;
    if (n > 0)
        memcpy(dst, src, n);
    dst[n] = '\0';
}

int wn__errno_status(int err)
{
    return err == ENOENT ? WN_ENOENT : (err == EACCES || err == EPERM) ? WN_EPERM
                                                                       : WN_EIO;
}

int wn__read_file(const char *path, char **out)
{
    int rc = WN_OK;
    char *buf = NULL;
    size_t cap = 4096, len = 0;
    *out = NULL;
    if (path == NULL)
        return wn_seterr(WN_EINVAL, "read_file: NULL path");
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return wn_seterr(wn__errno_status(errno), "%s: %s", path, strerror(errno));
    buf = wn_malloc(cap);
    if (buf == NULL) {
        rc = wn_seterr(WN_ENOMEM, "%s: out of memory", path);
        goto out;
    }
    for (;;) {
        if (len + 1 >= cap) {
            char *nb = wn_realloc(buf, cap * 2);
            if (nb == NULL) {
                rc = wn_seterr(WN_ENOMEM, "%s: out of memory", path);
                goto out;
            }
            buf = nb;
            cap *= 2;
        }
        size_t got = fread(buf + len, 1, cap - 1 - len, f);
        len += got;
        if (got == 0)
            break;
    }
    if (ferror(f)) {
        rc = wn_seterr(WN_EIO, "%s: read error", path);
        goto out;
    }
    buf[len] = '\0';
    *out = buf;
    buf = NULL;
out:
    fclose(f);
    wn_free(buf);
    return rc;
}

/* ---- time and ordering ------------------------------------------------------ */

double wn__now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int wn__cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

double wn__quantile_sorted(const double *v, size_t n, double p)
{
    if (n == 0)
        return NAN;
    double pos = p * (double)(n - 1);
    size_t lo = (size_t)floor(pos);
    size_t hi = lo + 1 < n ? lo + 1 : lo;
    double t = pos - (double)lo;
    return v[lo] * (1.0 - t) + v[hi] * t;
}
