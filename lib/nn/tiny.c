/*
 * tiny.c - the matmuls of TINY dense layers (fan_in and width both <= 16)
 * in AVX-512 registers, instead of a oneDNN call.
 *
 * A 2^10-parameter BUTTER net on connect_4 is 126 -> 7 -> 7 -> 7 -> 3: all
 * but the first layer are tiny.  oneDNN runs a 256x7x7 matmul in about
 * 0.5 us plus about 0.25 us of dispatch, and a step makes 8 such calls, so
 * on these nets the calls cost more than the arithmetic (1792 multiply-
 * adds each).  Here one vector holds a whole row of up to 16 outputs, the
 * other operand's <= 16 rows or columns sit in registers, and each batch
 * row costs fan_in (or width) FMAs with masked loads and stores (never a
 * read past a row).  Measured at 256 x 7 x 7: forward 0.26 us, weight
 * gradient 0.29 us, data gradient 0.23 us (oneDNN: 0.48-0.65 us plus
 * dispatch); the 2^10 epoch on connect_4 went from 4.5 ms to 3.6 ms.
 *
 * net.c picks these per layer by a fixed rule (both dims <= 16 and the CPU
 * has AVX-512F), so a run always uses the same kernels; everything larger,
 * and every layer on other CPUs, stays on oneDNN.  tests/test_nn.c checks
 * each kernel against the naive reference.
 */
#include <string.h>

#include "nn/net.h"

#if defined(__x86_64__) && defined(__GNUC__)
#include "nn/reg16.h"
#define HAVE_TINY 1
#else
#define HAVE_TINY 0
#endif

int wn__tiny_available(void)
{
#if HAVE_TINY
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") != 0;
#else
    return 0;
#endif
}

int wn__tiny_fits(size_t n, size_t m)
{
    return n >= 1 && m >= 1 && n <= WN__TINY_MAX && m <= WN__TINY_MAX;
}

#if HAVE_TINY

/* Each kernel is written once as an always-inline body whose loop bound
 * over the register file (m or n) is a parameter, instantiated for the
 * constants 1..16 by WN__DISPATCH16 (reg16.h). */

/* out (rows, m) = act(in (rows, n) W^T + b), W (m, n): the N columns of W
 * are vectors over the m outputs (gathered with stride N, masked to m
 * lanes); two rows per iteration. */
WN__REG16_INLINE
void fwd_body(float *out, const float *in, const float *W, const float *b, size_t rows,
              const size_t N, size_t m, int relu)
{
    __m512 col[WN__TINY_MAX];
    const __mmask16 km = wn__lanes16(m);
    for (size_t i = 0; i < N; i++)
        col[i] = _mm512_mask_i32gather_ps(_mm512_setzero_ps(), km,
                                          _mm512_mullo_epi32(_mm512_set1_epi32((int)N),
                                                             _mm512_set_epi32(15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0)),
                                          W + i, 4);
    const __m512 bias = _mm512_maskz_loadu_ps(km, b);
    const __m512 zero = _mm512_setzero_ps();
    size_t r = 0;
    for (; r + 2 <= rows; r += 2) {
        const float *x0 = in + r * N, *x1 = x0 + N;
        __m512 a0 = bias, a1 = bias;
#pragma GCC unroll 16
        for (size_t i = 0; i < N; i++) {
            a0 = _mm512_fmadd_ps(_mm512_set1_ps(x0[i]), col[i], a0);
            a1 = _mm512_fmadd_ps(_mm512_set1_ps(x1[i]), col[i], a1);
        }
        if (relu) {
            a0 = _mm512_max_ps(a0, zero);
            a1 = _mm512_max_ps(a1, zero);
        }
        _mm512_mask_storeu_ps(out + r * m, km, a0);
        _mm512_mask_storeu_ps(out + (r + 1) * m, km, a1);
    }
    for (; r < rows; r++) {
        const float *x0 = in + r * N;
        __m512 a0 = bias;
#pragma GCC unroll 16
        for (size_t i = 0; i < N; i++)
            a0 = _mm512_fmadd_ps(_mm512_set1_ps(x0[i]), col[i], a0);
        if (relu)
            a0 = _mm512_max_ps(a0, zero);
        _mm512_mask_storeu_ps(out + r * m, km, a0);
    }
}

