/*
 * model_util.h - helpers the model and report modules share (private):
 * bounded string copy, whole-file read, temp-then-rename write, and the
 * cJSON forms of a hardware profile.
 */
#ifndef WN_MODEL_UTIL_H
#define WN_MODEL_UTIL_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include <wattnet/model.h>

/* Copy at most cap-1 bytes of src (NULL: "") and terminate. */
void wn__copy_str(char *dst, size_t cap, const char *src);

/* Read PATH into a NUL-terminated buffer (wn_free it).  WN_ENOENT when
 * absent, WN_EIO on read errors, WN_ENOMEM. */
int wn__read_file(const char *path, char **out);

/* Write n bytes to PATH.tmp, flush, then rename over PATH. */
int wn__write_file_atomic(const char *path, const char *data, size_t n);

int wn__hw_profile_from_cjson(const cJSON *root, const char *origin,
                              wn_hw_profile *out);
cJSON *wn__hw_profile_to_cjson(const wn_hw_profile *p);

#endif /* WN_MODEL_UTIL_H */
