/* fuzz_ipmi.c - the output of `ipmitool dcmi power reading`. */
#include <stdlib.h>

#include <wattnet/wattnet.h>

#include "fuzz.h"

int wn__ipmi_parse(const char *out, double *watts);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = wn_fuzz_string(data, size);
    double w;
    if (s)
        (void)wn__ipmi_parse(s, &w);
    free(s);
    return 0;
}
