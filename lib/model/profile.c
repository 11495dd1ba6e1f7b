/*
 * profile.c - hardware profiles: the cache levels, cores and memory that
 * the model's features place working sets into.  A profile comes from
 * wn_host_detect (this machine) or from a JSON file (another machine; the
 * format is in docs/model.md), and is written back into every model file.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include <wattnet/core.h>
#include <wattnet/model.h>

#include "model/model_util.h"

/* ---- from the detected host --------------------------------------------- */

void wn_hw_profile_from_host(const wn_host *h, wn_hw_profile *out)
{
    memset(out, 0, sizeof *out);
    wn__copy_str(out->name, sizeof out->name, h->hostname);
    wn__copy_str(out->kind, sizeof out->kind, "cpu");
    out->cores = h->cores > 0 ? h->cores : 1;
    for (int i = 0; i < h->n_caches && out->n_levels < WN_HW_MAX_LEVELS; i++) {
        wn_hw_level *l = &out->levels[out->n_levels++];
        snprintf(l->name, sizeof l->name, "L%d", h->caches[i].level);
        l->size_bytes = h->caches[i].size_bytes;
        l->shared_by_cores = h->caches[i].shared_by_cores > 0
                                 ? h->caches[i].shared_by_cores : 1;
        l->instances = h->caches[i].instances > 0 ? h->caches[i].instances : 1;
    }
    wn__copy_str(out->memory_name, sizeof out->memory_name, "RAM");
    out->memory_bytes = h->memory_bytes;
}

double wn_hw_capacity(const wn_hw_profile *p, int level, int threads)
{
    if (p == NULL || level < 0 || level >= p->n_levels)
        return 0.0;
    const wn_hw_level *l = &p->levels[level];
    int shared = l->shared_by_cores > 0 ? l->shared_by_cores : 1;
    int inst = l->instances > 0 ? l->instances : 1;
    int used = inst;
    if (strcmp(p->kind, "gpu") != 0) {
        int t = threads > 0 ? threads : 1;
        used = (t + shared - 1) / shared;
        if (used > inst)
            used = inst;
    }
    return (double)l->size_bytes * (double)used;
}

/* ---- JSON --------------------------------------------------------------- */

/* Bounds of a profile's numbers: casting a double outside an integer
 * type's range is undefined behaviour (the fuzzer found 1.3e50 bytes). */
#define MAX_COUNT 1e6               /* cores, sharing, instances */
#define MAX_BYTES 1152921504606846976.0   /* 2^60: an exabyte */

static int get_pos_number(const cJSON *obj, const char *key, const char *where,
                          const char *origin, double max, double *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!cJSON_IsNumber(v) || !(v->valuedouble > 0.0) ||
        !isfinite(v->valuedouble))
        return wn_seterr(WN_EFORMAT, "%s: %s%s: missing or not a positive "
                         "number", origin, where, key);
    if (v->valuedouble > max)
        return wn_seterr(WN_EFORMAT, "%s: %s%s: %g is more than %g", origin,
                         where, key, v->valuedouble, max);
    *out = v->valuedouble;
    return WN_OK;
}

static int get_string(const cJSON *obj, const char *key, const char *where,
                      const char *origin, char *dst, size_t cap, int required)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (v == NULL && !required)
        return WN_OK;
    if (!cJSON_IsString(v) || v->valuestring[0] == '\0')
        return wn_seterr(WN_EFORMAT, "%s: %s%s: missing or not a string",
                         origin, where, key);
    if (strlen(v->valuestring) >= cap)
        return wn_seterr(WN_EFORMAT, "%s: %s%s: longer than %zu characters",
                         origin, where, key, cap - 1);
    wn__copy_str(dst, cap, v->valuestring);
    return WN_OK;
}

int wn__hw_profile_from_cjson(const cJSON *root, const char *origin,
                              wn_hw_profile *out)
{
    int rc = WN_OK;
    wn_hw_profile p;
    memset(&p, 0, sizeof p);
    if (!cJSON_IsObject(root))
        return wn_seterr(WN_EFORMAT, "%s: hardware profile: not a JSON object",
                         origin);
    if ((rc = get_string(root, "name", "", origin, p.name, sizeof p.name, 1)))
        return rc;
    wn__copy_str(p.kind, sizeof p.kind, "cpu");
    if ((rc = get_string(root, "kind", "", origin, p.kind, sizeof p.kind, 0)))
        return rc;
    if (strcmp(p.kind, "cpu") != 0 && strcmp(p.kind, "gpu") != 0)
        return wn_seterr(WN_EFORMAT, "%s: kind: \"%s\" is not \"cpu\" or "
                         "\"gpu\"", origin, p.kind);
    double d = 0.0;
    if ((rc = get_pos_number(root, "cores", "", origin, MAX_COUNT, &d)))
        return rc;
    p.cores = (int)d;

    const cJSON *caches = cJSON_GetObjectItemCaseSensitive(root, "caches");
    if (!cJSON_IsArray(caches) || cJSON_GetArraySize(caches) < 1)
        return wn_seterr(WN_EFORMAT, "%s: caches: missing or not a non-empty "
                         "array", origin);
    if (cJSON_GetArraySize(caches) > WN_HW_MAX_LEVELS)
        return wn_seterr(WN_EFORMAT, "%s: caches: more than %d levels", origin,
                         WN_HW_MAX_LEVELS);
    const cJSON *c;
    cJSON_ArrayForEach(c, caches) {
        wn_hw_level *l = &p.levels[p.n_levels];
        char where[32];
        snprintf(where, sizeof where, "caches[%d].", p.n_levels);
        if (!cJSON_IsObject(c))
            return wn_seterr(WN_EFORMAT, "%s: caches[%d]: not an object",
                             origin, p.n_levels);
        snprintf(l->name, sizeof l->name, "L%d", p.n_levels + 1);
        if ((rc = get_string(c, "name", where, origin, l->name, sizeof l->name,
                             0)))
            return rc;
        if ((rc = get_pos_number(c, "size_bytes", where, origin, MAX_BYTES, &d)))
            return rc;
        l->size_bytes = (uint64_t)d;
        if (p.n_levels > 0 && l->size_bytes < p.levels[p.n_levels - 1].size_bytes)
            return wn_seterr(WN_EFORMAT, "%s: %ssize_bytes: smaller than the "
                             "level before it", origin, where);
        if ((rc = get_pos_number(c, "shared_by_cores", where, origin, MAX_COUNT,
                                  &d)))
            return rc;
        l->shared_by_cores = (int)d;
        if ((rc = get_pos_number(c, "instances", where, origin, MAX_COUNT, &d)))
            return rc;
        l->instances = (int)d;
        p.n_levels++;
    }
    const cJSON *mem = cJSON_GetObjectItemCaseSensitive(root, "memory");
    if (!cJSON_IsObject(mem))
        return wn_seterr(WN_EFORMAT, "%s: memory: missing or not an object",
                         origin);
    wn__copy_str(p.memory_name, sizeof p.memory_name,
                 strcmp(p.kind, "gpu") == 0 ? "HBM" : "RAM");
    if ((rc = get_string(mem, "name", "memory.", origin, p.memory_name,
                         sizeof p.memory_name, 0)))
        return rc;
    if ((rc = get_pos_number(mem, "size_bytes", "memory.", origin, MAX_BYTES,
                              &d)))
        return rc;
    p.memory_bytes = (uint64_t)d;
    *out = p;
    return WN_OK;
}

