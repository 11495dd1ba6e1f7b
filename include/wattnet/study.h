/*
 * study.h - the BUTTER-E study's own data and analysis: import of the public
 * layout (metadata CSV, per-Slurm-job energy CSVs, standardised energy CSV)
 * into the runs database, and the study's pipeline (idle standardisation per
 * node type, fixed overhead, cleaning rules, depth-2 merge, medians over
 * repetitions, marginal costs) on imported runs or on wattnet's own sweeps.
 * docs/study.md describes every rule and each number's definition.
 */
#ifndef WATTNET_STUDY_H
#define WATTNET_STUDY_H

#include <stddef.h>
#include <stdint.h>
#include <wattnet/run.h>
#include <wattnet/store.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Import (glue: CSV parsing + the store) -------------------------------- */

/* Domain under which the import keeps each node's 2nd-percentile power
 * (wn_store_put_idle / wn_store_get_idle). */
#define WN_STUDY_IDLE_DOMAIN "butter-e:p2"

typedef struct wn_import_opts {
    const char *metadata;      /* metadata CSV (required) */
    const char *energy_dir;    /* folder of {slurm_job_id}.csv, or NULL */
    const char *standardised;  /* standardised energy CSV, or NULL */
    size_t epochs;             /* epochs per run when run_data has none
                                  (0: 3000, the study's setting) */
    /* Progress (may be NULL): STAGE "metadata" | "energy" | "store",
     * DONE out of TOTAL (TOTAL 0 when unknown). */
    void (*progress)(void *user, const char *stage, uint64_t done,
                     uint64_t total);
    void *user;
} wn_import_opts;

typedef struct wn_import_result {
    size_t runs_read;          /* metadata rows */
    size_t runs_stored;        /* new runs written */
    size_t runs_present;       /* already imported before: left as they are */
    size_t runs_flagged;       /* stored without a valid energy (flag set) */
    uint64_t samples;          /* power samples read */
    size_t energy_files;       /* per-job energy CSVs read */
    size_t nodes;              /* nodes whose idle (2nd percentile) was kept */
} wn_import_result;

/* Import the BUTTER-E layout into S.  Idempotent: a run (keyed by its
 * metadata run_id) imported before is left alone.  Each run is stored with
 * its energy in one transaction, so no run is ever half stored.  Energy CSVs
 * are streamed (memory grows with the metadata, not with the samples).
 * WN_EFORMAT with "file:line:column: ..." for a malformed row (nothing of
 * that file's runs is stored), WN_ENOENT for a missing file, WN_EDB/WN_EIO
 * from the store.  *out may be NULL. */
int wn_study_import(wn_store *s, const wn_import_opts *o,
                    wn_import_result *out);

/* The store side of the import (lib/store/store_import.c).  Store RUN as
 * wn_store_put_run does and keep (SOURCE, EXTERNAL_ID, IS_GPU, META_JSON)
 * beside it, in one transaction.  When SOURCE/EXTERNAL_ID was imported
 * before nothing is written and *stored = 0 (else 1). */
int wn_store_put_imported_run(wn_store *s, wn_run_record *run,
                              const char *source, const char *external_id,
                              int is_gpu, const char *meta_json, int *stored);
/* The same for RUNS[0..n) in one transaction (all or none stored);
 * stored[i] says whether run i was new. */
int wn_store_put_imported_runs(wn_store *s, wn_run_record *runs, size_t n,
                               const char *source, const char *const *external_ids,
                               const int *is_gpu, const char *const *meta_json,
                               int *stored);
/* *n = runs imported from SOURCE. */
int wn_store_imported_count(wn_store *s, const char *source, size_t *n);
/* The metadata JSON kept for SOURCE/EXTERNAL_ID (wn_free it); WN_ENOENT. */
int wn_store_imported_meta(wn_store *s, const char *source,
                           const char *external_id, int64_t *run_id,
                           char **meta_json);

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

/* Load S's runs and node idle powers (WN_STUDY_IDLE_DOMAIN) and analyze. */
int wn_study_analyze_store(wn_store *s, const wn_study_opts *o,
                           wn_study_result *out);

/* The study's published numbers (SPEC sections 1 and 8). */
typedef struct wn_study_reference {
    double per_row_epoch_j, per_param_datum_j, per_layer_datum_j;
    double overhead_j, overhead_s;
    double crossover_params_lo, crossover_params_hi;   /* both devices */
} wn_study_reference;

const wn_study_reference *wn_study_reference_get(int is_gpu);

/* The report's "this machine against BUTTER-E" section for R, alone
 * (lib/report/report_study.c; the full report includes it): an HTML
 * fragment (wn_free it).  WN_EINVAL, WN_ENOMEM. */
int wn_report_study_html(const wn_study_result *r, char **html);

/* The result as one JSON object (wn_free it); NULL when out of memory. */
char *wn_study_result_json(const wn_study_result *r);

#ifdef __cplusplus
}
#endif
#endif /* WATTNET_STUDY_H */
