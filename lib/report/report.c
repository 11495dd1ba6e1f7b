/*
 * report.c - the HTML report (see report.h): one file, inline SVG, no
 * script.  Sections, in order: summary table (host, runs, what was
 * measured, estimated or only timed, the model's CV table), then five
 * charts, each followed by one sentence computed from the data:
 *   1. per-datum energy (or time) against the per-step working set, by
 *      shape, with this host's cache capacities as vertical lines;
 *   2. efficiency (FLOPs per joule, or per second) against size;
 *   3. predicted against measured, one chart per model, with y = x;
 *   4. energy (time) to reach a test loss against size, per dataset, the
 *      loss level being the 75th percentile of the runs' best losses;
 *   5. a power trace (stored samples; else per-epoch average power of a
 *      measured run; else a line saying no samples were stored).
 * Energy is only ever read from real, unflagged measurements; an estimate
 * counts as "estimated", never as measured.
 */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <wattnet/wattnet.h>
#include <wattnet/model.h>
#include <wattnet/report.h>

#include "model/model_util.h"
#include "report/chart.h"
#include "report/report_advise.h"
#include "report/sbuf.h"

#define MAX_GROUPS 10

/* ---- per-run facts ----------------------------------------------------------- */

struct row {
    int ok;                 /* has the target and features */
    double y;               /* target per datum */
    double ws;              /* per-step working set, bytes */
    double flops;           /* FLOPs per datum */
    double params;
    int level;              /* first level whose capacity holds ws */
    int shape_group, data_group;
};

struct ctx {
    const wn_run_record *runs;
    size_t n;
    wn_hw_profile hw;
    const wn_model *model;
    int energy;             /* 1: joules; 0: seconds */
    const char *unit;       /* "J" | "s" */
    const char *qty;        /* "energy" | "time" */
    struct row *rows;
    char shapes[MAX_GROUPS][32];
    size_t n_shapes;
    char datasets[MAX_GROUPS][64];
    size_t n_datasets;
};

