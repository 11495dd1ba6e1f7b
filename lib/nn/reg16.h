/*
 * reg16.h - what tiny.c and narrow.c share to keep up to 16 accumulators
 * in AVX-512 registers: the lane mask of a short row, and the switch that
 * instantiates an always-inline body for each constant count 1..16.  With
 * a constant bound GCC unrolls the body's loops and keeps the accumulators
 * in registers; with a variable one they live on the stack and every FMA
 * waits on a store.  Include only where HAVE_* says AVX-512 is compiled.
 */
#ifndef WN_NN_REG16_H
#define WN_NN_REG16_H

#include <stddef.h>

#include <immintrin.h>

/* The first k of 16 lanes (k <= 16). */
static inline __mmask16 wn__lanes16(size_t k)
{
    return (__mmask16)((1u << k) - 1u);
}

#define WN__REG16_INLINE static inline __attribute__((always_inline, target("avx512f")))

/* call(N) with N the constant equal to v (1..16; larger v runs 16). */
#define WN__DISPATCH16(v, call)                                                \
    switch (v) {                                                               \
    case 1: call(1); break;   case 2: call(2); break;                          \
    case 3: call(3); break;   case 4: call(4); break;                          \
    case 5: call(5); break;   case 6: call(6); break;                          \
    case 7: call(7); break;   case 8: call(8); break;                          \
    case 9: call(9); break;   case 10: call(10); break;                        \
    case 11: call(11); break; case 12: call(12); break;                        \
    case 13: call(13); break; case 14: call(14); break;                        \
    case 15: call(15); break; default: call(16); break;                        \
    }

#endif
