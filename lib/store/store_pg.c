/*
 * store_pg.c - the PostgreSQL backend of the store (postgresql:// URLs),
 * for many machines sharing one queue.  Built only with libpq
 * (WN_HAVE_PQ); without it store.c answers WN_EUNSUPPORTED.
 *
 * Every parameter travels as text and PostgreSQL infers its type from the
 * statement; doubles are printed with 17 significant digits and read back
 * with strtod (PostgreSQL 12+ prints float8 exactly), so values round-trip.
 * Claims use UPDATE ... WHERE id = (SELECT ... FOR UPDATE SKIP LOCKED), so
 * concurrent workers never wait on each other's rows.  A connection is
 * used by one thread only.
 */
#ifdef WN_HAVE_PQ

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include <wattnet/redact.h>

#include "store/store_impl.h"

#define CONNECT_TIMEOUT_S "10"

static void quiet_notices(void *arg, const char *message)
{
    (void)arg;
    (void)message;   /* the library never prints */
}

/* The first line of a libpq message, without its trailing newline. */
static void one_line(char *dst, size_t cap, const char *msg)
{
    size_t n = 0;
    if (msg)
        while (msg[n] && msg[n] != '\n' && n + 1 < cap) {
            dst[n] = msg[n];
            n++;
        }
    dst[n] = '\0';
}

/* The URL without its credentials, for messages (wn_redact: the userinfo
 * password and ?password=... both). */
static void redact(char *dst, size_t cap, const char *url)
{
    wn_redact(url, dst, cap);
}

static int pg_open(const char *url, void **out)
{
    *out = NULL;
    const char *keys[] = { "dbname", "connect_timeout", NULL };
    const char *vals[] = { url, CONNECT_TIMEOUT_S, NULL };
    PGconn *c = PQconnectdbParams(keys, vals, 1);
    int rc = WN_OK;
    if (!c)
        return wn_seterr(WN_ENOMEM, "postgresql: out of memory");
    if (PQstatus(c) != CONNECTION_OK) {
        char raw[512], line[512], safe[256];
        /* libpq's message may echo the connection string (a malformed
         * URL): mask it too */
        one_line(raw, sizeof raw, PQerrorMessage(c));
        redact(line, sizeof line, raw);
        redact(safe, sizeof safe, url);
        rc = wn_seterr(WN_EDB, "postgresql: cannot connect to '%s': %s", safe,
                       line);
        PQfinish(c);
        return rc;
    }
    PQsetNoticeProcessor(c, quiet_notices, NULL);
    *out = c;
    return WN_OK;
}

static void pg_close(void *c)
{
    if (c)
        PQfinish(c);
}

static int result_err(PGconn *c, PGresult *r, const char *what)
{
    char line[512];
    const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
    one_line(line, sizeof line, r ? PQresultErrorMessage(r) : PQerrorMessage(c));
    if (!line[0])
        one_line(line, sizeof line, PQerrorMessage(c));
    int rc = WN_EDB;
    if (state && !strncmp(state, "53", 2))
        rc = WN_EIO;          /* insufficient resources: disk full, ... */
    else if (state && (!strcmp(state, "40001") || !strcmp(state, "40P01") ||
                       !strcmp(state, "55P03")))
        rc = WN_EBUSY;        /* serialization, deadlock, lock not available */
    else if (state && !strcmp(state, "42501"))
        rc = WN_EPERM;
    else if (PQstatus(c) != CONNECTION_OK)
        rc = WN_EDB;
    return wn_seterr(rc, "postgresql: %s: %s%s%s", what, line,
                     state ? " SQLSTATE " : "", state ? state : "");
}

static int pg_exec(void *vc, const char *sql)
{
    PGconn *c = vc;
    PGresult *r = PQexec(c, sql);
    int rc = WN_OK;
    ExecStatusType st = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
        rc = result_err(c, r, "exec");
    PQclear(r);
    return rc;
}

struct wn__sql_row {
    PGresult *res;
    int row;
};

