/* fuzz_sweep_spec.c - the sweep spec JSON parser (and its writer, on what
 * it accepted). */
#include <stdlib.h>

#include <wattnet/wattnet.h>

#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = wn_fuzz_string(data, size);
    wn_sweep_spec *sp = NULL;
    if (s && wn_sweep_spec_parse(s, "fuzz", &sp) == WN_OK) {
        char *json = NULL;
        if (wn_sweep_spec_to_json(sp, &json) == WN_OK)
            wn_free(json);
        wn_sweep_spec_free(&sp);
    }
    free(s);
    return 0;
}
