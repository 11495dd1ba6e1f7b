/*
 * store_idle.c - idle baselines kept in the runs database, per host and
 * "source:domain" (e.g. "rapl:package-0"): saved by `wattnet idle --db`,
 * and applied to a worker's meter so that its runs report dynamic energy
 * (total - idle W x seconds).  The database takes over from the meter's
 * per-user state file, which stays the fallback for `wattnet train`.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <wattnet/wattnet.h>

/* "source:domain", the key of one baseline. */
static int idle_key(char *buf, size_t n, const char *source, const char *domain)
{
    int len = snprintf(buf, n, "%s:%s", source, domain);
    if (len < 0 || (size_t)len >= n)
        return wn_seterr(WN_EINVAL, "idle: domain name '%s:%s' too long", source,
                         domain);
    return WN_OK;
}

int wn_store_save_idle(wn_store *s, const wn_idle_baseline *b)
{
    char key[128];
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

int wn_store_apply_idle(wn_store *s, wn_meter *m, size_t *applied)
{
    char host[128] = "", key[128];
    size_t n = 0;
    if (gethostname(host, sizeof host - 1) != 0)
        return wn_seterr(WN_EIO, "idle: cannot read this host's name");
    for (size_t i = 0; i < wn_meter_count(m); i++) {
        wn_meter_info info;
        int rc = wn_meter_info_at(m, i, &info);
        if (rc != WN_OK)
            return rc;
        for (size_t j = 0; j < info.n_domains; j++) {
            double w;
            rc = idle_key(key, sizeof key, info.source, info.domains[j].name);
            if (rc == WN_OK)
                rc = wn_store_get_idle(s, host, key, &w);
            if (rc == WN_ENOENT)
                continue;
            if (rc == WN_OK)
                rc = wn_meter_set_idle(m, info.source, info.domains[j].name, w);
            if (rc != WN_OK)
                return rc;
            n++;
        }
    }
    wn_clearerr();
    if (applied)
        *applied = n;
    return WN_OK;
}
