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
 * Every public type here is a plain value; a raw window (readings.h) is
 * what the store keeps so that energy can be re-integrated later.
 */
#ifndef WATTNET_METER_H
#define WATTNET_METER_H

#include <stddef.h>
#include <wattnet/core.h>
#include <wattnet/energy.h>
#include <wattnet/readings.h>

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
    /* Defaults from wn_meter_opts_default: */
    const char *redfish_url;   /* NULL: $WATTNET_REDFISH_URL */
    const char *redfish_user;  /* NULL: $WATTNET_REDFISH_USER */
    const char *redfish_password; /* NULL: $WATTNET_REDFISH_PASSWORD; never
                                     printed, logged or stored */
    unsigned timeout_ms;       /* IPMI/Redfish per-reading timeout; 3000 */
    int skip_stuck_check;      /* 1: do not burn CPU to prove counters
                                  advance (probe only; tests) */
    const char *nvml_gpu;      /* NULL/"": NVML meters every GPU; else only
                                  this one: its NVML index ("1") or UUID
                                  ("GPU-..."); WN_EUNAVAILABLE when absent */
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
/* The raw readings of the window closed last (by any wn_meter_window_end
 * on m): per domain the ticks at both edges, wraps, unit and range, and
 * the readings in between (the newest 8192 per domain).  WN_OK and *out
 * (free with wn_raw_window_clear); WN_ESTATE before any window closed. */
int wn_meter_window_raw(wn_meter *m, wn_raw_window *out);

/* Watt-meter log (BUTTER-E format: CSV "timestamp,node,watts"): integrate
 * NODE's power over [t_start, t_end] (unix seconds) with constant power
 * between samples and partial intervals at both ends.  A window with no
 * sample or a 0 W reading gets measured = 0 and a flag. */
int wn_powerlog_integrate(const char *path, const char *node, double t_start,
                          double t_end, wn_energy *out);
/* The log's sample interval for NODE (NULL: the one node): the median gap
 * between its samples, in seconds (the log's "update interval", issue 10).
 * WN_ENOENT with a message when it has fewer than two samples. */
int wn_powerlog_interval(const char *path, const char *node, double *interval_s);

/* ---- Probing: what `wattnet meters` lists ------------------------------
 * Sources, in the order auto mode prefers them:
 * rapl, perf, nvml, ipmi, redfish, estimate; "sim" (a simulated constant
 * power, $WATTNET_SIM_WATTS, default 100 W) is only used when named. */
typedef struct wn_meter_domain_info {
    char name[48];
    int in_total;             /* counted in the non-overlapping total */
    int is_counter;           /* 1: energy counter; 0: polled power */
    char contained_in[48];    /* "" or the domain that contains this one */
} wn_meter_domain_info;

typedef struct wn_meter_info {
    char source[16];
    int status;               /* WN_OK: usable; else why not */
    char reason[512];         /* "" when usable; else what to do */
    char notes[256];          /* e.g. dropped domains, shortened interval */
    int is_estimate;
    int node_level;           /* 1: whole-node power (ipmi, redfish, log) */
    double resolution;        /* one tick, in resolution_unit */
    char resolution_unit[4];  /* "J" (counter) or "W" (power) */
    size_t n_domains;
    wn_meter_domain_info domains[WN_MAX_DOMAINS];
    double update_s;          /* how often the source's value changes, in
                                 seconds (RAPL ~0.001, NVML ~0.1, IPMI and
                                 Redfish ~1); 0: continuous */
} wn_meter_info;

size_t wn_meter_source_count(void);
const char *wn_meter_source_name(size_t i);   /* NULL past the end */

/* Probe one source (open, check it advances, close).  Returns WN_OK and
 * fills *out (out->status says whether the source is usable); an error
 * only for a bad name or no memory. */
int wn_meter_probe(const char *source, const wn_meter_opts *o,
                   wn_meter_info *out);

/* The enabled sources of an open meter: info i (0-based) or WN_EINVAL. */
size_t wn_meter_count(const wn_meter *m);
int wn_meter_info_at(const wn_meter *m, size_t i, wn_meter_info *out);
/* The effective sampler period (it may be shortened to beat a counter
 * wrap) and a one-line warning ("" if none). */
unsigned wn_meter_interval_ms(const wn_meter *m);
const char *wn_meter_warning(const wn_meter *m);
/* The slowest update interval of m's sources, in seconds (a window
 * shorter than a few of these cannot be measured); 0 for NULL. */
double wn_meter_update_s(const wn_meter *m);

/* ---- Idle baselines ------------------------------------------------------
 * Idle power per (host, source, domain), kept in a small JSON state file:
 * $WATTNET_IDLE_FILE, else $XDG_STATE_HOME/wattnet/idle.json, else
 * ~/.local/state/wattnet/idle.json.  Windows of a meter whose host has a
 * baseline for every in-total domain report dynamic energy (has_idle).
 * The rule between this file and the runs database's baselines is written
 * once, in lib/run/idle_apply.c (the database wins per domain). */
typedef struct wn_idle_domain {
    char source[16];
    char name[48];
    double power_w;
    int in_total;
} wn_idle_domain;

typedef struct wn_idle_baseline {
    char host[128];
    double seconds;
    double measured_at;       /* unix seconds */
    double power_w;           /* sum over in-total domains */
    size_t n_domains;
    wn_idle_domain domains[WN_MAX_DOMAINS];
} wn_idle_baseline;

/* The state file's path into buf (override, else the default above). */
int wn_meter_idle_path(const char *override, char *buf, size_t n);

/* Set the idle power of SOURCE's DOMAIN (e.g. "rapl", "package-0") on an
 * open meter, replacing what the state file gave; later windows report
 * dynamic energy with it.  WN_ENOENT when the meter has no such domain,
 * WN_EINVAL for a negative or non-finite power. */
int wn_meter_set_idle(wn_meter *m, const char *source, const char *domain,
                      double power_w);
/* Sleep `seconds` inside one window of m and fill *out.  WN_ESTUCK when the
 * window did not measure; WN_EINVAL for an estimate (idle of an estimate
 * means nothing). */
int wn_meter_idle_measure(wn_meter *m, double seconds, wn_idle_baseline *out);
/* Merge b into the state file (temp file, then rename); path NULL: the
 * default.  Other hosts and sources in the file are kept. */
int wn_meter_idle_save(const char *path, const wn_idle_baseline *b);
/* Check the state file (PATH NULL: the default) before measuring: WN_OK
 * when it is well-formed or does not exist yet; else WN_EFORMAT (WN_EIO,
 * WN_EPERM when unreadable) and wn_errmsg() names the file and the field
 * (meter_idle_check.c). */
int wn_meter_idle_check(const char *path);

#ifdef __cplusplus
}
#endif
#endif /* WATTNET_METER_H */
