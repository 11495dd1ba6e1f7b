/*
 * rows.c - where the training steps get their input rows: a lossless,
 * compact copy of the dataset's inputs, and the gather of a shuffled batch
 * from it into the net's contiguous x buffer.
 *
 * Every step copies B random rows (inputs floats each) out of the whole
 * dataset, so the gather's cost is the dataset's memory traffic: 27 MB per
 * epoch for connect_4, read in random 504-byte pieces, about as long as the
 * whole forward pass of a 2^10-parameter net.  Most study datasets are
 * one-hot encoded (SPEC section 2), so every input is exactly 0.0f or
 * 1.0f.  For those, wn__rows_make keeps one BIT per input (connect_4: 16
 * bytes a row instead of 504, 0.9 MB in all, which stays in L2) and the
 * gather expands bits back into 0.0f/1.0f: bit-for-bit the same x, so the
 * training result does not change.  Any other value (even -0.0f) keeps the
 * float32 rows and the plain gather.  The targets are always float32 (a
 * few per row).  The order of the rows is reshuffled every epoch with
 * wn__rows_shuffle.
 *
 * Layer 0 from the bits (a first layer at most 64 wide on at most 256
 * inputs, AVX-512F): h0 = relu(b + sum of the columns of W0 whose input
 * bit is set).  Before each step wn__rows_lut_build tabulates, for every
 * group of 4 inputs (a nibble of the packed row), the 16 possible partial
 * sums of their columns (the bias folded into group 0); a row then costs
 * one table load and add per nibble (connect_4: 32 instead of 126
 * multiply-adds per output) and needs no oneDNN call.  The weight
 * gradient dW0 = dz^T x comes from the bits as well (wn__rows_backward_w0:
 * masked adds into registers up to width 16, per-nibble sums above), so x
 * is never expanded.  The order of the
 * sums is fixed by the data, so runs stay deterministic; it differs from a
 * GEMM's by rounding.
 */
#include <string.h>

#include <wattnet/core.h>
#include <wattnet/data.h>
#include <wattnet/shape.h>
#include <wattnet/train.h>

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#endif

#include "core/rng.h"
#include "nn/net.h"

enum { AHEAD = 8 };   /* rows prefetched ahead of the gather */

int wn__rows_make(struct wn__rows *r, const float *X, const float *Y, size_t n,
                  size_t inputs, size_t outputs)
{
    memset(r, 0, sizeof *r);
    r->X = X;
    r->Y = Y;
    r->inputs = inputs;
    r->outputs = outputs;
    /* One-hot data?  Compare bit patterns: exactly +0.0f or 1.0f. */
    const uint32_t zero = 0x00000000u, one = 0x3f800000u;
    for (size_t i = 0; i < n * inputs; i++) {
        uint32_t b;
        memcpy(&b, &X[i], sizeof b);
        if (b != zero && b != one)
            return WN_OK;   /* float rows */
    }
    size_t words = (inputs + 63) / 64;
    uint64_t *bits = wn_calloc(n * words, sizeof *bits);
    if (!bits)
        return wn_seterr(WN_ENOMEM, "train: out of memory for the packed inputs");
    for (size_t row = 0; row < n; row++)
        for (size_t i = 0; i < inputs; i++)
            if (X[row * inputs + i] != 0.0f)
                bits[row * words + i / 64] |= (uint64_t)1 << (i % 64);
    r->bits = bits;
    r->words = words;
    return WN_OK;
}

void wn__rows_free(struct wn__rows *r)
{
    if (!r)
        return;
    wn_free(r->bits);
    r->bits = NULL;
    wn_free_aligned(r->lut);
    r->lut = NULL;
}

/* ---- The epoch's order ---------------------------------------------------- */

/* Uniform in [0, n), unbiased: Lemire's multiply-shift, which needs a
 * division only in the rare rejection case (wn__rng_below divides every
 * time; per epoch this runs once per training row). */
static uint64_t below(wn_rng *r, uint64_t n)
{
    unsigned __int128 m = (unsigned __int128)wn__rng_next(r) * n;
    uint64_t low = (uint64_t)m;
    if (low < n) {
        uint64_t threshold = (0 - n) % n;
        while (low < threshold) {
            m = (unsigned __int128)wn__rng_next(r) * n;
            low = (uint64_t)m;
        }
    }
    return (uint64_t)(m >> 64);
}