__attribute__((target("avx512f")))
void wn__tiny_forward(float *out, const float *in, const float *W, const float *b,
                      size_t rows, size_t n, size_t m, int relu)
{
#define FWD(N) fwd_body(out, in, W, b, rows, N, m, relu)
    WN__DISPATCH16(n, FWD)
#undef FWD
}

/* dW (m, n) = dz^T (m, rows) in (rows, n): M accumulators over n lanes. */
WN__REG16_INLINE
void bww_body(float *dW, const float *in, const float *dz, size_t rows, size_t n,
              const size_t M)
{
    __m512 acc[WN__TINY_MAX];
    const __mmask16 kn = wn__lanes16(n);
#pragma GCC unroll 16
    for (size_t j = 0; j < M; j++)
        acc[j] = _mm512_setzero_ps();
    for (size_t r = 0; r < rows; r++) {
        const __m512 xr = _mm512_maskz_loadu_ps(kn, in + r * n);
        const float *dr = dz + r * M;
#pragma GCC unroll 16
        for (size_t j = 0; j < M; j++)
            acc[j] = _mm512_fmadd_ps(_mm512_set1_ps(dr[j]), xr, acc[j]);
    }
#pragma GCC unroll 16
    for (size_t j = 0; j < M; j++)
        _mm512_mask_storeu_ps(dW + j * n, kn, acc[j]);
}

__attribute__((target("avx512f")))
void wn__tiny_backward_weights(float *dW, const float *in, const float *dz, size_t rows,
                               size_t n, size_t m)
{
#define BWW(M) bww_body(dW, in, dz, rows, n, M)
    WN__DISPATCH16(m, BWW)
#undef BWW
}

/* din (rows, n) = dz (rows, m) W (m, n): the M rows of W are vectors over
 * the n inputs; two rows per iteration. */
WN__REG16_INLINE
void bwd_body(float *din, const float *dz, const float *W, size_t rows, size_t n,
              const size_t M)
{
    __m512 row[WN__TINY_MAX];
    const __mmask16 kn = wn__lanes16(n);
#pragma GCC unroll 16
    for (size_t j = 0; j < M; j++)
        row[j] = _mm512_maskz_loadu_ps(kn, W + j * n);
    size_t r = 0;
    for (; r + 2 <= rows; r += 2) {
        const float *d0 = dz + r * M, *d1 = d0 + M;
        __m512 a0 = _mm512_setzero_ps(), a1 = _mm512_setzero_ps();
#pragma GCC unroll 16
        for (size_t j = 0; j < M; j++) {
            a0 = _mm512_fmadd_ps(_mm512_set1_ps(d0[j]), row[j], a0);
            a1 = _mm512_fmadd_ps(_mm512_set1_ps(d1[j]), row[j], a1);
        }
        _mm512_mask_storeu_ps(din + r * n, kn, a0);
        _mm512_mask_storeu_ps(din + (r + 1) * n, kn, a1);
    }
    for (; r < rows; r++) {
        const float *d0 = dz + r * M;
        __m512 a0 = _mm512_setzero_ps();
#pragma GCC unroll 16
        for (size_t j = 0; j < M; j++)
            a0 = _mm512_fmadd_ps(_mm512_set1_ps(d0[j]), row[j], a0);
        _mm512_mask_storeu_ps(din + r * n, kn, a0);
    }
}

__attribute__((target("avx512f")))
void wn__tiny_backward_data(float *din, const float *dz, const float *W, size_t rows,
                            size_t n, size_t m)
{
#define BWD(M) bwd_body(din, dz, W, rows, n, M)
    WN__DISPATCH16(m, BWD)
#undef BWD
}

#else /* no AVX-512 build: never chosen (wn__tiny_available() is 0) */

void wn__tiny_forward(float *out, const float *in, const float *W, const float *b,
                      size_t rows, size_t n, size_t m, int relu)
{
    wn__mm_forward_naive(out, in, W, b, rows, n, m, relu);
}

void wn__tiny_backward_weights(float *dW, const float *in, const float *dz, size_t rows,
                               size_t n, size_t m)
{
    wn__mm_backward_weights_naive(dW, in, dz, rows, n, m);
}

void wn__tiny_backward_data(float *din, const float *dz, const float *W, size_t rows,
                            size_t n, size_t m)
{
    wn__mm_backward_data_naive(din, dz, W, rows, n, m);
}

#endif
