/*
 * core.h - what every libwattnet module shares: the status codes, the
 * per-thread error message, the replaceable allocator and the version.
 * Every module header includes it, so each compiles on its own; a client
 * that wants the whole library includes <wattnet/wattnet.h> instead.
 *
 * Conventions (see docs/architecture.md):
 *   - Every fallible function returns an int status, WN_OK (0) on success.
 *   - On failure the function also sets a one-line message that says what
 *     failed and where (file, line, column); read it with wn_errmsg().
 *   - Constructors pass the object out through a pointer; destructors take
 *     T ** , accept NULL and clear the caller's pointer.
 *   - The library never prints and never exits.
 */
#ifndef WATTNET_CORE_H
#define WATTNET_CORE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define WN_VERSION "0.1.0"

/* Status codes.  Always add new codes last; never renumber. */
typedef enum wn_status {
    WN_OK = 0,
    WN_ENOMEM,        /* allocation failed */
    WN_EINVAL,        /* bad argument or option value */
    WN_ENOENT,        /* file, dataset or object not found */
    WN_EIO,           /* read or write failed */
    WN_EFORMAT,       /* malformed input: ragged row, bad number, bad JSON */
    WN_EUNSUPPORTED,  /* not supported by this build or this machine */
    WN_EPERM,         /* permission denied */
    WN_EUNAVAILABLE,  /* a source or service is not available here */
    WN_EBACKEND,      /* the compute backend (oneDNN) failed */
    WN_EDB,           /* the database failed */
    WN_ETIMEOUT,      /* an operation timed out */
    WN_EBUSY,         /* resource busy or locked */
    WN_ESTUCK,        /* a counter did not advance: not a measurement */
    WN_ENET,          /* network or HTTP failure */
    WN_ENUMERIC,      /* NaN, inf or a numerical failure */
    WN_ESTATE,        /* call out of order (e.g. window not open) */
    WN_ECHILD,        /* a child process failed */
    WN_ECANCELED,     /* stopped on request: a signal, or a lost job lease */
    WN_ENODATA,       /* too little usable data (runs, samples) for the step */
    WN_STATUS_COUNT_  /* not a status: the number of codes */
} wn_status;

/* A short, static description of a status code ("out of memory"). */
const char *wn_strerror(int status);

/* The message set by the last failing call on this thread; "" if none. */
const char *wn_errmsg(void);

/* Set this thread's message (printf-style) and return status, so that a
 * failing path can read:  return wn_seterr(WN_ENOENT, "%s: not found", p);  */
int wn_seterr(int status, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Clear this thread's message. */
void wn_clearerr(void);

/* ---- Allocator ------------------------------------------------------------
 * All library allocation goes through these.  wn_set_allocator() replaces
 * the functions (NULL restores libc's).  Not thread-safe against concurrent
 * allocation: call it before starting work. */
typedef struct wn_allocator {
    void *(*malloc_fn)(size_t n);
    void *(*realloc_fn)(void *p, size_t n);
    void (*free_fn)(void *p);
} wn_allocator;

void wn_set_allocator(const wn_allocator *a);
void *wn_malloc(size_t n);
void *wn_calloc(size_t count, size_t size);   /* zeroed, overflow-checked */
void *wn_realloc(void *p, size_t n);
void wn_free(void *p);
char *wn_strdup(const char *s);
/* 64-byte aligned, for tensors; release with wn_free_aligned.  Blocks of
 * 4 MiB or more are aligned to 2 MiB and marked for transparent huge pages
 * (madvise), which made large nets' epochs 3-7% faster (docs/training.md). */
void *wn_malloc_aligned(size_t n);
void wn_free_aligned(void *p);

/* ---- Output files ---------------------------------------------------------
 * Write N bytes of DATA to PATH whole or not at all: through a temporary
 * file beside it, fsynced, then renamed over PATH (lib/core/atomic_file.c).
 * On failure PATH is untouched.  WN_EINVAL (NULL), WN_ENOENT (no such
 * folder), WN_EPERM, WN_EIO. */
int wn_write_file(const char *path, const char *data, size_t n);

/* Fault injection for tests (SQLite's faultsim): after `after` successful
 * allocations, the next `count` fail (count < 0: all later ones fail).
 * wn_fault_alloc(-1, 0) turns injection off.  Returns the number of
 * faults injected since the last call. */
long wn_fault_alloc(long after, long count);

#ifdef __cplusplus
}
#endif
#endif /* WATTNET_CORE_H */
