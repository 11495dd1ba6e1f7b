/*
 * study_import.h - what the two halves of the BUTTER-E import share
 * (private): the compact record of one metadata row, a node's samples and
 * the import's state.  study_meta.c reads the metadata and standardised
 * CSVs into it; study_import.c streams the energy files and stores.
 */
#ifndef WN_STUDY_IMPORT_H
#define WN_STUDY_IMPORT_H

#include <stddef.h>
#include <stdint.h>

#include <wattnet/study_import.h>

#include "study/study_internal.h"

struct wn__mrun {
    char id[48];
    char job[48];
    char host[128];
    char dataset[64];
    char shape[32];
    int is_gpu;
    double t0, t1;
    uint64_t size, depth, batch, epochs;
    double lr;
    int has_energy;           /* from a CSV column */
    double energy_j;
    int has_runtime;
    double runtime_s;
    char *meta;               /* every metadata field as JSON (owned) */
    /* from the samples */
    int from_log;
    struct wn__window win;
};

struct wn__node {
    char name[128];
    double last_t;
    size_t file;              /* the file last_t belongs to */
    struct wn__hist *hist;
};

struct wn__imp {
    const wn_import_opts *o;
    struct wn__mrun *runs;
    size_t n, cap;
    struct wn__node *nodes;
    size_t n_nodes, cap_nodes;
    wn_import_result res;
};

/* Report progress to the caller's callback, if any. */
void wn__import_progress(struct wn__imp *im, const char *stage, uint64_t done,
                         uint64_t total);
/* Read o->metadata into im->runs (each run's meta JSON owned). */
int wn__import_read_metadata(struct wn__imp *im);
/* Sort the runs by run_id; WN_EFORMAT when one appears twice. */
int wn__import_check_unique(struct wn__imp *im);
/* Join o->standardised's energy and runtime on run_id (after sorting). */
int wn__import_read_standardised(struct wn__imp *im);

#endif /* WN_STUDY_IMPORT_H */
