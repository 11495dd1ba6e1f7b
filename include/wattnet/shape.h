/*
 * shape.h - BUTTER's network shapes: from (inputs, outputs, shape, depth,
 * size) to the layer widths, by bisection on the one free width w0 with
 * half-to-even rounding (SPEC section 3).
 */
#ifndef WATTNET_SHAPE_H
#define WATTNET_SHAPE_H

#include <stddef.h>
#include <stdint.h>
#include <wattnet/core.h>

#ifdef __cplusplus
extern "C" {
#endif

#define WN_MAX_DEPTH 64

/* The 8 study shape names, in the study's order. */
size_t wn_shape_count(void);
const char *wn_shape_name_at(size_t i);

/* Is NAME a known shape (the 8, or wide_first_Nx for any N >= 1)? */
int wn_shape_valid(const char *name);

/* Is NAME residual (identity skips into hidden layers 0 < k < depth-1)? */
int wn_shape_is_residual(const char *name);

/* Parameters of a network: sum over layers of (fan_in + 1) * width. */
uint64_t wn_params(size_t inputs, const size_t *widths, size_t depth);

/* Compute the widths (depth entries, the last = outputs) of the network of
 * SHAPE nearest to SIZE parameters.  WN_EINVAL (with a message) for an
 * unknown shape, depth < 2 or > WN_MAX_DEPTH, or a size that no network of
 * the shape reaches within 20% (WN_SHAPE_TOLERANCE).  *params_out may be
 * NULL. */
int wn_shape_widths(size_t inputs, size_t outputs, const char *shape,
                    size_t depth, uint64_t size, size_t *widths,
                    uint64_t *params_out);

/* The width search's tolerance: the nearest network is refused when its
 * parameter count is off SIZE by TOLERANCE x SIZE or more.  wattnet's
 * default is 0.2; 0.5 is the study's later code (SPEC section 8); INFINITY
 * keeps the nearest network whatever it is (the study's energy batches). */
#define WN_SHAPE_TOLERANCE 0.2
int wn_shape_widths_tol(size_t inputs, size_t outputs, const char *shape,
                        size_t depth, uint64_t size, double tolerance,
                        size_t *widths, uint64_t *params_out);

#ifdef __cplusplus
}
#endif
#endif /* WATTNET_SHAPE_H */
