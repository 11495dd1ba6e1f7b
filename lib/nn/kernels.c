/*
 * kernels.c - the elementwise work of a training step in tight C loops:
 * gathering float batch rows (rows.c handles packed ones), the residual
 * add, the hidden layers' backward (skip gradient, ReLU mask, bias-gradient
 * column sums) and the Adam update.
 *
 * Per step these touch every activation and every parameter once, so on
 * small nets they cost as much as the matmuls.  Each loop is written to
 * vectorise (restrict pointers, branch-free selects) and is compiled for
 * AVX-512, AVX2 and baseline x86-64 with GCC's target_clones, picked once
 * at load time: the project builds without -march flags.  Adam needs a
 * vector sqrt, which GCC will not emit without -fno-math-errno, so it has
 * hand-written AVX-512 and AVX variants.  Everything is
 * serial and in a fixed order except Adam on large nets, which splits the
 * flat vector over the OpenMP threads (elementwise, so still
 * deterministic).
 */
#include <string.h>
#include <math.h>

#include <omp.h>
#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#endif

#include "nn/net.h"

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && \
    !defined(__SANITIZE_ADDRESS__)
#define KERNEL __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define KERNEL
#endif

/* ---- Batch gather ------------------------------------------------------- */

KERNEL
void wn__k_gather(float *restrict x, float *restrict y, const float *restrict X,
                  const float *restrict Y, const size_t *restrict idx, size_t rows,
                  size_t inputs, size_t outputs)
{
    enum { AHEAD = 8 };
    for (size_t r = 0; r < rows; r++) {
        if (r + AHEAD < rows) {
            const char *next = (const char *)(X + idx[r + AHEAD] * inputs);
            for (size_t off = 0; off < inputs * sizeof(float); off += 64)
                __builtin_prefetch(next + off);
            __builtin_prefetch(Y + idx[r + AHEAD] * outputs);
        }
        const float *src = X + idx[r] * inputs;
        float *dst = x + r * inputs;
        for (size_t i = 0; i < inputs; i++)
            dst[i] = src[i];
        const float *ys = Y + idx[r] * outputs;
        float *yd = y + r * outputs;
        for (size_t j = 0; j < outputs; j++)
            yd[j] = ys[j];
    }
}

/* ---- Forward ------------------------------------------------------------ */

KERNEL
void wn__k_add(float *restrict out, const float *restrict a, const float *restrict b,
               size_t n)
{
    for (size_t i = 0; i < n; i++)
        out[i] = a[i] + b[i];
}

/* ---- Backward ----------------------------------------------------------- */

KERNEL
void wn__k_add_inplace(float *restrict g, const float *restrict skip, size_t n)
{
    for (size_t i = 0; i < n; i++)
        g[i] += skip[i];
}

/* The ReLU mask runs over the flat (rows * m) block, so narrow layers
 * still get full vectors; the bias gradient is a separate column sum. */
/* Narrow blocks (m <= 16): 16 rows are 16*m contiguous floats, a whole
 * number of vectors, so they are summed vertically into acc[16*m] and
 * folded at the end (acc[p] belongs to column p % m).  A plain row loop
 * would run an m-long tail loop per row. */
KERNEL
static void colsum_narrow(float *restrict db, const float *restrict dz, size_t rows,
                          size_t m)
{
    float acc[256];
    size_t block = 16 * m, full = rows / 16;
    memset(acc, 0, block * sizeof(float));
    for (size_t b = 0; b < full; b++) {
        const float *src = dz + b * block;
        for (size_t p = 0; p < block; p++)
            acc[p] += src[p];
    }
    memset(db, 0, m * sizeof(float));
    for (size_t p = 0; p < block; p++)
        db[p % m] += acc[p];
    for (size_t r = full * 16; r < rows; r++)
        for (size_t j = 0; j < m; j++)
            db[j] += dz[r * m + j];
}

KERNEL
static void colsum_wide(float *restrict db, const float *restrict dz, size_t rows,
                        size_t m)
{
    memset(db, 0, m * sizeof(float));
    for (size_t r = 0; r < rows; r++)
        for (size_t j = 0; j < m; j++)
            db[j] += dz[r * m + j];
}

