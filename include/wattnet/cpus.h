/*
 * cpus.h - the CPUs this process may really use (lib/core/cpus.c).
 */
#ifndef WATTNET_CPUS_H
#define WATTNET_CPUS_H

#include <wattnet/core.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The CPUs in this process's affinity mask, limited by the tightest cgroup
 * v2 cpu.max quota on its cgroup path (rounded up); at least 1.  The
 * default thread count of a training run.  $WATTNET_CPU_MAX, a cpu.max
 * line, replaces the cgroup's (for tests). */
int wn_cpus_usable(void);

/* ---- CPU time of a process tree against the host's (cputime.c) ---------
 * The share of a shared meter that belongs to one process tree is its CPU
 * time over the window divided by the host's busy CPU time over the same
 * window.  PROC_ROOT is the /proc to read: NULL means $WATTNET_PROC_ROOT,
 * else "/proc" (tests plant files in a directory of their own). */
typedef struct wn_cputime_sample {
    double proc_s;            /* the tree's CPU seconds (user + sys) */
    double busy_s;            /* the host's busy CPU seconds, all CPUs */
} wn_cputime_sample;

/* CPU seconds of PID and its live descendants: utime + stime + cutime +
 * cstime of each (waited children are in their parent's c-times), from
 * PROC_ROOT/N/stat.  A zombie PID (waited with WNOWAIT) still counts.
 * 0 and *cpu_s, WN_ENOENT when PID has no stat file, WN_EFORMAT for a
 * malformed one. */
int wn_cputime_tree(const char *proc_root, int pid, double *cpu_s);

/* The host's busy CPU seconds from PROC_ROOT/stat's "cpu" line: user +
 * nice + system + irq + softirq (idle, iowait and steal are not work done
 * on this host's cores; guest time is inside user).  0, WN_ENOENT or
 * WN_EFORMAT. */
int wn_cputime_busy(const char *proc_root, double *busy_s);

/* Both of the above at once into *out. */
int wn_cputime_sample_tree(const char *proc_root, int pid,
                           wn_cputime_sample *out);
/* The same for PID alone (its threads and waited children, no scan of the
 * other processes): cheap enough for every epoch of an in-process run. */
int wn_cputime_sample_pid(const char *proc_root, int pid,
                          wn_cputime_sample *out);

/* The tree's share of the host's busy time between samples A and B:
 * (B.proc - A.proc) / (B.busy - A.busy), clamped to [0, 1] (CPU time is
 * counted in clock ticks, so a short window can round past 1).  0 and
 * *share; WN_EINVAL when the host's busy time did not advance (a window
 * too short to split) or an argument is NULL. */
int wn_cputime_share(const wn_cputime_sample *a, const wn_cputime_sample *b,
                     double *share);

#ifdef __cplusplus
}
#endif
#endif /* WATTNET_CPUS_H */
