/*
 * samples.c - a run's raw meter readings into the store: after the run is
 * stored (wn_store_put_run gave it a run_id), take the meter's last closed
 * window (wn_meter_window_raw; wn_run_execute closes the run window last),
 * check that it is the run's (same length as run->energy.seconds), and
 * store it (wn_store_put_samples, with the store's cap and retention).
 */
#include <math.h>

#include <wattnet/wattnet.h>

int wn_run_samples_store(wn_store *s, wn_meter *m, const wn_run_record *run,
                         size_t keep_runs)
{
    wn_raw_window w;
    int rc;
    if (!s || !m || !run)
        return wn_seterr(WN_EINVAL, "samples: NULL argument");
    if (run->run_id <= 0)
        return wn_seterr(WN_ESTATE, "samples: the run is not stored yet");
    rc = wn_meter_window_raw(m, &w);
    if (rc != WN_OK)
        return rc;
    if (!(fabs(w.seconds - run->energy.seconds) <= 1e-9 * (1.0 + w.seconds)))
        rc = wn_seterr(WN_ESTATE, "samples: the meter's last window (%.6f s) "
                       "is not the run's (%.6f s)", w.seconds,
                       run->energy.seconds);
    else
        rc = wn_store_put_samples(s, run->run_id, &w, keep_runs);
    wn_raw_window_clear(&w);
    return rc;
}
