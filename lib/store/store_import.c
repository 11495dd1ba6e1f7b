/*
 * store_import.c - runs that came from another data set (BUTTER-E's public
 * files): the run itself goes through wn_store_put_run, and the table
 * imported_runs keeps, in the same transaction, where it came from (source
 * and the source's own run id, which makes an import idempotent), its device
 * and every metadata field as JSON.
 *
 * The table is created on first use (CREATE TABLE IF NOT EXISTS) rather than
 * by a schema migration: databases that never import anything stay as they
 * are, and the schema version does not move.
 */
#include <string.h>

#include <wattnet/core.h>
#include <wattnet/store.h>

#include "store/store_impl.h"

static const char create_sql[] =
    "CREATE TABLE IF NOT EXISTS imported_runs ("
    " run_id BIGINT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,"
    " source TEXT NOT NULL, external_id TEXT NOT NULL,"
    " is_gpu INTEGER, meta TEXT,"
    " UNIQUE (source, external_id))";

static int read_int(void *user, wn_store *s, const struct wn__sql_row *r)
{
    *(int64_t *)user = wn__col_int(s, r, 0);
    return WN_OK;
}

/* Inside the caller's write transaction: store RUN unless SOURCE/ID is
 * there already. */
static int put_one(wn_store *s, wn_run_record *run, const char *source,
                   const char *external_id, int is_gpu, const char *meta_json,
                   int *stored)
{
    int64_t found = 0;
    int rc = WN_OK;
    *stored = 0;
    if (!run || !external_id)
        return wn_seterr(WN_EINVAL, "store: put_imported_run: NULL argument");
    struct wn__sql_val key[2] = { wn__v_text(source), wn__v_text(external_id) };
    rc = wn__store_query(s, "SELECT count(*) FROM imported_runs WHERE source = $1"
                            " AND external_id = $2", key, 2, read_int, &found,
                         NULL);
    if (rc != WN_OK || found)
        return rc;
    rc = wn_store_put_run(s, run);
    if (rc != WN_OK)
        return rc;
    struct wn__sql_val v[5] = { wn__v_int(run->run_id), wn__v_text(source),
                                wn__v_text(external_id), wn__v_int(is_gpu),
                                meta_json ? wn__v_text(meta_json) : wn__v_null() };
    rc = wn__store_query(s, "INSERT INTO imported_runs (run_id, source,"
                            " external_id, is_gpu, meta) VALUES ($1, $2, $3, $4, $5)",
                         v, 5, NULL, NULL, NULL);
    if (rc == WN_OK)
        *stored = 1;
    return rc;
}

int wn_store_put_imported_runs(wn_store *s, wn_run_record *runs, size_t n,
                               const char *source, const char *const *external_ids,
                               const int *is_gpu, const char *const *meta_json,
                               int *stored)
{
    int rc = WN_OK;
    if (!s || (n && (!runs || !external_ids || !is_gpu || !stored)) || !source)
        return wn_seterr(WN_EINVAL, "store: put_imported_runs: NULL argument");
    for (size_t i = 0; i < n; i++)
        stored[i] = 0;
    rc = wn__store_begin(s, 1);
    if (rc != WN_OK)
        goto out;
    rc = wn__store_exec(s, create_sql);
    for (size_t i = 0; i < n && rc == WN_OK; i++)
        rc = put_one(s, &runs[i], source, external_ids[i], is_gpu[i],
                     meta_json ? meta_json[i] : NULL, &stored[i]);
    if (rc == WN_OK)
        rc = wn__store_commit(s);
out:
    if (s->in_tx)
        wn__store_rollback(s);
    if (rc != WN_OK)
        for (size_t i = 0; i < n; i++) {
            stored[i] = 0;
            runs[i].run_id = 0;
        }
    return rc;
}

int wn_store_put_imported_run(wn_store *s, wn_run_record *run,
                              const char *source, const char *external_id,
                              int is_gpu, const char *meta_json, int *stored)
{
    int ok = 0;
    int rc = wn_store_put_imported_runs(s, run, run ? 1 : 0, source, &external_id,
                                        &is_gpu, &meta_json, &ok);
    if (!run && rc == WN_OK)
        rc = wn_seterr(WN_EINVAL, "store: put_imported_run: NULL argument");
    if (stored)
        *stored = ok;
    return rc;
}

int wn_store_imported_count(wn_store *s, const char *source, size_t *n)
{
    int64_t count = 0;
    int rc = WN_OK;
    if (!s || !source || !n)
        return wn_seterr(WN_EINVAL, "store: imported_count: NULL argument");
    *n = 0;
    rc = wn__store_exec(s, create_sql);
    if (rc != WN_OK)
        return rc;
    struct wn__sql_val v = wn__v_text(source);
    rc = wn__store_query(s, "SELECT count(*) FROM imported_runs WHERE source = $1",
                         &v, 1, read_int, &count, NULL);
    if (rc == WN_OK)
        *n = (size_t)count;
    return rc;
}

struct meta_out {
    int found;
    int64_t run_id;
    char *meta;
};

static int read_meta(void *user, wn_store *s, const struct wn__sql_row *r)
{
    struct meta_out *m = user;
    m->found = 1;
    m->run_id = wn__col_int(s, r, 0);
    m->meta = wn_strdup(wn__col_text(s, r, 1));
    return m->meta ? WN_OK : wn_seterr(WN_ENOMEM, "store: out of memory");
}

int wn_store_imported_meta(wn_store *s, const char *source,
                           const char *external_id, int64_t *run_id,
                           char **meta_json)
{
    struct meta_out m = { 0, 0, NULL };
    int rc = WN_OK;
    if (!s || !source || !external_id || !meta_json)
        return wn_seterr(WN_EINVAL, "store: imported_meta: NULL argument");
    *meta_json = NULL;
    rc = wn__store_exec(s, create_sql);
    if (rc != WN_OK)
        return rc;
    struct wn__sql_val v[2] = { wn__v_text(source), wn__v_text(external_id) };
    rc = wn__store_query(s, "SELECT run_id, meta FROM imported_runs WHERE"
                            " source = $1 AND external_id = $2", v, 2, read_meta,
                         &m, NULL);
    if (rc == WN_OK && !m.found)
        rc = wn_seterr(WN_ENOENT, "store: no run %s imported from %s",
                       external_id, source);
    if (rc != WN_OK) {
        wn_free(m.meta);
        return rc;
    }
    if (run_id)
        *run_id = m.run_id;
    *meta_json = m.meta;
    return WN_OK;
}
