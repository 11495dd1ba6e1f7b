/*
 * sgemm_peak.c - the FLOP ceiling of this machine for the benchmark: GFLOP/s
 * of oneDNN's dnnl_sgemm on ONE core (by default) at the GEMM shapes of a
 * training step of the 2^22 job, and at a large square.
 *
 * A dense layer of width W on a batch of B rows runs three GEMMs per step:
 *   forward        Y[B,W]  = X[B,W] . Wt[W,W]       (M=B, N=W, K=W)
 *   backward data  dX[B,W] = dY[B,W] . Wt[W,W]^T    (M=B, N=W, K=W, transB)
 *   backward wts   dW[W,W] = X[B,W]^T . dY[B,W]     (M=W, N=W, K=B, transA)
 * plus a square N x N x N.  Each shape is repeated until it has run about
 * --seconds (after one untimed warm-up call); the best of 3 such rounds
 * counts, so a short disturbance from another process does not lower it.
 * `peak` is the highest of the shape rates: the ceiling bench/run.sh divides
 * an epoch's FLOPs by.
 *
 * oneDNN here is built on OpenMP (DNNL_CPU_RUNTIME == OMP), so the thread
 * count is set with omp_set_num_threads() (--threads, default 1); run it
 * with OMP_NUM_THREADS=1 as well so that no other pool starts wider.
 *
 * Usage: bench_sgemm_peak [--width W] [--batch B] [--square N]
 *                         [--seconds S] [--threads T] [--json]
 * Prints one line per shape, or one JSON object with --json.  Exits 0, or 1
 * with a message on stderr on bad arguments, allocation or oneDNN failure.
 */
#include <errno.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>
#include <oneapi/dnnl/dnnl.h>
#include <wattnet/wattnet.h>

#include "core/rng.h"

/* ---- options ------------------------------------------------------------ */
struct opts {
    long width, batch, square, threads;
    double seconds;
    int json;
};

static int parse_long(const char *s, long lo, long hi, long *out)
{
    char *end = NULL;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || v < lo || v > hi)
        return -1;
    *out = v;
    return 0;
}

static int parse_opts(int argc, char **argv, struct opts *o)
{
    o->width = 1416;      /* rectangle, depth 4, 2^22 params, connect_4 */
    o->batch = 256;
    o->square = 2048;
    o->threads = 1;
    o->seconds = 0.5;
    o->json = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        long *dst = NULL;
        long lo = 1, hi = 65536;
        if (strcmp(a, "--json") == 0) {
            o->json = 1;
            continue;
        }
        if (strcmp(a, "--help") == 0) {
            printf("usage: bench_sgemm_peak [--width W] [--batch B] "
                   "[--square N] [--seconds S] [--threads T] [--json]\n");
            exit(0);
        }
        if (v == NULL) {
            fprintf(stderr, "sgemm_peak: %s: missing value\n", a);
            return -1;
        }
        if (strcmp(a, "--width") == 0)
            dst = &o->width;
        else if (strcmp(a, "--batch") == 0)
            dst = &o->batch;
        else if (strcmp(a, "--square") == 0)
            dst = &o->square;
        else if (strcmp(a, "--threads") == 0) {
            dst = &o->threads;
            hi = 1024;
        } else if (strcmp(a, "--seconds") == 0) {
            char *end = NULL;
            o->seconds = strtod(v, &end);
            if (end == v || *end != '\0' || !(o->seconds > 0.0) ||
                o->seconds > 60.0) {
                fprintf(stderr, "sgemm_peak: --seconds: bad value '%s'\n", v);
                return -1;
            }
            i++;
            continue;
        } else {
            fprintf(stderr, "sgemm_peak: unknown option '%s'\n", a);
            return -1;
        }
        if (parse_long(v, lo, hi, dst) != 0) {
            fprintf(stderr, "sgemm_peak: %s: bad value '%s'\n", a, v);
            return -1;
        }
        i++;
    }
    return 0;
}

/* ---- timing ------------------------------------------------------------- */
static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

struct shape {
    const char *name;
    char ta, tb;
    long m, n, k;
    double gflops;        /* best round */
};

/* Time C[m,n] = op(A) . op(B), row-major, best of 3 rounds.  0 or -1. */
static int time_shape(struct shape *s, const float *a, const float *b,
                      float *c, double seconds)
{
    long lda = s->ta == 'T' ? s->m : s->k;
    long ldb = s->tb == 'T' ? s->k : s->n;
    double flop = 2.0 * (double)s->m * (double)s->n * (double)s->k;
    if (dnnl_sgemm(s->ta, s->tb, s->m, s->n, s->k, 1.0f, a, lda, b, ldb,
                   0.0f, c, s->n) != dnnl_success)
        return -1;
    s->gflops = 0.0;
    for (int round = 0; round < 3; round++) {
        long reps = 0;
        double t0 = now_s(), dt;
        do {
            if (dnnl_sgemm(s->ta, s->tb, s->m, s->n, s->k, 1.0f, a, lda, b,
                           ldb, 0.0f, c, s->n) != dnnl_success)
                return -1;
            reps++;
            dt = now_s() - t0;
        } while (dt < seconds / 3.0);
        double g = flop * (double)reps / dt / 1e9;
        if (g > s->gflops)
            s->gflops = g;
    }
    return 0;
}

