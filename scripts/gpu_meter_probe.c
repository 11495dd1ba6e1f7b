/*
 * gpu_meter_probe.c - a standalone stand-in for `wattnet meters --json` and
 * `wattnet measure --json`, for machines where the full build's
 * dependencies (oneDNN, GSL, hwloc, ...) are missing.  scripts/gpu-check.sh
 * compiles it with cc from the lib/meter sources, lib/readings/readings.c and lib/core/{error,alloc}.c
 * (plus cJSON and libcurl when present; else -DWN_PROBE_NO_CJSON stubs the
 * idle file and Redfish).  JSON is written with printf.
 *
 *     gpu_meter_probe meters
 *     gpu_meter_probe measure [--source NAME] [--interval MS] -- CMD ARGS...
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <wattnet/wattnet.h>

#include "meter/meter_internal.h"

#ifdef WN_PROBE_NO_CJSON
/* No cJSON here: no idle baselines, no Redfish. */
int wn__idle_lookup(const char *path, const char *host, const char *source,
                    const char *domain, double *watts);
int wn__idle_lookup(const char *path, const char *host, const char *source,
                    const char *domain, double *watts)
{
    (void)path; (void)host; (void)source; (void)domain; (void)watts;
    return WN_ENOENT;
}
int wn_meter_idle_path(const char *override, char *buf, size_t n)
{
    (void)override;
    snprintf(buf, n, "/nonexistent");
    return WN_OK;
}
int wn_meter_idle_save(const char *path, const wn_idle_baseline *b)
{
    (void)path; (void)b;
    return wn_seterr(WN_EUNSUPPORTED, "probe build: no cJSON");
}
static int rf_open(struct wn__meter_src *s, const wn_meter_opts *o)
{
    (void)s; (void)o;
    return wn_seterr(WN_EUNSUPPORTED, "redfish: probe build without cJSON");
}
static int rf_read(struct wn__meter_src *s, uint64_t *t)
{
    (void)s; (void)t;
    return WN_EUNSUPPORTED;
}
static void rf_close(struct wn__meter_src *s) { (void)s; }
const struct wn_meter_ops wn__meter_redfish_ops = {
    "redfish", 1, 0, rf_open, rf_read, rf_close,
};
#endif

static void jstr(const char *s)
{
    putchar('"');
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            printf("\\%c", *s);
        else if ((unsigned char)*s < 0x20)
            printf("\\u%04x", *s);
        else
            putchar(*s);
    }
    putchar('"');
}

static int meters(void)
{
    printf("{\"sources\":[");
    int first = 1;
    for (size_t i = 0; i < wn_meter_source_count(); i++) {
        const char *name = wn_meter_source_name(i);
        if (strcmp(name, "sim") == 0)
            continue;
        wn_meter_info in;
        if (wn_meter_probe(name, NULL, &in) != WN_OK)
            return 1;
        printf("%s{\"source\":", first ? "" : ",");
        first = 0;
        jstr(in.source);
        printf(",\"status\":\"%s\"", in.status ? "unavailable" : "ok");
        if (in.status) {
            printf(",\"reason\":");
            jstr(in.reason);
        } else {
            printf(",\"resolution\":%g,\"resolution_unit\":\"%s\"",
                   in.resolution, in.resolution_unit);
        }
        if (in.notes[0]) {
            printf(",\"notes\":");
            jstr(in.notes);
        }
        printf(",\"domains\":[");
        for (size_t d = 0; d < in.n_domains; d++) {
            printf("%s{\"name\":", d ? "," : "");
            jstr(in.domains[d].name);
            printf(",\"in_total\":%s,\"kind\":\"%s\"}",
                   in.domains[d].in_total ? "true" : "false",
                   in.domains[d].is_counter ? "energy-counter" : "power");
        }
        printf("]}");
    }
    printf("]}\n");
    return 0;
}

static int measure(int argc, char **argv)
{
    wn_meter_opts o;
    wn_meter_opts_default(&o);
    int i = 0;
    for (; i < argc && strcmp(argv[i], "--") != 0; i++) {
        if (strcmp(argv[i], "--source") == 0 && i + 1 < argc)
            o.source = argv[++i];
        else if (strcmp(argv[i], "--interval") == 0 && i + 1 < argc)
            o.interval_ms = (unsigned)strtoul(argv[++i], NULL, 10);
    }
    if (i + 1 >= argc) {
        fprintf(stderr, "usage: gpu_meter_probe measure [--source S] -- CMD\n");
        return 2;
    }
    char **cmd = argv + i + 1;
    wn_meter *m = NULL;
    int rc = wn_meter_open(&o, &m);
    if (rc) {
        fprintf(stderr, "probe: %s (%s)\n", wn_errmsg(), wn_strerror(rc));
        return 1;
    }
    int w, st = 0, code;
    wn_meter_window_begin(m, &w);
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        execvp(cmd[0], cmd);
        _exit(127);
    }
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    wn_energy e;
    wn_meter_window_end(m, w, &e);
    wn_meter_close(&m);
    code = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    printf("{\"command\":[");
    for (size_t k = 0; cmd[k]; k++) {
        printf("%s", k ? "," : "");
        jstr(cmd[k]);
    }
    printf("],\"exit_code\":%d,\"seconds\":%.6f,", code, e.seconds);
    if (e.measured)
        printf("\"energy_j\":%.6f,\"avg_power_w\":%.3f,", e.energy_j,
               e.avg_power_w);
    else
        printf("\"energy_j\":null,\"flag\":\"%s\",", e.flag);
    printf("\"dynamic_energy_j\":null,\"source\":");
    jstr(e.source);
    if (e.is_estimate)
        printf(",\"estimate\":true");
    printf(",\"domains\":[");
    for (size_t k = 0; k < e.n_domains; k++) {
        printf("%s{\"name\":", k ? "," : "");
        jstr(e.domains[k].name);
        printf(",\"energy_j\":%.6f,\"in_total\":%s}", e.domains[k].energy_j,
               e.domains[k].in_total ? "true" : "false");
    }
    printf("]}\n");
    return code;
}

int main(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "meters") == 0)
        return meters();
    if (argc >= 2 && strcmp(argv[1], "measure") == 0)
        return measure(argc - 2, argv + 2);
    fprintf(stderr, "usage: gpu_meter_probe meters | measure [--source S] "
            "-- CMD ARGS...\n");
    return 2;
}
