/*
 * cmd_report.c - PLACEHOLDER: `wattnet report` is not built yet.  The module's
 * owner replaces this file.  It says so and fails, never pretends.
 */
#include <stdio.h>

#include "cli.h"

int cmd_report(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "wattnet report: not implemented in this build\n");
    return 2;
}
