/*
 * host.h - what this machine is: CPU model, cores, cache sizes per level
 * (from hwloc), memory, GPUs, kernel, compiler and library versions.  The
 * store records it with every run; the model turns it into a hardware
 * profile.
 */
#ifndef WATTNET_HOST_H
#define WATTNET_HOST_H

#include <stdint.h>
#include <wattnet/core.h>

#ifdef __cplusplus
extern "C" {
#endif

#define WN_MAX_CACHES 4
#define WN_MAX_GPUS 8

typedef struct wn_cache_level {
    int level;                /* 1, 2, 3 (data/unified caches only) */
    uint64_t size_bytes;      /* one instance */
    int shared_by_cores;      /* cores sharing one instance */
    int instances;
} wn_cache_level;

typedef struct wn_host {
    char hostname[128];
    char cpu_model[128];
    int cores;
    int n_caches;
    wn_cache_level caches[WN_MAX_CACHES];   /* ordered L1, L2, L3 */
    uint64_t memory_bytes;
    char kernel[128];
    char compiler[64];
    char dnnl_version[32];
    int n_gpus;
    char gpus[WN_MAX_GPUS][96];
} wn_host;

/* Detect this machine.  Never fails for missing GPUs; WN_EUNAVAILABLE if
 * hwloc cannot read the topology. */
int wn_host_detect(wn_host *out);

#ifdef __cplusplus
}
#endif
#endif /* WATTNET_HOST_H */
