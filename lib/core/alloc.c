/*
 * alloc.c - the one replaceable allocator of libwattnet, with countdown
 * fault injection for tests (after N successes, fail the next M).
 *
 * Every allocation in lib/ goes through wn_malloc and friends, so a test
 * can walk N upward until a run injects no fault and check that each
 * failure is reported cleanly (SQLite's faultsim habit).
 */
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <wattnet/core.h>

static wn_allocator current = { malloc, realloc, free };

/* Fault injection state: -1 = off. */
static atomic_long fault_after = -1;
static atomic_long fault_count = 0;
static atomic_long fault_hits = 0;

void wn_set_allocator(const wn_allocator *a)
{
    if (a && a->malloc_fn && a->realloc_fn && a->free_fn)
        current = *a;
    else
        current = (wn_allocator){ malloc, realloc, free };
}

long wn_fault_alloc(long after, long count)
{
    long hits = atomic_exchange(&fault_hits, 0);
    atomic_store(&fault_count, count);
    atomic_store(&fault_after, after);
    return hits;
}

/* Non-zero when this allocation should fail. */
static int fault_step(void)
{
    long after = atomic_load(&fault_after);
    if (after < 0)
        return 0;
    if (after > 0) {
        atomic_fetch_sub(&fault_after, 1);
        return 0;
    }
    long count = atomic_load(&fault_count);
    if (count == 0)
        return 0;
    if (count > 0)
        atomic_fetch_sub(&fault_count, 1);
    atomic_fetch_add(&fault_hits, 1);
    return 1;
}

void *wn_malloc(size_t n)
{
    if (fault_step())
        return NULL;
    return current.malloc_fn(n ? n : 1);
}

void *wn_calloc(size_t count, size_t size)
{
    if (size && count > SIZE_MAX / size)
        return NULL;
    void *p = wn_malloc(count * size);
    if (p)
        memset(p, 0, count * size);
    return p;
}

void *wn_realloc(void *p, size_t n)
{
    if (fault_step())
        return NULL;
    return current.realloc_fn(p, n ? n : 1);
}

void wn_free(void *p)
{
    if (p)
        current.free_fn(p);
}

char *wn_strdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = wn_malloc(n);
    if (d)
        memcpy(d, s, n);
    return d;
}

/* Blocks this large are aligned to a 2 MiB huge page and marked for
 * transparent huge pages, so that streaming over a big net's parameters
 * and Adam state does not miss the TLB every 4 KiB (THP in "madvise" mode,
 * Debian's default, gives huge pages only to memory that asks). */
#define HUGE_BLOCK ((size_t)4 << 20)
#define HUGE_PAGE ((size_t)2 << 20)

/* Aligned blocks keep the offset to the raw pointer just before the data. */
void *wn_malloc_aligned(size_t n)
{
    const size_t align = n >= HUGE_BLOCK ? HUGE_PAGE : 64;
    if (n > SIZE_MAX - align - sizeof(void *))
        return NULL;
    unsigned char *raw = wn_malloc(n + align + sizeof(void *));
    if (!raw)
        return NULL;
    uintptr_t start = (uintptr_t)(raw + sizeof(void *));
    uintptr_t aligned = (start + align - 1) & ~(uintptr_t)(align - 1);
    ((void **)aligned)[-1] = raw;
#ifdef MADV_HUGEPAGE
    if (align == HUGE_PAGE)
        (void)madvise((void *)aligned, n & ~(HUGE_PAGE - 1), MADV_HUGEPAGE);
#endif
    return (void *)aligned;
}

void wn_free_aligned(void *p)
{
    if (p)
        wn_free(((void **)p)[-1]);
}
