/*
 * store_profile.c - hardware profiles kept with a host: the measured one
 * that `wattnet probe --db` writes (issue 10), as the JSON of
 * wn_hw_profile_to_json.  The store keeps the text; parsing and choosing
 * are the model's and the glue's (lib/run/hw_for_runs.c).
 */
#include <stdio.h>
#include <string.h>

#include <wattnet/core.h>
#include <wattnet/store.h>

#include "store/store_impl.h"

int wn_store_put_profile(wn_store *s, const char *hostname, const char *kind,
                         const char *profile_json)
{
    if (!s || !hostname || !kind || !profile_json)
        return wn_seterr(WN_EINVAL, "store: put_profile: NULL argument");
    struct wn__sql_val v[] = { wn__v_text(hostname), wn__v_text(kind),
                               wn__v_text(profile_json) };
    int rc = wn__store_begin(s, 1);
    if (rc == WN_OK)
        rc = wn__store_query(s, "DELETE FROM host_profiles WHERE hostname = $1"
                                " AND kind = $2", v, 2, NULL, NULL, NULL);
    if (rc == WN_OK)
        rc = wn__store_query(s, "INSERT INTO host_profiles (hostname, kind,"
                                " profile, measured_at) VALUES ($1, $2, $3, {NOW})",
                             v, 3, NULL, NULL, NULL);
    if (rc == WN_OK)
        rc = wn__store_commit(s);
    if (s->in_tx)
        wn__store_rollback(s);
    return rc;
}

static int read_text(void *user, wn_store *s, const struct wn__sql_row *r)
{
    char **out = user;
    const char *t = wn__col_text(s, r, 0);
    wn_free(*out);
    *out = wn_strdup(t ? t : "");
    return *out ? WN_OK : wn_seterr(WN_ENOMEM, "store: out of memory");
}

int wn_store_get_profile(wn_store *s, const char *hostname, const char *kind,
                         char **profile_json)
{
    if (!s || !hostname || !kind || !profile_json)
        return wn_seterr(WN_EINVAL, "store: get_profile: NULL argument");
    *profile_json = NULL;
    struct wn__sql_val v[] = { wn__v_text(hostname), wn__v_text(kind) };
    int rc = wn__store_query(s, "SELECT profile FROM host_profiles WHERE"
                                " hostname = $1 AND kind = $2", v, 2,
                             read_text, profile_json, NULL);
    if (rc == WN_OK && *profile_json == NULL)
        rc = wn_seterr(WN_ENOENT, "store: no %s profile for host '%s'", kind,
                       hostname);
    if (rc != WN_OK) {
        wn_free(*profile_json);
        *profile_json = NULL;
    }
    return rc;
}