void wn__rows_shuffle(wn_rng *r, size_t *idx, size_t n)
{
    for (size_t i = n; i > 1; i--) {
        size_t j = (size_t)below(r, i);
        size_t t = idx[i - 1];
        idx[i - 1] = idx[j];
        idx[j] = t;
    }
}

/* ---- Expanding bits ------------------------------------------------------ */

static void expand_scalar(float *restrict dst, const uint64_t *restrict bits,
                          size_t inputs)
{
    for (size_t i = 0; i < inputs; i++)
        dst[i] = (bits[i / 64] >> (i % 64)) & 1 ? 1.0f : 0.0f;
}

#if defined(__x86_64__) && defined(__GNUC__)
/* 16 inputs per masked move; inputs not a multiple of 16 end with a masked
 * store. */
__attribute__((target("avx512f")))
static void gather_bits_avx512(float *restrict x, float *restrict y,
                               const struct wn__rows *r, const size_t *restrict idx,
                               size_t rows)
{
    const __m512 ones = _mm512_set1_ps(1.0f);
    size_t in = r->inputs, out = r->outputs, words = r->words;
    for (size_t k = 0; k < rows; k++) {
        if (k + AHEAD < rows) {
            /* Packed rows fit in L2 only while the net is small; prefetch. */
            __builtin_prefetch(r->bits + idx[k + AHEAD] * words);
            __builtin_prefetch(r->Y + idx[k + AHEAD] * out);
        }
        const uint64_t *b = r->bits + idx[k] * words;
        float *dst = x + k * in;
        size_t c = 0;
        for (; c + 16 <= in; c += 16) {
            __mmask16 m = (__mmask16)(b[c / 64] >> (c % 64));
            _mm512_storeu_ps(dst + c, _mm512_maskz_mov_ps(m, ones));
        }
        if (c < in) {
            __mmask16 m = (__mmask16)(b[c / 64] >> (c % 64));
            __mmask16 tail = (__mmask16)((1u << (in - c)) - 1u);
            _mm512_mask_storeu_ps(dst + c, tail, _mm512_maskz_mov_ps(m, ones));
        }
        const float *ys = r->Y + idx[k] * out;
        for (size_t j = 0; j < out; j++)
            y[k * out + j] = ys[j];
    }
}
#endif

static void gather_bits(float *x, float *y, const struct wn__rows *r,
                        const size_t *idx, size_t rows)
{
#if defined(__x86_64__) && defined(__GNUC__)
    if (!r->portable && __builtin_cpu_supports("avx512f")) {
        gather_bits_avx512(x, y, r, idx, rows);
        return;
    }
#endif
    for (size_t k = 0; k < rows; k++) {
        expand_scalar(x + k * r->inputs, r->bits + idx[k] * r->words, r->inputs);
        memcpy(y + k * r->outputs, r->Y + idx[k] * r->outputs,
               r->outputs * sizeof(float));
    }
}

/* ---- Layer 0 from the bits ------------------------------------------------ */

enum { LUT_MAX_INPUTS = 256, LUT_MAX_WIDTH = 64, W0_MAX_WIDTH = 64 };

int wn__rows_lut_fits(const struct wn__rows *r, size_t width)
{
#if defined(__x86_64__) && defined(__GNUC__)
    __builtin_cpu_init();
    return r->bits && !r->portable && width >= 1 && width <= LUT_MAX_WIDTH &&
           r->inputs <= LUT_MAX_INPUTS && __builtin_cpu_supports("avx512f");
#else
    (void)r;
    (void)width;
    return 0;
#endif
}

int wn__rows_w0_fits(const struct wn__rows *r)
{
    return r->lut && r->lut_width <= W0_MAX_WIDTH;
}

int wn__rows_lut_make(struct wn__rows *r, size_t width)
{
    if (!wn__rows_lut_fits(r, width))
        return wn_seterr(WN_EINVAL, "train: layer 0 of width %zu cannot run on the "
                         "packed rows", width);
    size_t groups = (r->inputs + 3) / 4;
    r->lut_width = width;
    r->lut_stride = width <= 8 ? 8 : 16 * ((width + 15) / 16);
    size_t table = groups * 16 * r->lut_stride;
    r->lut = wn_malloc_aligned((width > 16 ? 2 : 1) * table * sizeof(float));
    if (!r->lut)
        return wn_seterr(WN_ENOMEM, "train: out of memory for the layer-0 tables");
    r->lut_sums = width > 16 ? r->lut + table : NULL;
    return WN_OK;
}

