/*
 * report_crossover.c - section: CPU and GPU cost per training datum
 * against the per-step working set on one chart, and where they cross
 * (BUTTER-E's headline: below some size the CPU costs less per datum).
 *
 * The two devices are compared in one unit only.  When both have runs
 * with measured energy (wn_run_target's joules: RAPL on the CPU, NVML on
 * the GPU) the chart is joules per datum; when either device's runs are
 * time-only (no counter measured them) the chart is seconds per datum for
 * both, and the section says so plainly: joules are never set against
 * seconds.  Each device's points are binned by half-octaves of working
 * set; the medians of bins both devices have give the crossing, found
 * where log(GPU / CPU) changes sign, interpolated in log-log.  The section
 * is left out when the runs hold no GPU run.
 */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <wattnet/core.h>
#include <wattnet/model.h>

#include "report/report_internal.h"

enum { CPU = 0, GPU = 1 };

static int device_of(const wn_run_record *r)
{
    return strncmp(r->summary.device, "cuda", 4) == 0 ? GPU : CPU;
}

/* Points of one device: x = working set, y = cost per datum. */
struct pts {
    const double *x, *y;
    size_t n;
};

static int bin_of(double ws) { return (int)floor(2.0 * log2(ws)); }

/* The median cost of P's points in half-octave bin K (NAN if none);
 * scratch TMP holds up to P->n values. */
static double bin_median(const struct pts *p, int k, double *tmp)
{
    size_t m = 0;
    for (size_t i = 0; i < p->n; i++)
        if (bin_of(p->x[i]) == k)
            tmp[m++] = p->y[i];
    return wn__report_median(tmp, m);
}

/* P's bin medians as a line: (bin centre, median) into X, Y; the count. */
static size_t bin_line(const struct pts *p, int kmin, int kmax, double *x,
                       double *y, double *tmp)
{
    size_t m = 0;
    for (int k = kmin; k <= kmax; k++) {
        double med = bin_median(p, k, tmp);
        if (!isnan(med)) {
            x[m] = exp2(((double)k + 0.5) / 2.0);
            y[m++] = med;
        }
    }
    return m;
}

/* Where GPU and CPU bin medians cross: 1 and *ws (the first crossing,
 * *gpu_cheaper_above 1 when the GPU is cheaper after it); 0 when they
 * never cross where both have runs (*sign: -1 GPU cheaper throughout,
 * +1 CPU cheaper, 0 no common bin). */
static int crossing(const struct pts *dev, int kmin, int kmax, double *tmp,
                    double *ws, int *gpu_cheaper_above, int *sign)
{
    double prev_d = NAN, prev_x = NAN;
    int neg = 0, pos = 0;
    for (int k = kmin; k <= kmax; k++) {
        double c = bin_median(&dev[CPU], k, tmp), g = bin_median(&dev[GPU], k, tmp);
        if (isnan(c) || isnan(g) || !(c > 0) || !(g > 0))
            continue;
        double d = log(g / c), x = ((double)k + 0.5) / 2.0;   /* log2 ws */
        neg += d < 0;
        pos += d > 0;
        if (!isnan(prev_d) && (d < 0) != (prev_d < 0) && d != prev_d) {
            double t = prev_d / (prev_d - d);
            *ws = exp2(prev_x + t * (x - prev_x));
            *gpu_cheaper_above = d < 0;
            return 1;
        }
        prev_d = d;
        prev_x = x;
    }
    *sign = neg && !pos ? -1 : pos && !neg ? 1 : 0;
    return 0;
}

/* Runs per device, and how many carry measured energy. */
static void count_devices(const struct wn__report_ctx *c, size_t runs[2],
                          size_t measured[2])
{
    runs[CPU] = runs[GPU] = measured[CPU] = measured[GPU] = 0;
    for (size_t i = 0; i < c->n; i++) {
        int d = device_of(&c->runs[i]);
        runs[d]++;
        measured[d] += wn_run_energy_usable(&c->runs[i]);
    }
}

/* Points of both devices in UNIT (joules or seconds): CPU first, then GPU,
 * into c->xs / c->ys; dev[] points into them. */
static void collect(struct wn__report_ctx *c, int energy, struct pts dev[2])
{
    const char *target = energy ? WN_TARGET_ENERGY : WN_TARGET_TIME;
    size_t k = 0;
    for (int d = CPU; d <= GPU; d++) {
        dev[d].x = c->xs + k;
        dev[d].y = c->ys + k;
        dev[d].n = 0;
        for (size_t i = 0; i < c->n; i++) {
            wn_features f;
            double y;
            if (device_of(&c->runs[i]) != d ||
                !wn_run_target(&c->runs[i], target, &y) || !(y > 0) ||
                wn_features_of_run(&c->runs[i], &c->hw, &f) != WN_OK ||
                !(f.ws_step > 0))
                continue;
            c->xs[k] = f.ws_step;
            c->ys[k++] = y;
            dev[d].n++;
        }
    }
    wn_clearerr();
}

