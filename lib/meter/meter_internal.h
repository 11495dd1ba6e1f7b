/*
 * meter_internal.h - what the meter sources share with the sampler
 * (private to lib/meter and the tests).
 *
 * Every source (rapl, perf, nvml, ipmi, redfish, estimate, sim) is one
 * `struct wn_meter_ops`, picked once when the meter opens.  A source only
 * reads RAW ticks: a counter's value (energy in `unit` joules per tick,
 * wrapping modulo `range` ticks) or an instantaneous power (in `unit` watts
 * per tick).  Ticks become joules only through wn__meter_joules, which asks
 * lib/readings (the one conversion, as likwid's calculateResult).
 */
#ifndef WN_METER_INTERNAL_H
#define WN_METER_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include <wattnet/core.h>
#include <wattnet/meter.h>

enum wn__meter_kind {
    WN__KIND_COUNTER = 0,     /* cumulative energy counter */
    WN__KIND_POWER = 1        /* instantaneous power, integrated here */
};

/* One domain of one source: its raw description and its running totals. */
struct wn__meter_domain {
    char name[48];
    char contained_in[48];    /* "" or the domain containing this one */
    int kind;                 /* enum wn__meter_kind */
    double unit;              /* J per tick (counter) or W per tick (power) */
    uint64_t range;           /* counter wraps modulo range; 0: never */
    int in_total;
    int part_only;            /* a part of contained_in whose total is not
                                 read here: never added, never the whole */
    int slot;                 /* the backend's own index for this domain
                                 (stable when other domains are dropped) */
    /* Running state, under the meter's lock: */
    int have_prev;
    uint64_t prev_ticks;
    double prev_t;            /* CLOCK_MONOTONIC seconds of prev_ticks */
    uint64_t acc_ticks;       /* counter: ticks since open, wraps resolved */
    double acc_tick_s;        /* power: trapezoid integral, tick-seconds */
    uint64_t wraps;
    double rate;              /* counter: ticks per second over >= 0.25 s */
    double rate_t0;           /* start of the current rate interval */
    uint64_t rate_acc0;       /* acc_ticks at rate_t0 */
    uint64_t n_gap;           /* gaps long enough to hide a whole wrap */
    uint64_t n_zero;          /* power readings of 0: not measurements */
    uint64_t n_err;           /* failed reads */
    uint64_t n_reset;         /* counter resets (wn_raw_is_reset) */
    uint64_t missed;          /* power: failed polls since prev_ticks, to be
                                 bridged by the next reading (meter_bridge.c) */
};

struct wn__meter_src;

/* A backend.  open fills src->dom / n_dom and src->state, or returns a
 * status and a reason (wn_seterr); read fills ticks[i] with the raw reading
 * of src->dom[i] (use dom[i].slot to find the backend's handle, since the
 * stuck check may drop domains); close frees the state (src may be
 * half-open). */
struct wn_meter_ops {
    const char *name;
    double update_s;          /* how often the hardware updates the value
                                 read (seconds): a window should span many
                                 of these (issue 10); 0: continuous */
    int node_level;
    int is_estimate;
    int (*open)(struct wn__meter_src *src, const wn_meter_opts *o);
    int (*read)(struct wn__meter_src *src, uint64_t *ticks);
    void (*close)(struct wn__meter_src *src);
};

struct wn__meter_src {
    const struct wn_meter_ops *ops;
    void *state;
    size_t n_dom;
    struct wn__meter_domain dom[WN_MAX_DOMAINS];
    unsigned min_interval_ms; /* slow sources (ipmi, redfish): poll less */
    double update_s;          /* ops->update_s, unless open knows better */
    double last_read_t;
    char notes[256];
};

extern const struct wn_meter_ops wn__meter_rapl_ops;
extern const struct wn_meter_ops wn__meter_perf_ops;
extern const struct wn_meter_ops wn__meter_nvml_ops;
extern const struct wn_meter_ops wn__meter_ipmi_ops;
extern const struct wn_meter_ops wn__meter_redfish_ops;
extern const struct wn_meter_ops wn__meter_estimate_ops;
extern const struct wn_meter_ops wn__meter_sim_ops;

/* One Redfish PowerControl[] entry, as the BMC numbered it. */
struct wn__redfish_entry {
    char id[32];              /* MemberId (printable, no blanks), else the
                                 index */
    int has_watts;            /* PowerConsumedWatts is a number >= 0 */
    double watts;
};
/* Every PowerControl entry of a Power resource, in order (at most max);
 * WN_EFORMAT when none has a numeric PowerConsumedWatts. */
int wn__redfish_parse(const char *json, struct wn__redfish_entry *e,
                      size_t max, size_t *n);

/* Add a domain to src; returns it or NULL when the table is full. */
struct wn__meter_domain *wn__meter_add_domain(struct wn__meter_src *src,
                                              const char *name, int kind,
                                              double unit, uint64_t range);

/* Joules for `ticks` counter ticks or `tick_s` power tick-seconds of d:
 * the one place where raw readings become joules. */
double wn__meter_joules(const struct wn__meter_domain *d, uint64_t ticks,
                        double tick_s);

/* Counter ticks advanced from prev to cur, one wrap of d->range counted
 * when cur < prev (likwid's overflow rule). */
uint64_t wn__meter_delta(const struct wn__meter_domain *d, uint64_t prev,
                         uint64_t cur);

/* CLOCK_MONOTONIC in seconds. */
double wn__meter_now(void);

/* Read a small sysfs-style file into buf (NUL-terminated, trailing
 * whitespace trimmed) through the open hook.  EACCES -> WN_EPERM with
 * advice naming the file; ENOENT -> WN_ENOENT. */
int wn__meter_read_file(const char *path, char *buf, size_t n);
int wn__meter_read_u64(const char *path, uint64_t *out);

