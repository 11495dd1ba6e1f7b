/*
 * store_idle.c - idle baselines in the runs database: idle watts per host
 * and domain key (the glue, lib/run/idle_apply.c, makes the key
 * "source:domain", e.g. "rapl:package-0").  Plain values in and out; the
 * rule between these and the meter's state file is written once, in
 * lib/run/idle_apply.c.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "store/store_impl.h"

int wn_store_put_idle(wn_store *s, const char *hostname, const char *domain,
                      double power_w, double seconds)
{
    int rc = WN_OK;
    if (!s || !hostname || !domain)
        return wn_seterr(WN_EINVAL, "store: put_idle: NULL argument");
    struct wn__sql_val v[] = { wn__v_text(hostname), wn__v_text(domain),
                               wn__v_real(power_w), wn__v_real(seconds) };
    rc = wn__store_begin(s, 1);
    if (rc == WN_OK)
        rc = wn__store_query(s,
                             "DELETE FROM idle_baselines WHERE hostname = $1"
                             " AND domain = $2",
                             v, 2, NULL, NULL, NULL);
    if (rc == WN_OK)
        rc = wn__store_query(s,
                             "INSERT INTO idle_baselines (hostname, domain,"
                             " power_w, seconds, measured_at)"
                             " VALUES ($1, $2, $3, $4, {NOW})",
                             v, 4, NULL, NULL, NULL);
    if (rc == WN_OK)
        rc = wn__store_commit(s);
    if (s->in_tx)
        wn__store_rollback(s);
    return rc;
}

int wn_store_get_idle(wn_store *s, const char *hostname, const char *domain,
                      double *power_w)
{
    double w = NAN;
    if (!s || !hostname || !domain || !power_w)
        return wn_seterr(WN_EINVAL, "store: get_idle: NULL argument");
    struct wn__sql_val v[] = { wn__v_text(hostname), wn__v_text(domain) };
    int rc = wn__store_query(s,
                             "SELECT power_w FROM idle_baselines WHERE"
                             " hostname = $1 AND domain = $2",
                             v, 2, wn__row_real, &w, NULL);
    if (rc != WN_OK)
        return rc;
    if (isnan(w))
        return wn_seterr(WN_ENOENT, "store: no idle baseline for %s/%s", hostname,
                         domain);
    *power_w = w;
    return WN_OK;
}


struct idle_rows {
    wn_store_idle *rows;
    size_t n, cap, total;
};

static int read_idle_row(void *user, wn_store *s, const struct wn__sql_row *r)
{
    struct idle_rows *l = user;
    if (l->n < l->cap) {
        wn_store_idle *row = &l->rows[l->n++];
        memset(row, 0, sizeof *row);
        int rc = WN_OK;
        wn__col_str(s, r, 0, row->domain, sizeof row->domain, "idle domain", &rc);
        if (rc != WN_OK)
            return wn__col_row_error(rc, "idle", (int64_t)l->n);
        row->power_w = wn__col_real(s, r, 1);
        row->seconds = wn__col_real(s, r, 2);
        row->measured_at = wn__col_real(s, r, 3);
    }
    l->total++;
    return WN_OK;
}

int wn_store_load_idle(wn_store *s, const char *hostname, wn_store_idle *rows,
                       size_t cap, size_t *n)
{
    struct idle_rows l = { rows, 0, cap, 0 };
    if (!s || !hostname || (cap && !rows) || !n)
        return wn_seterr(WN_EINVAL, "store: load_idle: NULL argument");
    struct wn__sql_val v = wn__v_text(hostname);
    int rc = wn__store_query(s,
                             "SELECT domain, power_w, seconds, measured_at"
                             " FROM idle_baselines WHERE hostname = $1"
                             " ORDER BY domain",
                             &v, 1, read_idle_row, &l, NULL);
    *n = l.n;
    if (rc == WN_OK && l.total > cap)
        rc = wn_seterr(WN_EINVAL, "store: %s has %zu idle baselines; room for "
                       "%zu", hostname, l.total, cap);
    return rc;
}
