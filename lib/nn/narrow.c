/*
 * narrow.c - the matmuls of NARROW dense layers (width <= 8, fan_in > 16)
 * in AVX-512 loops, instead of a oneDNN call.
 *
 * Nearly every net has one: the output layer (3 classes on connect_4, one
 * output on a regression).  oneDNN plans these as GEMMs with a K or N of a
 * few and, inside a training step (its operands cold in cache), runs them
 * slowly: at 2^22 parameters on connect_4 (1416 -> 3) the layer's two
 * backward calls took 0.50 ms a step, its forward 0.12 ms.  Here the long
 * fan_in runs along the vector lanes and the few outputs sit in registers:
 *   forward        R = 4, 2 or 1 rows at a time, one accumulator per (row,
 *                  output) over the fan_in, then a horizontal sum;
 *   backward data  a row's output gradients broadcast once, then each
 *                  16-lane chunk of the input gradient is their sum of
 *                  products with W's rows (which stay in L1);
 *   backward wts   blocks of up to 8 16-lane chunks of fan_in, one
 *                  accumulator per (output, chunk), one pass down the rows.
 * Tails of fan_in shorter than 16 use masked loads and stores, so nothing is
 * read or written past a row.  In the training step these took 0.19-0.21 ms
 * and 0.08 ms at 2^22, and cut the layer's time by a third to a half at
 * 2^18; alone, with everything in cache, oneDNN is as fast or faster, and
 * at widths above 8 (784 -> 10) its forward won in the step too, hence the
 * cap (docs/results/narrow-layers-2026-11-30.md).
 *
 * net.c picks these per layer by a fixed rule (wn__narrow_fits and an
 * AVX-512F CPU), so a run always uses the same kernels; tests/test_nn.c
 * checks each kernel against the naive reference.
 */
#include "nn/net.h"

#if defined(__x86_64__) && defined(__GNUC__)
#include "nn/reg16.h"
#define HAVE_NARROW 1
#else
#define HAVE_NARROW 0
#endif

int wn__narrow_fits(size_t n, size_t m)
{
    return m >= 1 && m <= WN__NARROW_MAX && n > WN__TINY_MAX;
}

#if HAVE_NARROW

/* Each body takes its count of outputs M as a parameter and is
 * instantiated for 1..16 by WN__DISPATCH16 (reg16.h), so the accumulators
 * live in registers. */

/* out (R rows from r, M) = act(in W^T + b), W (M, n): R rows at a time
 * share each load of W, and give the FMA units R * M independent chains
 * (an FMA waits 4 cycles on its accumulator: 8 chains keep both units
 * busy). */
WN__REG16_INLINE
void fwd_rows(float *out, const float *in, const float *W, const float *b, size_t r,
              size_t n, const size_t M, const size_t R, int relu)
{
    const size_t full = n / 16 * 16;
    const __mmask16 kt = wn__lanes16(n - full);
    __m512 acc[4][WN__TINY_MAX];
#pragma GCC unroll 16
    for (size_t j = 0; j < M; j++)
#pragma GCC unroll 4
        for (size_t q = 0; q < R; q++)
            acc[q][j] = _mm512_setzero_ps();
    for (size_t c = 0; c < n; c += 16) {
        const __mmask16 k = c < full ? (__mmask16)0xffff : kt;
        __m512 xv[4];
#pragma GCC unroll 4
        for (size_t q = 0; q < R; q++)
            xv[q] = _mm512_maskz_loadu_ps(k, in + (r + q) * n + c);
#pragma GCC unroll 16
        for (size_t j = 0; j < M; j++) {
            const __m512 w = _mm512_maskz_loadu_ps(k, W + j * n + c);
#pragma GCC unroll 4
            for (size_t q = 0; q < R; q++)
                acc[q][j] = _mm512_fmadd_ps(xv[q], w, acc[q][j]);
        }
    }
#pragma GCC unroll 4
    for (size_t q = 0; q < R; q++)
#pragma GCC unroll 16
        for (size_t j = 0; j < M; j++) {
            float s = _mm512_reduce_add_ps(acc[q][j]) + b[j];
            out[(r + q) * M + j] = relu && s < 0.0f ? 0.0f : s;
        }
}

/* out (rows, M) = act(in (rows, n) W^T + b): 4, 2 or 1 rows at a time, as
 * many as keep R * M accumulators within the register file. */
WN__REG16_INLINE
void fwd_body(float *out, const float *in, const float *W, const float *b, size_t rows,
              size_t n, const size_t M, int relu)
{
    size_t r = 0;
    if (M <= 4)
        for (; r + 4 <= rows; r += 4)
            fwd_rows(out, in, W, b, r, n, M, 4, relu);
    if (M <= 8)
        for (; r + 2 <= rows; r += 2)
            fwd_rows(out, in, W, b, r, n, M, 2, relu);
    for (; r < rows; r++)
        fwd_rows(out, in, W, b, r, n, M, 1, relu);
}

__attribute__((target("avx512f")))
void wn__narrow_forward(float *out, const float *in, const float *W, const float *b,
                        size_t rows, size_t n, size_t m, int relu)
{
#define FWD(M) fwd_body(out, in, W, b, rows, n, M, relu)
    WN__DISPATCH16(m, FWD)
#undef FWD
}

