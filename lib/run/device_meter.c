/*
 * device_meter.c - which meter a run's device gets.  A CPU run keeps the
 * options it was given.  A CUDA run ("cuda", "cuda:N") metered by "auto"
 * or "nvml" is metered by NVML alone, on the GPU it trains on: the host
 * CPU's energy (RAPL, perf, IPMI) stays out of its window, so its
 * joules_per_datum comes from NVML only.  The GPU is named by its UUID
 * from the CUDA runtime (CUDA and NVML may number GPUs differently); where
 * the runtime does not answer (a build without CUDA, tests) by the index
 * of "cuda:N".  A CUDA run with another source named on purpose is refused.
 */
#include <stdio.h>
#include <string.h>

#include <wattnet/gpu.h>
#include <wattnet/run.h>

int wn_run_device_is_gpu(const char *device)
{
    return device && !strncmp(device, "cuda", 4);
}

int wn_run_meter_opts(const char *device, wn_meter_opts *mo, char *gpu,
                      size_t cap)
{
    if (!mo || !gpu || cap < 8)
        return wn_seterr(WN_EINVAL, "run: meter_opts: bad argument");
    gpu[0] = '\0';
    if (!wn_run_device_is_gpu(device))
        return WN_OK;
    const char *src = mo->source;
    if (src && !strcmp(src, "none"))
        return WN_OK;
    if (src && strcmp(src, "auto") && strcmp(src, "nvml"))
        return wn_seterr(WN_EINVAL, "run: a GPU run (%s) is metered by NVML; "
                         "meter '%s' would measure the host instead (use "
                         "auto or nvml)", device, src);
    wn_gpu_props p;
    if (wn_gpu_query(device, &p) == WN_OK && p.uuid[0])
        snprintf(gpu, cap, "%s", p.uuid);
    else
        snprintf(gpu, cap, "%s", device[4] == ':' ? device + 5 : "0");
    wn_clearerr();
    mo->source = "nvml";
    mo->allow_estimate = 0;
    mo->nvml_gpu = gpu;
    return WN_OK;
}
