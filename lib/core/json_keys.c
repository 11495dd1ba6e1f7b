/*
 * json_keys.c - duplicate keys in JSON a user wrote.  cJSON keeps every
 * member, and a lookup returns the first, so {"epochs":1,"epochs":5}
 * silently uses one of them.  Every parser of outside JSON (sweep specs,
 * hardware profiles, models, idle files) asks here first and refuses a
 * duplicate, as it refuses an unknown key.
 */
#include <string.h>

#include <cjson/cJSON.h>

#include "core/json_keys.h"

const char *wn__json_duplicate_key(const cJSON *item)
{
    if (item == NULL)
        return NULL;
    if (cJSON_IsObject(item))
        for (const cJSON *a = item->child; a; a = a->next)
            for (const cJSON *b = a->next; b; b = b->next)
                if (a->string && b->string && !strcmp(a->string, b->string))
                    return a->string;
    for (const cJSON *c = item->child; c; c = c->next) {
        const char *dup = wn__json_duplicate_key(c);
        if (dup)
            return dup;
    }
    return NULL;
}
