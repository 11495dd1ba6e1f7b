/*
 * epoch_quality.h - an epoch's contention evidence from two samples (private
 * to lib/nn; the verdict is public in train.h).  See epoch_quality.c.
 */
#ifndef WN_NN_EPOCH_QUALITY_H
#define WN_NN_EPOCH_QUALITY_H

#include <wattnet/train.h>

#include "core/procstat.h"

/* Host CPU time (ticks, all CPUs) an epoch needs before its steal fraction
 * is resolved: /proc/stat counts in 10 ms ticks. */
#define WN__STEAL_MIN_TICKS 20.0

/* Set s's has_cpu, cpu_seconds, invol_switches, has_steal, steal_fraction
 * from samples a (before) and b (after).  A part missing in either sample,
 * or going backwards, stays unmeasured. */
void wn__epoch_quality_fill(wn_epoch_stats *s, const struct wn__proc_sample *a,
                            const struct wn__proc_sample *b);

#endif
