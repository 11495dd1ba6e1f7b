/* fuzz_model_json.c - the fitted model's JSON parser. */
#include <stdlib.h>

#include <wattnet/wattnet.h>

#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = wn_fuzz_string(data, size);
    static wn_model m;
    if (s)
        (void)wn_model_parse(s, "fuzz", &m);
    free(s);
    return 0;
}
