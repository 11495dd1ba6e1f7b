/*
 * data_internal.h - what the files of the datasets module share (private).
 *
 * The dataset object itself, the file reader (data_read.c), the column
 * rules (data_prep.c) and the synthetic stand-ins (data_synth.c).  Nothing
 * outside lib/data/ should need this header, except unit tests.
 */
#ifndef WN_DATA_INTERNAL_H
#define WN_DATA_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include <wattnet/core.h>
#include <wattnet/data.h>

struct wn_dataset {
    char *name;               /* "adult", "synthetic:adult", file stem */
    wn_task task;
    wn_data_source source;
    size_t rows, inputs, outputs;
    float *x;                 /* (rows, inputs), wn_malloc_aligned */
    float *y;                 /* (rows, outputs), wn_malloc_aligned */
};

/* An empty dataset of the given size with x and y allocated (not zeroed).
 * name is copied.  WN_ENOMEM or WN_EINVAL (size overflow). */
int wn__dataset_alloc(const char *name, wn_task task, wn_data_source source,
                      size_t rows, size_t inputs, size_t outputs,
                      wn_dataset **out);

/* Load one PMLB-style file (.tsv, .tsv.gz, .csv; plain or gzip) with a
 * header row and apply BUTTER's column rules.  opts->target: the label
 * column (NULL: "target").  name: the dataset's name.  study_rules: apply
 * the study dataset's own rule (mnist: features / 255) when NAME is that
 * dataset; 0 uses the generic rules whatever the name.  A column that
 * becomes one-hot only because some of its cells are not numbers is told
 * through opts->notice (its name, the values, the inputs it became).
 * Errors name the file, line and column. */
int wn__data_load_file(const char *path, const char *name,
                       const wn_data_opts *opts, int study_rules,
                       wn_dataset **out);

/* The stand-in for a study dataset: same rows, inputs, outputs and task,
 * inputs uniform in [0,1], labels from a fixed random teacher MLP seeded by
 * the name and seed. */
int wn__data_synthetic(const wn_study_dataset *sd, uint64_t seed,
                       wn_dataset **out);

/* A text table read into memory (data_read.c): the file's bytes with every
 * delimiter and line end replaced by NUL, so each row is ncols consecutive
 * NUL-terminated fields starting at buf + row_off[r]. */
struct wn__table {
    char *buf;                /* owned; the decompressed file */
    size_t len;
    size_t ncols;
    const char **names;       /* ncols header names, pointing into buf */
    size_t nrows;
    size_t *row_off;          /* nrows offsets of the first field */
    size_t *row_line;         /* nrows 1-based line numbers in the file */
    char delim;               /* the separator used: '\t' or ',' */
};

/* Read PATH (plain or gzip) as a table with a header row.  The delimiter is
 * ',' for a .csv or .csv.gz name (or a header with commas but no tab), else
 * TAB.  A UTF-8 byte-order mark before the header is skipped.  Blank lines are skipped.  Errors (one line, naming the file and the
 * line): WN_ENOENT, WN_EPERM, WN_EIO (including a gzip cut short),
 * WN_EFORMAT (empty, header only, ragged row), WN_ENOMEM.  Release with
 * wn__table_clear (also safe on a zeroed or half-filled table). */
int wn__table_read(const char *path, struct wn__table *t);
void wn__table_clear(struct wn__table *t);

/* Parse a whole field as a finite-or-not double.  Returns 1 and sets *v when
 * s (NUL-terminated) is a number in strtod's syntax (inf and nan included),
 * else 0.  Exact: the fast path agrees bit for bit with strtod. */
int wn__data_parse_number(const char *s, double *v);

/* 1 when S ends in SUFFIX. */
int wn__data_ends_with(const char *s, const char *suffix);
/* 1 when SPEC names a file (has a '/' or a .tsv/.tsv.gz/.csv/.csv.gz
 * name), 0 when it is a dataset NAME (data_load.c). */
int wn__data_is_path(const char *spec);

#endif /* WN_DATA_INTERNAL_H */
