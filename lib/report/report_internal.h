/*
 * report_internal.h - what the report's files share (private): the
 * context every section reads (runs, model, the quantity shown, per-run
 * facts, groups, scratch arrays), the sections table and the helpers.
 *
 * A section is a function that appends its HTML to the buffer; the page
 * (report.c) calls the entries of wn__report_sections in order.  To add
 * one: write report_NAME.c with `void wn__report_NAME(struct wn_sbuf *,
 * struct wn__report_ctx *)`, declare it below and add a line to the table
 * in report_sections.c (docs/report.md).
 */
#ifndef WN_REPORT_INTERNAL_H
#define WN_REPORT_INTERNAL_H

#include <stddef.h>

#include <wattnet/model.h>
#include <wattnet/report.h>

#include "report/chart.h"
#include "report/sbuf.h"

#define WN_REPORT_MAX_GROUPS 10

/* What the report knows of one run. */
struct wn__report_row {
    int ok;                 /* has the target and features */
    double y;               /* target per datum */
    double ws;              /* per-step working set, bytes */
    double flops;           /* FLOPs per datum */
    double params;
    int level;              /* first level whose capacity holds ws */
    int shape_group, data_group;
};

struct wn__report_ctx {
    const wn_run_record *runs;
    size_t n;
    const wn_report_opts *o;
    wn_hw_profile hw;
    const wn_model *model;  /* may be NULL */
    int energy;             /* 1: joules; 0: seconds */
    const char *unit;       /* "J" | "s" */
    const char *qty;        /* "energy" | "time" */
    struct wn__report_row *rows;                /* n */
    char shapes[WN_REPORT_MAX_GROUPS][32];
    size_t n_shapes;
    char datasets[WN_REPORT_MAX_GROUPS][64];
    size_t n_datasets;
    double *xs, *ys, *tmp;  /* scratch, cap entries each: enough for every
                               run, twice every run's epochs and every
                               power sample */
    size_t cap;
    int number;             /* numbered headings written so far */
};

typedef void (*wn__report_section_fn)(struct wn_sbuf *b,
                                      struct wn__report_ctx *c);

struct wn__report_section {
    const char *name;       /* short id, for docs and tests */
    wn__report_section_fn emit;
};

/* report_sections.c: the sections in page order. */
extern const struct wn__report_section wn__report_sections[];
extern const size_t wn__report_n_sections;

/* report_ctx.c: build / free the context (WN_ENOMEM, WN_EINVAL). */
int wn__report_ctx_init(struct wn__report_ctx *c, const wn_run_record *runs,
                        size_t n, const wn_report_opts *o);
void wn__report_ctx_free(struct wn__report_ctx *c);
/* "<h2>N. title</h2>", N counting the numbered headings. */
void wn__report_heading(struct wn_sbuf *b, struct wn__report_ctx *c,
                        const char *title);
/* Sort v[0..n) ascending. */
void wn__report_sort(double *v, size_t n);
/* Median of v[0..n) (sorts v); NAN for n == 0. */
double wn__report_median(double *v, size_t n);
const char *wn__report_level_label(const wn_hw_profile *hw, int l);
/* One scatter series per shape of the usable runs, points (x(row),
 * y(row)) in c->xs / c->ys; returns the series count. */
size_t wn__report_by_shape(const struct wn__report_ctx *c,
                           struct wn_chart_series *se,
                           double (*x)(const struct wn__report_row *),
                           double (*y)(const struct wn__report_row *));

/* The sections (one file each: report_NAME.c). */
void wn__report_summary(struct wn_sbuf *b, struct wn__report_ctx *c);
void wn__report_working_set(struct wn_sbuf *b, struct wn__report_ctx *c);
void wn__report_efficiency(struct wn_sbuf *b, struct wn__report_ctx *c);
void wn__report_predicted(struct wn_sbuf *b, struct wn__report_ctx *c);
void wn__report_to_loss(struct wn_sbuf *b, struct wn__report_ctx *c);
void wn__report_power(struct wn_sbuf *b, struct wn__report_ctx *c);
void wn__report_study(struct wn_sbuf *b, struct wn__report_ctx *c);
void wn__report_carbon(struct wn_sbuf *b, struct wn__report_ctx *c);
void wn__report_advise_entry(struct wn_sbuf *b, struct wn__report_ctx *c);
void wn__report_crossover(struct wn_sbuf *b, struct wn__report_ctx *c);

#endif /* WN_REPORT_INTERNAL_H */
