/*
 * report.h - one self-contained HTML report of stored runs: inline SVG
 * charts (per-datum energy or time against working set with this host's
 * cache boundaries, efficiency against size, predicted against measured
 * per model, cost to reach a test loss against size, a power trace), a
 * summary table and the model's cross-validation table.  No scripts, no
 * fonts, nothing fetched from the network; readable without JavaScript.
 */
#ifndef WATTNET_REPORT_H
#define WATTNET_REPORT_H

#include <stddef.h>
#include <stdint.h>
#include <wattnet/core.h>
#include <wattnet/host.h>
#include <wattnet/model.h>
#include <wattnet/run.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct wn_power_sample {
    double t_s;               /* seconds since the run started */
    double power_w;
} wn_power_sample;

typedef struct wn_report_opts {
    const wn_model *model;    /* NULL: fit one from the runs if possible */
    const wn_hw_profile *hw;  /* cache lines; NULL: the model's, else the
                                 host's */
    const wn_host *host;      /* shown in the summary; may be NULL */
    const char *source;       /* where the runs came from (db URL); may be
                                 NULL */
    const wn_power_sample *samples;   /* a stored power trace, or NULL */
    size_t n_samples;
    int64_t samples_run_id;
} wn_report_opts;

/* Build the HTML of the report (wn_free it).  Works with zero runs (the
 * report then says so).  WN_ENOMEM; WN_EINVAL for NULL arguments. */
int wn_report_html(const wn_run_record *runs, size_t n,
                   const wn_report_opts *o, char **html);

/* Build it and write it to PATH (PATH.tmp, then rename). */
int wn_report_write(const wn_run_record *runs, size_t n,
                    const wn_report_opts *o, const char *path);

#ifdef __cplusplus
}
#endif
#endif /* WATTNET_REPORT_H */
