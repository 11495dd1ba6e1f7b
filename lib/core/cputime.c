/*
 * cputime.c - CPU time of a process tree and of the whole host, read from
 * /proc, and the tree's share of the host's busy time over a window
 * (include/wattnet/cpus.h).
 *
 * The share is what splits a shared meter's reading between co-located
 * workers, or between `wattnet measure --attribute`'s command and the rest
 * of the machine (wn_energy_attribute applies it).  Everything here works on
 * plain numbers from text files under a /proc root that the caller (or
 * $WATTNET_PROC_ROOT) may point elsewhere, so the tests plant the values.
 * Times are in clock ticks (sysconf(_SC_CLK_TCK), usually 100 Hz): a window
 * shorter than a few ticks cannot be split and says so.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <wattnet/core.h>
#include <wattnet/cpus.h>

struct proc_row {
    int pid, ppid;
    double cpu_ticks;
    int in_tree;
};

static const char *proc_root_of(const char *root)
{
    const char *env = getenv("WATTNET_PROC_ROOT");
    if (root && *root)
        return root;
    return env && *env ? env : "/proc";
}

static double tick_hz(void)
{
    long hz = sysconf(_SC_CLK_TCK);
    return hz > 0 ? (double)hz : 100.0;
}

/* Read a small file into buf; 0, or WN_ENOENT / WN_EIO. */
static int read_text(const char *path, char *buf, size_t n)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return wn_seterr(errno == ENOENT || errno == ESRCH ? WN_ENOENT : WN_EIO,
                         "cputime: %s: %s", path, strerror(errno));
    size_t got = fread(buf, 1, n - 1, f);
    buf[got] = '\0';
    fclose(f);
    return WN_OK;
}

/* Parse a /proc/PID/stat line: ppid and utime+stime+cutime+cstime ticks.
 * The command name is in parentheses and may hold spaces: fields are
 * counted after the last ')'. */
static int parse_pid_stat(const char *text, int *ppid, double *ticks)
{
    const char *p = strrchr(text, ')');
    unsigned long long v[15];
    if (!p)
        return WN_EFORMAT;
    p++;
    char state;
    int n = sscanf(p, " %c %llu %*s %*s %*s %*s %*s %*s %*s %*s %*s"
                   " %llu %llu %llu %llu", &state, &v[0], &v[1], &v[2], &v[3],
                   &v[4]);
    if (n != 6)
        return WN_EFORMAT;
    *ppid = (int)v[0];
    *ticks = (double)v[1] + (double)v[2] + (double)v[3] + (double)v[4];
    return WN_OK;
}

static int read_pid_stat(const char *root, int pid, int *ppid, double *ticks)
{
    char path[4096], buf[1024];
    snprintf(path, sizeof path, "%s/%d/stat", root, pid);
    int rc = read_text(path, buf, sizeof buf);
    if (rc)
        return rc;
    if (parse_pid_stat(buf, ppid, ticks) != WN_OK)
        return wn_seterr(WN_EFORMAT, "cputime: %s: not a /proc stat line", path);
    return WN_OK;
}

/* Every process under ROOT (pid, ppid, ticks) into *rows (wn_free). */
static int scan_procs(const char *root, struct proc_row **rows, size_t *n)
{
    int rc = WN_OK;
    size_t cap = 0;
    DIR *d = opendir(root);
    *rows = NULL;
    *n = 0;
    if (!d)
        return wn_seterr(WN_ENOENT, "cputime: %s: %s", root, strerror(errno));
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        char *end;
        long pid = strtol(de->d_name, &end, 10);
        if (*end != '\0' || pid <= 0 || end == de->d_name)
            continue;
        struct proc_row row = { (int)pid, 0, 0.0, 0 };
        if (read_pid_stat(root, (int)pid, &row.ppid, &row.cpu_ticks) != WN_OK)
            continue;          /* gone since readdir, or not ours to read */
        if (*n == cap) {
            size_t ncap = cap ? cap * 2 : 256;
            struct proc_row *g = wn_realloc(*rows, ncap * sizeof *g);
            if (!g) {
                rc = wn_seterr(WN_ENOMEM, "cputime: out of memory");
                goto out;
            }
            *rows = g;
            cap = ncap;
        }
        (*rows)[(*n)++] = row;
    }
