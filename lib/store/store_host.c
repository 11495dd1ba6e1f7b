/*
 * store_host.c - the hosts table: wn_store_put_host records the machine a
 * run is recorded on (deduplicated by a fingerprint of every field), and
 * wn_store_runs_host reads it back, so that fitting and reporting use the caches of
 * the machine that ran them, not of the machine that reads the database.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include <wattnet/core.h>
#include <wattnet/store.h>

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
    int rc = WN_OK;
    memset(h, 0, sizeof *h);
    wn__col_str(s, r, 0, h->hostname, sizeof h->hostname, "hostname", &rc);
    wn__col_str(s, r, 1, h->cpu_model, sizeof h->cpu_model, "cpu_model", &rc);
    h->cores = (int)wn__col_int(s, r, 2);
    parse_caches(wn__col_text(s, r, 3), h);
    h->memory_bytes = (uint64_t)wn__col_int(s, r, 4);
    wn__col_str(s, r, 5, h->kernel, sizeof h->kernel, "kernel", &rc);
    wn__col_str(s, r, 6, h->compiler, sizeof h->compiler, "compiler", &rc);
    wn__col_str(s, r, 7, h->dnnl_version, sizeof h->dnnl_version, "dnnl_version",
                &rc);
    return wn__col_row_error(rc, "hosts", wn__col_int(s, r, 8));
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
                              " memory_bytes, kernel, compiler, dnnl_version, id"
                              " FROM hosts WHERE id = $1",
                           v, 1, read_host, out, NULL);
}

int wn_store_put_host(wn_store *s, const wn_host *h, int64_t *host_id)
{
    char fp[2048], caches[512], gpus[WN_MAX_GPUS * 100 + 4];
    uint64_t l[4] = { 0, 0, 0, 0 };
    int64_t id = 0;
    int rc = WN_OK;
    if (!s || !h)
        return wn_seterr(WN_EINVAL, "store: put_host: NULL argument");
    size_t o = 0;
    caches[0] = '\0';
    o += (size_t)snprintf(caches, sizeof caches, "[");
    for (int i = 0; i < h->n_caches && i < WN_MAX_CACHES; i++) {
        const wn_cache_level *c = &h->caches[i];
        if (c->level >= 1 && c->level <= 3)
            l[c->level] = c->size_bytes;
        int k = snprintf(caches + o, sizeof caches - o,
                         "%s{\"level\":%d,\"size_bytes\":%" PRIu64
                         ",\"shared_by_cores\":%d,\"instances\":%d}",
                         i ? "," : "", c->level, c->size_bytes,
                         c->shared_by_cores, c->instances);
        if (k > 0 && (size_t)k < sizeof caches - o)
            o += (size_t)k;
    }
    if (o + 2 <= sizeof caches) {
        caches[o++] = ']';
        caches[o] = '\0';
    }
    cJSON *g = cJSON_CreateArray();
    char *gp = NULL;
    for (int i = 0; g && i < h->n_gpus && i < WN_MAX_GPUS; i++)
        cJSON_AddItemToArray(g, cJSON_CreateString(h->gpus[i]));
    gp = g ? cJSON_PrintUnformatted(g) : NULL;
    wn__copy_str(gpus, sizeof gpus, gp ? gp : "[]");
    cJSON_free(gp);
    cJSON_Delete(g);
    snprintf(fp, sizeof fp, "%s|%s|%d|%s|%" PRIu64 "|%s|%s|%s|%s", h->hostname,
             h->cpu_model, h->cores, caches, h->memory_bytes, h->kernel,
             h->compiler, h->dnnl_version, gpus);

    struct wn__sql_val v[] = {
        wn__v_text(fp),          wn__v_text(h->hostname),
        wn__v_text(h->cpu_model), wn__v_int(h->cores),
        wn__v_int((int64_t)l[1]), wn__v_int((int64_t)l[2]),
        wn__v_int((int64_t)l[3]), wn__v_text(caches),
        wn__v_int((int64_t)h->memory_bytes), wn__v_text(h->kernel),
        wn__v_text(h->compiler), wn__v_text(h->dnnl_version),
        wn__v_int(h->n_gpus),    wn__v_text(gpus),
    };
    rc = wn__store_begin(s, 1);
    if (rc != WN_OK)
        goto out;
    rc = wn__store_query(s, "SELECT id FROM hosts WHERE fingerprint = $1", v, 1,
                         wn__row_int, &id, NULL);
    if (rc == WN_OK && id == 0)
        rc = wn__store_query(
            s,
            "INSERT INTO hosts (fingerprint, hostname, cpu_model, cores,"
            " l1d_bytes, l2_bytes, l3_bytes, caches_json, memory_bytes, kernel,"
            " compiler, dnnl_version, n_gpus, gpus_json, first_seen) VALUES"
            " ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, {NOW})"
            " RETURNING id",
            v, sizeof v / sizeof v[0], wn__row_int, &id, NULL);
    if (rc != WN_OK)
        goto out;
    rc = wn__store_commit(s);
    if (rc == WN_OK && host_id)
        *host_id = id;
out:
    if (s->in_tx)
        wn__store_rollback(s);
    return rc;
}

