/*
 * idle_apply.c - idle baselines between the meter and the runs database:
 * keep a measured baseline in the database (wn_store_save_idle) and apply
 * a host's stored baselines to an open meter (wn_store_apply_idle).
 *
 * THE RULE between the two homes of an idle baseline, written here once
 * (docs/meters.md and docs/store.md point here):
 *   - the meter's state file (lib/meter/meter_idle_file.c, per user) gives
 *     each domain its idle power when the meter opens;
 *   - a baseline in the runs database, for this host and "source:domain",
 *     wins over the state file's for that domain: wn_store_apply_idle, the
 *     one function that reconciles them, overrides domain by domain;
 *   - a domain the database has none for keeps the state file's value.
 * `wattnet idle --db URL` writes both, so after a measurement they agree;
 * workers (which have a database) use the database, `wattnet train`
 * without --db the state file.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <wattnet/wattnet.h>

/* "source:domain", the database key of one baseline. */
static int idle_key(char *buf, size_t n, const char *source, const char *domain)
{
    int len = snprintf(buf, n, "%s:%s", source, domain);
    if (len < 0 || (size_t)len >= n)
        return wn_seterr(WN_EINVAL, "idle: domain name '%s:%s' too long",
                         source, domain);
    return WN_OK;
}

int wn_store_save_idle(wn_store *s, const wn_idle_baseline *b)
{
    char key[128];
    if (!s || !b)
        return wn_seterr(WN_EINVAL, "idle: save: NULL argument");
    for (size_t i = 0; i < b->n_domains; i++) {
        const wn_idle_domain *d = &b->domains[i];
        int rc = idle_key(key, sizeof key, d->source, d->name);
        if (rc == WN_OK)
            rc = wn_store_put_idle(s, b->host, key, d->power_w, b->seconds);
        if (rc != WN_OK)
            return rc;
    }
    return WN_OK;
}

/* The stored power for KEY among rows, or -1 when there is none. */
static double find_row(const wn_store_idle *rows, size_t n, const char *key)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(rows[i].domain, key) == 0)
            return rows[i].power_w;
    return -1.0;
}

/* Apply the rows to every domain of source i of m; *n counts. */
static int apply_source(wn_meter *m, size_t i, const wn_store_idle *rows,
                        size_t n_rows, size_t *n)
{
    wn_meter_info info;
    char key[128];
    int rc = wn_meter_info_at(m, i, &info);
    for (size_t j = 0; rc == WN_OK && j < info.n_domains; j++) {
        rc = idle_key(key, sizeof key, info.source, info.domains[j].name);
        if (rc != WN_OK)
            break;
        double w = find_row(rows, n_rows, key);
        if (w < 0)
            continue;   /* none stored: the state file's value stays */
        rc = wn_meter_set_idle(m, info.source, info.domains[j].name, w);
        if (rc == WN_OK)
            (*n)++;
    }
    return rc;
}

int wn_store_apply_idle(wn_store *s, wn_meter *m, size_t *applied)
{
    enum { CAP = 256 };       /* keys per host; more is an error */
    wn_store_idle rows[CAP];
    char host[128] = "";
    size_t n_rows = 0, n = 0;
    int rc;
    if (!s || !m)
        return wn_seterr(WN_EINVAL, "idle: apply: NULL argument");
    if (gethostname(host, sizeof host - 1) != 0)
        return wn_seterr(WN_EIO, "idle: cannot read this host's name");
    rc = wn_store_load_idle(s, host, rows, CAP, &n_rows);
    for (size_t i = 0; rc == WN_OK && i < wn_meter_count(m); i++)
        rc = apply_source(m, i, rows, n_rows, &n);
    if (rc != WN_OK)
        return rc;
    wn_clearerr();
    if (applied)
        *applied = n;
    return WN_OK;
}
