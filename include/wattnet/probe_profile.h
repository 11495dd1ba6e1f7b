/*
 * probe_profile.h - hardware profiles from the cache probe: whether what
 * hwloc reports is plausible, and the measured profile used instead when it
 * is not (lib/run/probe_profile.c; the probe itself is probe.h).
 */
#ifndef WATTNET_PROBE_PROFILE_H
#define WATTNET_PROBE_PROFILE_H

#include <stddef.h>
#include <stdint.h>

#include <wattnet/model.h>
#include <wattnet/probe.h>

#ifdef __cplusplus
extern "C" {
#endif

/* 1 when P's caches could be real: an L1 of at least 16 KiB, every level
 * larger than the one before, no level above 64 MiB per sharing core, all
 * caches together at most an eighth of the memory.  Else 0, and WHY (may be NULL) says which rule
 * failed in one line. */
int wn_hw_profile_plausible(const wn_hw_profile *p, char *why, size_t why_n);

/* Which knee of R measures which cache level of REPORTED: map[i] (room
 * for WN_HW_MAX_LEVELS) is the knee index for level i, or -1 where the
 * reported size stands; returns the number of levels measured.  The rules:
 * knees under 16 KiB are noise; the L1 knee is the one at most 256 KiB
 * (the largest drop if several), and when there is none the reported L1
 * stands if it lies in 16..256 KiB.  hwloc's count of levels is trusted
 * even where its sizes are not: when there are more knees above 256 KiB
 * than levels left, the last level takes the last knee (the spill to
 * memory) and each level between takes the knee nearest its reported size
 * when that is at most 64 MiB per core (hypervisors pass the private
 * caches through and overstate only the shared one), else the largest
 * bandwidth drop. */
int wn_probe_assign_levels(const wn_hw_profile *reported,
                           const wn_probe_result *r, int *map);

/* The measured profile: REPORTED's cores, sharing, instances and memory,
 * with the probe's capacities for the levels wn_probe_assign_levels maps
 * (smallest first); levels it did not find are dropped, never guessed.
 * The name gets " (measured)". */
void wn_hw_profile_from_probe(const wn_hw_profile *reported,
                              const wn_probe_result *r, wn_hw_profile *out);

/* 1 when MEASURED (from R) may be kept, in a runs database or a file (one
 * rule for both): its passes agreed (pass_spread at most WN_PROBE_NOISY)
 * and it is plausible.  Else 0, and WHY (may be NULL) says which, in one
 * line: a noisy host, or the failed plausibility rule with how many sizes
 * other work disturbed. */
int wn_probe_profile_keepable(const wn_probe_result *r,
                              const wn_hw_profile *measured, char *why,
                              size_t why_n);

/* The probe's largest working set for this machine: 4x the reported last
 * level when that is plausible (at least 8 MiB), else 256 MiB. */
uint64_t wn_probe_default_max_bytes(const wn_hw_profile *reported);

#ifdef __cplusplus
}
#endif
#endif /* WATTNET_PROBE_PROFILE_H */
