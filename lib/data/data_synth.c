/*
 * data_synth.c - synthetic stand-ins for the study datasets, used when the
 * real file is not on this machine (or on request, "synthetic:NAME").
 *
 * A stand-in has the study dataset's rows, inputs, outputs and task.  The
 * inputs are uniform in [0, 1]; the labels come from a fixed random
 * "teacher" MLP (inputs -> 32 tanh units -> outputs; each hidden unit reads
 * at most 64 distinct random inputs) seeded by the name and the caller's
 * seed, so a trained network can beat chance clearly:
 *   multiclass  argmax of the teacher's outputs, each standardised over
 *               the rows first (so that the classes are about balanced);
 *   binary      1 when the teacher's output is above its median;
 *   regression  the teacher's output min-max scaled to [0, 1].
 * Workload: mnist is 70000 x 784 and sleep 105908 x 141.  The sparse first
 * layer keeps the teacher at rows x 32 x 64 multiply-adds whatever the
 * width, so the cost is mostly drawing the inputs (55M floats for mnist).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <wattnet/core.h>
#include <wattnet/data.h>

#include "core/rng.h"
#include "data/data_internal.h"

#define TEACHER_HIDDEN 32
#define TEACHER_FAN_IN 64   /* inputs each hidden unit reads, at most */
#define TEACHER_GAIN 5.0    /* pre-activation std about 1.4 for U(0,1) x */

