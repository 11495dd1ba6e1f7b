/*
 * hw_for_runs.c - glue step: the hardware profile of stored runs.  Reads
 * the hosts the runs were recorded on from the store (wn_store_runs_host)
 * and hands them, as plain values, to the model's wn_hw_profile_choose.
 * When the chosen profile's caches are implausible (a VM reporting caches
 * it does not have, probe_profile.c) and the store keeps a measured profile
 * of that host (`wattnet probe --db`), the measured one is used; the note
 * says which, and why (issue 10).
 */
#include <stdio.h>
#include <string.h>

#include <wattnet/wattnet.h>
#include <wattnet/analysis.h>
#include <wattnet/probe_profile.h>

/* Replace an implausible OUT by HOST's measured profile when the store has
 * one; append to NOTE what was done. */
static void prefer_measured(wn_store *s, const wn_host *host,
                            wn_hw_profile *out, char *note, size_t note_n)
{
    char why[256], *json = NULL;
    size_t len = note ? strlen(note) : 0;
    if (wn_hw_profile_plausible(out, why, sizeof why))
        return;
    wn_hw_profile measured;
    char mwhy[256] = "";
    if (host && wn_store_get_profile(s, host->hostname, "measured", &json) == WN_OK &&
        wn_hw_profile_parse(json, "measured profile", &measured) == WN_OK &&
        wn_hw_profile_plausible(&measured, mwhy, sizeof mwhy)) {
        *out = measured;
        if (note && len < note_n)
            snprintf(note + len, note_n - len, "; the reported caches are "
                     "implausible (%s), so the measured profile of `wattnet "
                     "probe` is used", why);
    } else if (note && len < note_n) {
        snprintf(note + len, note_n - len, "; WARNING: the reported caches "
                 "are implausible (%s)%s%s: run `wattnet probe --db URL` on "
                 "this host, quiet, to measure them", why,
                 mwhy[0] ? " and so is the stored measured profile: " : "", mwhy);
    }
    wn_free(json);
    wn_clearerr();
}

int wn_hw_profile_for_runs(wn_store *s, const char *path, wn_hw_profile *out,
                           wn_host *host_out, char *note, size_t note_n)
{
    wn_host host;
    size_t n_hosts = 0;
    if (path != NULL) {
        /* a file is used as given, but an implausible one is said so */
        int rc = wn_hw_profile_choose(path, NULL, 0, out, host_out, note, note_n);
        char why[256];
        size_t len = note ? strlen(note) : 0;
        if (rc == WN_OK && note && len < note_n &&
            !wn_hw_profile_plausible(out, why, sizeof why))
            snprintf(note + len, note_n - len, "; WARNING: this file's caches "
                     "are implausible (%s)", why);
        return rc;
    }
    int rc = wn_store_runs_host(s, &host, &n_hosts);
    if (rc == WN_OK) {
        rc = wn_hw_profile_choose(NULL, &host, 1, out, host_out, note, note_n);
        if (rc == WN_OK)
            prefer_measured(s, &host, out, note, note_n);
        return rc;
    }
    if (rc != WN_ENOENT)
        return rc;
    /* no single host: none recorded, or several (n_hosts > 1) */
    wn_clearerr();
    if (n_hosts == 1)
        n_hosts = 0;
    return wn_hw_profile_choose(NULL, NULL, n_hosts, out, host_out, note,
                                note_n);
}
