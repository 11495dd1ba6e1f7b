/*
 * data_origin.h - where a dataset spec resolves to, without loading it:
 * a real file (its path and SHA-256) or the synthetic stand-in (and why).
 * The same rules as wn_dataset_load: a path is that file; "synthetic:NAME"
 * the stand-in; a NAME is NAME.tsv.gz in opts->data_dir, then in
 * $WATTNET_DATA, else (for a study dataset) the stand-in.  Runs, `status`
 * and the report use it to say per dataset what was trained.
 */
#ifndef WATTNET_DATA_ORIGIN_H
#define WATTNET_DATA_ORIGIN_H

#include <wattnet/data.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct wn_data_origin {
    wn_data_source source;    /* WN_SOURCE_FILE or WN_SOURCE_SYNTHETIC */
    char name[64];            /* the dataset's name (file stem or NAME) */
    char path[512];           /* the file; "" for a stand-in */
    char sha256[65];          /* hex SHA-256 of the file's bytes; "" */
    char notice[512];         /* for a stand-in of a NAME: the one-line
                                 notice (where it looked); else "" */
} wn_data_origin;

/* Resolve SPEC (opts may be NULL).  WN_OK and *out filled; WN_ENOENT for a
 * NAME that is neither found nor a study dataset, or a path that does not
 * exist; WN_EIO/WN_EPERM when the file cannot be read for its checksum.
 * With checksum == 0 the file is not read (sha256 stays ""). */
int wn_data_resolve(const char *spec, const wn_data_opts *opts, int checksum,
                    wn_data_origin *out);

#ifdef __cplusplus
}
#endif
#endif /* WATTNET_DATA_ORIGIN_H */
