/*
 * report_advise.c - two report sections drawn from plain values:
 *   "Data trained": per dataset, real file (path, SHA-256) or stand-in;
 *   "Cost to reach test loss L": the advise ranking (lib/advise) as cost to
 *   the target against size, one line per shape, the recommended network
 *   marked, the working set where the minimum falls, and this machine's
 *   numbers beside the study's (larger networks reached a fixed test loss
 *   with 10-1000x less energy; the minimum at working sets of 2^22-2^25
 *   bytes, SPEC section 1).
 * report.c makes one call, wn__report_advise, which computes the plain
 * values per dataset (the default target: the loss half the configurations
 * reach) and draws both.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <wattnet/core.h>
#include <wattnet/advise.h>
#include <wattnet/data_use.h>

#include "report/chart.h"
#include "report/report_internal.h"
#include "report/report_advise.h"
#include "report/sbuf.h"

#define MAX_SHAPES 8

/* ---- data trained ---------------------------------------------------------- */

void wn__report_data_uses(struct wn_sbuf *b, const wn_data_use *u, size_t n)
{
    wn__sbuf_puts(b, "<h2>Data trained</h2>\n<table>\n<tr><th>dataset</th>"
                  "<th>runs</th><th>data</th><th>SHA-256</th></tr>\n");
    for (size_t i = 0; i < n; i++) {
        int file = strcmp(u[i].source, "synthetic") != 0;
        wn__sbuf_puts(b, "<tr><td>");
        wn__sbuf_escape(b, u[i].name);
        wn__sbuf_printf(b, "</td><td>%zu</td><td>", u[i].runs);
        if (!file)
            wn__sbuf_puts(b, "<b>synthetic stand-in</b> (same rows, inputs, "
                          "outputs and task; not the real data)");
        else if (u[i].path[0]) {
            wn__sbuf_puts(b, "real file ");
            wn__sbuf_escape(b, u[i].path);
        } else
            wn__sbuf_puts(b, "real file (path not recorded)");
        wn__sbuf_puts(b, "</td><td><code>");
        wn__sbuf_escape(b, file && u[i].sha256[0] ? u[i].sha256 : "-");
        wn__sbuf_puts(b, "</code></td></tr>\n");
    }
    wn__sbuf_puts(b, "</table>\n");
}

/* ---- cost to reach test loss L ---------------------------------------------- */

/* The series: for each shape, the reaching configurations sorted by
 * parameters (the cheapest depth at each size when several were tried). */
static size_t shape_series(const wn_advise_input *in, const wn_advise_result *res,
                           struct wn_chart_series *se, double *xs, double *ys,
                           const char **names)
{
    size_t ns = 0, off = 0;
    for (size_t i = 0; i < res->n_reached; i++) {
        const char *sh = in->configs[res->entries[i].config].shape;
        size_t k = 0;
        while (k < ns && strcmp(names[k], sh))
            k++;
        if (k == ns && ns < MAX_SHAPES)
            names[ns++] = sh;
    }
    for (size_t k = 0; k < ns; k++) {
        size_t np = 0;
        for (size_t i = 0; i < res->n_reached; i++) {
            const wn_advise_entry *e = &res->entries[i];
            const wn_advise_config *c = &in->configs[e->config];
            if (strcmp(c->shape, names[k]))
                continue;
            double x = (double)c->params, y = e->cost_to_target;
            size_t j = 0;
            while (j < np && xs[off + j] != x)
                j++;
            if (j < np) {       /* another depth at this size: keep the cheapest */
                ys[off + j] = fmin(ys[off + j], y);
                continue;
            }
            /* insertion by parameters */
            j = np++;
            while (j > 0 && xs[off + j - 1] > x) {
                xs[off + j] = xs[off + j - 1];
                ys[off + j] = ys[off + j - 1];
                j--;
            }
            xs[off + j] = x;
            ys[off + j] = y;
        }
        se[k] = (struct wn_chart_series){names[k], np, xs + off, ys + off, 1};
        off += np;
    }
    return ns;
}

static void study_table(struct wn_sbuf *b, const wn_advise_input *in,
                        const wn_advise_result *res)
{
    const wn_advise_config *best = &in->configs[res->best];
    double ratio = res->smallest_cost / res->best_cost;
    int larger = res->larger_cheaper;
    wn__sbuf_printf(b, "<table>\n<tr><th></th><th>BUTTER-E study</th>"
                    "<th>this machine</th></tr>\n"
                    "<tr><td>larger networks cheaper to a fixed test loss</td>"
                    "<td>yes</td><td>%s</td></tr>\n"
                    "<tr><td>cost of the smallest reaching network / the "
                    "cheapest</td><td>10&ndash;1000&times;</td><td>%.3g&times;"
                    "</td></tr>\n", larger ? "yes" : "no", ratio);
    if (best->working_set_bytes > 0) {
        char wb[32];
        wn__sbuf_printf(b, "<tr><td>working set where the minimum falls</td>"
                        "<td>2<sup>22</sup>&ndash;2<sup>25</sup> bytes</td>"
                        "<td>%s (2<sup>%.1f</sup> bytes)</td></tr>\n",
                        wn__fmt_bytes(best->working_set_bytes, wb, sizeof wb),
                        log2(best->working_set_bytes));
    }
    wn__sbuf_puts(b, "</table>\n");
}

