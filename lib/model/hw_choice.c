/*
 * hw_choice.c - which hardware profile stored runs are fitted and drawn
 * against: a profile file when the user names one; else the host the runs
 * were recorded on (the hosts table), so a database filled on cluster
 * nodes is not read against the caches of the machine that reads it; else
 * this machine, with a note that says so.
 */
#include <stdio.h>
#include <string.h>

#include <wattnet/wattnet.h>

int wn_hw_profile_for_runs(wn_store *s, const char *path, wn_hw_profile *out,
                           wn_host *host_out, char *note, size_t note_n)
{
    wn_host host;
    size_t n_hosts = 0;
    int rc;
    if (path) {
        snprintf(note, note_n, "profile file %s", path);
        rc = wn_hw_profile_load(path, out);
        if (rc == WN_OK && host_out && (rc = wn_host_detect(host_out)) != WN_OK)
            return rc;
        return rc;
    }
    rc = wn_store_runs_host(s, &host, &n_hosts);
    if (rc == WN_OK) {
        snprintf(note, note_n, "recorded with the runs (host %s)", host.hostname);
    } else if (rc == WN_ENOENT) {
        wn_clearerr();
        if ((rc = wn_host_detect(&host)) != WN_OK)
            return rc;
        if (n_hosts > 1)
            snprintf(note, note_n, "this machine: the runs come from %zu hosts, "
                     "pass --hardware to choose", n_hosts);
        else
            snprintf(note, note_n, "this machine (no host recorded with the runs)");
    } else {
        return rc;
    }
    wn_hw_profile_from_host(&host, out);
    if (host_out)
        *host_out = host;
    return WN_OK;
}
