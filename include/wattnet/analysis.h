/*
 * analysis.h - the glue steps of fitting and reporting: the ones that need
 * two subsystems (the store and the model, the model and the report), so
 * that the leaves exchange plain values only (docs/architecture.md):
 *   - wn_hw_profile_for_runs: read the hosts the runs were recorded on from
 *     a store and choose the profile (wn_hw_profile_choose) from them;
 *   - wn_analysis_load_runs (_from, on an open store): the runs of a
 *     database and that profile, the first step of `wattnet fit` and
 *     `wattnet report`;
 *   - wn_model_fit_if_none: the model a report shows - the one given, else
 *     one fitted to the runs (the report itself never fits).
 * The code is in lib/run/ (glue): hw_for_runs.c, load_runs.c,
 * fit_if_none.c.  Used by `wattnet fit` and `wattnet report`.
 */
#ifndef WATTNET_ANALYSIS_H
#define WATTNET_ANALYSIS_H

#include <stddef.h>
#include <wattnet/host.h>
#include <wattnet/model.h>
#include <wattnet/readings.h>
#include <wattnet/report.h>
#include <wattnet/run.h>
#include <wattnet/store.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The profile to fit or draw the runs in store S against: the file PATH
 * when not NULL (the store is not read); else the one host the runs were
 * recorded on; else this machine.  *host_out (may be NULL) gets the host
 * used (this machine for a file).  NOTE gets one line saying which was
 * chosen and why.  WN_OK, or the store's, the file's or host detection's
 * error. */
int wn_hw_profile_for_runs(wn_store *s, const char *path, wn_hw_profile *out,
                           wn_host *host_out, char *note, size_t note_n);

/* Open the store at DB (a SQLite path or postgresql:// URL), choose the
 * profile as wn_hw_profile_for_runs does (HW_PATH may be NULL) and load
 * every run.  *runs (free with wn_run_records_free(runs, *n)) and *n are
 * set on success; on failure *runs is NULL, *n 0 and the store's, the
 * file's or host detection's error is returned. */
int wn_analysis_load_runs(const char *db, const char *hw_path,
                          wn_run_record **runs, size_t *n, wn_hw_profile *hw,
                          wn_host *host_out, char *note, size_t note_n);
/* wn_analysis_load_runs on a store the caller opened (and closes): for a
 * command that reads more from it afterwards. */
int wn_analysis_load_runs_from(wn_store *s, const char *hw_path,
                               wn_run_record **runs, size_t *n, wn_hw_profile *hw,
                               wn_host *host_out, char *note, size_t note_n);

/* The model a report of runs[0..n) shows, into *out: a copy of *given when
 * not NULL; else the models fitted to the runs on hw with the default
 * options.  *have = 1 when *out holds a model, 0 when none was given and
 * too few runs were usable to fit one - not an error: NOTE (may be NULL)
 * then gets the fit's reason.  WN_ENOMEM; WN_EINVAL for NULL arguments. */
int wn_model_fit_if_none(const wn_model *given, const wn_run_record *runs,
                         size_t n, const wn_hw_profile *hw, wn_model *out,
                         int *have, char *note, size_t note_n);

/* The report's power trace from the raw readings stored in S: the
 * measured run (of RUNS) with the most epochs that has readings, its first
 * domain counted in the total.  KEEP owns the arrays OUT points into
 * (wn_power_trace_clear it after the report).  WN_OK with out->n == 0 when
 * no run has readings; WN_EINVAL for a NULL store; WN_ENOMEM. */
int wn_report_trace_load(wn_store *s, const wn_run_record *runs, size_t n,
                         wn_power_trace *keep, wn_report_trace *out);

#ifdef __cplusplus
}
#endif
#endif /* WATTNET_ANALYSIS_H */