void wn__k_colsum(float *db, const float *dz, size_t rows, size_t m)
{
    if (m <= 16)
        colsum_narrow(db, dz, rows, m);
    else
        colsum_wide(db, dz, rows, m);
}

KERNEL
static void mask_inplace(float *restrict g, const float *restrict h, size_t n)
{
    for (size_t i = 0; i < n; i++)
        g[i] = h[i] > 0.0f ? g[i] : 0.0f;
}

KERNEL
static void mask(float *restrict dz, const float *restrict g, const float *restrict h,
                 size_t n)
{
    for (size_t i = 0; i < n; i++)
        dz[i] = h[i] > 0.0f ? g[i] : 0.0f;
}

void wn__k_relu_grad_inplace(float *g, const float *h, float *db, size_t rows, size_t m)
{
    mask_inplace(g, h, rows * m);
    wn__k_colsum(db, g, rows, m);
}

void wn__k_relu_grad(float *dz, const float *g, const float *h, float *db, size_t rows,
                     size_t m)
{
    mask(dz, g, h, rows * m);
    wn__k_colsum(db, dz, rows, m);
}

/* ---- Adam --------------------------------------------------------------- */

/* The Adam loop needs a vector sqrt.  GCC will not vectorise sqrtf()
 * without -fno-math-errno, which the build does not set, so the x86 paths
 * use intrinsics (true IEEE sqrt, one rounding like sqrtf) and the portable
 * path is the plain loop. */
static void adam_scalar(float *restrict p, const float *restrict g,
                        float *restrict m, float *restrict v, size_t n, float b1,
                        float b2, float step_size, float inv_sqrt_bc2, float eps)
{
    const float c1 = 1.0f - b1, c2 = 1.0f - b2;
    for (size_t i = 0; i < n; i++) {
        float gi = g[i];
        float mi = b1 * m[i] + c1 * gi;
        float vi = b2 * v[i] + c2 * gi * gi;
        m[i] = mi;
        v[i] = vi;
        p[i] -= step_size * mi / (sqrtf(vi) * inv_sqrt_bc2 + eps);
    }
}

#if defined(__x86_64__) && defined(__GNUC__)
__attribute__((target("avx512f")))
static void adam_avx512(float *restrict p, const float *restrict g,
                        float *restrict m, float *restrict v, size_t n, float b1,
                        float b2, float step_size, float inv_sqrt_bc2, float eps)
{
    const __m512 vb1 = _mm512_set1_ps(b1), vb2 = _mm512_set1_ps(b2);
    const __m512 vc1 = _mm512_set1_ps(1.0f - b1), vc2 = _mm512_set1_ps(1.0f - b2);
    const __m512 vst = _mm512_set1_ps(step_size), vbc = _mm512_set1_ps(inv_sqrt_bc2);
    const __m512 veps = _mm512_set1_ps(eps);
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        __m512 gi = _mm512_loadu_ps(g + i);
        __m512 mi = _mm512_add_ps(_mm512_mul_ps(vb1, _mm512_loadu_ps(m + i)),
                                  _mm512_mul_ps(vc1, gi));
        __m512 vi = _mm512_add_ps(_mm512_mul_ps(vb2, _mm512_loadu_ps(v + i)),
                                  _mm512_mul_ps(_mm512_mul_ps(vc2, gi), gi));
        _mm512_storeu_ps(m + i, mi);
        _mm512_storeu_ps(v + i, vi);
        __m512 den = _mm512_add_ps(_mm512_mul_ps(_mm512_sqrt_ps(vi), vbc), veps);
        __m512 upd = _mm512_div_ps(_mm512_mul_ps(vst, mi), den);
        _mm512_storeu_ps(p + i, _mm512_sub_ps(_mm512_loadu_ps(p + i), upd));
    }
    adam_scalar(p + i, g + i, m + i, v + i, n - i, b1, b2, step_size, inv_sqrt_bc2,
                eps);
}

