/*
 * probe_knees.c - the knees of a bandwidth-versus-working-set curve
 * (wn_probe_find_knees, probe.h).
 *
 * The curve is a staircase in log(bandwidth): one plateau per level that
 * holds the working set, with a short ramp between.  We fit a
 * piecewise-constant function to log(read GB/s) by dynamic programming
 * (least squares, segments of at least two points), pick the number of
 * segments by BIC, merge neighbours whose plateaus differ by less than 15%,
 * and place each downward step's knee where the curve first falls, and
 * stays for two points, below 85% of the upper plateau (its median),
 * interpolated in log(size): the
 * onset of the spill, which is where the level's capacity ends.  (The
 * halfway crossing between plateaus lands 2-3x past the capacity on a
 * gradual L2 -> L3 ramp.)
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <wattnet/probe.h>
#include "core/util.h"

#define MAX_SEG (WN_PROBE_MAX_KNEES + 2)
#define MIN_LEN 2
#define MERGE_LOG 0.1398   /* log(1.15) */
#define ONSET_LOG 0.1625   /* -log(0.85) */
#define NOISE_FLOOR 0.03   /* in log(bandwidth) */

struct fit {
    size_t n;
    double y[WN_PROBE_MAX_POINTS];
    double s1[WN_PROBE_MAX_POINTS + 1], s2[WN_PROBE_MAX_POINTS + 1];
};

/* Squared error of y[a..b) about its mean. */
static double sse(const struct fit *f, size_t a, size_t b)
{
    double n = (double)(b - a), s = f->s1[b] - f->s1[a];
    return (f->s2[b] - f->s2[a]) - s * s / n;
}

static double mean(const struct fit *f, size_t a, size_t b)
{
    return (f->s1[b] - f->s1[a]) / (double)(b - a);
}

/* Best split of y[0..n) into k segments: cuts[0..k] with cuts[0] = 0 and
 * cuts[k] = n.  Returns its squared error (INFINITY when impossible). */
static double segment(const struct fit *f, size_t k, size_t *cuts)
{
    static double cost[MAX_SEG + 1][WN_PROBE_MAX_POINTS + 1];
    static size_t from[MAX_SEG + 1][WN_PROBE_MAX_POINTS + 1];
    for (size_t j = 0; j <= f->n; j++)
        cost[1][j] = j >= MIN_LEN ? sse(f, 0, j) : INFINITY;
    for (size_t s = 2; s <= k; s++)
        for (size_t j = 0; j <= f->n; j++) {
            cost[s][j] = INFINITY;
            for (size_t i = MIN_LEN; i + MIN_LEN <= j; i++) {
                double c = cost[s - 1][i] + sse(f, i, j);
                if (c < cost[s][j]) {
                    cost[s][j] = c;
                    from[s][j] = i;
                }
            }
        }
    cuts[k] = f->n;
    for (size_t s = k; s > 1; s--)
        cuts[s - 1] = from[s][cuts[s]];
    cuts[0] = 0;
    return cost[k][f->n];
}

static double median(const struct fit *f, size_t a, size_t b);

/* A segment between two plateaus, at a level between theirs, that spans
 * less than 1.25 octaves of size is the ramp from one to the other, not a
 * level of its own: real cache levels span several octaves (L1 4 KiB ->
 * 48 KiB, L2 -> 1 MiB, L3 -> 32 MiB). */
static int is_ramp(const wn_probe_result *r, const struct fit *f,
                   const size_t *cuts, size_t s)
{
    double before = median(f, cuts[s - 1], cuts[s]);
    double level = median(f, cuts[s], cuts[s + 1]);
    double after = median(f, cuts[s + 1], cuts[s + 2]);
    double octaves = log2((double)r->points[cuts[s + 1] - 1].bytes /
                          (double)r->points[cuts[s]].bytes);
    return before > level && level > after && octaves < 1.25;
}

static void drop_cut(size_t *cuts, size_t *k, size_t s)
{
    memmove(cuts + s, cuts + s + 1, (*k - s) * sizeof *cuts);
    (*k)--;
}

/* Number of segments by BIC, then merge plateaus closer than 15% and
 * ramps into the plateau after them. */
