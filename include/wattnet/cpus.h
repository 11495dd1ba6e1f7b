/*
 * cpus.h - the CPUs this process may really use (lib/core/cpus.c).
 */
#ifndef WATTNET_CPUS_H
#define WATTNET_CPUS_H

#ifdef __cplusplus
extern "C" {
#endif

/* The CPUs in this process's affinity mask, limited by the tightest cgroup
 * v2 cpu.max quota on its cgroup path (rounded up); at least 1.  The
 * default thread count of a training run.  $WATTNET_CPU_MAX, a cpu.max
 * line, replaces the cgroup's (for tests). */
int wn_cpus_usable(void);

#ifdef __cplusplus
}
#endif
#endif /* WATTNET_CPUS_H */
