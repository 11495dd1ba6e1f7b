/*
 * dataset.c - the dataset object: a dense float32 matrix of preprocessed
 * inputs (rows, inputs) and targets (rows, outputs), its task and where it
 * came from.  Loaders (data_read.c, data_synth.c) fill one made here; the
 * trainer and the exporter only read it through the getters below.
 */
#include <string.h>

#include <wattnet/core.h>
#include <wattnet/data.h>

#include "data/data_internal.h"

/* ---- construction -------------------------------------------------------- */

int wn__dataset_alloc(const char *name, wn_task task, wn_data_source source,
                      size_t rows, size_t inputs, size_t outputs,
                      wn_dataset **out)
{
    int rc = WN_OK;
    wn_dataset *d = NULL;

    *out = NULL;
    if (rows == 0 || outputs == 0)
        return wn_seterr(WN_EINVAL, "%s: a dataset needs rows and outputs",
                         name ? name : "dataset");
    if ((inputs && rows > SIZE_MAX / sizeof(float) / inputs) ||
        rows > SIZE_MAX / sizeof(float) / outputs)
        return wn_seterr(WN_EINVAL, "%s: %zu x (%zu + %zu) is too large",
                         name ? name : "dataset", rows, inputs, outputs);
    d = wn_calloc(1, sizeof(*d));
    if (!d) {
        rc = wn_seterr(WN_ENOMEM, "dataset: out of memory");
        goto out;
    }
    d->task = task;
    d->source = source;
    d->rows = rows;
    d->inputs = inputs;
    d->outputs = outputs;
    d->name = wn_strdup(name ? name : "");
    /* at least one float each, so that x is never NULL (inputs may be 0) */
    d->x = wn_malloc_aligned(sizeof(float) * (inputs ? rows * inputs : 1));
    d->y = wn_malloc_aligned(sizeof(float) * rows * outputs);
    if (!d->name || !d->x || !d->y) {
        rc = wn_seterr(WN_ENOMEM, "%s: out of memory for %zu rows",
                       name ? name : "dataset", rows);
        goto out;
    }
    *out = d;
    d = NULL;
out:
    wn_dataset_free(&d);
    return rc;
}

int wn_dataset_from_arrays(const char *name, wn_task task, size_t rows,
                           size_t inputs, size_t outputs, const float *x,
                           const float *y, wn_dataset **out)
{
    int rc;
    wn_dataset *d = NULL;

    if (!out)
        return wn_seterr(WN_EINVAL, "wn_dataset_from_arrays: out is NULL");
    *out = NULL;
    if ((inputs && !x) || !y)
        return wn_seterr(WN_EINVAL, "wn_dataset_from_arrays: x or y is NULL");
    if (task != WN_TASK_REGRESSION && task != WN_TASK_BINARY &&
        task != WN_TASK_MULTICLASS)
        return wn_seterr(WN_EINVAL, "wn_dataset_from_arrays: bad task %d",
                         (int)task);
    rc = wn__dataset_alloc(name, task, WN_SOURCE_FILE, rows, inputs, outputs,
                           &d);
    if (rc)
        return rc;
    if (inputs)
        memcpy(d->x, x, sizeof(float) * rows * inputs);
    memcpy(d->y, y, sizeof(float) * rows * outputs);
    *out = d;
    return WN_OK;
}

void wn_dataset_free(wn_dataset **d)
{
    if (!d || !*d)
        return;
    wn_free((*d)->name);
    wn_free_aligned((*d)->x);
    wn_free_aligned((*d)->y);
    wn_free(*d);
    *d = NULL;
}

/* ---- getters ------------------------------------------------------------- */

const char *wn_dataset_name(const wn_dataset *d) { return d ? d->name : ""; }
size_t wn_dataset_rows(const wn_dataset *d) { return d ? d->rows : 0; }
size_t wn_dataset_inputs(const wn_dataset *d) { return d ? d->inputs : 0; }
size_t wn_dataset_outputs(const wn_dataset *d) { return d ? d->outputs : 0; }
wn_task wn_dataset_task(const wn_dataset *d)
{
    return d ? d->task : WN_TASK_REGRESSION;
}
wn_data_source wn_dataset_source(const wn_dataset *d)
{
    return d ? d->source : WN_SOURCE_FILE;
}
const float *wn_dataset_x(const wn_dataset *d) { return d ? d->x : NULL; }
const float *wn_dataset_y(const wn_dataset *d) { return d ? d->y : NULL; }

const char *wn_task_name(wn_task t)
{
    switch (t) {
    case WN_TASK_REGRESSION:
        return "regression";
    case WN_TASK_BINARY:
        return "binary";
    case WN_TASK_MULTICLASS:
        return "multiclass";
    }
    return "unknown";
}
