/*
 * sweep_spec.c - sweep specs: parsing the JSON grid a user writes,
 * checking every field (type, range, known shape and dataset) with a
 * message that names the field, printing a spec back as JSON (stored with
 * the sweep), and freeing it.
 *
 *   {"datasets":["synthetic:banana","adult"],"shapes":["rectangle"],
 *    "depths":[2,3],"sizes":[1024,4096],"epochs":3,
 *    "batch":256,"learning_rate":1e-4,"repetitions":1}
 *
 * Unknown keys are errors, so that a typo ("depth") never silently drops an
 * axis.  cJSON allocates with its own allocator; everything the spec keeps
 * is copied into wn_malloc'd memory.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include <wattnet/wattnet.h>

#include "core/json_keys.h"

#define MAX_AXIS 100000

/* ---- free --------------------------------------------------------------------- */

static void free_strings(char **v, size_t n)
{
    if (!v)
        return;
    for (size_t i = 0; i < n; i++)
        wn_free(v[i]);
    wn_free(v);
}

void wn_sweep_spec_free(wn_sweep_spec **sp)
{
    if (!sp || !*sp)
        return;
    wn_sweep_spec *s = *sp;
    free_strings(s->datasets, s->n_datasets);
    free_strings(s->shapes, s->n_shapes);
    free_strings(s->devices, s->n_devices);
    wn_free(s->depths);
    wn_free(s->sizes);
    wn_free(s);
    *sp = NULL;
}

/* ---- checks ------------------------------------------------------------------------ */

/* Is SPEC a dataset we can load: a study name, synthetic:STUDY, or a path? */
static int dataset_known(const char *spec)
{
    if (!strncmp(spec, "synthetic:", 10))
        return wn_study_dataset_find(spec + 10) != NULL;
    if (strchr(spec, '/'))
        return 1;
    size_t n = strlen(spec);
    static const char *const exts[] = { ".tsv", ".tsv.gz", ".csv" };
    for (size_t i = 0; i < 3; i++) {
        size_t e = strlen(exts[i]);
        if (n > e && !strcmp(spec + n - e, exts[i]))
            return 1;
    }
    return wn_study_dataset_find(spec) != NULL;
}

/* The line and column (1-based) of byte OFFSET in TEXT. */
static void position(const char *text, size_t offset, int *line, int *col)
{
    *line = 1;
    *col = 1;
    for (size_t i = 0; i < offset && text[i]; i++) {
        if (text[i] == '\n') {
            (*line)++;
            *col = 1;
        } else {
            (*col)++;
        }
    }
}

/* A positive integer no larger than max, from a JSON number. */
static int json_uint(const cJSON *v, double max, uint64_t *out)
{
    if (!cJSON_IsNumber(v))
        return -1;
    double d = v->valuedouble;
    if (!(d >= 1.0) || d > max || d != floor(d))
        return -1;
    *out = (uint64_t)d;
    return 0;
}

static const char *json_type(const cJSON *v)
{
    if (cJSON_IsString(v))
        return "a string";
    if (cJSON_IsNumber(v))
        return "a number";
    if (cJSON_IsArray(v))
        return "an array";
    if (cJSON_IsObject(v))
        return "an object";
    if (cJSON_IsBool(v))
        return "a boolean";
    if (cJSON_IsNull(v))
        return "null";
    return "invalid";
}

/* A required, non-empty array field. */
static int get_array(const cJSON *root, const char *origin, const char *name,
                     const cJSON **out, size_t *n)
{
    const cJSON *a = cJSON_GetObjectItemCaseSensitive(root, name);
    if (!a)
        return wn_seterr(WN_EINVAL, "%s: missing field \"%s\"", origin, name);
    if (!cJSON_IsArray(a))
        return wn_seterr(WN_EINVAL, "%s: field \"%s\" must be an array, not %s",
                         origin, name, json_type(a));
    int size = cJSON_GetArraySize(a);
    if (size <= 0)
        return wn_seterr(WN_EINVAL, "%s: field \"%s\" is an empty list", origin,
                         name);
    if (size > MAX_AXIS)
        return wn_seterr(WN_EINVAL, "%s: field \"%s\" has %d entries (at most %d)",
                         origin, name, size, MAX_AXIS);
    *out = a;
    *n = (size_t)size;
    return WN_OK;
}

