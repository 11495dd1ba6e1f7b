/*
 * error.c - status codes and the per-thread error message.
 *
 * Every failing library call sets one line here through wn_seterr(); the
 * CLI prints it.  wn_strerror() is a switch with no default, so adding a
 * code to wn_status without a description is a compile error.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <wattnet/core.h>

static _Thread_local char errmsg[1024];

const char *wn_strerror(int status)
{
    switch ((wn_status)status) {
    case WN_OK: return "ok";
    case WN_ENOMEM: return "out of memory";
    case WN_EINVAL: return "invalid argument";
    case WN_ENOENT: return "not found";
    case WN_EIO: return "input/output error";
    case WN_EFORMAT: return "malformed input";
    case WN_EUNSUPPORTED: return "not supported";
    case WN_EPERM: return "permission denied";
    case WN_EUNAVAILABLE: return "not available";
    case WN_EBACKEND: return "compute backend error";
    case WN_EDB: return "database error";
    case WN_ETIMEOUT: return "timed out";
    case WN_EBUSY: return "busy";
    case WN_ESTUCK: return "counter did not advance";
    case WN_ENET: return "network error";
    case WN_ENUMERIC: return "numerical error";
    case WN_ESTATE: return "call out of order";
    case WN_ECHILD: return "child process failed";
    case WN_ECANCELED: return "cancelled";
    case WN_ENODATA: return "not enough usable data";
    case WN_STATUS_COUNT_: break;
    }
    return "unknown status";
}

const char *wn_errmsg(void)
{
    return errmsg;
}

/* Formats into a scratch buffer first: a caller may pass wn_errmsg() (or a
 * pointer into it) as an argument, e.g. wn_seterr(rc, "rapl: %s",
 * wn_errmsg()), and formatting into the buffer being read is undefined
 * behaviour (it cut paths short and doubled prefixes). */
int wn_seterr(int status, const char *fmt, ...)
{
    char scratch[sizeof errmsg];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(scratch, sizeof scratch, fmt, ap);
    va_end(ap);
    memcpy(errmsg, scratch, sizeof errmsg);
    return status;
}

void wn_clearerr(void)
{
    errmsg[0] = '\0';
}
