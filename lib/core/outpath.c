/*
 * outpath.c - the one check that an output path is not an input of the
 * same command (outpath.h).  Plain paths in, a verdict out; nothing is
 * opened or created.  Used by every command that writes a file: fit,
 * report, export, probe, data export, measure, idle, import.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <wattnet/outpath.h>

/* The canonical form of PATH, which need not exist: realpath of the
 * directory it is in, then its last component.  NULL when the directory
 * does not resolve either (then only the plain comparisons apply); free. */
static char *canonical(const char *path)
{
    char *real = realpath(path, NULL), *out = NULL;
    if (real) {
        size_t n = strlen(real) + 1;
        if ((out = wn_malloc(n)) != NULL)
            memcpy(out, real, n);
        free(real);
        return out;
    }
    const char *slash = strrchr(path, '/');
    const char *base = slash ? slash + 1 : path;
    int dlen = slash ? (int)(slash - path) : 0;
    char dir[PATH_MAX];
    if (dlen >= PATH_MAX)
        return NULL;
    if (slash == NULL)
        snprintf(dir, sizeof dir, ".");
    else if (dlen == 0)
        snprintf(dir, sizeof dir, "/");
    else
        snprintf(dir, sizeof dir, "%.*s", dlen, path);
    char *rdir = realpath(dir, NULL);
    if (!rdir)
        return NULL;
    size_t n = strlen(rdir) + strlen(base) + 2;
    if ((out = wn_malloc(n)) != NULL)
        snprintf(out, n, "%s%s%s", rdir, strcmp(rdir, "/") ? "/" : "", base);
    free(rdir);
    return out;
}

/* 1 when A and B name the same file or the same canonical path. */
static int same_path(const char *a, const char *b)
{
    struct stat sa, sb;
    if (strcmp(a, b) == 0)
        return 1;
    if (stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev &&
        sa.st_ino == sb.st_ino)
        return 1;
    char *ca = canonical(a), *cb = canonical(b);
    int same = ca && cb && strcmp(ca, cb) == 0;
    wn_free(ca);
    wn_free(cb);
    return same;
}

/* 1 when OUT is INPUT's SQLite side file (INPUT-wal, -shm, -journal). */
static int side_file(const char *out, const char *input)
{
    static const char *const sfx[] = { "-wal", "-shm", "-journal" };
    size_t n = strlen(input);
    char buf[PATH_MAX];
    for (size_t i = 0; i < sizeof sfx / sizeof sfx[0]; i++) {
        if (n + strlen(sfx[i]) >= sizeof buf)
            continue;
        snprintf(buf, sizeof buf, "%s%s", input, sfx[i]);
        if (same_path(out, buf))
            return 1;
    }
    return 0;
}

int wn_output_check(const char *out, const char *out_option,
                    const wn_output_input *in, size_t n)
{
    const char *oo = out_option ? out_option : "the output";
    if (!out || !*out)
        return wn_seterr(WN_EINVAL, "%s: empty output path", oo);
    for (size_t i = 0; in && i < n; i++) {
        const char *p = in[i].path;
        if (!p || !*p || strstr(p, "://"))
            continue;
        const char *io = in[i].option ? in[i].option : "an input";
        if (same_path(out, p))
            return wn_seterr(WN_EINVAL, "%s '%s' is the input of %s ('%s'): "
                             "refusing to overwrite it; choose another "
                             "output file", oo, out, io, p);
        if (side_file(out, p))
            return wn_seterr(WN_EINVAL, "%s '%s' is a side file of the "
                             "database of %s ('%s'): refusing to overwrite it",
                             oo, out, io, p);
    }
    return WN_OK;
}