int wn_hw_profile_parse(const char *json, const char *origin,
                        wn_hw_profile *out)
{
    if (json == NULL || out == NULL)
        return wn_seterr(WN_EINVAL, "profile.c:%d: NULL argument", __LINE__);
    if (origin == NULL)
        origin = "profile";
    cJSON *root = cJSON_Parse(json);
    if (root == NULL) {
        const char *at = cJSON_GetErrorPtr();
        size_t line = 1, col = 1;
        if (at != NULL && at >= json) {
            for (const char *q = json; q < at && *q; q++) {
                if (*q == '\n') {
                    line++;
                    col = 1;
                } else {
                    col++;
                }
            }
        }
        return wn_seterr(WN_EFORMAT, "%s:%zu:%zu: not valid JSON", origin,
                         line, col);
    }
    int rc = wn__hw_profile_from_cjson(root, origin, out);
    cJSON_Delete(root);
    return rc;
}

int wn_hw_profile_load(const char *path, wn_hw_profile *out)
{
    char *text = NULL;
    int rc = wn__read_file(path, &text);
    if (rc != WN_OK)
        return rc;
    rc = wn_hw_profile_parse(text, path, out);
    wn_free(text);
    return rc;
}

cJSON *wn__hw_profile_to_cjson(const wn_hw_profile *p)
{
    cJSON *root = cJSON_CreateObject();
    if (root == NULL)
        return NULL;
    cJSON *caches = NULL, *mem = NULL;
    int ok = cJSON_AddStringToObject(root, "name", p->name) &&
             cJSON_AddStringToObject(root, "kind", p->kind) &&
             cJSON_AddNumberToObject(root, "cores", p->cores) &&
             (caches = cJSON_AddArrayToObject(root, "caches")) != NULL;
    for (int i = 0; ok && i < p->n_levels; i++) {
        cJSON *c = cJSON_CreateObject();
        if (c == NULL || !cJSON_AddItemToArray(caches, c)) {
            cJSON_Delete(c);
            ok = 0;
            break;
        }
        ok = cJSON_AddStringToObject(c, "name", p->levels[i].name) &&
             cJSON_AddNumberToObject(c, "size_bytes",
                                     (double)p->levels[i].size_bytes) &&
             cJSON_AddNumberToObject(c, "shared_by_cores",
                                     p->levels[i].shared_by_cores) &&
             cJSON_AddNumberToObject(c, "instances", p->levels[i].instances);
    }
    ok = ok && (mem = cJSON_AddObjectToObject(root, "memory")) != NULL &&
         cJSON_AddStringToObject(mem, "name", p->memory_name) &&
         cJSON_AddNumberToObject(mem, "size_bytes", (double)p->memory_bytes);
    if (!ok) {
        cJSON_Delete(root);
        return NULL;
    }
    return root;
}

char *wn_hw_profile_to_json(const wn_hw_profile *p)
{
    cJSON *root = wn__hw_profile_to_cjson(p);
    if (root == NULL)
        return NULL;
    char *s = cJSON_Print(root);
    cJSON_Delete(root);
    char *copy = s ? wn_strdup(s) : NULL;
    cJSON_free(s);
    return copy;
}

int wn_hw_profile_save(const wn_hw_profile *p, const char *path)
{
    cJSON *root = wn__hw_profile_to_cjson(p);
    char *s = root ? cJSON_Print(root) : NULL;
    cJSON_Delete(root);
    if (s == NULL)
        return wn_seterr(WN_ENOMEM, "%s: out of memory writing the profile",
                         path ? path : "profile");
    size_t n = strlen(s);
    char *text = wn_malloc(n + 2);   /* the JSON and a newline */
    if (text) {
        memcpy(text, s, n);
        memcpy(text + n, "\n", 2);
    }
    cJSON_free(s);
    if (text == NULL)
        return wn_seterr(WN_ENOMEM, "%s: out of memory writing the profile",
                         path ? path : "profile");
    int rc = wn_write_file(path, text, n + 1);
    wn_free(text);
    return rc;
}
