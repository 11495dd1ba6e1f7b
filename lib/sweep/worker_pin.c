/*
 * worker_pin.c - CPU pinning of worker processes: with --pin, worker i runs
 * on the (i mod n)-th CPU this process may use, one thread per job.
 */
#include <errno.h>
#include <sched.h>
#include <string.h>

#include "sweep/worker_internal.h"

int wn__worker_pin(int index, int *cpu_out)
{
    cpu_set_t allowed, one;
    if (sched_getaffinity(0, sizeof allowed, &allowed) != 0)
        return wn_seterr(WN_EUNSUPPORTED, "worker: sched_getaffinity: %s",
                         strerror(errno));
    int n = CPU_COUNT(&allowed);
    if (n <= 0)
        return wn_seterr(WN_EUNSUPPORTED, "worker: no CPU allowed");
    int want = index % n, seen = 0, cpu = -1;
    for (int c = 0; c < CPU_SETSIZE; c++)
        if (CPU_ISSET(c, &allowed) && seen++ == want) {
            cpu = c;
            break;
        }
    CPU_ZERO(&one);
    CPU_SET(cpu, &one);
    if (sched_setaffinity(0, sizeof one, &one) != 0)
        return wn_seterr(WN_EPERM, "worker: cannot pin to CPU %d: %s", cpu,
                         strerror(errno));
    *cpu_out = cpu;
    return WN_OK;
}

int wn__worker_cpus(void)
{
    cpu_set_t allowed;
    if (sched_getaffinity(0, sizeof allowed, &allowed) != 0)
        return 1;
    int n = CPU_COUNT(&allowed);
    return n > 0 ? n : 1;
}
