/*
 * gpu.h - the CUDA devices this build can train on (`--device cuda:N`):
 * their properties as the CUDA runtime reports them, and a hardware
 * profile (model.h) made from those properties.
 */
#ifndef WATTNET_GPU_H
#define WATTNET_GPU_H

#include <stdint.h>
#include <wattnet/core.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct wn_gpu_props {
    int index;                  /* CUDA ordinal */
    char name[96];              /* e.g. "NVIDIA H200" */
    char uuid[48];              /* "GPU-xxxxxxxx-xxxx-..." */
    char driver[32];            /* CUDA driver API version, e.g. "13.0" */
    char runtime[32];           /* CUDA runtime version */
    int sms;                    /* streaming multiprocessors */
    int cc_major, cc_minor;     /* compute capability */
    uint64_t shared_per_sm_bytes;   /* shared memory per SM (the runtime
                                       does not report the combined L1) */
    uint64_t l2_bytes;
    uint64_t memory_bytes;
} wn_gpu_props;

/* Properties of device ("cuda" or "cuda:N").  WN_OK; WN_EINVAL for a bad
 * device string; WN_EUNAVAILABLE "no NVIDIA driver ..." / "no CUDA device
 * ..." / "cuda:N: only K ..."; WN_EUNSUPPORTED in a build without CUDA. */
int wn_gpu_query(const char *device, wn_gpu_props *out);


#ifdef __cplusplus
}
#endif
#endif /* WATTNET_GPU_H */
