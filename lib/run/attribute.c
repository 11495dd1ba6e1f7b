/*
 * attribute.c - energy from node watt-meter logs, attributed to stored runs
 * after the fact (the BUTTER-E method): each run's [start_time, end_time]
 * window is integrated over each log with wn_powerlog_integrate (the
 * meter) for the run's node; the first log that measures it sets the run's
 * energy, with source "log", and its joules per datum (wn_energy_per_datum
 * over batches per epoch x epochs done x batch, as wn_run_execute counts
 * them) through wn_store_set_energy (the store, which keeps the previous
 * value in the attributions table).  Windows a log covers but flags (a 0 W
 * reading, an uncovered start) are recorded as flagged attributions and
 * counted, never stored as 0 J; windows no log has samples for are
 * "uncovered".
 */
#include <stdio.h>
#include <string.h>

#include <wattnet/wattnet.h>

/* What the logs say about one run's window. */
struct verdict {
    int have, have_flag;
    wn_energy best, flagged;
    const char *best_log, *flag_log;
};

static int integrate_run(const char *const *logs, size_t n_logs,
                         const char *who, const wn_run_record *r,
                         struct verdict *v)
{
    memset(v, 0, sizeof *v);
    for (size_t k = 0; k < n_logs && !v->have; k++) {
        wn_energy e;
        int rc = wn_powerlog_integrate(logs[k], who, r->start_time,
                                       r->end_time, &e);
        if (rc != WN_OK)
            return rc;
        if (e.measured) {
            v->best = e;
            v->best_log = logs[k];
            v->have = 1;
        } else if (strcmp(e.flag, "no-samples") != 0 && !v->have_flag) {
            v->flagged = e;
            v->flag_log = logs[k];
            v->have_flag = 1;
        }
    }
    return WN_OK;
}

/* Store the verdict on run r; count it in *res. */
static int store_verdict(wn_store *s, const wn_run_record *r, const char *who,
                         struct verdict *v, wn_attribute_result *res)
{
    if (!v->have && !v->have_flag) {
        res->uncovered++;
        return WN_OK;
    }
    wn_energy *e = v->have ? &v->best : &v->flagged;
    const char *log = v->have ? v->best_log : v->flag_log;
    double data = (double)r->summary.batches_per_epoch *
                  (double)r->summary.epochs * (double)r->spec.train.batch;
    double jpd = 0.0;
    snprintf(e->source, sizeof e->source, "log");
    int has_jpd = wn_energy_per_datum(e, data, &jpd);
    int rc = wn_store_set_energy(s, r->run_id, e, has_jpd, jpd, who, log);
    if (rc == WN_OK) {
        if (v->have)
            res->stored++;
        else
            res->flagged++;
    }
    return rc;
}

static int check_logs(const char *const *logs, size_t n_logs)
{
    if (n_logs == 0)
        return wn_seterr(WN_EINVAL, "attribute: no power log given");
    for (size_t i = 0; i < n_logs; i++) {
        FILE *f = fopen(logs[i], "r");
        if (!f)
            return wn_seterr(WN_ENOENT, "attribute: %s: cannot open", logs[i]);
        fclose(f);
    }
    return WN_OK;
}

int wn_store_attribute_logs(wn_store *s, const char *const *logs, size_t n_logs,
                            const char *node, wn_attribute_result *out)
{
    wn_run_record *runs = NULL;
    size_t n_runs = 0;
    wn_attribute_result res = { 0, 0, 0 };
    int rc = WN_OK;
    if (!s || (n_logs && !logs))
        return wn_seterr(WN_EINVAL, "attribute: NULL argument");
    rc = check_logs(logs, n_logs);
    if (rc != WN_OK)
        return rc;
    rc = wn_store_load_runs(s, &runs, &n_runs);
    for (size_t i = 0; rc == WN_OK && i < n_runs; i++) {
        const wn_run_record *r = &runs[i];
        struct verdict v;
        if (!(r->end_time > r->start_time))
            continue;
        const char *who = (node && *node) ? node : r->host;
        rc = integrate_run(logs, n_logs, who, r, &v);
        if (rc == WN_OK)
            rc = store_verdict(s, r, who, &v, &res);
    }
    wn_run_records_free(&runs, n_runs);
    if (out)
        *out = res;
    return rc;
}
