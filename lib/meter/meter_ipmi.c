/*
 * meter_ipmi.c - whole-node power from the BMC through IPMI DCMI:
 * `ipmitool dcmi power reading` (the command line is $WATTNET_IPMI_CMD when
 * set, split on blanks, run without a shell), whose output has
 *     Instantaneous power reading:                   312 Watts
 * One power domain, "node", in watts; polled at most once a second (BMCs
 * refresh about that often), and afresh at every window edge.  A failed
 * poll is bridged by the sampler (meter_bridge.c); a failure at open says
 * why in the tool's words, and what to do when /dev/ipmi0 is root-only.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include <wattnet/core.h>
#include <wattnet/meter.h>

#include "meter/meter_internal.h"

#define MAX_ARGS 32

struct ipmi_state {
    char line[512];           /* the command line, for messages */
    char cmd[512];            /* the same, cut into argv */
    char *argv[MAX_ARGS + 1];
    unsigned timeout_ms;
};

int wn__ipmi_parse(const char *out, double *watts);

/* "Instantaneous power reading:   312 Watts" -> 312. */
int wn__ipmi_parse(const char *out, double *watts)
{
    const char *key = "Instantaneous power reading:";
    const char *p = strstr(out, key);
    if (!p)
        return wn_seterr(WN_EFORMAT, "ipmi: no 'Instantaneous power reading' "
                         "in the output");
    p += strlen(key);
    char *end = NULL;
    errno = 0;
    double w = strtod(p, &end);
    if (errno || end == p || !(w >= 0) || w > 1e6)
        return wn_seterr(WN_EFORMAT, "ipmi: bad power reading '%.20s'", p);
    while (*end == ' ' || *end == '\t')
        end++;
    if (strncmp(end, "Watts", 5) != 0)
        return wn_seterr(WN_EFORMAT, "ipmi: reading not in Watts: '%.20s'", p);
    *watts = w;
    return WN_OK;
}

/* The last non-empty line of out (the tool's own error), printable, in
 * line[n]. */
static void last_line(const char *out, char *line, size_t n)
{
    const char *end = out + strlen(out);
    while (end > out && (end[-1] == '\n' || end[-1] == '\r' ||
                         end[-1] == ' '))
        end--;
    const char *start = end;
    while (start > out && start[-1] != '\n')
        start--;
    size_t len = (size_t)(end - start), k = 0;
    for (size_t i = 0; i < len && k + 1 < n; i++)
        line[k++] = start[i] >= ' ' && start[i] < 127 ? start[i] : '?';
    line[k] = '\0';
}

/* The tool ran and failed: say why, in its words, and what to do. */
static int ipmi_failed(const struct ipmi_state *st, const char *out,
                       int status)
{
    char why[160];
    int code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    last_line(out, why, sizeof why);
    if (strstr(why, "ermission denied") || strstr(why, "Could not open dev"))
        return wn_seterr(WN_EPERM, "ipmi: '%s' failed (exit %d): %s: "
                         "/dev/ipmi0 is readable and writable by root only: "
                         "run as root, or give a group access to it (udev "
                         "rule: KERNEL==\"ipmi*\", GROUP=\"ipmi\", "
                         "MODE=\"0660\")", st->line, code, why);
    return wn_seterr(WN_EUNAVAILABLE, "ipmi: '%s' failed (exit %d)%s%s: no "
                     "BMC, no /dev/ipmi0 (modprobe ipmi_devintf), or DCMI "
                     "power not supported", st->line, code,
                     why[0] ? ": " : "", why);
}

static int ipmi_reading(struct ipmi_state *st, uint64_t *watts)
{
    char out[4096];
    int status = 0;
    int rc = wn__meter_run_capture(st->argv, st->timeout_ms, out, sizeof out,
                                   &status);
    if (rc == WN_ENOENT)
        return wn_seterr(WN_EUNAVAILABLE, "ipmi: %s not found (install "
                         "ipmitool, or set WATTNET_IPMI_CMD)", st->argv[0]);
    if (rc)
        return wn_seterr(rc == WN_ETIMEOUT ? WN_ETIMEOUT : WN_EUNAVAILABLE,
                         "ipmi: %s", wn_errmsg());
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        return ipmi_failed(st, out, status);
    double w;
    rc = wn__ipmi_parse(out, &w);
    if (rc)
        return rc;
    *watts = (uint64_t)(w + 0.5);
    return WN_OK;
}

static int ipmi_open(struct wn__meter_src *src, const wn_meter_opts *o)
{
    const char *env = getenv("WATTNET_IPMI_CMD");
    struct ipmi_state *st = wn_calloc(1, sizeof *st);
    if (!st)
        return wn_seterr(WN_ENOMEM, "ipmi: out of memory");
    src->state = st;
    st->timeout_ms = o->timeout_ms ? o->timeout_ms : 3000;
    snprintf(st->line, sizeof st->line, "%s",
             env && env[0] ? env : "ipmitool dcmi power reading");
    memcpy(st->cmd, st->line, sizeof st->cmd);
    size_t argc = 0;
    char *save = NULL;
    for (char *tok = strtok_r(st->cmd, " \t", &save); tok && argc < MAX_ARGS;
         tok = strtok_r(NULL, " \t", &save))
        st->argv[argc++] = tok;
    st->argv[argc] = NULL;
    if (argc == 0)
        return wn_seterr(WN_EINVAL, "ipmi: WATTNET_IPMI_CMD is empty");
    uint64_t w;
    int rc = ipmi_reading(st, &w);
    if (rc)
        return rc;
    if (!wn__meter_add_domain(src, "node", WN__KIND_POWER, 1.0, 0))
        return wn_seterr(WN_ENOMEM, "ipmi: no domain");
    src->min_interval_ms = 1000;
    return WN_OK;
}

static int ipmi_read(struct wn__meter_src *src, uint64_t *ticks)
{
    return ipmi_reading(src->state, &ticks[0]);
}

static void ipmi_close(struct wn__meter_src *src)
{
    wn_free(src->state);
    src->state = NULL;
}

const struct wn_meter_ops wn__meter_ipmi_ops = {
    .name = "ipmi",
    .update_s = 1.0,          /* a BMC reading about every 1 s */
    .node_level = 1,
    .is_estimate = 0,
    .open = ipmi_open,
    .read = ipmi_read,
    .close = ipmi_close,
};
