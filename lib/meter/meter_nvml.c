/*
 * meter_nvml.c - NVIDIA GPUs through NVML, loaded with dlopen at run time
 * (no build-time CUDA dependency: the few types are declared here).
 *
 * Library: $WATTNET_NVML_LIB, else libnvidia-ml.so.1.  Every symbol is
 * looked up and checked (likwid's DLSYM_AND_CHECK); vendor errors map to our
 * codes.  Per GPU: the total-energy counter (mJ, Volta and later) where the
 * GPU has one, else polled power (mW) integrated by the meter.  Domains are
 * "gpuI:NAME"; GPUs never contain each other, so all are in the total.
 */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <wattnet/core.h>
#include <wattnet/meter.h>

#include "meter/meter_internal.h"

/* ---- The slice of nvml.h we use ---------------------------------------- */
typedef int nvmlReturn_t;
typedef struct nvmlDevice_st *nvmlDevice_t;
enum {
    NVML_SUCCESS = 0,
    NVML_ERROR_UNINITIALIZED = 1,
    NVML_ERROR_INVALID_ARGUMENT = 2,
    NVML_ERROR_NOT_SUPPORTED = 3,
    NVML_ERROR_NO_PERMISSION = 4,
    NVML_ERROR_NOT_FOUND = 6,
    NVML_ERROR_DRIVER_NOT_LOADED = 9,
    NVML_ERROR_TIMEOUT = 10,
    NVML_ERROR_LIBRARY_NOT_FOUND = 12,
    NVML_ERROR_FUNCTION_NOT_FOUND = 13,
    NVML_ERROR_GPU_IS_LOST = 15,
};
#define NVML_DEVICE_NAME_BUFFER_SIZE 96

#define MAX_GPUS 8

struct nvml_state {
    void *lib;
    int inited;
    nvmlReturn_t (*init)(void);
    nvmlReturn_t (*shutdown)(void);
    nvmlReturn_t (*count)(unsigned int *);
    nvmlReturn_t (*handle)(unsigned int, nvmlDevice_t *);
    nvmlReturn_t (*name)(nvmlDevice_t, char *, unsigned int);
    nvmlReturn_t (*energy)(nvmlDevice_t, unsigned long long *);
    nvmlReturn_t (*power)(nvmlDevice_t, unsigned int *);
    const char *(*errstr)(nvmlReturn_t);
    nvmlReturn_t (*uuid)(nvmlDevice_t, char *, unsigned int);   /* optional */
    nvmlDevice_t dev[MAX_GPUS];
    int use_energy[MAX_GPUS];
};

/* Our status for an NVML error. */
static int map_err(nvmlReturn_t r)
{
    switch (r) {
    case NVML_SUCCESS: return WN_OK;
    case NVML_ERROR_INVALID_ARGUMENT: return WN_EINVAL;
    case NVML_ERROR_NOT_SUPPORTED: return WN_EUNSUPPORTED;
    case NVML_ERROR_NO_PERMISSION: return WN_EPERM;
    case NVML_ERROR_NOT_FOUND: return WN_ENOENT;
    case NVML_ERROR_TIMEOUT: return WN_ETIMEOUT;
    case NVML_ERROR_UNINITIALIZED:
    case NVML_ERROR_DRIVER_NOT_LOADED:
    case NVML_ERROR_LIBRARY_NOT_FOUND:
    case NVML_ERROR_FUNCTION_NOT_FOUND:
    case NVML_ERROR_GPU_IS_LOST: return WN_EUNAVAILABLE;
    default: return WN_EIO;
    }
}

static int fail(const struct nvml_state *st, const char *what, nvmlReturn_t r)
{
    const char *msg = st->errstr ? st->errstr(r) : NULL;
    return wn_seterr(map_err(r), "nvml: %s: %s (NVML error %d)", what,
                     msg ? msg : "unknown", r);
}

#define NVML_SYM(field, symbol)                                              \
    do {                                                                     \
        *(void **)(&st->field) = dlsym(st->lib, symbol);                     \
        if (!st->field)                                                      \
            return wn_seterr(WN_EUNAVAILABLE, "nvml: %s: symbol %s missing", \
                             path, symbol);                                  \
    } while (0)

/* Is GPU I (handle D) the one opts->nvml_gpu names (an index or a UUID)?
 * Every GPU is when none is named. */
static int keep_gpu(const struct nvml_state *st, const wn_meter_opts *o,
                    unsigned int i, nvmlDevice_t d)
{
    const char *want = o ? o->nvml_gpu : NULL;
    if (!want || !want[0])
        return 1;
    if (strncmp(want, "GPU-", 4) && strncmp(want, "MIG-", 4)) {
        char *end = NULL;
        unsigned long k = strtoul(want, &end, 10);
        return end != want && !*end && k == i;
    }
    char u[96] = "";
    return st->uuid && st->uuid(d, u, sizeof u) == NVML_SUCCESS && !strcmp(u, want);
}

/* dlopen NVML at PATH into ST and find the functions used (uuid may be
 * missing: an old driver). */
static int nvml_load(struct nvml_state *st, const char *path)
{
    st->lib = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!st->lib) {
        const char *e = dlerror();
        return wn_seterr(WN_EUNAVAILABLE, "nvml: cannot load %s (no NVIDIA "
                         "driver here?): %s", path, e ? e : "dlopen failed");
    }
    NVML_SYM(errstr, "nvmlErrorString");
    NVML_SYM(init, "nvmlInit_v2");
    NVML_SYM(shutdown, "nvmlShutdown");
    NVML_SYM(count, "nvmlDeviceGetCount_v2");
    NVML_SYM(handle, "nvmlDeviceGetHandleByIndex_v2");
    NVML_SYM(name, "nvmlDeviceGetName");
    NVML_SYM(energy, "nvmlDeviceGetTotalEnergyConsumption");
    NVML_SYM(power, "nvmlDeviceGetPowerUsage");
    *(void **)&st->uuid = dlsym(st->lib, "nvmlDeviceGetUUID");
    return WN_OK;
}

