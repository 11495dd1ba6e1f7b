/*
 * probe.c - the working-set sweep of wn_probe_caches (probe.h): for each
 * size, the best of a few timed trials of a read kernel (a sum over the
 * buffer with eight accumulators, so the loads, not the adds, set the
 * pace) and of a read-modify-write kernel (x[i] += 1).  The whole sweep is
 * run a few times over and each size keeps its best pass: on a VM a slow
 * spell lasts seconds (seen: every size from 256 KiB to 1.4 MiB at 43
 * instead of 61 GB/s), longer than one size's trials, so only passes
 * seconds apart outvote it.  The buffer is
 * allocated once at the largest size, faulted in, and asked for huge pages
 * so that TLB misses do not add knees of their own.  Knee finding is in
 * probe_knees.c.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include <wattnet/core.h>
#include <wattnet/probe.h>
#include "core/util.h"

#define HUGE_PAGE (2u << 20)

void wn_probe_opts_default(wn_probe_opts *o)
{
    memset(o, 0, sizeof *o);
    o->min_bytes = 4096;
    o->max_bytes = 256ull << 20;
    o->points_per_octave = 4;
    o->trial_seconds = 0.005;
    o->trials = 2;
    o->repeats = 5;
}


/* ---- kernels -------------------------------------------------------------- */

static volatile double sink;

static void read_pass(const double *x, size_t n)
{
    double a[8] = { 0 };
    for (size_t i = 0; i + 8 <= n; i += 8)
        for (int k = 0; k < 8; k++)
            a[k] += x[i + k];
    sink = a[0] + a[1] + a[2] + a[3] + a[4] + a[5] + a[6] + a[7];
}

static void rmw_pass(double *x, size_t n)
{
    for (size_t i = 0; i < n; i++)
        x[i] += 1.0;
    sink = x[n / 2];
}

static double thread_cpu_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void run_passes(double *x, size_t n, int rmw, size_t passes)
{
    for (size_t p = 0; p < passes; p++) {
        if (rmw)
            rmw_pass(x, n);
        else
            read_pass(x, n);
    }
}

/* GB/s of the best clean trial: each trial repeats passes until it lasts
 * at least trial_seconds.  A trial during which this thread was off its
 * CPU for more than 5% of the wall time (another process took the core:
 * thread CPU time against wall time) does not count; up to TRIES_PER_TRIAL
 * x o->trials are run to get o->trials clean ones, and *clean says how many
 * were.  (A core shared all along gets no clean trial: the bound keeps such
 * a probe to 4x its quiet time; a fixed 40 tries per pass made it 450 s.) */
#define TRIES_PER_TRIAL 4
static double time_kernel(double *x, size_t n, int rmw, const wn_probe_opts *o,
                          int *clean)
{
    double best = 0.0, any = 0.0;
    size_t passes = 1;
    *clean = 0;
    for (int t = 0; t < TRIES_PER_TRIAL * o->trials && *clean < o->trials; t++) {
        double t0, c0, dt;
        for (;;) {
            t0 = wn__now_s();
            c0 = thread_cpu_s();
            run_passes(x, n, rmw, passes);
            dt = wn__now_s() - t0;
            if (dt >= o->trial_seconds || passes > (1u << 24))
                break;
            passes *= 2;
        }
        double cpu = thread_cpu_s() - c0;
        double bytes = (double)passes * (double)n * sizeof(double) * (rmw ? 2 : 1);
        double gbs = dt > 0 ? bytes / dt / 1e9 : 0.0;
        any = gbs > any ? gbs : any;
        if (cpu < 0.95 * dt)
            continue;   /* descheduled: not this level's bandwidth */
        (*clean)++;
        best = gbs > best ? gbs : best;
    }
    return *clean ? best : any;
}

/* ---- the sweep ------------------------------------------------------------ */

static int check_opts(const wn_probe_opts *o)
{
    if (o->min_bytes < 1024 || o->max_bytes < 2 * o->min_bytes ||
        o->points_per_octave < 1 || o->points_per_octave > 16 ||
        !(o->trial_seconds > 0) || o->trials < 1 || o->repeats < 1 ||
        o->repeats > 16)
        return wn_seterr(WN_EINVAL, "probe: want 1 KiB <= min < max/2, 1..16 "
                         "points per octave, trial time > 0, trials >= 1, "
                         "1..16 repeats");
    double octaves = log2((double)o->max_bytes / (double)o->min_bytes);
    if (octaves * o->points_per_octave + 1 > WN_PROBE_MAX_POINTS)
        return wn_seterr(WN_EINVAL, "probe: %.0f octaves x %d points is more "
                         "than %d sizes", octaves, o->points_per_octave,
                         WN_PROBE_MAX_POINTS);
    return WN_OK;
}

