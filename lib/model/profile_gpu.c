/*
 * profile_gpu.c - a hardware profile (model.h) from a CUDA device's
 * properties (gpu.h): the GPU's cache levels as the model reads them.
 */
#include <stdio.h>
#include <string.h>

#include <wattnet/core.h>
#include <wattnet/gpu.h>
#include <wattnet/model.h>

void wn_gpu_hw_profile(const wn_gpu_props *g, wn_hw_profile *out)
{
    memset(out, 0, sizeof *out);
    snprintf(out->name, sizeof out->name, "%s", g->name);
    snprintf(out->kind, sizeof out->kind, "gpu");
    out->cores = g->sms;
    int n = 0;
    if (g->shared_per_sm_bytes) {
        wn_hw_level *l = &out->levels[n++];
        snprintf(l->name, sizeof l->name, "L1");
        l->size_bytes = g->shared_per_sm_bytes;
        l->shared_by_cores = 1;
        l->instances = g->sms;
    }
    if (g->l2_bytes) {
        wn_hw_level *l = &out->levels[n++];
        snprintf(l->name, sizeof l->name, "L2");
        l->size_bytes = g->l2_bytes;
        l->shared_by_cores = g->sms;
        l->instances = 1;
    }
    out->n_levels = n;
    snprintf(out->memory_name, sizeof out->memory_name, "HBM");
    out->memory_bytes = g->memory_bytes;
}
