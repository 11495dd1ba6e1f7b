/*
 * store_attribute.c - energy set on a stored run after the fact (watt-meter
 * logs, BUTTER-E's method): wn_store_set_energy keeps an attributions row
 * (what was measured, from which log, the run's previous energy) and, when
 * the window measured, replaces the run's energy columns and its joules per
 * datum, both given by the caller as plain values.  Integrating the logs
 * and computing joules per datum (wn_energy_per_datum) is the glue's job:
 * lib/run/attribute.c.
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "store/store_impl.h"

struct prev_energy {
    int found;
    char source[16];
    double energy_j;
};

static int read_prev(void *user, wn_store *s, const struct wn__sql_row *r)
{
    struct prev_energy *p = user;
    int rc = WN_OK;
    p->found = 1;
    wn__col_str(s, r, 0, p->source, sizeof p->source, "energy source", &rc);
    p->energy_j = wn__col_real(s, r, 1);
    return rc;
}

/* Keep the attribution row: what was measured, from which log, and the
 * run's energy before it. */
static int put_attribution(wn_store *s, int64_t run_id, const wn_energy *e,
                           const char *node, const char *log_file,
                           const struct prev_energy *prev)
{
    struct wn__sql_val a[] = {
        wn__v_int(run_id),       wn__v_text(e->source),  wn__v_text(node),
        wn__v_text(log_file),    wn__v_int(e->measured), wn__v_text(e->flag),
        wn__v_real(e->seconds),  wn__v_real(e->energy_j),
        wn__v_real(e->avg_power_w), wn__v_text(prev->source),
        wn__v_real(prev->energy_j),
    };
    return wn__store_query(s,
                           "INSERT INTO attributions (run_id, source, node,"
                           " log_file, measured, flag, seconds, energy_j,"
                           " avg_power_w, previous_source, previous_energy_j,"
                           " created) VALUES"
                           " ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11,"
                           " {NOW})",
                           a, sizeof a / sizeof a[0], NULL, NULL, NULL);
}

/* Replace the run's energy columns and its joules per datum. */
static int update_energy(wn_store *s, int64_t run_id, const wn_energy *e,
                         int has_jpd, double jpd)
{
    enum { N = WN__STORE_N_ENERGY_COLS };
    struct wn__sql_val v[N + 3];
    char sets[1024], sql[1400];
    char *domains = NULL;
    int rc = wn__store_bind_energy(e, v, &domains);
    if (rc != WN_OK)
        return rc;
    v[N] = wn__v_int(has_jpd);
    v[N + 1] = has_jpd ? wn__v_real(jpd) : wn__v_null();
    v[N + 2] = wn__v_int(run_id);
    size_t o = 0;
    for (size_t i = 0; i < N; i++) {
        int k = snprintf(sets + o, sizeof sets - o, "%s%s = $%zu", i ? ", " : "",
                         wn__store_energy_cols[i], i + 1);
        if (k > 0 && (size_t)k < sizeof sets - o)
            o += (size_t)k;
    }
    snprintf(sql, sizeof sql,
             "UPDATE runs SET %s, has_jpd = $%d, joules_per_datum = $%d"
             " WHERE id = $%d", sets, N + 1, N + 2, N + 3);
    rc = wn__store_query(s, sql, v, N + 3, NULL, NULL, NULL);
    wn_free(domains);
    return rc;
}

int wn_store_set_energy(wn_store *s, int64_t run_id, const wn_energy *e,
                        int has_jpd, double joules_per_datum, const char *node,
                        const char *log_file)
{
    struct prev_energy prev = { 0, "", NAN };
    int rc = WN_OK;
    if (!s || !e)
        return wn_seterr(WN_EINVAL, "store: set_energy: NULL argument");
    rc = wn__store_begin(s, 1);
    if (rc != WN_OK)
        goto out;
    struct wn__sql_val id = wn__v_int(run_id);
    rc = wn__store_query(s, "SELECT energy_source, energy_j FROM runs"
                            " WHERE id = $1",
                         &id, 1, read_prev, &prev, NULL);
    if (rc != WN_OK)
        goto out;
    if (!prev.found) {
        rc = wn_seterr(WN_ENOENT, "store: no run %" PRId64, run_id);
        goto out;
    }
    rc = put_attribution(s, run_id, e, node, log_file, &prev);
    if (rc == WN_OK && e->measured)
        rc = update_energy(s, run_id, e, has_jpd, joules_per_datum);
    if (rc == WN_OK)
        rc = wn__store_commit(s);
out:
    if (s->in_tx)
        wn__store_rollback(s);
    return rc;
}
