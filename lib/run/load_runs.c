/*
 * load_runs.c - glue step: the runs of a database and the hardware
 * profile to read them against, the first step of fitting and reporting.
 */
#include <wattnet/wattnet.h>
#include <wattnet/analysis.h>

int wn_analysis_load_runs(const char *db, const char *hw_path,
                          wn_run_record **runs, size_t *n, wn_hw_profile *hw,
                          wn_host *host_out, char *note, size_t note_n)
{
    int rc;
    wn_store *store = NULL;
    if (db == NULL || runs == NULL || n == NULL || hw == NULL)
        return wn_seterr(WN_EINVAL, "load_runs.c:%d: NULL argument",
                         __LINE__);
    *runs = NULL;
    *n = 0;
    if ((rc = wn_store_open(db, &store)) != WN_OK)
        goto out;
    rc = wn_hw_profile_for_runs(store, hw_path, hw, host_out, note, note_n);
    if (rc != WN_OK)
        goto out;
    rc = wn_store_load_runs(store, runs, n);
out:
    wn_store_close(&store);
    return rc;
}
