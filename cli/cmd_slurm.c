/*
 * cmd_slurm.c - PLACEHOLDER: `wattnet slurm` is not built yet.  The module's
 * owner replaces this file.  It says so and fails, never pretends.
 */
#include <stdio.h>

#include "cli.h"

int cmd_slurm(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "wattnet slurm: not implemented in this build\n");
    return 2;
}