#if defined(__x86_64__) && defined(__GNUC__)
static __mmask16 lanes_of(size_t m, size_t v)
{
    size_t k = m - 16 * v;
    return k >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << k) - 1u);
}

/* The tables of partial sums of W (width, inputs) row-major, plus b; one
 * 16-lane slice of the outputs at a time. */
__attribute__((target("avx512f")))
static void lut_build_avx512(struct wn__rows *r, const float *W, const float *b)
{
    size_t n = r->inputs, m = r->lut_width, st = r->lut_stride;
    size_t groups = (n + 3) / 4;
    const __m512i rowoff = _mm512_mullo_epi32(
        _mm512_set1_epi32((int)n),
        _mm512_set_epi32(15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0));
    float *T = r->lut;
    for (size_t vs = 0; vs * 16 < m; vs++) {
        const __mmask16 km = lanes_of(m, vs);
        const float *Wv = W + vs * 16 * n;
        for (size_t p = 0; p < groups; p++) {
            __m512 col[4];
            for (size_t q = 0; q < 4; q++) {
                size_t i = p * 4 + q;
                col[q] = i < n ? _mm512_mask_i32gather_ps(_mm512_setzero_ps(), km,
                                                          rowoff, Wv + i, 4)
                               : _mm512_setzero_ps();
            }
            float *t = T + p * 16 * st + vs * 16;
            __m512 e[16];
            e[0] = p == 0 ? _mm512_maskz_loadu_ps(km, b + vs * 16) : _mm512_setzero_ps();
            for (unsigned v = 1; v < 16; v++) {
                unsigned low = v & (0u - v);
                e[v] = _mm512_add_ps(e[v ^ low], col[__builtin_ctz(v)]);
            }
            /* Whole entries: the lanes past m are zero. */
            for (unsigned v = 0; v < 16; v++) {
                if (st == 8)
                    _mm256_storeu_ps(t + v * 8, _mm512_castps512_ps256(e[v]));
                else
                    _mm512_storeu_ps(t + v * st, e[v]);
            }
        }
    }
}

/* h0 (rows, m) = relu(table sums) of rows idx; with x, also the expanded
 * rows (as gather_bits_avx512); y gets the targets.  ST (floats per table
 * entry, 8 or 16: m <= 16) is a constant in each instantiation, so the
 * addressing is shifts. */
static inline __attribute__((always_inline, target("avx512f")))
void gather_h0_narrow(float *restrict x, float *restrict y, float *restrict h0,
                    const struct wn__rows *r, const size_t *restrict idx,
                    size_t rows, const size_t ST)
{
    const __m512 ones = _mm512_set1_ps(1.0f), zero = _mm512_setzero_ps();
    size_t in = r->inputs, out = r->outputs, words = r->words;
    size_t m = r->lut_width, groups = (in + 3) / 4;
    const __mmask16 km = (__mmask16)((1u << m) - 1u);
    const float *T = r->lut;
    for (size_t k = 0; k < rows; k++) {
        if (k + AHEAD < rows) {
            __builtin_prefetch(r->bits + idx[k + AHEAD] * words);
            __builtin_prefetch(r->Y + idx[k + AHEAD] * out);
        }
        const uint64_t *b = r->bits + idx[k] * words;
        if (x) {
            float *dst = x + k * in;
            size_t c = 0;
            for (; c + 16 <= in; c += 16) {
                __mmask16 mk = (__mmask16)(b[c / 64] >> (c % 64));
                _mm512_storeu_ps(dst + c, _mm512_maskz_mov_ps(mk, ones));
            }
            if (c < in) {
                __mmask16 mk = (__mmask16)(b[c / 64] >> (c % 64));
                __mmask16 tail = (__mmask16)((1u << (in - c)) - 1u);
                _mm512_mask_storeu_ps(dst + c, tail, _mm512_maskz_mov_ps(mk, ones));
            }
        }
        /* Four chains of table adds, summed in a fixed order. */
        __m512 a0 = zero, a1 = zero, a2 = zero, a3 = zero;
        const float *t = T;
        size_t left = groups;
        for (size_t w = 0; w < words; w++, t += 16 * 16 * ST) {
            uint64_t v = b[w];
            if (left >= 16) {
#define NIB(q, acc)                                                              \
    acc = _mm512_add_ps(acc, _mm512_maskz_loadu_ps(                              \
                                 km, t + ((q) * 16 + ((v >> (4 * (q))) & 15u)) * ST))
                NIB(0, a0); NIB(1, a1); NIB(2, a2); NIB(3, a3);
                NIB(4, a0); NIB(5, a1); NIB(6, a2); NIB(7, a3);
                NIB(8, a0); NIB(9, a1); NIB(10, a2); NIB(11, a3);
                NIB(12, a0); NIB(13, a1); NIB(14, a2); NIB(15, a3);
#undef NIB
                left -= 16;
            } else {
                for (size_t q = 0; q < left; q++)
                    a0 = _mm512_add_ps(
                        a0, _mm512_maskz_loadu_ps(km, t + (q * 16 + ((v >> (4 * q)) & 15u)) * ST));
                left = 0;
            }
        }
        __m512 s = _mm512_add_ps(_mm512_add_ps(a0, a1), _mm512_add_ps(a2, a3));
        _mm512_mask_storeu_ps(h0 + k * m, km, _mm512_max_ps(s, zero));
        const float *ys = r->Y + idx[k] * out;
        for (size_t j = 0; j < out; j++)
            y[k * out + j] = ys[j];
    }
}

