/*
 * store_attribute.c - energy from node watt-meter logs, attributed to runs
 * after the fact (the BUTTER-E method): each stored run's [start_time,
 * end_time] window is integrated over each log with wn_powerlog_integrate
 * for the run's node, and the first log that measures it sets the run's
 * energy with source "log" (wn_store_set_energy keeps the previous value in
 * the attributions table).  Windows a log covers but flags (a 0 W reading,
 * an uncovered start) are recorded as flagged attributions and counted,
 * never stored as 0 J; windows no log has samples for are "uncovered".
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "store/store_impl.h"

struct window {
    int64_t run_id;
    char host[128];
    double start, end;
};

struct windows {
    struct window *w;
    size_t n, cap;
};

static int read_window(void *user, wn_store *s, const struct wn__sql_row *r)
{
    struct windows *l = user;
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 64;
        struct window *g = wn_realloc(l->w, cap * sizeof *g);
        if (!g)
            return wn_seterr(WN_ENOMEM, "attribute: out of memory");
        l->w = g;
        l->cap = cap;
    }
    struct window *w = &l->w[l->n++];
    w->run_id = wn__col_int(s, r, 0);
    wn__copy_str(w->host, sizeof w->host, wn__col_text(s, r, 1));
    w->start = wn__col_real(s, r, 2);
    w->end = wn__col_real(s, r, 3);
    return WN_OK;
}

int wn_store_attribute_logs(wn_store *s, const char *const *logs, size_t n_logs,
                            const char *node, wn_attribute_result *out)
{
    struct windows l = { NULL, 0, 0 };
    wn_attribute_result res = { 0, 0, 0 };
    int rc = WN_OK;
    if (!s || (n_logs && !logs))
        return wn_seterr(WN_EINVAL, "attribute: NULL argument");
    if (n_logs == 0)
        return wn_seterr(WN_EINVAL, "attribute: no power log given");
    for (size_t i = 0; i < n_logs; i++) {
        FILE *f = fopen(logs[i], "r");
        if (!f)
            return wn_seterr(WN_ENOENT, "attribute: %s: cannot open", logs[i]);
        fclose(f);
    }
    rc = wn__store_query(s, "SELECT id, host, start_time, end_time FROM runs ORDER BY id",
                         NULL, 0, read_window, &l, NULL);
    if (rc != WN_OK)
        goto out;
    for (size_t i = 0; i < l.n; i++) {
        const struct window *w = &l.w[i];
        if (!(w->end > w->start))
            continue;
        const char *who = (node && *node) ? node : w->host;
        wn_energy best, flagged;
        int have = 0, have_flag = 0;
        const char *flag_log = NULL, *best_log = NULL;
        memset(&flagged, 0, sizeof flagged);
        for (size_t k = 0; k < n_logs && !have; k++) {
            wn_energy e;
            rc = wn_powerlog_integrate(logs[k], who, w->start, w->end, &e);
            if (rc != WN_OK)
                goto out;
            if (e.measured) {
                best = e;
                best_log = logs[k];
                have = 1;
            } else if (strcmp(e.flag, "no-samples") != 0 && !have_flag) {
                flagged = e;
                flag_log = logs[k];
                have_flag = 1;
            }
        }
        if (have) {
            snprintf(best.source, sizeof best.source, "log");
            rc = wn_store_set_energy(s, w->run_id, &best, who, best_log);
            if (rc != WN_OK)
                goto out;
            res.stored++;
        } else if (have_flag) {
            snprintf(flagged.source, sizeof flagged.source, "log");
            rc = wn_store_set_energy(s, w->run_id, &flagged, who, flag_log);
            if (rc != WN_OK)
                goto out;
            res.flagged++;
        } else {
            res.uncovered++;
        }
    }
out:
    wn_free(l.w);
    if (out)
        *out = res;
    return rc;
}