__attribute__((target("avx")))
static void adam_avx(float *restrict p, const float *restrict g, float *restrict m,
                     float *restrict v, size_t n, float b1, float b2,
                     float step_size, float inv_sqrt_bc2, float eps)
{
    const __m256 vb1 = _mm256_set1_ps(b1), vb2 = _mm256_set1_ps(b2);
    const __m256 vc1 = _mm256_set1_ps(1.0f - b1), vc2 = _mm256_set1_ps(1.0f - b2);
    const __m256 vst = _mm256_set1_ps(step_size), vbc = _mm256_set1_ps(inv_sqrt_bc2);
    const __m256 veps = _mm256_set1_ps(eps);
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        __m256 gi = _mm256_loadu_ps(g + i);
        __m256 mi = _mm256_add_ps(_mm256_mul_ps(vb1, _mm256_loadu_ps(m + i)),
                                  _mm256_mul_ps(vc1, gi));
        __m256 vi = _mm256_add_ps(_mm256_mul_ps(vb2, _mm256_loadu_ps(v + i)),
                                  _mm256_mul_ps(_mm256_mul_ps(vc2, gi), gi));
        _mm256_storeu_ps(m + i, mi);
        _mm256_storeu_ps(v + i, vi);
        __m256 den = _mm256_add_ps(_mm256_mul_ps(_mm256_sqrt_ps(vi), vbc), veps);
        __m256 upd = _mm256_div_ps(_mm256_mul_ps(vst, mi), den);
        _mm256_storeu_ps(p + i, _mm256_sub_ps(_mm256_loadu_ps(p + i), upd));
    }
    adam_scalar(p + i, g + i, m + i, v + i, n - i, b1, b2, step_size, inv_sqrt_bc2,
                eps);
}
#endif

typedef void (*adam_fn)(float *restrict, const float *restrict, float *restrict,
                        float *restrict, size_t, float, float, float, float, float);

/* The widest variant the CPU runs, capped at `isa`. */
static adam_fn adam_pick(enum wn__isa isa)
{
#if defined(__x86_64__) && defined(__GNUC__)
    __builtin_cpu_init();
    if (isa >= WN__ISA_AVX512 && __builtin_cpu_supports("avx512f"))
        return adam_avx512;
    if (isa >= WN__ISA_AVX && __builtin_cpu_supports("avx"))
        return adam_avx;
#endif
    (void)isa;
    return adam_scalar;
}

static void adam_range(float *p, const float *g, float *m, float *v, size_t n,
                       float b1, float b2, float step_size, float inv_sqrt_bc2,
                       float eps)
{
    adam_pick(WN__ISA_AVX512)(p, g, m, v, n, b1, b2, step_size, inv_sqrt_bc2, eps);
}

void wn__k_adam_isa(enum wn__isa isa, float *p, const float *g, float *m, float *v,
                    size_t n, float b1, float b2, float step_size,
                    float inv_sqrt_bc2, float eps)
{
    adam_pick(isa)(p, g, m, v, n, b1, b2, step_size, inv_sqrt_bc2, eps);
}

void wn__k_adam(float *p, const float *g, float *m, float *v, size_t n, float b1,
                float b2, float step_size, float inv_sqrt_bc2, float eps)
{
    int threads = omp_get_max_threads();
    if (threads <= 1 || n < 262144) {
        adam_range(p, g, m, v, n, b1, b2, step_size, inv_sqrt_bc2, eps);
        return;
    }
    /* Split into 64-byte aligned chunks, one per thread. */
#pragma omp parallel num_threads(threads)
    {
        size_t t = (size_t)omp_get_thread_num(), nt = (size_t)omp_get_num_threads();
        size_t chunk = ((n + nt - 1) / nt + 15) & ~(size_t)15;
        size_t lo = t * chunk, hi = lo + chunk < n ? lo + chunk : n;
        if (lo < hi)
            adam_range(p + lo, g + lo, m + lo, v + lo, hi - lo, b1, b2, step_size,
                       inv_sqrt_bc2, eps);
    }
}
