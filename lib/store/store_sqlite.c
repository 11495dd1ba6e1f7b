/*
 * store_sqlite.c - the SQLite backend of the store (a file path).
 *
 * One connection per process (and one more for a worker's heartbeat
 * thread).  The file is opened in WAL mode with a 30 s busy timeout, so
 * readers never block writers and several worker processes can share it;
 * every write transaction starts with BEGIN IMMEDIATE, which takes the
 * write lock up front (a deferred transaction that upgrades later could
 * fail with SQLITE_BUSY without waiting).  WAL plus transactions means a
 * process killed at any moment leaves a database the next one can open.
 *
 * Parameters arrive as $N and are rewritten to ?N.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <sqlite3.h>

#include "store/store_impl.h"

#define BUSY_TIMEOUT_MS 30000

/* ---- errors ---------------------------------------------------------------- */

static int map_err(sqlite3 *db, int src, const char *what)
{
    int code = src & 0xff;
    const char *msg = db ? sqlite3_errmsg(db) : sqlite3_errstr(src);
    int rc = WN_EDB;
    switch (code) {
    case SQLITE_FULL: rc = WN_EIO; break;
    case SQLITE_IOERR: rc = WN_EIO; break;
    case SQLITE_BUSY:
    case SQLITE_LOCKED: rc = WN_EBUSY; break;
    case SQLITE_READONLY:
    case SQLITE_PERM:
    case SQLITE_AUTH: rc = WN_EPERM; break;
    case SQLITE_NOMEM: rc = WN_ENOMEM; break;
    default: break;
    }
    return wn_seterr(rc, "sqlite: %s: %s", what, msg);
}

/* ---- open / close ------------------------------------------------------- */

static int sq_open(const char *path, void **out)
{
    sqlite3 *db = NULL;
    int rc = WN_OK;
    *out = NULL;
    int src = sqlite3_open_v2(path, &db,
                              SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
                                  SQLITE_OPEN_NOMUTEX,
                              NULL);
    if (src != SQLITE_OK) {
        rc = wn_seterr(src == SQLITE_NOMEM ? WN_ENOMEM : WN_EDB,
                       "sqlite: cannot open database '%s': %s", path,
                       db ? sqlite3_errmsg(db) : sqlite3_errstr(src));
        goto out;
    }
    sqlite3_busy_timeout(db, BUSY_TIMEOUT_MS);
    sqlite3_extended_result_codes(db, 0);
    /* Reading the journal mode also proves the file is a database. */
    char *err = NULL;
    src = sqlite3_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
                           " PRAGMA foreign_keys=ON;",
                       NULL, NULL, &err);
    if (src != SQLITE_OK) {
        rc = wn_seterr(src == SQLITE_FULL ? WN_EIO : WN_EDB,
                       "sqlite: cannot use database '%s': %s", path,
                       err ? err : sqlite3_errstr(src));
        sqlite3_free(err);
        goto out;
    }
    *out = db;
    db = NULL;
out:
    if (db)
        sqlite3_close(db);
    return rc;
}

static void sq_close(void *db)
{
    if (db)
        sqlite3_close_v2(db);
}

/* ---- statements ---------------------------------------------------------- */

static int sq_exec(void *vdb, const char *sql)
{
    sqlite3 *db = vdb;
    char *err = NULL;
    int src = sqlite3_exec(db, sql, NULL, NULL, &err);
    if (src != SQLITE_OK) {
        int rc = map_err(db, src, err ? err : "exec");
        sqlite3_free(err);
        return rc;
    }
    return WN_OK;
}

/* $N -> ?N (no '$' appears in our SQL otherwise). */
static char *rewrite_params(const char *sql)
{
    char *out = wn_strdup(sql);
    if (!out)
        return NULL;
    for (char *p = out; *p; p++)
        if (p[0] == '$' && p[1] >= '0' && p[1] <= '9')
            *p = '?';
    return out;
}

struct wn__sql_row {
    sqlite3_stmt *st;
};

static int sq_query(void *vdb, const char *sql, const struct wn__sql_val *p,
                    size_t np, wn__row_fn fn, void *user, wn_store *s,
                    int64_t *changes)
{
    sqlite3 *db = vdb;
    sqlite3_stmt *st = NULL;
    int rc = WN_OK;
    char *q = rewrite_params(sql);
    if (!q) {
        rc = wn_seterr(WN_ENOMEM, "sqlite: out of memory");
        goto out;
    }
    int src = sqlite3_prepare_v2(db, q, -1, &st, NULL);
    if (src != SQLITE_OK) {
        rc = map_err(db, src, "prepare");
        goto out;
    }
    for (size_t i = 0; i < np; i++) {
        int col = (int)i + 1;
        switch (p[i].type) {
        case WN__SQL_INT: src = sqlite3_bind_int64(st, col, p[i].i); break;
        case WN__SQL_REAL:
            src = isnan(p[i].d) ? sqlite3_bind_null(st, col)
                                : sqlite3_bind_double(st, col, p[i].d);
            break;
        case WN__SQL_TEXT:
            src = sqlite3_bind_text(st, col, p[i].s, -1, SQLITE_TRANSIENT);
            break;
        default: src = sqlite3_bind_null(st, col); break;
        }
        if (src != SQLITE_OK) {
            rc = map_err(db, src, "bind");
            goto out;
        }
    }
    struct wn__sql_row row = { st };
    for (;;) {
        src = sqlite3_step(st);
        if (src == SQLITE_DONE)
            break;
        if (src != SQLITE_ROW) {
            rc = map_err(db, src, "step");
            goto out;
        }
        if (fn) {
            rc = fn(user, s, &row);
            if (rc != WN_OK)
                goto out;
        }
    }
    if (changes)
        *changes = sqlite3_stmt_readonly(st) ? 0 : sqlite3_changes64(db);
out:
    sqlite3_finalize(st);
    wn_free(q);
    return rc;
}

static int sq_begin(void *db, int write)
{
    return sq_exec(db, write ? "BEGIN IMMEDIATE" : "BEGIN");
}

static int sq_commit(void *db)
{
    return sq_exec(db, "COMMIT");
}

static void sq_rollback(void *db)
{
    if (!sqlite3_get_autocommit(db))
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
}

/* ---- row getters ---------------------------------------------------------- */

static int sq_col_null(const struct wn__sql_row *r, int i)
{
    return sqlite3_column_type(r->st, i) == SQLITE_NULL;
}

static int64_t sq_col_int(const struct wn__sql_row *r, int i)
{
    return sqlite3_column_int64(r->st, i);
}

static double sq_col_real(const struct wn__sql_row *r, int i)
{
    return sqlite3_column_double(r->st, i);
}

static const char *sq_col_text(const struct wn__sql_row *r, int i)
{
    const unsigned char *t = sqlite3_column_text(r->st, i);
    return t ? (const char *)t : "";
}

const struct wn__store_ops wn__store_sqlite_ops = {
    "sqlite",    WN__DIALECT_SQLITE, sq_open,     sq_close,
    sq_exec,     sq_query,           sq_begin,    sq_commit,
    sq_rollback, sq_col_null,        sq_col_int,  sq_col_real,
    sq_col_text,
};