static int get_strings(const cJSON *root, const char *origin, const char *name,
                       char ***out, size_t *n)
{
    const cJSON *a = NULL;
    int rc = get_array(root, origin, name, &a, n);
    if (rc != WN_OK)
        return rc;
    char **v = wn_calloc(*n, sizeof *v);
    if (!v)
        return wn_seterr(WN_ENOMEM, "%s: out of memory", origin);
    size_t i = 0;
    const cJSON *e;
    cJSON_ArrayForEach(e, a)
    {
        if (!cJSON_IsString(e) || !e->valuestring[0]) {
            rc = wn_seterr(WN_EINVAL,
                           "%s: field \"%s\"[%zu] must be a non-empty string, not %s",
                           origin, name, i, cJSON_IsString(e) ? "\"\"" : json_type(e));
            goto fail;
        }
        v[i] = wn_strdup(e->valuestring);
        if (!v[i]) {
            rc = wn_seterr(WN_ENOMEM, "%s: out of memory", origin);
            goto fail;
        }
        i++;
    }
    *out = v;
    return WN_OK;
fail:
    free_strings(v, *n);
    *n = 0;
    return rc;
}

static int get_uints(const cJSON *root, const char *origin, const char *name,
                     double min, double max, uint64_t **out, size_t *n)
{
    const cJSON *a = NULL;
    int rc = get_array(root, origin, name, &a, n);
    if (rc != WN_OK)
        return rc;
    uint64_t *v = wn_calloc(*n, sizeof *v);
    if (!v)
        return wn_seterr(WN_ENOMEM, "%s: out of memory", origin);
    size_t i = 0;
    const cJSON *e;
    cJSON_ArrayForEach(e, a)
    {
        if (json_uint(e, max, &v[i]) != 0 || (double)v[i] < min) {
            if (cJSON_IsNumber(e))
                rc = wn_seterr(WN_EINVAL,
                               "%s: field \"%s\"[%zu] = %g: must be an integer in "
                               "[%.0f, %.0f]",
                               origin, name, i, e->valuedouble, min, max);
            else
                rc = wn_seterr(WN_EINVAL,
                               "%s: field \"%s\"[%zu] must be an integer, not %s",
                               origin, name, i, json_type(e));
            wn_free(v);
            *n = 0;
            return rc;
        }
        i++;
    }
    *out = v;
    return WN_OK;
}

/* An optional (or required) positive integer scalar. */
static int get_uint(const cJSON *root, const char *origin, const char *name,
                    int required, double max, uint64_t *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(root, name);
    if (!v) {
        if (required)
            return wn_seterr(WN_EINVAL, "%s: missing field \"%s\"", origin, name);
        return WN_OK;
    }
    if (json_uint(v, max, out) != 0) {
        if (cJSON_IsNumber(v))
            return wn_seterr(WN_EINVAL,
                             "%s: field \"%s\" = %g: must be an integer in [1, %.0f]",
                             origin, name, v->valuedouble, max);
        return wn_seterr(WN_EINVAL, "%s: field \"%s\" must be an integer, not %s",
                         origin, name, json_type(v));
    }
    return WN_OK;
}

/* ---- parse --------------------------------------------------------------------------- */

static const char *const known_keys[] = {
    "datasets", "shapes", "depths", "sizes", "epochs", "batch", "learning_rate",
    "repetitions", "name", "comment", "devices", "min_seconds", "pue",
    "carbon_intensity",
};

/* The JSON text as an object: WN_EFORMAT with line and column for bad
 * JSON, WN_EINVAL for another type or an unknown field. */
