/* fuzz_powerlog.c - a watt-meter log (timestamp,node,watts) integrated
 * over a window. */
#include <wattnet/wattnet.h>

#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = wn_fuzz_file(data, size, ".csv");
    wn_energy e;
    if (path)
        (void)wn_powerlog_integrate(path, "n1", 1.7e9, 1.7e9 + 60.0, &e);
    return 0;
}