static size_t choose_segments(const wn_probe_result *r, const struct fit *f,
                              size_t *cuts)
{
    size_t best_k = 1, tmp[MAX_SEG + 1];
    double best = INFINITY, n = (double)f->n;
    for (size_t k = 1; k <= MAX_SEG && k * MIN_LEN <= f->n; k++) {
        double e = segment(f, k, tmp);
        /* a 3% noise floor: a noise-free curve must not buy a segment
         * for every point of a ramp */
        double bic = n * log(e / n + NOISE_FLOOR * NOISE_FLOOR) +
                     2.0 * (double)k * log(n);
        if (bic < best) {
            best = bic;
            best_k = k;
        }
    }
    segment(f, best_k, cuts);
    size_t k = best_k;
    for (size_t s = 1; s < k;) {
        double d = mean(f, cuts[s - 1], cuts[s]) - mean(f, cuts[s], cuts[s + 1]);
        if (fabs(d) < MERGE_LOG)
            drop_cut(cuts, &k, s);
        else
            s++;
    }
    for (size_t s = 1; s + 1 < k;) {
        if (is_ramp(r, f, cuts, s))
            drop_cut(cuts, &k, s + 1);
        else
            s++;
    }
    return k;
}


/* Median of y[a..b): the plateau level, robust to a noisy point. */
static double median(const struct fit *f, size_t a, size_t b)
{
    double v[WN_PROBE_MAX_POINTS];
    size_t n = b - a;
    memcpy(v, f->y + a, n * sizeof *v);
    qsort(v, n, sizeof *v, wn__cmp_double);
    return wn__quantile_sorted(v, n, 0.5);
}

/* y[i] is below MID and so is the point after it (when there is one): one
 * slow point inside a plateau is a disturbed trial, not the spill. */
static int sustained_below(const struct fit *f, size_t i, size_t b, double mid)
{
    return f->y[i] < mid && (i + 1 >= b || f->y[i + 1] < mid);
}

/* The knee between the plateaus [a, m) and [m, b): the first point that
 * stays below 85% of the upper plateau, interpolated in log(size). */
static wn_probe_knee knee_at(const wn_probe_result *r, const struct fit *f,
                             size_t a, size_t m, size_t b)
{
    double hi = median(f, a, m), lo = median(f, m, b), mid = hi - ONSET_LOG;
    if (mid < lo)
        mid = 0.5 * (hi + lo);   /* a step smaller than 15%: its middle */
    wn_probe_knee k = { 0, exp(hi), exp(lo) };
    /* from the plateau itself: tiny working sets at the start of the sweep
     * are slower (loop overhead) and must not read as a spill */
    size_t i = a;
    while (i + 1 < m && f->y[i] < hi)
        i++;
    i++;
    while (i < b - 1 && !sustained_below(f, i, b, mid))
        i++;
    double y0 = f->y[i - 1], y1 = f->y[i];
    double t = y0 > y1 ? (y0 - mid) / (y0 - y1) : 0.5;
    t = fmin(fmax(t, 0.0), 1.0);
    double l0 = log((double)r->points[i - 1].bytes);
    double l1 = log((double)r->points[i].bytes);
    k.capacity_bytes = (uint64_t)exp(l0 + t * (l1 - l0));
    return k;
}

void wn_probe_find_knees(wn_probe_result *r)
{
    struct fit f;
    size_t cuts[MAX_SEG + 1];
    r->n_knees = 0;
    memset(&f, 0, sizeof f);
    for (size_t i = 0; i < r->n_points && i < WN_PROBE_MAX_POINTS; i++)
        if (r->points[i].read_gbs > 0)
            f.y[f.n++] = log(r->points[i].read_gbs);
    if (f.n != r->n_points || f.n < 2 * MIN_LEN)
        return;   /* a failed or too short sweep: no knee claimed */
    for (size_t i = 0; i < f.n; i++) {
        f.s1[i + 1] = f.s1[i] + f.y[i];
        f.s2[i + 1] = f.s2[i] + f.y[i] * f.y[i];
    }
    size_t k = choose_segments(r, &f, cuts);
    for (size_t s = 1; s < k && r->n_knees < WN_PROBE_MAX_KNEES; s++) {
        if (mean(&f, cuts[s], cuts[s + 1]) >= mean(&f, cuts[s - 1], cuts[s]))
            continue;   /* an upward step (loop overhead at tiny sizes) */
        r->knees[r->n_knees++] = knee_at(r, &f, cuts[s - 1], cuts[s], cuts[s + 1]);
    }
}
