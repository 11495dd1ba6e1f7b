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
 */
#include <string.h>

#include <wattnet/wattnet.h>

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

void wn__rows_gather(const struct wn__rows *r, float *x, float *y, const size_t *idx,
                     size_t rows)
{
    if (r->bits)
        gather_bits(x, y, r, idx, rows);
    else
        wn__k_gather(x, y, r->X, r->Y, idx, rows, r->inputs, r->outputs);
}
