/*
 * model.h - predicting the energy (or, where nothing was metered, the time)
 * of training an MLP from its work and working sets on a given machine.
 *
 * Pieces, in the order they are used:
 *   - wn_hw_profile: cache levels (size, sharing, instances), cores and
 *     memory of a machine, from wn_host_detect or a JSON file, so that a
 *     user can predict for another machine (docs/model.md gives the format).
 *   - wn_features: per training datum FLOPs, working sets, the study's
 *     greedy per-level placement and wattnet's own traffic placement.
 *   - wn_model: four fitted models ("flops", "params", "butter-e",
 *     "wattnet"), each with non-negative coefficients and units, and its
 *     grouped cross-validation figures.  The target is joules per training
 *     datum when runs carry a real measurement, else seconds per training
 *     datum: wn_model.target says which, and every output repeats it.
 *
 * All structs here are plain values: nothing to free.
 */
#ifndef WATTNET_MODEL_H
#define WATTNET_MODEL_H

#include <stddef.h>
#include <stdint.h>
#include <wattnet/core.h>
#include <wattnet/gpu.h>
#include <wattnet/host.h>

#include <wattnet/run.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Hardware profile ------------------------------------------------- */

#define WN_HW_MAX_LEVELS 4          /* cache levels (GPU: L1/SM, L2) */
#define WN_FEAT_LEVELS (WN_HW_MAX_LEVELS + 1)   /* caches + memory */

typedef struct wn_hw_level {
    char name[16];            /* "L1", "L2", "L3" */
    uint64_t size_bytes;      /* one instance */
    int shared_by_cores;      /* cores (GPU: SMs) sharing one instance */
    int instances;
} wn_hw_level;

typedef struct wn_hw_profile {
    char name[96];            /* e.g. "xeon-gold-6154x2" or the hostname */
    char kind[8];             /* "cpu" | "gpu" */
    int cores;                /* cores (GPU: SMs) */
    int n_levels;             /* cache levels in levels[] */
    wn_hw_level levels[WN_HW_MAX_LEVELS];
    char memory_name[8];      /* "RAM" | "HBM" */
    uint64_t memory_bytes;
} wn_hw_profile;

/* This machine's profile from a detected host (always succeeds). */
void wn_hw_profile_from_host(const wn_host *h, wn_hw_profile *out);

/* Read a profile from a JSON file / string (origin names it in messages).
 * WN_ENOENT / WN_EIO for the file, WN_EFORMAT naming the bad field. */
int wn_hw_profile_load(const char *path, wn_hw_profile *out);
int wn_hw_profile_parse(const char *json, const char *origin,
                        wn_hw_profile *out);

/* A hardware profile of a CUDA device (gpu.h): kind "gpu", cores = SMs, L1 = the
 * shared memory per SM (one per SM), L2 (one, shared by all SMs), HBM. */
void wn_gpu_hw_profile(const wn_gpu_props *g, wn_hw_profile *out);

/* The profile as a JSON string (wn_free it), or NULL when out of memory. */
char *wn_hw_profile_to_json(const wn_hw_profile *p);
/* That JSON and a newline to PATH, whole or not at all (wn_write_file):
 * what wn_hw_profile_load reads.  WN_ENOMEM, or wn_write_file's error. */
int wn_hw_profile_save(const wn_hw_profile *p, const char *path);

/* The profile to fit or draw runs against, from plain values: the file
 * PATH when not NULL; else hosts[0] when the runs were recorded on exactly
 * one host (n_hosts == 1); else this machine (wn_host_detect).  hosts may
 * be NULL when n_hosts != 1 (n_hosts > 1: the runs come from several
 * hosts).  *host_out (may be NULL) gets the host used (this machine for a
 * file).  NOTE gets one line saying which was chosen and why.  WN_OK;
 * the file's or wn_host_detect's error.  The step that reads the hosts
 * from a store is wn_hw_profile_for_runs (wattnet/analysis.h). */
int wn_hw_profile_choose(const char *path, const wn_host *hosts,
                         size_t n_hosts, wn_hw_profile *out,
                         wn_host *host_out, char *note, size_t note_n);

/* Bytes of cache level i (0 = L1) that a run on `threads` threads can use:
 * size x the instances its threads touch (threads <= 0 counts as 1). */
double wn_hw_capacity(const wn_hw_profile *p, int level, int threads);

/* ---- Features ---------------------------------------------------------- */

