/*
 * meter_idle_check.c - the idle-baseline state file checked before any
 * measuring (issue 9, item 13): `idle` would otherwise measure for
 * minutes and then fail on the file, and `measure` would ignore a broken
 * file without a word.  The file's layout is meter_idle_file.c's:
 *     {"version":1,"hosts":{"HOST":{"SOURCE":{"measured_at":T,
 *       "seconds":S,"domains":{"DOMAIN":WATTS,...}}}}}
 */
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include <wattnet/core.h>
#include <wattnet/meter.h>

#include "core/util.h"

/* One SOURCE entry of HOST: an object with a "domains" object of watts. */
static int check_source(const char *path, const cJSON *h, const cJSON *s)
{
    const cJSON *doms = cJSON_GetObjectItemCaseSensitive(s, "domains");
    if (!cJSON_IsObject(s) || !cJSON_IsObject(doms))
        return wn_seterr(WN_EFORMAT, "%s: hosts.\"%s\".\"%s\": want an "
                         "object with \"domains\"", path, h->string,
                         s->string);
    const cJSON *w;
    cJSON_ArrayForEach(w, doms)
        if (!cJSON_IsNumber(w) || !(w->valuedouble >= 0))
            return wn_seterr(WN_EFORMAT, "%s: hosts.\"%s\".\"%s\".domains."
                             "\"%s\": want watts >= 0", path, h->string,
                             s->string, w->string);
    return WN_OK;
}

static int check_tree(const char *path, const cJSON *root)
{
    if (!cJSON_IsObject(root))
        return wn_seterr(WN_EFORMAT, "%s: not a wattnet idle state file "
                         "(bad JSON); fix or delete it, then run "
                         "'wattnet idle' again", path);
    const cJSON *hosts = cJSON_GetObjectItemCaseSensitive(root, "hosts");
    if (hosts == NULL)
        return WN_OK;
    if (!cJSON_IsObject(hosts))
        return wn_seterr(WN_EFORMAT, "%s: \"hosts\": want an object", path);
    const cJSON *h, *s;
    cJSON_ArrayForEach(h, hosts) {
        if (!cJSON_IsObject(h))
            return wn_seterr(WN_EFORMAT, "%s: hosts.\"%s\": want an object",
                             path, h->string);
        cJSON_ArrayForEach(s, h) {
            int rc = check_source(path, h, s);
            if (rc != WN_OK)
                return rc;
        }
    }
    return WN_OK;
}

int wn_meter_idle_check(const char *override)
{
    char path[1024];
    char *text = NULL;
    int rc = wn_meter_idle_path(override, path, sizeof path);
    if (rc == WN_ENOENT && !(override && *override)) {
        wn_clearerr();
        return WN_OK;   /* no default location at all: nothing to check */
    }
    if (rc != WN_OK)
        return rc;
    rc = wn__read_file(path, &text);
    if (rc == WN_ENOENT) {
        wn_clearerr();
        return WN_OK;   /* none yet: `idle` creates it */
    }
    if (rc != WN_OK)
        return rc;
    cJSON *root = cJSON_Parse(text);
    wn_free(text);
    rc = check_tree(path, root);
    cJSON_Delete(root);
    return rc;
}
