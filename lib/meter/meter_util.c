/*
 * meter_util.c - what every meter source shares: the monotonic clock, a
 * CPU burner for the stuck-counter check, small sysfs-style file reads,
 * the domain table, and the one conversion of raw ticks into joules
 * (wn__meter_delta resolves a wrap, wn__meter_joules applies the unit), as
 * likwid's calculateResult does.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <wattnet/core.h>
#include <wattnet/meter.h>

#include "meter/meter_internal.h"
#include "core/util.h"

int (*wn__meter_open_hook)(const char *path, int flags) = NULL;

double wn__meter_now(void)
{
    return wn__now_s();
}

void wn__meter_burn(double seconds)
{
    double t_end = wn__meter_now() + seconds;
    volatile double x = 1.0;
    while (wn__meter_now() < t_end)
        for (int i = 0; i < 10000; i++)
            x = x * 1.0000001 + 1e-9;
}

int wn__meter_read_file(const char *path, char *buf, size_t n)
{
    int fd = wn__meter_open_hook ? wn__meter_open_hook(path, O_RDONLY)
                                 : open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        if (e == EACCES || e == EPERM)
            return wn_seterr(WN_EPERM,
                             "%s: permission denied: run as root or make it "
                             "readable (chmod a+r %s)", path, path);
        if (e == ENOENT || e == ENOTDIR)
            return wn_seterr(WN_ENOENT, "%s: not found", path);
        return wn_seterr(WN_EIO, "%s: %s", path, strerror(e));
    }
    ssize_t got = read(fd, buf, n - 1);
    int e = errno;
    close(fd);
    if (got < 0)
        return wn_seterr(e == EACCES || e == EPERM ? WN_EPERM : WN_EIO,
                         "%s: read: %s", path, strerror(e));
    buf[got] = '\0';
    while (got > 0 && (buf[got - 1] == '\n' || buf[got - 1] == ' ' ||
                       buf[got - 1] == '\t' || buf[got - 1] == '\r'))
        buf[--got] = '\0';
    return WN_OK;
}

int wn__meter_read_u64(const char *path, uint64_t *out)
{
    char buf[64];
    int rc = wn__meter_read_file(path, buf, sizeof buf);
    if (rc)
        return rc;
    char *end = NULL;
    errno = 0;
    unsigned long long v = strtoull(buf, &end, 10);
    if (errno || end == buf || *end || buf[0] == '-')
        return wn_seterr(WN_EFORMAT, "%s:1:1: not an unsigned integer: '%s'",
                         path, buf);
    *out = v;
    return WN_OK;
}

struct wn__meter_domain *wn__meter_add_domain(struct wn__meter_src *src,
                                              const char *name, int kind,
                                              double unit, uint64_t range)
{
    if (src->n_dom >= WN_MAX_DOMAINS)
        return NULL;
    struct wn__meter_domain *d = &src->dom[src->n_dom++];
    memset(d, 0, sizeof *d);
    snprintf(d->name, sizeof d->name, "%s", name);
    d->kind = kind;
    d->unit = unit;
    d->range = range;
    d->in_total = 1;
    d->slot = (int)(src->n_dom - 1);
    return d;
}

uint64_t wn__meter_delta(const struct wn__meter_domain *d, uint64_t prev,
                         uint64_t cur)
{
    return wn_raw_delta(d->range, prev, cur);
}

double wn__meter_joules(const struct wn__meter_domain *d, uint64_t ticks,
                        double tick_s)
{
    return wn_raw_joules(d->kind == WN__KIND_COUNTER, d->unit, ticks, tick_s);
}

