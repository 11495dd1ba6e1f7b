/*
 * fit_if_none.c - glue step: the model a report shows.  The report takes a
 * fitted model as a value and never fits; this step gives it the model the
 * user named, or fits one to the runs when there are enough of them.
 */
#include <stdio.h>
#include <string.h>

#include <wattnet/wattnet.h>
#include <wattnet/analysis.h>

int wn_model_fit_if_none(const wn_model *given, const wn_run_record *runs,
                         size_t n, const wn_hw_profile *hw, wn_model *out,
                         int *have, char *note, size_t note_n)
{
    if (out == NULL || have == NULL || hw == NULL || (runs == NULL && n > 0))
        return wn_seterr(WN_EINVAL, "fit_if_none.c:%d: NULL argument",
                         __LINE__);
    *have = 0;
    if (note != NULL && note_n > 0)
        note[0] = '\0';
    if (given != NULL) {
        *out = *given;
        *have = 1;
        return WN_OK;
    }
    int rc = wn_model_fit_runs(runs, n, hw, NULL, out);
    if (rc == WN_ENOMEM)
        return rc;
    if (rc == WN_OK) {
        *have = 1;
        return WN_OK;
    }
    /* too few usable runs: the report says there is no model */
    if (note != NULL)
        snprintf(note, note_n, "%s", wn_errmsg());
    memset(out, 0, sizeof *out);
    wn_clearerr();
    return WN_OK;
}
