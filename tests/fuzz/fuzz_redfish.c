/* fuzz_redfish.c - a Redfish Power resource (PowerControl[]) body. */
#include <stdlib.h>

#include <wattnet/wattnet.h>

#include "fuzz.h"

int wn__redfish_parse(const char *json, double *watts, size_t max, size_t *n);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = wn_fuzz_string(data, size);
    double w[16];
    size_t n;
    if (s)
        (void)wn__redfish_parse(s, w, 16, &n);
    free(s);
    return 0;
}