/* The same for 16 < m <= 64: V (2..4) 16-lane slices per entry of ST =
 * 16 V floats, two chains of adds per slice. */
static inline __attribute__((always_inline, target("avx512f")))
void gather_h0_wide(float *restrict x, float *restrict y, float *restrict h0,
                    const struct wn__rows *r, const size_t *restrict idx,
                    size_t rows, const size_t V)
{
    const size_t ST = 16 * V;
    const __m512 ones = _mm512_set1_ps(1.0f), zero = _mm512_setzero_ps();
    size_t in = r->inputs, out = r->outputs, words = r->words;
    size_t m = r->lut_width, groups = (in + 3) / 4;
    const __mmask16 klast = lanes_of(m, V - 1);
    const float *T = r->lut;
    for (size_t k = 0; k < rows; k++) {
        if (k + AHEAD < rows) {
            __builtin_prefetch(r->bits + idx[k + AHEAD] * words);
            __builtin_prefetch(r->Y + idx[k + AHEAD] * out);
        }
        const uint64_t *b = r->bits + idx[k] * words;
        if (x) {
            float *dst = x + k * in;
            size_t c = 0;
            for (; c + 16 <= in; c += 16) {
                __mmask16 mk = (__mmask16)(b[c / 64] >> (c % 64));
                _mm512_storeu_ps(dst + c, _mm512_maskz_mov_ps(mk, ones));
            }
            if (c < in) {
                __mmask16 mk = (__mmask16)(b[c / 64] >> (c % 64));
                __mmask16 tail = (__mmask16)((1u << (in - c)) - 1u);
                _mm512_mask_storeu_ps(dst + c, tail, _mm512_maskz_mov_ps(mk, ones));
            }
        }
        __m512 a0[4], a1[4];
        for (size_t v = 0; v < V; v++)
            a0[v] = a1[v] = zero;
        const float *t = T;
        size_t left = groups;
        for (size_t w = 0; w < words; w++, t += 16 * 16 * ST) {
            uint64_t bw = b[w];
            size_t cnt = left < 16 ? left : 16;
#define NIB(q, acc)                                                              \
    do {                                                                         \
        const float *e = t + ((q) * 16 + ((bw >> (4 * (q))) & 15u)) * ST;        \
        for (size_t v = 0; v < V; v++)                                           \
            acc[v] = _mm512_add_ps(acc[v], _mm512_loadu_ps(e + v * 16));         \
    } while (0)
            if (cnt == 16) {
                NIB(0, a0); NIB(1, a1); NIB(2, a0); NIB(3, a1);
                NIB(4, a0); NIB(5, a1); NIB(6, a0); NIB(7, a1);
                NIB(8, a0); NIB(9, a1); NIB(10, a0); NIB(11, a1);
                NIB(12, a0); NIB(13, a1); NIB(14, a0); NIB(15, a1);
            } else {
                for (size_t q = 0; q < cnt; q++)
                    NIB(q, a0);
            }
#undef NIB
            left -= cnt;
        }
        for (size_t v = 0; v < V; v++)
            _mm512_mask_storeu_ps(h0 + k * m + v * 16, v + 1 < V ? 0xffff : klast,
                                  _mm512_max_ps(_mm512_add_ps(a0[v], a1[v]), zero));
        const float *ys = r->Y + idx[k] * out;
        for (size_t j = 0; j < out; j++)
            y[k * out + j] = ys[j];
    }
}

