/*
 * energy.c - the energy honesty rules, written once: which source an
 * energy came from, when it counts as a measurement, joules per datum, and
 * the one JSON form every command prints (include/wattnet/energy.h).
 *
 * A leaf: it knows the wn_energy value and nothing of meters, stores or
 * models.  Meters fill a wn_energy; everything downstream asks here.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include <wattnet/energy.h>

#include "core/util.h"

/* ---- sources ------------------------------------------------------------- */

static const char *const source_names[] = {
    [WN_ENERGY_NONE] = "",          [WN_ENERGY_RAPL] = "rapl",
    [WN_ENERGY_PERF] = "perf",      [WN_ENERGY_NVML] = "nvml",
    [WN_ENERGY_IPMI] = "ipmi",      [WN_ENERGY_REDFISH] = "redfish",
    [WN_ENERGY_LOG] = "log",        [WN_ENERGY_ESTIMATE] = "estimate",
    [WN_ENERGY_SIM] = "sim",        [WN_ENERGY_COMBINED] = "combined",
    [WN_ENERGY_UNKNOWN] = "unknown",
};
#define N_SOURCES (sizeof source_names / sizeof source_names[0])

const char *wn_energy_source_name(wn_energy_source s)
{
    if ((size_t)s >= N_SOURCES)
        return "unknown";
    return source_names[s];
}

/* One part of a name, without '+': a single source or UNKNOWN. */
static wn_energy_source single_source(const char *name, size_t len)
{
    for (size_t i = WN_ENERGY_RAPL; i <= WN_ENERGY_SIM; i++)
        if (strlen(source_names[i]) == len &&
            strncmp(source_names[i], name, len) == 0)
            return (wn_energy_source)i;
    return WN_ENERGY_UNKNOWN;
}

wn_energy_source wn_energy_source_from_name(const char *name)
{
    if (name == NULL || name[0] == '\0')
        return WN_ENERGY_NONE;
    if (strchr(name, '+') == NULL)
        return single_source(name, strlen(name));
    for (const char *p = name; *p;) {
        size_t len = strcspn(p, "+");
        if (single_source(p, len) == WN_ENERGY_ESTIMATE)
            return WN_ENERGY_ESTIMATE;
        p += len + (p[len] == '+');
    }
    return WN_ENERGY_COMBINED;
}

wn_energy_source wn_energy_source_of(const wn_energy *e)
{
    return e ? wn_energy_source_from_name(e->source) : WN_ENERGY_NONE;
}

void wn_energy_set_source(wn_energy *e, wn_energy_source s)
{
    if (e == NULL)
        return;
    const char *name = wn_energy_source_name(s);
    wn__copy_str(e->source, sizeof e->source, name);
    e->is_estimate = s == WN_ENERGY_ESTIMATE;
}

/* ---- the rules ----------------------------------------------------------- */

int wn_energy_is_estimate(const wn_energy *e)
{
    if (e == NULL)
        return 0;
    return e->is_estimate || wn_energy_source_of(e) == WN_ENERGY_ESTIMATE;
}

int wn_energy_is_simulated(const wn_energy *e)
{
    return wn_energy_source_of(e) == WN_ENERGY_SIM;
}

int wn_energy_usable(const wn_energy *e)
{
    return e != NULL && e->measured && !wn_energy_is_estimate(e) &&
           e->flag[0] == '\0' && isfinite(e->energy_j) && e->energy_j > 0.0;
}

int wn_energy_per_datum(const wn_energy *e, double n_data, double *jpd)
{
    int ok = wn_energy_usable(e) && isfinite(n_data) && n_data > 0.0;
    if (jpd)
        *jpd = ok ? e->energy_j / n_data : 0.0;
    return ok;
}

/* ---- JSON ---------------------------------------------------------------- */

static int add_number_or_null(cJSON *o, const char *key, int have, double v)
{
    if (have && isfinite(v))
        return cJSON_AddNumberToObject(o, key, v) != NULL;
    return cJSON_AddNullToObject(o, key) != NULL;
}

static int add_string_or_null(cJSON *o, const char *key, const char *s)
{
    if (s && s[0])
        return cJSON_AddStringToObject(o, key, s) != NULL;
    return cJSON_AddNullToObject(o, key) != NULL;
}

static int add_domains(cJSON *o, const wn_energy *e, int readings)
{
    cJSON *arr = cJSON_AddArrayToObject(o, "domains");
    if (arr == NULL)
        return 0;
    size_t n = e->n_domains < WN_MAX_DOMAINS ? e->n_domains : WN_MAX_DOMAINS;
    for (size_t i = 0; i < n; i++) {
        cJSON *d = cJSON_CreateObject();
        if (d == NULL)
            return 0;
        cJSON_AddItemToArray(arr, d);
        if (!cJSON_AddStringToObject(d, "name", e->domains[i].name) ||
            !add_number_or_null(d, "energy_j", readings, e->domains[i].energy_j) ||
            !cJSON_AddBoolToObject(d, "in_total", e->domains[i].in_total))
            return 0;
    }
    return 1;
}

