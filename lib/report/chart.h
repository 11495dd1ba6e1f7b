/*
 * chart.h - scatter/line charts as inline SVG for the HTML report
 * (private): linear or log axes with ticks and unit labels, coloured
 * series with a legend, optional labelled vertical lines (cache
 * boundaries) and the y = x diagonal.  No scripts, no external fonts.
 */
#ifndef WN_REPORT_CHART_H
#define WN_REPORT_CHART_H

#include <stddef.h>

#include "report/sbuf.h"

#define WN_CHART_MAX_VLINES 8

struct wn_chart_series {
    const char *label;
    size_t n;
    const double *x, *y;   /* points with x or y <= 0 are skipped on log axes */
    int line;              /* 1: join the points in order */
};

struct wn_chart {
    const char *title;
    const char *xlabel, *ylabel;   /* with units */
    int logx, logy;
    size_t n_series;
    const struct wn_chart_series *series;
    size_t n_vlines;
    double vline_x[WN_CHART_MAX_VLINES];
    const char *vline_label[WN_CHART_MAX_VLINES];
    int diagonal;                  /* draw y = x */
};

/* Colour i of the palette (cycles). */
const char *wn__chart_color(size_t i);

/* Append <svg>...</svg>.  A chart with no drawable point gets a short
 * "no data" picture instead; never fails (memory errors are sticky in b). */
void wn__chart_svg(struct wn_sbuf *b, const struct wn_chart *c);

/* Bytes as "48 KiB", "32 MiB" (into buf). */
const char *wn__fmt_bytes(double bytes, char *buf, size_t cap);

#endif /* WN_REPORT_CHART_H */
