/*
 * data_number.c - parsing one table cell as a number.
 *
 * Most PMLB cells are short decimals ("3", "0.0625", "-12.5").  Those take
 * a fast path: the digits as an integer m < 2^53 and k <= 22 fraction
 * digits give m / 10^k, one correctly rounded IEEE division of two exact
 * doubles, hence bit for bit what strtod returns (Clinger's fast path).
 * Anything else (exponents, long mantissas, hex, inf, nan) goes to strtod.
 */
#include <stdlib.h>

#include "data/data_internal.h"

static const double pow10_exact[23] = {
    1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
    1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
};

int wn__data_parse_number(const char *s, double *v)
{
    const char *p = s;
    int neg = 0, digits = 0, frac = 0;
    uint64_t m = 0;
    char *end = NULL;

    if (*p == '-' || *p == '+')
        neg = *p++ == '-';
    for (; *p >= '0' && *p <= '9'; p++, digits++)
        m = m * 10 + (uint64_t)(*p - '0');
    if (*p == '.')
        for (p++; *p >= '0' && *p <= '9'; p++, digits++, frac++)
            m = m * 10 + (uint64_t)(*p - '0');
    if (*p == '\0' && digits > 0 && digits <= 19 && frac <= 22 &&
        m <= (1ULL << 53)) {
        double r = (double)m / pow10_exact[frac];
        *v = neg ? -r : r;
        return 1;
    }
    if (*s == '\0')
        return 0;
    double r = strtod(s, &end);
    if (end == s || *end != '\0')
        return 0;
    *v = r;
    return 1;
}