/* The working sets, min_bytes up by points_per_octave per doubling, each
 * a whole number of 8-double blocks. */
static void sweep_sizes(const wn_probe_opts *o, wn_probe_result *out)
{
    double step = pow(2.0, 1.0 / o->points_per_octave);
    for (double b = (double)o->min_bytes; b <= (double)o->max_bytes * 1.0001 &&
         out->n_points < WN_PROBE_MAX_POINTS; b *= step) {
        size_t n = ((size_t)b / sizeof(double)) & ~(size_t)7;
        out->points[out->n_points++].bytes = (uint64_t)(n * sizeof(double));
    }
}

/* One pass over every size; each keeps the best figure of all passes.
 * clean[i] is set once some pass of size i ran all its trials undisturbed;
 * second[i] keeps its second-best pass's read figure. */
static void sweep_once(double *x, const wn_probe_opts *o, wn_probe_result *out,
                       unsigned char *clean, double *second)
{
    for (size_t i = 0; i < out->n_points; i++) {
        wn_probe_point *p = &out->points[i];
        size_t n = (size_t)(p->bytes / sizeof(double));
        int clean_read, clean_rmw;
        double rd = time_kernel(x, n, 0, o, &clean_read);
        double rmw = time_kernel(x, n, 1, o, &clean_rmw);
        if (rd > p->read_gbs) {
            second[i] = p->read_gbs;
            p->read_gbs = rd;
        } else if (rd > second[i]) {
            second[i] = rd;
        }
        p->rmw_gbs = rmw > p->rmw_gbs ? rmw : p->rmw_gbs;
        clean[i] |= clean_read == o->trials && clean_rmw == o->trials;
    }
}

/* Median over sizes of 1 - second-best/best pass (read kernel): whether
 * the figure kept was seen twice. */
static double pass_spread(const wn_probe_result *r, const double *second)
{
    double v[WN_PROBE_MAX_POINTS];
    size_t n = 0;
    for (size_t i = 0; i < r->n_points; i++)
        if (r->points[i].read_gbs > 0)
            v[n++] = 1.0 - second[i] / r->points[i].read_gbs;
    if (n == 0)
        return 0.0;
    qsort(v, n, sizeof *v, wn__cmp_double);
    return wn__quantile_sorted(v, n, 0.5);
}

static double *alloc_buffer(uint64_t bytes)
{
    size_t len = ((size_t)bytes + HUGE_PAGE - 1) / HUGE_PAGE * HUGE_PAGE;
    double *x = wn_malloc_aligned(len);
    if (x == NULL)
        return NULL;
    (void)madvise(x, len, MADV_HUGEPAGE);
    memset(x, 0, len);   /* fault every page in before timing */
    return x;
}

int wn_probe_caches(const wn_probe_opts *o, wn_probe_result *out)
{
    wn_probe_opts def;
    if (o == NULL) {
        wn_probe_opts_default(&def);
        o = &def;
    }
    if (out == NULL)
        return wn_seterr(WN_EINVAL, "probe: no result");
    int rc = check_opts(o);
    if (rc != WN_OK)
        return rc;
    memset(out, 0, sizeof *out);
    double t0 = wn__now_s();
    double *x = alloc_buffer(o->max_bytes);
    if (x == NULL)
        return wn_seterr(WN_ENOMEM, "probe: cannot allocate %llu bytes",
                         (unsigned long long)o->max_bytes);
    sweep_sizes(o, out);
    unsigned char clean[WN_PROBE_MAX_POINTS] = { 0 };
    double second[WN_PROBE_MAX_POINTS] = { 0 };
    for (int pass = 0; pass < o->repeats; pass++)
        sweep_once(x, o, out, clean, second);
    for (size_t i = 0; i < out->n_points; i++)
        out->contended_points += !clean[i];
    out->pass_spread = o->repeats > 1 ? pass_spread(out, second) : 0.0;
    wn_free_aligned(x);
    wn_probe_find_knees(out);
    out->seconds = wn__now_s() - t0;
    return WN_OK;
}
