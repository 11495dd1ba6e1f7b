/*
 * readings.h - raw meter readings as plain values: what a meter hands out
 * for a window, what the store keeps (tables meter_windows and
 * meter_samples) and what a power trace is drawn from.
 *
 * Readings stay raw (likwid's PowerData): a counter domain keeps its ticks
 * at the window's edges, its unit (joules per tick), its range (it wraps
 * modulo `range` ticks) and the wraps seen; a polled-power domain keeps
 * its samples (watts = ticks x unit).  Ticks become joules or watts only
 * through the functions below (lib/readings/readings.c), which the meter
 * uses too, so energy can be re-integrated later from the stored readings.
 */
#ifndef WATTNET_READINGS_H
#define WATTNET_READINGS_H

#include <stddef.h>
#include <stdint.h>
#include <wattnet/energy.h>

#ifdef __cplusplus
extern "C" {
#endif

/* One raw reading; t in seconds since the window began. */
typedef struct wn_raw_sample {
    double t;
    uint64_t ticks;
} wn_raw_sample;

/* One domain of a window. */
typedef struct wn_raw_domain {
    char source[16];          /* "rapl", "nvml", ... */
    char name[48];            /* "package-0", ... */
    int is_counter;           /* 1: energy counter; 0: polled power */
    double unit;              /* J per tick (counter) or W per tick (power) */
    uint64_t range;           /* counter wraps modulo range; 0: never */
    int width_bits;           /* log2(range) when range is a power of two,
                                 else 0 */
    int in_total;             /* counted in the window's energy_j */
    uint64_t ticks_begin;     /* raw reading at the window's start */
    uint64_t ticks_end;       /* raw reading at its end */
    uint64_t wraps;           /* wraps seen inside the window */
    uint64_t ticks;           /* counter: ticks over the window, wraps
                                 resolved */
    double tick_s;            /* power: trapezoid integral, tick-seconds */
    size_t first;             /* samples[first .. first + n_samples) */
    size_t n_samples;
    uint64_t dropped;         /* readings inside the window that were no
                                 longer held (older than the meter's ring or
                                 over the store's cap) */
} wn_raw_domain;

/* The raw readings of one window.  samples is owned: wn_raw_window_clear. */
typedef struct wn_raw_window {
    double seconds;
    size_t n_domains;
    wn_raw_domain domains[WN_MAX_DOMAINS];
    size_t n_samples;
    wn_raw_sample *samples;
} wn_raw_window;

/* Free the samples and zero *w (NULL: no-op). */
void wn_raw_window_clear(wn_raw_window *w);

/* Counter ticks from prev to cur: one wrap of range when cur < prev
 * (likwid's overflow rule); modulo 2^64 when range is 0 or below prev. */
uint64_t wn_raw_delta(uint64_t range, uint64_t prev, uint64_t cur);
/* The most power one domain can plausibly draw, in watts.  The sampler's
 * period is set so that no counter wraps twice at this power, and a step
 * that would need more is a counter reset, never a wrap. */
#define WN_RAW_MAX_WATTS 2000.0
/* 1 when a counter of `range` ticks (unit J per tick) read prev, then cur
 * dt seconds later, was reset (module reload, resume, driver restart)
 * rather than wrapped: it went back and the wrap it would imply is more
 * energy than WN_RAW_MAX_WATTS gives over max(dt, 1 s).  A 64-bit counter
 * (range 0) going back is always a reset.  0 when cur >= prev. */
int wn_raw_is_reset(uint64_t range, double unit, uint64_t prev, uint64_t cur,
                    double dt);
/* Joules of `ticks` counter ticks or `tick_s` power tick-seconds at unit:
 * the one place where raw readings become joules. */
double wn_raw_joules(int is_counter, double unit, uint64_t ticks,
                     double tick_s);
/* A domain's joules over its window, from its stored totals. */
double wn_raw_domain_joules(const wn_raw_domain *d);

/* A power trace per domain, drawn from the samples: a counter's power
 * between two samples is its joules over the gap (a reset between them,
 * wn_raw_is_reset, gives no point); a power domain's is its reading.  Arrays are owned: wn_power_trace_clear. */
typedef struct wn_power_series {
    char name[64];            /* "source:domain" */
    int in_total;
    size_t n;
    double *t_s;              /* seconds since the window began */
    double *power_w;
} wn_power_series;

typedef struct wn_power_trace {
    double seconds;
    size_t n_series;
    wn_power_series series[WN_MAX_DOMAINS];
} wn_power_trace;

/* WN_OK and *out (free with wn_power_trace_clear); WN_ENOMEM. */
int wn_raw_power_trace(const wn_raw_window *w, wn_power_trace *out);
void wn_power_trace_clear(wn_power_trace *t);

#ifdef __cplusplus
}
#endif
#endif /* WATTNET_READINGS_H */
