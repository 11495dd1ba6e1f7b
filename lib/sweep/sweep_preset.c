/*
 * sweep_preset.c - the named sweeps:
 *   quick       a few minutes on 2 cores: 3 datasets (banana, adult,
 *               connect_4: the real files when found, else stand-ins) x 2 shapes x 2 depths x up to 6 sizes
 *               whose working sets sit at 1/2x and 2x of this host's L1, L2
 *               and L3 (capped at 2^20 parameters), 3 epochs: 60-72 jobs.
 *   butter-e    the study's full grid: 13 datasets x 8 shapes x 14 depths x
 *               20 sizes (2^5..2^24), 3000 epochs, datasets by plain name.
 *   cache-scan  dense sizes around each cache boundary of this host (0.25x
 *               to 4x of each level), 2 shapes x 2 depths, 2 epochs, one
 *               dataset (banana).
 *   advise      for `wattnet advise`, about 5 minutes on 2 cores: nursery
 *               (12,958 rows), 3 shapes at depth 4, sizes at 1/4x, 1x and
 *               4x of L1 and L2 plus 2^20 (capped), 30 epochs so that the
 *               test losses separate.
 *   cache-scan-gpu  for one GPU (devices ["cuda"]), about 5 minutes on one
 *               H200 by estimate (never timed on one): connect_4 x 2 shapes
 *               x depths 3 and 5 x every power of two 2^10..2^24 (working
 *               sets from 16 KiB, inside one SM's shared memory, to 256 MiB,
 *               5x an H100/H200's 50 MiB L2), 10 epochs: 60 jobs of about
 *               2-4 s each (a metered GPU run is held to 2 s at least).
 *               Not host-dependent.
 * Datasets are plain study names: each resolves like `--data NAME` (the
 * data directory, $WATTNET_DATA, then the synthetic stand-in).
 *
 * Working set of a network with P parameters, as the presets estimate it:
 * 4 bytes x P x 4 (weights, gradients and Adam's two moments), so the size
 * that fills a cache of C bytes is C / 16 parameters.  Sizes are capped to
 * [32, 2^24] parameters, the study's range.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <wattnet/wattnet.h>

#define BYTES_PER_PARAM 16.0
#define MIN_SIZE 32.0
#define MAX_SIZE 16777216.0

static const char *const preset_names[] = { "quick", "butter-e", "cache-scan",
                                            "advise", "cache-scan-gpu" };

size_t wn_sweep_preset_count(void)
{
    return sizeof preset_names / sizeof preset_names[0];
}

const char *wn_sweep_preset_name_at(size_t i)
{
    return i < wn_sweep_preset_count() ? preset_names[i] : NULL;
}

/* ---- building a spec ----------------------------------------------------------- */

static int set_strings(char ***dst, size_t *n, const char *const *src, size_t count)
{
    *dst = wn_calloc(count, sizeof **dst);
    if (!*dst)
        return WN_ENOMEM;
    *n = count;
    for (size_t i = 0; i < count; i++)
        if (!((*dst)[i] = wn_strdup(src[i])))
            return WN_ENOMEM;
    return WN_OK;
}

