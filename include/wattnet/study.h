/*
 * study.h - the BUTTER-E study's own analysis (a leaf: plain values in and
 * out; the import into a runs database is glue, study_import.h): the pipeline (idle standardisation per
 * node type, fixed overhead, cleaning rules, depth-2 merge, medians over
 * repetitions, marginal costs) on imported runs or on wattnet's own sweeps.
 * docs/study.md describes every rule and each number's definition.
 */
#ifndef WATTNET_STUDY_H
#define WATTNET_STUDY_H

#include <stddef.h>
#include <stdint.h>
#include <wattnet/core.h>
#include <wattnet/run.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- The pipeline (leaf: plain values in, plain values out) --------------- */

typedef struct wn_study_run {
    int64_t run_id;
    int is_gpu;
    char node[128];
    char node_type[160];       /* idle standardisation groups nodes by this */
    char dataset[128];
    char shape[32];
    size_t depth;
    uint64_t size;             /* target size */
    uint64_t params;           /* 0: unknown (size is used) */
    size_t batch, epochs, train_rows;
    double seconds;            /* runtime, start to end */
    int has_energy;            /* 0: time-only run */
    int energy_flagged;        /* a 0 W reading or no samples in the window */
    double energy_j;
} wn_study_run;

typedef struct wn_study_node {
    char node[128];
    char node_type[160];
    int is_gpu;
    double idle_w;             /* the node's 2nd-percentile power */
} wn_study_node;

typedef struct wn_study_opts {
    double max_runtime_s;      /* 75,000 */
    double outlier_sigma;      /* 4 */
    double overhead_quantile;  /* 0.05 */
    uint64_t overhead_max_size;        /* 1024 */
    const char *overhead_dataset;      /* "505_tecator" */
    /* Cache sizes a step is matched to (0: none): by default the study's
     * nodes, Xeon Gold 6154 L1d 32 KiB, L2 1 MiB, L3 24.75 MiB and V100
     * L1 128 KiB per SM, L2 6 MiB. */
    double cpu_cache_bytes[3];
    double gpu_cache_bytes[2];
} wn_study_opts;

void wn_study_opts_default(wn_study_opts *o);

typedef struct wn_study_stat {
    int has;
    double value;              /* median over groups */
    double lo, hi;             /* interquartile range over groups */
    size_t n_groups;           /* groups (slopes) behind the median */
    size_t n_runs;             /* runs behind those groups */
} wn_study_stat;

#define WN_STUDY_MAX_TYPES 16
#define WN_STUDY_MAX_STEPS 8

typedef struct wn_study_node_type {
    char name[160];
    double idle_w;             /* median over its nodes */
    size_t n_nodes;
} wn_study_node_type;

typedef struct wn_study_step {
    double ws_bytes;           /* working set (16 B/param) where it steps */
    double ratio;              /* cost per param per datum after / before */
    int level;                 /* 1, 2, 3: the cache within a factor of 4
                                  (nearest in log size); 0: none */
    double cache_bytes;        /* that cache's size */
} wn_study_step;

typedef struct wn_study_device {
    int present;               /* runs of this device were given */
    size_t n_types;
    wn_study_node_type types[WN_STUDY_MAX_TYPES];
    char ref_type[160];        /* the type others are shifted to */
    double ref_idle_w;
    int has_overhead;
    double overhead_j, overhead_s;     /* per run, subtracted */
    size_t overhead_runs;
    size_t runs_kept, configs;
    wn_study_stat per_row_epoch;       /* J (or s) per extra train row/epoch */
    wn_study_stat per_param_datum;     /* J per parameter per datum, large */
    wn_study_stat per_layer_datum;     /* J per extra layer per datum */
    size_t n_steps;
    wn_study_step steps[WN_STUDY_MAX_STEPS];
} wn_study_device;

typedef struct wn_study_result {
    int time_only;             /* 1: no run had a valid energy; values are
                                  seconds and the energy rule is skipped */
    size_t runs_in;
    size_t dropped_energy;     /* 0 W reading or no samples */
    size_t dropped_runtime;    /* runtime over max_runtime_s */
    size_t dropped_outlier;    /* log runtime beyond outlier_sigma */
    size_t overhead_dataset_runs;      /* left out after the overhead */
    size_t merged_depth2;      /* depth-2 runs relabelled rectangle */
    size_t runs_kept, configs;
    wn_study_device dev[2];    /* [0] CPU, [1] GPU */
    int has_crossover;
    double crossover_params;   /* CPU cheaper below, GPU above */
    size_t crossover_runs;
    int64_t *dropped_ids;      /* run ids dropped by cleaning (owned) */
    size_t n_dropped_ids;
} wn_study_result;

/* Run the pipeline.  NODES (may be NULL) give the idle powers; without them
 * no standardisation is done.  WN_OK and *out filled (release with
 * wn_study_result_clear); WN_EINVAL for NULL arguments, WN_ENOMEM. */
int wn_study_analyze(const wn_study_run *runs, size_t n,
                     const wn_study_node *nodes, size_t n_nodes,
                     const wn_study_opts *o, wn_study_result *out);
void wn_study_result_clear(wn_study_result *r);

/* Plain run records (as wn_store_load_runs gives them) as pipeline input:
 * device from data_source ("butter-e-gpu" is a GPU run), node = host,
 * node type = device + host name without its trailing digits, energy only
 * when measured and not an estimate.  *out is wn_malloc'd (wn_free it). */
int wn_study_runs_from_records(const wn_run_record *runs, size_t n,
                               wn_study_run **out);

/* The study's published numbers (SPEC sections 1 and 8). */
typedef struct wn_study_reference {
    double per_row_epoch_j, per_param_datum_j, per_layer_datum_j;
    double overhead_j, overhead_s;
    double crossover_params_lo, crossover_params_hi;   /* both devices */
} wn_study_reference;

const wn_study_reference *wn_study_reference_get(int is_gpu);

/* The result as one JSON object (wn_free it); NULL when out of memory. */
char *wn_study_result_json(const wn_study_result *r);

#ifdef __cplusplus
}
#endif
#endif /* WATTNET_STUDY_H */
