/*
 * store_slurm.c - the run_slurm table: the Slurm job and step each stored
 * run ran in (store.h).  The table is created on first use
 * under a PostgreSQL advisory lock, so concurrent workers on many nodes
 * never race to create it; it stays outside the numbered migrations until
 * the store's owner folds it into one.
 */
#include <string.h>

#include <wattnet/store.h>

#include "store_impl.h"

static const char create_sql[] =
    "CREATE TABLE IF NOT EXISTS run_slurm ("
    " run_id BIGINT PRIMARY KEY REFERENCES runs(id),"
    " slurm_job_id TEXT NOT NULL, slurm_step_id TEXT, node TEXT,"
    " array_job_id TEXT, array_task_id TEXT, created {REAL})";

static int ensure_table(wn_store *s)
{
    int rc = WN_OK;
    char *sql = wn__store_sql(s, create_sql);
    if (!sql)
        return wn_seterr(WN_ENOMEM, "store_slurm.c: out of memory");
    if (s->ops->dialect == WN__DIALECT_PG)
        rc = wn__store_exec(s, "SELECT pg_advisory_xact_lock(727002)");
    if (rc == WN_OK)
        rc = wn__store_exec(s, sql);
    wn_free(sql);
    return rc;
}

static const char *or_null(const char *v)
{
    return v && v[0] ? v : NULL;
}

int wn_store_put_slurm(wn_store *s, int64_t run_id, const wn_slurm_ids *ids)
{
    if (!s || !ids || !ids->job_id[0] || run_id <= 0)
        return wn_seterr(WN_EINVAL, "store_slurm.c: no store, run or job id");
    int rc = wn__store_begin(s, 1);
    if (rc != WN_OK)
        goto out;
    rc = ensure_table(s);
    if (rc != WN_OK)
        goto out;
    struct wn__sql_val del = wn__v_int(run_id);
    rc = wn__store_query(s, "DELETE FROM run_slurm WHERE run_id = $1", &del, 1,
                         NULL, NULL, NULL);
    if (rc != WN_OK)
        goto out;
    struct wn__sql_val v[6] = {
        wn__v_int(run_id), wn__v_text(ids->job_id),
        wn__v_text(or_null(ids->step_id)), wn__v_text(or_null(ids->node)),
        wn__v_text(or_null(ids->array_job_id)),
        wn__v_text(or_null(ids->array_task_id)),
    };
    char *sql = wn__store_sql(s, "INSERT INTO run_slurm (run_id, slurm_job_id,"
                              " slurm_step_id, node, array_job_id,"
                              " array_task_id, created)"
                              " VALUES ($1, $2, $3, $4, $5, $6, {NOW})");
    if (!sql) {
        rc = wn_seterr(WN_ENOMEM, "store_slurm.c: out of memory");
        goto out;
    }
    rc = wn__store_query(s, sql, v, 6, NULL, NULL, NULL);
    wn_free(sql);
    if (rc != WN_OK)
        goto out;
    rc = wn__store_commit(s);
out:
    if (s->in_tx)
        wn__store_rollback(s);
    return rc;
}

static int read_row(void *user, wn_store *s, const struct wn__sql_row *row)
{
    wn_slurm_ids *out = user;
    int rc = WN_OK;
    wn__col_str(s, row, 0, out->job_id, sizeof out->job_id, "slurm job_id", &rc);
    wn__col_str(s, row, 1, out->step_id, sizeof out->step_id, "slurm step_id", &rc);
    wn__col_str(s, row, 2, out->node, sizeof out->node, "slurm node", &rc);
    wn__col_str(s, row, 3, out->array_job_id, sizeof out->array_job_id,
                "slurm array_job_id", &rc);
    wn__col_str(s, row, 4, out->array_task_id, sizeof out->array_task_id,
                "slurm array_task_id", &rc);
    return rc;
}

int wn_store_get_slurm(wn_store *s, int64_t run_id, wn_slurm_ids *out)
{
    if (!s || !out)
        return wn_seterr(WN_EINVAL, "store_slurm.c: no store or output");
    memset(out, 0, sizeof *out);
    int rc = wn__store_begin(s, 1);
    if (rc == WN_OK)
        rc = ensure_table(s);
    if (rc == WN_OK)
        rc = wn__store_commit(s);
    if (s->in_tx)
        wn__store_rollback(s);
    if (rc != WN_OK)
        return rc;
    struct wn__sql_val v = wn__v_int(run_id);
    rc = wn__store_query(s, "SELECT slurm_job_id, slurm_step_id, node,"
                         " array_job_id, array_task_id FROM run_slurm"
                         " WHERE run_id = $1", &v, 1, read_row, out, NULL);
    if (rc == WN_OK && !out->job_id[0])
        rc = wn_seterr(WN_ENOENT, "run %lld has no Slurm ids",
                       (long long)run_id);
    return rc;
}