/* ---- main --------------------------------------------------------------- */
int main(int argc, char **argv)
{
    struct opts o;
    int rc = 1;
    float *a = NULL, *b = NULL, *c = NULL;
    cJSON *root = NULL;
    char *text = NULL;

    if (parse_opts(argc, argv, &o) != 0)
        return 1;
    omp_set_num_threads((int)o.threads);

    struct shape shapes[] = {
        {"forward", 'N', 'N', o.batch, o.width, o.width, 0.0},
        {"backward_data", 'N', 'T', o.batch, o.width, o.width, 0.0},
        {"backward_weights", 'T', 'N', o.width, o.width, o.batch, 0.0},
        {"square", 'N', 'N', o.square, o.square, o.square, 0.0},
    };
    size_t nshapes = sizeof shapes / sizeof shapes[0];

    /* One buffer size fits every operand of every shape. */
    size_t big = (size_t)(o.square > o.width ? o.square : o.width);
    size_t other = (size_t)(o.batch > o.width ? o.batch : o.width);
    if (other > big)
        big = other;
    size_t n = big * big;
    a = wn_malloc_aligned(n * sizeof *a);
    b = wn_malloc_aligned(n * sizeof *b);
    c = wn_malloc_aligned(n * sizeof *c);
    if (a == NULL || b == NULL || c == NULL) {
        fprintf(stderr, "sgemm_peak: out of memory (%zu floats x 3)\n", n);
        goto out;
    }
    wn_rng rng;
    wn__rng_seed(&rng, 1);
    for (size_t i = 0; i < n; i++) {
        a[i] = (float)(wn__rng_uniform(&rng) - 0.5);
        b[i] = (float)(wn__rng_uniform(&rng) - 0.5);
        c[i] = 0.0f;
    }

    double peak = 0.0;
    for (size_t i = 0; i < nshapes; i++) {
        if (time_shape(&shapes[i], a, b, c, o.seconds) != 0) {
            fprintf(stderr, "sgemm_peak: dnnl_sgemm failed (%s)\n",
                    shapes[i].name);
            goto out;
        }
        if (shapes[i].gflops > peak)
            peak = shapes[i].gflops;
    }

    const dnnl_version_t *ver = dnnl_version();
    if (!o.json) {
        printf("oneDNN %d.%d.%d sgemm, %ld thread(s)\n", ver->major,
               ver->minor, ver->patch, o.threads);
        for (size_t i = 0; i < nshapes; i++)
            printf("  %-17s M=%-5ld N=%-5ld K=%-5ld %c%c  %8.1f GFLOP/s\n",
                   shapes[i].name, shapes[i].m, shapes[i].n, shapes[i].k,
                   shapes[i].ta, shapes[i].tb, shapes[i].gflops);
        printf("  peak %.1f GFLOP/s\n", peak);
        rc = 0;
        goto out;
    }
    root = cJSON_CreateObject();
    cJSON *arr = root ? cJSON_AddArrayToObject(root, "shapes") : NULL;
    if (arr == NULL)
        goto oom;
    char vbuf[32];
    snprintf(vbuf, sizeof vbuf, "%d.%d.%d", ver->major, ver->minor,
             ver->patch);
    if (!cJSON_AddStringToObject(root, "onednn", vbuf) ||
        !cJSON_AddNumberToObject(root, "threads", (double)o.threads) ||
        !cJSON_AddNumberToObject(root, "width", (double)o.width) ||
        !cJSON_AddNumberToObject(root, "batch", (double)o.batch) ||
        !cJSON_AddNumberToObject(root, "peak_gflops", peak))
        goto oom;
    for (size_t i = 0; i < nshapes; i++) {
        cJSON *s = cJSON_CreateObject();
        if (s == NULL)
            goto oom;
        cJSON_AddItemToArray(arr, s);
        char tr[3] = {shapes[i].ta, shapes[i].tb, '\0'};
        if (!cJSON_AddStringToObject(s, "name", shapes[i].name) ||
            !cJSON_AddStringToObject(s, "trans", tr) ||
            !cJSON_AddNumberToObject(s, "m", (double)shapes[i].m) ||
            !cJSON_AddNumberToObject(s, "n", (double)shapes[i].n) ||
            !cJSON_AddNumberToObject(s, "k", (double)shapes[i].k) ||
            !cJSON_AddNumberToObject(s, "gflops", shapes[i].gflops))
            goto oom;
    }
    text = cJSON_PrintUnformatted(root);
    if (text == NULL)
        goto oom;
    printf("%s\n", text);
    rc = 0;
    goto out;
oom:
    fprintf(stderr, "sgemm_peak: out of memory (JSON)\n");
out:
    free(text);
    cJSON_Delete(root);
    wn_free_aligned(a);
    wn_free_aligned(b);
    wn_free_aligned(c);
    return rc;
}
