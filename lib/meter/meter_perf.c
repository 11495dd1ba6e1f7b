/*
 * meter_perf.c - RAPL through the perf_event `power` PMU: system-wide
 * counting events opened on one CPU of each package (the PMU's cpumask,
 * else CPU 0).
 *
 * sysfs read (root: $WATTNET_PERF_ROOT, else /sys/bus/event_source/devices):
 *     power/type                       PMU type for perf_event_attr.type
 *     power/cpumask                    "0,18": one CPU per package
 *     power/events/energy-pkg          "event=0x02"
 *     power/events/energy-pkg.scale    joules per count (2.3283e-10)
 *     power/events/energy-pkg.unit     "Joules"
 * and likewise energy-cores, energy-ram, energy-gpu, energy-psys.  Counts
 * are 64-bit (the kernel accumulates the 32-bit MSR), so no wrap here.
 * A counter that reads 0 J over busy CPU (energy-psys in some VMs) is
 * dropped by the meter's stuck check: 0 J is never a measurement.
 */
#include <errno.h>
#include <linux/perf_event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <wattnet/core.h>
#include <wattnet/meter.h>

#include "meter/meter_internal.h"

#define MAX_CPUS 8

const struct wn__perf_hooks *wn__perf_hooks = NULL;

struct perf_state {
    int fd[WN_MAX_DOMAINS];
    size_t n_fd;
};

static const struct {
    const char *event;
    const char *domain;       /* name prefix */
    const char *container;    /* "package" / "psys" / NULL */
} events[] = {
    { "energy-psys", "psys", NULL },
    { "energy-pkg", "package", "psys" },
    { "energy-cores", "core", "package" },
    { "energy-gpu", "uncore", "package" },
    { "energy-ram", "dram", "psys" },
};

static const char *perf_root(void)
{
    const char *r = getenv("WATTNET_PERF_ROOT");
    return r && r[0] ? r : "/sys/bus/event_source/devices";
}

static int sys_open(uint32_t type, uint64_t config, int cpu)
{
    struct perf_event_attr attr;
    memset(&attr, 0, sizeof attr);
    attr.type = type;
    attr.size = sizeof attr;
    attr.config = config;
    return (int)syscall(SYS_perf_event_open, &attr, -1, cpu, -1,
                        PERF_FLAG_FD_CLOEXEC);
}

static int sys_read(int fd, uint64_t *value)
{
    return read(fd, value, sizeof *value) == (ssize_t)sizeof *value ? 0 : -1;
}

static void sys_close(int fd)
{
    close(fd);
}

static const struct wn__perf_hooks real_hooks = { sys_open, sys_read,
                                                  sys_close };

static const struct wn__perf_hooks *hooks(void)
{
    return wn__perf_hooks ? wn__perf_hooks : &real_hooks;
}

/* "0,18" or "0-1": the CPUs, at most max. */
static size_t parse_cpus(const char *s, int *cpus, size_t max)
{
    size_t n = 0;
    while (*s && n < max) {
        char *end = NULL;
        long a = strtol(s, &end, 10);
        if (end == s || a < 0)
            break;
        long b = a;
        s = end;
        if (*s == '-') {
            b = strtol(s + 1, &end, 10);
            s = end;
        }
        for (long c = a; c <= b && n < max; c++)
            cpus[n++] = (int)c;
        if (*s != ',')
            break;
        s++;
    }
    return n;
}

/* An event's config and scale (J per count) from the PMU's sysfs files;
 * 0 when it is missing or malformed. */
static int read_event(const char *root, const char *event, uint64_t *config,
                      double *scale)
{
    char p[512], cfg[128], scale_s[64];
    snprintf(p, sizeof p, "%s/power/events/%s", root, event);
    if (wn__meter_read_file(p, cfg, sizeof cfg) != WN_OK)
        return 0;
    const char *ev = strstr(cfg, "event=");
    if (!ev)
        return 0;
    char *end = NULL;
    errno = 0;
    *config = strtoull(ev + 6, &end, 0);
    if (errno || end == ev + 6)
        return 0;
    *scale = 0;
    snprintf(p, sizeof p, "%s/power/events/%s.scale", root, event);
    if (wn__meter_read_file(p, scale_s, sizeof scale_s) == WN_OK)
        *scale = strtod(scale_s, NULL);
    return *scale > 0 && *scale <= 1;
}