static void reading(struct wn_sbuf *b, const char *unit, const wn_advise_input *in,
                    const wn_advise_result *res)
{
    const wn_advise_config *best = &in->configs[res->best];
    wn__sbuf_puts(b, "<p class=\"reading\">Recommended: <b>");
    wn__sbuf_escape(b, best->shape);
    wn__sbuf_printf(b, " depth %zu, size %llu</b> (%llu parameters): %.4g %s "
                    "to the target in %.2f epochs, %.0f%% less than the median "
                    "configuration (%.4g %s) and %.0f%% less than the smallest "
                    "network that reaches it (%.4g %s). %zu of %zu "
                    "configurations reached the target.</p>\n",
                    best->depth, (unsigned long long)best->size,
                    (unsigned long long)best->params, res->best_cost, unit,
                    res->entries[0].epochs_to_target,
                    100.0 * res->savings_vs_median, res->median_cost, unit,
                    100.0 * res->savings_vs_smallest, res->smallest_cost, unit,
                    res->n_reached, res->n);
}

void wn__report_advise_section(struct wn_sbuf *b, const char *dataset,
                               const wn_advise_input *in,
                               const wn_advise_result *res)
{
    const char *unit = strcmp(in->by, "energy") ? "s" : "J";
    wn__sbuf_printf(b, "<h2>Cost to reach test loss %.4g (", res->target);
    wn__sbuf_escape(b, dataset);
    wn__sbuf_printf(b, ")</h2>\n<p>%s to reach the target, from the stored "
                    "per-epoch test losses: the first epoch reaching it, "
                    "interpolated between epochs, times the %s per epoch. ",
                    strcmp(in->by, "energy") ? "Time" : "Measured energy",
                    strcmp(in->by, "energy") ? "time" : "energy");
    if (!res->target_given)
        wn__sbuf_puts(b, "No target was given: the loss is the one that half of the "
                      "configurations reach. ");
    if (in->note[0])
        wn__sbuf_escape(b, in->note);
    if (in->data_note[0]) {
        wn__sbuf_puts(b, in->note[0] ? "; " : "");
        wn__sbuf_escape(b, in->data_note);
    }
    wn__sbuf_puts(b, "</p>\n");
    if (res->n_reached == 0) {
        wn__sbuf_puts(b, "<p class=\"reading\">No configuration reached the "
                      "target.</p>\n");
        return;
    }
    double xs[512], ys[512];
    const char *names[MAX_SHAPES];
    struct wn_chart_series se[MAX_SHAPES];
    size_t cap = res->n_reached < 512 ? res->n_reached : 512;
    wn_advise_result clipped = *res;
    clipped.n_reached = cap;
    size_t ns = shape_series(in, &clipped, se, xs, ys, names);
    char title[160], ylab[96], vlab[64];
    const wn_advise_config *best = &in->configs[res->best];
    snprintf(title, sizeof title, "Cost to reach test loss %.4g against size",
             res->target);
    snprintf(ylab, sizeof ylab, "%s to the target [%s]",
             strcmp(in->by, "energy") ? "time" : "energy", unit);
    snprintf(vlab, sizeof vlab, "recommended: %s d%zu", best->shape, best->depth);
    struct wn_chart ch = {.title = title, .xlabel = "network size [parameters]",
                          .ylabel = ylab, .logx = 1, .logy = 1, .n_series = ns,
                          .series = se, .n_vlines = 1};
    ch.vline_x[0] = (double)best->params;
    ch.vline_label[0] = vlab;
    wn__chart_svg(b, &ch);
    reading(b, unit, in, res);
    study_table(b, in, res);
}

/* ---- from the runs ----------------------------------------------------------- */

static void one_dataset(struct wn_sbuf *b, const wn_run_record *runs, size_t n,
                        const wn_hw_profile *hw, const char *name)
{
    wn_advise_input in;
    wn_advise_result res;
    wn_advise_opts o = {WN_ADVISE_LOSS, 0, 0.0};
    memset(&res, 0, sizeof res);
    int st = wn_advise_from_runs(runs, n, name, NULL, WN_ADVISE_LOSS, hw, &in);
    if (st == WN_OK)
        st = wn_advise_rank(in.configs, in.n, &o, &res);
    if (st == WN_OK)
        wn__report_advise_section(b, name, &in, &res);
    else if (st == WN_ENOMEM)
        b->failed = 1;
    wn_clearerr();   /* no per-epoch records: the section is left out */
    wn_advise_result_clear(&res);
    wn_advise_input_clear(&in);
}

void wn__report_advise(struct wn_sbuf *b, const wn_run_record *runs, size_t n,
                       const wn_hw_profile *hw)
{
    wn_data_use *u = NULL;
    size_t nu = 0;
    if (n == 0)
        return;
    if (wn_data_uses(runs, n, &u, &nu) != WN_OK) {
        b->failed = 1;
        return;
    }
    wn__report_data_uses(b, u, nu);
    for (size_t i = 0; i < nu; i++) {
        size_t j = 0;
        while (j < i && strcmp(u[j].name, u[i].name))
            j++;
        if (j == i)     /* each dataset once (a name may have several rows) */
            one_dataset(b, runs, n, hw, u[i].name);
    }
    wn_free(u);
}

/* The sections as the report's sections table calls them. */
void wn__report_advise_entry(struct wn_sbuf *b, struct wn__report_ctx *c)
{
    wn__report_advise(b, c->runs, c->n, &c->hw);
}
