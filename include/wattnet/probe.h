/*
 * probe.h - the caches this host really has, measured: a working-set sweep
 * that times a read kernel and a read-modify-write kernel over buffers from
 * 4 KiB to a few times the last-level cache, and finds the knees where the
 * bandwidth steps down (a level spilled).  A VM may report caches it does
 * not have (hwloc said 508 MiB of L3 per core on the development VM); the
 * model then uses the measured sizes instead (docs/model.md).
 *
 * A leaf: measures and returns plain values; turning a result into a
 * hardware profile is glue (lib/run/probe_profile.c).
 */
#ifndef WATTNET_PROBE_H
#define WATTNET_PROBE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define WN_PROBE_MAX_POINTS 128
#define WN_PROBE_MAX_KNEES 4

typedef struct wn_probe_opts {
    uint64_t min_bytes;       /* smallest working set (default 4 KiB) */
    uint64_t max_bytes;       /* largest (default 256 MiB) */
    int points_per_octave;    /* sizes per doubling (default 4) */
    double trial_seconds;     /* shortest timed trial (default 5 ms) */
    int trials;               /* best of this many undisturbed trials per
                                 size and pass (default 2; up to 4x as many
                                 tries) */
    int repeats;              /* passes over all sizes, one after another;
                                 each size keeps its best pass, so a slow
                                 spell of a few seconds (another VM on the
                                 core's sibling) is outvoted (default 5) */
} wn_probe_opts;

typedef struct wn_probe_point {
    uint64_t bytes;           /* working set */
    double read_gbs;          /* read kernel, GB/s (10^9 bytes) */
    double rmw_gbs;           /* read-modify-write kernel, GB/s */
} wn_probe_point;

typedef struct wn_probe_knee {
    uint64_t capacity_bytes;  /* where the read bandwidth crosses halfway
                                 (in log) between the two plateaus */
    double above_gbs;         /* plateau below the knee (the cache) */
    double below_gbs;         /* plateau after it (next level) */
} wn_probe_knee;

typedef struct wn_probe_result {
    size_t n_points;
    wn_probe_point points[WN_PROBE_MAX_POINTS];
    size_t n_knees;           /* cache levels found, smallest first */
    wn_probe_knee knees[WN_PROBE_MAX_KNEES];
    double seconds;           /* the probe's own run time */
    size_t contended_points;  /* sizes where no pass had all `trials` trials
                                 undisturbed (another process took the
                                 core): their figures are less certain */
    double pass_spread;       /* median over sizes of 1 - slowest/fastest
                                 pass's read GB/s: how much the passes
                                 disagreed (0 with one pass).  Above
                                 WN_PROBE_NOISY the host was too noisy for
                                 the knees to be trusted */
} wn_probe_result;

/* A pass spread above this is a noisy curve.  Measured on the 2-core
 * development VM (docs/results/probe-2026-11-30/): quiet, 0.02-0.07 over 9
 * probes; with another process on the same core 0.12, with a memory-bound
 * one on the other core 0.14 (that probe put L1 at 24 KiB). */
#define WN_PROBE_NOISY 0.10

void wn_probe_opts_default(wn_probe_opts *o);

/* Run the sweep on the calling thread (pin it for a clean curve) and find
 * the knees.  WN_OK; WN_EINVAL for bad options; WN_ENOMEM when the largest
 * buffer cannot be had. */
int wn_probe_caches(const wn_probe_opts *o, wn_probe_result *out);

/* Find the knees of a measured curve (what wn_probe_caches does after the
 * sweep; exposed for tests and for curves read back from the store):
 * piecewise-constant segments of log(read bandwidth), merged while
 * neighbours differ by less than 15%; each boundary gives a knee.  Sets
 * r->n_knees and r->knees from r->points. */
void wn_probe_find_knees(wn_probe_result *r);

#ifdef __cplusplus
}
#endif
#endif /* WATTNET_PROBE_H */