static int parse_object(const char *json, const char *origin, cJSON **root)
{
    const char *end = NULL;
    *root = cJSON_ParseWithOpts(json, &end, 1);
    if (!*root) {
        int line, col;
        const char *at = end ? end : cJSON_GetErrorPtr();
        size_t off = (at && at >= json) ? (size_t)(at - json) : 0;
        position(json, off, &line, &col);
        return wn_seterr(WN_EFORMAT, "%s:%d:%d: invalid JSON near '%.20s'", origin,
                         line, col, json + off);
    }
    if (!cJSON_IsObject(*root))
        return wn_seterr(WN_EINVAL, "%s: a sweep spec must be a JSON object, not %s",
                         origin, json_type(*root));
    const char *dup = wn__json_duplicate_key(*root);
    if (dup)
        return wn_seterr(WN_EINVAL, "%s: field \"%s\" is given twice; give each "
                         "field once", origin, dup);
    const cJSON *item;
    cJSON_ArrayForEach(item, *root)
    {
        int ok = 0;
        for (size_t k = 0; k < sizeof known_keys / sizeof known_keys[0]; k++)
            if (item->string && !strcmp(item->string, known_keys[k]))
                ok = 1;
        if (!ok)
            return wn_seterr(WN_EINVAL,
                             "%s: unknown field \"%s\" (known: datasets, shapes, "
                             "depths, sizes, epochs, batch, learning_rate, "
                             "repetitions, devices, min_seconds, pue, "
                             "carbon_intensity)",
                             origin, item->string ? item->string : "?");
    }
    return WN_OK;
}

/* The optional axis "devices": each "cpu", "cuda" or "cuda:N", none twice;
 * absent: the CPU alone (n_devices 0). */
static int parse_devices(const cJSON *root, const char *origin, wn_sweep_spec *sp)
{
    if (!cJSON_GetObjectItemCaseSensitive(root, "devices"))
        return WN_OK;
    int rc = get_strings(root, origin, "devices", &sp->devices, &sp->n_devices);
    for (size_t i = 0; rc == WN_OK && i < sp->n_devices; i++) {
        if (!wn_train_device_valid(sp->devices[i]))
            rc = wn_seterr(WN_EINVAL, "%s: field \"devices\"[%zu]: unknown device "
                           "'%s' (cpu, cuda or cuda:N)", origin, i, sp->devices[i]);
        for (size_t j = 0; rc == WN_OK && j < i; j++)
            if (!strcmp(sp->devices[i], sp->devices[j]))
                rc = wn_seterr(WN_EINVAL, "%s: field \"devices\" names '%s' twice",
                               origin, sp->devices[i]);
    }
    return rc;
}

/* The axes: datasets, shapes, depths, sizes (each checked). */
static int parse_axes(const cJSON *root, const char *origin, wn_sweep_spec *sp)
{
    uint64_t *depths = NULL;
    int rc = get_strings(root, origin, "datasets", &sp->datasets, &sp->n_datasets);
    for (size_t i = 0; rc == WN_OK && i < sp->n_datasets; i++)
        if (strlen(sp->datasets[i]) >= sizeof ((wn_run_spec *)0)->dataset)
            rc = wn_seterr(WN_EINVAL, "%s: field \"datasets\"[%zu]: '%.40s...' "
                           "is %zu characters, more than the %zu a job holds "
                           "(use a shorter path, e.g. a symbolic link)", origin,
                           i, sp->datasets[i], strlen(sp->datasets[i]),
                           sizeof ((wn_run_spec *)0)->dataset - 1);
        else if (!dataset_known(sp->datasets[i]))
            rc = wn_seterr(WN_EINVAL,
                           "%s: field \"datasets\"[%zu]: unknown dataset '%s' (a "
                           "study dataset NAME, synthetic:NAME or a file path)",
                           origin, i, sp->datasets[i]);
    if (rc == WN_OK)
        rc = get_strings(root, origin, "shapes", &sp->shapes, &sp->n_shapes);
    for (size_t i = 0; rc == WN_OK && i < sp->n_shapes; i++)
        if (!wn_shape_valid(sp->shapes[i]))
            rc = wn_seterr(WN_EINVAL, "%s: field \"shapes\"[%zu]: unknown shape '%s'",
                           origin, i, sp->shapes[i]);
    if (rc == WN_OK)
        rc = get_uints(root, origin, "depths", 2, WN_MAX_DEPTH, &depths, &sp->n_depths);
    if (rc == WN_OK) {
        sp->depths = wn_calloc(sp->n_depths, sizeof *sp->depths);
        if (!sp->depths)
            rc = wn_seterr(WN_ENOMEM, "%s: out of memory", origin);
        for (size_t i = 0; sp->depths && i < sp->n_depths; i++)
            sp->depths[i] = (size_t)depths[i];
    }
    if (rc == WN_OK)
        rc = get_uints(root, origin, "sizes", 1, 1099511627776.0, &sp->sizes,
                       &sp->n_sizes);
    if (rc == WN_OK)
        rc = parse_devices(root, origin, sp);
    wn_free(depths);
    return rc;
}

