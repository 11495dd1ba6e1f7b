/*
 * study_internal.h - what the study's files share: a streaming CSV reader
 * that knows where each field starts (file:line:column errors), the time
 * parser, the per-run window integrator and the per-node power histogram.
 */
#ifndef WN_STUDY_INTERNAL_H
#define WN_STUDY_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <wattnet/study.h>

/* ---- CSV (RFC 4180; quoted fields may span lines) ------------------------- */
struct wn__csv {
    FILE *f;
    const char *path;
    size_t line;              /* line of the current row's start */
    size_t next_line;         /* line the next read starts on */
    char *buf;                /* the row, unquoted in place */
    size_t cap;
    char **field;
    size_t *col;              /* 1-based column of each field */
    size_t n, fcap;
    uint64_t bytes;           /* read so far */
};

/* WN_OK, WN_ENOENT (no such file) or WN_EIO. */
int wn__csv_open(struct wn__csv *c, const char *path);
/* Read the next row: WN_OK, WN_ENOENT at the end, WN_EFORMAT (an unclosed
 * quote), WN_ENOMEM. */
int wn__csv_next(struct wn__csv *c);
void wn__csv_close(struct wn__csv *c);
/* Set "path:line:column: message" for field I (I = n: the end of the row)
 * and return WN_EFORMAT. */
int wn__csv_error(const struct wn__csv *c, size_t i, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Index of column NAME in the header row, or -1. */
int wn__csv_find(const struct wn__csv *c, const char *name);
/* Strict numbers of field I; WN_EFORMAT with the position on failure. */
int wn__csv_double(const struct wn__csv *c, size_t i, const char *what,
                   double *out);
int wn__csv_u64(const struct wn__csv *c, size_t i, const char *what,
                uint64_t *out);

/* Unix seconds, or ISO-8601 "YYYY-MM-DD[ T]HH:MM:SS[.f][Z|+HH:MM|-HH:MM]".
 * 0 on success. */

/* ---- One run's window over a node's samples -------------------------------
 * A sample's watts hold until the next sample of the node (the last holds
 * to the window's end); the intervals that straddle the window's ends are
 * counted for the part inside it; a window opening before the first
 * reading gets that reading held back to its start.  Feed samples in time
 * order. */
struct wn__window {
    double t0, t1;
    int have_prev;
    double prev_t, prev_w;
    double first_t, first_w;
    double energy_j;
    size_t inside;            /* samples in [t0, t1] */
    int zero;                 /* a 0 W reading was in effect in the window */
};

void wn__window_init(struct wn__window *w, double t0, double t1);
void wn__window_add(struct wn__window *w, double t, double watts);
/* Close the window: energy_j final; *flag "" or "no-samples",
 * "zero-watts". */
void wn__window_finish(struct wn__window *w, const char **flag);

/* ---- A node's power distribution in bounded memory ------------------------
 * 1 W bins up to 4096 W (higher readings share the last bin) keep a count and a sum each; a quantile is the mean
 * of the samples in the bin that holds it (exact when they are equal). */
#define WN__HIST_BINS 4096
struct wn__hist {
    uint64_t n;
    uint32_t count[WN__HIST_BINS];
    double sum[WN__HIST_BINS];
};

void wn__hist_add(struct wn__hist *h, double watts);
double wn__hist_quantile(const struct wn__hist *h, double q);

#endif /* WN_STUDY_INTERNAL_H */

/* ---- The pipeline's working rows (study_analyze.c -> study_costs.c) ------- */
struct wn__study_cfg {
    int is_gpu;
    const char *dataset;
    const char *shape;         /* "rectangle" for every depth-2 run */
    size_t depth;
    uint64_t size;
    size_t batch, epochs, train_rows;
    double params;             /* median */
    double value;              /* median non-overhead J (or s) per run */
    int has_datum;
    double per_datum;          /* median value / (batches * epochs * batch) */
    size_t runs;
};

/* Fill the marginal costs, steps and crossover of R from CFG[0..n). */
int wn__study_costs(const struct wn__study_cfg *cfg, size_t n,
                    const wn_study_opts *o, wn_study_result *r);
/* The q-quantile of v[0..n) with linear interpolation (numpy's default);
 * sorts v. */
double wn__study_quantile(double *v, size_t n, double q);
