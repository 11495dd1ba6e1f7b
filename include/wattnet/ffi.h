/*
 * ffi.h - a small flat entry point for callers through a foreign-function
 * interface (the Python ctypes binding in python/wattnet/): plain scalars
 * in, opaque handles out, so that a binding never mirrors wn_meter_opts,
 * and a size check for the structs a binding does mirror (wn_energy,
 * wn_meter_info), so that a layout change fails loudly instead of reading
 * garbage.
 *
 * Usage (what python/wattnet/_lib.py does):
 *     if (wn_ffi_sizeof("wn_energy") != sizeof my_mirror) ... refuse ...
 *     wn_meter *m = NULL;
 *     if (wn_ffi_meter_open("auto", 0, 1, &m) != WN_OK) ... wn_errmsg() ...
 *     ... wn_meter_window_begin / _end, wn_meter_close as in meter.h ...
 */
#ifndef WATTNET_FFI_H
#define WATTNET_FFI_H

#include <stddef.h>
#include <wattnet/meter.h>

#ifdef __cplusplus
extern "C" {
#endif

/* sizeof the named public struct ("wn_energy", "wn_meter_info",
 * "wn_meter_domain_info", "wn_energy_domain"); 0 for any other name. */
size_t wn_ffi_sizeof(const char *type);

/* wn_meter_open with the default options except: source (NULL or "auto":
 * every working source), interval_ms (0: the default) and allow_estimate
 * (0: fail with WN_EUNAVAILABLE rather than fall back to the estimate).
 * WN_OK and *out set (close with wn_meter_close), else the status of
 * wn_meter_open, *out NULL and wn_errmsg() saying why. */
int wn_ffi_meter_open(const char *source, unsigned interval_ms,
                      int allow_estimate, wn_meter **out);

#ifdef __cplusplus
}
#endif
#endif /* WATTNET_FFI_H */