/* What a network and its training look like, for the features. */
typedef struct wn_net_desc {
    size_t inputs, outputs;
    size_t depth;                 /* dense layers, output included */
    const size_t *widths;         /* depth entries */
    size_t batch;
    size_t train_rows, test_rows;
    int threads;
} wn_net_desc;

typedef struct wn_features {
    uint64_t params;
    size_t depth, batch;
    int threads;
    double batches_per_epoch;
    /* FLOPs per training datum (SPEC section 5 divided by batches x B).
     * flops_bwd excludes the optimizer term params x (1 + B), which is
     * flops_opt; flops_per_datum is the epoch total (test pass included). */
    double flops_fwd, flops_bwd, flops_opt, flops_per_datum;
    /* Working sets, bytes. */
    double ws_activations;        /* sum over layers 4 B (fan_in + width) */
    double ws_params;             /* 4 params */
    double ws_backward;           /* study: 8 params + 4 B sum(widths) */
    double ws_optimizer;          /* gradients + Adam m, v: 12 params */
    double ws_dataset;            /* rows (inputs + outputs) 4 */
    double ws_step;               /* wattnet's per-step set: activations,
                                     params, gradients, Adam state */
    int n_levels;                 /* cache levels + 1 (memory last) */
    /* The study's greedy placement of (activations, forward params,
     * backward set, dataset) into L1 -> L2 -> L3 -> memory, bytes. */
    double greedy_bytes[WN_FEAT_LEVELS];
    /* wattnet: share of the per-step working set served by each level
     * (min(1, C_l / W) - min(1, C_{l-1} / W)), summing to 1 ... */
    double level_share[WN_FEAT_LEVELS];
    /* ... and the bytes per training datum streamed from each level:
     * traffic_per_datum x level_share, where traffic_per_datum =
     * 12 sum(fan_in + width) (activations and their gradients, written and
     * read) + 40 params / B (weights read 3 times, Adam reads p, g, m, v and
     * writes p, m, v once per step). */
    double traffic_per_datum;
    double traffic_bytes[WN_FEAT_LEVELS];
    /* FLOPs per training datum by the level holding each layer's own set
     * (its weights, gradients, Adam state and activations): a layer's GEMM
     * runs at the speed of the level its operands live in. */
    double flops_by_level[WN_FEAT_LEVELS];
} wn_features;

/* Compute the features of a network on a profile.  WN_EINVAL for a zero
 * batch, depth or width, or a NULL argument. */
int wn_features_compute(const wn_net_desc *net, const wn_hw_profile *hw,
                        wn_features *out);

/* The features of a stored run (widths, rows, batch and threads from its
 * summary and spec). */
int wn_features_of_run(const wn_run_record *run, const wn_hw_profile *hw,
                       wn_features *out);

/* ---- Models ------------------------------------------------------------ */

typedef enum wn_model_kind {
    WN_MODEL_FLOPS = 0,       /* a x FLOPs per datum */
    WN_MODEL_PARAMS,          /* a x params */
    WN_MODEL_BUTTER_E,        /* c0 + sum_l c_l x greedy bytes at level l / B */
    WN_MODEL_WATTNET,         /* FLOPs by level share, traffic by level,
                                 per batch, per layer per batch, optimizer */
    WN_MODEL_COUNT
} wn_model_kind;

const char *wn_model_kind_name(int kind);   /* "flops", ..., "wattnet" */

typedef enum wn_cv_grouping {
    WN_CV_SIZE = 0,           /* hold out whole sizes */
    WN_CV_SHAPE,              /* whole shapes */
    WN_CV_DATASET,            /* whole datasets */
    WN_CV_COMBINED,           /* the three pooled */
    WN_CV_COUNT
} wn_cv_grouping;

const char *wn_cv_grouping_name(int g);     /* "size", ..., "combined" */

#define WN_MODEL_MAX_COEFS 16

typedef struct wn_coef {
    char name[40];
    double value;             /* >= 0 */
    char unit[40];            /* e.g. "J/FLOP", "s/byte from L2" */
} wn_coef;

/* Figures of held-out predictions (log ratio = log(predicted/measured)). */
typedef struct wn_cv_stats {
    size_t n;                 /* held-out predictions; 0: not available */
    size_t n_folds;
    double r2;                /* of log(pred) against log(measured) */
    double r2_linear;         /* of pred against measured */
    double mape;              /* mean |pred - meas| / meas */
    double median_log_ratio;
    double std_log_ratio;
    double robust_std_log_ratio;  /* (q75 - q25) / 1.349: the spread without
                                     the few runs a busy machine slowed */
    double q10_log_ratio, q90_log_ratio;
    size_t n_groups;          /* distinct groups (sizes, shapes, datasets)
                                 found; with n 0 it tells why: < 2 groups,
                                 or folds too small for the coefficients */
} wn_cv_stats;