static void say_units(struct wn_sbuf *b, const size_t runs[2],
                      const size_t measured[2], int energy)
{
    wn__sbuf_puts(b, "<p class=\"reading\">");
    if (energy)
        wn__sbuf_printf(b, "Both devices are compared in joules per training "
                        "datum: %zu of %zu CPU runs and %zu of %zu GPU runs "
                        "carry measured energy (the GPU's from NVML on its own "
                        "GPU, the host's CPU energy kept apart).", measured[CPU],
                        runs[CPU], measured[GPU], runs[GPU]);
    else if (measured[CPU] == 0)
        wn__sbuf_printf(b, "<strong>The CPU runs are time-only</strong> (no "
                        "energy counter measured them), so this chart compares "
                        "<strong>seconds</strong> per training datum on both "
                        "devices, not energy%s.  Joules are not set against "
                        "seconds.", measured[GPU]
                            ? "; the GPU runs' measured NVML joules are left "
                              "out of this comparison"
                            : "");
    else
        wn__sbuf_printf(b, "<strong>The GPU runs are time-only</strong> (NVML "
                        "measured none of them), so this chart compares "
                        "<strong>seconds</strong> per training datum on both "
                        "devices, not energy.  Joules are not set against "
                        "seconds.");
    wn__sbuf_puts(b, "</p>\n");
}

static void reading(struct wn_sbuf *b, const struct pts dev[2], int found,
                    double ws, int gpu_cheaper_above, int sign, const char *qty)
{
    char bb[32];
    wn__sbuf_puts(b, "<p class=\"reading\">");
    if (dev[CPU].n == 0 || dev[GPU].n == 0)
        wn__sbuf_printf(b, "Only %s runs have this quantity: nothing to "
                        "compare.", dev[CPU].n ? "CPU" : "GPU");
    else if (found)
        wn__sbuf_printf(b, "The curves cross at a working set of about "
                        "<strong>%s</strong>: below it the %s costs less %s per "
                        "datum, above it the %s (%zu CPU and %zu GPU runs).",
                        wn__fmt_bytes(ws, bb, sizeof bb),
                        gpu_cheaper_above ? "CPU" : "GPU", qty,
                        gpu_cheaper_above ? "GPU" : "CPU", dev[CPU].n, dev[GPU].n);
    else if (sign != 0)
        wn__sbuf_printf(b, "No crossing where both devices have runs: the %s "
                        "costs less %s per datum throughout (%zu CPU and %zu GPU "
                        "runs).", sign < 0 ? "GPU" : "CPU", qty, dev[CPU].n,
                        dev[GPU].n);
    else
        wn__sbuf_printf(b, "The CPU and GPU runs share no working-set range, so "
                        "no crossing can be read (%zu CPU and %zu GPU runs).",
                        dev[CPU].n, dev[GPU].n);
    wn__sbuf_puts(b, "</p>\n");
}

void wn__report_crossover(struct wn_sbuf *b, struct wn__report_ctx *c)
{
    size_t runs[2], measured[2];
    count_devices(c, runs, measured);
    if (runs[GPU] == 0)
        return;   /* no GPU run: nothing to cross */
    int energy = measured[CPU] > 0 && measured[GPU] > 0;
    const char *unit = energy ? "J" : "s", *qty = energy ? "energy" : "time";
    struct pts dev[2];
    collect(c, energy, dev);
    size_t n_pts = dev[CPU].n + dev[GPU].n;
    int kmin = INT_MAX, kmax = INT_MIN;
    for (size_t i = 0; i < n_pts; i++) {
        int k = bin_of(c->xs[i]);
        kmin = k < kmin ? k : kmin;
        kmax = k > kmax ? k : kmax;
    }
    if (n_pts == 0) {
        kmin = 0;
        kmax = -1;
    }
    /* bin medians after the points (cap >= 2n: at most one bin a point) */
    double *lx = c->xs + n_pts, *ly = c->ys + n_pts;
    size_t nc = bin_line(&dev[CPU], kmin, kmax, lx, ly, c->tmp);
    size_t ng = bin_line(&dev[GPU], kmin, kmax, lx + nc, ly + nc, c->tmp);
    double ws = NAN;
    int above = 0, sign = 0;
    int found = crossing(dev, kmin, kmax, c->tmp, &ws, &above, &sign);

    char title[128], ylab[96], vlab[64], bb[32];
    snprintf(title, sizeof title, "CPU and GPU: %s per training datum against "
             "working set", qty);
    snprintf(ylab, sizeof ylab, "%s per training datum [%s]", qty, unit);
    struct wn_chart_series se[4] = {
        {"CPU runs", dev[CPU].n, dev[CPU].x, dev[CPU].y, 0},
        {"GPU runs", dev[GPU].n, dev[GPU].x, dev[GPU].y, 0},
        {"CPU median (half-octave bins)", nc, lx, ly, 1},
        {"GPU median (half-octave bins)", ng, lx + nc, ly + nc, 1},
    };
    struct wn_chart ch = {.title = title,
                          .xlabel = "per-step working set: activations + "
                                    "parameters + gradients + Adam [bytes]",
                          .ylabel = ylab, .logx = 1, .logy = 1,
                          .n_series = 4, .series = se};
    if (found) {
        snprintf(vlab, sizeof vlab, "crossover %s", wn__fmt_bytes(ws, bb, sizeof bb));
        ch.vline_x[0] = ws;
        ch.vline_label[0] = vlab;
        ch.n_vlines = 1;
    }
    wn__report_heading(b, c, title);
    say_units(b, runs, measured, energy);
    wn__chart_svg(b, &ch);
    reading(b, dev, found, ws, above, sign, qty);
}
