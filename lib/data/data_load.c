/*
 * data_load.c - wn_dataset_load: from a SPEC (a path, "synthetic:NAME" or
 * a NAME) to a loaded dataset.  A NAME is looked up as NAME.tsv.gz in
 * opts->data_dir, then in $WATTNET_DATA; a study dataset that is not found
 * falls back to its synthetic stand-in and says so once through
 * opts->notice.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <wattnet/core.h>
#include <wattnet/data.h>

#include "data/data_internal.h"

static const char *const file_exts[] = {".tsv.gz", ".csv.gz", ".tsv", ".csv",
                                        ".gz"};

int wn__data_ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

int wn__data_is_path(const char *spec)
{
    return strchr(spec, '/') || wn__data_ends_with(spec, ".tsv") ||
           wn__data_ends_with(spec, ".tsv.gz") || wn__data_ends_with(spec, ".csv") ||
           wn__data_ends_with(spec, ".csv.gz");
}

/* The dataset name of a path: its file name without the data extension.
 * Returns a wn_malloc'd string or NULL. */
static char *stem_of(const char *path)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    char *s = wn_strdup(base);
    if (!s)
        return NULL;
    for (size_t i = 0; i < sizeof(file_exts) / sizeof(file_exts[0]); i++)
        if (wn__data_ends_with(s, file_exts[i]) && strlen(s) > strlen(file_exts[i])) {
            s[strlen(s) - strlen(file_exts[i])] = '\0';
            break;
        }
    return s;
}

/* dir/NAME.tsv.gz if that file exists: *found is wn_malloc'd, else NULL. */
static int find_in(const char *dir, const char *name, char **found)
{
    *found = NULL;
    if (!dir || !*dir)
        return WN_OK;
    size_t n = strlen(dir) + strlen(name) + sizeof("/.tsv.gz");
    char *p = wn_malloc(n);
    if (!p)
        return wn_seterr(WN_ENOMEM, "%s: out of memory", name);
    snprintf(p, n, "%s/%s.tsv.gz", dir, name);
    if (access(p, F_OK) == 0)
        *found = p;
    else
        wn_free(p);
    return WN_OK;
}

/* Does D look like the study's dataset SD (SPEC section 2)? */
static int matches_study(const wn_dataset *d, const wn_study_dataset *sd)
{
    return wn_dataset_rows(d) == sd->rows &&
           wn_dataset_inputs(d) == sd->inputs &&
           wn_dataset_outputs(d) == sd->outputs &&
           wn_dataset_task(d) == sd->task;
}

static void notice_mismatch(const wn_data_opts *opts, const char *path,
                            const wn_dataset *d, const wn_study_dataset *sd)
{
    char line[1024];
    snprintf(line, sizeof line, "%s: found under the study name '%s' but it "
             "is not the study's %s (%zu rows, %zu inputs, %zu outputs, %s): "
             "it has %zu rows, %zu inputs, %zu outputs (%s); using the "
             "generic column rules", path, sd->name, sd->name, sd->rows,
             sd->inputs, sd->outputs, wn_task_name(sd->task),
             wn_dataset_rows(d), wn_dataset_inputs(d), wn_dataset_outputs(d),
             wn_task_name(wn_dataset_task(d)));
    opts->notice(opts->user, line);
}

/* A file found under NAME: when NAME is a study dataset, the file must
 * match the study's table, or it is loaded with the generic rules (no
 * study-specific rule such as mnist's /255) and the user is told. */
static int load_named_file(const char *path, const char *name,
                           const wn_data_opts *opts, wn_dataset **out)
{
    const wn_study_dataset *sd = wn_study_dataset_find(name);
    int rc = wn__data_load_file(path, name, opts, 1, out);
    if (rc != WN_OK || sd == NULL || matches_study(*out, sd))
        return rc;
    if (opts->notice)
        notice_mismatch(opts, path, *out, sd);
    wn_dataset_free(out);
    return wn__data_load_file(path, name, opts, 0, out);
}

int wn_dataset_load(const char *spec, const wn_data_opts *opts,
                    wn_dataset **out)
{
    static const wn_data_opts no_opts;
    int rc = WN_OK;
    char *path = NULL, *name = NULL;
    const wn_study_dataset *sd;
    const char *env;

    if (!out)
        return wn_seterr(WN_EINVAL, "wn_dataset_load: out is NULL");
    *out = NULL;
    if (!opts)
        opts = &no_opts;
    if (!spec || !*spec)
        return wn_seterr(WN_EINVAL, "dataset: empty dataset spec");

    if (strncmp(spec, "synthetic:", 10) == 0) {
        sd = wn_study_dataset_find(spec + 10);
        if (!sd)
            return wn_seterr(WN_ENOENT, "%s: '%s' is not one of the %zu study "
                             "datasets", spec, spec + 10,
                             wn_study_dataset_count());
        return wn__data_synthetic(sd, opts->seed, out);
    }
    if (wn__data_is_path(spec)) {
        name = stem_of(spec);
        if (!name)
            return wn_seterr(WN_ENOMEM, "%s: out of memory", spec);
        rc = wn__data_load_file(spec, name, opts, 1, out);
        goto out;
    }

    env = getenv("WATTNET_DATA");
    rc = find_in(opts->data_dir, spec, &path);
    if (!rc && !path)
        rc = find_in(env, spec, &path);
    if (rc)
        goto out;
    if (path) {
        rc = load_named_file(path, spec, opts, out);
        goto out;
    }
    sd = wn_study_dataset_find(spec);
    if (!sd) {
        rc = wn_seterr(WN_ENOENT, "%s: no %s.tsv.gz in the data directory "
                       "(%s) or $WATTNET_DATA (%s), and not a study dataset",
                       spec, spec, opts->data_dir ? opts->data_dir : "none",
                       env && *env ? env : "unset");
        goto out;
    }
    rc = wn__data_synthetic(sd, opts->seed, out);
    if (rc == WN_OK && opts->notice) {
        char line[512];
        snprintf(line, sizeof(line), "%s: %s.tsv.gz not found in the data "
                 "directory (%s) or $WATTNET_DATA (%s); using the synthetic "
                 "stand-in", spec, spec,
                 opts->data_dir ? opts->data_dir : "none",
                 env && *env ? env : "unset");
        opts->notice(opts->user, line);
    }
out:
    wn_free(path);
    wn_free(name);
    return rc;
}
