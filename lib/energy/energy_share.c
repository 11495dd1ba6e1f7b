/*
 * energy_share.c - one shared reading split by a CPU-time share
 * (include/wattnet/energy.h, wn_energy_attribute).
 *
 * A package counter or a node meter measures every process on it.  When
 * several workers (or a command among other work) share it, each gets the
 * reading times its share of the CPU time spent over the window, the rule
 * Scaphandre and Kepler use.  The share itself is computed elsewhere from
 * plain CPU-time samples (wn_cputime_share, cpus.h); this file only applies
 * it, and keeps the whole reading beside the share so nothing is lost.
 */
#include <math.h>

#include <wattnet/energy.h>

int wn_energy_attribute(wn_energy *e, double share)
{
    if (e == NULL || e->attributed || !wn_energy_usable(e))
        return 0;
    if (!(share >= 0.0))      /* NaN too */
        share = 0.0;
    if (share > 1.0)
        share = 1.0;
    e->whole_energy_j = e->energy_j;
    e->cpu_share = share;
    e->attributed = 1;
    e->energy_j *= share;
    e->dynamic_energy_j *= share;
    e->avg_power_w *= share;
    e->idle_power_w *= share;   /* the idle baseline's share, so that
                                   dynamic = energy - idle x seconds holds */
    for (size_t i = 0; i < e->n_domains && i < WN_MAX_DOMAINS; i++)
        e->domains[i].energy_j *= share;
    return 1;
}
