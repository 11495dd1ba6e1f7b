/*
 * store_impl.h - the store's backend interface (private): a small SQL layer
 * that SQLite (store_sqlite.c) and PostgreSQL (store_pg.c) implement, so
 * that the schema, the queue, the run records, hosts, idle baselines,
 * attributions and raw readings (store_*.c) are written once.
 *
 * SQL given to a backend uses $1, $2 ... for parameters (SQLite gets ?1,
 * ?2 ...) and these dialect tokens, expanded by wn__store_sql():
 *   {ID}    the primary-key column type   {REAL}   a double column type
 *   {NOW}   the database clock, unix seconds (a double)
 *   {SKIP_LOCKED}  " FOR UPDATE SKIP LOCKED" on PostgreSQL, "" on SQLite
 * Parameters are typed values; results are read through typed getters.
 */
#ifndef WN_STORE_IMPL_H
#define WN_STORE_IMPL_H

#include <stddef.h>
#include <stdint.h>

#include <wattnet/core.h>
#include <wattnet/store.h>

enum wn__sql_type { WN__SQL_NULL = 0, WN__SQL_INT, WN__SQL_REAL, WN__SQL_TEXT };

struct wn__sql_val {
    int type;
    int64_t i;
    double d;
    const char *s;
};

/* A result row, backend-specific; read it with the ops' col_* getters. */
struct wn__sql_row;
typedef int (*wn__row_fn)(void *user, wn_store *s, const struct wn__sql_row *row);

enum wn__dialect { WN__DIALECT_SQLITE = 0, WN__DIALECT_PG };

struct wn__store_ops {
    const char *name;
    int dialect;
    int (*open)(const char *url, void **db);
    void (*close)(void *db);
    /* One or more statements without parameters. */
    int (*exec)(void *db, const char *sql);
    /* One statement with parameters; fn (may be NULL) is called per row and
     * a non-zero return stops with that status.  *changes (may be NULL):
     * rows changed by an INSERT/UPDATE/DELETE. */
    int (*query)(void *db, const char *sql, const struct wn__sql_val *p,
                 size_t np, wn__row_fn fn, void *user, wn_store *s,
                 int64_t *changes);
    int (*begin)(void *db, int write);
    int (*commit)(void *db);
    void (*rollback)(void *db);
    int (*col_null)(const struct wn__sql_row *r, int i);
    int64_t (*col_int)(const struct wn__sql_row *r, int i);
    double (*col_real)(const struct wn__sql_row *r, int i);
    const char *(*col_text)(const struct wn__sql_row *r, int i); /* "" if NULL */
};

struct wn_store {
    const struct wn__store_ops *ops;
    void *db;
    int in_tx;
};

extern const struct wn__store_ops wn__store_sqlite_ops;
#ifdef WN_HAVE_PQ
extern const struct wn__store_ops wn__store_pg_ops;
#endif

/* ---- helpers shared by the store's files (store.c) ---------------------- */

/* Expand the dialect tokens; wn_free the result.  NULL on ENOMEM. */
char *wn__store_sql(const wn_store *s, const char *sql);
int wn__store_exec(wn_store *s, const char *sql);
int wn__store_query(wn_store *s, const char *sql, const struct wn__sql_val *p,
                    size_t np, wn__row_fn fn, void *user, int64_t *changes);
int wn__store_begin(wn_store *s, int write);
int wn__store_commit(wn_store *s);
void wn__store_rollback(wn_store *s);
/* Apply migrations up to TARGET (tests use it to build old schemas). */
int wn__store_migrate(wn_store *s, int target);
/* Insert sweep NAME and its jobs inside the caller's write transaction;
 * *sweep_id set (store_queue.c; wn_store_sweep_add and _add_once). */
int wn__store_sweep_insert(wn_store *s, const char *name, const char *spec_json,
                           uint64_t seed, const wn_job *jobs, size_t n,
                           int64_t *sweep_id);
/* Open without migrating (tests). */
int wn__store_open_raw(const char *url, wn_store **out);

/* Value constructors. */
static inline struct wn__sql_val wn__v_int(int64_t i)
{
    struct wn__sql_val v = { WN__SQL_INT, i, 0.0, NULL };
    return v;
}
static inline struct wn__sql_val wn__v_real(double d)
{
    struct wn__sql_val v = { WN__SQL_REAL, 0, d, NULL };
    return v;
}
static inline struct wn__sql_val wn__v_text(const char *s)
{
    struct wn__sql_val v = { s ? WN__SQL_TEXT : WN__SQL_NULL, 0, 0.0, s };
    return v;
}
static inline struct wn__sql_val wn__v_null(void)
{
    struct wn__sql_val v = { WN__SQL_NULL, 0, 0.0, NULL };
    return v;
}

/* Row getters through the store's ops. */
int64_t wn__col_int(wn_store *s, const struct wn__sql_row *r, int i);
double wn__col_real(wn_store *s, const struct wn__sql_row *r, int i); /* NaN if NULL */
const char *wn__col_text(wn_store *s, const struct wn__sql_row *r, int i);
int wn__col_null(wn_store *s, const struct wn__sql_row *r, int i);
/* Column I's text (NULL: "") into DST of CAP bytes, whole or not at all:
 * longer than CAP - 1 (a database written by another program or version)
 * sets *RC to WN_EFORMAT, naming WHAT, unless *RC already holds an error,
 * and leaves DST "".  A name is never cut to a different name. */
void wn__col_str(wn_store *s, const struct wn__sql_row *r, int i, char *dst,
                 size_t cap, const char *what, int *rc);
/* RC unchanged, with the error message prefixed by "TABLE row ID: " (a
 * row reader's last step; WN_OK passes through). */
int wn__col_row_error(int rc, const char *table, int64_t id);

/* Row callbacks reading column 0 into an int64_t / a double (*user). */
int wn__row_int(void *user, wn_store *s, const struct wn__sql_row *r);
int wn__row_real(void *user, wn_store *s, const struct wn__sql_row *r);

/* ---- the energy columns of runs and epochs (store_energy.c) -------------- */
#define WN__STORE_N_ENERGY_COLS 14
extern const char *const wn__store_energy_cols[WN__STORE_N_ENERGY_COLS];
/* Bind e to v[0..WN__STORE_N_ENERGY_COLS); *domains: wn_free it after. */
int wn__store_bind_energy(const wn_energy *e, struct wn__sql_val *v,
                          char **domains);
/* Read the energy columns from column c on; returns the next column.  A
 * text column too long to read whole sets *rc (wn__col_str). */
int wn__store_read_energy(wn_store *s, const struct wn__sql_row *r, int c,
                          wn_energy *e, int *rc);

/* wn__copy_str and the file helpers. */
#include "core/util.h"

#endif /* WN_STORE_IMPL_H */
