/*
 * load_runs.c - glue step: the runs of a database and the hardware
 * profile to read them against, the first step of fitting and reporting.
 */
#include <wattnet/wattnet.h>
#include <wattnet/analysis.h>

int wn_analysis_load_runs_from(wn_store *s, const char *hw_path,
                               wn_run_record **runs, size_t *n, wn_hw_profile *hw,
                               wn_host *host_out, char *note, size_t note_n)
{
    if (s == NULL || runs == NULL || n == NULL || hw == NULL)
        return wn_seterr(WN_EINVAL, "load_runs.c:%d: NULL argument",
                         __LINE__);
    *runs = NULL;
    *n = 0;
    int rc = wn_hw_profile_for_runs(s, hw_path, hw, host_out, note, note_n);
    return rc == WN_OK ? wn_store_load_runs(s, runs, n) : rc;
}

int wn_analysis_load_runs(const char *db, const char *hw_path,
                          wn_run_record **runs, size_t *n, wn_hw_profile *hw,
                          wn_host *host_out, char *note, size_t note_n)
{
    wn_store *store = NULL;
    if (db == NULL || runs == NULL || n == NULL || hw == NULL)
        return wn_seterr(WN_EINVAL, "load_runs.c:%d: NULL argument",
                         __LINE__);
    *runs = NULL;
    *n = 0;
    int rc = wn_store_open_existing(db, &store);
    if (rc == WN_OK)
        rc = wn_analysis_load_runs_from(store, hw_path, runs, n, hw, host_out, note,
                                        note_n);
    wn_store_close(&store);
    return rc;
}
