/*
 * study_window.c - the study's energy rule for one run, fed one sample at a
 * time so that a per-job energy CSV is read once for all of its runs: a
 * node's reading holds until its next reading (the last to the window's
 * end) and the intervals straddling the window's ends count for the part
 * inside it (SPEC sections 1 and 8).  The rules of wn_powerlog_integrate
 * (which reads a whole log for one window), except that a window opening
 * before the node's first reading gets that reading held back to its start
 * instead of the flag "uncovered-start".
 *
 * Also each node's power distribution in bounded memory, for its
 * 2nd-percentile (idle) power.
 */
#include <math.h>
#include <string.h>

#include "study/study_internal.h"

void wn__window_init(struct wn__window *w, double t0, double t1)
{
    memset(w, 0, sizeof *w);
    w->t0 = t0;
    w->t1 = t1;
}

/* Account the reading P held over [a, b). */
static void hold(struct wn__window *w, double a, double b, double p)
{
    double lo = a > w->t0 ? a : w->t0;
    double hi = b < w->t1 ? b : w->t1;
    if (hi <= lo)
        return;
    w->energy_j += p * (hi - lo);
    if (p == 0.0)
        w->zero = 1;
}

void wn__window_add(struct wn__window *w, double t, double watts)
{
    if (w->have_prev)
        hold(w, w->prev_t, t, w->prev_w);
    else {
        w->first_t = t;
        w->first_w = watts;
    }
    if (t >= w->t0 && t <= w->t1) {
        w->inside++;
        if (watts == 0.0)
            w->zero = 1;
    }
    w->have_prev = 1;
    w->prev_t = t;
    w->prev_w = watts;
}

void wn__window_finish(struct wn__window *w, const char **flag)
{
    if (w->have_prev) {
        hold(w, w->prev_t, w->t1, w->prev_w);
        w->have_prev = 0;
    }
    /* A window that opens before the node's first reading: that reading is
     * held back to the window's start (the study's partial first minute). */
    if (w->inside && w->first_t > w->t0)
        hold(w, w->t0, w->first_t, w->first_w);
    if (!w->inside)
        *flag = "no-samples";
    else if (w->zero)
        *flag = "zero-watts";
    else
        *flag = "";
}

/* ---- a node's power histogram ------------------------------------------------- */

void wn__hist_add(struct wn__hist *h, double watts)
{
    if (!(watts >= 0))
        return;
    size_t b = watts >= WN__HIST_BINS - 1 ? WN__HIST_BINS - 1 : (size_t)watts;
    h->count[b]++;
    h->sum[b] += watts;
    h->n++;
}

/* The value of rank floor(q * (n - 1)) (0-based) in sorted order, as the
 * mean of its bin. */
double wn__hist_quantile(const struct wn__hist *h, double q)
{
    if (!h->n)
        return NAN;
    uint64_t rank = (uint64_t)floor(q * (double)(h->n - 1));
    uint64_t seen = 0;
    for (size_t b = 0; b < WN__HIST_BINS; b++) {
        seen += h->count[b];
        if (seen > rank)
            return h->sum[b] / h->count[b];
    }
    return NAN;
}
