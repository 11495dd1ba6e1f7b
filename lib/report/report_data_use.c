/*
 * report_data_use.c - wn_data_uses: the datasets behind stored runs, grouped
 * by name, source (real file or stand-in), path and checksum.
 */
#include <string.h>

#include <wattnet/core.h>
#include <wattnet/data_use.h>

#include "core/util.h"

static int same(const wn_data_use *u, const wn_run_record *r, const char *name)
{
    return !strcmp(u->name, name) && !strcmp(u->source, r->data_source) &&
           !strcmp(u->path, r->data_path) && !strcmp(u->sha256, r->data_sha256);
}

int wn_data_uses(const wn_run_record *runs, size_t n, wn_data_use **out,
                 size_t *n_out)
{
    if (!out || !n_out || (!runs && n))
        return wn_seterr(WN_EINVAL, "data uses: NULL argument");
    *out = NULL;
    *n_out = 0;
    if (n == 0)
        return WN_OK;
    wn_data_use *u = wn_calloc(n, sizeof *u);
    if (!u)
        return wn_seterr(WN_ENOMEM, "data uses: out of memory");
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        const wn_run_record *r = &runs[i];
        const char *name = r->dataset_name[0] ? r->dataset_name : r->spec.dataset;
        size_t j = 0;
        while (j < k && !same(&u[j], r, name))
            j++;
        if (j == k) {
            wn__copy_str(u[k].name, sizeof u[k].name, name);
            wn__copy_str(u[k].source, sizeof u[k].source, r->data_source);
            wn__copy_str(u[k].path, sizeof u[k].path, r->data_path);
            wn__copy_str(u[k].sha256, sizeof u[k].sha256, r->data_sha256);
            k++;
        }
        u[j].runs++;
    }
    *out = u;
    *n_out = k;
    return WN_OK;
}
