/*
 * report_study.h - the report's "this machine against BUTTER-E" section
 * (private to the report; report_study.c).
 */
#ifndef WN_REPORT_STUDY_H
#define WN_REPORT_STUDY_H

#include <stddef.h>

#include <wattnet/run.h>
#include <wattnet/study.h>

#include "report/sbuf.h"

/* Append the section for an analysis result (plain values). */
void wn__report_study_section(struct wn_sbuf *b, const wn_study_result *r);

/* Run the study's pipeline on RUNS and append its section (a note instead
 * when the analysis fails; an allocation failure sticks in B). */
void wn__report_study_runs(struct wn_sbuf *b, const wn_run_record *runs,
                           size_t n);

#endif /* WN_REPORT_STUDY_H */
