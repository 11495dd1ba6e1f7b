/*
 * atomic_file.c - an output file written whole or not at all.  What is
 * written goes to a temporary file beside the target (mkstemp, so two
 * writers never share one); commit flushes it, fsyncs it, closes it and
 * renames it over the target, so a reader (or the target after a crash or
 * power loss) sees the old file or the whole new one, never part of it.
 * On any failure the temporary file is removed and the target untouched.
 * Every file wattnet writes goes through here: models, reports, exports,
 * idle baselines, profiles, measure reports.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <wattnet/core.h>

#include "core/util.h"

int wn__atomic_open(wn__atomic_file *a, const char *path)
{
    memset(a, 0, sizeof *a);
    if (path == NULL || !*path)
        return wn_seterr(WN_EINVAL, "write: no path");
    int len = snprintf(a->tmp, sizeof a->tmp, "%s.tmp.XXXXXX", path);
    if (len < 0 || (size_t)len >= sizeof a->tmp)
        return wn_seterr(WN_EINVAL, "%s: path too long", path);
    int fd = mkstemp(a->tmp);
    if (fd < 0) {
        int err = errno;
        a->tmp[0] = '\0';   /* nothing to remove */
        return wn_seterr(wn__errno_status(err), "%s: cannot create a file beside it: %s",
                         path, strerror(err));
    }
    (void)fchmod(fd, 0644);   /* mkstemp makes it 0600 */
    a->f = fdopen(fd, "wb");
    if (a->f == NULL) {
        int err = errno;
        close(fd);
        unlink(a->tmp);
        a->tmp[0] = '\0';
        return wn_seterr(WN_EIO, "%s: %s", path, strerror(err));
    }
    a->path = path;
    return WN_OK;
}

void wn__atomic_abort(wn__atomic_file *a)
{
    if (a->f)
        fclose(a->f);
    a->f = NULL;
    if (a->tmp[0])
        unlink(a->tmp);
    a->tmp[0] = '\0';
}

int wn__atomic_commit(wn__atomic_file *a)
{
    if (a->f == NULL)
        return wn_seterr(WN_ESTATE, "write: file not open");
    errno = 0;
    int bad = ferror(a->f) || fflush(a->f) != 0 || fsync(fileno(a->f)) != 0;
    int err = errno;
    if (fclose(a->f) != 0 && !bad) {
        bad = 1;
        err = errno;
    }
    a->f = NULL;
    if (bad) {
        wn__atomic_abort(a);
        return wn_seterr(WN_EIO, "%s: write failed: %s", a->path,
                         strerror(err ? err : EIO));
    }
    if (rename(a->tmp, a->path) != 0) {
        err = errno;
        wn__atomic_abort(a);
        return wn_seterr(wn__errno_status(err), "%s: cannot replace it: %s", a->path,
                         strerror(err));
    }
    a->tmp[0] = '\0';
    return WN_OK;
}

int wn__write_file_atomic(const char *path, const char *data, size_t n)
{
    wn__atomic_file a;
    if (data == NULL)
        return wn_seterr(WN_EINVAL, "write_file: NULL argument");
    int rc = wn__atomic_open(&a, path);
    if (rc != WN_OK)
        return rc;
    if (fwrite(data, 1, n, a.f) != n) {
        int err = errno;
        wn__atomic_abort(&a);
        return wn_seterr(WN_EIO, "%s: write failed: %s", path, strerror(err));
    }
    return wn__atomic_commit(&a);
}

int wn_write_file(const char *path, const char *data, size_t n)
{
    return wn__write_file_atomic(path, data, n);
}
