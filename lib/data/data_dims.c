/*
 * data_dims.c - the size of a dataset without training on it: its rows,
 * inputs and outputs from the study table (no file read) or from loading
 * it, and how many rows a split trains on.  For predictions of training
 * runs that are not run (`wattnet predict`).
 */
#include <math.h>
#include <string.h>

#include <wattnet/core.h>
#include <wattnet/data.h>
#include <wattnet/data.h>

#define SYNTHETIC_PREFIX "synthetic:"

int wn_dataset_dims(const char *spec, const wn_data_opts *opts, size_t *rows,
                    size_t *inputs, size_t *outputs)
{
    static const wn_data_opts no_opts;
    if (spec == NULL || rows == NULL || inputs == NULL || outputs == NULL)
        return wn_seterr(WN_EINVAL, "data_dims.c:%d: NULL argument",
                         __LINE__);
    const char *name = spec;
    size_t np = strlen(SYNTHETIC_PREFIX);
    if (strncmp(spec, SYNTHETIC_PREFIX, np) == 0)
        name = spec + np;
    const wn_study_dataset *sd = wn_study_dataset_find(name);
    if (sd != NULL) {
        *rows = sd->rows;
        *inputs = sd->inputs;
        *outputs = sd->outputs;
        return WN_OK;
    }
    wn_dataset *d = NULL;
    int rc = wn_dataset_load(spec, opts ? opts : &no_opts, &d);
    if (rc != WN_OK)
        return rc;
    *rows = wn_dataset_rows(d);
    *inputs = wn_dataset_inputs(d);
    *outputs = wn_dataset_outputs(d);
    wn_dataset_free(&d);
    return WN_OK;
}

size_t wn_split_train_rows(size_t rows, double train_fraction)
{
    return (size_t)llround((double)rows * train_fraction);
}