static uint64_t hash_name(const char *s)
{
    uint64_t h = 1469598103934665603ULL;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

static int cmp_float(const void *a, const void *b)
{
    float fa = *(const float *)a, fb = *(const float *)b;
    return (fa > fb) - (fa < fb);
}

/* Two uniform floats in [0, 1) from one 64-bit draw (24 bits each). */
static void fill_uniform(wn_rng *rng, float *x, size_t n)
{
    size_t i = 0;
    for (; i + 1 < n; i += 2) {
        uint64_t b = wn__rng_next(rng);
        x[i] = (float)(b >> 40) * 0x1.0p-24f;
        x[i + 1] = (float)((b >> 16) & 0xffffff) * 0x1.0p-24f;
    }
    if (i < n)
        x[i] = (float)(wn__rng_next(rng) >> 40) * 0x1.0p-24f;
}

/* Turn the teacher's outputs o (rows, k) into the task's targets y. */
static int label_rows(const wn_study_dataset *sd, const float *o, float *y)
{
    size_t rows = sd->rows, k = sd->outputs;

    if (sd->task == WN_TASK_MULTICLASS) {
        double mean[64] = {0}, sd2[64] = {0};
        if (k > 64)
            return wn_seterr(WN_EUNSUPPORTED, "synthetic:%s: %zu classes",
                             sd->name, k);
        for (size_t r = 0; r < rows; r++)
            for (size_t j = 0; j < k; j++)
                mean[j] += o[r * k + j];
        for (size_t j = 0; j < k; j++)
            mean[j] /= (double)rows;
        for (size_t r = 0; r < rows; r++)
            for (size_t j = 0; j < k; j++) {
                double dv = o[r * k + j] - mean[j];
                sd2[j] += dv * dv;
            }
        for (size_t j = 0; j < k; j++)
            sd2[j] = sqrt(sd2[j] / (double)rows) + 1e-12;
        for (size_t r = 0; r < rows; r++) {
            size_t best = 0;
            double bv = -HUGE_VAL;
            for (size_t j = 0; j < k; j++) {
                double z = (o[r * k + j] - mean[j]) / sd2[j];
                if (z > bv) {
                    bv = z;
                    best = j;
                }
            }
            for (size_t j = 0; j < k; j++)
                y[r * k + j] = j == best ? 1.0f : 0.0f;
        }
        return WN_OK;
    }
    if (sd->task == WN_TASK_BINARY) {
        float *sorted = wn_malloc(rows * sizeof(float));
        if (!sorted)
            return wn_seterr(WN_ENOMEM, "synthetic:%s: out of memory",
                             sd->name);
        memcpy(sorted, o, rows * sizeof(float));
        qsort(sorted, rows, sizeof(float), cmp_float);
        float median = sorted[rows / 2];
        wn_free(sorted);
        for (size_t r = 0; r < rows; r++)
            y[r] = o[r] >= median ? 1.0f : 0.0f;
        return WN_OK;
    }
    float lo = o[0], hi = o[0];
    for (size_t r = 1; r < rows; r++) {
        lo = o[r] < lo ? o[r] : lo;
        hi = o[r] > hi ? o[r] : hi;
    }
    for (size_t r = 0; r < rows; r++)
        y[r] = hi > lo ? (o[r] - lo) / (hi - lo) : 0.5f;
    return WN_OK;
}

/* For each of the H hidden units, FAN distinct inputs of IN: a partial
 * Fisher-Yates shuffle of PERM (scratch, IN entries) into PICK (H, fan). */
static void draw_picks(wn_rng *rng, size_t *pick, size_t *perm, size_t in,
                       size_t fan, size_t H)
{
    for (size_t j = 0; j < H; j++) {
        for (size_t i = 0; i < in; i++)
            perm[i] = i;
        for (size_t t = 0; t < fan; t++) {
            size_t u = t + (size_t)wn__rng_below(rng, in - t);
            size_t swap = perm[t];
            perm[t] = perm[u];
            perm[u] = swap;
            pick[j * fan + t] = perm[t];
        }
    }
}

/* The teacher network: TEACHER_HIDDEN tanh units, k linear outputs. */
struct teacher {
    const size_t *pick;       /* (H, fan) */
    const float *w1;          /* (H, fan) */
    const float *b1;          /* (H) */
    const float *w2;          /* (H, k) */
    const float *b2;          /* (k) */
    size_t fan, k;
};

/* h_j = tanh(b1_j + sum_t w1[j,t] (x[pick[j,t]] - 0.5)), o = h W2 + b2 */
static void teacher_forward(const struct teacher *te, const float *xr, float *o)
{
    float h[TEACHER_HIDDEN];
    size_t H = TEACHER_HIDDEN, fan = te->fan, k = te->k;
    for (size_t j = 0; j < H; j++) {
        const size_t *pj = te->pick + j * fan;
        const float *wj = te->w1 + j * fan;
        float acc = te->b1[j];
        for (size_t t = 0; t < fan; t++)
            acc += wj[t] * (xr[pj[t]] - 0.5f);
        h[j] = tanhf(acc);
    }
    for (size_t c = 0; c < k; c++) {
        float acc = te->b2[c];
        for (size_t j = 0; j < H; j++)
            acc += h[j] * te->w2[j * k + c];
        o[c] = acc;
    }
}

int wn__data_synthetic(const wn_study_dataset *sd, uint64_t seed,
                       wn_dataset **out)
{
    int rc;
    wn_dataset *d = NULL;
    size_t *pick = NULL;   /* (H, fan): the inputs each hidden unit reads */
    size_t *perm = NULL;   /* (inputs): scratch for drawing them */
    float *w1 = NULL;      /* (H, fan) */
    float *o = NULL;       /* (rows, outputs): the teacher's outputs */
    float b1[TEACHER_HIDDEN], w2[TEACHER_HIDDEN * 64], b2[64];
    wn_rng rng;
    size_t in, k, fan, H = TEACHER_HIDDEN;

    *out = NULL;
    in = sd->inputs;
    k = sd->outputs;
    fan = in < TEACHER_FAN_IN ? in : TEACHER_FAN_IN;
    if (k > 64 || in == 0) {
        rc = wn_seterr(WN_EUNSUPPORTED, "synthetic:%s: %zu inputs, %zu "
                       "outputs", sd->name, in, k);
        goto out;
    }
    rc = wn__dataset_alloc(sd->name, sd->task, WN_SOURCE_SYNTHETIC, sd->rows,
                           in, k, &d);
    if (rc)
        goto out;
    pick = wn_malloc(H * fan * sizeof(size_t));
    perm = wn_malloc(in * sizeof(size_t));
    w1 = wn_malloc(H * fan * sizeof(float));
    o = wn_malloc(sd->rows * k * sizeof(float));
    if (!pick || !perm || !w1 || !o) {
        rc = wn_seterr(WN_ENOMEM, "synthetic:%s: out of memory", sd->name);
        goto out;
    }

    /* the teacher, then the inputs, all from one seeded stream */
    wn__rng_seed(&rng, hash_name(sd->name) ^ (seed * 0x9e3779b97f4a7c15ULL));
    draw_picks(&rng, pick, perm, in, fan, H);
    double scale = TEACHER_GAIN / sqrt((double)fan);
    for (size_t i = 0; i < H * fan; i++)
        w1[i] = (float)(wn__rng_normal(&rng) * scale);
    for (size_t j = 0; j < H; j++)
        b1[j] = (float)(wn__rng_normal(&rng) * 0.5);
    for (size_t i = 0; i < H * k; i++)
        w2[i] = (float)(wn__rng_normal(&rng) / sqrt((double)H));
    for (size_t j = 0; j < k; j++)
        b2[j] = 0.0f;
    fill_uniform(&rng, d->x, sd->rows * in);
    struct teacher te = { pick, w1, b1, w2, b2, fan, k };
    for (size_t r = 0; r < sd->rows; r++)
        teacher_forward(&te, d->x + r * in, o + r * k);
    rc = label_rows(sd, o, d->y);
    if (rc)
        goto out;
    *out = d;
    d = NULL;
out:
    wn_free(pick);
    wn_free(perm);
    wn_free(w1);
    wn_free(o);
    wn_dataset_free(&d);
    return rc;
}
