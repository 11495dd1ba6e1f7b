/* fuzz_data_csv.c - the dataset loader on a .csv file (plain or gzip:
 * the loader detects gzip by its magic), BUTTER's column rules included. */
#include <wattnet/wattnet.h>

#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = wn_fuzz_file(data, size, ".csv");
    wn_dataset *d = NULL;
    if (path && wn_dataset_load(path, NULL, &d) == WN_OK)
        wn_dataset_free(&d);
    return 0;
}
