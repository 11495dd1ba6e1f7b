/*
 * report.h - one self-contained HTML report of stored runs: inline SVG
 * charts (per-datum energy or time against working set with this host's
 * cache boundaries, efficiency against size, predicted against measured
 * per model, cost to reach a test loss against size, a power trace), a
 * summary table and the model's cross-validation table.  No scripts, no
 * fonts, nothing fetched from the network; readable without JavaScript.
 *
 * The report only reads plain values: runs, a fitted model (it never fits
 * one: wn_model_fit_if_none in wattnet/analysis.h is that step), a host, a
 * hardware profile and power samples.  docs/report.md says how to add a
 * section.
 */
#ifndef WATTNET_REPORT_H
#define WATTNET_REPORT_H

#include <stddef.h>
#include <stdint.h>
#include <wattnet/core.h>
#include <wattnet/host.h>
#include <wattnet/model.h>
#include <wattnet/study.h>
#include <wattnet/run.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct wn_power_sample {
    double t_s;               /* seconds since the run started */
    double power_w;
} wn_power_sample;

/* Raw power samples of one run as plain arrays, as a meter or the store
 * keeps them: n sample times and either the power at each (power_w) or a
 * cumulative energy reading (energy_j; the power drawn is then the energy
 * difference over the time difference of consecutive samples). */
typedef struct wn_report_trace {
    const double *t_s;        /* n times, seconds (any origin: drawn from
                                 the first sample) */
    const double *power_w;    /* n powers, or NULL */
    const double *energy_j;   /* n cumulative joules; used when power_w is
                                 NULL */
    size_t n;
    int64_t run_id;
    const char *source;       /* meter name for the legend; may be NULL */
} wn_report_trace;

typedef struct wn_report_opts {
    const wn_model *model;    /* the fitted model to show; NULL: none (the
                                 report says so) */
    const wn_hw_profile *hw;  /* cache lines; NULL: the model's, else the
                                 host's */
    const wn_host *host;      /* shown in the summary; may be NULL */
    const char *source;       /* where the runs came from (db URL); may be
                                 NULL */
    const wn_power_sample *samples;   /* a stored power trace, or NULL */
    size_t n_samples;
    int64_t samples_run_id;
    const wn_report_trace *trace;      /* raw samples as arrays, used when
                                         samples is NULL; may be NULL */
    double pue;               /* > 0: show facility energy (IT x PUE) */
    double carbon_intensity;  /* > 0: show CO2e at this gCO2e/kWh */
} wn_report_opts;

/* Build the HTML of the report (wn_free it).  Works with zero runs (the
 * report then says so).  WN_ENOMEM; WN_EINVAL for NULL arguments. */
int wn_report_html(const wn_run_record *runs, size_t n,
                   const wn_report_opts *o, char **html);

/* Build it and write it to PATH (PATH.tmp, then rename). */
int wn_report_write(const wn_run_record *runs, size_t n,
                    const wn_report_opts *o, const char *path);

/* The report's "this machine against BUTTER-E" section for R, alone
 * (lib/report/report_study.c; the full report includes it): an HTML
 * fragment (wn_free it).  WN_EINVAL, WN_ENOMEM. */
int wn_report_study_html(const wn_study_result *r, char **html);

#ifdef __cplusplus
}
#endif
#endif /* WATTNET_REPORT_H */
