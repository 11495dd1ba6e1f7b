/*
 * model_util.h - what the model and report modules share (private): the
 * cJSON forms of a hardware profile, plus core/util.h's string and file
 * helpers.
 */
#ifndef WN_MODEL_UTIL_H
#define WN_MODEL_UTIL_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include <wattnet/model.h>

#include "core/util.h"

int wn__hw_profile_from_cjson(const cJSON *root, const char *origin,
                              wn_hw_profile *out);
cJSON *wn__hw_profile_to_cjson(const wn_hw_profile *p);

#endif /* WN_MODEL_UTIL_H */
