/*
 * design.c - the columns of the four models: their names and units, and
 * the design row of a run's features laid out for a fitted profile.  The
 * fit, the prediction and the synthetic runs all build rows here, so a
 * model's columns are defined once.
 */
#include <stdio.h>

#include <wattnet/core.h>
#include <wattnet/model.h>

#include "model/model_util.h"
#include "model/fit.h"

static void level_name(const wn_hw_profile *hw, int l, char *dst, size_t cap)
{
    if (l < hw->n_levels)
        wn__copy_str(dst, cap, hw->levels[l].name);
    else
        wn__copy_str(dst, cap, hw->memory_name[0] ? hw->memory_name : "RAM");
}

/* Column names and units of model kind on profile hw (unit is "J" or
 * "s").  Returns the column count. */
size_t wn__model_columns(int kind, const wn_hw_profile *hw, const char *unit,
                         wn_coef *coefs)
{
    size_t n = 0;
    int nl = hw->n_levels + 1;
    char ln[16];
#define COL(nm_fmt, nm_arg, un_fmt)                                          \
    do {                                                                     \
        if (coefs != NULL) {                                                 \
            snprintf(coefs[n].name, sizeof coefs[n].name, nm_fmt, nm_arg);   \
            snprintf(coefs[n].unit, sizeof coefs[n].unit, un_fmt, unit);     \
            coefs[n].value = 0.0;                                            \
        }                                                                    \
        n++;                                                                 \
    } while (0)
    switch (kind) {
    case WN_MODEL_FLOPS:
        COL("%s", "per_flop", "%s/FLOP");
        break;
    case WN_MODEL_PARAMS:
        COL("%s", "per_param", "%s/(param*datum)");
        break;
    case WN_MODEL_BUTTER_E:
        COL("%s", "per_datum", "%s/datum");
        for (int l = 0; l < nl; l++) {
            level_name(hw, l, ln, sizeof ln);
            COL("bytes_in_%s", ln, "%s/(byte placed/B)");
        }
        break;
    case WN_MODEL_WATTNET:
        for (int l = 0; l < nl; l++) {
            level_name(hw, l, ln, sizeof ln);
            COL("flop_set_in_%s", ln, "%s/FLOP");
        }
        for (int l = 0; l < nl; l++) {
            level_name(hw, l, ln, sizeof ln);
            COL("traffic_from_%s", ln, "%s/byte");
        }
        COL("%s", "per_batch", "%s/batch");
        COL("%s", "per_layer_batch", "%s/(layer*batch)");
        COL("%s", "per_datum", "%s/datum");
        break;
    default:
        break;
    }
#undef COL
    return n;
}

/* Map level arrays of features computed on another profile onto nl_fit
 * entries: cache l stays l while the fitted profile has it, extra caches
 * fold into the last fitted cache, memory stays memory. */
static void map_levels(const double *src, int nl_src, double *dst, int nl_fit)
{
    for (int l = 0; l < nl_fit; l++)
        dst[l] = 0.0;
    for (int l = 0; l < nl_src; l++) {
        int to;
        if (l == nl_src - 1)
            to = nl_fit - 1;
        else if (l < nl_fit - 1)
            to = l;
        else
            to = nl_fit >= 2 ? nl_fit - 2 : 0;
        dst[to] += src[l];
    }
}

size_t wn__model_row(int kind, const wn_features *f, int nl_fit, double *row)
{
    size_t n = 0;
    double mapped[WN_FEAT_LEVELS];
    double B = (double)f->batch;
    switch (kind) {
    case WN_MODEL_FLOPS:
        row[n++] = f->flops_per_datum;
        break;
    case WN_MODEL_PARAMS:
        row[n++] = (double)f->params;
        break;
    case WN_MODEL_BUTTER_E:
        row[n++] = 1.0;
        map_levels(f->greedy_bytes, f->n_levels, mapped, nl_fit);
        for (int l = 0; l < nl_fit; l++)
            row[n++] = mapped[l] / B;
        break;
    case WN_MODEL_WATTNET:
        map_levels(f->flops_by_level, f->n_levels, mapped, nl_fit);
        for (int l = 0; l < nl_fit; l++)
            row[n++] = mapped[l];
        map_levels(f->traffic_bytes, f->n_levels, mapped, nl_fit);
        for (int l = 0; l < nl_fit; l++)
            row[n++] = mapped[l];
        row[n++] = 1.0 / B;
        row[n++] = (double)f->depth / B;
        row[n++] = 1.0;
        break;
    default:
        break;
    }
    return n;
}

double wn__dot(const double *a, const double *b, size_t n)
{
    double s = 0.0;
    for (size_t i = 0; i < n; i++)
        s += a[i] * b[i];
    return s;
}
