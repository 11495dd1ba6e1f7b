/*
 * json_keys.h - duplicate keys in parsed JSON (private; json_keys.c).
 */
#ifndef WN_CORE_JSON_KEYS_H
#define WN_CORE_JSON_KEYS_H

#include <cjson/cJSON.h>

/* The first key that appears twice in one object anywhere in ITEM (depth
 * first), or NULL when every object's keys are distinct.  The pointer is
 * into ITEM.  Quadratic per object: meant for the small files users write. */
const char *wn__json_duplicate_key(const cJSON *item);

#endif
