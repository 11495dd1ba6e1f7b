/*
 * chart.c - inline SVG charts for the report (see chart.h).  Layout: a
 * 760 x 440 view box, the plot area left of a legend column; ticks at
 * powers of ten (log axes) or at 1-2-5 steps (linear axes).  Every chart
 * carries its title, axis labels with units and a legend.
 */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <wattnet/core.h>

#include "report/chart.h"

#define W 760.0
#define H 440.0
#define ML 86.0   /* margins: left, right (legend), top, bottom */
#define MR 190.0
#define MT 40.0
#define MB 62.0

static const char *PALETTE[] = {
    "#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd",
    "#8c564b", "#e377c2", "#17becf", "#7f7f7f", "#bcbd22",
};

const char *wn__chart_color(size_t i)
{
    return PALETTE[i % (sizeof PALETTE / sizeof PALETTE[0])];
}

const char *wn__fmt_bytes(double bytes, char *buf, size_t cap)
{
    static const char *u[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    int k = 0;
    while (bytes >= 1024.0 && k < 4) {
        bytes /= 1024.0;
        k++;
    }
    snprintf(buf, cap, "%.4g %s", bytes, u[k]);
    return buf;
}

/* ---- axes ----------------------------------------------------------------- */

struct axis {
    int log;
    double lo, hi;   /* in axis units (log10 when log) */
};

static double tr(const struct axis *a, double v)
{
    return a->log ? log10(v) : v;
}

static int usable(const struct wn_chart *c, double x, double y)
{
    if (!isfinite(x) || !isfinite(y))
        return 0;
    if (c->logx && x <= 0.0)
        return 0;
    if (c->logy && y <= 0.0)
        return 0;
    return 1;
}

static void pad_axis(struct axis *a)
{
    if (!(a->hi > a->lo)) {
        double d = a->log ? 0.5 : (fabs(a->lo) > 0 ? 0.1 * fabs(a->lo) : 1.0);
        a->lo -= d;
        a->hi += d;
    }
    double span = a->hi - a->lo;
    a->lo -= 0.04 * span;
    a->hi += 0.04 * span;
}

static double nice_step(double span, int target)
{
    double raw = span / target;
    double p = pow(10.0, floor(log10(raw)));
    double m = raw / p;
    double s = m < 1.5 ? 1 : m < 3.5 ? 2 : m < 7.5 ? 5 : 10;
    return s * p;
}

static void fmt_tick(double v, int log, char *buf, size_t cap)
{
    if (log) {
        double e = round(v);
        if (fabs(v - e) < 1e-9) {
            if (e >= -2 && e <= 4)
                snprintf(buf, cap, "%g", pow(10.0, e));
            else
                snprintf(buf, cap, "1e%d", (int)e);
            return;
        }
        snprintf(buf, cap, "%.2g", pow(10.0, v));
        return;
    }
    if (fabs(v) < 1e-12)
        v = 0.0;
    snprintf(buf, cap, "%.4g", v);
}

/* Tick positions in axis units. */
static size_t ticks(const struct axis *a, double *t, size_t cap)
{
    size_t n = 0;
    if (a->log) {
        double span = a->hi - a->lo;
        double step = span > 12 ? 2.0 : 1.0;
        for (double e = ceil(a->lo / step) * step; e <= a->hi && n < cap;
             e += step)
            t[n++] = e;
        if (n < 2) {   /* less than a decade: 1-2-5 within it */
            n = 0;
            for (double e = floor(a->lo); e <= ceil(a->hi); e += 1.0) {
                static const double m[3] = {1, 2, 5};
                for (int i = 0; i < 3 && n < cap; i++) {
                    double v = e + log10(m[i]);
                    if (v >= a->lo && v <= a->hi)
                        t[n++] = v;
                }
            }
        }
        return n;
    }
    double step = nice_step(a->hi - a->lo, 6);
    for (double v = ceil(a->lo / step) * step; v <= a->hi + 1e-12 && n < cap;
         v += step)
        t[n++] = v;
    return n;
}

/* ---- the chart -------------------------------------------------------------- */

/* A chart being drawn: its axes (in axis units) and plot area size. */
struct plot {
    const struct wn_chart *c;
    struct axis ax, ay;
    double pw, ph;
};

static double px(const struct plot *p, double v)
{
    return ML + (v - p->ax.lo) / (p->ax.hi - p->ax.lo) * p->pw;
}

static double py(const struct plot *p, double v)
{
    return MT + p->ph - (v - p->ay.lo) / (p->ay.hi - p->ay.lo) * p->ph;
}

/* Axis ranges over the usable points; returns their count. */
static size_t data_range(struct plot *p)
{
    const struct wn_chart *c = p->c;
    size_t points = 0;
    for (size_t s = 0; s < c->n_series; s++) {
        const struct wn_chart_series *se = &c->series[s];
        for (size_t i = 0; i < se->n; i++) {
            if (!usable(c, se->x[i], se->y[i]))
                continue;
            double x = tr(&p->ax, se->x[i]), y = tr(&p->ay, se->y[i]);
            p->ax.lo = fmin(p->ax.lo, x);
            p->ax.hi = fmax(p->ax.hi, x);
            p->ay.lo = fmin(p->ay.lo, y);
            p->ay.hi = fmax(p->ay.hi, y);
            points++;
        }
    }
    return points;
}

/* y = x needs one range on both axes; boundaries near the data stay
 * visible; then a margin. */
static void fit_axes(struct plot *p)
{
    const struct wn_chart *c = p->c;
    if (c->diagonal) {
        double lo = fmin(p->ax.lo, p->ay.lo), hi = fmax(p->ax.hi, p->ay.hi);
        p->ax.lo = p->ay.lo = lo;
        p->ax.hi = p->ay.hi = hi;
    }
    for (size_t v = 0; v < c->n_vlines; v++) {
        double x = tr(&p->ax, c->vline_x[v]);
        if (isfinite(x) && x > p->ax.lo - 1.0 && x < p->ax.hi + 1.0) {
            p->ax.lo = fmin(p->ax.lo, x);
            p->ax.hi = fmax(p->ax.hi, x);
        }
    }
    pad_axis(&p->ax);
    pad_axis(&p->ay);
    p->pw = W - ML - MR;
    p->ph = H - MT - MB;
}

static void svg_open(struct wn_sbuf *b, const struct wn_chart *c)
{
    wn__sbuf_printf(b, "<svg xmlns=\"http://www.w3.org/2000/svg\" "
                    "viewBox=\"0 0 %.0f %.0f\" width=\"%.0f\" height=\"%.0f\" "
                    "role=\"img\" aria-label=\"", W, H, W, H);
    wn__sbuf_escape(b, c->title);
    wn__sbuf_puts(b, "\" font-family=\"sans-serif\" font-size=\"12\">\n");
    wn__sbuf_printf(b, "<rect x=\"0\" y=\"0\" width=\"%.0f\" height=\"%.0f\" "
                    "fill=\"#ffffff\"/>\n", W, H);
    wn__sbuf_printf(b, "<text x=\"%.0f\" y=\"22\" font-size=\"15\" "
                    "font-weight=\"bold\">", ML);
    wn__sbuf_escape(b, c->title);
    wn__sbuf_puts(b, "</text>\n");
}

/* frame, grid, ticks and axis labels */
static void draw_frame(struct wn_sbuf *b, const struct plot *p)
{
    double t[64];
    char lab[48];
    wn__sbuf_printf(b, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
                    "height=\"%.1f\" fill=\"none\" stroke=\"#333\"/>\n",
                    ML, MT, p->pw, p->ph);
    size_t nt = ticks(&p->ax, t, 64);
    for (size_t i = 0; i < nt; i++) {
        double x = px(p, t[i]);
        fmt_tick(t[i], p->ax.log, lab, sizeof lab);
        wn__sbuf_printf(b, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" "
                        "y2=\"%.1f\" stroke=\"#e4e4e4\"/><text x=\"%.1f\" "
                        "y=\"%.1f\" text-anchor=\"middle\">%s</text>\n",
                        x, MT, x, MT + p->ph, x, MT + p->ph + 16, lab);
    }
    nt = ticks(&p->ay, t, 64);
    for (size_t i = 0; i < nt; i++) {
        double y = py(p, t[i]);
        fmt_tick(t[i], p->ay.log, lab, sizeof lab);
        wn__sbuf_printf(b, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" "
                        "y2=\"%.1f\" stroke=\"#e4e4e4\"/><text x=\"%.1f\" "
                        "y=\"%.1f\" text-anchor=\"end\">%s</text>\n",
                        ML, y, ML + p->pw, y, ML - 6, y + 4, lab);
    }
    wn__sbuf_printf(b, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">",
                    ML + p->pw / 2, H - 18);
    wn__sbuf_escape(b, p->c->xlabel);
    wn__sbuf_puts(b, p->c->logx ? " (log scale)</text>\n" : "</text>\n");
    wn__sbuf_printf(b, "<text transform=\"translate(18 %.1f) rotate(-90)\" "
                    "text-anchor=\"middle\">", MT + p->ph / 2);
    wn__sbuf_escape(b, p->c->ylabel);
    wn__sbuf_puts(b, p->c->logy ? " (log scale)</text>\n" : "</text>\n");
}

/* cache boundaries and the y = x line */
static void draw_guides(struct wn_sbuf *b, const struct plot *p)
{
    const struct wn_chart *c = p->c;
    for (size_t v = 0; v < c->n_vlines; v++) {
        double x = tr(&p->ax, c->vline_x[v]);
        if (!isfinite(x) || x < p->ax.lo || x > p->ax.hi)
            continue;
        double X = px(p, x);
        int left = X > ML + p->pw - 70;  /* label left of a line near the edge */
        wn__sbuf_printf(b, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" "
                        "y2=\"%.1f\" stroke=\"#555\" stroke-dasharray=\"5 4\"/>"
                        "<text x=\"%.1f\" y=\"%.1f\" fill=\"#555\" "
                        "font-size=\"11\" text-anchor=\"%s\">", X, MT, X,
                        MT + p->ph, left ? X - 3 : X + 3,
                        MT + 12 + 12.0 * (double)(v % 2),
                        left ? "end" : "start");
        wn__sbuf_escape(b, c->vline_label[v]);
        wn__sbuf_puts(b, "</text>\n");
    }
    if (c->diagonal) {
        double lo = fmax(p->ax.lo, p->ay.lo), hi = fmin(p->ax.hi, p->ay.hi);
        wn__sbuf_printf(b, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" "
                        "y2=\"%.1f\" stroke=\"#000\" stroke-width=\"1\"/>\n",
                        px(p, lo), py(p, lo), px(p, hi), py(p, hi));
    }
}

static void draw_series(struct wn_sbuf *b, const struct plot *p)
{
    const struct wn_chart *c = p->c;
    for (size_t s = 0; s < c->n_series; s++) {
        const struct wn_chart_series *se = &c->series[s];
        const char *col = wn__chart_color(s);
        if (se->line) {
            wn__sbuf_printf(b, "<polyline fill=\"none\" stroke=\"%s\" "
                            "stroke-width=\"1.5\" points=\"", col);
            for (size_t i = 0; i < se->n; i++)
                if (usable(c, se->x[i], se->y[i]))
                    wn__sbuf_printf(b, "%.1f,%.1f ",
                                    px(p, tr(&p->ax, se->x[i])),
                                    py(p, tr(&p->ay, se->y[i])));
            wn__sbuf_puts(b, "\"/>\n");
        }
        wn__sbuf_printf(b, "<g fill=\"%s\" fill-opacity=\"0.75\">", col);
        for (size_t i = 0; i < se->n; i++)
            if (usable(c, se->x[i], se->y[i]))
                wn__sbuf_printf(b, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\"/>",
                                px(p, tr(&p->ax, se->x[i])),
                                py(p, tr(&p->ay, se->y[i])));
        wn__sbuf_puts(b, "</g>\n");
    }
}

static void draw_legend(struct wn_sbuf *b, const struct wn_chart *c)
{
    double lx = W - MR + 14, ly = MT + 6;
    wn__sbuf_printf(b, "<text x=\"%.1f\" y=\"%.1f\" font-weight=\"bold\">"
                    "legend</text>\n", lx, ly);
    for (size_t s = 0; s < c->n_series && s < 18; s++) {
        ly += 18;
        wn__sbuf_printf(b, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"5\" "
                        "fill=\"%s\"/><text x=\"%.1f\" y=\"%.1f\">", lx + 5,
                        ly - 4, wn__chart_color(s), lx + 15, ly);
        wn__sbuf_escape(b, c->series[s].label);
        wn__sbuf_puts(b, "</text>\n");
    }
    if (c->n_vlines > 0) {
        ly += 18;
        wn__sbuf_printf(b, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" "
                        "y2=\"%.1f\" stroke=\"#555\" stroke-dasharray=\"5 4\"/>"
                        "<text x=\"%.1f\" y=\"%.1f\">cache size</text>\n",
                        lx, ly - 4, lx + 10, ly - 4, lx + 15, ly);
    }
    if (c->diagonal) {
        ly += 18;
        wn__sbuf_printf(b, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" "
                        "y2=\"%.1f\" stroke=\"#000\"/><text x=\"%.1f\" "
                        "y=\"%.1f\">y = x</text>\n", lx, ly - 4, lx + 10,
                        ly - 4, lx + 15, ly);
    }
}

void wn__chart_svg(struct wn_sbuf *b, const struct wn_chart *c)
{
    struct plot p = {.c = c, .ax = {c->logx, DBL_MAX, -DBL_MAX},
                     .ay = {c->logy, DBL_MAX, -DBL_MAX}};
    size_t points = data_range(&p);
    svg_open(b, c);
    if (points == 0) {
        wn__sbuf_printf(b, "<text x=\"%.0f\" y=\"%.0f\" fill=\"#666\">no data "
                        "to draw</text>\n</svg>\n", ML, H / 2);
        return;
    }
    fit_axes(&p);
    draw_frame(b, &p);
    draw_guides(b, &p);
    draw_series(b, &p);
    draw_legend(b, c);
    wn__sbuf_puts(b, "</svg>\n");
}
