/*
 * sweep_tolerance.c - how many (dataset, shape, depth, size) configurations
 * of a sweep spec the width search accepts at a given tolerance
 * (wn_shape_widths_tol): wattnet's 0.2, the study's later code's 0.5, or no
 * rejection at all (the study's energy batches).  `wattnet sweep --preset
 * butter-e` prints the three counts.  Depth-2 networks of every shape are
 * the same network, so `distinct` counts them once per (dataset, size).
 */
#include <math.h>
#include <string.h>

#include <wattnet/wattnet.h>

int wn_sweep_count_configs(const wn_sweep_spec *sp, double tolerance,
                           size_t *configs, size_t *distinct)
{
    size_t n = 0, nd = 0;
    if (!sp || !configs)
        return wn_seterr(WN_EINVAL, "sweep: NULL argument");
    if (!(tolerance > 0))
        return wn_seterr(WN_EINVAL, "sweep: width tolerance %g must be > 0",
                         tolerance);
    for (size_t d = 0; d < sp->n_datasets; d++) {
        const char *spec = sp->datasets[d];
        const char *name = strncmp(spec, "synthetic:", 10) ? spec : spec + 10;
        const wn_study_dataset *ds = wn_study_dataset_find(name);
        for (size_t k = 0; k < sp->n_depths; k++)
            for (size_t z = 0; z < sp->n_sizes; z++) {
                int any = 0;
                for (size_t s = 0; s < sp->n_shapes; s++) {
                    size_t w[WN_MAX_DEPTH];
                    int ok = !ds || wn_shape_widths_tol(ds->inputs, ds->outputs,
                                                        sp->shapes[s], sp->depths[k],
                                                        sp->sizes[z], tolerance, w,
                                                        NULL) == WN_OK;
                    n += ok;
                    if (ok && (sp->depths[k] != 2 || !any))
                        nd++;
                    any |= ok;
                }
            }
    }
    wn_clearerr();
    *configs = n;
    if (distinct)
        *distinct = nd;
    return WN_OK;
}