typedef struct wn_model_fit {
    char name[16];
    size_t n_coefs;
    wn_coef coefs[WN_MODEL_MAX_COEFS];
    wn_cv_stats cv[WN_CV_COUNT];
    wn_cv_stats in_sample;
} wn_model_fit;

#define WN_TARGET_ENERGY "joules_per_datum"
#define WN_TARGET_TIME "seconds_per_datum"

typedef struct wn_model {
    char target[24];          /* WN_TARGET_ENERGY or WN_TARGET_TIME */
    char target_note[160];    /* why this target (e.g. "no run measured") */
    wn_hw_profile hw;         /* profile the features were computed on */
    size_t n_runs;            /* runs fitted */
    size_t n_measured, n_estimated, n_time_only;
    size_t n_simulated;           /* of n_measured: the simulated source */
    size_t n_noisy;           /* runs left out by max_epoch_spread */
    double max_epoch_spread;  /* the cleaning rule used; 0: none */
    /* Contention (time target only; wn_run_contention_count): */
    size_t n_contended_left_out;  /* runs with no clean epoch, left out */
    size_t n_contended_kept;      /* runs with no clean epoch, kept (too few
                                     clean runs to leave them out) */
    size_t n_partly_contended;    /* runs whose time target came from their
                                     clean epochs only */
    size_t n_models;
    wn_model_fit models[WN_MODEL_COUNT];
} wn_model;

/* Called for every cross-validation fold with the run indices trained on
 * and held out (for tests and diagnostics). */
typedef void (*wn_fold_fn)(void *user, int grouping, size_t fold,
                           const size_t *train, size_t n_train,
                           const size_t *test, size_t n_test);

typedef struct wn_fit_opts {
    size_t min_runs;          /* fewer usable runs: WN_ENODATA; default 8 */
    size_t max_folds;         /* groups are bucketed into at most this many
                                 folds per grouping; default 10 */
    const char *force_target; /* NULL: automatic; else one of the targets */
    /* Time target only: leave out runs whose two fastest epochs differ by
     * more than this factor (a busy machine slowed them); 0: keep all.
     * The count is reported as wn_model.n_noisy. */
    double max_epoch_spread;
    /* Time target only: keep runs with no clean epoch even when at least
     * min_runs clean ones remain (default 0: leave them out, counted as
     * wn_model.n_contended_left_out). */
    int keep_contended;
    wn_fold_fn fold;          /* may be NULL */
    void *fold_user;
} wn_fit_opts;

void wn_fit_opts_default(wn_fit_opts *o);

/* The ratio of a run's second-fastest to fastest epoch time (1 when it
 * has fewer than two timed epochs). */
double wn_run_epoch_spread(const wn_run_record *r);

/* A run's epochs as wn_epoch_contention (train.h) judges them with the
 * run's thread count: clean, contended, or unknown (no evidence: stored
 * before it was measured, or a GPU run). */
typedef struct wn_run_contention {
    size_t clean, contended, unknown;
} wn_run_contention;

void wn_run_contention_count(const wn_run_record *r, wn_run_contention *out);

/* 1 when some of the run's epochs were judged and none was clean (every
 * judged epoch contended; unknown epochs count as clean).  Such a run's
 * time target falls back to its fastest epoch, and it is flagged.  Without
 * epoch records it asks the summary's count (has_contention). */
int wn_run_no_clean_epoch(const wn_run_record *r);

/* The epoch time the time target uses: the fastest epoch not contended
 * (unknown counts as clean); with no clean epoch, the fastest of all.
 * Returns 1 and sets *seconds (and *all_contended when not NULL), else 0
 * (no timed epoch). */
int wn_run_clean_epoch_seconds(const wn_run_record *r, double *seconds,
                               int *all_contended);

/* Contention over a set of runs, for `status` and the report. */
typedef struct wn_runs_contention {
    size_t runs_judged;       /* runs with at least one judged epoch */
    size_t runs_contended;    /* of those, runs with a contended epoch */
    size_t runs_no_clean;     /* of those, runs with no clean epoch */
    size_t epochs_judged, epochs_contended;
} wn_runs_contention;

