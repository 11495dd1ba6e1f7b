/*
 * cli_outpath.c - the commands' side of wn_output_check (outpath.h): an
 * output file is refused, before anything is read or written, when it is
 * or links to an input of the same command (issue 9, item 9).
 */
#include <stdio.h>

#include "cli.h"

int cli_check_output(const char *cmd, const char *out, const char *out_opt,
                     const wn_output_input *in, size_t n)
{
    int st = wn_output_check(out, out_opt, in, n);
    return st == WN_OK ? 0 : cli_fail(cmd, st);
}
