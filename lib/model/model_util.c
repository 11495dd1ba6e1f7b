/*
 * model_util.c - small file and string helpers of the model and report
 * modules: bounded copies, reading a whole file, and writing one through a
 * temporary file and rename(2), so that a reader never sees half a model
 * or report.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <wattnet/wattnet.h>

#include "model/model_util.h"

void wn__copy_str(char *dst, size_t cap, const char *src)
{
    if (cap == 0)
        return;
    size_t n = src ? strlen(src) : 0;
    if (n >= cap)
        n = cap - 1;
    if (n > 0)
        memcpy(dst, src, n);
    dst[n] = '\0';
}

int wn__read_file(const char *path, char **out)
{
    int rc = WN_OK;
    FILE *f = NULL;
    char *buf = NULL;
    *out = NULL;
    if (path == NULL)
        return wn_seterr(WN_EINVAL, "model_util.c:%d: NULL path", __LINE__);
    f = fopen(path, "rb");
    if (f == NULL) {
        rc = wn_seterr(errno == ENOENT ? WN_ENOENT : WN_EIO, "%s: %s", path,
                       strerror(errno));
        goto out;
    }
    size_t cap = 4096, len = 0;
    buf = wn_malloc(cap);
    if (buf == NULL) {
        rc = wn_seterr(WN_ENOMEM, "%s: out of memory", path);
        goto out;
    }
    for (;;) {
        if (len + 1 >= cap) {
            char *nb = wn_realloc(buf, cap * 2);
            if (nb == NULL) {
                rc = wn_seterr(WN_ENOMEM, "%s: out of memory", path);
                goto out;
            }
            buf = nb;
            cap *= 2;
        }
        size_t got = fread(buf + len, 1, cap - 1 - len, f);
        len += got;
        if (got == 0) {
            if (ferror(f)) {
                rc = wn_seterr(WN_EIO, "%s: read error", path);
                goto out;
            }
            break;
        }
    }
    buf[len] = '\0';
    *out = buf;
    buf = NULL;
out:
    if (f != NULL)
        fclose(f);
    wn_free(buf);
    return rc;
}

int wn__write_file_atomic(const char *path, const char *data, size_t n)
{
    int rc = WN_OK;
    FILE *f = NULL;
    char *tmp = NULL;
    if (path == NULL || data == NULL)
        return wn_seterr(WN_EINVAL, "model_util.c:%d: NULL argument", __LINE__);
    size_t plen = strlen(path);
    tmp = wn_malloc(plen + 5);
    if (tmp == NULL) {
        rc = wn_seterr(WN_ENOMEM, "%s: out of memory", path);
        goto out;
    }
    memcpy(tmp, path, plen);
    memcpy(tmp + plen, ".tmp", 5);
    f = fopen(tmp, "wb");
    if (f == NULL) {
        rc = wn_seterr(errno == ENOENT ? WN_ENOENT : WN_EIO, "%s: %s", tmp,
                       strerror(errno));
        goto out;
    }
    if (fwrite(data, 1, n, f) != n || fflush(f) != 0) {
        rc = wn_seterr(WN_EIO, "%s: write failed: %s", tmp, strerror(errno));
        goto out;
    }
    if (fclose(f) != 0) {
        f = NULL;
        rc = wn_seterr(WN_EIO, "%s: close failed: %s", tmp, strerror(errno));
        goto out;
    }
    f = NULL;
    if (rename(tmp, path) != 0) {
        rc = wn_seterr(WN_EIO, "%s: rename to %s failed: %s", tmp, path,
                       strerror(errno));
        goto out;
    }
out:
    if (f != NULL)
        fclose(f);
    if (rc != WN_OK && tmp != NULL)
        remove(tmp);
    wn_free(tmp);
    return rc;
}
