/*
 * cpus.h - CPUs this process may use (private half; wn_cpus_usable is
 * public in core).  See cpus.c.
 */
#ifndef WN_CORE_CPUS_H
#define WN_CORE_CPUS_H

/* CPUs a cgroup v2 cpu.max line allows ("200000 100000" -> 2, "150000
 * 100000" -> 2, "max 100000" -> 0 = no quota); 0 when malformed. */
int wn__cpus_quota(const char *cpu_max_text);

#endif
