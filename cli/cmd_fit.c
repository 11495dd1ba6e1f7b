/*
 * cmd_fit.c - PLACEHOLDER: `wattnet fit` is not built yet.  The module's
 * owner replaces this file.  It says so and fails, never pretends.
 */
#include <stdio.h>

#include "cli.h"

int cmd_fit(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "wattnet fit: not implemented in this build\n");
    return 2;
}
