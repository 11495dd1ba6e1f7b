/*
 * store_host.c - the machine the stored runs were recorded on, read back
 * from the hosts table, so that fitting and reporting use the caches of
 * the machine that ran them, not of the machine that reads the database.
 */
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include <wattnet/wattnet.h>

#include "store/store_impl.h"

struct host_ids {
    int64_t first;
    size_t n;
};

static int read_host_id(void *user, wn_store *s, const struct wn__sql_row *r)
{
    struct host_ids *ids = user;
    if (ids->n++ == 0)
        ids->first = wn__col_int(s, r, 0);
    return WN_OK;
}

/* caches_json: [{"level":1,"size_bytes":..,"shared_by_cores":..,"instances":..}] */
static void parse_caches(const char *json, wn_host *h)
{
    cJSON *a = json ? cJSON_Parse(json) : NULL;
    const cJSON *c;
    h->n_caches = 0;
    cJSON_ArrayForEach(c, a) {
        if (h->n_caches >= WN_MAX_CACHES)
            break;
        wn_cache_level *l = &h->caches[h->n_caches++];
        l->level = cJSON_GetObjectItem(c, "level") ?
                   cJSON_GetObjectItem(c, "level")->valueint : 0;
        const cJSON *sz = cJSON_GetObjectItem(c, "size_bytes");
        l->size_bytes = cJSON_IsNumber(sz) ? (uint64_t)sz->valuedouble : 0;
        const cJSON *sh = cJSON_GetObjectItem(c, "shared_by_cores");
        l->shared_by_cores = cJSON_IsNumber(sh) ? sh->valueint : 1;
        const cJSON *in = cJSON_GetObjectItem(c, "instances");
        l->instances = cJSON_IsNumber(in) ? in->valueint : 1;
    }
    cJSON_Delete(a);
}

static int read_host(void *user, wn_store *s, const struct wn__sql_row *r)
{
    wn_host *h = user;
    memset(h, 0, sizeof *h);
    snprintf(h->hostname, sizeof h->hostname, "%s", wn__col_text(s, r, 0));
    snprintf(h->cpu_model, sizeof h->cpu_model, "%s", wn__col_text(s, r, 1));
    h->cores = (int)wn__col_int(s, r, 2);
    parse_caches(wn__col_text(s, r, 3), h);
    h->memory_bytes = (uint64_t)wn__col_int(s, r, 4);
    snprintf(h->kernel, sizeof h->kernel, "%s", wn__col_text(s, r, 5));
    snprintf(h->compiler, sizeof h->compiler, "%s", wn__col_text(s, r, 6));
    snprintf(h->dnnl_version, sizeof h->dnnl_version, "%s", wn__col_text(s, r, 7));
    return WN_OK;
}

int wn_store_runs_host(wn_store *s, wn_host *out, size_t *n_hosts)
{
    struct host_ids ids = { 0, 0 };
    if (!s || !out)
        return wn_seterr(WN_EINVAL, "store: runs_host: NULL argument");
    int rc = wn__store_query(s, "SELECT DISTINCT host_id FROM runs"
                                " WHERE host_id IS NOT NULL ORDER BY host_id",
                             NULL, 0, read_host_id, &ids, NULL);
    if (rc != WN_OK)
        return rc;
    if (n_hosts)
        *n_hosts = ids.n;
    if (ids.n != 1)
        return wn_seterr(WN_ENOENT, "store: the runs were recorded on %zu hosts, "
                         "not one", ids.n);
    struct wn__sql_val v[] = { wn__v_int(ids.first) };
    memset(out, 0, sizeof *out);
    return wn__store_query(s, "SELECT hostname, cpu_model, cores, caches_json,"
                              " memory_bytes, kernel, compiler, dnnl_version"
                              " FROM hosts WHERE id = $1",
                           v, 1, read_host, out, NULL);
}
