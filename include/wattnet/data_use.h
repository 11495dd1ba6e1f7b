/*
 * data_use.h - which datasets stored runs trained on: per (dataset, real
 * file or stand-in, path, SHA-256), how many runs.  `status` and the
 * report print it so that results on a stand-in are never read as results
 * on the real data.
 */
#ifndef WATTNET_DATA_USE_H
#define WATTNET_DATA_USE_H

#include <stddef.h>
#include <wattnet/run.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct wn_data_use {
    char name[64];            /* dataset_name (or the spec) */
    char source[16];          /* "file" | "synthetic" */
    char path[512];           /* "" for a stand-in or an old run */
    char sha256[65];
    size_t runs;
} wn_data_use;

/* Group runs[0..n) in order of first appearance.  *out has *n_out entries
 * (wn_free it; NULL when n_out is 0).  WN_ENOMEM, WN_EINVAL. */
int wn_data_uses(const wn_run_record *runs, size_t n, wn_data_use **out,
                 size_t *n_out);

#ifdef __cplusplus
}
#endif
#endif /* WATTNET_DATA_USE_H */