__attribute__((target("avx512f")))
static void gather_h0_avx512(float *x, float *y, float *h0, const struct wn__rows *r,
                             const size_t *idx, size_t rows)
{
    switch (r->lut_stride) {
    case 8: gather_h0_narrow(x, y, h0, r, idx, rows, 8); break;
    case 16: gather_h0_narrow(x, y, h0, r, idx, rows, 16); break;
    case 32: gather_h0_wide(x, y, h0, r, idx, rows, 2); break;
    case 48: gather_h0_wide(x, y, h0, r, idx, rows, 3); break;
    default: gather_h0_wide(x, y, h0, r, idx, rows, 4); break;
    }
}

/* dW (m, n) = dz^T x of rows idx, from the bits: output j's 16 inputs
 * c*16.. are one accumulator, and each row adds its dz[j], broadcast, to
 * the lanes whose input bit is set (a masked add: x is never expanded).
 * M x CB accumulators stay in registers; the chunks of 16 inputs are done
 * CB at a time.  Each element is the sum, in row order, of dz over the
 * rows with that input set. */
static inline __attribute__((always_inline, target("avx512f")))
void w0_body(float *restrict dW, const float *restrict dz, const struct wn__rows *r,
             const size_t *restrict idx, size_t rows, const size_t M)
{
    enum { CB_MAX = 24 };
    const size_t CB = CB_MAX / M > 0 ? CB_MAX / M : 1;
    size_t n = r->inputs, words = r->words, chunks = (n + 15) / 16;
    const uint16_t *bits16 = (const uint16_t *)r->bits;   /* little-endian x86 */
    for (size_t c0 = 0; c0 < chunks; c0 += CB) {
        size_t cb = chunks - c0 < CB ? chunks - c0 : CB;
        __m512 acc[16][CB_MAX];
        for (size_t j = 0; j < M; j++)
            for (size_t cc = 0; cc < CB; cc++)
                acc[j][cc] = _mm512_setzero_ps();
        for (size_t k = 0; k < rows; k++) {
            const uint16_t *b = bits16 + idx[k] * words * 4 + c0;
            __mmask16 mk[CB_MAX];
            for (size_t cc = 0; cc < CB; cc++)
                mk[cc] = cc < cb ? (__mmask16)b[cc] : 0;
            const float *d = dz + k * M;
            for (size_t j = 0; j < M; j++) {
                const __m512 dj = _mm512_set1_ps(d[j]);
                for (size_t cc = 0; cc < CB; cc++)
                    acc[j][cc] = _mm512_mask_add_ps(acc[j][cc], mk[cc], acc[j][cc], dj);
            }
        }
        for (size_t j = 0; j < M; j++)
            for (size_t cc = 0; cc < cb; cc++) {
                size_t c = (c0 + cc) * 16;
                __mmask16 keep = n - c >= 16 ? 0xffff : (__mmask16)((1u << (n - c)) - 1u);
                _mm512_mask_storeu_ps(dW + j * n + c, keep, acc[j][cc]);
            }
    }
}

/* The same for 16 < m <= 64, where m x 8 accumulators would not fit in
 * registers: each row adds its dz (V 16-lane slices) to one sum per nibble,
 * S[group][nibble value]; then column 4p + q of dW is the sum of S[p][e]
 * over the 8 values e with bit q, in a fixed order. */
