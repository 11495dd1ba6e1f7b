/*
 * folds.c - grouped cross-validation folds.  Every run of a size (then of
 * a shape, then of a dataset) is held out together, so a run is predicted
 * by a model that never saw its group.  With more groups than max_folds,
 * groups are dealt round-robin, in sorted order, into max_folds folds.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <wattnet/core.h>
#include <wattnet/model.h>

#include "model/model_util.h"
#include "model/fit.h"

static void group_key(const wn_run_record *r, int g, char *key, size_t cap)
{
    switch (g) {
    case WN_CV_SIZE:
        snprintf(key, cap, "%llu", (unsigned long long)r->spec.train.size);
        break;
    case WN_CV_SHAPE:
        wn__copy_str(key, cap, r->spec.train.shape);
        break;
    default:
        wn__copy_str(key, cap, r->dataset_name[0] ? r->dataset_name
                                                  : r->spec.dataset);
        break;
    }
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Assign fold[i] for the runs idx[0..n) by grouping g; *n_folds gets the
 * fold count (0: no cross-validation possible). */
int wn__cv_folds(const wn_run_record *runs, const size_t *idx, size_t n,
                 int g, size_t max_folds, size_t *fold, size_t *n_folds)
{
    int rc = WN_OK;
    char (*keys)[128] = wn_calloc(n ? n : 1, sizeof *keys);
    const char **uniq = wn_calloc(n ? n : 1, sizeof *uniq);
    *n_folds = 0;
    if (keys == NULL || uniq == NULL) {
        rc = wn_seterr(WN_ENOMEM, "folds.c:%d: out of memory", __LINE__);
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        group_key(&runs[idx[i]], g, keys[i], sizeof keys[i]);
        uniq[i] = keys[i];
    }
    qsort(uniq, n, sizeof *uniq, cmp_str);
    size_t nu = 0;
    for (size_t i = 0; i < n; i++)
        if (nu == 0 || strcmp(uniq[nu - 1], uniq[i]) != 0)
            uniq[nu++] = uniq[i];
    if (nu < 2)
        goto out;
    size_t nf = nu < max_folds ? nu : max_folds;
    if (nf < 2)
        nf = 2;
    for (size_t i = 0; i < n; i++) {
        const char *k = keys[i];
        const char **hit = bsearch(&k, uniq, nu, sizeof *uniq, cmp_str);
        fold[i] = (size_t)(hit - uniq) % nf;
    }
    *n_folds = nf;
out:
    wn_free(uniq);
    wn_free(keys);
    return rc;
}
