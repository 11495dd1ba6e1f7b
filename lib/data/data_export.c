/*
 * data_export.c - writes a dataset, rows in split order, in the binary
 * exchange format that the benchmark's PyTorch peer reads (docs/data.md):
 *
 *   offset  size  field
 *   0       8     magic "WNDATA01"
 *   8       8     u64 rows
 *   16      8     u64 inputs
 *   24      8     u64 outputs
 *   32      8     u64 n_train (the first n_train rows are the training set)
 *   40      4     u32 task: 0 regression, 1 binary, 2 multiclass
 *   44      4     u32 reserved, 0
 *   48      ...   float32 x (rows, inputs), then float32 y (rows, outputs)
 *
 * All little-endian.  Written to a temporary file beside the target, then
 * renamed, so a reader never sees half a file.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <wattnet/core.h>
#include <wattnet/data.h>

#include "core/util.h"

#define EXPORT_MAGIC "WNDATA01"

static int host_is_little_endian(void)
{
    const uint16_t one = 1;
    return *(const unsigned char *)&one == 1;
}

static void put_u64(unsigned char *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static void put_u32(unsigned char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

/* Write n floats little-endian through buf (n entries of scratch). */
static int write_floats(FILE *f, const float *v, size_t n, unsigned char *buf)
{
    if (n == 0)
        return 0;
    if (host_is_little_endian())
        return fwrite(v, sizeof(float), n, f) == n ? 0 : -1;
    for (size_t i = 0; i < n; i++) {
        uint32_t u;
        memcpy(&u, &v[i], 4);
        put_u32(buf + 4 * i, u);
    }
    return fwrite(buf, 4, n, f) == n ? 0 : -1;
}

/* The split must be a permutation of 0..rows-1. */
static int check_split(const wn_dataset *d, const wn_split *s)
{
    size_t rows = wn_dataset_rows(d);
    int rc = WN_OK;
    unsigned char *seen = NULL;

    if (!s || !s->idx || s->n_train + s->n_test != rows)
        return wn_seterr(WN_EINVAL, "export: the split does not cover the "
                         "%zu rows of %s", rows, wn_dataset_name(d));
    seen = wn_calloc(rows, 1);
    if (!seen)
        return wn_seterr(WN_ENOMEM, "export: out of memory");
    for (size_t i = 0; i < rows; i++) {
        if (s->idx[i] >= rows || seen[s->idx[i]]) {
            rc = wn_seterr(WN_EINVAL, "export: the split is not a "
                           "permutation (entry %zu)", i);
            break;
        }
        seen[s->idx[i]] = 1;
    }
    wn_free(seen);
    return rc;
}

/* The 48-byte header: magic, rows, inputs, outputs, training rows, task. */
static int write_header(FILE *f, const wn_dataset *d, const wn_split *split)
{
    unsigned char head[48];
    memcpy(head, EXPORT_MAGIC, 8);
    put_u64(head + 8, wn_dataset_rows(d));
    put_u64(head + 16, wn_dataset_inputs(d));
    put_u64(head + 24, wn_dataset_outputs(d));
    put_u64(head + 32, split->n_train);
    put_u32(head + 40, (uint32_t)wn_dataset_task(d));
    put_u32(head + 44, 0);
    return fwrite(head, 1, sizeof(head), f) != sizeof(head);
}

int wn_dataset_export(const wn_dataset *d, const wn_split *split,
                      const char *path)
{
    if (!d || !path || !*path)
        return wn_seterr(WN_EINVAL, "export: dataset or path missing");
    int rc = check_split(d, split);
    if (rc)
        return rc;
    size_t rows = wn_dataset_rows(d), in = wn_dataset_inputs(d);
    size_t k = wn_dataset_outputs(d), width = in > k ? in : k;
    const float *x = wn_dataset_x(d), *y = wn_dataset_y(d);
    unsigned char *scratch = wn_malloc(4 * (width ? width : 1));
    if (!scratch)
        return wn_seterr(WN_ENOMEM, "%s: out of memory", path);
    wn__atomic_file a;
    rc = wn__atomic_open(&a, path);
    if (rc == WN_OK) {
        int bad = write_header(a.f, d, split);
        for (size_t i = 0; i < rows && !bad; i++)
            bad = write_floats(a.f, x + split->idx[i] * in, in, scratch);
        for (size_t i = 0; i < rows && !bad; i++)
            bad = write_floats(a.f, y + split->idx[i] * k, k, scratch);
        if (bad) {
            rc = wn_seterr(WN_EIO, "%s: write failed: %s", path, strerror(errno));
            wn__atomic_abort(&a);
        } else
            rc = wn__atomic_commit(&a);
    }
    wn_free(scratch);
    return rc;
}
