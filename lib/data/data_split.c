/*
 * data_split.c - the seeded train/test split: a Fisher-Yates permutation
 * of the row indices (lib/core/rng.h); the first round(rows * fraction)
 * are the training rows.  The same (rows, fraction, seed) gives the same
 * split everywhere: the trainer and `wattnet data export` rely on it.
 */
#include <math.h>
#include <string.h>

#include <wattnet/core.h>
#include <wattnet/data.h>

#include "core/rng.h"

int wn_split_make(const wn_dataset *d, double train_fraction, uint64_t seed,
                  wn_split *out)
{
    wn_rng rng;
    size_t rows;

    if (!out)
        return wn_seterr(WN_EINVAL, "wn_split_make: out is NULL");
    memset(out, 0, sizeof(*out));
    if (!d)
        return wn_seterr(WN_EINVAL, "wn_split_make: dataset is NULL");
    if (!(train_fraction >= 0.0 && train_fraction <= 1.0))
        return wn_seterr(WN_EINVAL,
                         "split: train fraction %g is not in [0, 1]",
                         train_fraction);
    rows = wn_dataset_rows(d);
    if (rows == 0 || rows > SIZE_MAX / sizeof(size_t))
        return wn_seterr(WN_EINVAL, "split: dataset has %zu rows", rows);
    out->idx = wn_malloc(rows * sizeof(size_t));
    if (!out->idx)
        return wn_seterr(WN_ENOMEM, "split: out of memory for %zu rows", rows);
    for (size_t i = 0; i < rows; i++)
        out->idx[i] = i;
    wn__rng_seed(&rng, seed);
    wn__rng_shuffle(&rng, out->idx, rows);
    /* round half away from zero; rows * fraction is exact enough here */
    out->n_train = (size_t)llround((double)rows * train_fraction);
    if (out->n_train > rows)
        out->n_train = rows;
    out->n_test = rows - out->n_train;
    return WN_OK;
}

void wn_split_free(wn_split *s)
{
    if (!s)
        return;
    wn_free(s->idx);
    memset(s, 0, sizeof(*s));
}
