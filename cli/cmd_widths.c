/*
 * cmd_widths.c - PLACEHOLDER: `wattnet widths` is not built yet.  The module's
 * owner replaces this file.  It says so and fails, never pretends.
 */
#include <stdio.h>

#include "cli.h"

int cmd_widths(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "wattnet widths: not implemented in this build\n");
    return 2;
}
