/*
 * host.c - what this machine is (wn_host_detect): CPU model, cores, the
 * data/unified cache levels with their size, sharing and instance count,
 * memory (all from hwloc), hostname, kernel (uname), compiler (__VERSION__),
 * oneDNN version (dnnl_version()) and GPUs (NVIDIA's /proc driver files when
 * present; none otherwise).
 *
 * The store records the result with every run; the model turns it into a
 * hardware profile (cache boundaries).  Called once per process, so cost is
 * not a concern: hwloc's topology load takes a few milliseconds.
 */
#include <dirent.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <hwloc.h>
#include <oneapi/dnnl/dnnl.h>

#include <wattnet/core.h>
#include <wattnet/host.h>

#include "core/util.h"

/* ---- small helpers ------------------------------------------------------ */

static void trim(char *s)
{
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == ' ' || s[n - 1] == '\t'))
        s[--n] = '\0';
    size_t lead = 0;
    while (s[lead] == ' ' || s[lead] == '\t')
        lead++;
    if (lead > 0)
        memmove(s, s + lead, n - lead + 1);
}

/* ---- caches and CPU from hwloc ----------------------------------------- */

static void detect_cache(hwloc_topology_t topo, hwloc_obj_type_t type,
                         int level, wn_host *h)
{
    int n = hwloc_get_nbobjs_by_type(topo, type);
    if (n <= 0 || h->n_caches >= WN_MAX_CACHES)
        return;
    hwloc_obj_t obj = hwloc_get_obj_by_type(topo, type, 0);
    if (obj == NULL || obj->attr == NULL)
        return;
    if (obj->attr->cache.type == HWLOC_OBJ_CACHE_INSTRUCTION)
        return;
    int sharing = hwloc_get_nbobjs_inside_cpuset_by_type(topo, obj->cpuset,
                                                         HWLOC_OBJ_CORE);
    wn_cache_level *c = &h->caches[h->n_caches++];
    c->level = level;
    c->size_bytes = (uint64_t)obj->attr->cache.size;
    c->shared_by_cores = sharing > 0 ? sharing : 1;
    c->instances = n;
}

static void detect_cpu_model(hwloc_topology_t topo, wn_host *h)
{
    const char *model = NULL;
    hwloc_obj_t pkg = hwloc_get_obj_by_type(topo, HWLOC_OBJ_PACKAGE, 0);
    if (pkg != NULL)
        model = hwloc_obj_get_info_by_name(pkg, "CPUModel");
    if (model == NULL)
        model = hwloc_obj_get_info_by_name(hwloc_get_root_obj(topo),
                                           "CPUModel");
    wn__copy_str(h->cpu_model, sizeof h->cpu_model, model ? model : "unknown");
    trim(h->cpu_model);
}

/* ---- GPUs (optional) ---------------------------------------------------- */

/* Each /proc/driver/nvidia/gpus/<bus id>/information has "Model: NAME". */
static void detect_nvidia_gpus(wn_host *h)
{
    const char *dir = "/proc/driver/nvidia/gpus";
    DIR *d = opendir(dir);
    if (d == NULL)
        return;
    struct dirent *e;
    while ((e = readdir(d)) != NULL && h->n_gpus < WN_MAX_GPUS) {
        if (e->d_name[0] == '.')
            continue;
        char path[512];
        snprintf(path, sizeof path, "%s/%s/information", dir, e->d_name);
        FILE *f = fopen(path, "r");
        if (f == NULL)
            continue;
        char line[256];
        char model[96] = "NVIDIA GPU";
        while (fgets(line, sizeof line, f) != NULL) {
            if (strncmp(line, "Model:", 6) == 0) {
                wn__copy_str(model, sizeof model, line + 6);
                trim(model);
                break;
            }
        }
        fclose(f);
        wn__copy_str(h->gpus[h->n_gpus], sizeof h->gpus[0], model);
        h->n_gpus++;
    }
    closedir(d);
}

/* ---- public ------------------------------------------------------------- */

int wn_host_detect(wn_host *out)
{
    int rc = WN_OK;
    hwloc_topology_t topo = NULL;
    int topo_ready = 0;

    if (out == NULL)
        return wn_seterr(WN_EINVAL, "host.c:%d: wn_host_detect: out is NULL",
                         __LINE__);
    memset(out, 0, sizeof *out);

    if (gethostname(out->hostname, sizeof out->hostname - 1) != 0)
        wn__copy_str(out->hostname, sizeof out->hostname, "unknown");

    struct utsname u;
    if (uname(&u) == 0) {
        snprintf(out->kernel, sizeof out->kernel, "%.40s %.80s", u.sysname,
                 u.release);
    } else {
        wn__copy_str(out->kernel, sizeof out->kernel, "unknown");
    }

#if defined(__clang__)
    snprintf(out->compiler, sizeof out->compiler, "clang %s", __clang_version__);
#elif defined(__GNUC__)
    snprintf(out->compiler, sizeof out->compiler, "gcc %s", __VERSION__);
#else
    wn__copy_str(out->compiler, sizeof out->compiler, "unknown");
#endif
    trim(out->compiler);

    const dnnl_version_t *v = dnnl_version();
    if (v != NULL)
        snprintf(out->dnnl_version, sizeof out->dnnl_version, "%d.%d.%d",
                 v->major, v->minor, v->patch);

    if (hwloc_topology_init(&topo) != 0) {
        rc = wn_seterr(WN_EUNAVAILABLE, "host.c:%d: hwloc_topology_init failed",
                       __LINE__);
        goto out;
    }
    topo_ready = 1;
    if (hwloc_topology_load(topo) != 0) {
        rc = wn_seterr(WN_EUNAVAILABLE,
                       "host.c:%d: hwloc cannot read this machine's topology",
                       __LINE__);
        goto out;
    }

    detect_cpu_model(topo, out);
    int cores = hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_CORE);
    if (cores <= 0)
        cores = hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_PU);
    out->cores = cores > 0 ? cores : 1;

    detect_cache(topo, HWLOC_OBJ_L1CACHE, 1, out);
    detect_cache(topo, HWLOC_OBJ_L2CACHE, 2, out);
    detect_cache(topo, HWLOC_OBJ_L3CACHE, 3, out);

    hwloc_obj_t root = hwloc_get_root_obj(topo);
    if (root != NULL)
        out->memory_bytes = (uint64_t)root->total_memory;
    /* hwloc sums its NUMA nodes; in some VMs hot-added memory is missing
     * from them (a 24 GiB guest showing 5.6 GiB), so take the larger of
     * that and the kernel's page count. */
    long pages = sysconf(_SC_PHYS_PAGES), psz = sysconf(_SC_PAGESIZE);
    if (pages > 0 && psz > 0) {
        uint64_t sys_bytes = (uint64_t)pages * (uint64_t)psz;
        if (sys_bytes > out->memory_bytes)
            out->memory_bytes = sys_bytes;
    }

    detect_nvidia_gpus(out);

out:
    if (topo_ready)
        hwloc_topology_destroy(topo);
    return rc;
}