/* Test hook: replaces open(2) for the files sources read (so a test run as
 * root can simulate EACCES, which root otherwise bypasses).  NULL: open. */
extern int (*wn__meter_open_hook)(const char *path, int flags);

/* Test hook for the perf source: replaces perf_event_open/read/close so a
 * test can play counters without a power PMU.  NULL: the real syscalls.
 * open returns an fd or -1 with errno set. */
struct wn__perf_hooks {
    int (*open)(uint32_t type, uint64_t config, int cpu);
    int (*read)(int fd, uint64_t *value);
    void (*close)(int fd);
};
extern const struct wn__perf_hooks *wn__perf_hooks;

/* Burn CPU on this thread for about `seconds` (the stuck-counter check). */
void wn__meter_burn(double seconds);

/* Run argv (no shell) with a timeout, capture up to n-1 bytes of stdout.
 * Returns WN_OK and the exit status in *status; WN_ETIMEOUT after
 * timeout_ms (child killed); WN_ENOENT when argv[0] cannot run. */
int wn__meter_run_capture(char *const argv[], unsigned timeout_ms, char *buf,
                          size_t n, int *status);


/* Estimate: per-core watts for this CPU (table of known models from
 * /proc/cpuinfo, else the documented default); *model gets the name. */
double wn__meter_cpu_watts(char *model, size_t n);

/* ---- The open meter (shared by meter_open, meter_sampler, meter_window,
 * meter_idle and meter_probe) --------------------------------------------- */

#include <pthread.h>

#define WN__METER_MAX_SOURCES 8
#define WN__METER_MAX_WINDOWS 32
/* Raw readings kept per domain (a ring, the newest win): what a window's
 * raw readings (wn_meter_window_raw) can hold.  At the default 100 ms
 * period, 13.6 minutes. */
#define WN__METER_RING 8192

struct wn__meter_window {
    int used;
    double t0;
    uint64_t *acc;            /* one entry per domain of the meter */
    double *acc_s;
    uint64_t *zero;
    uint64_t *err;
    uint64_t *gap;
    uint64_t *wraps;
    uint64_t *ticks0;         /* the raw reading at t0 */
    uint64_t *reset;
    uint64_t *pend;           /* power: the poll at t0 failed, so the next
                                 reading's segment straddles t0 (bridge) */
};

/* One raw reading of a domain, in the ring. */
struct wn__meter_reading {
    double t;                 /* CLOCK_MONOTONIC seconds */
    uint64_t ticks;
};

struct wn_meter {
    size_t n_src;
    struct wn__meter_src *src[WN__METER_MAX_SOURCES];
    size_t n_dom;             /* domains over every source */
    double *idle_w;           /* n_dom: idle watts per domain, or NAN */
    char source_name[16];
    int is_estimate;
    unsigned interval_ms;
    char warning[768];

    pthread_mutex_t lock;
    pthread_cond_t cond;
    int lock_ok, cond_ok, thread_ok, stop;
    pthread_t thread;

    struct wn__meter_window win[WN__METER_MAX_WINDOWS];
    void *win_mem;

    /* Raw readings: ring[k * WN__METER_RING + i] for domain k; ring_n[k]
     * readings pushed so far (the ring holds the last WN__METER_RING). */
    struct wn__meter_reading *ring;
    uint64_t *ring_n;
    /* The raw readings of the window closed last (wn_meter_window_raw). */
    wn_raw_window last_raw;
};

/* meter_probe.c: the registry and opening one source. */
const struct wn_meter_ops *wn__meter_find_ops(const char *name);
int wn__meter_src_open(const struct wn_meter_ops *ops, const wn_meter_opts *o,
                       struct wn__meter_src **out);
void wn__meter_src_free(struct wn__meter_src **ps);
void wn__meter_fill_info(const struct wn__meter_src *s, wn_meter_info *out);

/* meter_sampler.c: read the due sources (all when force) under m->lock;
 * returns the time stamp window edges use.  Start / stop the thread. */
double wn__meter_sample_all(wn_meter *m, int force);
int wn__meter_sampler_start(wn_meter *m);
void wn__meter_sampler_stop(wn_meter *m);

/* meter_idle.c: this host's baselines from the state file, at open. */
int wn__meter_idle_load(wn_meter *m, const wn_meter_opts *o);
/* meter_idle_file.c: one baseline from the state file (WN_ENOENT: none). */
int wn__idle_lookup(const char *path, const char *host, const char *source,
                    const char *domain, double *watts);

/* meter_bridge.c: missed polls of a power source.  The period a source is
 * polled at; resolve the windows whose first poll failed, once reading cur
 * of domain k arrives at t (before d's prev is replaced); a window's
 * tick-seconds for power domain k (with the last reading held to t1 when
 * the closing poll failed); 1 when a run of missed polls is a real gap
 * (longer than WN__METER_GAP_POLLS periods). */
#define WN__METER_GAP_POLLS 3
double wn__meter_period_s(const wn_meter *m, const struct wn__meter_src *s);
void wn__meter_bridge(wn_meter *m, size_t k,
                      const struct wn__meter_domain *d, uint64_t cur,
                      double t);
double wn__meter_window_tick_s(const struct wn__meter_window *w, size_t k,
                               const struct wn__meter_domain *d, double t1);
int wn__meter_missed_gap(const wn_meter *m, const struct wn__meter_src *s,
                         const struct wn__meter_domain *d, double t);

/* meter_raw.c: keep raw readings and hand a window's out. */
void wn__meter_ring_push(wn_meter *m, size_t k, double t, uint64_t ticks);
int wn__meter_raw_capture(wn_meter *m, const struct wn__meter_window *w,
                          double t1);

#endif /* WN_METER_INTERNAL_H */
