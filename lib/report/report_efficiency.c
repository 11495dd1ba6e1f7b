/*
 * report_efficiency.c - section: FLOPs per joule (or per second) against
 * size, one series per shape; the reading names the best and the worst
 * run and the median.
 */
#include <stdint.h>
#include <stdio.h>

#include <wattnet/core.h>
#include <wattnet/model.h>

#include "report/report_internal.h"

static double row_params(const struct wn__report_row *r) { return r->params; }
static double row_eff(const struct wn__report_row *r)
{
    return r->flops / r->y;
}

static void reading(struct wn_sbuf *b, const struct wn__report_ctx *c)
{
    size_t best = SIZE_MAX, worst = SIZE_MAX, k_all = 0;
    for (size_t i = 0; i < c->n; i++) {
        if (!c->rows[i].ok)
            continue;
        double e = row_eff(&c->rows[i]);
        c->tmp[k_all++] = e;
        if (best == SIZE_MAX || e > row_eff(&c->rows[best]))
            best = i;
        if (worst == SIZE_MAX || e < row_eff(&c->rows[worst]))
            worst = i;
    }
    wn__sbuf_puts(b, "<p class=\"reading\">");
    if (best == SIZE_MAX) {
        wn__sbuf_puts(b, "No run to read.");
        wn__sbuf_puts(b, "</p>\n");
        return;
    }
    const wn_run_record *rb = &c->runs[best], *rw = &c->runs[worst];
    double eb = row_eff(&c->rows[best]), ew = row_eff(&c->rows[worst]);
    double med = wn__report_median(c->tmp, k_all);
    wn__sbuf_printf(b, "Efficiency is highest, %.3g FLOP/%s, for ", eb,
                    c->unit);
    wn__sbuf_escape(b, rb->spec.train.shape);
    wn__sbuf_printf(b, " depth %zu at %.0f parameters, lowest, %.3g "
                    "FLOP/%s, for ", rb->spec.train.depth, c->rows[best].params,
                    ew, c->unit);
    wn__sbuf_escape(b, rw->spec.train.shape);
    wn__sbuf_printf(b, " depth %zu at %.0f parameters (%.0f&times; "
                    "apart; median %.3g FLOP/%s).", rw->spec.train.depth,
                    c->rows[worst].params, eb / ew, med, c->unit);
    wn__sbuf_puts(b, "</p>\n");
}

void wn__report_efficiency(struct wn_sbuf *b, struct wn__report_ctx *c)
{
    struct wn_chart_series se[WN_REPORT_MAX_GROUPS];
    char title[128], ylab[96];
    snprintf(title, sizeof title, "Efficiency against size: FLOPs per %s",
             c->energy ? "joule" : "second");
    snprintf(ylab, sizeof ylab, "training FLOPs per %s [FLOP/%s]",
             c->energy ? "joule" : "second", c->unit);
    struct wn_chart ch = {.title = title,
                          .xlabel = "network size [parameters]",
                          .ylabel = ylab, .logx = 1, .logy = 1,
                          .series = se};
    ch.n_series = wn__report_by_shape(c, se, row_params, row_eff);
    wn__report_heading(b, c, title);
    wn__chart_svg(b, &ch);
    reading(b, c);
}
