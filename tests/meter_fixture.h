/*
 * meter_fixture.h - helpers the meter tests share: scratch directories, small
 * files, and a simulated powercap tree whose energy_uj counters a helper
 * thread advances at set watts (wrapping at a small max_energy_range_uj), in
 * the kernel's exact layout:
 *     ROOT/intel-rapl                          (control type: no name)
 *     ROOT/intel-rapl:0/{name,energy_uj,max_energy_range_uj}
 *     ROOT/intel-rapl:0/intel-rapl:0:0/...     (core)
 *     ROOT/intel-rapl:0:0 -> intel-rapl:0/intel-rapl:0:0   (class symlink)
 * Header-only because every test file is its own program.
 */
#ifndef WN_TEST_METER_FIXTURE_H
#define WN_TEST_METER_FIXTURE_H

#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <wattnet/wattnet.h>

static inline void mf_tmpdir(char *buf, size_t cap, const char *tag)
{
    snprintf(buf, cap, "/tmp/wn-meter-%s-%ld-XXXXXX", tag, (long)getpid());
    if (!mkdtemp(buf)) {
        fprintf(stderr, "mkdtemp %s failed\n", buf);
        abort();
    }
}

static inline void mf_rmdir(const char *dir)
{
    char cmd[1200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
}

static inline void mf_write(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (!f) {
        fprintf(stderr, "cannot write %s\n", path);
        abort();
    }
    fputs(text, f);
    fclose(f);
}

static inline void mf_mkdir(const char *path)
{
    if (mkdir(path, 0755) != 0) {
        fprintf(stderr, "mkdir %s failed\n", path);
        abort();
    }
}

static inline double mf_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static inline void mf_sleep(double s)
{
    struct timespec ts = { (time_t)s, (long)((s - (double)(time_t)s) * 1e9) };
    while (nanosleep(&ts, &ts) != 0)
        ;
}

/* ---- Simulated powercap tree ------------------------------------------ */
#define MF_MAX_ZONES 6

struct mf_zone {
    char dir[512];
    _Atomic double watts;
    uint64_t range_uj;
    uint64_t offset_uj;       /* start value, so counters wrap early */
    double joules;            /* integrated truth (sim thread only) */
    atomic_int reset;         /* set: the counter restarts from 0 (a module
                                 reload or resume), as the sim thread sees */
};

struct mf_rapl {
    char root[256];
    size_t n;
    struct mf_zone z[MF_MAX_ZONES];
    pthread_t thread;
    atomic_int stop;
    int running;
    _Atomic double max_step_s;  /* the writer's longest step: a stall */
};

/* Add zone REL (e.g. "intel-rapl:0" or "intel-rapl:0/intel-rapl:0:0"). */
static inline struct mf_zone *mf_rapl_zone(struct mf_rapl *r, const char *rel,
                                           const char *name, double watts,
                                           uint64_t range_uj)
{
    struct mf_zone *z = &r->z[r->n++];
    char p[600], line[64], root[256];
    memcpy(root, r->root, sizeof root);
    snprintf(z->dir, sizeof z->dir, "%s/%s", root, rel);
    mf_mkdir(z->dir);
    snprintf(p, sizeof p, "%s/name", z->dir);
    snprintf(line, sizeof line, "%s\n", name);
    mf_write(p, line);
    snprintf(p, sizeof p, "%s/max_energy_range_uj", z->dir);
    char v[64];
    snprintf(v, sizeof v, "%llu\n", (unsigned long long)range_uj);
    mf_write(p, v);
    z->watts = watts;
    z->range_uj = range_uj;
    z->offset_uj = range_uj - range_uj / 10;
    snprintf(p, sizeof p, "%s/energy_uj", z->dir);
    snprintf(v, sizeof v, "%llu\n", (unsigned long long)z->offset_uj);
    mf_write(p, v);
    return z;
}

static inline void mf_rapl_write(struct mf_zone *z)
{
    char p[600], tmp[620], v[64];
    uint64_t uj = (uint64_t)(z->joules * 1e6) + z->offset_uj;
    snprintf(p, sizeof p, "%s/energy_uj", z->dir);
    snprintf(tmp, sizeof tmp, "%s.tmp", p);
    snprintf(v, sizeof v, "%llu\n", (unsigned long long)(uj % z->range_uj));
    FILE *f = fopen(tmp, "w");
    if (!f)
        return;
    fputs(v, f);
    fclose(f);
    rename(tmp, p);
}

static inline void *mf_rapl_main(void *arg)
{
    struct mf_rapl *r = arg;
    double prev = mf_now();
    while (!atomic_load(&r->stop)) {
        mf_sleep(0.001);
        double now = mf_now();
        if (now - prev > atomic_load(&r->max_step_s))
            atomic_store(&r->max_step_s, now - prev);
        for (size_t i = 0; i < r->n; i++) {
            if (atomic_exchange(&r->z[i].reset, 0)) {
                r->z[i].joules = 0.0;
                r->z[i].offset_uj = 0;
            }
            r->z[i].joules += atomic_load(&r->z[i].watts) * (now - prev);
            mf_rapl_write(&r->z[i]);
        }
        prev = now;
    }
    return NULL;
}

/* A tree in a fresh directory: "intel-rapl" control dir only. */
static inline void mf_rapl_stop(struct mf_rapl *r);

/* r should be static: a failed test (cmocka longjmps out) leaves the helper
 * thread running, and the next init stops it first. */
static inline void mf_rapl_init(struct mf_rapl *r)
{
    mf_rapl_stop(r);
    memset(r, 0, sizeof *r);
    mf_tmpdir(r->root, sizeof r->root, "rapl");
    char p[300];
    snprintf(p, sizeof p, "%s/intel-rapl", r->root);
    mf_mkdir(p);
    snprintf(p, sizeof p, "%s/intel-rapl/enabled", r->root);
    mf_write(p, "1\n");
    setenv("WATTNET_POWERCAP_ROOT", r->root, 1);
}

/* The usual server socket: package 50 W, core 30 W, dram 5 W, with small
 * ranges (40 J, 30 J, 4 J) so each wraps several times in 2-3 s, while a
 * sampling gap must last over 0.5 s to hide a wrap. */
static inline void mf_rapl_standard(struct mf_rapl *r)
{
    mf_rapl_init(r);
    mf_rapl_zone(r, "intel-rapl:0", "package-0", 50.0, 40000000);
    mf_rapl_zone(r, "intel-rapl:0/intel-rapl:0:0", "core", 30.0, 30000000);
    mf_rapl_zone(r, "intel-rapl:0/intel-rapl:0:1", "dram", 5.0, 4000000);
    char from[600], to[300];
    snprintf(to, sizeof to, "%s/intel-rapl:0/intel-rapl:0:0", r->root);
    snprintf(from, sizeof from, "%s/intel-rapl:0:0", r->root);
    if (symlink(to, from) != 0)
        abort();
    snprintf(to, sizeof to, "%s/intel-rapl:0/intel-rapl:0:1", r->root);
    snprintf(from, sizeof from, "%s/intel-rapl:0:1", r->root);
    if (symlink(to, from) != 0)
        abort();
}

/* The same socket with the kernel's usual ranges (262 kJ): no wraps, so a
 * starved sampler on a loaded machine can never make a window ambiguous. */
static inline void mf_rapl_bigrange(struct mf_rapl *r)
{
    mf_rapl_init(r);
    mf_rapl_zone(r, "intel-rapl:0", "package-0", 50.0, 262143328850ull);
    mf_rapl_zone(r, "intel-rapl:0/intel-rapl:0:0", "core", 30.0,
                 262143328850ull);
    mf_rapl_zone(r, "intel-rapl:0/intel-rapl:0:1", "dram", 5.0, 65712999613ull);
}

static inline void mf_rapl_start(struct mf_rapl *r)
{
    atomic_store(&r->stop, 0);
    if (pthread_create(&r->thread, NULL, mf_rapl_main, r) != 0)
        abort();

    r->running = 1;
    mf_sleep(0.01);
}

static inline void mf_rapl_stop(struct mf_rapl *r)
{
    if (r->running) {
        atomic_store(&r->stop, 1);
        pthread_join(r->thread, NULL);
        r->running = 0;
    }
}

static inline void mf_rapl_free(struct mf_rapl *r)
{
    mf_rapl_stop(r);
    mf_rmdir(r->root);
    unsetenv("WATTNET_POWERCAP_ROOT");
}

/* Allowed error of a window of `seconds` at `watts`: rel of the truth plus
 * the simulator's own lag at both edges (its longest write step so far). */
static inline double mf_tol(struct mf_rapl *r, double watts, double seconds,
                            double rel)
{
    return rel * watts * seconds + 2.0 * watts * atomic_load(&r->max_step_s);
}

/* Open source SRC (NULL: auto mode) without an idle file; aborts (a test
 * failure under cmocka) when it cannot. */
static inline wn_meter *mf_open(const char *src)
{
    wn_meter_opts o;
    wn_meter_opts_default(&o);
    o.source = src;
    o.idle_state = "/nonexistent/wattnet-idle.json";
    wn_meter *m = NULL;
    if (wn_meter_open(&o, &m) != WN_OK) {
        fprintf(stderr, "open %s: %s\n", src ? src : "auto", wn_errmsg());
        abort();
    }
    return m;
}

/* One window of about `seconds` on m into *e; aborts when a call fails. */
static inline void mf_window(wn_meter *m, double seconds, wn_energy *e)
{
    int w;
    if (wn_meter_window_begin(m, &w) != WN_OK)
        abort();
    mf_sleep(seconds);
    if (wn_meter_window_end(m, w, e) != WN_OK)
        abort();
}

/* Read p's output into out (n bytes at most, NUL-terminated) and close
 * it; returns the exit code, -1 when it did not exit. */
static inline int mf_pclose_read(FILE *p, char *out, size_t n)
{
    if (!p)
        abort();
    size_t len = fread(out, 1, n - 1, p);
    out[len] = '\0';
    int st = pclose(p);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* Index of domain NAME in e, or -1. */
static inline int mf_domain(const wn_energy *e, const char *name)
{
    for (size_t i = 0; i < e->n_domains; i++)
        if (strcmp(e->domains[i].name, name) == 0)
            return (int)i;
    return -1;
}

#endif /* WN_TEST_METER_FIXTURE_H */