out:
    closedir(d);
    wn_clearerr();
    if (rc) {
        wn_free(*rows);
        *rows = NULL;
        *n = 0;
        return wn_seterr(WN_ENOMEM, "cputime: out of memory");
    }
    return WN_OK;
}

int wn_cputime_tree(const char *proc_root, int pid, double *cpu_s)
{
    const char *root = proc_root_of(proc_root);
    struct proc_row *rows = NULL;
    size_t n = 0;
    int ppid = 0;
    double ticks = 0.0;
    if (!cpu_s || pid <= 0)
        return wn_seterr(WN_EINVAL, "cputime: bad pid %d", pid);
    int rc = read_pid_stat(root, pid, &ppid, &ticks);
    if (rc)
        return rc;
    rc = scan_procs(root, &rows, &n);
    if (rc)
        return rc;
    /* Mark descendants: repeat until nothing new joins (trees are shallow). */
    for (int changed = 1; changed;) {
        changed = 0;
        for (size_t i = 0; i < n; i++) {
            if (rows[i].in_tree || rows[i].pid == pid)
                continue;
            int parent_in = rows[i].ppid == pid;
            for (size_t j = 0; j < n && !parent_in; j++)
                parent_in = rows[j].in_tree && rows[j].pid == rows[i].ppid;
            if (parent_in) {
                rows[i].in_tree = 1;
                ticks += rows[i].cpu_ticks;
                changed = 1;
            }
        }
    }
    wn_free(rows);
    *cpu_s = ticks / tick_hz();
    return WN_OK;
}

int wn_cputime_busy(const char *proc_root, double *busy_s)
{
    char path[4096], buf[4096];
    unsigned long long user, nice, sys, idle, iowait, irq, softirq;
    if (!busy_s)
        return wn_seterr(WN_EINVAL, "cputime: no output");
    snprintf(path, sizeof path, "%s/stat", proc_root_of(proc_root));
    int rc = read_text(path, buf, sizeof buf);
    if (rc)
        return rc;
    if (sscanf(buf, "cpu %llu %llu %llu %llu %llu %llu %llu", &user, &nice,
               &sys, &idle, &iowait, &irq, &softirq) != 7)
        return wn_seterr(WN_EFORMAT, "cputime: %s: no \"cpu\" line first", path);
    (void)idle;
    (void)iowait;
    *busy_s = ((double)user + (double)nice + (double)sys + (double)irq +
               (double)softirq) / tick_hz();
    return WN_OK;
}

int wn_cputime_sample_tree(const char *proc_root, int pid,
                           wn_cputime_sample *out)
{
    if (!out)
        return wn_seterr(WN_EINVAL, "cputime: no output");
    int rc = wn_cputime_tree(proc_root, pid, &out->proc_s);
    if (rc == WN_OK)
        rc = wn_cputime_busy(proc_root, &out->busy_s);
    return rc;
}

int wn_cputime_sample_pid(const char *proc_root, int pid,
                          wn_cputime_sample *out)
{
    int ppid = 0;
    double ticks = 0.0;
    if (!out || pid <= 0)
        return wn_seterr(WN_EINVAL, "cputime: bad pid %d", pid);
    int rc = read_pid_stat(proc_root_of(proc_root), pid, &ppid, &ticks);
    if (rc == WN_OK) {
        out->proc_s = ticks / tick_hz();
        rc = wn_cputime_busy(proc_root, &out->busy_s);
    }
    return rc;
}

int wn_cputime_share(const wn_cputime_sample *a, const wn_cputime_sample *b,
                     double *share)
{
    if (!a || !b || !share)
        return wn_seterr(WN_EINVAL, "cputime: NULL argument");
    double busy = b->busy_s - a->busy_s, mine = b->proc_s - a->proc_s;
    if (!(busy > 0.0))
        return wn_seterr(WN_EINVAL, "cputime: the host's busy time did not "
                         "advance over the window (%.3f s): too short to "
                         "split", busy);
    double s = mine / busy;
    *share = s < 0.0 ? 0.0 : s > 1.0 ? 1.0 : s;
    return WN_OK;
}
