/*
 * hw_choice.c - which hardware profile runs are fitted and drawn against,
 * from plain values: a profile file when the user names one; else the one
 * host the runs were recorded on, so a database filled on cluster nodes is
 * not read against the caches of the machine that reads it; else this
 * machine, with a note that says so.  Reading the recorded hosts from a
 * store is glue: lib/run/hw_for_runs.c.
 */
#include <stdio.h>
#include <string.h>

#include <wattnet/core.h>
#include <wattnet/model.h>

int wn_hw_profile_choose(const char *path, const wn_host *hosts,
                         size_t n_hosts, wn_hw_profile *out,
                         wn_host *host_out, char *note, size_t note_n)
{
    wn_host host;
    int rc;
    if (out == NULL || note == NULL)
        return wn_seterr(WN_EINVAL, "hw_choice.c:%d: NULL argument",
                         __LINE__);
    if (path != NULL) {
        snprintf(note, note_n, "profile file %s", path);
        rc = wn_hw_profile_load(path, out);
        if (rc == WN_OK && host_out != NULL)
            rc = wn_host_detect(host_out);
        return rc;
    }
    if (n_hosts == 1 && hosts != NULL) {
        host = hosts[0];
        snprintf(note, note_n, "recorded with the runs (host %s)",
                 host.hostname);
    } else {
        if ((rc = wn_host_detect(&host)) != WN_OK)
            return rc;
        if (n_hosts > 1)
            snprintf(note, note_n, "this machine: the runs come from %zu "
                     "hosts, pass --hardware to choose", n_hosts);
        else
            snprintf(note, note_n, "this machine (no host recorded with the "
                     "runs)");
    }
    wn_hw_profile_from_host(&host, out);
    if (host_out != NULL)
        *host_out = host;
    return WN_OK;
}
