/* fuzz_procstat.c - a /proc/stat file as the epoch sampler reads it
 * (through $WATTNET_PROC_STAT), and its aggregate-line parser directly. */
#include <stdlib.h>

#include <wattnet/wattnet.h>

#include "fuzz.h"
#include "core/procstat.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    double steal = 0, total = 0;
    char *s = wn_fuzz_string(data, size);
    if (s) {
        (void)wn__procstat_parse(s, &steal, &total);
        free(s);
    }
    const char *path = wn_fuzz_file(data, size, "_stat");
    if (path) {
        struct wn__proc_sample p;
        setenv("WATTNET_PROC_STAT", path, 1);
        wn__proc_sample_take(&p);
    }
    return 0;
}
