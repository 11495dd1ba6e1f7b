/*
 * meter_idle_file.c - the idle-baseline state file: idle watts per host, source
 * and domain, which windows subtract to report dynamic energy.
 *
 * The file is small JSON, rewritten whole (temp file, then rename) when
 * `wattnet idle` saves a baseline:
 *     {"version":1,"hosts":{"HOST":{"rapl":{"measured_at":1.7e9,
 *       "seconds":30,"domains":{"package-0":12.5,"dram-0":2.1}}}}}
 * Other hosts and sources are kept.  Path: the override, else
 * $WATTNET_IDLE_FILE, else $XDG_STATE_HOME/wattnet/idle.json, else
 * $HOME/.local/state/wattnet/idle.json.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include <wattnet/core.h>
#include <wattnet/meter.h>

#include "core/util.h"
#include "meter/meter_internal.h"

int wn_meter_idle_path(const char *override, char *buf, size_t n)
{
    const char *env = getenv("WATTNET_IDLE_FILE");
    const char *xdg = getenv("XDG_STATE_HOME");
    const char *home = getenv("HOME");
    int len;
    if (override && override[0])
        len = snprintf(buf, n, "%s", override);
    else if (env && env[0])
        len = snprintf(buf, n, "%s", env);
    else if (xdg && xdg[0])
        len = snprintf(buf, n, "%s/wattnet/idle.json", xdg);
    else if (home && home[0])
        len = snprintf(buf, n, "%s/.local/state/wattnet/idle.json", home);
    else
        return wn_seterr(WN_ENOENT, "idle: no state file: set "
                         "WATTNET_IDLE_FILE, XDG_STATE_HOME or HOME");
    if (len < 0 || (size_t)len >= n)
        return wn_seterr(WN_EINVAL, "idle: state file path too long");
    return WN_OK;
}

static int parse(const char *path, cJSON **out)
{
    char *text = NULL;
    *out = NULL;
    int rc = wn__read_file(path, &text);
    if (rc)
        return rc;
    cJSON *root = cJSON_Parse(text);
    wn_free(text);
    if (!root || !cJSON_IsObject(root)) {
        cJSON_Delete(root);
        return wn_seterr(WN_EFORMAT, "%s:1:1: not a wattnet idle state file "
                         "(bad JSON)", path);
    }
    *out = root;
    return WN_OK;
}

int wn__idle_lookup(const char *path, const char *host, const char *source,
                    const char *domain, double *watts)
{
    cJSON *root = NULL;
    int rc = parse(path, &root);
    if (rc)
        return rc;
    cJSON *hosts = cJSON_GetObjectItemCaseSensitive(root, "hosts");
    cJSON *h = cJSON_GetObjectItemCaseSensitive(hosts, host);
    cJSON *s = cJSON_GetObjectItemCaseSensitive(h, source);
    cJSON *doms = cJSON_GetObjectItemCaseSensitive(s, "domains");
    cJSON *w = cJSON_GetObjectItemCaseSensitive(doms, domain);
    if (cJSON_IsNumber(w) && w->valuedouble >= 0) {
        *watts = w->valuedouble;
        rc = WN_OK;
    } else {
        rc = wn_seterr(WN_ENOENT, "%s: no idle baseline for %s/%s/%s", path,
                       host, source, domain);
    }
    cJSON_Delete(root);
    return rc;
}

/* mkdir -p for the directory part of path. */
static int make_parent(const char *path)
{
    char dir[1024];
    if (snprintf(dir, sizeof dir, "%s", path) >= (int)sizeof dir)
        return wn_seterr(WN_EINVAL, "idle: path too long");
    char *slash = strrchr(dir, '/');
    if (!slash || slash == dir)
        return WN_OK;
    *slash = '\0';
    for (char *p = dir + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(dir, 0755) != 0 && errno != EEXIST)
            return wn_seterr(WN_EIO, "%s: mkdir: %s", dir, strerror(errno));
        *p = '/';
    }
    if (mkdir(dir, 0755) != 0 && errno != EEXIST)
        return wn_seterr(WN_EIO, "%s: mkdir: %s", dir, strerror(errno));
    return WN_OK;
}

static cJSON *child_object(cJSON *parent, const char *key)
{
    cJSON *c = cJSON_GetObjectItemCaseSensitive(parent, key);
    if (cJSON_IsObject(c))
        return c;
    if (c)
        cJSON_DeleteItemFromObjectCaseSensitive(parent, key);
    return cJSON_AddObjectToObject(parent, key);
}

int wn_meter_idle_save(const char *path_in, const wn_idle_baseline *b)
{
    int rc = WN_OK;
    char path[1024];
    cJSON *root = NULL;
    char *text = NULL;
    if (!b || !b->host[0] || b->n_domains == 0)
        return wn_seterr(WN_EINVAL, "idle: empty baseline");
    rc = wn_meter_idle_path(path_in, path, sizeof path);
    if (rc)
        return rc;
    rc = parse(path, &root);
    if (rc == WN_ENOENT) {
        root = cJSON_CreateObject();
        rc = WN_OK;
    }
    if (rc)
        goto out;   /* a malformed file is not clobbered */
    if (!root) {
        rc = wn_seterr(WN_ENOMEM, "idle: out of memory");
        goto out;
    }
    cJSON_DeleteItemFromObjectCaseSensitive(root, "version");
    cJSON *hosts = NULL, *h = NULL;
    if (!cJSON_AddNumberToObject(root, "version", 1) ||
        !(hosts = child_object(root, "hosts")) ||
        !(h = child_object(hosts, b->host))) {
        rc = wn_seterr(WN_ENOMEM, "idle: out of memory");
        goto out;
    }
    for (size_t i = 0; i < b->n_domains; i++) {
        const char *src = b->domains[i].source;
        int first = 1;
        for (size_t j = 0; j < i; j++)
            if (strcmp(b->domains[j].source, src) == 0)
                first = 0;
        if (!first)
            continue;
        cJSON_DeleteItemFromObjectCaseSensitive(h, src);
        cJSON *s = cJSON_AddObjectToObject(h, src);
        cJSON *doms = s ? cJSON_AddObjectToObject(s, "domains") : NULL;
        if (!doms || !cJSON_AddNumberToObject(s, "measured_at", b->measured_at)
            || !cJSON_AddNumberToObject(s, "seconds", b->seconds)) {
            rc = wn_seterr(WN_ENOMEM, "idle: out of memory");
            goto out;
        }
        for (size_t j = i; j < b->n_domains; j++)
            if (strcmp(b->domains[j].source, src) == 0 &&
                !cJSON_AddNumberToObject(doms, b->domains[j].name,
                                         b->domains[j].power_w)) {
                rc = wn_seterr(WN_ENOMEM, "idle: out of memory");
                goto out;
            }
    }
    text = cJSON_Print(root);
    if (!text) {
        rc = wn_seterr(WN_ENOMEM, "idle: out of memory");
        goto out;
    }
    rc = make_parent(path);
    if (rc)
        goto out;
    rc = wn__write_file_atomic(path, text, strlen(text));
out:
    cJSON_free(text);
    cJSON_Delete(root);
    return rc;
}
