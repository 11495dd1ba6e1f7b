/*
 * cmd_status.c - PLACEHOLDER: `wattnet status` is not built yet.  The module's
 * owner replaces this file.  It says so and fails, never pretends.
 */
#include <stdio.h>

#include "cli.h"

int cmd_status(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "wattnet status: not implemented in this build\n");
    return 2;
}