/* din (rows, n) = dz (rows, M) W (M, n). */
WN__REG16_INLINE
void bwd_body(float *din, const float *dz, const float *W, size_t rows, size_t n,
              const size_t M)
{
    const size_t full = n / 16 * 16;
    const __mmask16 kt = wn__lanes16(n - full);
    for (size_t r = 0; r < rows; r++) {
        __m512 d[WN__TINY_MAX];
#pragma GCC unroll 16
        for (size_t j = 0; j < M; j++)
            d[j] = _mm512_set1_ps(dz[r * M + j]);
        float *o = din + r * n;
        for (size_t c = 0; c < full; c += 16) {
            __m512 acc = _mm512_mul_ps(d[0], _mm512_loadu_ps(W + c));
#pragma GCC unroll 16
            for (size_t j = 1; j < M; j++)
                acc = _mm512_fmadd_ps(d[j], _mm512_loadu_ps(W + j * n + c), acc);
            _mm512_storeu_ps(o + c, acc);
        }
        if (kt) {
            __m512 acc = _mm512_mul_ps(d[0], _mm512_maskz_loadu_ps(kt, W + full));
#pragma GCC unroll 16
            for (size_t j = 1; j < M; j++)
                acc = _mm512_fmadd_ps(d[j], _mm512_maskz_loadu_ps(kt, W + j * n + full),
                                      acc);
            _mm512_mask_storeu_ps(o + full, kt, acc);
        }
    }
}

__attribute__((target("avx512f")))
void wn__narrow_backward_data(float *din, const float *dz, const float *W, size_t rows,
                              size_t n, size_t m)
{
#define BWD(M) bwd_body(din, dz, W, rows, n, M)
    WN__DISPATCH16(m, BWD)
#undef BWD
}

/* The lanes of chunk q of a block from column c that lie within n. */
static inline __mmask16 chunk_lanes(size_t n, size_t c, size_t q)
{
    size_t at = c + 16 * q;
    return at >= n ? 0 : wn__lanes16(n - at < 16 ? n - at : 16);
}

/* dW (M, n) = dz^T (M, rows) in (rows, n) over a block of CB 16-lane chunks
 * from column c: M * CB accumulators, one pass down the rows (each row's
 * CB chunks are adjacent lines, which the prefetcher follows). */
WN__REG16_INLINE
void bww_block(float *dW, const float *in, const float *dz, size_t rows, size_t n,
               const size_t M, const size_t CB, size_t c)
{
    __m512 acc[WN__TINY_MAX][8];
    __mmask16 k[8];
#pragma GCC unroll 8
    for (size_t q = 0; q < CB; q++)
        k[q] = chunk_lanes(n, c, q);
#pragma GCC unroll 16
    for (size_t j = 0; j < M; j++)
#pragma GCC unroll 8
        for (size_t q = 0; q < CB; q++)
            acc[j][q] = _mm512_setzero_ps();
    for (size_t r = 0; r < rows; r++) {
        __m512 xv[8];
#pragma GCC unroll 8
        for (size_t q = 0; q < CB; q++)
            xv[q] = _mm512_maskz_loadu_ps(k[q], in + r * n + c + 16 * q);
#pragma GCC unroll 16
        for (size_t j = 0; j < M; j++) {
            const __m512 d = _mm512_set1_ps(dz[r * M + j]);
#pragma GCC unroll 8
            for (size_t q = 0; q < CB; q++)
                acc[j][q] = _mm512_fmadd_ps(d, xv[q], acc[j][q]);
        }
    }
#pragma GCC unroll 16
    for (size_t j = 0; j < M; j++)
#pragma GCC unroll 8
        for (size_t q = 0; q < CB; q++)
            _mm512_mask_storeu_ps(dW + j * n + c + 16 * q, k[q], acc[j][q]);
}

/* Blocks of CB chunks, CB as large as keeps M * CB accumulators, CB loaded
 * inputs and a broadcast within 32 registers (at most 8). */
WN__REG16_INLINE
void bww_body(float *dW, const float *in, const float *dz, size_t rows, size_t n,
              const size_t M)
{
    const size_t CB = 24 / (M + 1) < 8 ? 24 / (M + 1) : 8;
    for (size_t c = 0; c < n; c += 16 * CB)
        bww_block(dW, in, dz, rows, n, M, CB, c);
}

__attribute__((target("avx512f")))
void wn__narrow_backward_weights(float *dW, const float *in, const float *dz,
                                 size_t rows, size_t n, size_t m)
{
#define BWW(M) bww_body(dW, in, dz, rows, n, M)
    WN__DISPATCH16(m, BWW)
#undef BWW
}

#else /* no AVX-512 build: never chosen (wn__tiny_available() is 0) */

void wn__narrow_forward(float *out, const float *in, const float *W, const float *b,
                        size_t rows, size_t n, size_t m, int relu)
{
    wn__mm_forward_naive(out, in, W, b, rows, n, m, relu);
}

void wn__narrow_backward_weights(float *dW, const float *in, const float *dz,
                                 size_t rows, size_t n, size_t m)
{
    wn__mm_backward_weights_naive(dW, in, dz, rows, n, m);
}

void wn__narrow_backward_data(float *din, const float *dz, const float *W, size_t rows,
                              size_t n, size_t m)
{
    wn__mm_backward_data_naive(din, dz, W, rows, n, m);
}

#endif