/* System-wide perf events refused: the setting, its value, the fix. */
static int denied(const char *first_err)
{
    const char *file = "/proc/sys/kernel/perf_event_paranoid";
    char now[32] = "";
    if (wn__meter_read_file(file, now, sizeof now) != WN_OK)
        now[0] = '\0';
    return wn_seterr(WN_EPERM, "perf: %s: system-wide perf events need "
                     "kernel.perf_event_paranoid <= 0 (%s is %s): `sudo "
                     "sysctl kernel.perf_event_paranoid=0`, or CAP_PERFMON "
                     "(CAP_SYS_ADMIN before Linux 5.8), or run as root",
                     first_err, file, now[0] ? now : "unreadable");
}

static int perf_open(struct wn__meter_src *src, const wn_meter_opts *o)
{
    (void)o;
    char p[512], buf[128];
    const char *root = perf_root();
    uint64_t type;
    snprintf(p, sizeof p, "%s/power/type", root);
    int rc = wn__meter_read_u64(p, &type);
    if (rc == WN_ENOENT)
        return wn_seterr(WN_EUNAVAILABLE, "perf: no `power` PMU (%s missing: "
                         "no RAPL perf events on this kernel or CPU)", p);
    if (rc)
        return wn_seterr(rc, "perf: %s", wn_errmsg());
    int cpus[MAX_CPUS] = { 0 };
    size_t n_cpus = 1;
    snprintf(p, sizeof p, "%s/power/cpumask", root);
    if (wn__meter_read_file(p, buf, sizeof buf) == WN_OK) {
        n_cpus = parse_cpus(buf, cpus, MAX_CPUS);
        if (n_cpus == 0) {
            cpus[0] = 0;
            n_cpus = 1;
        }
    }
    struct perf_state *st = wn_calloc(1, sizeof *st);
    if (!st)
        return wn_seterr(WN_ENOMEM, "perf: out of memory");
    src->state = st;
    int have_psys = 0, perm = 0;
    char first_err[200] = "";
    for (size_t e = 0; e < sizeof events / sizeof events[0]; e++) {
        uint64_t config;
        double scale;
        if (!read_event(root, events[e].event, &config, &scale))
            continue;
        size_t per = strcmp(events[e].domain, "psys") == 0 ? 1 : n_cpus;
        for (size_t c = 0; c < per; c++) {
            int fd = hooks()->open((uint32_t)type, config, cpus[c]);
            if (fd < 0) {
                int err = errno;
                perm |= err == EACCES || err == EPERM;
                if (!first_err[0])
                    snprintf(first_err, sizeof first_err, "%s on cpu %d: %s",
                             events[e].event, cpus[c], strerror(err));
                continue;
            }
            char name[48];
            if (per == 1 && strcmp(events[e].domain, "psys") == 0)
                snprintf(name, sizeof name, "psys");
            else
                snprintf(name, sizeof name, "%s-%zu", events[e].domain, c);
            struct wn__meter_domain *d =
                wn__meter_add_domain(src, name, WN__KIND_COUNTER, scale, 0);
            if (!d) {
                hooks()->close(fd);
                break;
            }
            st->fd[d->slot] = fd;
            st->n_fd = src->n_dom;
            if (strcmp(events[e].domain, "psys") == 0)
                have_psys = 1;
            if (events[e].container &&
                strcmp(events[e].container, "package") == 0)
                snprintf(d->contained_in, sizeof d->contained_in,
                         "package-%zu", c);
            else if (events[e].container && have_psys)
                snprintf(d->contained_in, sizeof d->contained_in, "psys");
        }
    }
    if (src->n_dom == 0) {
        if (perm)
            return denied(first_err);
        return wn_seterr(WN_EUNAVAILABLE, "perf: no usable energy event%s%s",
                         first_err[0] ? ": " : "", first_err);
    }
    return WN_OK;
}

static int perf_read(struct wn__meter_src *src, uint64_t *ticks)
{
    const struct perf_state *st = src->state;
    for (size_t i = 0; i < src->n_dom; i++)
        if (hooks()->read(st->fd[src->dom[i].slot], &ticks[i]) != 0)
            return wn_seterr(WN_EIO, "perf: read of %s failed",
                             src->dom[i].name);
    return WN_OK;
}

static void perf_close(struct wn__meter_src *src)
{
    struct perf_state *st = src->state;
    if (!st)
        return;
    for (size_t i = 0; i < st->n_fd; i++)
        if (st->fd[i] > 0)
            hooks()->close(st->fd[i]);
    wn_free(st);
    src->state = NULL;
}

const struct wn_meter_ops wn__meter_perf_ops = {
    .name = "perf",
    .update_s = 0.001,          /* the same RAPL counters */
    .node_level = 0,
    .is_estimate = 0,
    .open = perf_open,
    .read = perf_read,
    .close = perf_close,
};
