/*
 * sha256.h - SHA-256 (FIPS 180-4) of a byte stream and of a file, as the
 * lower-case hex that `sha256sum` prints (private).  Used to record which
 * dataset file a run trained on.
 */
#ifndef WN_CORE_SHA256_H
#define WN_CORE_SHA256_H

#include <stddef.h>
#include <stdint.h>

struct wn__sha256 {
    uint32_t h[8];
    uint64_t bytes;
    uint8_t block[64];
    size_t fill;
};

void wn__sha256_init(struct wn__sha256 *c);
void wn__sha256_update(struct wn__sha256 *c, const void *data, size_t n);
/* 64 hex digits and a NUL into hex[65]. */
void wn__sha256_hex(struct wn__sha256 *c, char hex[65]);

/* The SHA-256 of PATH's bytes.  WN_OK; WN_ENOENT / WN_EPERM / WN_EIO with
 * a message naming the file. */
int wn__sha256_file(const char *path, char hex[65]);

#endif /* WN_CORE_SHA256_H */
