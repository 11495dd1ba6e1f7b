/*
 * report_trace.c - glue step: the report's power trace from the raw meter
 * readings the store keeps (lib/run/samples.c writes them; LIKWID: raw
 * readings stored, converted late).  Picks the measured run with the most
 * epochs that has readings, converts them with lib/readings
 * (wn_store_power_trace) and hands the first domain counted in the total
 * to the report as plain arrays (wn_report_trace).
 */
#include <stdio.h>
#include <string.h>

#include <wattnet/wattnet.h>
#include <wattnet/analysis.h>

/* Runs with usable energy, most epochs first: their indices in ORDER. */
static size_t measured_runs(const wn_run_record *runs, size_t n, size_t *order)
{
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (wn_energy_usable(&runs[i].energy))
            order[m++] = i;
    for (size_t i = 1; i < m; i++)   /* insertion sort: n is small */
        for (size_t j = i; j > 0 && runs[order[j]].n_epochs >
                                        runs[order[j - 1]].n_epochs; j--) {
            size_t t = order[j];
            order[j] = order[j - 1];
            order[j - 1] = t;
        }
    return m;
}

/* The first series of T counted in the total with two points or more. */
static const wn_power_series *total_series(const wn_power_trace *t)
{
    for (size_t i = 0; i < t->n_series; i++)
        if (t->series[i].in_total && t->series[i].n >= 2)
            return &t->series[i];
    return NULL;
}

int wn_report_trace_load(wn_store *s, const wn_run_record *runs, size_t n,
                         wn_power_trace *keep, wn_report_trace *out)
{
    size_t *order = NULL;
    memset(keep, 0, sizeof *keep);
    memset(out, 0, sizeof *out);
    int rc = s ? WN_OK : wn_seterr(WN_EINVAL, "report trace: NULL store");
    if (rc == WN_OK && n > 0 && !(order = wn_calloc(n, sizeof *order)))
        rc = wn_seterr(WN_ENOMEM, "report trace: out of memory");
    size_t m = rc == WN_OK && order ? measured_runs(runs, n, order) : 0;
    for (size_t i = 0; rc == WN_OK && i < m && i < 32 && out->n == 0; i++) {
        if (wn_store_power_trace(s, runs[order[i]].run_id, keep) != WN_OK) {
            wn_clearerr();   /* no readings kept for this run */
            continue;
        }
        const wn_power_series *se = total_series(keep);
        if (se == NULL) {
            wn_power_trace_clear(keep);
            continue;
        }
        *out = (wn_report_trace){ .t_s = se->t_s, .power_w = se->power_w,
                                  .n = se->n, .run_id = runs[order[i]].run_id,
                                  .source = se->name };
    }
    wn_free(order);
    return rc;
}
