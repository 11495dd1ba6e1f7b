/*
 * cli.c - error printing and strict number parsing shared by the commands.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

int cli_fail(const char *cmd, int status)
{
    char msg[1024];
    /* a message may echo a database URL: never show its password */
    wn_redact(wn_errmsg(), msg, sizeof msg);
    /* the library names its step ("fit: ..."): not twice after "wattnet fit:" */
    const char *m = msg;
    size_t n = strlen(cmd);
    if (n && strncmp(m, cmd, n) == 0 && m[n] == ':' && m[n + 1] == ' ')
        m += n + 2;
    if (*m)
        fprintf(stderr, "wattnet %s: %s (%s)\n", cmd, m, wn_strerror(status));
    else
        fprintf(stderr, "wattnet %s: %s\n", cmd, wn_strerror(status));
    return status == WN_EINVAL ? 2 : 1;
}

const char *cli_fmt_bytes(double bytes, char *buf, size_t cap)
{
    static const char *unit[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    int k = 0;
    while (bytes >= 1024.0 && k < 4) {
        bytes /= 1024.0;
        k++;
    }
    snprintf(buf, cap, "%.3g %s", bytes, unit[k]);
    return buf;
}

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "wattnet %s: ", cmd);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, " (try 'wattnet %s --help')\n", cmd);
    return 2;
}

int cli_parse_u64(const char *s, unsigned long long *out)
{
    char *end = NULL;
    if (!s || !*s || *s == '-')
        return -1;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 0);
    if (errno || *end)
        return -1;
    *out = v;
    return 0;
}

int cli_parse_double(const char *s, double *out)
{
    char *end = NULL;
    if (!s || !*s)
        return -1;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || *end || !isfinite(v))
        return -1;
    *out = v;
    return 0;
}