static int group_of(char *names, size_t *n, size_t width, const char *name)
{
    for (size_t i = 0; i < *n; i++)
        if (strcmp(names + i * width, name) == 0)
            return (int)i;
    if (*n < MAX_GROUPS - 1) {
        wn__copy_str(names + *n * width, width, name);
        return (int)(*n)++;
    }
    if (*n == MAX_GROUPS - 1) {
        wn__copy_str(names + *n * width, width, "other");
        (*n)++;
    }
    return MAX_GROUPS - 1;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median_of(double *v, size_t n)
{
    if (n == 0)
        return NAN;
    qsort(v, n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

static const char *level_label(const wn_hw_profile *hw, int l)
{
    return l < hw->n_levels ? hw->levels[l].name : hw->memory_name;
}

static int epoch_energy_usable(const wn_energy *e)
{
    return e->measured && !e->is_estimate && e->flag[0] == '\0' &&
           strcmp(e->source, "estimate") != 0 && e->energy_j > 0.0;
}

/* ---- sections ----------------------------------------------------------------- */

static void summary(struct wn_sbuf *b, const struct ctx *c,
                    const wn_report_opts *o)
{
    size_t measured = 0, estimated = 0, time_only = 0;
    for (size_t i = 0; i < c->n; i++) {
        if (wn_run_energy_usable(&c->runs[i]))
            measured++;
        else if (c->runs[i].energy.is_estimate ||
                 strcmp(c->runs[i].energy.source, "estimate") == 0)
            estimated++;
        else
            time_only++;
    }
    char bb[32];
    wn__sbuf_puts(b, "<h2>Summary</h2>\n<table>\n");
    if (o->host != NULL) {
        const wn_host *h = o->host;
        wn__sbuf_puts(b, "<tr><th>host</th><td>");
        wn__sbuf_escape(b, h->hostname);
        wn__sbuf_puts(b, " &mdash; ");
        wn__sbuf_escape(b, h->cpu_model);
        wn__sbuf_printf(b, ", %d cores, %s memory; ", h->cores,
                        wn__fmt_bytes((double)h->memory_bytes, bb, sizeof bb));
        wn__sbuf_escape(b, h->kernel);
        wn__sbuf_puts(b, "; ");
        wn__sbuf_escape(b, h->compiler);
        wn__sbuf_puts(b, "; oneDNN ");
        wn__sbuf_escape(b, h->dnnl_version);
        wn__sbuf_printf(b, "; %d GPU(s)</td></tr>\n", h->n_gpus);
    }
    wn__sbuf_puts(b, "<tr><th>hardware profile</th><td>");
    wn__sbuf_escape(b, c->hw.name);
    wn__sbuf_printf(b, " (%s, %d cores)", c->hw.kind, c->hw.cores);
    for (int l = 0; l < c->hw.n_levels; l++) {
        wn__sbuf_printf(b, "; %s ", c->hw.levels[l].name);
        wn__sbuf_printf(b, "%s &times; %d (shared by %d)",
                        wn__fmt_bytes((double)c->hw.levels[l].size_bytes, bb,
                                      sizeof bb),
                        c->hw.levels[l].instances,
                        c->hw.levels[l].shared_by_cores);
    }
    wn__sbuf_puts(b, "</td></tr>\n");
    if (o->source != NULL) {
        wn__sbuf_puts(b, "<tr><th>runs from</th><td>");
        wn__sbuf_escape(b, o->source);
        wn__sbuf_puts(b, "</td></tr>\n");
    }
    wn__sbuf_printf(b, "<tr><th>runs</th><td>%zu</td></tr>\n", c->n);
    wn__sbuf_printf(b, "<tr><th>energy</th><td>%zu measured, %zu estimated "
                    "(an estimate is not a measurement and is not used as "
                    "energy), %zu time only</td></tr>\n", measured, estimated,
                    time_only);
    wn__sbuf_printf(b, "<tr><th>quantity shown</th><td><b>%s</b> per training "
                    "datum (%s)%s</td></tr>\n",
                    c->energy ? "ENERGY" : "TIME",
                    c->energy ? "joules" : "seconds",
                    c->energy ? "" : " &mdash; no measured energy, so every "
                    "chart shows time, not energy");
    wn__sbuf_puts(b, "</table>\n");

    wn__sbuf_puts(b, "<h3>Models (held-out cross-validation)</h3>\n");
    if (c->model == NULL) {
        wn__sbuf_puts(b, "<p>No model: too few runs to fit one.</p>\n");
        return;
    }
    const wn_model *m = c->model;
    wn__sbuf_puts(b, "<p>Target <code>");
    wn__sbuf_escape(b, m->target);
    wn__sbuf_printf(b, "</code>, %zu runs fitted. Log ratio = "
                    "log(predicted/measured) of runs whose size, shape or "
                    "dataset was held out of the fit; &ldquo;combined&rdquo; "
                    "pools the three groupings.</p>\n", m->n_runs);
    wn__sbuf_puts(b, "<table>\n<tr><th>model</th><th>std log ratio "
                  "(combined)</th><th>robust std (IQR/1.349)</th>"
                  "<th>median log ratio</th><th>MAPE</th>"
                  "<th>R&sup2; (log)</th><th>std: sizes held out</th>"
                  "<th>std: shapes held out</th><th>std: datasets held out"
                  "</th><th>in-sample std</th></tr>\n");
    for (size_t k = 0; k < m->n_models; k++) {
        const wn_model_fit *mf = &m->models[k];
        const wn_cv_stats *s = &mf->cv[WN_CV_COMBINED];
        wn__sbuf_puts(b, "<tr><td>");
        wn__sbuf_escape(b, mf->name);
        if (s->n > 0)
            wn__sbuf_printf(b, "</td><td>%.3f</td><td>%.3f</td><td>%.3f</td>"
                            "<td>%.1f%%</td><td>%.3f</td>", s->std_log_ratio,
                            s->robust_std_log_ratio, s->median_log_ratio,
                            100 * s->mape, s->r2);
        else
            wn__sbuf_puts(b, "</td><td colspan=\"5\">not cross-validated</td>");
        for (int g = 0; g < WN_CV_COMBINED; g++) {
            if (mf->cv[g].n > 0)
                wn__sbuf_printf(b, "<td>%.3f</td>", mf->cv[g].std_log_ratio);
            else
                wn__sbuf_puts(b, "<td>&ndash; (one group)</td>");
        }
        wn__sbuf_printf(b, "<td>%.3f</td></tr>\n",
                        mf->in_sample.std_log_ratio);
    }
    wn__sbuf_puts(b, "</table>\n");
}

/* 1: per datum against working set, by shape, with cache lines */
static void chart_working_set(struct wn_sbuf *b, const struct ctx *c,
                              double *xs, double *ys, double *tmp)
{
    struct wn_chart_series se[MAX_GROUPS];
    size_t off = 0;
    for (size_t g = 0; g < c->n_shapes; g++) {
        se[g].label = c->shapes[g];
        se[g].x = xs + off;
        se[g].y = ys + off;
        se[g].line = 0;
        size_t k = 0;
        for (size_t i = 0; i < c->n; i++)
            if (c->rows[i].ok && c->rows[i].shape_group == (int)g) {
                xs[off + k] = c->rows[i].ws;
                ys[off + k] = c->rows[i].y;
                k++;
            }
        se[g].n = k;
        off += k;
    }
    char title[160], ylab[96], lbl[WN_CHART_MAX_VLINES][48], bb[32];
    snprintf(title, sizeof title, "%s per training datum against working set",
             c->energy ? "Energy" : "Time");
    snprintf(ylab, sizeof ylab, "%s per training datum [%s]", c->qty, c->unit);
    struct wn_chart ch = {.title = title,
                          .xlabel = "per-step working set: activations + "
                                    "parameters + gradients + Adam [bytes]",
                          .ylabel = ylab, .logx = 1, .logy = 1,
                          .n_series = c->n_shapes, .series = se};
    for (int l = 0; l < c->hw.n_levels && l < WN_CHART_MAX_VLINES; l++) {
        double cap = wn_hw_capacity(&c->hw, l, 1);
        snprintf(lbl[l], sizeof lbl[l], "%s %s", c->hw.levels[l].name,
                 wn__fmt_bytes(cap, bb, sizeof bb));
        ch.vline_x[ch.n_vlines] = cap;
        ch.vline_label[ch.n_vlines++] = lbl[l];
    }
    wn__sbuf_puts(b, "<h2>1. ");
    wn__sbuf_escape(b, title);
    wn__sbuf_puts(b, "</h2>\n");
    wn__chart_svg(b, &ch);

    /* reading: cost per FLOP by the level the set lives in */
    double med[WN_FEAT_LEVELS];
    size_t cnt[WN_FEAT_LEVELS] = {0};
    double lo = DBL_MAX, hi = 0.0;
    size_t nok = 0;
    for (int l = 0; l <= c->hw.n_levels; l++) {
        size_t k = 0;
        for (size_t i = 0; i < c->n; i++)
            if (c->rows[i].ok && c->rows[i].level == l && c->rows[i].flops > 0)
                tmp[k++] = c->rows[i].y / c->rows[i].flops;
        cnt[l] = k;
        med[l] = median_of(tmp, k);
    }
    for (size_t i = 0; i < c->n; i++)
        if (c->rows[i].ok) {
            lo = fmin(lo, c->rows[i].y);
            hi = fmax(hi, c->rows[i].y);
            nok++;
        }
    int first = -1, last = -1;
    for (int l = 0; l <= c->hw.n_levels; l++)
        if (cnt[l] > 0) {
            if (first < 0)
                first = l;
            last = l;
        }
    wn__sbuf_puts(b, "<p class=\"reading\">");
    if (nok == 0) {
        wn__sbuf_puts(b, "No run has this quantity, so nothing can be read "
                      "here.");
    } else if (first == last) {
        wn__sbuf_printf(b, "Across %zu runs the per-datum %s spans %.3g to "
                        "%.3g %s (%.0f&times;); every working set lives in %s, "
                        "so no cache step can be seen in these runs.", nok,
                        c->qty, lo, hi, c->unit, hi / lo,
                        level_label(&c->hw, first));
    } else {
        wn__sbuf_printf(b, "Across %zu runs the per-datum %s spans %.3g to "
                        "%.3g %s (%.0f&times;); per FLOP, the %zu runs whose "
                        "working set only fits in %s cost %.2f&times; the "
                        "median of the %zu runs whose set fits in %s.", nok, c->qty,
                        lo, hi, c->unit, hi / lo, cnt[last],
                        level_label(&c->hw, last), med[last] / med[first],
                        cnt[first], level_label(&c->hw, first));
    }
    wn__sbuf_puts(b, "</p>\n");
}

/* 2: efficiency against size */
static void chart_efficiency(struct wn_sbuf *b, const struct ctx *c,
                             double *xs, double *ys, double *tmp)
{
    struct wn_chart_series se[MAX_GROUPS];
    size_t off = 0, best = SIZE_MAX, worst = SIZE_MAX, k_all = 0;
    for (size_t g = 0; g < c->n_shapes; g++) {
        se[g].label = c->shapes[g];
        se[g].x = xs + off;
        se[g].y = ys + off;
        se[g].line = 0;
        size_t k = 0;
        for (size_t i = 0; i < c->n; i++)
            if (c->rows[i].ok && c->rows[i].shape_group == (int)g) {
                xs[off + k] = c->rows[i].params;
                ys[off + k] = c->rows[i].flops / c->rows[i].y;
                k++;
            }
        se[g].n = k;
        off += k;
    }
    for (size_t i = 0; i < c->n; i++) {
        if (!c->rows[i].ok)
            continue;
        double e = c->rows[i].flops / c->rows[i].y;
        tmp[k_all++] = e;
        if (best == SIZE_MAX ||
            e > c->rows[best].flops / c->rows[best].y)
            best = i;
        if (worst == SIZE_MAX ||
            e < c->rows[worst].flops / c->rows[worst].y)
            worst = i;
    }
    char title[128], ylab[96];
    snprintf(title, sizeof title, "Efficiency against size: FLOPs per %s",
             c->energy ? "joule" : "second");
    snprintf(ylab, sizeof ylab, "training FLOPs per %s [FLOP/%s]",
             c->energy ? "joule" : "second", c->unit);
    struct wn_chart ch = {.title = title,
                          .xlabel = "network size [parameters]",
                          .ylabel = ylab, .logx = 1, .logy = 1,
                          .n_series = c->n_shapes, .series = se};
    wn__sbuf_puts(b, "<h2>2. ");
    wn__sbuf_escape(b, title);
    wn__sbuf_puts(b, "</h2>\n");
    wn__chart_svg(b, &ch);
    wn__sbuf_puts(b, "<p class=\"reading\">");
    if (best == SIZE_MAX) {
        wn__sbuf_puts(b, "No run to read.");
    } else {
        const wn_run_record *rb = &c->runs[best], *rw = &c->runs[worst];
        double med = median_of(tmp, k_all);
        wn__sbuf_printf(b, "Efficiency is highest, %.3g FLOP/%s, for ",
                        c->rows[best].flops / c->rows[best].y, c->unit);
        wn__sbuf_escape(b, rb->spec.shape);
        wn__sbuf_printf(b, " depth %zu at %.0f parameters, lowest, %.3g "
                        "FLOP/%s, for ", rb->spec.depth, c->rows[best].params,
                        c->rows[worst].flops / c->rows[worst].y, c->unit);
        wn__sbuf_escape(b, rw->spec.shape);
        wn__sbuf_printf(b, " depth %zu at %.0f parameters (%.0f&times; "
                        "apart; median %.3g FLOP/%s).", rw->spec.depth,
                        c->rows[worst].params,
                        (c->rows[best].flops / c->rows[best].y) /
                            (c->rows[worst].flops / c->rows[worst].y),
                        med, c->unit);
    }
    wn__sbuf_puts(b, "</p>\n");
}

/* 3: predicted against measured, per model */
static void chart_predicted(struct wn_sbuf *b, const struct ctx *c,
                            double *xs, double *ys)
{
    wn__sbuf_puts(b, "<h2>3. Predicted against measured, per model</h2>\n");
    if (c->model == NULL) {
        wn__sbuf_puts(b, "<p class=\"reading\">No model was given and too few "
                      "runs were usable to fit one, so there is nothing to "
                      "compare.</p>\n");
        return;
    }
    const wn_model *m = c->model;
    if (strcmp(m->target, c->energy ? WN_TARGET_ENERGY : WN_TARGET_TIME)) {
        wn__sbuf_puts(b, "<p class=\"reading\">The model's target (");
        wn__sbuf_escape(b, m->target);
        wn__sbuf_puts(b, ") is not the quantity these runs have, so its "
                      "predictions are not drawn.</p>\n");
        return;
    }
    wn__sbuf_puts(b, "<p>Each point is a stored run, predicted by the model's "
                  "final coefficients (fitted on all its runs, so this is "
                  "in-sample for runs it was fitted on; the held-out figures "
                  "are in the summary table).</p>\n");
    for (size_t k = 0; k < m->n_models; k++) {
        size_t np = 0, within = 0;
        for (size_t i = 0; i < c->n; i++) {
            if (!c->rows[i].ok)
                continue;
            wn_features f;
            if (wn_features_of_run(&c->runs[i], &m->hw, &f) != WN_OK)
                continue;
            double p;
            if (wn_model_predict(m, (int)k, &f, &p, NULL, NULL) != WN_OK)
                continue;
            xs[np] = c->rows[i].y;
            ys[np] = p;
            if (fabs(p / c->rows[i].y - 1.0) <= 0.2)
                within++;
            np++;
        }
        wn_clearerr();
        char title[128], xl[96], yl[96];
        snprintf(title, sizeof title, "Model \"%s\": predicted against "
                 "measured %s per datum", m->models[k].name, c->qty);
        snprintf(xl, sizeof xl, "measured %s per datum [%s]", c->qty, c->unit);
        snprintf(yl, sizeof yl, "predicted [%s]", c->unit);
        struct wn_chart_series se = {.label = m->models[k].name, .n = np,
                                     .x = xs, .y = ys, .line = 0};
        struct wn_chart ch = {.title = title, .xlabel = xl, .ylabel = yl,
                              .logx = 1, .logy = 1, .n_series = 1,
                              .series = &se, .diagonal = 1};
        wn__chart_svg(b, &ch);
        const wn_cv_stats *s = &m->models[k].cv[WN_CV_COMBINED];
        wn__sbuf_puts(b, "<p class=\"reading\">");
        wn__sbuf_escape(b, m->models[k].name);
        if (s->n > 0)
            wn__sbuf_printf(b, ": held-out std of log(predicted/measured) "
                            "%.3f (median %.3f); ", s->std_log_ratio,
                            s->median_log_ratio);
        else
            wn__sbuf_puts(b, ": not cross-validated; ");
        wn__sbuf_printf(b, "%zu of %zu runs drawn here are predicted within "
                        "&plusmn;20%%.</p>\n", within, np);
    }
}

/* 4: cost to reach a test loss against size, per dataset */
static void chart_to_loss(struct wn_sbuf *b, const struct ctx *c, double *xs,
                          double *ys, double *tmp)
{
    struct wn_chart_series se[MAX_GROUPS];
    double level[MAX_GROUPS];
    size_t reach[MAX_GROUPS] = {0}, tried[MAX_GROUPS] = {0};
    size_t off = 0;
    for (size_t g = 0; g < c->n_datasets; g++) {
        /* the level: 75th percentile of the runs' best test losses */
        size_t k = 0;
        for (size_t i = 0; i < c->n; i++) {
            const wn_run_record *r = &c->runs[i];
            if (!c->rows[i].ok || c->rows[i].data_group != (int)g ||
                r->n_epochs == 0)
                continue;
            double best = INFINITY;
            for (size_t e = 0; e < r->n_epochs; e++)
                best = fmin(best, r->epochs[e].stats.test_loss);
            if (isfinite(best))
                tmp[k++] = best;
        }
        qsort(tmp, k, sizeof *tmp, cmp_double);
        level[g] = k ? tmp[(size_t)floor(0.75 * (double)(k - 1))] : NAN;
        se[g].label = c->datasets[g];
        se[g].x = xs + off;
        se[g].y = ys + off;
        se[g].line = 0;
        size_t np = 0;
        for (size_t i = 0; i < c->n && k > 0; i++) {
            const wn_run_record *r = &c->runs[i];
            if (!c->rows[i].ok || c->rows[i].data_group != (int)g ||
                r->n_epochs == 0)
                continue;
            tried[g]++;
            double cost = 0.0;
            int got = 0, ok = 1;
            for (size_t e = 0; e < r->n_epochs && !got; e++) {
                const wn_epoch_record *er = &r->epochs[e];
                if (c->energy) {
                    if (!epoch_energy_usable(&er->energy)) {
                        ok = 0;
                        break;
                    }
                    cost += er->energy.energy_j;
                } else {
                    cost += er->stats.seconds;
                }
                if (er->stats.test_loss <= level[g])
                    got = 1;
            }
            if (ok && got && cost > 0.0) {
                xs[off + np] = c->rows[i].params;
                ys[off + np] = cost;
                np++;
            }
        }
        reach[g] = np;
        se[g].n = np;
        off += np;
    }
    char title[128], ylab[96];
    snprintf(title, sizeof title, "%s to reach a fixed test loss against size",
             c->energy ? "Energy" : "Time");
    snprintf(ylab, sizeof ylab, "%s until test loss <= level [%s]", c->qty,
             c->unit);
    struct wn_chart ch = {.title = title,
                          .xlabel = "network size [parameters]",
                          .ylabel = ylab, .logx = 1, .logy = 1,
                          .n_series = c->n_datasets, .series = se};
    wn__sbuf_puts(b, "<h2>4. ");
    wn__sbuf_escape(b, title);
    wn__sbuf_puts(b, "</h2>\n<p>The loss level is chosen per dataset from the "
                  "per-epoch records: the 75th percentile of the runs' best "
                  "test losses, so about three runs in four reach it; ");
    for (size_t g = 0; g < c->n_datasets; g++) {
        wn__sbuf_escape(b, c->datasets[g]);
        wn__sbuf_printf(b, " %.4g (%zu of %zu runs)%s", level[g], reach[g],
                        tried[g], g + 1 < c->n_datasets ? ", " : ".");
    }
    wn__sbuf_puts(b, "</p>\n");
    wn__chart_svg(b, &ch);
    /* reading: the dataset with the most runs reaching its level */
    size_t gb = 0;
    for (size_t g = 1; g < c->n_datasets; g++)
        if (reach[g] > reach[gb])
            gb = g;
    wn__sbuf_puts(b, "<p class=\"reading\">");
    if (c->n_datasets == 0 || reach[gb] == 0) {
        wn__sbuf_printf(b, "No run reached its dataset's level with %s "
                        "recorded for every epoch.", c->qty);
    } else {
        const double *x = se[gb].x, *y = se[gb].y;
        size_t cheap = 0, small = 0;
        for (size_t i = 1; i < se[gb].n; i++) {
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
                        "cheapest).", level[gb], reach[gb], tried[gb],
                        x[cheap], y[cheap], c->unit, x[small], y[small],
                        c->unit, y[small] / y[cheap]);
    }
    wn__sbuf_puts(b, "</p>\n");
}

/* 5: power trace */
static void chart_power(struct wn_sbuf *b, const struct ctx *c,
                        const wn_report_opts *o, double *xs, double *ys)
{
    wn__sbuf_puts(b, "<h2>5. Power trace</h2>\n");
    if (o->samples != NULL && o->n_samples > 0) {
        double mx = 0.0, sum = 0.0;
        for (size_t i = 0; i < o->n_samples; i++) {
            xs[i] = o->samples[i].t_s;
            ys[i] = o->samples[i].power_w;
            mx = fmax(mx, ys[i]);
            sum += ys[i];
        }
        char title[96];
        snprintf(title, sizeof title, "Power samples of run %lld",
                 (long long)o->samples_run_id);
        struct wn_chart_series se = {.label = "power", .n = o->n_samples,
                                     .x = xs, .y = ys, .line = 1};
        struct wn_chart ch = {.title = title,
                              .xlabel = "time since the run started [s]",
                              .ylabel = "power [W]", .n_series = 1,
                              .series = &se};
        wn__chart_svg(b, &ch);
        wn__sbuf_printf(b, "<p class=\"reading\">%zu samples; mean %.1f W, "
                        "peak %.1f W.</p>\n", o->n_samples,
                        sum / (double)o->n_samples, mx);
        return;
    }
    /* per-epoch average power of the measured run with the most epochs */
    size_t best = SIZE_MAX;
    for (size_t i = 0; i < c->n; i++) {
        const wn_run_record *r = &c->runs[i];
        size_t good = 0;
        for (size_t e = 0; e < r->n_epochs; e++)
            if (epoch_energy_usable(&r->epochs[e].energy) &&
                r->epochs[e].energy.seconds > 0.0)
                good++;
        if (good >= 2 && good == r->n_epochs &&
            (best == SIZE_MAX || good > c->runs[best].n_epochs))
            best = i;
    }
    if (best == SIZE_MAX) {
        wn__sbuf_puts(b, "<p class=\"reading\">No power samples were stored, "
                      "and no run has measured energy for its epochs, so "
                      "there is no power trace to draw.</p>\n");
        return;
    }
    const wn_run_record *r = &c->runs[best];
    double t = 0.0, lo = DBL_MAX, hi = 0.0;
    size_t np = 0;
    for (size_t e = 0; e < r->n_epochs; e++) {
        const wn_energy *en = &r->epochs[e].energy;
        double p = en->energy_j / en->seconds;
        xs[np] = t;
        ys[np++] = p;
        t += en->seconds;
        xs[np] = t;
        ys[np++] = p;
        lo = fmin(lo, p);
        hi = fmax(hi, p);
    }
    char title[128];
    snprintf(title, sizeof title, "Per-epoch average power of run %lld",
             (long long)r->run_id);
    struct wn_chart_series se = {.label = r->energy.source, .n = np, .x = xs,
                                 .y = ys, .line = 1};
    struct wn_chart ch = {.title = title,
                          .xlabel = "time since the run started [s]",
                          .ylabel = "average power per epoch [W]",
                          .n_series = 1, .series = &se};
    wn__sbuf_puts(b, "<p>No finer power samples were stored; this is each "
                  "epoch's measured energy divided by its duration.</p>\n");
    wn__chart_svg(b, &ch);
    wn__sbuf_printf(b, "<p class=\"reading\">Over %zu epochs (%.3g s) the "
                    "average power ranged from %.1f W to %.1f W.</p>\n",
                    r->n_epochs, t, lo, hi);
}

/* ---- public -------------------------------------------------------------------- */

int wn_report_html(const wn_run_record *runs, size_t n,
                   const wn_report_opts *o, char **html)
{
    int rc = WN_OK;
    struct wn_sbuf b = {0};
    struct ctx c;
    wn_model *fitted = NULL;
    double *xs = NULL, *ys = NULL, *tmp = NULL;
    memset(&c, 0, sizeof c);
    if (html == NULL || o == NULL || (runs == NULL && n > 0))
        return wn_seterr(WN_EINVAL, "report.c:%d: NULL argument", __LINE__);
    *html = NULL;
    c.runs = runs;
    c.n = n;
    if (o->hw != NULL) {
        c.hw = *o->hw;
    } else if (o->model != NULL) {
        c.hw = o->model->hw;
    } else if (o->host != NULL) {
        wn_hw_profile_from_host(o->host, &c.hw);
    } else {
        return wn_seterr(WN_EINVAL, "report: needs a hardware profile, a model "
                         "or a host");
    }
    c.model = o->model;
    if (c.model == NULL && n > 0) {
        fitted = wn_calloc(1, sizeof *fitted);
        if (fitted == NULL) {
            rc = wn_seterr(WN_ENOMEM, "report: out of memory");
            goto out;
        }
        int st = wn_model_fit_runs(runs, n, &c.hw, NULL, fitted);
        if (st == WN_ENOMEM) {
            rc = st;
            goto out;
        }
        if (st == WN_OK)
            c.model = fitted;
        wn_clearerr();
    }
    if (c.model != NULL) {
        c.energy = strcmp(c.model->target, WN_TARGET_ENERGY) == 0;
    } else {
        size_t measured = 0;
        for (size_t i = 0; i < n; i++)
            measured += wn_run_energy_usable(&runs[i]) ? 1 : 0;
        c.energy = measured > 0 && 2 * measured >= n;
    }
    c.unit = c.energy ? "J" : "s";
    c.qty = c.energy ? "energy" : "time";
    size_t cap = 2 * n + 16;
    for (size_t i = 0; i < n; i++)   /* a power trace: 2 points per epoch */
        if (2 * runs[i].n_epochs > cap)
            cap = 2 * runs[i].n_epochs;
    c.rows = wn_calloc(n ? n : 1, sizeof *c.rows);
    xs = wn_calloc(cap, sizeof *xs);
    ys = wn_calloc(cap, sizeof *ys);
    tmp = wn_calloc(cap, sizeof *tmp);
    if (c.rows == NULL || xs == NULL || ys == NULL || tmp == NULL) {
        rc = wn_seterr(WN_ENOMEM, "report: out of memory");
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        struct row *rw = &c.rows[i];
        wn_features f;
        double y;
        if (!wn_run_target(&runs[i], c.energy ? WN_TARGET_ENERGY
                                              : WN_TARGET_TIME, &y))
            continue;
        if (wn_features_of_run(&runs[i], &c.hw, &f) != WN_OK)
            continue;
        rw->ok = 1;
        rw->y = y;
        rw->ws = f.ws_step;
        rw->flops = f.flops_per_datum;
        rw->params = (double)f.params;
        rw->level = c.hw.n_levels;
        for (int l = 0; l < c.hw.n_levels; l++)
            if (f.ws_step <= wn_hw_capacity(&c.hw, l, f.threads)) {
                rw->level = l;
                break;
            }
        rw->shape_group = group_of(&c.shapes[0][0], &c.n_shapes,
                                   sizeof c.shapes[0], runs[i].spec.shape);
        rw->data_group = group_of(&c.datasets[0][0], &c.n_datasets,
                                  sizeof c.datasets[0],
                                  runs[i].dataset_name[0]
                                      ? runs[i].dataset_name
                                      : runs[i].spec.dataset);
    }
    wn_clearerr();
    /* a power trace needs 2 points per epoch */
    if (o->n_samples > cap) {
        wn_free(xs);
        wn_free(ys);
        cap = o->n_samples;
        xs = wn_calloc(cap, sizeof *xs);
        ys = wn_calloc(cap, sizeof *ys);
        if (xs == NULL || ys == NULL) {
            rc = wn_seterr(WN_ENOMEM, "report: out of memory");
            goto out;
        }
    }
    for (size_t i = 0; i < n; i++)
        if (2 * runs[i].n_epochs > cap) {
            rc = wn_seterr(WN_EINVAL, "report: run %lld has %zu epochs",
                           (long long)runs[i].run_id, runs[i].n_epochs);
            goto out;
        }

    wn__sbuf_puts(&b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
                  "<meta charset=\"utf-8\">\n<title>wattnet report</title>\n"
                  "<style>\nbody{font-family:sans-serif;max-width:980px;"
                  "margin:2em auto;color:#222;padding:0 1em}\n"
                  "table{border-collapse:collapse;margin:.5em 0 1.5em}\n"
                  "th,td{border:1px solid #bbb;padding:4px 8px;text-align:left;"
                  "vertical-align:top}\nth{background:#f0f0f0}\n"
                  "svg{display:block;max-width:100%;height:auto;"
                  "border:1px solid #ddd;margin:.5em 0}\n"
                  ".reading{font-style:italic;margin:.3em 0 2em}\n"
                  ".warn{background:#fff3cd;border:1px solid #e0c060;"
                  "padding:.5em}\n</style>\n</head>\n<body>\n");
    wn__sbuf_printf(&b, "<h1>wattnet report: %s of training</h1>\n",
                    c.energy ? "energy" : "time");
    if (!c.energy)
        wn__sbuf_puts(&b, "<p class=\"warn\">No stored run has a real energy "
                      "measurement usable here, so this report shows "
                      "<b>time</b> (seconds per training datum), not energy. "
                      "Estimated energy is never shown as measured.</p>\n");
    if (n == 0)
        wn__sbuf_puts(&b, "<p class=\"warn\">The database holds no runs.</p>\n");
    summary(&b, &c, o);
    chart_working_set(&b, &c, xs, ys, tmp);
    chart_efficiency(&b, &c, xs, ys, tmp);
    chart_predicted(&b, &c, xs, ys);
    chart_to_loss(&b, &c, xs, ys, tmp);
    chart_power(&b, &c, o, xs, ys);
    wn__report_advise(&b, runs, n, &c.hw);
    wn__sbuf_printf(&b, "<p><small>wattnet %s. Self-contained: inline SVG, "
                    "no scripts, nothing loaded from the network.</small></p>\n"
                    "</body>\n</html>\n", WN_VERSION);
    rc = wn__sbuf_take(&b, html, NULL);
out:
    wn__sbuf_free(&b);
    wn_free(tmp);
    wn_free(ys);
    wn_free(xs);
    wn_free(c.rows);
    wn_free(fitted);
    return rc;
}

int wn_report_write(const wn_run_record *runs, size_t n,
                    const wn_report_opts *o, const char *path)
{
    char *html = NULL;
    int rc = wn_report_html(runs, n, o, &html);
    if (rc != WN_OK)
        return rc;
    rc = wn__write_file_atomic(path, html, strlen(html));
    wn_free(html);
    return rc;
}
