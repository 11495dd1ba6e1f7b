/*
 * contention.c - what a run's contended epochs mean for its time target:
 * counting its epochs by the one verdict (wn_epoch_contention, lib/nn), the
 * epoch the time target uses (the fastest clean one, else the fastest of
 * all, flagged) and whether the run had no clean epoch at all.
 *
 * The thresholds are not here: an epoch is contended when lib/nn says so.
 * fit.c uses these to leave out (or keep and count) runs with no clean
 * epoch; the report and `wattnet status` count with them.
 */
#include <math.h>
#include <string.h>

#include <wattnet/core.h>
#include <wattnet/model.h>
#include <wattnet/train.h>

void wn_run_contention_count(const wn_run_record *r, wn_run_contention *out)
{
    memset(out, 0, sizeof *out);
    for (size_t e = 0; r != NULL && r->epochs != NULL && e < r->n_epochs; e++) {
        unsigned why = wn_epoch_contention(&r->epochs[e].stats, r->summary.threads);
        if (why == WN_CONTENDED_UNKNOWN)
            out->unknown++;
        else if (why != 0)
            out->contended++;
        else
            out->clean++;
    }
}

int wn_run_no_clean_epoch(const wn_run_record *r)
{
    if (r == NULL)
        return 0;
    if (r->epochs == NULL || r->n_epochs == 0)
        return r->summary.has_contention && r->summary.epochs > 0 &&
               r->summary.epochs_contended >= r->summary.epochs;
    wn_run_contention c;
    wn_run_contention_count(r, &c);
    return c.contended > 0 && c.clean == 0 && c.unknown == 0;
}

int wn_run_clean_epoch_seconds(const wn_run_record *r, double *seconds,
                               int *all_contended)
{
    double clean = INFINITY, any = INFINITY;
    for (size_t e = 0; r != NULL && r->epochs != NULL && e < r->n_epochs; e++) {
        const wn_epoch_stats *st = &r->epochs[e].stats;
        if (!(st->seconds > 0.0))
            continue;
        any = fmin(any, st->seconds);
        if (!wn_epoch_contended(st, r->summary.threads))
            clean = fmin(clean, st->seconds);
    }
    if (!isfinite(any))
        return 0;
    if (all_contended != NULL)
        *all_contended = !isfinite(clean);
    *seconds = isfinite(clean) ? clean : any;
    return 1;
}

void wn_runs_count_contention(const wn_run_record *runs, size_t n,
                              wn_runs_contention *out)
{
    memset(out, 0, sizeof *out);
    for (size_t i = 0; runs != NULL && i < n; i++) {
        const wn_run_record *r = &runs[i];
        wn_run_contention c;
        wn_run_contention_count(r, &c);
        if (c.clean + c.contended == 0 && r->n_epochs == 0 &&
            r->summary.has_contention) {   /* no epoch records: the count */
            c.contended = r->summary.epochs_contended;
            c.clean = r->summary.epochs > c.contended
                          ? r->summary.epochs - c.contended : 0;
        }
        if (c.clean + c.contended == 0)
            continue;
        out->runs_judged++;
        out->runs_contended += c.contended > 0;
        out->runs_no_clean += wn_run_no_clean_epoch(r);
        out->epochs_judged += c.clean + c.contended;
        out->epochs_contended += c.contended;
    }
}
