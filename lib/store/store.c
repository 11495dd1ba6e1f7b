/*
 * store.c - opening the runs database and the SQL helpers every store file
 * shares.  wn_store_open picks the backend once from the URL (STYLE §f):
 * postgresql:// or postgres:// -> store_pg.c (WN_EUNSUPPORTED without
 * libpq), anything else -> a SQLite file path (store_sqlite.c); then it
 * brings the schema up to date (store_schema.c).
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <wattnet/redact.h>

#include "store/store_impl.h"

/* ---- small helpers ------------------------------------------------------- */

static int is_pg_url(const char *url)
{
    return !strncmp(url, "postgresql://", 13) || !strncmp(url, "postgres://", 11);
}

/* ---- open / close ------------------------------------------------------------ */

int wn__store_open_raw(const char *url, wn_store **out)
{
    wn_store *s = NULL;
    int rc = WN_OK;
    if (!out)
        return wn_seterr(WN_EINVAL, "store: NULL output");
    *out = NULL;
    if (!url || !*url)
        return wn_seterr(WN_EINVAL, "store: empty database URL");
    const struct wn__store_ops *ops = &wn__store_sqlite_ops;
    if (is_pg_url(url)) {
#ifdef WN_HAVE_PQ
        ops = &wn__store_pg_ops;
#else
        char safe[256];
        wn_redact(url, safe, sizeof safe);
        return wn_seterr(WN_EUNSUPPORTED,
                         "store: '%s': this wattnet was built without "
                         "libpq, so PostgreSQL databases are not supported",
                         safe);
#endif
    } else if (strstr(url, "://")) {
        char safe[256];
        wn_redact(url, safe, sizeof safe);
        return wn_seterr(WN_EINVAL,
                         "store: '%s': unknown database URL scheme (use a file "
                         "path or postgresql://)",
                         safe);
    }
    s = wn_calloc(1, sizeof *s);
    if (!s) {
        rc = wn_seterr(WN_ENOMEM, "store: out of memory");
        goto out;
    }
    s->ops = ops;
    rc = ops->open(url, &s->db);
    if (rc != WN_OK)
        goto out;
    *out = s;
    s = NULL;
out:
    wn_free(s);
    return rc;
}

int wn_store_open(const char *url, wn_store **out)
{
    wn_store *s = NULL;
    int rc = wn__store_open_raw(url, &s);
    if (rc != WN_OK)
        return rc;
    rc = wn__store_migrate(s, WN_STORE_SCHEMA_VERSION);
    if (rc != WN_OK) {
        wn_store_close(&s);
        return rc;
    }
    *out = s;
    return WN_OK;
}

void wn_store_close(wn_store **s)
{
    if (!s || !*s)
        return;
    if ((*s)->in_tx)
        (*s)->ops->rollback((*s)->db);
    (*s)->ops->close((*s)->db);
    wn_free(*s);
    *s = NULL;
}

const char *wn_store_backend(const wn_store *s)
{
    return s ? s->ops->name : "";
}

/* ---- SQL helpers ----------------------------------------------------------------- */

struct token {
    const char *name;
    const char *sqlite;
    const char *pg;
};

static const struct token tokens[] = {
    { "{ID}", "INTEGER PRIMARY KEY", "BIGSERIAL PRIMARY KEY" },
    { "{REAL}", "REAL", "DOUBLE PRECISION" },
    { "{NOW}", "((julianday('now') - 2440587.5) * 86400.0)",
      "(extract(epoch from clock_timestamp())::double precision)" },
    { "{SKIP_LOCKED}", "", " FOR UPDATE SKIP LOCKED" },
};

