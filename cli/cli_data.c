/*
 * cli_data.c - what the commands say about the datasets they use: one line
 * per dataset, a real file (path and SHA-256) or the synthetic stand-in
 * (with where it looked), so a user never mistakes one for the other.
 */
#include <stdio.h>

#include <wattnet/wattnet.h>
#include <wattnet/data_origin.h>

#include "cli.h"

void cli_print_data_origins(const char *cmd, char *const *datasets, size_t n,
                            const char *data_dir)
{
    wn_data_opts o = {0};
    o.data_dir = data_dir;
    for (size_t i = 0; i < n; i++) {
        wn_data_origin org;
        int st = wn_data_resolve(datasets[i], &o, 1, &org);
        if (st != WN_OK)
            fprintf(stderr, "%s: %s: %s\n", cmd, datasets[i], wn_errmsg());
        else if (org.source == WN_SOURCE_FILE)
            fprintf(stderr, "%s: %s: real file %s (sha256 %s)\n", cmd,
                    datasets[i], org.path, org.sha256);
        else if (org.notice[0])
            fprintf(stderr, "%s: %s\n", cmd, org.notice);
        else
            fprintf(stderr, "%s: %s: synthetic stand-in (asked for)\n", cmd,
                    datasets[i]);
        wn_clearerr();
    }
}
