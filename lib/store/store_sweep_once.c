/*
 * store_sweep_once.c - a named sweep created at most once, however many
 * processes ask at the same moment (issue 9, item 11): two `wattnet run
 * --preset quick` started together enqueued the preset twice.  The check
 * for an existing sweep and the insert are one write transaction that
 * holds a lock for its whole length: SQLite's BEGIN IMMEDIATE (one writer
 * at a time), on PostgreSQL a transaction-scoped advisory lock keyed by
 * the name (READ COMMITTED alone would let both transactions see no sweep
 * and both insert).  No schema change: old databases keep working.
 */
#include <string.h>

#include "store/store_impl.h"

/* FNV-1a of NAME: the advisory lock's key (a collision only serialises two
 * different names, never merges them). */
static int64_t name_key(const char *name)
{
    uint64_t h = 1469598103934665603ULL;
    for (const unsigned char *p = (const unsigned char *)name; *p; p++)
        h = (h ^ *p) * 1099511628211ULL;
    return (int64_t)(h & 0x7fffffffffffffffULL);
}

int wn_store_sweep_add_once(wn_store *s, const char *name,
                            const char *spec_json, uint64_t seed,
                            const wn_job *jobs, size_t n, int64_t *sweep_id,
                            int *created)
{
    int64_t id = 0;
    int rc = WN_OK;
    if (!s || !name || !spec_json || (n && !jobs) || !created)
        return wn_seterr(WN_EINVAL, "store: sweep_add_once: NULL argument");
    *created = 0;
    rc = wn__store_begin(s, 1);
    if (rc != WN_OK)
        goto out;
    if (s->ops->dialect == WN__DIALECT_PG) {
        struct wn__sql_val k = wn__v_int(name_key(name));
        rc = wn__store_query(s, "SELECT pg_advisory_xact_lock($1::bigint)",
                             &k, 1, NULL, NULL, NULL);
        if (rc != WN_OK)
            goto out;
    }
    struct wn__sql_val v = wn__v_text(name);
    rc = wn__store_query(s, "SELECT max(id) FROM sweeps WHERE name = $1", &v,
                         1, wn__row_int, &id, NULL);
    if (rc != WN_OK)
        goto out;
    if (id == 0) {
        rc = wn__store_sweep_insert(s, name, spec_json, seed, jobs, n, &id);
        if (rc != WN_OK)
            goto out;
        *created = 1;
    }
    rc = wn__store_commit(s);
    if (rc != WN_OK)
        *created = 0;
    else if (sweep_id)
        *sweep_id = id;
out:
    if (s->in_tx)
        wn__store_rollback(s);
    return rc;
}
