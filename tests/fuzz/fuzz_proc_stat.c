/* fuzz_proc_stat.c - /proc/stat and /proc/PID/stat text as the CPU-time
 * share reads it (lib/core/cputime.c): the input is written as both
 * ROOT/stat and ROOT/1/stat of a scratch /proc, then the host's busy time
 * and process 1's tree are read. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <wattnet/wattnet.h>

#include "fuzz.h"

static char root[256];

static int write_file(const char *path, const uint8_t *data, size_t size)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    size_t n = fwrite(data, 1, size, f);
    return fclose(f) == 0 && n == size ? 0 : -1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char p[400];
    double v = 0.0;
    if (!root[0]) {
        const char *tmp = getenv("TMPDIR");
        snprintf(root, sizeof root, "%s/wn-fuzz-proc-%ld", tmp ? tmp : "/tmp",
                 (long)getpid());
        mkdir(root, 0700);
        snprintf(p, sizeof p, "%s/1", root);
        mkdir(p, 0700);
    }
    snprintf(p, sizeof p, "%s/stat", root);
    if (write_file(p, data, size) == 0)
        (void)wn_cputime_busy(root, &v);
    snprintf(p, sizeof p, "%s/1/stat", root);
    if (write_file(p, data, size) == 0)
        (void)wn_cputime_tree(root, 1, &v);
    return 0;
}
