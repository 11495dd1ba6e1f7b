/* fuzz_idle.c - the idle baseline state file (JSON) as a meter reads it. */
#include <wattnet/wattnet.h>

#include "fuzz.h"

int wn__idle_lookup(const char *path, const char *host, const char *source,
                    const char *domain, double *watts);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = wn_fuzz_file(data, size, ".json");
    double w;
    if (path)
        (void)wn__idle_lookup(path, "host", "rapl", "package-0", &w);
    return 0;
}
