/*
 * copy_fit.c - a user's string copied into a fixed-size field whole or not
 * at all (issue 9, item 12): a 130-character dataset path cut to 127
 * trained a different file.  Callers that take outside strings (options,
 * spec files, CSV fields, model files) use wn__copy_str_fit and pass its
 * error on.
 */
#include <string.h>

#include <wattnet/core.h>

#include "core/util.h"

int wn__copy_str_fit(char *dst, size_t cap, const char *src, const char *what)
{
    size_t n = src ? strlen(src) : 0;
    if (cap == 0)
        return wn_seterr(WN_EINVAL, "%s: no room", what ? what : "string");
    if (n < cap) {
        if (n > 0)
            memcpy(dst, src, n);
        dst[n] = '\0';
        return WN_OK;
    }
    dst[0] = '\0';
    return wn_seterr(WN_EINVAL, "%s '%.40s...' is %zu characters, more than "
                     "the %zu this field holds (use a shorter path or name)",
                     what ? what : "string", src, n, cap - 1);
}
