/*
 * synth.h - synthetic training-run records with a known truth, for the
 * model's and the report's tests and demos (private).
 *
 * A grid of 3 datasets x 3 shapes x sizes x depths x batch sizes; each
 * run's target per datum is model `kind` with coefficients `coefs` on
 * profile hw, times exp(noise_sigma x N(0,1)).  With energy set, records
 * carry a measured ("sim") energy and joules per datum; otherwise only
 * times.  Each run has `epochs` per-epoch records with a falling test loss.
 */
#ifndef WN_MODEL_SYNTH_H
#define WN_MODEL_SYNTH_H

#include <stddef.h>
#include <stdint.h>

#include <wattnet/model.h>

typedef struct wn_synth_opts {
    uint64_t seed;
    double noise_sigma;       /* log-normal noise on the target */
    int energy;               /* 1: measured energy; 0: time only */
    int kind;                 /* truth: a wn_model_kind */
    const double *coefs;      /* its coefficients (wn__model_columns order) */
    size_t n_sizes;           /* sizes 2^6, 2^8, ...; default 7 */
    size_t epochs;            /* default 4 */
} wn_synth_opts;

int wn__synth_runs(const wn_hw_profile *hw, const wn_synth_opts *o,
                   wn_run_record **runs, size_t *n);
void wn__synth_free(wn_run_record **runs, size_t n);

/* Widths of a simple stand-in of shape NAME ("rectangle", "trapezoid",
 * "wide_first_2x") nearest to SIZE parameters (no wn_shape_widths needed). */
void wn__synth_widths(size_t inputs, size_t outputs, const char *shape,
                      size_t depth, uint64_t size, size_t *widths);

#endif /* WN_MODEL_SYNTH_H */
