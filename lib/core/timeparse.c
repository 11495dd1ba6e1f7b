/*
 * timeparse.c - the one parser of the timestamps users' files carry (the
 * watt-meter logs of meter_powerlog.c, the BUTTER-E CSVs of lib/import):
 * Unix seconds, or ISO-8601 "YYYY-MM-DD[ T]HH:MM:SS[.f][Z|+HH:MM|-HH:MM]".
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/util.h"

int wn__parse_time(const char *s, double *out)
{
    int y, mo, d, h, mi, used = 0;
    double sec;
    char sep;
    char *end = NULL;
    if (sscanf(s, "%4d-%2d-%2d%c%2d:%2d:%lf%n", &y, &mo, &d, &sep, &h, &mi,
               &sec, &used) != 7 || (sep != ' ' && sep != 'T')) {
        errno = 0;
        double v = strtod(s, &end);
        if (!*s || *end || errno == ERANGE || !isfinite(v) || v < 0 || v > 1e11)
            return -1;
        *out = v;
        return 0;
    }
    const char *rest = s + used;
    double offset = 0;
    if (*rest == 'Z') {
        rest++;
    } else if (*rest == '+' || *rest == '-') {
        int oh = 0, om = 0, n = 0;
        if (sscanf(rest + 1, "%2d:%2d%n", &oh, &om, &n) != 2 || n != 5)
            return -1;
        offset = (oh * 3600.0 + om * 60.0) * (*rest == '-' ? -1 : 1);
        rest += 1 + n;
    }
    if (*rest || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 ||
        sec < 0 || sec >= 61)
        return -1;
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    time_t t = timegm(&tm);
    if (t == (time_t)-1)
        return -1;
    *out = (double)t + sec - offset;
    return 0;
}
