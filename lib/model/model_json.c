/*
 * model_json.c - a fitted model as JSON (what `wattnet fit` writes and
 * `wattnet predict` / `wattnet report` read): the target, the hardware
 * profile, and per model its coefficients with units and its held-out
 * figures, combined and per grouping.  Format in docs/model.md.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include <wattnet/core.h>
#include <wattnet/model.h>

#include "model/model_util.h"

#define MODEL_FORMAT 1
#define INTERVAL_NOTE "80%: empirical 10th/90th percentiles of held-out " \
                      "log(predicted/measured), the three groupings pooled"

/* ---- writing -------------------------------------------------------------- */

static int add_num(cJSON *o, const char *k, double v)
{
    if (!isfinite(v))
        return cJSON_AddNullToObject(o, k) != NULL;
    return cJSON_AddNumberToObject(o, k, v) != NULL;
}

static int add_stats(cJSON *o, const char *prefix, const wn_cv_stats *s)
{
    char k[48];
    int ok = 1;
#define ADD(field)                                                        \
    do {                                                                  \
        snprintf(k, sizeof k, "%s" #field, prefix);                      \
        ok = ok && add_num(o, k, s->n ? (double)s->field : NAN);          \
    } while (0)
    snprintf(k, sizeof k, "%sn", prefix);
    ok = ok && add_num(o, k, (double)s->n);
    snprintf(k, sizeof k, "%sn_folds", prefix);
    ok = ok && add_num(o, k, (double)s->n_folds);
    snprintf(k, sizeof k, "%sn_groups", prefix);
    ok = ok && add_num(o, k, (double)s->n_groups);
    ADD(r2);
    ADD(r2_linear);
    ADD(mape);
    ADD(median_log_ratio);
    ADD(std_log_ratio);
    ADD(robust_std_log_ratio);
    ADD(q10_log_ratio);
    ADD(q90_log_ratio);
#undef ADD
    return ok;
}

char *wn_model_to_json(const wn_model *m)
{
    cJSON *root = cJSON_CreateObject();
    cJSON *models = NULL;
    char *text = NULL, *copy = NULL;
    if (root == NULL || m == NULL)
        goto out;
    cJSON *hw = wn__hw_profile_to_cjson(&m->hw);
    if (hw == NULL || !cJSON_AddItemToObject(root, "hardware", hw)) {
        cJSON_Delete(hw);
        goto out;
    }
    int ok = add_num(root, "wattnet_model", MODEL_FORMAT) &&
             cJSON_AddStringToObject(root, "target", m->target) &&
             cJSON_AddStringToObject(root, "target_note", m->target_note) &&
             cJSON_AddStringToObject(root, "interval", INTERVAL_NOTE) &&
             add_num(root, "n_runs", (double)m->n_runs) &&
             add_num(root, "n_measured", (double)m->n_measured) &&
             add_num(root, "n_estimated", (double)m->n_estimated) &&
             add_num(root, "n_simulated", (double)m->n_simulated) &&
             add_num(root, "n_time_only", (double)m->n_time_only) &&
             add_num(root, "n_noisy_left_out", (double)m->n_noisy) &&
             add_num(root, "max_epoch_spread", m->max_epoch_spread) &&
             add_num(root, "n_contended_left_out",
                     (double)m->n_contended_left_out) &&
             add_num(root, "n_contended_kept", (double)m->n_contended_kept) &&
             add_num(root, "n_partly_contended",
                     (double)m->n_partly_contended) &&
             (models = cJSON_AddArrayToObject(root, "models")) != NULL;
    for (size_t k = 0; ok && k < m->n_models; k++) {
        const wn_model_fit *mf = &m->models[k];
        cJSON *o = cJSON_CreateObject(), *coefs = NULL, *cv = NULL;
        if (o == NULL || !cJSON_AddItemToArray(models, o)) {
            cJSON_Delete(o);
            ok = 0;
            break;
        }
        ok = cJSON_AddStringToObject(o, "name", mf->name) &&
             (coefs = cJSON_AddArrayToObject(o, "coefficients")) != NULL;
        for (size_t j = 0; ok && j < mf->n_coefs; j++) {
            cJSON *c = cJSON_CreateObject();
            if (c == NULL || !cJSON_AddItemToArray(coefs, c)) {
                cJSON_Delete(c);
                ok = 0;
                break;
            }
            ok = cJSON_AddStringToObject(c, "name", mf->coefs[j].name) &&
                 add_num(c, "value", mf->coefs[j].value) &&
                 cJSON_AddStringToObject(c, "unit", mf->coefs[j].unit);
        }
        ok = ok && add_stats(o, "cv_", &mf->cv[WN_CV_COMBINED]) &&
             (cv = cJSON_AddObjectToObject(o, "cv")) != NULL;
        for (int g = 0; ok && g < WN_CV_COMBINED; g++) {
            cJSON *go = cJSON_AddObjectToObject(cv, wn_cv_grouping_name(g));
            ok = go != NULL && add_stats(go, "", &mf->cv[g]);
        }
        cJSON *is = ok ? cJSON_AddObjectToObject(o, "in_sample") : NULL;
        ok = ok && is != NULL && add_stats(is, "", &mf->in_sample);
    }
    if (!ok)
        goto out;
    text = cJSON_Print(root);
    if (text != NULL)
        copy = wn_strdup(text);
out:
    cJSON_free(text);
    cJSON_Delete(root);
    return copy;
}

int wn_model_save(const wn_model *m, const char *path)
{
    char *s = wn_model_to_json(m);
    if (s == NULL)
        return wn_seterr(WN_ENOMEM, "%s: out of memory writing the model",
                         path ? path : "model");
    size_t n = strlen(s);
    s[n] = '\0';
    int rc = wn__write_file_atomic(path, s, n);
    wn_free(s);
    return rc;
}

/* ---- reading --------------------------------------------------------------- */

static double get_num(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

/* A count field: a finite value in (0, 2^53], else 0 (casting a larger
 * double to size_t is undefined behaviour: the fuzzing kind of 1e50). */
static size_t get_count(const cJSON *o, const char *key)
{
    double v = get_num(o, key);
    return isfinite(v) && v > 0 && v <= 9007199254740992.0 ? (size_t)v : 0;
}

static void read_stats(const cJSON *o, const char *prefix, wn_cv_stats *s)
{
    char k[48];
    memset(s, 0, sizeof *s);
    if (o == NULL)
        return;
#define GET(field)                                                        \
    do {                                                                  \
        snprintf(k, sizeof k, "%s" #field, prefix);                      \
        s->field = get_num(o, k);                                         \
    } while (0)
    snprintf(k, sizeof k, "%sn", prefix);
    s->n = get_count(o, k);
    snprintf(k, sizeof k, "%sn_folds", prefix);
    s->n_folds = get_count(o, k);
    snprintf(k, sizeof k, "%sn_groups", prefix);
    s->n_groups = get_count(o, k);   /* absent in older model files: 0 */
    GET(r2);
    GET(r2_linear);
    GET(mape);
    GET(median_log_ratio);
    GET(std_log_ratio);
    GET(robust_std_log_ratio);
    GET(q10_log_ratio);
    GET(q90_log_ratio);
#undef GET
    if (!isfinite(s->q10_log_ratio))
        s->q10_log_ratio = 0.0;
    if (!isfinite(s->q90_log_ratio))
        s->q90_log_ratio = 0.0;
}


/* Format, target and note, hardware and counts of the model file. */
static int parse_head(const cJSON *root, const char *origin, wn_model *m)
{
    if (!(get_num(root, "wattnet_model") == MODEL_FORMAT))
        return wn_seterr(WN_EFORMAT, "%s: wattnet_model: missing or not %d "
                         "(not a wattnet model file?)", origin, MODEL_FORMAT);
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(root, "target");
    if (!cJSON_IsString(t) || (strcmp(t->valuestring, WN_TARGET_ENERGY) &&
                               strcmp(t->valuestring, WN_TARGET_TIME)))
        return wn_seterr(WN_EFORMAT, "%s: target: missing or not \"%s\" / "
                         "\"%s\"", origin, WN_TARGET_ENERGY, WN_TARGET_TIME);
    wn__copy_str(m->target, sizeof m->target, t->valuestring);
    const cJSON *note = cJSON_GetObjectItemCaseSensitive(root, "target_note");
    if (cJSON_IsString(note) &&
        wn__copy_str_fit(m->target_note, sizeof m->target_note,
                         note->valuestring, "target_note") != WN_OK)
        return wn_seterr(WN_EFORMAT, "%s: %s", origin, wn_errmsg());
    char where[300];
    snprintf(where, sizeof where, "%s: hardware", origin);
    const cJSON *hw = cJSON_GetObjectItemCaseSensitive(root, "hardware");
    int rc = wn__hw_profile_from_cjson(hw, where, &m->hw);
    if (rc != WN_OK)
        return rc;
    m->n_runs = get_count(root, "n_runs");
    m->n_measured = get_count(root, "n_measured");
    m->n_estimated = get_count(root, "n_estimated");
    m->n_simulated = get_count(root, "n_simulated");
    m->n_time_only = get_count(root, "n_time_only");
    m->n_noisy = get_count(root, "n_noisy_left_out");
    double v = get_num(root, "max_epoch_spread");
    m->max_epoch_spread = isfinite(v) && v > 0 ? v : 0.0;
    m->n_contended_left_out = get_count(root, "n_contended_left_out");
    m->n_contended_kept = get_count(root, "n_contended_kept");
    m->n_partly_contended = get_count(root, "n_partly_contended");
    return WN_OK;
}

static int parse_coefs(const cJSON *cs, const char *origin, size_t k,
                       wn_model_fit *mf)
{
    if (!cJSON_IsArray(cs) || cJSON_GetArraySize(cs) < 1 ||
        cJSON_GetArraySize(cs) > WN_MODEL_MAX_COEFS)
        return wn_seterr(WN_EFORMAT, "%s: models[%zu].coefficients: missing "
                         "or not an array", origin, k);
    const cJSON *c;
    cJSON_ArrayForEach(c, cs) {
        wn_coef *co = &mf->coefs[mf->n_coefs];
        const cJSON *cn = cJSON_GetObjectItemCaseSensitive(c, "name");
        const cJSON *cu = cJSON_GetObjectItemCaseSensitive(c, "unit");
        double cv = get_num(c, "value");
        if (!cJSON_IsString(cn) || !isfinite(cv) || cv < 0.0)
            return wn_seterr(WN_EFORMAT, "%s: models[%zu].coefficients[%zu]:"
                             " needs a name and a value >= 0", origin, k,
                             mf->n_coefs);
        int rc = wn__copy_str_fit(co->name, sizeof co->name,
                                  cn->valuestring, "coefficient name");
        if (rc == WN_OK)
            rc = wn__copy_str_fit(co->unit, sizeof co->unit,
                                  cJSON_IsString(cu) ? cu->valuestring : "",
                                  "coefficient unit");
        if (rc != WN_OK)
            return wn_seterr(WN_EFORMAT, "%s: models[%zu].coefficients[%zu]: "
                             "%s", origin, k, mf->n_coefs, wn_errmsg());
        co->value = cv;
        mf->n_coefs++;
    }
    return WN_OK;
}

/* models[k]: name, coefficients and figures. */
static int parse_fit(const cJSON *mo, const char *origin, size_t k,
                     wn_model_fit *mf)
{
    const cJSON *nm = cJSON_GetObjectItemCaseSensitive(mo, "name");
    int known = 0;
    for (int q = 0; q < WN_MODEL_COUNT; q++)
        if (cJSON_IsString(nm) &&
            strcmp(nm->valuestring, wn_model_kind_name(q)) == 0)
            known = 1;
    if (!known)
        return wn_seterr(WN_EFORMAT, "%s: models[%zu].name: missing or not "
                         "a known model", origin, k);
    wn__copy_str(mf->name, sizeof mf->name, nm->valuestring);
    int rc = parse_coefs(cJSON_GetObjectItemCaseSensitive(mo, "coefficients"),
                         origin, k, mf);
    if (rc != WN_OK)
        return rc;
    read_stats(mo, "cv_", &mf->cv[WN_CV_COMBINED]);
    const cJSON *cv = cJSON_GetObjectItemCaseSensitive(mo, "cv");
    for (int g = 0; g < WN_CV_COMBINED; g++)
        read_stats(cJSON_GetObjectItemCaseSensitive(cv,
                       wn_cv_grouping_name(g)), "", &mf->cv[g]);
    read_stats(cJSON_GetObjectItemCaseSensitive(mo, "in_sample"), "",
               &mf->in_sample);
    return WN_OK;
}

int wn_model_parse(const char *json, const char *origin, wn_model *out)
{
    int rc = WN_OK;
    cJSON *root = NULL;
    wn_model *m = NULL;
    if (json == NULL || out == NULL)
        return wn_seterr(WN_EINVAL, "model_json.c:%d: NULL argument", __LINE__);
    if (origin == NULL)
        origin = "model";
    m = wn_calloc(1, sizeof *m);
    if (m == NULL)
        return wn_seterr(WN_ENOMEM, "%s: out of memory", origin);
    root = cJSON_Parse(json);
    if (root == NULL) {
        rc = wn_seterr(WN_EFORMAT, "%s: not valid JSON", origin);
        goto out;
    }
    if ((rc = parse_head(root, origin, m)) != WN_OK)
        goto out;
    const cJSON *models = cJSON_GetObjectItemCaseSensitive(root, "models");
    if (!cJSON_IsArray(models) || cJSON_GetArraySize(models) < 1 ||
        cJSON_GetArraySize(models) > WN_MODEL_COUNT) {
        rc = wn_seterr(WN_EFORMAT, "%s: models: missing or not an array of 1 "
                       "to %d models", origin, WN_MODEL_COUNT);
        goto out;
    }
    const cJSON *mo;
    cJSON_ArrayForEach(mo, models) {
        rc = parse_fit(mo, origin, m->n_models, &m->models[m->n_models]);
        if (rc != WN_OK)
            goto out;
        m->n_models++;
    }
    *out = *m;
out:
    cJSON_Delete(root);
    wn_free(m);
    return rc;
}

int wn_model_load(const char *path, wn_model *out)
{
    char *text = NULL;
    int rc = wn__read_file(path, &text);
    if (rc != WN_OK)
        return rc;
    rc = wn_model_parse(text, path, out);
    wn_free(text);
    return rc;
}
