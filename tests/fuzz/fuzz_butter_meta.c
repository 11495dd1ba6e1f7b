/* fuzz_butter_meta.c - `wattnet import butter-e` on a fuzzed metadata CSV
 * (no energy files: each run falls back to its own energy columns), into
 * one scratch SQLite database kept for the whole fuzzing run. */
#include <stdio.h>

#include <wattnet/core.h>
#include <wattnet/store.h>
#include <wattnet/study_import.h>

#include "fuzz.h"

static wn_store *db(void)
{
    static wn_store *s;
    static char path[512];
    if (s == NULL) {
        const char *dir = wn_fuzz_file((const uint8_t *)"", 0, ".seed");
        if (dir == NULL)
            return NULL;
        snprintf(path, sizeof path, "%s.db", dir);
        if (wn_store_open(path, &s) != WN_OK)
            s = NULL;
    }
    return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    wn_store *s = db();
    const char *path = wn_fuzz_file(data, size, ".csv");
    if (!s || !path)
        return 0;
    wn_import_opts o = { .metadata = path, .epochs = 3 };
    wn_import_result r;
    (void)wn_study_import(s, &o, &r);
    wn_clearerr();
    return 0;
}