char *wn__store_sql(const wn_store *s, const char *sql)
{
    int pg = s->ops->dialect == WN__DIALECT_PG;
    size_t cap = 1, len = strlen(sql);
    /* Upper bound: every token replaced by its longest expansion. */
    for (const char *p = sql; *p; p++)
        cap += (*p == '{') ? 64 : 1;
    (void)len;
    char *out = wn_malloc(cap);
    if (!out)
        return NULL;
    size_t o = 0;
    for (const char *p = sql; *p;) {
        const struct token *hit = NULL;
        if (*p == '{')
            for (size_t t = 0; t < sizeof tokens / sizeof tokens[0]; t++)
                if (!strncmp(p, tokens[t].name, strlen(tokens[t].name)))
                    hit = &tokens[t];
        if (hit) {
            const char *rep = pg ? hit->pg : hit->sqlite;
            size_t n = strlen(rep);
            memcpy(out + o, rep, n);
            o += n;
            p += strlen(hit->name);
        } else {
            out[o++] = *p++;
        }
    }
    out[o] = '\0';
    return out;
}

int wn__store_exec(wn_store *s, const char *sql)
{
    char *q = wn__store_sql(s, sql);
    if (!q)
        return wn_seterr(WN_ENOMEM, "store: out of memory");
    int rc = s->ops->exec(s->db, q);
    wn_free(q);
    return rc;
}

int wn__store_query(wn_store *s, const char *sql, const struct wn__sql_val *p,
                    size_t np, wn__row_fn fn, void *user, int64_t *changes)
{
    char *q = wn__store_sql(s, sql);
    if (!q)
        return wn_seterr(WN_ENOMEM, "store: out of memory");
    int rc = s->ops->query(s->db, q, p, np, fn, user, s, changes);
    wn_free(q);
    return rc;
}

int wn__store_begin(wn_store *s, int write)
{
    int rc = s->ops->begin(s->db, write);
    if (rc == WN_OK)
        s->in_tx = 1;
    return rc;
}

int wn__store_commit(wn_store *s)
{
    int rc = s->ops->commit(s->db);
    if (rc != WN_OK)
        s->ops->rollback(s->db);
    s->in_tx = 0;
    return rc;
}

void wn__store_rollback(wn_store *s)
{
    s->ops->rollback(s->db);
    s->in_tx = 0;
}

int64_t wn__col_int(wn_store *s, const struct wn__sql_row *r, int i)
{
    return s->ops->col_int(r, i);
}

double wn__col_real(wn_store *s, const struct wn__sql_row *r, int i)
{
    return s->ops->col_null(r, i) ? NAN : s->ops->col_real(r, i);
}

const char *wn__col_text(wn_store *s, const struct wn__sql_row *r, int i)
{
    return s->ops->col_text(r, i);
}

int wn__col_null(wn_store *s, const struct wn__sql_row *r, int i)
{
    return s->ops->col_null(r, i);
}

void wn__col_str(wn_store *s, const struct wn__sql_row *r, int i, char *dst,
                 size_t cap, const char *what, int *rc)
{
    const char *t = s->ops->col_text(r, i);
    size_t n = t ? strlen(t) : 0;
    if (cap == 0)
        return;
    dst[0] = '\0';
    if (n < cap) {
        if (n > 0)
            memcpy(dst, t, n + 1);
        return;
    }
    if (*rc == WN_OK)
        *rc = wn_seterr(WN_EFORMAT, "%s is %zu characters, more than the %zu "
                        "wattnet reads (written by another program or "
                        "version?); nothing was cut or changed",
                        what, n, cap - 1);
}

int wn__col_row_error(int rc, const char *table, int64_t id)
{
    if (rc == WN_OK)
        return WN_OK;
    char msg[512];
    snprintf(msg, sizeof msg, "%s", wn_errmsg());
    return wn_seterr(rc, "store: %s row %lld: %s", table, (long long)id, msg);
}

int wn__row_int(void *user, wn_store *s, const struct wn__sql_row *r)
{
    *(int64_t *)user = wn__col_int(s, r, 0);
    return WN_OK;
}

int wn__row_real(void *user, wn_store *s, const struct wn__sql_row *r)
{
    *(double *)user = wn__col_real(s, r, 0);
    return WN_OK;
}