/* The scalars: epochs (required), batch, repetitions, learning_rate. */
static int parse_scalars(const cJSON *root, const char *origin, wn_sweep_spec *sp)
{
    uint64_t u = 0;
    int rc = get_uint(root, origin, "epochs", 1, 1e9, &u);
    if (rc != WN_OK)
        return rc;
    sp->epochs = (size_t)u;
    u = sp->batch;
    rc = get_uint(root, origin, "batch", 0, 1e9, &u);
    if (rc != WN_OK)
        return rc;
    sp->batch = (size_t)u;
    u = sp->repetitions;
    rc = get_uint(root, origin, "repetitions", 0, 1e6, &u);
    if (rc != WN_OK)
        return rc;
    sp->repetitions = (size_t)u;
    const cJSON *lr = cJSON_GetObjectItemCaseSensitive(root, "learning_rate");
    if (!lr)
        return WN_OK;
    if (!cJSON_IsNumber(lr) || !(lr->valuedouble > 0) || !isfinite(lr->valuedouble))
        return wn_seterr(WN_EINVAL,
                         "%s: field \"learning_rate\" must be a positive number%s%s",
                         origin, cJSON_IsNumber(lr) ? "" : ", not ",
                         cJSON_IsNumber(lr) ? "" : json_type(lr));
    sp->learning_rate = lr->valuedouble;
    return WN_OK;
}

/* An optional number NAME in [LO, HI]: WN_OK with *present 0 when absent. */
static int get_real(const cJSON *root, const char *origin, const char *name,
                    double lo, double hi, int *present, double *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(root, name);
    *present = 0;
    if (!v)
        return WN_OK;
    if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble) || v->valuedouble < lo ||
        v->valuedouble > hi)
        return wn_seterr(WN_EINVAL, "%s: field \"%s\" must be a number in "
                         "%g..%g%s%s", origin, name, lo, hi,
                         cJSON_IsNumber(v) ? "" : ", not ",
                         cJSON_IsNumber(v) ? "" : json_type(v));
    *present = 1;
    *out = v->valuedouble;
    return WN_OK;
}

/* min_seconds (issue 10), pue and carbon_intensity (issue 12). */
static int parse_window_carbon(const cJSON *root, const char *origin,
                               wn_sweep_spec *sp)
{
    int present = 0;
    int rc = get_real(root, origin, "min_seconds", 0.0, 604800.0,
                      &sp->has_min_seconds, &sp->min_seconds);
    if (rc == WN_OK)
        rc = get_real(root, origin, "pue", 1.0, 10.0, &present, &sp->pue);
    if (rc == WN_OK)
        rc = get_real(root, origin, "carbon_intensity", 0.0, 5000.0, &present,
                      &sp->carbon_intensity);
    return rc;
}

int wn_sweep_spec_parse(const char *json, const char *origin, wn_sweep_spec **out)
{
    cJSON *root = NULL;
    wn_sweep_spec *sp = NULL;
    int rc = WN_OK;
    if (!json || !out)
        return wn_seterr(WN_EINVAL, "sweep spec: NULL argument");
    *out = NULL;
    if (!origin)
        origin = "sweep spec";
    rc = parse_object(json, origin, &root);
    if (rc != WN_OK)
        goto out;
    sp = wn_calloc(1, sizeof *sp);
    if (!sp) {
        rc = wn_seterr(WN_ENOMEM, "%s: out of memory", origin);
        goto out;
    }
    sp->batch = 256;
    sp->learning_rate = 1e-4;
    sp->repetitions = 1;
    rc = parse_axes(root, origin, sp);
    if (rc == WN_OK)
        rc = parse_scalars(root, origin, sp);
    if (rc == WN_OK)
        rc = parse_window_carbon(root, origin, sp);
    if (rc == WN_OK) {
        *out = sp;
        sp = NULL;
    }
out:
    wn_sweep_spec_free(&sp);
    cJSON_Delete(root);
    return rc;
}

