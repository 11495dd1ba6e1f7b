/*
 * data.h - datasets: PMLB-style files, BUTTER's preprocessing, the 13 study
 * datasets by name, synthetic stand-ins, and the seeded 80/20 split.
 *
 * A dataset is a dense float32 matrix of preprocessed inputs (rows x inputs)
 * and targets (rows x outputs), row-major, plus its task.  Loading applies
 * BUTTER's column rules (SPEC section 2) to every column, the label too.
 */
#ifndef WATTNET_DATA_H
#define WATTNET_DATA_H

#include <stddef.h>
#include <stdint.h>
#include <wattnet/core.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum wn_task {
    WN_TASK_REGRESSION = 0,   /* 1 min-max-scaled output: sigmoid + MSE */
    WN_TASK_BINARY,           /* 1 output with 0/1 values: sigmoid + BCE */
    WN_TASK_MULTICLASS        /* k>1 one-hot outputs: softmax + CCE */
} wn_task;

typedef enum wn_data_source {
    WN_SOURCE_FILE = 0,
    WN_SOURCE_SYNTHETIC
} wn_data_source;

typedef struct wn_dataset wn_dataset;   /* opaque */

typedef struct wn_data_opts {
    const char *data_dir;   /* searched first for NAME.tsv.gz; may be NULL */
    const char *target;     /* label column; NULL means "target" */
    uint64_t seed;          /* seed for synthetic stand-ins */
    /* Called once with a one-line notice (e.g. "adult: file not found in
     * ...; using the synthetic stand-in").  May be NULL. */
    void (*notice)(void *user, const char *line);
    void *user;
} wn_data_opts;

/* Load a dataset from SPEC:
 *   - a path (contains '/' or ends in .tsv, .tsv.gz or .csv): that file;
 *   - "synthetic:NAME": the stand-in for study dataset NAME;
 *   - "NAME": NAME.tsv.gz in opts->data_dir, then in $WATTNET_DATA; when not
 *     found and NAME is a study dataset, the stand-in, with a notice.
 * Returns WN_OK and sets *out; on failure *out is NULL and wn_errmsg() names
 * the file and, where it helps, the line and column.  Free with
 * wn_dataset_free. */
int wn_dataset_load(const char *spec, const wn_data_opts *opts,
                    wn_dataset **out);

/* Build a dataset from arrays (copied).  x: rows*inputs, y: rows*outputs. */
int wn_dataset_from_arrays(const char *name, wn_task task, size_t rows,
                           size_t inputs, size_t outputs, const float *x,
                           const float *y, wn_dataset **out);

void wn_dataset_free(wn_dataset **d);

const char *wn_dataset_name(const wn_dataset *d);
size_t wn_dataset_rows(const wn_dataset *d);
size_t wn_dataset_inputs(const wn_dataset *d);
size_t wn_dataset_outputs(const wn_dataset *d);
wn_task wn_dataset_task(const wn_dataset *d);
wn_data_source wn_dataset_source(const wn_dataset *d);
const float *wn_dataset_x(const wn_dataset *d);   /* rows x inputs */
const float *wn_dataset_y(const wn_dataset *d);   /* rows x outputs */

const char *wn_task_name(wn_task t);   /* "regression", "binary", "multiclass" */

/* The seeded shuffled split: the first n_train indices of a permutation of
 * 0..rows-1 are the training rows, the rest the test rows.  n_train =
 * round(rows * train_fraction).  idx has rows entries, owned by the split. */
typedef struct wn_split {
    size_t *idx;
    size_t n_train;
    size_t n_test;
} wn_split;

int wn_split_make(const wn_dataset *d, double train_fraction, uint64_t seed,
                  wn_split *out);
void wn_split_free(wn_split *s);

/* Write d to PATH in the binary exchange format of docs/data.md, rows in
 * split order (split->idx: the n_train training rows, then the test rows),
 * so that a peer program (the PyTorch benchmark) trains on exactly the
 * same data and split:
 *   "WNDATA01", u64 rows, u64 inputs, u64 outputs, u64 n_train,
 *   u32 task (0 regression, 1 binary, 2 multiclass), u32 0,
 *   float32 x (rows, inputs), float32 y (rows, outputs); little-endian.
 * Written to a temporary file beside PATH, then renamed.  Returns WN_OK;
 * WN_EINVAL (split does not match d), WN_EIO or WN_ENOMEM with a message. */
int wn_dataset_export(const wn_dataset *d, const wn_split *split,
                      const char *path);

/* The 13 study datasets of SPEC section 2. */
typedef struct wn_study_dataset {
    const char *name;
    size_t rows, raw_features, inputs, outputs;
    wn_task task;
} wn_study_dataset;

size_t wn_study_dataset_count(void);
const wn_study_dataset *wn_study_dataset_at(size_t i);
const wn_study_dataset *wn_study_dataset_find(const char *name); /* or NULL */

/* data_dims.c: rows, inputs and outputs of the dataset SPEC names (the
 * forms of wn_dataset_load), without loading a study dataset: "NAME" or
 * "synthetic:NAME" of a study dataset reads the study table; anything else
 * is loaded with opts (may be NULL).  WN_OK, or wn_dataset_load's error. */
int wn_dataset_dims(const char *spec, const wn_data_opts *opts, size_t *rows,
                    size_t *inputs, size_t *outputs);

/* The training rows of a split of `rows` rows: round(rows x
 * train_fraction), as wn_split_make draws them. */
size_t wn_split_train_rows(size_t rows, double train_fraction);

#ifdef __cplusplus
}
#endif
#endif /* WATTNET_DATA_H */