void wn_runs_count_contention(const wn_run_record *runs, size_t n,
                              wn_runs_contention *out);

/* A run's energy is a real, unflagged measurement: asks wn_energy_usable
 * (lib/energy), the one rule; kept here as the run-record form. */
int wn_run_energy_usable(const wn_run_record *r);

/* How many of runs[0..n) have measured energy, an estimate (never counted
 * as measured), or only time; and how many of the measured ones came from
 * the simulated source (wn_energy_is_simulated).  Fit, report and CLI
 * count with this. */
typedef struct wn_run_energy_counts {
    size_t measured, estimated, time_only;
    size_t simulated;             /* of `measured` */
} wn_run_energy_counts;

void wn_runs_count_energy(const wn_run_record *runs, size_t n,
                          wn_run_energy_counts *out);

/* The target runs with counts C are fitted (and reported) in:
 * WN_TARGET_ENERGY when at least min_runs (and one) carry measured energy,
 * else WN_TARGET_TIME.  NOTE (may be NULL) gets the reason in one line.
 * The fit and the report both decide with this. */
const char *wn_model_choose_target(const wn_run_energy_counts *c,
                                   size_t min_runs, char *note,
                                   size_t note_n);

/* A run's usable target: energy when it has a real, unflagged measurement
 * (an estimate is NOT one), else time.  Returns 1 and sets *y when the run
 * has the requested target, else 0.
 *   joules_per_datum: the run's joules_per_datum (energy_j / data trained);
 *   seconds_per_datum: wn_run_clean_epoch_seconds / (batches x B): the
 *     fastest clean epoch - contention on a shared host only adds time -
 *     or, without per-epoch records, the median epoch's. */
int wn_run_target(const wn_run_record *r, const char *target, double *y);

/* Fit the four models to runs on hardware hw, with cross-validation.
 * WN_ENODATA (with a message) when fewer than opts->min_runs runs are
 * usable.  opts may be NULL. */
int wn_model_fit_runs(const wn_run_record *runs, size_t n,
                      const wn_hw_profile *hw, const wn_fit_opts *opts,
                      wn_model *out);

/* Predict the target per training datum for features f with model kind
 * (index into out->models).  lo/hi (may be NULL) get the 80% interval from
 * the held-out 10th/90th percentiles of the log ratio (combined grouping).
 * When the model has no held-out errors (cv n 0) there is no honest
 * interval: lo and hi are NaN (in-sample errors would be the narrowest
 * interval of all for the least validated model; wn_model_cv_reason says
 * why). */
int wn_model_predict(const wn_model *m, int kind, const wn_features *f,
                     double *y, double *lo, double *hi);
/* The widest 80% interval worth printing as figures: a band whose top is
 * more than this many times its bottom says the model cannot place the
 * target within two orders of magnitude, so outputs call the interval
 * uninformative instead of printing figures like [1e-20, 1e25]. */
#define WN_MODEL_MAX_INTERVAL_RATIO 100.0
/* hi/lo of model K's 80% interval, exp(q90 - q10) of its held-out log
 * ratios (the same for every prediction of that model); NaN when it has no
 * held-out errors or M or K is invalid. */
double wn_model_interval_ratio(const wn_model *m, size_t k);
/* 1 when model K has an interval at most WN_MODEL_MAX_INTERVAL_RATIO wide,
 * else 0 (none, or uninformative). */
int wn_model_interval_informative(const wn_model *m, size_t k);

/* Why model K of M has no held-out errors, into BUF (CAP bytes): "" when it
 * has them; else "fewer than 2 groups ..." or "each fold leaves fewer
 * than N+1 runs to fit the model's N coefficients ...".  Returns BUF.
 * Without held-out errors wn_model_predict gives no interval (NaN). */
const char *wn_model_cv_reason(const wn_model *m, size_t k, char *buf,
                               size_t cap);

/* The model as a JSON string (wn_free it); NULL when out of memory. */
char *wn_model_to_json(const wn_model *m);
/* Parse / write the JSON.  Save writes PATH.tmp then renames. */
int wn_model_parse(const char *json, const char *origin, wn_model *out);
int wn_model_load(const char *path, wn_model *out);
int wn_model_save(const wn_model *m, const char *path);

/* Index of the model named NAME in m, or -1. */
int wn_model_find(const wn_model *m, const char *name);

#ifdef __cplusplus
}
#endif
#endif /* WATTNET_MODEL_H */
