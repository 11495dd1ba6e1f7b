/*
 * share.c - glue: a shared meter's reading split by CPU-time share
 * (issue 10 "energy shared between co-located workers", issue 12
 * "measure for one process among others").  The leaf lib/core/cputime.c
 * turns /proc into plain CPU-time samples and a share; lib/energy applies
 * a share to a wn_energy.  This file joins the two for the runner
 * (lib/run/run.c) and `wattnet measure --attribute` alike.
 */
#include <stdio.h>
#include <string.h>

#include <wattnet/cpus.h>
#include <wattnet/energy.h>
#include <wattnet/run.h>

int wn_run_share_apply(const wn_cputime_sample *a, const wn_cputime_sample *b,
                       wn_energy *e)
{
    double share = 0.0;
    if (!a || !b || !e)
        return wn_seterr(WN_EINVAL, "share: NULL argument");
    if (!wn_energy_usable(e) || e->attributed)
        return WN_OK;         /* nothing measured to split, or done */
    int rc = wn_cputime_share(a, b, &share);
    if (rc != WN_OK) {
        /* The whole reading is not this process's: rather no figure than
         * everyone's joules under our name. */
        e->whole_energy_j = e->energy_j;
        snprintf(e->flag, sizeof e->flag, "no-cpu-share");
        wn_clearerr();
        return WN_OK;
    }
    wn_energy_attribute(e, share);
    return WN_OK;
}

double wn_run_min_seconds(const char *device, int metered, double update_s)
{
    if (!metered || !(update_s >= 0.0))
        return 0.0;
    double ten = 10.0 * update_s;
    if (device && !strncmp(device, "cuda", 4))
        return ten > 2.0 ? ten : 2.0;
    return update_s >= 0.1 ? ten : 0.0;
}
