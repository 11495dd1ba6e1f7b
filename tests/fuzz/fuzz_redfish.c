/* fuzz_redfish.c - a Redfish Power resource (PowerControl[]) body. */
#include <stdlib.h>

#include <wattnet/wattnet.h>

#include "fuzz.h"
#include "meter/meter_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = wn_fuzz_string(data, size);
    struct wn__redfish_entry w[16];
    size_t n;
    if (s)
        (void)wn__redfish_parse(s, w, 16, &n);
    free(s);
    return 0;
}
