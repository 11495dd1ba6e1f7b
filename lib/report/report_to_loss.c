/*
 * report_to_loss.c - section: energy (or time) to reach a fixed test loss
 * against size, one series per dataset.  The loss level of a dataset is
 * the 75th percentile of its runs' best test losses (about three runs in
 * four reach it); a run's cost is the sum of its epochs' measured energy
 * (only when every epoch was measured) or seconds, up to the first epoch
 * at or below the level.
 */
#include <math.h>
#include <stdio.h>

#include <wattnet/core.h>
#include <wattnet/model.h>

#include "report/report_internal.h"

struct loss_groups {
    struct wn_chart_series se[WN_REPORT_MAX_GROUPS];
    double level[WN_REPORT_MAX_GROUPS];
    size_t reach[WN_REPORT_MAX_GROUPS], tried[WN_REPORT_MAX_GROUPS];
};

static int in_group(const struct wn__report_ctx *c, size_t i, size_t g)
{
    return c->rows[i].ok && c->rows[i].data_group == (int)g &&
           c->runs[i].n_epochs > 0;
}

/* the 75th percentile of the best test losses of group g; NAN: none */
static double loss_level(const struct wn__report_ctx *c, size_t g)
{
    size_t k = 0;
    for (size_t i = 0; i < c->n; i++) {
        if (!in_group(c, i, g))
            continue;
        const wn_run_record *r = &c->runs[i];
        double best = INFINITY;
        for (size_t e = 0; e < r->n_epochs; e++)
            best = fmin(best, r->epochs[e].stats.test_loss);
        if (isfinite(best))
            c->tmp[k++] = best;
    }
    wn__report_sort(c->tmp, k);
    return k ? c->tmp[(size_t)floor(0.75 * (double)(k - 1))] : NAN;
}

/* A run's cost up to the first epoch at or below level; 0 when it never
 * gets there or (energy) an epoch lacks a measurement. */
static double cost_to_reach(const struct wn__report_ctx *c,
                            const wn_run_record *r, double level)
{
    double cost = 0.0;
    for (size_t e = 0; e < r->n_epochs; e++) {
        const wn_epoch_record *er = &r->epochs[e];
        if (c->energy && !wn_energy_usable(&er->energy))
            return 0.0;
        cost += c->energy ? er->energy.energy_j : er->stats.seconds;
        if (er->stats.test_loss <= level)
            return cost;
    }
    return 0.0;
}

static void collect(const struct wn__report_ctx *c, struct loss_groups *lg)
{
    size_t off = 0;
    for (size_t g = 0; g < c->n_datasets; g++) {
        struct wn_chart_series *se = &lg->se[g];
        double level = lg->level[g] = loss_level(c, g);
        se->label = c->datasets[g];
        se->x = c->xs + off;
        se->y = c->ys + off;
        se->line = 0;
        size_t np = 0;
        for (size_t i = 0; i < c->n && !isnan(level); i++) {
            if (!in_group(c, i, g))
                continue;
            lg->tried[g]++;
            double cost = cost_to_reach(c, &c->runs[i], level);
            if (cost > 0.0) {
                c->xs[off + np] = c->rows[i].params;
                c->ys[off + np++] = cost;
            }
        }
        lg->reach[g] = se->n = np;
        off += np;
    }
}

static void reading(struct wn_sbuf *b, const struct wn__report_ctx *c,
                    const struct loss_groups *lg)
{
    size_t gb = 0;   /* the dataset with the most runs reaching its level */
    for (size_t g = 1; g < c->n_datasets; g++)
        if (lg->reach[g] > lg->reach[gb])
            gb = g;
    wn__sbuf_puts(b, "<p class=\"reading\">");
    if (c->n_datasets == 0 || lg->reach[gb] == 0) {
        wn__sbuf_printf(b, "No run reached its dataset's level with %s "
                        "recorded for every epoch.</p>\n", c->qty);
        return;
    }
    const double *x = lg->se[gb].x, *y = lg->se[gb].y;
    size_t cheap = 0, small = 0;
    for (size_t i = 1; i < lg->se[gb].n; i++) {
        if (y[i] < y[cheap])
            cheap = i;
        if (x[i] < x[small] || (x[i] == x[small] && y[i] < y[small]))
            small = i;
    }
    wn__sbuf_puts(b, "For ");
    wn__sbuf_escape(b, c->datasets[gb]);
    wn__sbuf_printf(b, " (test loss &le; %.4g, reached by %zu of %zu runs) "
                    "the cheapest run had %.0f parameters and needed %.3g "
                    "%s; the smallest network that reached it, %.0f "
                    "parameters, needed %.3g %s (%.2f&times; the "
                    "cheapest).</p>\n", lg->level[gb], lg->reach[gb],
                    lg->tried[gb], x[cheap], y[cheap], c->unit, x[small],
                    y[small], c->unit, y[small] / y[cheap]);
}

void wn__report_to_loss(struct wn_sbuf *b, struct wn__report_ctx *c)
{
    struct loss_groups lg = {0};
    collect(c, &lg);
    char title[128], ylab[96];
    snprintf(title, sizeof title, "%s to reach a fixed test loss against size",
             c->energy ? "Energy" : "Time");
    snprintf(ylab, sizeof ylab, "%s until test loss <= level [%s]", c->qty,
             c->unit);
    struct wn_chart ch = {.title = title,
                          .xlabel = "network size [parameters]",
                          .ylabel = ylab, .logx = 1, .logy = 1,
                          .n_series = c->n_datasets, .series = lg.se};
    wn__report_heading(b, c, title);
    wn__sbuf_puts(b, "<p>The loss level is chosen per dataset from the "
                  "per-epoch records: the 75th percentile of the runs' best "
                  "test losses, so about three runs in four reach it; ");
    for (size_t g = 0; g < c->n_datasets; g++) {
        wn__sbuf_escape(b, c->datasets[g]);
        wn__sbuf_printf(b, " %.4g (%zu of %zu runs)%s", lg.level[g],
                        lg.reach[g], lg.tried[g],
                        g + 1 < c->n_datasets ? ", " : ".");
    }
    wn__sbuf_puts(b, "</p>\n");
    wn__chart_svg(b, &ch);
    reading(b, c, &lg);
}
