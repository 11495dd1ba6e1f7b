/*
 * train.h - training BUTTER's MLPs on a dataset with oneDNN, and the work
 * (FLOPs) a training run costs.
 *
 * wn_train() builds the network of cfg (shape, depth, size) for the dataset,
 * splits it 80/20 with cfg->seed, trains for cfg->epochs with Adam (SPEC
 * section 4) and fills a summary.  Hooks are called around every epoch, so
 * a caller can open meter windows or print progress; the hooks are outside
 * the timed region of the epoch only in the sense that their own cost is
 * excluded from `seconds` of wn_epoch_stats.
 */
#ifndef WATTNET_TRAIN_H
#define WATTNET_TRAIN_H

#include <stddef.h>
#include <stdint.h>
#include <wattnet/core.h>
#include <wattnet/data.h>
#include <wattnet/shape.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The configuration of one training run; wn_run_spec (run.h) nests it
 * beside the dataset, so a run's spec and the trainer share one struct. */
#define WN_SHAPE_NAME_MAX 32

typedef struct wn_train_config {
    char shape[WN_SHAPE_NAME_MAX];  /* e.g. "rectangle" */
    size_t depth;             /* dense layers, output layer included */
    uint64_t size;            /* target parameter count */
    size_t epochs;            /* default 10 */
    size_t batch;             /* default 256 */
    double learning_rate;     /* default 1e-4 */
    uint64_t seed;            /* split, init and shuffles; default 1 */
    int threads;              /* 0: all cores */
    double train_fraction;    /* default 0.8 (SPEC's 80/20 split); not
                                 stored with a run: 0 in a loaded record */
    char device[16];          /* "" or "cpu" (default), "cuda", "cuda:N" */
    double min_seconds;       /* 0 (default): exactly `epochs`; else keep
                                 training whole epochs past `epochs` until
                                 this many wall seconds have passed since
                                 the first epoch began (0..604800) */
} wn_train_config;

/* Fill *c with the defaults above (shape "rectangle", depth 3, size 1024). */
void wn_train_config_default(wn_train_config *c);

typedef struct wn_epoch_stats {
    size_t epoch;             /* 1-based */
    double train_loss;        /* mean over the epoch's training batches */
    double test_loss;
    int has_accuracy;         /* 0 for regression */
    double test_accuracy;     /* fraction in [0,1] when has_accuracy */
    double test_mse;          /* regression only (else 0) */
    double test_mae;          /* regression only (else 0) */
    double seconds;           /* wall time of the epoch: train + test */
    /* Contention evidence over the same interval (issue 10); judged by
     * wn_epoch_contention below.  0/unknown on a GPU and in runs stored
     * before these were measured. */
    int has_cpu;              /* cpu_seconds and invol_switches measured */
    double cpu_seconds;       /* the process's user + sys CPU time, every
                                 thread (getrusage RUSAGE_SELF) */
    int64_t invol_switches;   /* its involuntary context switches */
    int has_steal;            /* steal_fraction measured (the host's CPU
                                 time over the epoch was long enough) */
    double steal_fraction;    /* host steal / host CPU time, 0..1
                                 (/proc/stat, all CPUs) */
} wn_epoch_stats;

/* ---- Contention (docs/training.md, "Contended epochs") ----------------- */
/* Reasons an epoch is contended (bits of wn_epoch_contention). */
#define WN_CONTENDED_CPU 1u       /* CPU/wall below the floor: descheduled */
#define WN_CONTENDED_STEAL 2u     /* the hypervisor took the host's CPUs */
#define WN_CONTENDED_SWITCHES 4u  /* preempted often: others ran on its cores */
#define WN_CONTENDED_UNKNOWN 8u   /* nothing measured (old run, GPU): the
                                     epoch counts as not contended */
/* The thresholds, once. */
#define WN_CONTENTION_CPU_FRACTION 0.75   /* of one CPU (see epoch_quality.c) */
#define WN_CONTENTION_STEAL 0.05          /* steal fraction */
#define WN_CONTENTION_SWITCHES_PER_S 100.0 /* per thread per second */
#define WN_CONTENTION_MIN_SWITCHES 5      /* fewer never count */

/* The reasons (WN_CONTENDED_* bits) epoch s, run with THREADS threads, was
 * contended; 0 when clean, WN_CONTENDED_UNKNOWN alone when s carries no
 * evidence.  The one rule: the trainer, the store's count, the time target
 * and the report all ask it. */
unsigned wn_epoch_contention(const wn_epoch_stats *s, int threads);
/* 1 when wn_epoch_contention names a reason other than UNKNOWN. */
int wn_epoch_contended(const wn_epoch_stats *s, int threads);
/* "cpu", "steal", "switches" joined by '+' into buf ("none" for 0,
 * "unknown" for UNKNOWN alone); returns buf. */
const char *wn_contention_reasons(unsigned reasons, char *buf, size_t n);

/* Return non-zero from a hook to stop training; wn_train then returns that
 * status. */
typedef struct wn_train_hooks {
    int (*epoch_begin)(void *user, size_t epoch);
    int (*epoch_end)(void *user, const wn_epoch_stats *s);
    void *user;
} wn_train_hooks;

typedef struct wn_train_summary {
    size_t depth;
    size_t widths[WN_MAX_DEPTH];
    uint64_t params;
    size_t epochs;
    size_t train_rows, test_rows, batches_per_epoch;
    size_t batch;             /* the batch actually used: the requested one,
                                 clamped to the training rows */
    int threads;              /* threads actually used */
    double seconds_total;
    double seconds_per_epoch_median;
    double train_loss;        /* last epoch */
    double test_loss;         /* last epoch */
    int has_accuracy;
    double test_accuracy;
    double test_mse, test_mae;
    double flops_per_epoch;   /* SPEC section 5 */
    char device[16];          /* "cpu" or "cuda:N" */
    char device_name[96];     /* the GPU's name; "" on the CPU */
    char device_driver[32];   /* CUDA driver version; "" on the CPU */
    int has_contention;       /* epochs_contended is known (CPU runs) */
    size_t epochs_contended;  /* epochs wn_epoch_contended judged contended */
    size_t epochs_requested;  /* cfg->epochs; `epochs` above is what ran */
    int extended;             /* 1: ran past epochs_requested to reach
                                 cfg->min_seconds */
} wn_train_summary;

/* Train.  hooks may be NULL.  Returns WN_OK and fills *out; on failure a
 * status with wn_errmsg().  Same seed and thread count give the same
 * result. */
int wn_train(const wn_dataset *d, const wn_train_config *cfg,
             const wn_train_hooks *hooks, wn_train_summary *out);

/* Non-zero when s names a device wn_train accepts: NULL, "cpu", "cuda",
 * "cuda:N" (N 0..255); whether this build and machine have it is only
 * known when training starts. */
int wn_train_device_valid(const char *s);

/* ---- Work (SPEC section 5), float32, batch B -------------------------- */
/* Forward FLOPs of one batch of B rows. */
double wn_flops_forward(size_t batch, size_t inputs, const size_t *widths,
                        size_t depth);
/* Backward FLOPs of one batch of B rows, optimizer term included. */
double wn_flops_backward(size_t batch, size_t inputs, const size_t *widths,
                         size_t depth);
/* FLOPs of one epoch: ceil(train/B) * (fwd + bwd) + ceil(test/B) * fwd. */
double wn_flops_epoch(size_t batch, size_t inputs, const size_t *widths,
                      size_t depth, size_t train_rows, size_t test_rows);

#ifdef __cplusplus
}
#endif
#endif /* WATTNET_TRAIN_H */
