/*
 * gpu_query.c - wn_gpu_query(): a CUDA device's properties from the CUDA
 * runtime (through gpu_cuda.cu's open; in a build without CUDA,
 * gpu_nocuda.c's "built without CUDA").
 */
#include <stdio.h>
#include <string.h>

#include <wattnet/gpu.h>
#include <wattnet/core.h>
#include <wattnet/data.h>
#include <wattnet/train.h>
#include <wattnet/gpu.h>

#include "nn/gpu.h"

int wn_gpu_query(const char *device, wn_gpu_props *out)
{
    struct wn__device d;
    struct wn__gpu_info info;
    struct wn__cu *cu = NULL;
    memset(out, 0, sizeof *out);
    int rc = wn__device_parse(device, &d);
    if (rc != WN_OK)
        return rc;
    if (d.kind != WN__DEV_CUDA)
        return wn_seterr(WN_EINVAL, "device '%s': not a CUDA device", device);
    memset(&info, 0, sizeof info);
    rc = wn__cu_open(d.index, &info, &cu);
    wn__cu_close(&cu);
    if (rc != WN_OK)
        return rc;
    out->index = info.index;
    snprintf(out->name, sizeof out->name, "%s", info.name);
    snprintf(out->uuid, sizeof out->uuid, "%s", info.uuid);
    snprintf(out->driver, sizeof out->driver, "%s", info.driver);
    snprintf(out->runtime, sizeof out->runtime, "%s", info.runtime);
    out->sms = info.sms;
    out->cc_major = info.cc_major;
    out->cc_minor = info.cc_minor;
    out->shared_per_sm_bytes = info.shared_per_sm_bytes;
    out->l2_bytes = info.l2_bytes;
    out->memory_bytes = info.memory_bytes;
    return WN_OK;
}
