/* fuzz_powercap.c - a powercap value file (energy_uj, max_energy_range_uj)
 * as the RAPL source reads it. */
#include <wattnet/wattnet.h>

#include "fuzz.h"
#include "meter/meter_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = wn_fuzz_file(data, size, "_energy_uj");
    uint64_t v;
    if (path)
        (void)wn__meter_read_u64(path, &v);
    return 0;
}
