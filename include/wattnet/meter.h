/*
 * meter.h - energy meters: RAPL (powercap), perf `power` PMU, NVML, IPMI
 * DCMI, Redfish, watt-meter logs and a labelled estimate, behind one
 * interface, with a sampler thread and nestable measurement windows.
 *
 * Usage:
 *     wn_meter *m = NULL;
 *     wn_meter_opts o; wn_meter_opts_default(&o);
 *     if (wn_meter_open(&o, &m) != WN_OK) ... wn_errmsg() ...
 *     int w; wn_meter_window_begin(m, &w);
 *     ... work ...
 *     wn_energy e; wn_meter_window_end(m, w, &e);
 *     wn_meter_close(&m);
 *
 * (The meter module's owner extends this header; the functions below are
 * the contract other modules rely on.)
 */
#ifndef WATTNET_METER_H
#define WATTNET_METER_H

#include <stddef.h>
#include <wattnet/energy.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct wn_meter wn_meter;   /* opaque: enabled sources + sampler */

typedef struct wn_meter_opts {
    const char *source;        /* NULL or "auto": every working measuring
                                  source; else one of rapl|perf|nvml|ipmi|
                                  redfish|estimate */
    unsigned interval_ms;      /* sampler period; default 100 */
    double cpu_watts;          /* per-core watts for the estimate; 0: table */
    int allow_estimate;        /* fall back to the estimate when nothing
                                  measures (default 1) */
    const char *idle_state;    /* idle-baseline state file; NULL: default */
} wn_meter_opts;

void wn_meter_opts_default(wn_meter_opts *o);

/* Probe and enable sources, start the sampler.  WN_EUNAVAILABLE with a
 * reason when nothing can measure (and estimates are not allowed). */
int wn_meter_open(const wn_meter_opts *o, wn_meter **out);
void wn_meter_close(wn_meter **m);

/* The source name in use ("rapl", ..., "estimate"). */
const char *wn_meter_source(const wn_meter *m);

/* Open a window (windows nest); *id names it for _end. */
int wn_meter_window_begin(wn_meter *m, int *id);
/* Close window id and fill *out with its joules per domain, seconds,
 * average watts and dynamic energy. */
int wn_meter_window_end(wn_meter *m, int id, wn_energy *out);

/* Watt-meter log (BUTTER-E format: CSV "timestamp,node,watts"): integrate
 * NODE's power over [t_start, t_end] (unix seconds) with constant power
 * between samples and partial intervals at both ends.  A window with no
 * sample or a 0 W reading gets measured = 0 and a flag. */
int wn_powerlog_integrate(const char *path, const char *node, double t_start,
                          double t_end, wn_energy *out);

#ifdef __cplusplus
}
#endif
#endif /* WATTNET_METER_H */
