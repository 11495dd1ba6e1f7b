/*
 * meter_powerlog.c - the study's method: integrate a watt-meter log
 * (BUTTER-E per-job CSV "timestamp,node,watts") over a run's window.
 *
 * Rules (docs/meters.md):
 *   - the header line is optional; timestamps are unix seconds or ISO-8601
 *     "YYYY-MM-DD HH:MM:SS[.fff]" in UTC ('T' and a trailing 'Z' allowed);
 *     rows of other nodes are skipped; rows may come in any order (sorted
 *     here; on equal timestamps the later row wins);
 *   - a sample's watts hold until the next sample (the last one holds to the
 *     window's end), so the sample before the window covers its first
 *     partial interval and the last one inside covers the final one;
 *   - flagged, measured = 0, never 0 J: "no-samples" (no sample inside
 *     [t_start, t_end]), "zero-watts" (a 0 W reading in effect during the
 *     window), "uncovered-start" (the window starts before the node's first
 *     sample, so part of it has no reading).
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <wattnet/core.h>
#include <wattnet/meter.h>

#include "core/util.h"
#include "meter/meter_internal.h"

struct sample {
    double t;
    double watts;
    size_t line;
};


static char *trim(char *s)
{
    while (isspace((unsigned char)*s) || *s == '"')
        s++;
    size_t n = strlen(s);
    while (n > 0 && (isspace((unsigned char)s[n - 1]) || s[n - 1] == '"'))
        s[--n] = '\0';
    return s;
}

static int cmp_sample(const void *a, const void *b)
{
    const struct sample *x = a, *y = b;
    if (x->t != y->t)
        return x->t < y->t ? -1 : 1;
    return x->line < y->line ? -1 : x->line > y->line;
}

/* Read NODE's samples (node NULL: the only node in the file). */
/* Watts in [0, 1e7]; 0 on success. */
static int parse_watts(const char *field, double *w)
{
    char *end = NULL;
    errno = 0;
    *w = strtod(field, &end);
    return errno || end == field || *end || !(*w >= 0) || *w > 1e7;
}

/* Append one sample to *s (grown by doubling); WN_ENOMEM. */
static int push_sample(struct sample **s, size_t *n, size_t *cap, double t,
                       double w, size_t lineno)
{
    if (*n == *cap) {
        size_t nc = *cap ? *cap * 2 : 256;
        struct sample *ns = wn_realloc(*s, nc * sizeof *ns);
        if (!ns)
            return WN_ENOMEM;
        *s = ns;
        *cap = nc;
    }
    (*s)[*n].t = t;
    (*s)[*n].watts = w;
    (*s)[*n].line = lineno;
    (*n)++;
    return WN_OK;
}

/* Without --node a log must hold one node: remember the first, WN_EINVAL
 * for another. */
static int one_node(const char *field, char *node_seen, size_t node_n)
{
    if (!node_seen[0])
        snprintf(node_seen, node_n, "%s", field);
    else if (strcmp(node_seen, field) != 0)
        return WN_EINVAL;
    return WN_OK;
}

static int read_log(const char *path, const char *node, struct sample **out,
                    size_t *n_out, char *node_seen, size_t node_n)
{
    int rc = WN_OK;
    FILE *f = fopen(path, "r");
    char line[1024];
    size_t n = 0, cap = 0, lineno = 0;
    struct sample *s = NULL;
    *out = NULL;
    *n_out = 0;
    node_seen[0] = '\0';
    if (!f)
        return wn_seterr(errno == ENOENT ? WN_ENOENT
                         : errno == EACCES ? WN_EPERM : WN_EIO,
                         "%s: %s", path, strerror(errno));
    while (fgets(line, sizeof line, f)) {
        lineno++;
        if (!strchr(line, '\n') && !feof(f)) {
            rc = wn_seterr(WN_EFORMAT, "%s:%zu:1: line longer than %zu bytes",
                           path, lineno, sizeof line - 2);
            goto out;
        }
        char *fields[4] = { NULL };
        size_t nf = 0;
        char *save = NULL;
        line[strcspn(line, "\r\n")] = '\0';
        if (!trim(line)[0])
            continue;
        for (char *tok = strtok_r(line, ",", &save); tok && nf < 4;
             tok = strtok_r(NULL, ",", &save))
            fields[nf++] = trim(tok);
        double t, w;
        if (nf != 3) {
            rc = wn_seterr(WN_EFORMAT, "%s:%zu:1: expected 3 fields "
                           "(timestamp,node,watts), got %zu", path, lineno,
                           nf);
            goto out;
        }
        if (wn__parse_time(fields[0], &t) != 0) {
            if (n == 0 && lineno == 1 && !node_seen[0])
                continue;   /* the header */
            rc = wn_seterr(WN_EFORMAT, "%s:%zu:1: bad timestamp '%.40s'",
                           path, lineno, fields[0]);
            goto out;
        }
        if (node && node[0]) {
            if (strcmp(fields[1], node) != 0)
                continue;
        } else if ((rc = one_node(fields[1], node_seen, node_n)) != WN_OK) {
            rc = wn_seterr(rc, "%s:%zu: several nodes (%s, %s): say which "
                           "(--node)", path, lineno, node_seen, fields[1]);
            goto out;
        }
        if (parse_watts(fields[2], &w) != 0) {
            rc = wn_seterr(WN_EFORMAT, "%s:%zu:%zu: bad watts '%.40s'", path,
                           lineno, (size_t)(fields[2] - line) + 1, fields[2]);
            goto out;
        }
        rc = push_sample(&s, &n, &cap, t, w, lineno);
        if (rc) {
            rc = wn_seterr(rc, "%s: out of memory", path);
            goto out;
        }
    }
    if (ferror(f)) {
        rc = wn_seterr(WN_EIO, "%s: read failed", path);
        goto out;
    }
    if (node && node[0])
        snprintf(node_seen, node_n, "%s", node);
    if (n > 0)
        qsort(s, n, sizeof *s, cmp_sample);
    *out = s;
    *n_out = n;
    s = NULL;
out:
    wn_free(s);
    fclose(f);
    return rc;
}

