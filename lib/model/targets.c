/*
 * targets.c - what a stored run offers a model: its target per training
 * datum (joules when its energy is a real measurement, else seconds), how
 * noisy its epochs were, how a set of runs splits into measured, estimated
 * and time-only, and which target a set of runs is fitted to.
 *
 * When energy counts as measured is not decided here: every question goes
 * to wn_energy_usable (lib/energy).  The fit, the report and the CLI all
 * read the target choice from wn_model_choose_target, so they agree.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <wattnet/core.h>
#include <wattnet/model.h>

int wn_run_energy_usable(const wn_run_record *r)
{
    return r != NULL && wn_energy_usable(&r->energy);
}

void wn_runs_count_energy(const wn_run_record *runs, size_t n,
                          wn_run_energy_counts *out)
{
    memset(out, 0, sizeof *out);
    for (size_t i = 0; runs != NULL && i < n; i++) {
        if (wn_run_energy_usable(&runs[i])) {
            out->measured++;
            out->simulated += wn_energy_is_simulated(&runs[i].energy) != 0;
        }
        else if (wn_energy_is_estimate(&runs[i].energy))
            out->estimated++;
        else
            out->time_only++;
    }
}

const char *wn_model_choose_target(const wn_run_energy_counts *c,
                                   size_t min_runs, char *note,
                                   size_t note_n)
{
    if (c->measured >= min_runs && c->measured > 0) {
        if (note != NULL)
            snprintf(note, note_n, "%zu runs with measured energy "
                     "(estimates excluded)", c->measured);
        return WN_TARGET_ENERGY;
    }
    if (note != NULL && c->measured == 0)
        snprintf(note, note_n, "TIME, not energy: no run carries measured "
                 "energy (%zu estimates do not count)", c->estimated);
    else if (note != NULL)
        snprintf(note, note_n, "TIME, not energy: only %zu %s measured "
                 "energy, fewer than %zu (%zu estimates do not count)",
                 c->measured, c->measured == 1 ? "run carries" : "runs carry",
                 min_runs, c->estimated);
    return WN_TARGET_TIME;
}

static double data_per_run(const wn_run_record *r)
{
    double B = (double)r->spec.train.batch;
    double epochs = (double)(r->summary.epochs ? r->summary.epochs
                                               : r->spec.train.epochs);
    return (double)r->summary.batches_per_epoch * B * epochs;
}

double wn_run_epoch_spread(const wn_run_record *r)
{
    double a = INFINITY, b = INFINITY;   /* fastest, second fastest */
    for (size_t e = 0; r != NULL && r->epochs != NULL && e < r->n_epochs;
         e++) {
        double s = r->epochs[e].stats.seconds;
        if (!(s > 0.0))
            continue;
        if (s < a) {
            b = a;
            a = s;
        } else if (s < b) {
            b = s;
        }
    }
    return isfinite(b) ? b / a : 1.0;
}

static double energy_target(const wn_run_record *r)
{
    double v = NAN;
    if (!wn_run_energy_usable(r))
        return NAN;
    if (r->has_jpd)
        return r->joules_per_datum;
    if (!wn_energy_per_datum(&r->energy, data_per_run(r), &v))
        return NAN;
    return v;
}

/* the fastest clean epoch (contention.c): on a shared machine contention
 * only ever adds time, so the minimum of the epochs that had their CPUs is
 * the least noisy estimate of the cost */
static double time_target(const wn_run_record *r)
{
    double per_epoch = (double)r->summary.batches_per_epoch *
                       (double)r->spec.train.batch;
    if (per_epoch <= 0.0)
        return NAN;
    double seconds = 0.0;
    if (wn_run_clean_epoch_seconds(r, &seconds, NULL))
        return seconds / per_epoch;
    if (r->summary.seconds_per_epoch_median > 0.0)
        return r->summary.seconds_per_epoch_median / per_epoch;
    if (r->summary.seconds_total > 0.0 && data_per_run(r) > 0.0)
        return r->summary.seconds_total / data_per_run(r);
    return NAN;
}

int wn_run_target(const wn_run_record *r, const char *target, double *y)
{
    double v = NAN;
    if (r == NULL || target == NULL)
        return 0;
    if (strcmp(target, WN_TARGET_ENERGY) == 0)
        v = energy_target(r);
    else if (strcmp(target, WN_TARGET_TIME) == 0)
        v = time_target(r);
    if (!isfinite(v) || v <= 0.0)
        return 0;
    if (y != NULL)
        *y = v;
    return 1;
}
