/*
 * meter_store.h - the steps that need a meter (or its power logs) and the
 * runs database together.  Both leaves exchange plain values; these glue
 * functions (lib/run/) do the step:
 *
 *   lib/run/idle_apply.c  idle baselines: measured by the meter, kept by the
 *                         store, applied to a meter (THE rule between the
 *                         database and the meter's state file is there)
 *   lib/run/attribute.c   watt-meter logs integrated into a run's energy
 *                         and joules per datum, stored on the run
 *   lib/run/samples.c     a run window's raw readings into the store
 */
#ifndef WATTNET_METER_STORE_H
#define WATTNET_METER_STORE_H

#include <stddef.h>
#include <stdint.h>
#include <wattnet/meter.h>
#include <wattnet/run.h>
#include <wattnet/store.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Idle baselines (lib/run/idle_apply.c) -------------------------------- */

/* Keep every domain of an idle baseline (from wn_meter_idle_measure) in the
 * database, under its host and "source:domain".  WN_OK; a store error. */
int wn_store_save_idle(wn_store *s, const wn_idle_baseline *b);

/* Give an open meter this host's baselines from the database, domain by
 * domain; *applied (may be NULL) counts them.  The rule: a baseline in the
 * database wins over the state file's; a domain the database has none for
 * keeps what the state file gave at open (or none). */
int wn_store_apply_idle(wn_store *s, wn_meter *m, size_t *applied);

/* ---- Attribution (lib/run/attribute.c) ------------------------------------ */

/* Attribute node watt-meter logs (CSV timestamp,node,watts; BUTTER-E's
 * {slurm_job_id}.csv) to every stored run whose window a log covers:
 * integrate with wn_powerlog_integrate over [start_time, end_time] for NODE
 * (NULL: the run's host name), compute joules per datum with
 * wn_energy_per_datum, and store both with source "log".  Counts: stored,
 * flagged (not stored as 0 J), uncovered (no log measured it). */
typedef struct wn_attribute_result {
    size_t stored, flagged, uncovered;
} wn_attribute_result;

int wn_store_attribute_logs(wn_store *s, const char *const *logs,
                            size_t n_logs, const char *node,
                            wn_attribute_result *out);

/* ---- Raw readings (lib/run/samples.c) ------------------------------------- */

/* Store the raw readings of RUN's window (the meter's last closed window,
 * which wn_run_execute's run window is) under run->run_id, after
 * wn_store_put_run.  WN_ESTATE when the meter's last window is not the
 * run's (its length differs from run->energy.seconds); keep_runs as for
 * wn_store_put_samples. */
int wn_run_samples_store(wn_store *s, wn_meter *m, const wn_run_record *run,
                         size_t keep_runs);

#ifdef __cplusplus
}
#endif
#endif /* WATTNET_METER_STORE_H */