int wn_powerlog_integrate(const char *path, const char *node, double t_start,
                          double t_end, wn_energy *out)
{
    struct sample *s = NULL;
    size_t n = 0;
    char node_name[64];
    if (!path || !out)
        return wn_seterr(WN_EINVAL, "powerlog: no file or output");
    if (!(t_end > t_start))
        return wn_seterr(WN_EINVAL, "powerlog: window end %.3f is not after "
                         "its start %.3f", t_end, t_start);
    int rc = read_log(path, node, &s, &n, node_name, sizeof node_name);
    if (rc)
        return rc;
    memset(out, 0, sizeof *out);
    snprintf(out->source, sizeof out->source, "log");
    out->seconds = t_end - t_start;
    out->n_domains = 1;
    snprintf(out->domains[0].name, sizeof out->domains[0].name, "node:%.42s",
             node_name[0] ? node_name : "?");
    out->domains[0].in_total = 1;

    int inside = 0, zero = 0;
    double joules = 0.0;
    for (size_t i = 0; i < n; i++) {
        if (s[i].t >= t_start && s[i].t <= t_end)
            inside = 1;
        double a = s[i].t;
        double b = i + 1 < n ? s[i + 1].t : t_end;
        if (a < t_start)
            a = t_start;
        if (b > t_end)
            b = t_end;
        if (b <= a)
            continue;
        joules += s[i].watts * (b - a);
        if (s[i].watts == 0.0)
            zero = 1;
    }
    out->domains[0].energy_j = joules;
    out->energy_j = joules;
    out->avg_power_w = joules / out->seconds;
    if (!inside)
        snprintf(out->flag, sizeof out->flag, "no-samples");
    else if (zero)
        snprintf(out->flag, sizeof out->flag, "zero-watts");
    else if (n == 0 || s[0].t > t_start)
        snprintf(out->flag, sizeof out->flag, "uncovered-start");
    out->measured = out->flag[0] == '\0';
    wn_free(s);
    return WN_OK;
}


int wn_powerlog_interval(const char *path, const char *node, double *interval_s)
{
    struct sample *s = NULL;
    double *gaps = NULL;
    size_t n = 0, k = 0;
    char node_name[64];
    if (!path || !interval_s)
        return wn_seterr(WN_EINVAL, "powerlog: no file or output");
    *interval_s = 0.0;
    int rc = read_log(path, node, &s, &n, node_name, sizeof node_name);
    if (rc)
        return rc;
    if (n >= 2)
        gaps = wn_malloc((n - 1) * sizeof *gaps);
    if (n >= 2 && !gaps) {
        wn_free(s);
        return wn_seterr(WN_ENOMEM, "powerlog: out of memory");
    }
    for (size_t i = 0; i + 1 < n; i++)
        if (s[i + 1].t > s[i].t)
            gaps[k++] = s[i + 1].t - s[i].t;
    if (k == 0)
        rc = wn_seterr(WN_ENOENT, "%s: fewer than two samples%s%s: no sample "
                       "interval", path, node && node[0] ? " of node " : "",
                       node && node[0] ? node : "");
    else {
        qsort(gaps, k, sizeof *gaps, wn__cmp_double);
        *interval_s = k % 2 ? gaps[k / 2] : 0.5 * (gaps[k / 2 - 1] + gaps[k / 2]);
    }
    wn_free(gaps);
    wn_free(s);
    return rc;
}
