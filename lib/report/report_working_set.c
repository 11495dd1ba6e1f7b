/*
 * report_working_set.c - section: energy (or time) per training datum
 * against the per-step working set, one series per shape, with this
 * host's cache capacities as vertical lines; the reading compares the cost
 * per FLOP of runs whose set fits the innermost and the outermost level.
 */
#include <float.h>
#include <math.h>
#include <stdio.h>

#include <wattnet/core.h>
#include <wattnet/model.h>

#include "report/report_internal.h"

static double row_ws(const struct wn__report_row *r) { return r->ws; }
static double row_y(const struct wn__report_row *r) { return r->y; }

static void reading(struct wn_sbuf *b, const struct wn__report_ctx *c)
{
    double med[WN_FEAT_LEVELS], lo = DBL_MAX, hi = 0.0;
    size_t cnt[WN_FEAT_LEVELS] = {0}, nok = 0;
    int first = -1, last = -1;
    for (int l = 0; l <= c->hw.n_levels; l++) {
        size_t k = 0;
        for (size_t i = 0; i < c->n; i++)
            if (c->rows[i].ok && c->rows[i].level == l && c->rows[i].flops > 0)
                c->tmp[k++] = c->rows[i].y / c->rows[i].flops;
        cnt[l] = k;
        med[l] = wn__report_median(c->tmp, k);
        if (k > 0) {
            first = first < 0 ? l : first;
            last = l;
        }
    }
    for (size_t i = 0; i < c->n; i++)
        if (c->rows[i].ok) {
            lo = fmin(lo, c->rows[i].y);
            hi = fmax(hi, c->rows[i].y);
            nok++;
        }
    wn__sbuf_puts(b, "<p class=\"reading\">");
    if (nok == 0)
        wn__sbuf_puts(b, "No run has this quantity, so nothing can be read "
                      "here.");
    else if (first == last)
        wn__sbuf_printf(b, "Across %zu runs the per-datum %s spans %.3g to "
                        "%.3g %s (%.0f&times;); every working set lives in %s, "
                        "so no cache step can be seen in these runs.", nok,
                        c->qty, lo, hi, c->unit, hi / lo,
                        wn__report_level_label(&c->hw, first));
    else
        wn__sbuf_printf(b, "Across %zu runs the per-datum %s spans %.3g to "
                        "%.3g %s (%.0f&times;); per FLOP, the %zu runs whose "
                        "working set only fits in %s cost %.2f&times; the "
                        "median of the %zu runs whose set fits in %s.", nok,
                        c->qty, lo, hi, c->unit, hi / lo, cnt[last],
                        wn__report_level_label(&c->hw, last),
                        med[last] / med[first], cnt[first],
                        wn__report_level_label(&c->hw, first));
    wn__sbuf_puts(b, "</p>\n");
}

void wn__report_working_set(struct wn_sbuf *b, struct wn__report_ctx *c)
{
    struct wn_chart_series se[WN_REPORT_MAX_GROUPS];
    char title[160], ylab[96], lbl[WN_CHART_MAX_VLINES][48], bb[32];
    snprintf(title, sizeof title, "%s per training datum against working set",
             c->energy ? "Energy" : "Time");
    snprintf(ylab, sizeof ylab, "%s per training datum [%s]", c->qty, c->unit);
    struct wn_chart ch = {.title = title,
                          .xlabel = "per-step working set: activations + "
                                    "parameters + gradients + Adam [bytes]",
                          .ylabel = ylab, .logx = 1, .logy = 1,
                          .series = se};
    ch.n_series = wn__report_by_shape(c, se, row_ws, row_y);
    for (int l = 0; l < c->hw.n_levels && l < WN_CHART_MAX_VLINES; l++) {
        double cap = wn_hw_capacity(&c->hw, l, 1);
        snprintf(lbl[l], sizeof lbl[l], "%s %s", c->hw.levels[l].name,
                 wn__fmt_bytes(cap, bb, sizeof bb));
        ch.vline_x[ch.n_vlines] = cap;
        ch.vline_label[ch.n_vlines++] = lbl[l];
    }
    wn__report_heading(b, c, title);
    wn__chart_svg(b, &ch);
    /* the series hold the points; reading() reuses only tmp */
    reading(b, c);
}
