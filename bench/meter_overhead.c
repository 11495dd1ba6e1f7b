/*
 * meter_overhead.c - what the meter's sampler costs a training run: the same
 * measured run (wn_run_execute) with and without a meter polling every
 * 100 ms, alternating A/B, medians and their ratio.  The target is at most
 * 0.5% (ratio <= 1.005).
 *
 * Source: the first real measuring source that opens here (auto, no
 * estimate); else a static simulated powercap tree read through the rapl
 * source (the same file reads as real RAPL; its counters do not move, so
 * the energy itself is not the point here).
 *
 *     bench_meter_overhead [PAIRS=7] [SIZE=1048576] [EPOCHS=5] [DATASET]
 * Timings on a shared 2-core machine are noisy: read the spread too.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <wattnet/wattnet.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double cpu_s(void)
{
    struct rusage r;
    getrusage(RUSAGE_SELF, &r);
    return (double)(r.ru_utime.tv_sec + r.ru_stime.tv_sec) +
           (double)(r.ru_utime.tv_usec + r.ru_stime.tv_usec) * 1e-6;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void put(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (f) {
        fputs(text, f);
        fclose(f);
    }
}

/* A static powercap tree: package-0, core-0, dram-0. */
static void static_tree(char *root, size_t n)
{
    char p[512];
    snprintf(root, n, "/tmp/wn-bench-rapl-%ld", (long)getpid());
    const char *zones[3][2] = { { "intel-rapl:0", "package-0" },
                                { "intel-rapl:0/intel-rapl:0:0", "core" },
                                { "intel-rapl:0/intel-rapl:0:1", "dram" } };
    mkdir(root, 0755);
    for (int i = 0; i < 3; i++) {
        snprintf(p, sizeof p, "%s/%s", root, zones[i][0]);
        mkdir(p, 0755);
        snprintf(p, sizeof p, "%s/%s/name", root, zones[i][0]);
        put(p, zones[i][1]);
        snprintf(p, sizeof p, "%s/%s/energy_uj", root, zones[i][0]);
        put(p, "123456789\n");
        snprintf(p, sizeof p, "%s/%s/max_energy_range_uj", root, zones[i][0]);
        put(p, "262143328850\n");
    }
}

int main(int argc, char **argv)
{
    int pairs = argc > 1 ? (int)strtol(argv[1], NULL, 10) : 7;
    unsigned long size = argc > 2 ? strtoul(argv[2], NULL, 10) : 1048576;
    unsigned long epochs = argc > 3 ? strtoul(argv[3], NULL, 10) : 5;
    const char *dataset = argc > 4 ? argv[4] : "synthetic:banana";
    if (pairs < 1 || pairs > 100 || size < 16 || epochs < 1) {
        fprintf(stderr, "usage: bench_meter_overhead [PAIRS] [SIZE] [EPOCHS] "
                "[DATASET]\n");
        return 2;
    }
    wn_meter_opts o;
    wn_meter_opts_default(&o);
    o.allow_estimate = 0;
    o.interval_ms = 100;
    wn_meter *m = NULL;
    char root[256] = "";
    const char *what = "real";
    if (wn_meter_open(&o, &m) != WN_OK) {
        static_tree(root, sizeof root);
        setenv("WATTNET_POWERCAP_ROOT", root, 1);
        o.source = "rapl";
        o.skip_stuck_check = 1;
        if (wn_meter_open(&o, &m) != WN_OK) {
            fprintf(stderr, "bench: no meter: %s\n", wn_errmsg());
            return 1;
        }
        what = "simulated static powercap tree";
    }
    printf("meter: %s (%s), interval %u ms\n", wn_meter_source(m), what,
           wn_meter_interval_ms(m));

    /* The sampler's own CPU cost, with nothing else running in this
     * process: an upper bound on what it can take from training. */
    double c0 = cpu_s(), w0 = now();
    struct timespec idle = { 3, 0 };
    nanosleep(&idle, NULL);
    double frac = (cpu_s() - c0) / (now() - w0);
    printf("sampler CPU: %.3f ms per second of wall (%.4f%% of one core)\n",
           frac * 1e3, frac * 100.0);

    wn_run_spec s;
    wn_run_spec_default(&s);
    snprintf(s.dataset, sizeof s.dataset, "%s", dataset);
    s.train.size = size;
    s.train.epochs = epochs;
    s.train.threads = 1;
    double *with = calloc((size_t)pairs, sizeof *with);
    double *without = calloc((size_t)pairs, sizeof *without);
    if (!with || !without)
        return 1;
    wn_run_record rec;
    /* Warm-up (page cache, oneDNN primitive cache). */
    if (wn_run_execute(&s, NULL, NULL, NULL, &rec) != WN_OK) {
        fprintf(stderr, "bench: run failed: %s\n", wn_errmsg());
        return 1;
    }
    wn_run_record_clear(&rec);
    for (int i = 0; i < pairs; i++) {
        for (int k = 0; k < 2; k++) {
            int metered = (i + k) % 2 == 0;   /* alternate which goes first */
            double t0 = now();
            int rc = wn_run_execute(&s, NULL, metered ? m : NULL, NULL, &rec);
            double dt = now() - t0;
            if (rc != WN_OK) {
                fprintf(stderr, "bench: run failed: %s\n", wn_errmsg());
                return 1;
            }
            wn_run_record_clear(&rec);
            (metered ? with : without)[i] = dt;
        }
        printf("pair %d: with meter %.4f s, without %.4f s\n", i + 1, with[i],
               without[i]);
    }
    qsort(with, (size_t)pairs, sizeof *with, cmp);
    qsort(without, (size_t)pairs, sizeof *without, cmp);
    double mw = with[pairs / 2], mo = without[pairs / 2];
    printf("median with %.4f s (range %.4f..%.4f), without %.4f s (range "
           "%.4f..%.4f)\n", mw, with[0], with[pairs - 1], mo, without[0],
           without[pairs - 1]);
    printf("ratio with/without %.4f (overhead %+.2f%%; target <= +0.5%%)\n",
           mw / mo, (mw / mo - 1.0) * 100.0);
    wn_meter_close(&m);
    free(with);
    free(without);
    if (root[0]) {
        char cmd[400];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
        if (system(cmd) != 0)
            fprintf(stderr, "bench: could not remove %s\n", root);
    }
    return 0;
}