static inline __attribute__((always_inline, target("avx512f")))
void w0_wide(float *restrict dW, const float *restrict dz, const struct wn__rows *r,
             const size_t *restrict idx, size_t rows, const size_t V)
{
    const size_t ST = 16 * V;
    size_t n = r->inputs, m = r->lut_width, words = r->words, groups = (n + 3) / 4;
    float *S = r->lut_sums;
    memset(S, 0, groups * 16 * ST * sizeof(float));
    for (size_t k = 0; k < rows; k++) {
        if (k + AHEAD < rows)
            __builtin_prefetch(r->bits + idx[k + AHEAD] * words);
        const uint64_t *b = r->bits + idx[k] * words;
        __m512 d[4];
        for (size_t v = 0; v < V; v++)
            d[v] = _mm512_maskz_loadu_ps(lanes_of(m, v), dz + k * m + v * 16);
        float *sw = S;
        size_t left = groups;
        for (size_t w = 0; w < words && left; w++, sw += 16 * 16 * ST) {
            uint64_t bw = b[w];
            size_t cnt = left < 16 ? left : 16;
            for (size_t q = 0; q < cnt; q++) {
                float *e = sw + (q * 16 + ((bw >> (4 * q)) & 15u)) * ST;
                for (size_t v = 0; v < V; v++)
                    _mm512_storeu_ps(e + v * 16,
                                     _mm512_add_ps(_mm512_loadu_ps(e + v * 16), d[v]));
            }
            left -= cnt;
        }
    }
    const __m512i rowoff = _mm512_mullo_epi32(
        _mm512_set1_epi32((int)n),
        _mm512_set_epi32(15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0));
    for (size_t p = 0; p < groups; p++) {
        const float *sp = S + p * 16 * ST;
        for (unsigned q = 0; q < 4 && p * 4 + q < n; q++)
            for (size_t v = 0; v < V; v++) {
                __m512 acc = _mm512_setzero_ps();
                for (unsigned e = 1; e < 16; e++)
                    if ((e >> q) & 1u)
                        acc = _mm512_add_ps(acc, _mm512_loadu_ps(sp + e * ST + v * 16));
                _mm512_mask_i32scatter_ps(dW + v * 16 * n + p * 4 + q, lanes_of(m, v),
                                          rowoff, acc, 4);
            }
    }
}

__attribute__((target("avx512f")))
static void w0_avx512(float *dW, const float *dz, const struct wn__rows *r,
                      const size_t *idx, size_t rows)
{
#define W0(M) w0_body(dW, dz, r, idx, rows, M)
    switch (r->lut_width) {
    case 1: W0(1); break;   case 2: W0(2); break;   case 3: W0(3); break;
    case 4: W0(4); break;   case 5: W0(5); break;   case 6: W0(6); break;
    case 7: W0(7); break;   case 8: W0(8); break;   case 9: W0(9); break;
    case 10: W0(10); break; case 11: W0(11); break; case 12: W0(12); break;
    case 13: W0(13); break; case 14: W0(14); break; case 15: W0(15); break;
    case 16: W0(16); break;
    default:
        if (r->lut_stride == 32)
            w0_wide(dW, dz, r, idx, rows, 2);
        else if (r->lut_stride == 48)
            w0_wide(dW, dz, r, idx, rows, 3);
        else
            w0_wide(dW, dz, r, idx, rows, 4);
        break;
    }
#undef W0
}
#endif

void wn__rows_backward_w0(const struct wn__rows *r, float *dW, const float *dz,
                          const size_t *idx, size_t rows)
{
#if defined(__x86_64__) && defined(__GNUC__)
    w0_avx512(dW, dz, r, idx, rows);
#else
    (void)r;
    (void)dW;
    (void)dz;
    (void)idx;
    (void)rows;
#endif
}

void wn__rows_lut_build(struct wn__rows *r, const float *W, const float *b)
{
#if defined(__x86_64__) && defined(__GNUC__)
    lut_build_avx512(r, W, b);
#else
    (void)r;
    (void)W;
    (void)b;
#endif
}

void wn__rows_gather_h0(const struct wn__rows *r, float *x, float *y, float *h0,
                        const size_t *idx, size_t rows)
{
#if defined(__x86_64__) && defined(__GNUC__)
    gather_h0_avx512(x, y, h0, r, idx, rows);
#else
    (void)r;
    (void)x;
    (void)y;
    (void)h0;
    (void)idx;
    (void)rows;
#endif
}

void wn__rows_gather(const struct wn__rows *r, float *x, float *y, const size_t *idx,
                     size_t rows)
{
    if (r->bits)
        gather_bits(x, y, r, idx, rows);
    else
        wn__k_gather(x, y, r->X, r->Y, idx, rows, r->inputs, r->outputs);
}
