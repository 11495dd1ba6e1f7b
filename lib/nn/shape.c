/*
 * shape.c - BUTTER's network shapes (SPEC section 3): the layer widths of a
 * network from (inputs, outputs, shape, depth, target size).
 *
 * Every shape has one free integer width w0.  wn_shape_widths() bisects w0
 * over [1, 2^30] exactly as BUTTER's binary_search_int does (candidate =
 * floor((lo + hi) / 2); below the target: lo = candidate + 1; above: hi =
 * candidate; equal: stop) and keeps the visited candidate whose parameter
 * count is nearest the target (the first one on a tie).  Rounding is
 * half-to-even like Python's round(): nearbyint() in the default rounding
 * mode.  Parameter counts saturate at UINT64_MAX instead of overflowing, so
 * huge candidates simply compare as "too big".
 *
 * Called once per training run or sweep entry; cost is ~31 evaluations of
 * the width formula, negligible.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <wattnet/core.h>
#include <wattnet/data.h>
#include <wattnet/shape.h>
#include <wattnet/train.h>

/* ---- The shape names ---------------------------------------------------- */

static const char *const shape_names[] = {
    "rectangle",      "trapezoid",      "exponential",    "wide_first_2x",
    "wide_first_4x",  "wide_first_8x",  "wide_first_16x", "rectangle_residual",
};

enum shape_kind { RECTANGLE, TRAPEZOID, EXPONENTIAL, WIDE_FIRST, RESIDUAL };

#define W0_MAX ((uint64_t)1 << 30)

size_t wn_shape_count(void)
{
    return sizeof shape_names / sizeof shape_names[0];
}

const char *wn_shape_name_at(size_t i)
{
    return i < wn_shape_count() ? shape_names[i] : NULL;
}

/* Parse NAME into a kind (and N for wide_first_Nx).  0 on success, -1 for
 * an unknown name. */
static int shape_parse(const char *name, enum shape_kind *kind, uint64_t *n)
{
    static const char wf[] = "wide_first_";
    *n = 1;
    if (!name)
        return -1;
    if (!strcmp(name, "rectangle"))
        *kind = RECTANGLE;
    else if (!strcmp(name, "trapezoid"))
        *kind = TRAPEZOID;
    else if (!strcmp(name, "exponential"))
        *kind = EXPONENTIAL;
    else if (!strcmp(name, "rectangle_residual"))
        *kind = RESIDUAL;
    else if (!strncmp(name, wf, sizeof wf - 1)) {
        const char *p = name + sizeof wf - 1;
        uint64_t v = 0;
        size_t digits = 0;
        if (*p == '0')
            return -1;   /* no leading zeros, no N = 0 */
        for (; *p >= '0' && *p <= '9'; p++, digits++) {
            v = v * 10 + (uint64_t)(*p - '0');
            if (v > W0_MAX)
                return -1;
        }
        if (digits == 0 || strcmp(p, "x") != 0 || v < 1)
            return -1;
        *kind = WIDE_FIRST;
        *n = v;
    } else
        return -1;
    return 0;
}

int wn_shape_valid(const char *name)
{
    enum shape_kind k;
    uint64_t n;
    return shape_parse(name, &k, &n) == 0;
}

int wn_shape_is_residual(const char *name)
{
    return name && !strcmp(name, "rectangle_residual");
}

/* ---- Parameter counts --------------------------------------------------- */

static uint64_t sat_add(uint64_t a, uint64_t b)
{
    uint64_t r;
    return __builtin_add_overflow(a, b, &r) ? UINT64_MAX : r;
}

static uint64_t sat_mul(uint64_t a, uint64_t b)
{
    uint64_t r;
    return __builtin_mul_overflow(a, b, &r) ? UINT64_MAX : r;
}

uint64_t wn_params(size_t inputs, const size_t *widths, size_t depth)
{
    uint64_t total = 0;
    uint64_t fan_in = inputs;
    for (size_t k = 0; k < depth; k++) {
        total = sat_add(total, sat_mul(sat_add(fan_in, 1), widths[k]));
        fan_in = widths[k];
    }
    return total;
}

/* ---- Width formulas ----------------------------------------------------- */

/* Python's round() for the non-negative doubles used here. */
static double round_even(double x)
{
    return nearbyint(x);
}

