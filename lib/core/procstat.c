/*
 * procstat.c - one sample of this process's CPU time and involuntary
 * context switches (getrusage(RUSAGE_SELF): on Linux it sums every thread,
 * so oneDNN's OpenMP workers are in it) and of the host's steal time (the
 * aggregate "cpu" line of /proc/stat: what a hypervisor gave to other
 * guests while this one wanted to run).
 *
 * It is read twice per epoch by the trainer, so it allocates nothing and
 * reads /proc/stat with one fixed buffer (the aggregate line comes first).
 * The file is $WATTNET_PROC_STAT when set, so a test can plant one.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>

#include "core/procstat.h"

/* user nice system idle iowait irq softirq steal (guest time is already
 * inside user and nice, so it is not added again) */
#define N_FIELDS 8
#define STEAL_FIELD 7

int wn__procstat_parse(const char *text, double *steal, double *total)
{
    if (!text || strncmp(text, "cpu ", 4) != 0)
        return 0;
    const char *p = text + 4;
    double sum = 0.0, f[N_FIELDS] = {0};
    int n = 0;
    while (n < N_FIELDS) {
        char *end = NULL;
        while (*p == ' ')
            p++;
        if (*p < '0' || *p > '9')
            break;
        f[n] = strtod(p, &end);
        if (end == p)
            break;
        sum += f[n++];
        p = end;
    }
    if (n < 4)                /* user nice system idle at least */
        return 0;
    *steal = n > STEAL_FIELD ? f[STEAL_FIELD] : 0.0;
    *total = sum;
    return 1;
}

static int read_host(double *steal, double *total)
{
    const char *path = getenv("WATTNET_PROC_STAT");
    char buf[512];
    FILE *f = fopen(path && *path ? path : "/proc/stat", "r");
    if (!f)
        return 0;
    size_t got = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[got] = '\0';
    return wn__procstat_parse(buf, steal, total);
}

/* /proc/stat first, getrusage last: around an epoch the file's read cost
 * then falls outside the process's CPU interval as well as the wall time
 * (it is tens of microseconds, against epochs of a fraction of a
 * millisecond), and the host's coarse ticks do not mind. */
void wn__proc_sample_take(struct wn__proc_sample *out)
{
    struct rusage ru;
    memset(out, 0, sizeof *out);
    out->has_host = read_host(&out->steal_ticks, &out->total_ticks);
    if (getrusage(RUSAGE_SELF, &ru) == 0) {
        out->has_self = 1;
        out->cpu_s = (double)ru.ru_utime.tv_sec + 1e-6 * (double)ru.ru_utime.tv_usec +
                     (double)ru.ru_stime.tv_sec + 1e-6 * (double)ru.ru_stime.tv_usec;
        out->nivcsw = (int64_t)ru.ru_nivcsw;
    }
}