/* The figures: a usable measurement as energy_j, an estimate's joules only
 * as estimated_j, anything else as nulls. */
static int add_figures(cJSON *o, const wn_energy *e)
{
    int usable = wn_energy_usable(e);
    int estimate = wn_energy_is_estimate(e);
    int readings = e->measured && e->flag[0] == '\0';
    if (!add_number_or_null(o, "energy_j", usable, e->energy_j))
        return 0;
    if (estimate && readings &&
        !cJSON_AddNumberToObject(o, "estimated_j", e->energy_j))
        return 0;
    return add_number_or_null(o, "avg_power_w", readings, e->avg_power_w) &&
           add_number_or_null(o, "idle_power_w", readings && e->has_idle,
                              e->idle_power_w) &&
           add_number_or_null(o, "dynamic_energy_j", usable && e->has_idle,
                              e->dynamic_energy_j) &&
           add_domains(o, e, readings);
}

struct cJSON *wn_energy_to_json(const wn_energy *e)
{
    static const wn_energy none;
    if (e == NULL)
        e = &none;
    cJSON *o = cJSON_CreateObject();
    if (o == NULL)
        return NULL;
    if (!add_string_or_null(o, "source", e->source) ||
        !cJSON_AddBoolToObject(o, "measured", wn_energy_usable(e)) ||
        !cJSON_AddBoolToObject(o, "estimate", wn_energy_is_estimate(e)) ||
        !cJSON_AddBoolToObject(o, "simulated", wn_energy_is_simulated(e)) ||
        !add_string_or_null(o, "flag", e->flag) ||
        !cJSON_AddNumberToObject(o, "seconds", isfinite(e->seconds) ? e->seconds : 0.0) ||
        !add_figures(o, e) ||
        (e->attributed &&
         (!cJSON_AddBoolToObject(o, "attributed", 1) ||
          !cJSON_AddNumberToObject(o, "cpu_share", e->cpu_share) ||
          !cJSON_AddNumberToObject(o, "whole_energy_j", e->whole_energy_j)))) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

/* cJSON's printer allocates with its own hooks: copy into ours. */
static char *print_owned(cJSON *item)
{
    char *printed = item ? cJSON_PrintUnformatted(item) : NULL;
    char *out = printed ? wn_strdup(printed) : NULL;
    cJSON_free(printed);
    return out;
}

char *wn_energy_json_string(const wn_energy *e)
{
    cJSON *o = wn_energy_to_json(e);
    char *out = print_owned(o);
    cJSON_Delete(o);
    return out;
}

char *wn_energy_domains_json(const wn_energy *e)
{
    cJSON *arr = cJSON_CreateArray();
    char *out = NULL;
    if (arr == NULL || e == NULL)
        goto out;
    size_t n = e->n_domains < WN_MAX_DOMAINS ? e->n_domains : WN_MAX_DOMAINS;
    for (size_t i = 0; i < n; i++) {
        cJSON *d = cJSON_CreateObject();
        if (d == NULL)
            goto out;
        cJSON_AddItemToArray(arr, d);
        if (!cJSON_AddStringToObject(d, "name", e->domains[i].name) ||
            !cJSON_AddNumberToObject(d, "energy_j", e->domains[i].energy_j) ||
            !cJSON_AddNumberToObject(d, "in_total", e->domains[i].in_total))
            goto out;
    }
    out = print_owned(arr);
out:
    cJSON_Delete(arr);
    return out;
}

static void domain_from_json(const cJSON *d, wn_energy_domain *dom)
{
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(d, "name");
    const cJSON *j = cJSON_GetObjectItemCaseSensitive(d, "energy_j");
    const cJSON *tot = cJSON_GetObjectItemCaseSensitive(d, "in_total");
    wn__copy_str(dom->name, sizeof dom->name,
                 cJSON_IsString(name) ? name->valuestring : "");
    dom->energy_j = cJSON_IsNumber(j) ? j->valuedouble : NAN;
    dom->in_total = cJSON_IsNumber(tot) ? tot->valueint != 0
                                        : cJSON_IsTrue(tot);
}

int wn_energy_domains_parse(const char *text, wn_energy *e)
{
    if (e == NULL)
        return wn_seterr(WN_EINVAL, "energy: no energy to fill");
    e->n_domains = 0;
    if (text == NULL || text[0] == '\0')
        return WN_OK;
    cJSON *arr = cJSON_Parse(text);
    if (!cJSON_IsArray(arr)) {
        cJSON_Delete(arr);
        return wn_seterr(WN_EFORMAT, "energy: domains are not a JSON array");
    }
    const cJSON *d;
    cJSON_ArrayForEach(d, arr) {
        if (e->n_domains >= WN_MAX_DOMAINS)
            break;
        domain_from_json(d, &e->domains[e->n_domains++]);
    }
    cJSON_Delete(arr);
    return WN_OK;
}