int wn_sweep_spec_load(const char *path, wn_sweep_spec **out)
{
    FILE *f = NULL;
    char *text = NULL;
    int rc = WN_OK;
    if (!path || !out)
        return wn_seterr(WN_EINVAL, "sweep spec: NULL argument");
    *out = NULL;
    f = fopen(path, "rb");
    if (!f) {
        rc = wn_seterr(errno == ENOENT ? WN_ENOENT : WN_EIO, "%s: cannot open: %s",
                       path, strerror(errno));
        goto out;
    }
    size_t cap = 4096, n = 0;
    text = wn_malloc(cap);
    if (!text) {
        rc = wn_seterr(WN_ENOMEM, "%s: out of memory", path);
        goto out;
    }
    for (;;) {
        if (n + 1 >= cap) {
            if (cap > (64u << 20)) {
                rc = wn_seterr(WN_EFORMAT, "%s: a sweep spec over 64 MiB", path);
                goto out;
            }
            char *grown = wn_realloc(text, cap * 2);
            if (!grown) {
                rc = wn_seterr(WN_ENOMEM, "%s: out of memory", path);
                goto out;
            }
            text = grown;
            cap *= 2;
        }
        size_t got = fread(text + n, 1, cap - n - 1, f);
        n += got;
        if (got == 0)
            break;
    }
    if (ferror(f)) {
        rc = wn_seterr(WN_EIO, "%s: read error", path);
        goto out;
    }
    text[n] = '\0';
    rc = wn_sweep_spec_parse(text, path, out);
out:
    if (f)
        fclose(f);
    wn_free(text);
    return rc;
}

/* ---- print --------------------------------------------------------------------------- */

int wn_sweep_spec_to_json(const wn_sweep_spec *sp, char **json)
{
    cJSON *root = NULL, *a = NULL;
    char *printed = NULL;
    int rc = WN_OK;
    if (!sp || !json)
        return wn_seterr(WN_EINVAL, "sweep spec: NULL argument");
    *json = NULL;
    root = cJSON_CreateObject();
    if (!root)
        goto nomem;
    if (!(a = cJSON_AddArrayToObject(root, "datasets")))
        goto nomem;
    for (size_t i = 0; i < sp->n_datasets; i++)
        cJSON_AddItemToArray(a, cJSON_CreateString(sp->datasets[i]));
    if (!(a = cJSON_AddArrayToObject(root, "shapes")))
        goto nomem;
    for (size_t i = 0; i < sp->n_shapes; i++)
        cJSON_AddItemToArray(a, cJSON_CreateString(sp->shapes[i]));
    if (!(a = cJSON_AddArrayToObject(root, "depths")))
        goto nomem;
    for (size_t i = 0; i < sp->n_depths; i++)
        cJSON_AddItemToArray(a, cJSON_CreateNumber((double)sp->depths[i]));
    if (!(a = cJSON_AddArrayToObject(root, "sizes")))
        goto nomem;
    for (size_t i = 0; i < sp->n_sizes; i++)
        cJSON_AddItemToArray(a, cJSON_CreateNumber((double)sp->sizes[i]));
    if (sp->n_devices) {
        if (!(a = cJSON_AddArrayToObject(root, "devices")))
            goto nomem;
        for (size_t i = 0; i < sp->n_devices; i++)
            cJSON_AddItemToArray(a, cJSON_CreateString(sp->devices[i]));
    }
    if (!cJSON_AddNumberToObject(root, "epochs", (double)sp->epochs) ||
        !cJSON_AddNumberToObject(root, "batch", (double)sp->batch) ||
        !cJSON_AddNumberToObject(root, "learning_rate", sp->learning_rate) ||
        !cJSON_AddNumberToObject(root, "repetitions", (double)sp->repetitions))
        goto nomem;
    if ((sp->has_min_seconds &&
         !cJSON_AddNumberToObject(root, "min_seconds", sp->min_seconds)) ||
        (sp->pue > 0 && !cJSON_AddNumberToObject(root, "pue", sp->pue)) ||
        (sp->carbon_intensity > 0 &&
         !cJSON_AddNumberToObject(root, "carbon_intensity", sp->carbon_intensity)))
        goto nomem;
    printed = cJSON_PrintUnformatted(root);
    if (!printed)
        goto nomem;
    *json = wn_strdup(printed);
    if (!*json)
        goto nomem;
    goto out;
nomem:
    rc = wn_seterr(WN_ENOMEM, "sweep spec: out of memory");
out:
    cJSON_free(printed);
    cJSON_Delete(root);
    return rc;
}