static int set_depths(wn_sweep_spec *sp, const size_t *d, size_t n)
{
    sp->depths = wn_calloc(n, sizeof *sp->depths);
    if (!sp->depths)
        return WN_ENOMEM;
    memcpy(sp->depths, d, n * sizeof *d);
    sp->n_depths = n;
    return WN_OK;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* Sizes (parameters) at factors x each cache level's bytes / 16, sorted,
 * deduplicated, capped. */
static int sizes_around(wn_sweep_spec *sp, const uint64_t *levels, size_t n_levels,
                        const double *factors, size_t n_factors)
{
    sp->sizes = wn_calloc(n_levels * n_factors, sizeof *sp->sizes);
    if (!sp->sizes)
        return WN_ENOMEM;
    size_t n = 0;
    for (size_t l = 0; l < n_levels; l++)
        for (size_t f = 0; f < n_factors; f++) {
            double p = (double)levels[l] * factors[f] / BYTES_PER_PARAM;
            p = fmin(fmax(nearbyint(p), MIN_SIZE), MAX_SIZE);
            sp->sizes[n++] = (uint64_t)p;
        }
    qsort(sp->sizes, n, sizeof *sp->sizes, cmp_u64);
    size_t u = 0;
    for (size_t i = 0; i < n; i++)
        if (u == 0 || sp->sizes[i] != sp->sizes[u - 1])
            sp->sizes[u++] = sp->sizes[i];
    sp->n_sizes = u;
    return WN_OK;
}

/* L1, L2, L3 sizes of one instance; defaults where the host does not say. */
static void cache_levels(const wn_host *h, uint64_t lv[3])
{
    lv[0] = 32u << 10;
    lv[1] = 1u << 20;
    lv[2] = 32u << 20;
    for (int i = 0; h && i < h->n_caches && i < WN_MAX_CACHES; i++) {
        int level = h->caches[i].level;
        if (level >= 1 && level <= 3 && h->caches[i].size_bytes > 0)
            lv[level - 1] = h->caches[i].size_bytes;
    }
}

static int preset_quick(const uint64_t lv[3], wn_sweep_spec *sp)
{
    static const char *const ds[] = { "banana", "adult", "connect_4" };
    static const char *const shapes[] = { "rectangle", "trapezoid" };
    static const size_t depths[] = { 3, 5 };
    static const double factors[] = { 0.5, 2.0 };
    int rc = set_strings(&sp->datasets, &sp->n_datasets, ds, 3);
    if (rc == WN_OK)
        rc = set_strings(&sp->shapes, &sp->n_shapes, shapes, 2);
    if (rc == WN_OK)
        rc = set_depths(sp, depths, 2);
    /* L1 and L2 both sides; L3 too when it is small enough to be quick
     * (otherwise the sizes cap at 2^20 parameters). */
    uint64_t levels[3] = { lv[0], lv[1], lv[2] };
    if (rc == WN_OK)
        rc = sizes_around(sp, levels, 3, factors, 2);
    if (rc == WN_OK) {
        size_t u = 0;
        for (size_t i = 0; i < sp->n_sizes; i++)
            if (sp->sizes[i] <= (1u << 20))
                sp->sizes[u++] = sp->sizes[i];
        if (u < sp->n_sizes && (u == 0 || sp->sizes[u - 1] < (1u << 20)))
            sp->sizes[u++] = 1u << 20;
        sp->n_sizes = u;
    }
    sp->epochs = 3;
    return rc;
}

static int preset_butter(wn_sweep_spec *sp)
{
    static const size_t depths[] = { 2, 3, 4, 5, 6, 7, 8, 9, 10, 12, 14, 16, 18, 20 };
    size_t nd = wn_study_dataset_count(), ns = wn_shape_count();
    int rc = WN_OK;
    sp->datasets = wn_calloc(nd, sizeof *sp->datasets);
    sp->shapes = wn_calloc(ns, sizeof *sp->shapes);
    sp->sizes = wn_calloc(20, sizeof *sp->sizes);
    if (!sp->datasets || !sp->shapes || !sp->sizes)
        return WN_ENOMEM;
    sp->n_datasets = nd;
    sp->n_shapes = ns;
    for (size_t i = 0; i < nd; i++)
        if (!(sp->datasets[i] = wn_strdup(wn_study_dataset_at(i)->name)))
            return WN_ENOMEM;
    for (size_t i = 0; i < ns; i++)
        if (!(sp->shapes[i] = wn_strdup(wn_shape_name_at(i))))
            return WN_ENOMEM;
    rc = set_depths(sp, depths, sizeof depths / sizeof depths[0]);
    for (size_t i = 0; i < 20; i++)
        sp->sizes[i] = (uint64_t)1 << (5 + i);
    sp->n_sizes = 20;
    sp->epochs = 3000;
    return rc;
}

static int preset_cache_scan(const uint64_t lv[3], wn_sweep_spec *sp)
{
    static const char *const ds[] = { "banana" };
    static const char *const shapes[] = { "rectangle", "trapezoid" };
    static const size_t depths[] = { 3, 6 };
    static const double factors[] = { 0.25, 0.5, 0.7, 0.85, 1.0, 1.2, 1.4, 2.0, 4.0 };
    int rc = set_strings(&sp->datasets, &sp->n_datasets, ds, 1);
    if (rc == WN_OK)
        rc = set_strings(&sp->shapes, &sp->n_shapes, shapes, 2);
    if (rc == WN_OK)
        rc = set_depths(sp, depths, 2);
    if (rc == WN_OK)
        rc = sizes_around(sp, lv, 3, factors, sizeof factors / sizeof factors[0]);
    sp->epochs = 2;
    return rc;
}

static int preset_advise(const uint64_t lv[3], wn_sweep_spec *sp)
{
    static const char *const ds[] = { "nursery" };
    static const char *const shapes[] = { "rectangle", "trapezoid", "exponential" };
    static const size_t depths[] = { 4 };
    static const double factors[] = { 0.25, 1.0, 4.0 };
    int rc = set_strings(&sp->datasets, &sp->n_datasets, ds, 1);
    if (rc == WN_OK)
        rc = set_strings(&sp->shapes, &sp->n_shapes, shapes, 3);
    if (rc == WN_OK)
        rc = set_depths(sp, depths, 1);
    if (rc == WN_OK)
        rc = sizes_around(sp, lv, 2, factors, 3);
    if (rc == WN_OK) {
        /* keep it short: at most 2^20 parameters, and 2^20 itself (the
         * working set then spills out of L2 on most machines) */
        uint64_t *grown = wn_realloc(sp->sizes, (sp->n_sizes + 1) * sizeof *grown);
        if (!grown)
            return WN_ENOMEM;
        sp->sizes = grown;
        size_t u = 0;
        for (size_t i = 0; i < sp->n_sizes; i++)
            if (sp->sizes[i] < (1u << 20))
                sp->sizes[u++] = sp->sizes[i];
        sp->sizes[u++] = 1u << 20;
        sp->n_sizes = u;
    }
    sp->epochs = 30;
    return rc;
}

static int preset_cache_scan_gpu(wn_sweep_spec *sp)
{
    static const char *const ds[] = { "connect_4" };
    static const char *const shapes[] = { "rectangle", "trapezoid" };
    static const char *const devices[] = { "cuda" };
    static const size_t depths[] = { 3, 5 };
    int rc = set_strings(&sp->datasets, &sp->n_datasets, ds, 1);
    if (rc == WN_OK)
        rc = set_strings(&sp->shapes, &sp->n_shapes, shapes, 2);
    if (rc == WN_OK)
        rc = set_strings(&sp->devices, &sp->n_devices, devices, 1);
    if (rc == WN_OK)
        rc = set_depths(sp, depths, 2);
    if (rc == WN_OK && !(sp->sizes = wn_calloc(15, sizeof *sp->sizes)))
        rc = WN_ENOMEM;
    for (size_t i = 0; rc == WN_OK && i < 15; i++)
        sp->sizes[i] = (uint64_t)1 << (10 + i);
    sp->n_sizes = rc == WN_OK ? 15 : 0;
    sp->epochs = 10;
    return rc;
}

int wn_sweep_preset(const char *name, const wn_host *host, wn_sweep_spec **out)
{
    wn_sweep_spec *sp = NULL;
    wn_host detected;
    uint64_t lv[3];
    int rc = WN_OK;
    if (!name || !out)
        return wn_seterr(WN_EINVAL, "sweep preset: NULL argument");
    *out = NULL;
    int which = -1;
    for (size_t i = 0; i < wn_sweep_preset_count(); i++)
        if (!strcmp(name, preset_names[i]))
            which = (int)i;
    if (which < 0)
        return wn_seterr(WN_ENOENT,
                         "sweep preset '%s' is unknown (quick, butter-e, cache-scan, "
                         "advise, cache-scan-gpu)",
                         name);
    if (!host && which != 1 && which != 4) {
        memset(&detected, 0, sizeof detected);
        if (wn_host_detect(&detected) == WN_OK)
            host = &detected;
        wn_clearerr();
    }
    cache_levels(host, lv);
    sp = wn_calloc(1, sizeof *sp);
    if (!sp) {
        rc = WN_ENOMEM;
        goto out;
    }
    sp->batch = 256;
    sp->learning_rate = 1e-4;
    sp->repetitions = 1;
    if (which == 0)
        rc = preset_quick(lv, sp);
    else if (which == 1)
        rc = preset_butter(sp);
    else if (which == 2)
        rc = preset_cache_scan(lv, sp);
    else if (which == 3)
        rc = preset_advise(lv, sp);
    else
        rc = preset_cache_scan_gpu(sp);
    if (rc != WN_OK)
        goto out;
    *out = sp;
    sp = NULL;
out:
    wn_sweep_spec_free(&sp);
    if (rc == WN_ENOMEM)
        wn_seterr(rc, "sweep preset '%s': out of memory", name);
    return rc;
}
