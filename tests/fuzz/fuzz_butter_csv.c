/* fuzz_butter_csv.c - the BUTTER-E CSV reader (quoted fields, CRLF) and its
 * strict number and time parsers, as the import reads the metadata,
 * per-job energy and standardised-energy files. */
#include "core/util.h"
#include <wattnet/core.h>

#include "fuzz.h"
#include "study/study_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = wn_fuzz_file(data, size, ".csv");
    struct wn__csv c;
    if (!path || wn__csv_open(&c, path) != WN_OK)
        return 0;
    for (int rows = 0; rows < 10000 && wn__csv_next(&c) == WN_OK; rows++)
        for (size_t i = 0; i < c.n; i++) {
            double d, t;
            uint64_t u;
            (void)wn__csv_double(&c, i, "x", &d);
            (void)wn__csv_u64(&c, i, "x", &u);
            (void)wn__parse_time(c.field[i], &t);
        }
    (void)wn__csv_find(&c, "timestamp");
    wn__csv_close(&c);
    wn_clearerr();
    return 0;
}