static size_t clamp_width(double w)
{
    if (!(w >= 1.0))
        return 1;   /* also NaN; only reachable for degenerate inputs */
    if (w > (double)W0_MAX * 4)
        return (size_t)W0_MAX * 4;
    return (size_t)w;
}

/* Fill widths[0..depth) for candidate w0. */
static void make_widths(enum shape_kind kind, uint64_t n, size_t outputs,
                        size_t depth, uint64_t w0, size_t *widths)
{
    double dw0 = (double)w0, dout = (double)outputs;
    switch (kind) {
    case RECTANGLE:
    case RESIDUAL:
        for (size_t k = 0; k + 1 < depth; k++)
            widths[k] = (size_t)w0;
        break;
    case TRAPEZOID: {
        double beta = (dw0 - dout) / (double)(depth - 1);
        for (size_t k = 0; k + 1 < depth; k++)
            widths[k] = clamp_width(round_even(dw0 - beta * (double)k));
        break;
    }
    case EXPONENTIAL: {
        double beta = pow(dout / dw0, 1.0 / (double)(depth - 1));
        for (size_t k = 0; k + 1 < depth; k++) {
            double w = round_even(dw0 * pow(beta, (double)k));
            widths[k] = w < dout ? outputs : clamp_width(w);
        }
        break;
    }
    case WIDE_FIRST: {
        size_t rest = clamp_width(round_even(dw0 / (double)n));
        widths[0] = (size_t)w0;
        for (size_t k = 1; k + 1 < depth; k++)
            widths[k] = rest;
        break;
    }
    }
    widths[depth - 1] = outputs;
}

/* ---- The bisection ------------------------------------------------------ */

int wn_shape_widths(size_t inputs, size_t outputs, const char *shape,
                    size_t depth, uint64_t size, size_t *widths,
                    uint64_t *params_out)
{
    return wn_shape_widths_tol(inputs, outputs, shape, depth, size,
                               WN_SHAPE_TOLERANCE, widths, params_out);
}

int wn_shape_widths_tol(size_t inputs, size_t outputs, const char *shape,
                        size_t depth, uint64_t size, double tolerance,
                        size_t *widths, uint64_t *params_out)
{
    enum shape_kind kind;
    uint64_t n;
    size_t cand[WN_MAX_DEPTH];
    uint64_t best_dist = UINT64_MAX, best_params = 0, best_w0 = 0;

    if (shape_parse(shape, &kind, &n) != 0)
        return wn_seterr(WN_EINVAL,
                         "shape '%s': unknown (rectangle, trapezoid, "
                         "exponential, wide_first_Nx, rectangle_residual)",
                         shape ? shape : "(null)");
    if (depth < 2 || depth > WN_MAX_DEPTH)
        return wn_seterr(WN_EINVAL, "depth %zu: must be 2..%d", depth,
                         WN_MAX_DEPTH);
    if (inputs < 1 || outputs < 1)
        return wn_seterr(WN_EINVAL, "inputs %zu, outputs %zu: both must be >= 1",
                         inputs, outputs);
    if (size < 1)
        return wn_seterr(WN_EINVAL, "size 0: must be >= 1");
    if (!widths)
        return wn_seterr(WN_EINVAL, "wn_shape_widths: widths is NULL");

    uint64_t lo = 1, hi = W0_MAX;
    while (lo < hi) {
        uint64_t w0 = lo + (hi - lo) / 2;
        make_widths(kind, n, outputs, depth, w0, cand);
        uint64_t p = wn_params(inputs, cand, depth);
        uint64_t dist = p > size ? p - size : size - p;
        if (dist < best_dist) {
            best_dist = dist;
            best_params = p;
            best_w0 = w0;
        }
        if (p < size)
            lo = w0 + 1;
        else if (p > size)
            hi = w0;
        else
            break;
    }
    if (!(tolerance > 0))
        return wn_seterr(WN_EINVAL, "width tolerance %g: must be > 0", tolerance);
    if (best_w0 == 0 || (double)best_dist >= tolerance * (double)size)
        return wn_seterr(WN_EINVAL,
                         "size %llu: no %s network of depth %zu with %zu "
                         "inputs and %zu outputs comes within %g%% (nearest "
                         "has %llu parameters)",
                         (unsigned long long)size, shape, depth, inputs,
                         outputs, 100.0 * tolerance,
                         (unsigned long long)best_params);
    make_widths(kind, n, outputs, depth, best_w0, widths);
    if (params_out)
        *params_out = best_params;
    return WN_OK;
}
