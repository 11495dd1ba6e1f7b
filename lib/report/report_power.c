/*
 * report_power.c - section: a power trace.  In order of preference:
 *   1. stored samples given as wn_power_sample records (opts.samples);
 *   2. raw samples given as plain arrays (opts.trace): times with either
 *      powers or cumulative energy readings, the latter turned into the
 *      mean power between consecutive readings;
 *   3. each epoch's measured energy / duration for the measured run with
 *      the most epochs;
 *   4. a sentence saying no samples were stored.
 */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>

#include <wattnet/core.h>
#include <wattnet/model.h>
#include <wattnet/report.h>

#include "report/report_internal.h"

/* Draw the n points in xs/ys as one line and say mean and peak. */
static void draw_samples(struct wn_sbuf *b, const struct wn__report_ctx *c,
                         size_t n, int64_t run_id, const char *label,
                         const char *what)
{
    double mx = 0.0, sum = 0.0;
    for (size_t i = 0; i < n; i++) {
        mx = fmax(mx, c->ys[i]);
        sum += c->ys[i];
    }
    char title[96];
    snprintf(title, sizeof title, "Power samples of run %lld",
             (long long)run_id);
    struct wn_chart_series se = {.label = label, .n = n, .x = c->xs,
                                 .y = c->ys, .line = 1};
    struct wn_chart ch = {.title = title,
                          .xlabel = "time since the run started [s]",
                          .ylabel = "power [W]", .n_series = 1,
                          .series = &se};
    wn__chart_svg(b, &ch);
    wn__sbuf_printf(b, "<p class=\"reading\">%zu %s; mean %.1f W, peak "
                    "%.1f W.</p>\n", n, what, sum / (double)n, mx);
}

/* Raw arrays into xs/ys; returns the point count (0: nothing usable). */
static size_t trace_points(const struct wn__report_ctx *c,
                           const wn_report_trace *t)
{
    size_t np = 0;
    if (t->t_s == NULL || t->n == 0)
        return 0;
    for (size_t i = 0; i < t->n; i++) {
        double p;
        if (t->power_w != NULL) {
            p = t->power_w[i];
        } else if (t->energy_j != NULL && i > 0 &&
                   t->t_s[i] > t->t_s[i - 1]) {
            p = (t->energy_j[i] - t->energy_j[i - 1]) /
                (t->t_s[i] - t->t_s[i - 1]);
        } else {
            continue;
        }
        if (!isfinite(p))
            continue;
        c->xs[np] = t->t_s[i] - t->t_s[0];
        c->ys[np++] = p;
    }
    return np;
}

/* the measured run with the most epochs, all measured; SIZE_MAX: none */
static size_t best_epoch_run(const struct wn__report_ctx *c)
{
    size_t best = SIZE_MAX;
    for (size_t i = 0; i < c->n; i++) {
        const wn_run_record *r = &c->runs[i];
        size_t good = 0;
        for (size_t e = 0; e < r->n_epochs; e++)
            if (wn_energy_usable(&r->epochs[e].energy) &&
                r->epochs[e].energy.seconds > 0.0)
                good++;
        if (good >= 2 && good == r->n_epochs &&
            (best == SIZE_MAX || good > c->runs[best].n_epochs))
            best = i;
    }
    return best;
}

static void epoch_power(struct wn_sbuf *b, const struct wn__report_ctx *c,
                        const wn_run_record *r)
{
    double t = 0.0, lo = DBL_MAX, hi = 0.0;
    size_t np = 0;
    for (size_t e = 0; e < r->n_epochs; e++) {
        const wn_energy *en = &r->epochs[e].energy;
        double p = en->energy_j / en->seconds;
        c->xs[np] = t;
        c->ys[np++] = p;
        t += en->seconds;
        c->xs[np] = t;
        c->ys[np++] = p;
        lo = fmin(lo, p);
        hi = fmax(hi, p);
    }
    char title[128];
    snprintf(title, sizeof title, "Per-epoch average power of run %lld",
             (long long)r->run_id);
    struct wn_chart_series se = {.label = r->energy.source, .n = np,
                                 .x = c->xs, .y = c->ys, .line = 1};
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

void wn__report_power(struct wn_sbuf *b, struct wn__report_ctx *c)
{
    const wn_report_opts *o = c->o;
    size_t np = 0;
    wn__report_heading(b, c, "Power trace");
    if (o->samples != NULL && o->n_samples > 0) {
        for (size_t i = 0; i < o->n_samples; i++) {
            c->xs[i] = o->samples[i].t_s;
            c->ys[i] = o->samples[i].power_w;
        }
        draw_samples(b, c, o->n_samples, o->samples_run_id, "power",
                     "samples");
        return;
    }
    if (o->trace != NULL && (np = trace_points(c, o->trace)) > 0) {
        draw_samples(b, c, np, o->trace->run_id,
                     o->trace->source ? o->trace->source : "power",
                     "raw samples");
        return;
    }
    size_t best = best_epoch_run(c);
    if (best == SIZE_MAX) {
        wn__sbuf_puts(b, "<p class=\"reading\">No power samples were stored, "
                      "and no run has measured energy for its epochs, so "
                      "there is no power trace to draw.</p>\n");
        return;
    }
    epoch_power(b, c, &c->runs[best]);
}
