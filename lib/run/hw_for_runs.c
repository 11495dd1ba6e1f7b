/*
 * hw_for_runs.c - glue step: the hardware profile of stored runs.  Reads
 * the hosts the runs were recorded on from the store (wn_store_runs_host)
 * and hands them, as plain values, to the model's wn_hw_profile_choose.
 */
#include <stdio.h>

#include <wattnet/wattnet.h>
#include <wattnet/analysis.h>

int wn_hw_profile_for_runs(wn_store *s, const char *path, wn_hw_profile *out,
                           wn_host *host_out, char *note, size_t note_n)
{
    wn_host host;
    size_t n_hosts = 0;
    if (path != NULL)
        return wn_hw_profile_choose(path, NULL, 0, out, host_out, note,
                                    note_n);
    int rc = wn_store_runs_host(s, &host, &n_hosts);
    if (rc == WN_OK)
        return wn_hw_profile_choose(NULL, &host, 1, out, host_out, note,
                                    note_n);
    if (rc != WN_ENOENT)
        return rc;
    /* no single host: none recorded, or several (n_hosts > 1) */
    wn_clearerr();
    if (n_hosts == 1)
        n_hosts = 0;
    return wn_hw_profile_choose(NULL, NULL, n_hosts, out, host_out, note,
                                note_n);
}
