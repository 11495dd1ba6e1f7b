/*
 * rng.h - the one pseudo-random generator of libwattnet (private).
 *
 * xoshiro256** seeded through splitmix64: the same seed gives the same
 * stream on every machine, so splits, initial weights, shuffles and
 * synthetic datasets are reproducible.  Not for cryptography.
 */
#ifndef WN_CORE_RNG_H
#define WN_CORE_RNG_H

#include <stddef.h>
#include <stdint.h>

typedef struct wn_rng {
    uint64_t s[4];
} wn_rng;

/* Seed the generator (any seed, 0 included). */
void wn__rng_seed(wn_rng *r, uint64_t seed);
/* Next 64 random bits. */
uint64_t wn__rng_next(wn_rng *r);
/* Uniform double in [0, 1). */
double wn__rng_uniform(wn_rng *r);
/* Uniform integer in [0, n), unbiased; n > 0. */
uint64_t wn__rng_below(wn_rng *r, uint64_t n);
/* Standard normal (Box-Muller). */
double wn__rng_normal(wn_rng *r);
/* Fisher-Yates shuffle of idx[0..n). */
void wn__rng_shuffle(wn_rng *r, size_t *idx, size_t n);

#endif /* WN_CORE_RNG_H */
