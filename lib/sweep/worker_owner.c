/*
 * worker_owner.c - lease owners of workers ("host:boot-id:pid:index") and
 * the release of jobs held by dead worker processes of this machine, so
 * that a rerun after Ctrl-C or a crash does not wait for their leases to
 * expire.  Jobs of other machines are left to lease expiry.  A process
 * that ended but was not reaped yet (a zombie) counts as dead
 * (wn__worker_pid_alive reads /proc/PID/stat; kill(pid, 0) would say
 * alive).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#include "sweep/worker_internal.h"

/* The boot id tells apart containers and VMs that share a host name. */
void wn__worker_owner_prefix(char *buf, size_t cap)
{
    char host[128] = "localhost", boot[16] = "0";
    gethostname(host, sizeof host - 1);
    host[sizeof host - 1] = '\0';
    FILE *f = fopen("/proc/sys/kernel/random/boot_id", "r");
    if (f) {
        if (fgets(boot, 9, f) == NULL)
            snprintf(boot, sizeof boot, "0");
        fclose(f);
    }
    boot[strcspn(boot, "\n")] = '\0';
    snprintf(buf, cap, "%s:%s:", host, boot);
}

struct dead_list {
    char prefix[192];
    size_t n, cap;
    int64_t *jobs;
    char (*owners)[256];
};

static int dead_grow(struct dead_list *d)
{
    size_t cap = d->cap ? 2 * d->cap : 16;
    int64_t *j = wn_realloc(d->jobs, cap * sizeof *j);
    if (!j)
        return wn_seterr(WN_ENOMEM, "worker: out of memory");
    d->jobs = j;
    char(*o)[256] = wn_realloc(d->owners, cap * sizeof *o);
    if (!o)
        return wn_seterr(WN_ENOMEM, "worker: out of memory");
    d->owners = o;
    d->cap = cap;
    return WN_OK;
}

/* wn_job_owner_fn: keep the jobs whose owner is a dead local process. */
static int collect_dead(void *user, int64_t job_id, const char *owner)
{
    struct dead_list *d = user;
    size_t plen = strlen(d->prefix);
    if (strncmp(owner, d->prefix, plen) != 0)
        return WN_OK;
    char *end = NULL;
    long pid = strtol(owner + plen, &end, 10);
    if (pid <= 0 || !end || *end != ':')
        return WN_OK;
    if (wn__worker_pid_alive(pid))
        return WN_OK;   /* alive (or not ours to judge); a zombie is dead */
    if (d->n == d->cap && dead_grow(d) != WN_OK)
        return WN_ENOMEM;
    d->jobs[d->n] = job_id;
    snprintf(d->owners[d->n], sizeof d->owners[0], "%s", owner);
    d->n++;
    return WN_OK;
}

size_t wn__worker_release_dead(const char *url)
{
    struct dead_list d;
    wn_store *s = NULL;
    size_t released = 0;
    memset(&d, 0, sizeof d);
    wn__worker_owner_prefix(d.prefix, sizeof d.prefix);
    if (wn_store_open(url, &s) != WN_OK)
        goto out;
    if (wn_store_jobs_running(s, collect_dead, &d) != WN_OK)
        goto out;
    for (size_t i = 0; i < d.n; i++)
        if (wn_store_job_release(s, d.jobs[i], d.owners[i],
                                 "worker process died; released by a later worker on "
                                 "the same machine") == WN_OK)
            released++;
out:
    wn_store_close(&s);
    wn_free(d.jobs);
    wn_free(d.owners);
    wn_clearerr();
    return released;
}
