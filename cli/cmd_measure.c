/*
 * cmd_measure.c - PLACEHOLDER: `wattnet measure` is not built yet.  The module's
 * owner replaces this file.  It says so and fails, never pretends.
 */
#include <stdio.h>

#include "cli.h"

int cmd_measure(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "wattnet measure: not implemented in this build\n");
    return 2;
}
