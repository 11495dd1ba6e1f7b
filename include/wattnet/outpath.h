/*
 * outpath.h - an output must never be one of its command's inputs
 * (issue 9, item 9): `fit --db runs.db --out runs.db` would replace the
 * database with a model file.  Every command that writes a file asks
 * wn_output_check before it reads or writes anything.
 */
#ifndef WATTNET_OUTPATH_H
#define WATTNET_OUTPATH_H

#include <stddef.h>
#include <wattnet/core.h>

#ifdef __cplusplus
extern "C" {
#endif

/* One input of a command: its path (a file or directory; NULL, "" and
 * URLs with "://" are skipped) and the option that named it ("--db"). */
typedef struct wn_output_input {
    const char *path;
    const char *option;
} wn_output_input;

/* WN_OK when OUT may be written: it is not any of IN[0..n) and does not
 * link to one.  "The same" means: equal paths, the same file (st_dev and
 * st_ino, so hard and symbolic links count), the same canonical path
 * (realpath of the output's directory joined with its name, so a dangling
 * or not-yet-created output through a symlinked directory counts), or
 * OUT is an SQLite input's side file (-wal, -shm, -journal).
 * Else WN_EINVAL and wn_errmsg(): "'OUT' is the input of --db ('runs.db'):
 * refusing to overwrite it".  OUT_OPTION names the output ("--out"). */
int wn_output_check(const char *out, const char *out_option,
                    const wn_output_input *in, size_t n);

#ifdef __cplusplus
}
#endif
#endif /* WATTNET_OUTPATH_H */
