/*
 * energy.h - the energy of one measured window, as every module passes it:
 * the meters fill it, the runner attaches it to a run, the store keeps it,
 * the model and report read it.
 *
 * Honesty rules: `energy_j` is the sum of non-overlapping domains only
 * (those with in_total set); `source` always says where the number came
 * from; an estimate has is_estimate set and source "estimate"; a window
 * where nothing measured has measured == 0 and its joules must be ignored,
 * never read as 0 J.
 */
#ifndef WATTNET_ENERGY_H
#define WATTNET_ENERGY_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#define WN_MAX_DOMAINS 16

typedef struct wn_energy_domain {
    char name[48];            /* e.g. "package-0", "dram-0", "gpu0:NVIDIA H100" */
    double energy_j;
    int in_total;             /* 1 if counted in wn_energy.energy_j */
} wn_energy_domain;

typedef struct wn_energy {
    int measured;             /* 1: joules below are valid */
    int is_estimate;          /* 1: source is "estimate" (not a measurement) */
    char source[16];          /* rapl|perf|nvml|ipmi|redfish|log|estimate|sim */
    char flag[64];            /* why a window is unusable, e.g. "no-samples",
                                 "zero-watts"; "" if fine */
    double seconds;
    double energy_j;          /* non-overlapping total */
    double idle_power_w;      /* baseline used for dynamic; 0 if none */
    int has_idle;
    double dynamic_energy_j;  /* energy_j - idle_power_w * seconds */
    double avg_power_w;       /* energy_j / seconds */
    size_t n_domains;
    wn_energy_domain domains[WN_MAX_DOMAINS];
} wn_energy;

#ifdef __cplusplus
}
#endif
#endif /* WATTNET_ENERGY_H */
