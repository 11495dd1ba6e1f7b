/*
 * cpus.c - how many CPUs this process may really use: the CPUs in its
 * affinity mask (taskset, Slurm's --cpu-bind, a cpuset), further limited
 * by a cgroup v2 CPU quota (cpu.max "QUOTA PERIOD": Docker --cpus,
 * Kubernetes limits, systemd CPUQuota).  `nproc` and omp_get_num_procs()
 * miss the quota, and a training run with more threads than that spins
 * against itself (issue 10).
 */
#include <math.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <wattnet/cpus.h>

#include "core/cpus.h"

int wn__cpus_quota(const char *cpu_max_text)
{
    char quota[32];
    double period = 0;
    if (cpu_max_text == NULL ||
        sscanf(cpu_max_text, "%31s %lf", quota, &period) != 2 ||
        strcmp(quota, "max") == 0 || !(period > 0))
        return 0;
    char *end;
    double q = strtod(quota, &end);
    if (*end != '\0' || !(q > 0))
        return 0;
    return (int)ceil(q / period);
}

/* This process's cgroup v2 directory from /proc/self/cgroup ("0::/path"). */
static int cgroup_dir(char *dir, size_t n)
{
    FILE *f = fopen("/proc/self/cgroup", "r");
    char line[512];
    int found = 0;
    while (f && !found && fgets(line, sizeof line, f))
        if (strncmp(line, "0::", 3) == 0) {
            line[strcspn(line, "\n")] = '\0';
            snprintf(dir, n, "/sys/fs/cgroup%s", line + 3);
            found = 1;
        }
    if (f)
        fclose(f);
    return found;
}

/* The tightest cpu.max quota from this cgroup up to the root; 0 if none. */
static int cgroup_quota(void)
{
    char dir[600], path[700], text[64];
    int best = 0;
    if (!cgroup_dir(dir, sizeof dir))
        return 0;
    for (;;) {
        snprintf(path, sizeof path, "%s/cpu.max", dir);
        FILE *f = fopen(path, "r");
        if (f) {
            int q = fgets(text, sizeof text, f) ? wn__cpus_quota(text) : 0;
            fclose(f);
            if (q > 0 && (best == 0 || q < best))
                best = q;
        }
        char *slash = strrchr(dir, '/');
        if (slash == NULL || strcmp(dir, "/sys/fs/cgroup") == 0)
            break;
        *slash = '\0';
    }
    return best;
}

int wn_cpus_usable(void)
{
    const char *env = getenv("WATTNET_CPU_MAX");   /* tests: a cpu.max line */
    cpu_set_t set;
    int n = 0;
    if (sched_getaffinity(0, sizeof set, &set) == 0)
        n = CPU_COUNT(&set);
    if (n <= 0)
        n = 1;
    int quota = env ? wn__cpus_quota(env) : cgroup_quota();
    return quota > 0 && quota < n ? quota : n;
}
