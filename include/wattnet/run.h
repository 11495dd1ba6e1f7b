/*
 * run.h - one measured training run: a job's spec, the trainer's summary,
 * per-epoch statistics and the energy of each epoch and of the whole run.
 * This record is what the store keeps and what the model and report read.
 */
#ifndef WATTNET_RUN_H
#define WATTNET_RUN_H

#include <stddef.h>
#include <stdint.h>
#include <wattnet/core.h>
#include <wattnet/cpus.h>
#include <wattnet/data.h>
#include <wattnet/energy.h>
#include <wattnet/meter.h>
#include <wattnet/train.h>

#ifdef __cplusplus
extern "C" {
#endif

/* A job: the dataset and the trainer's configuration.  In wn_run_execute
 * an empty train.shape means "rectangle" and train.train_fraction 0 the
 * default 0.8, so a zeroed spec with its fields set is a valid one. */
typedef struct wn_run_spec {
    char dataset[128];        /* dataset spec: NAME, synthetic:NAME or path */
    wn_train_config train;    /* shape, depth, size, epochs, batch, lr,
                                 seed, threads (and train_fraction) */
    int min_seconds_given;    /* 1: train.min_seconds is the user's; 0:
                                 wn_run_execute chooses it from the meter
                                 and device (wn_run_min_seconds) */
} wn_run_spec;

typedef struct wn_epoch_record {
    wn_epoch_stats stats;
    wn_energy energy;         /* energy.measured == 0 when not metered */
} wn_epoch_record;

typedef struct wn_run_record {
    int64_t run_id;           /* 0 until stored */
    int64_t job_id;           /* 0 when not from a sweep */
    wn_run_spec spec;
    char host[128];
    char dataset_name[64];
    char data_source[16];     /* "file" | "synthetic" */
    char data_path[512];      /* the file trained on ("" for a stand-in) */
    char data_sha256[65];     /* its SHA-256 in hex ("" for a stand-in) */
    char task[16];            /* wn_task_name() */
    size_t inputs, outputs;
    double start_time;        /* unix seconds */
    double end_time;
    wn_train_summary summary;
    wn_energy energy;         /* whole run */
    int has_jpd;
    double joules_per_datum;  /* energy_j / (batches * epochs * batch) */
    size_t n_epochs;
    wn_epoch_record *epochs;  /* n_epochs entries, owned by the record */
    /* The measurable-window rule (issue 10): spec.train.min_seconds is the
     * minimum the run was held to (0: none); summary.epochs the epochs it
     * ran, summary.extended 1 when that is more than spec.train.epochs. */
} wn_run_record;

/* How a run is measured, beside what it trains. */
typedef struct wn_run_opts {
    int attribute;            /* 1: other work shares the meter (co-located
                                 workers): split each window's energy by
                                 this process tree's share of the host's
                                 CPU time (wn_energy_attribute) */
    const char *proc_root;    /* /proc to read for the share; NULL: real */
} wn_run_opts;

/* What a run tells its caller, and asks it.  epoch (may be NULL): after
 * each epoch.  cancelled (may be NULL): asked before and after each epoch;
 * non-zero stops the run, which then fails with WN_ECANCELED (a worker
 * whose job lease was lost, or that was told to stop, abandons the run). */
typedef struct wn_run_observer {
    void (*epoch)(void *user, const wn_run_record *run,
                  const wn_epoch_record *e);
    void *user;
    int (*cancelled)(void *user);
} wn_run_observer;

/* Load the dataset, train, meter each epoch and the run (meter may be
 * NULL: no energy), fill *out.  Free with wn_run_record_clear.
 * WN_ECANCELED when obs->cancelled asked to stop (nothing is kept). */
int wn_run_execute(const wn_run_spec *spec, const wn_data_opts *dopts,
                   wn_meter *meter, const wn_run_observer *obs,
                   wn_run_record *out);

/* The same with OPTS (NULL: none).  The run's min_seconds, unless the spec
 * gives it (min_seconds_given), is wn_run_min_seconds(device, meter). */
int wn_run_execute_opts(const wn_run_spec *spec, const wn_data_opts *dopts,
                        wn_meter *meter, const wn_run_observer *obs,
                        const wn_run_opts *opts, wn_run_record *out);

/* The shortest window a run on DEVICE metered by a source that updates
 * every UPDATE_S seconds can be measured over (issue 10), in seconds:
 *   not metered, or metered by the estimate (METERED 0): 0;
 *   a GPU ("cuda", "cuda:N"): max(2, 10 x update_s);
 *   the CPU: 10 x update_s for a slow meter (update_s >= 0.1: NVML, IPMI,
 *   Redfish, a slow log), else 0 (RAPL's 1 ms resolves any epoch). */
double wn_run_min_seconds(const char *device, int metered, double update_s);

/* Split E by the CPU-time share between samples A and B of the process
 * tree that did the work (wn_cputime_share, then wn_energy_attribute).
 * A usable E becomes attributed; when no share can be computed (the
 * host's busy time did not advance) E gets the flag "no-cpu-share" and so
 * no figure, its whole reading kept in whole_energy_j.  An E that is not
 * a usable measurement is left alone.  WN_OK, WN_EINVAL for NULL. */
int wn_run_share_apply(const wn_cputime_sample *a, const wn_cputime_sample *b,
                       wn_energy *e);

/* Fill *s with wn_train_config_default's configuration and no dataset. */
void wn_run_spec_default(wn_run_spec *s);
/* Set the run's energy to *e and its joules per datum from it (set only
 * when e is usable: wn_energy_per_datum over batches * epochs * batch). */
void wn_run_set_energy(wn_run_record *r, const wn_energy *e);
void wn_run_record_clear(wn_run_record *r);

/* 1 when DEVICE is a CUDA device ("cuda", "cuda:N"), else 0. */
int wn_run_device_is_gpu(const char *device);
/* Adjust MO for a run on DEVICE (device_meter.c): unchanged for the CPU;
 * for a CUDA device metered by auto/nvml (MO->source NULL, "auto" or
 * "nvml"), NVML alone on that GPU (mo->nvml_gpu points into GPU, CAP >= 8
 * bytes, so GPU must outlive MO), no estimate.  WN_EINVAL for a CUDA run
 * with another source named. */
int wn_run_meter_opts(const char *device, wn_meter_opts *mo, char *gpu,
                      size_t cap);

#ifdef __cplusplus
}
#endif
#endif /* WATTNET_RUN_H */
