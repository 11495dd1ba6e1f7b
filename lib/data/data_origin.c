/*
 * data_origin.c - wn_data_resolve: which file (or stand-in) a dataset spec
 * means, with the file's SHA-256, so that a run can record what it trained
 * on and `status`/the report can say it.  The lookup order is
 * wn_dataset_load's (data_load.c): a path, "synthetic:NAME", then NAME.tsv.gz
 * in the data directory, then in $WATTNET_DATA, then the stand-in.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <wattnet/core.h>
#include <wattnet/data_origin.h>

#include "core/sha256.h"
#include "core/util.h"
#include "data/data_internal.h"


/* dir/NAME.tsv.gz into path when it exists: 1, else 0.  A path too long
 * for PATH is not looked at (never a cut path that names another file);
 * *too_long says so. */
static int found_in(const char *dir, const char *name, char *path, size_t cap,
                    int *too_long)
{
    if (!dir || !*dir)
        return 0;
    int n = snprintf(path, cap, "%s/%s.tsv.gz", dir, name);
    if (n < 0 || (size_t)n >= cap) {
        *too_long = 1;
        path[0] = '\0';
        return 0;
    }
    return access(path, F_OK) == 0;
}

static void stem(const char *path, char *name, size_t cap)
{
    static const char *const exts[] = {".tsv.gz", ".csv.gz", ".tsv", ".csv", ".gz"};
    const char *base = strrchr(path, '/');
    wn__copy_str(name, cap, base ? base + 1 : path);
    for (size_t i = 0; i < sizeof exts / sizeof exts[0]; i++)
        if (wn__data_ends_with(name, exts[i]) && strlen(name) > strlen(exts[i])) {
            name[strlen(name) - strlen(exts[i])] = '\0';
            break;
        }
}

/* Make PATH absolute when it can be (realpath), so that the record says
 * which file it was wherever it is read. */
static void absolute(char *path, size_t cap)
{
    char *real = realpath(path, NULL);
    if (real && strlen(real) < cap)
        wn__copy_str(path, cap, real);
    free(real);
}

int wn_data_resolve(const char *spec, const wn_data_opts *opts, int checksum,
                    wn_data_origin *out)
{
    if (!out)
        return wn_seterr(WN_EINVAL, "dataset: NULL origin");
    memset(out, 0, sizeof *out);
    if (!spec || !*spec)
        return wn_seterr(WN_EINVAL, "dataset: empty dataset spec");
    const char *dir = opts ? opts->data_dir : NULL;
    const char *env = getenv("WATTNET_DATA");
    if (!strncmp(spec, "synthetic:", 10)) {
        if (!wn_study_dataset_find(spec + 10))
            return wn_seterr(WN_ENOENT, "%s: '%s' is not a study dataset", spec,
                             spec + 10);
        out->source = WN_SOURCE_SYNTHETIC;
        wn__copy_str(out->name, sizeof out->name, spec + 10);
        return WN_OK;
    }
    out->source = WN_SOURCE_FILE;
    int too_long = 0;
    if (wn__data_is_path(spec)) {
        int rc = wn__copy_str_fit(out->path, sizeof out->path, spec,
                                  "dataset path");
        if (rc != WN_OK)
            return rc;
        stem(spec, out->name, sizeof out->name);
        if (access(spec, F_OK) != 0)
            return wn_seterr(WN_ENOENT, "%s: no such file", spec);
    } else if (found_in(dir, spec, out->path, sizeof out->path, &too_long) ||
               found_in(env, spec, out->path, sizeof out->path, &too_long)) {
        wn__copy_str(out->name, sizeof out->name, spec);
    } else if (too_long) {
        return wn_seterr(WN_EINVAL, "%.40s: the data directory and name make "
                         "a path longer than %zu characters", spec,
                         sizeof out->path - 1);
    } else {
        out->path[0] = '\0';
        if (!wn_study_dataset_find(spec))
            return wn_seterr(WN_ENOENT, "%s: no %s.tsv.gz in the data directory "
                             "(%s) or $WATTNET_DATA (%s), and not a study "
                             "dataset", spec, spec, dir ? dir : "none",
                             env && *env ? env : "unset");
        out->source = WN_SOURCE_SYNTHETIC;
        wn__copy_str(out->name, sizeof out->name, spec);
        snprintf(out->notice, sizeof out->notice, "%s: %s.tsv.gz not found in "
                 "the data directory (%s) or $WATTNET_DATA (%s); using the "
                 "synthetic stand-in", spec, spec, dir ? dir : "none",
                 env && *env ? env : "unset");
        return WN_OK;
    }
    absolute(out->path, sizeof out->path);
    return checksum ? wn__sha256_file(out->path, out->sha256) : WN_OK;
}
