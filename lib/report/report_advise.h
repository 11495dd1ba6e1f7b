/*
 * report_advise.h - the report's sections on the data trained and on the
 * cost to reach a test loss, from advise results (private).
 */
#ifndef WN_REPORT_ADVISE_H
#define WN_REPORT_ADVISE_H

#include <stddef.h>

#include <wattnet/advise.h>
#include <wattnet/data_use.h>
#include <wattnet/model.h>
#include <wattnet/run.h>

#include "report/sbuf.h"

/* Draw "Cost to reach test loss L" for one dataset from plain values: the
 * configurations, their ranking, and the dataset's name. */
void wn__report_advise_section(struct wn_sbuf *b, const char *dataset,
                               const wn_advise_input *in,
                               const wn_advise_result *res);

/* Draw which data the runs trained (real file with path and SHA-256, or
 * stand-in). */
void wn__report_data_uses(struct wn_sbuf *b, const wn_data_use *u, size_t n);

/* Both, for every dataset of runs[0..n) (the advise default target: the
 * loss half the configurations reach).  Memory errors are left sticky in
 * b; other failures become a sentence in the report. */
void wn__report_advise(struct wn_sbuf *b, const wn_run_record *runs, size_t n,
                       const wn_hw_profile *hw);

#endif /* WN_REPORT_ADVISE_H */
