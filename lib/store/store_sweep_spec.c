/*
 * store_sweep_spec.c - reading back the spec JSON a sweep was enqueued with
 * (store.h).  A sweep spec may carry settings meant for the whole sweep's
 * figures (a PUE, a grid carbon intensity: issue 12), which status, export
 * and the report read from here when the user does not give them.
 */
#include <string.h>

#include <wattnet/store.h>

#include "store_impl.h"

static int read_text(void *user, wn_store *s, const struct wn__sql_row *r)
{
    char **out = user;
    const char *t = wn__col_text(s, r, 0);
    wn_free(*out);
    *out = t ? wn_strdup(t) : NULL;
    if (t && !*out)
        return wn_seterr(WN_ENOMEM, "store: out of memory");
    return WN_OK;
}

int wn_store_sweep_latest_spec(wn_store *s, char **json)
{
    if (!s || !json)
        return wn_seterr(WN_EINVAL, "store: sweep_latest_spec: NULL argument");
    *json = NULL;
    int rc = wn__store_query(s, "SELECT spec_json FROM sweeps ORDER BY id DESC"
                             " LIMIT 1", NULL, 0, read_text, json, NULL);
    if (rc != WN_OK) {
        wn_free(*json);
        *json = NULL;
        return rc;
    }
    if (!*json)
        return wn_seterr(WN_ENOENT, "store: no sweep");
    return WN_OK;
}
