/*
 * cli_fixture.h - helpers the CLI and report tests share: read a whole
 * file, and run a shell command line in a scratch directory with its
 * output captured.  Header-only because every test file is its own
 * program.
 */
#ifndef WN_TEST_CLI_FIXTURE_H
#define WN_TEST_CLI_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

/* The whole file at PATH, NUL-terminated (free it); NULL when it cannot be
 * opened or read. */
static inline char *fx_slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    size_t cap = 1 << 16, len = 0, got;
    char *buf = malloc(cap);
    while (buf && (got = fread(buf + len, 1, cap - 1 - len, f)) > 0) {
        len += got;
        if (len + 1 >= cap) {
            char *more = realloc(buf, cap *= 2);
            if (more == NULL)
                free(buf);
            buf = more;
        }
    }
    int bad = ferror(f);
    fclose(f);
    if (buf == NULL || bad) {
        free(buf);
        return NULL;
    }
    buf[len] = '\0';
    return buf;
}

/* Run the shell command line CMD in DIR, its stdout and stderr into
 * DIR/OUT; *all (when ALL is not NULL) gets that output, "" when there was
 * none.  Returns the exit code, -1 when it did not exit. */
static inline int fx_shell(const char *dir, const char *out, char **all,
                           const char *cmd)
{
    char o[700], line[8000];
    snprintf(o, sizeof o, "%s/%s", dir, out);
    snprintf(line, sizeof line, "cd '%s' && (%s) > '%s' 2>&1", dir, cmd, o);
    int st = system(line);
    char *text = fx_slurp(o);
    if (text == NULL)
        text = strdup("");
    if (all)
        *all = text;
    else
        free(text);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

#endif
