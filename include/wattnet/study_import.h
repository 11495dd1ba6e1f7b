/*
 * study_import.h - glue: the BUTTER-E public layout imported into a runs
 * database (lib/import/), and the study's pipeline run on a database.
 * docs/study.md describes the layout and every rule.
 */
#ifndef WATTNET_STUDY_IMPORT_H
#define WATTNET_STUDY_IMPORT_H

#include <stddef.h>
#include <stdint.h>
#include <wattnet/core.h>
#include <wattnet/store.h>
#include <wattnet/study.h>

#ifdef __cplusplus
extern "C" {
#endif

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

/* Load S's runs and node idle powers (WN_STUDY_IDLE_DOMAIN) and analyze. */
int wn_study_analyze_store(wn_store *s, const wn_study_opts *o,
                           wn_study_result *out);

#ifdef __cplusplus
}
#endif
#endif /* WATTNET_STUDY_IMPORT_H */
