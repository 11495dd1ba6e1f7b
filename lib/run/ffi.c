/*
 * ffi.c - the flat entry points of include/wattnet/ffi.h for foreign-function
 * callers (python/wattnet/).  Owns nothing: it fills wn_meter_opts from
 * scalars and answers struct sizes, so that a binding's mirrors of the
 * public structs are checked against this build.
 */
#include <string.h>

#include <wattnet/core.h>
#include <wattnet/energy.h>
#include <wattnet/ffi.h>
#include <wattnet/meter.h>

size_t wn_ffi_sizeof(const char *type)
{
    if (!type)
        return 0;
    if (strcmp(type, "wn_energy") == 0)
        return sizeof(wn_energy);
    if (strcmp(type, "wn_energy_domain") == 0)
        return sizeof(wn_energy_domain);
    if (strcmp(type, "wn_meter_info") == 0)
        return sizeof(wn_meter_info);
    if (strcmp(type, "wn_meter_domain_info") == 0)
        return sizeof(wn_meter_domain_info);
    return 0;
}

int wn_ffi_meter_open(const char *source, unsigned interval_ms,
                      int allow_estimate, wn_meter **out)
{
    wn_meter_opts o;
    if (!out)
        return wn_seterr(WN_EINVAL, "ffi.c: meter open: no output");
    *out = NULL;
    wn_meter_opts_default(&o);
    o.source = source;
    if (interval_ms)
        o.interval_ms = interval_ms;
    o.allow_estimate = allow_estimate != 0;
    return wn_meter_open(&o, out);
}
