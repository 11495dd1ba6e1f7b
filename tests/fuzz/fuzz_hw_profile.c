/* fuzz_hw_profile.c - the hardware profile JSON parser. */
#include <stdlib.h>

#include <wattnet/wattnet.h>

#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = wn_fuzz_string(data, size);
    wn_hw_profile p;
    if (s)
        (void)wn_hw_profile_parse(s, "fuzz", &p);
    free(s);
    return 0;
}
