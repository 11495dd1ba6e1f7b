/*
 * test_core.c - status codes, error messages and the allocator's fault
 * injection.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <unistd.h>
#include <cmocka.h>

#include <wattnet/wattnet.h>

static void test_strerror_covers_every_code(void **state)
{
    (void)state;
    for (int s = 0; s < WN_STATUS_COUNT_; s++)
        assert_string_not_equal(wn_strerror(s), "unknown status");
    assert_string_equal(wn_strerror(WN_STATUS_COUNT_), "unknown status");
}

static void test_seterr_formats_and_returns(void **state)
{
    (void)state;
    int rc = wn_seterr(WN_ENOENT, "%s:%d: missing", "f.tsv", 3);
    assert_int_equal(rc, WN_ENOENT);
    assert_string_equal(wn_errmsg(), "f.tsv:3: missing");
    wn_clearerr();
    assert_string_equal(wn_errmsg(), "");
}

static void test_fault_injection_countdown(void **state)
{
    (void)state;
    wn_fault_alloc(2, 1);
    void *a = wn_malloc(8), *b = wn_malloc(8), *c = wn_malloc(8), *d = wn_malloc(8);
    long hits = wn_fault_alloc(-1, 0);
    assert_non_null(a);
    assert_non_null(b);
    assert_null(c);
    assert_non_null(d);
    assert_int_equal(hits, 1);
    wn_free(a);
    wn_free(b);
    wn_free(d);
}

static void test_aligned_and_calloc_overflow(void **state)
{
    (void)state;
    float *p = wn_malloc_aligned(100 * sizeof(float));
    assert_non_null(p);
    assert_int_equal((uintptr_t)p % 64, 0);
    p[99] = 1.0f;
    wn_free_aligned(p);
    /* a big block (a 2^20-parameter net's state) sits on 2 MiB pages,
     * so transparent huge pages can back it */
    size_t big = (size_t)5 << 20;
    unsigned char *q = wn_malloc_aligned(big);
    assert_non_null(q);
    assert_int_equal((uintptr_t)q % ((uintptr_t)2 << 20), 0);
    q[0] = 1;
    q[big - 1] = 2;
    wn_free_aligned(q);
    assert_null(wn_calloc(SIZE_MAX / 2, 4));
    char *s = wn_strdup("abc");
    assert_string_equal(s, "abc");
    wn_free(s);
}

/* Read PATH (at most CAP-1 bytes) into BUF; the byte count, or -1. */
static long slurp(const char *path, char *buf, size_t cap)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    size_t n = fread(buf, 1, cap - 1, f);
    buf[n] = '\0';
    fclose(f);
    return (long)n;
}

/* Files in DIR other than "." and "..". */
static int entries(const char *dir)
{
    DIR *d = opendir(dir);
    int n = 0;
    assert_non_null(d);
    for (struct dirent *e; (e = readdir(d)) != NULL;)
        n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
    closedir(d);
    return n;
}

/* wn_write_file replaces the target whole: a hard link to the old file
 * keeps the old bytes (a write in place would change both), no temporary
 * file is left, and a failed write leaves nothing behind. */
static void test_write_file_replaces_whole(void **state)
{
    (void)state;
    char dir[512], path[600], link_path[600], buf[64];
    snprintf(dir, sizeof dir, "%s/tmp-write-XXXXXX", WN_BINARY_DIR);
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/out.txt", dir);
    snprintf(link_path, sizeof link_path, "%s/old.txt", dir);
    assert_int_equal(wn_write_file(path, "old\n", 4), WN_OK);
    assert_int_equal(link(path, link_path), 0);
    assert_int_equal(wn_write_file(path, "new text\n", 9), WN_OK);
    assert_int_equal(slurp(path, buf, sizeof buf), 9);
    assert_string_equal(buf, "new text\n");
    assert_int_equal(slurp(link_path, buf, sizeof buf), 4);
    assert_string_equal(buf, "old\n");
    assert_int_equal(entries(dir), 2);   /* no temporary file left */
    /* a folder that does not exist: an error, and nothing written */
    char bad[700];
    snprintf(bad, sizeof bad, "%s/no/such/out.txt", dir);
    assert_int_equal(wn_write_file(bad, "x", 1), WN_ENOENT);
    assert_non_null(strstr(wn_errmsg(), "no/such/out.txt"));
    assert_int_equal(wn_write_file(NULL, "x", 1), WN_EINVAL);
    assert_int_equal(wn_write_file(path, NULL, 1), WN_EINVAL);
    assert_int_equal(entries(dir), 2);
    unlink(path);
    unlink(link_path);
    assert_int_equal(rmdir(dir), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_strerror_covers_every_code),
        cmocka_unit_test(test_seterr_formats_and_returns),
        cmocka_unit_test(test_fault_injection_countdown),
        cmocka_unit_test(test_aligned_and_calloc_overflow),
        cmocka_unit_test(test_write_file_replaces_whole),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
