/*
 * train_extend.c - the rule for training past the requested epochs
 * (issue 10: a metered run's window must span enough of its meter's update
 * interval).  A run asks for N epochs and, with min_seconds S > 0, keeps
 * going, one whole epoch at a time, until S wall seconds have passed since
 * its first epoch began.  The trainer records the epochs it really ran
 * (wn_train_summary.epochs) beside the ones asked for (epochs_requested)
 * and whether it extended.  Who decides S (the meter's update interval,
 * the device) is the run glue's business (lib/run/run.c).
 */
#include <math.h>

#include <wattnet/core.h>

#include "nn/train_extend.h"

#define MAX_MIN_SECONDS (7.0 * 86400.0)

int wn__train_want_epoch(const wn_train_config *cfg, size_t e,
                         double elapsed_s)
{
    if (e <= cfg->epochs)
        return 1;
    return cfg->min_seconds > 0.0 && elapsed_s < cfg->min_seconds &&
           e <= WN__TRAIN_MAX_EPOCHS;
}

int wn__train_secs_room(double **secs, size_t *cap, size_t e)
{
    if (e <= *cap)
        return WN_OK;
    size_t ncap = *cap ? *cap : 16;
    while (ncap < e)
        ncap *= 2;
    double *g = wn_realloc(*secs, ncap * sizeof *g);
    if (!g)
        return wn_seterr(WN_ENOMEM, "train: out of memory for %zu epochs", e);
    *secs = g;
    *cap = ncap;
    return WN_OK;
}

int wn__train_check_min_seconds(const wn_train_config *cfg)
{
    if (!isfinite(cfg->min_seconds) || cfg->min_seconds < 0.0 ||
        cfg->min_seconds > MAX_MIN_SECONDS)
        return wn_seterr(WN_EINVAL, "train: min_seconds %g: must be 0..%g",
                         cfg->min_seconds, MAX_MIN_SECONDS);
    return WN_OK;
}
