/*
 * advise.h - design recommendations from stored training runs: which
 * network reaches a target test loss (or accuracy) for the least energy or
 * time on this machine.
 *
 * The ranking (wn_advise_rank) is a leaf: it takes plain per-epoch metric
 * curves and a cost per epoch per configuration.  For each configuration
 * it finds the first epoch at which the target is reached, interpolating
 * linearly between epochs (epoch k's value is the k-th entry; an epoch-1
 * hit counts as 1 epoch), and its cost to the target is
 *     cost_per_epoch x epochs_to_target.
 * Reaching configurations are ranked by that cost (ties: fewer
 * parameters); the others are listed as never reaching it, never ranked.
 * Without a target it uses the value that half the configurations reach
 * (the median of their best values) and says so (target_given = 0).
 *
 * wn_advise_from_runs turns stored run records into those plain inputs
 * (glue: records, the hardware profile for working sets); wn_advise_predict
 * adds model-predicted sizes around the ones tried.
 */
#ifndef WATTNET_ADVISE_H
#define WATTNET_ADVISE_H

#include <stddef.h>
#include <stdint.h>
#include <wattnet/run.h>
#include <wattnet/model.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum wn_advise_metric {
    WN_ADVISE_LOSS = 0,       /* test loss, lower is better */
    WN_ADVISE_ACCURACY        /* test accuracy, higher is better */
} wn_advise_metric;

typedef struct wn_advise_config {
    char shape[32];
    size_t depth;
    uint64_t size;            /* the size asked for (parameters) */
    uint64_t params;          /* the network's parameters */
    double working_set_bytes; /* per training step; 0 when unknown */
    size_t n_epochs;
    const double *metric;     /* n_epochs values: test loss or accuracy */
    double cost_per_epoch;    /* joules or seconds (wn_advise_input.by) */
    size_t n_runs;            /* repetitions behind the curve */
} wn_advise_config;

typedef struct wn_advise_opts {
    wn_advise_metric metric;
    int has_target;
    double target;
} wn_advise_opts;

typedef struct wn_advise_entry {
    size_t config;            /* index into the configurations */
    int reached;
    double epochs_to_target;  /* interpolated, >= 1; NAN when not reached */
    double cost_to_target;    /* cost_per_epoch x epochs_to_target; NAN */
    double best_value;        /* best metric value over the epochs */
    size_t rank;              /* 1 = cheapest; 0 when not reached */
} wn_advise_entry;

typedef struct wn_advise_result {
    wn_advise_metric metric;
    double target;
    int target_given;         /* 0: the value half the configurations reach */
    size_t n;                 /* entries: the ranked ones by rank, then the
                                 never-reaching ones in input order */
    wn_advise_entry *entries;
    size_t n_reached;
    size_t best;              /* config index of rank 1 (n_reached > 0) */
    double best_cost;
    double median_cost;       /* median cost to target of the reaching ones */
    double savings_vs_median; /* 1 - best / median (0.25: saves 25%) */
    size_t smallest;          /* config index of the smallest reaching net */
    double smallest_cost;
    double savings_vs_smallest; /* 1 - best / smallest */
    int larger_cheaper;       /* the best has more parameters than the
                                 smallest reaching network (smallest by
                                 parameters too) and costs less: the
                                 study's finding holds here */
} wn_advise_result;

/* Rank configs[0..n).  WN_OK and *out filled (free with
 * wn_advise_result_clear); WN_EINVAL for NULL arguments or n == 0, WN_ENOENT
 * when no configuration has a finite metric value, WN_ENOMEM. */
int wn_advise_rank(const wn_advise_config *configs, size_t n,
                   const wn_advise_opts *o, wn_advise_result *out);
void wn_advise_result_clear(wn_advise_result *r);

/* Epochs to reach TARGET on one curve (interpolated, >= 1); 0 when never
 * reached.  HIGHER: the metric improves upwards (accuracy). */
double wn_advise_epochs_to(const double *metric, size_t n, double target,
                           int higher);

/* ---- From stored runs (glue) ---------------------------------------------- */
typedef struct wn_advise_input {
    size_t n;
    wn_advise_config *configs;  /* owned, metric arrays too */
    const char *by;             /* "energy" (joules) or "time" (seconds) */
    char note[256];             /* why time was used, when it was */
    size_t n_runs;              /* runs of the dataset used */
    size_t n_real_file;         /* of those, trained on a real file */
    char data_note[160];        /* when stand-in runs were left out */
} wn_advise_input;

/* Group the runs of DATASET (its dataset_name, or its spec) by (shape,
 * depth, size): the metric per epoch is the mean over repetitions (up to
 * the shortest), the cost per epoch the median.  BY: "energy", "time" or
 * NULL (energy when every configuration has a measurement, else time);
 * energy asked for where a configuration has none falls back to time and
 * says why in ->note.  When the name has runs on the real file and on the
 * stand-in, only the real ones are used (->data_note says so).  HW (may be
 * NULL) gives working sets.  WN_ENOENT when
 * no run of DATASET has per-epoch records.  Free with
 * wn_advise_input_clear. */
int wn_advise_from_runs(const wn_run_record *runs, size_t n,
                        const char *dataset, const char *by,
                        wn_advise_metric metric, const wn_hw_profile *hw,
                        wn_advise_input *out);
void wn_advise_input_clear(wn_advise_input *in);

/* A size the model suggests around the best shape and depth. */
typedef struct wn_advise_prediction {
    uint64_t size;
    uint64_t params;
    double working_set_bytes;
    double cost_per_epoch, lo, hi;      /* predicted, with the interval */
    double epochs_to_target;            /* from the nearest tried size */
    uint64_t epochs_from_size;          /* that tried size */
    double cost_to_target, cost_lo, cost_hi;
    double interval_ratio;              /* hi/lo (wn_model_interval_ratio);
                                           NaN: no interval */
    int interval_informative;           /* wn_model_interval_informative */
} wn_advise_prediction;

/* Sizes between and around those tried for the best configuration's
 * shape and depth (geometric midpoints, half the smallest, twice the
 * largest), on a run record of that configuration (TEMPLATE: inputs,
 * outputs, rows, batch).  The cost per epoch comes from model M (its
 * "wattnet" model, else the first), the epochs to target from the nearest
 * tried size that reaches it.  *out has *n_out entries (wn_free it). */
int wn_advise_predict(const wn_advise_input *in, const wn_advise_result *res,
                      const wn_run_record *template_run, const wn_model *m,
                      wn_advise_prediction **out, size_t *n_out);

#ifdef __cplusplus
}
#endif
#endif /* WATTNET_ADVISE_H */
