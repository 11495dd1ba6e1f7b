/*
 * worker_devices.c - which devices a sweep worker has, so that it claims
 * only the jobs it can run (a sweep's "devices" axis puts the device in
 * each job).  The CPU is always there; a CUDA device is there when
 * wn_gpu_query("cuda") succeeds (a CUDA build, a driver and a device).
 * `wattnet worker --devices cpu,cuda` names them instead of detecting.
 */
#include <stdio.h>
#include <string.h>

#include <wattnet/gpu.h>
#include <wattnet/sweep.h>

unsigned wn_worker_devices_detect(void)
{
    wn_gpu_props p;
    unsigned mask = WN_JOB_DEVICE_CPU;
    if (wn_gpu_query("cuda", &p) == WN_OK)
        mask |= WN_JOB_DEVICE_CUDA;
    wn_clearerr();
    return mask;
}

int wn_worker_devices_parse(const char *list, unsigned *mask)
{
    unsigned m = 0;
    if (!list || !mask)
        return wn_seterr(WN_EINVAL, "devices: NULL argument");
    const char *p = list;
    while (*p) {
        size_t n = strcspn(p, ",");
        if (n == 3 && !strncmp(p, "cpu", 3))
            m |= WN_JOB_DEVICE_CPU;
        else if (n == 4 && !strncmp(p, "cuda", 4))
            m |= WN_JOB_DEVICE_CUDA;
        else
            return wn_seterr(WN_EINVAL, "devices: '%.*s' is not a device kind "
                             "(cpu, cuda)", (int)n, p);
        p += n;
        if (*p == ',')
            p++;
    }
    if (!m)
        return wn_seterr(WN_EINVAL, "devices: empty list (cpu, cuda)");
    *mask = m;
    return WN_OK;
}

const char *wn_worker_devices_name(unsigned mask)
{
    unsigned both = WN_JOB_DEVICE_CPU | WN_JOB_DEVICE_CUDA;
    if ((mask & both) == both)
        return "cpu,cuda";
    return (mask & WN_JOB_DEVICE_CUDA) ? "cuda" : "cpu";
}