static int pg_query(void *vc, const char *sql, const struct wn__sql_val *p,
                    size_t np, wn__row_fn fn, void *user, wn_store *s,
                    int64_t *changes)
{
    PGconn *c = vc;
    PGresult *r = NULL;
    int rc = WN_OK;
    const char **vals = NULL;
    char (*bufs)[32] = NULL;
    if (np) {
        vals = wn_calloc(np, sizeof *vals);
        bufs = wn_calloc(np, sizeof *bufs);
        if (!vals || !bufs) {
            rc = wn_seterr(WN_ENOMEM, "postgresql: out of memory");
            goto out;
        }
    }
    for (size_t i = 0; i < np; i++) {
        switch (p[i].type) {
        case WN__SQL_INT:
            snprintf(bufs[i], sizeof bufs[i], "%" PRId64, p[i].i);
            vals[i] = bufs[i];
            break;
        case WN__SQL_REAL:
            if (isnan(p[i].d))
                vals[i] = NULL;
            else if (isinf(p[i].d))
                vals[i] = p[i].d > 0 ? "Infinity" : "-Infinity";
            else {
                snprintf(bufs[i], sizeof bufs[i], "%.17g", p[i].d);
                vals[i] = bufs[i];
            }
            break;
        case WN__SQL_TEXT: vals[i] = p[i].s; break;
        default: vals[i] = NULL; break;
        }
    }
    r = PQexecParams(c, sql, (int)np, NULL, vals, NULL, NULL, 0);
    ExecStatusType st = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
        rc = result_err(c, r, "query");
        goto out;
    }
    if (fn) {
        int n = PQntuples(r);
        for (int i = 0; i < n; i++) {
            struct wn__sql_row row = { r, i };
            rc = fn(user, s, &row);
            if (rc != WN_OK)
                goto out;
        }
    }
    if (changes) {
        const char *t = PQcmdTuples(r);
        *changes = (t && *t) ? strtoll(t, NULL, 10) : 0;
    }
out:
    PQclear(r);
    wn_free(vals);
    wn_free(bufs);
    return rc;
}

static int pg_begin(void *c, int write)
{
    (void)write;
    return pg_exec(c, "BEGIN");
}

static int pg_commit(void *c)
{
    return pg_exec(c, "COMMIT");
}

static void pg_rollback(void *vc)
{
    PGconn *c = vc;
    if (PQtransactionStatus(c) != PQTRANS_IDLE) {
        PGresult *r = PQexec(c, "ROLLBACK");
        PQclear(r);
    }
}

static int pg_col_null(const struct wn__sql_row *r, int i)
{
    return PQgetisnull(r->res, r->row, i);
}

static int64_t pg_col_int(const struct wn__sql_row *r, int i)
{
    if (PQgetisnull(r->res, r->row, i))
        return 0;
    const char *t = PQgetvalue(r->res, r->row, i);
    if (!strcmp(t, "t"))
        return 1;
    if (!strcmp(t, "f"))
        return 0;
    return strtoll(t, NULL, 10);
}

static double pg_col_real(const struct wn__sql_row *r, int i)
{
    if (PQgetisnull(r->res, r->row, i))
        return 0.0;
    const char *t = PQgetvalue(r->res, r->row, i);
    if (!strcmp(t, "NaN"))
        return NAN;
    if (!strcmp(t, "Infinity"))
        return INFINITY;
    if (!strcmp(t, "-Infinity"))
        return -INFINITY;
    return strtod(t, NULL);
}

static const char *pg_col_text(const struct wn__sql_row *r, int i)
{
    if (PQgetisnull(r->res, r->row, i))
        return "";
    return PQgetvalue(r->res, r->row, i);
}

const struct wn__store_ops wn__store_pg_ops = {
    "postgresql", WN__DIALECT_PG, pg_open,     pg_close,
    pg_exec,      pg_query,       pg_begin,    pg_commit,
    pg_rollback,  pg_col_null,    pg_col_int,  pg_col_real,
    pg_col_text,
};

#else

/* Keep this translation unit non-empty without libpq (ISO C). */
typedef int wn__store_pg_unused;

#endif /* WN_HAVE_PQ */