/* GPU I as a domain of SRC, unless --nvml-gpu leaves it out: its energy
 * counter where it has one, else its polled power (counted in *n_power). */
static int nvml_add_gpu(struct wn__meter_src *src, struct nvml_state *st,
                        const wn_meter_opts *o, unsigned int i, int *n_power)
{
    char gname[NVML_DEVICE_NAME_BUFFER_SIZE] = "";
    nvmlReturn_t r = st->handle(i, &st->dev[i]);
    if (r != NVML_SUCCESS)
        return fail(st, "nvmlDeviceGetHandleByIndex_v2", r);
    if (!keep_gpu(st, o, i, st->dev[i]))
        return WN_OK;
    if (st->name(st->dev[i], gname, sizeof gname) != NVML_SUCCESS)
        snprintf(gname, sizeof gname, "GPU");
    unsigned long long mj;
    unsigned int mw;
    r = st->energy(st->dev[i], &mj);
    st->use_energy[i] = r == NVML_SUCCESS;
    if (r != NVML_SUCCESS && r != NVML_ERROR_NOT_SUPPORTED)
        return fail(st, "nvmlDeviceGetTotalEnergyConsumption", r);
    if (!st->use_energy[i]) {
        r = st->power(st->dev[i], &mw);
        if (r != NVML_SUCCESS)
            return fail(st, "nvmlDeviceGetPowerUsage", r);
        (*n_power)++;
    }
    char dname[48];
    snprintf(dname, sizeof dname, "gpu%u:%.36s", i % 100u, gname);
    struct wn__meter_domain *d =
        wn__meter_add_domain(src, dname, st->use_energy[i] ? WN__KIND_COUNTER
                                                           : WN__KIND_POWER, 1e-3, 0);
    if (!d)
        return wn_seterr(WN_ENOMEM, "nvml: too many domains");
    d->slot = (int)i;   /* the GPU, also when others were skipped */
    return WN_OK;
}

static int nvml_open(struct wn__meter_src *src, const wn_meter_opts *o)
{
    const char *env = getenv("WATTNET_NVML_LIB");
    const char *path = env && env[0] ? env : "libnvidia-ml.so.1";
    struct nvml_state *st = wn_calloc(1, sizeof *st);
    if (!st)
        return wn_seterr(WN_ENOMEM, "nvml: out of memory");
    src->state = st;
    int rc = nvml_load(st, path);
    if (rc != WN_OK)
        return rc;
    nvmlReturn_t r = st->init();
    if (r != NVML_SUCCESS)
        return fail(st, "nvmlInit_v2", r);
    st->inited = 1;
    unsigned int n = 0;
    r = st->count(&n);
    if (r != NVML_SUCCESS)
        return fail(st, "nvmlDeviceGetCount_v2", r);
    if (n == 0)
        return wn_seterr(WN_EUNAVAILABLE, "nvml: no GPU found");
    if (n > MAX_GPUS) {
        snprintf(src->notes, sizeof src->notes, "only the first %d of %u GPUs "
                 "are metered", MAX_GPUS, n);
        n = MAX_GPUS;
    }
    int n_power = 0;
    for (unsigned int i = 0; i < n && rc == WN_OK; i++)
        rc = nvml_add_gpu(src, st, o, i, &n_power);
    if (rc != WN_OK)
        return rc;
    if (src->n_dom == 0)
        return wn_seterr(WN_EUNAVAILABLE, "nvml: no GPU '%s' among the %u GPUs "
                         "NVML sees", o->nvml_gpu, n);
    if (n_power) {
        size_t len = strlen(src->notes);
        snprintf(src->notes + len, sizeof src->notes - len,
                 "%s%d GPU(s) without an energy counter: polled power "
                 "integrated", len ? "; " : "", n_power);
    }
    return WN_OK;
}

static int nvml_read(struct wn__meter_src *src, uint64_t *ticks)
{
    const struct nvml_state *st = src->state;
    for (size_t i = 0; i < src->n_dom; i++) {
        int g = src->dom[i].slot;
        nvmlReturn_t r;
        if (st->use_energy[g]) {
            unsigned long long mj = 0;
            r = st->energy(st->dev[g], &mj);
            ticks[i] = mj;
        } else {
            unsigned int mw = 0;
            r = st->power(st->dev[g], &mw);
            ticks[i] = mw;
        }
        if (r != NVML_SUCCESS)
            return fail(st, src->dom[i].name, r);
    }
    return WN_OK;
}

static void nvml_close(struct wn__meter_src *src)
{
    struct nvml_state *st = src->state;
    if (!st)
        return;
    if (st->inited && st->shutdown)
        st->shutdown();
    if (st->lib)
        dlclose(st->lib);
    wn_free(st);
    src->state = NULL;
}

const struct wn_meter_ops wn__meter_nvml_ops = {
    .name = "nvml",
    .update_s = 0.1,          /* NVML energy/power about every 100 ms */
    .node_level = 0,
    .is_estimate = 0,
    .open = nvml_open,
    .read = nvml_read,
    .close = nvml_close,
};
