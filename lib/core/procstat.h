/*
 * procstat.h - what the OS says about this process's and the host's CPU
 * time at one instant (private to the library; see procstat.c).  Two
 * samples around an epoch give its contention evidence (lib/nn's
 * epoch_quality.c turns them into wn_epoch_stats fields).
 */
#ifndef WN_CORE_PROCSTAT_H
#define WN_CORE_PROCSTAT_H

#include <stdint.h>

struct wn__proc_sample {
    int has_self;             /* getrusage(RUSAGE_SELF) answered */
    double cpu_s;             /* user + sys of every thread of the process */
    int64_t nivcsw;           /* involuntary context switches, all threads */
    int has_host;             /* the aggregate "cpu" line of /proc/stat read */
    double steal_ticks;       /* its steal field (USER_HZ ticks, all CPUs) */
    double total_ticks;       /* the sum of its fields user..steal */
};

/* Parse the aggregate "cpu " line of a /proc/stat text into *steal and
 * *total (ticks).  Returns 1 when found and well formed, else 0.  A kernel
 * older than 2.6.11 has no steal field: steal 0. */
int wn__procstat_parse(const char *text, double *steal, double *total);

/* Fill *out now.  Never fails: a part the OS does not give has its has_
 * flag 0.  /proc/stat is read from $WATTNET_PROC_STAT when set (tests). */
void wn__proc_sample_take(struct wn__proc_sample *out);

#endif
