/*
 * cmd_measure.c - `wattnet measure -- CMD ARGS...`: run a command (fork,
 * exec, wait) inside one meter window and report its energy per domain,
 * seconds, average watts and dynamic energy.  The command's exit code
 * passes through (killed by a signal: 128 + signal).  The report goes to
 * stderr (like time(1)), or with --json to stdout, or to --output FILE.
 * With --attribute the energy is split by the CPU-time share of CMD's
 * process tree over the window (read from /proc, $WATTNET_PROC_ROOT in
 * tests; wn_run_share_apply, the same code the co-located workers use):
 * the output says "attributed" and keeps the whole reading beside it.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "cli.h"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: wattnet measure [--json] [--interval MS] [--source NAME]\n"
            "                       [--cpu-watts W] [--idle-file PATH] "
            "[--output FILE]\n"
            "                       -- CMD [ARGS...]\n\n"
            "Run CMD and report the energy it took: joules per domain, the "
            "total of\nnon-overlapping domains, seconds, average watts and, "
            "with an idle baseline\n(wattnet idle), dynamic energy.  Exits "
            "with CMD's exit code.\n\n"
            "  --json           JSON on stdout: {\"command\":[...],"
            "\"exit_code\":N,\"seconds\":S,\n"
            "                   \"energy_j\":J,\"dynamic_energy_j\":J|null,"
            "\"source\":...,\"domains\":[...]}\n"
            "  --interval MS    sampler period (default 100)\n"
            "  --source NAME    auto (default), rapl, perf, nvml, ipmi, "
            "redfish, estimate, sim\n"
            "  --cpu-watts W    watts per busy core for the estimate\n"
            "  --idle-file P    idle-baseline state file\n"
            "  --output FILE    write the report to FILE instead\n"
            "  --attribute      other work shares the meter: report CMD's share\n"
            "                   of the package/node energy by the CPU time of\n"
            "                   its process tree (user+sys) over the host's busy\n"
            "                   CPU time; the whole reading is kept beside it\n"
            "  --pue F          facility energy = IT x F, beside the joules\n"
            "  --carbon-intensity G  gCO2e/kWh: CO2e of that energy\n"
            "When nothing measures, the energy is an ESTIMATE (CPU time x "
            "watts per core)\nand says so.\n");
}

/* The command, its exit code and its energy in the one JSON form. */
static char *report_json(char **cmd, int exit_code, const wn_energy *e,
                         const cli_carbon *carbon)
{
    cJSON *o = wn_energy_to_json(e);
    char *s = NULL;
    if (!o)
        return NULL;
    cli_carbon_json(o, carbon, e);
    cJSON *c = cJSON_CreateArray();
    for (size_t i = 0; c && cmd[i]; i++)
        cJSON_AddItemToArray(c, cJSON_CreateString(cmd[i]));
    cJSON_AddItemToObject(o, "command", c);
    cJSON_AddNumberToObject(o, "exit_code", exit_code);
    s = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    return s;
}

static void report_text(FILE *f, char **cmd, int exit_code, const wn_energy *e,
                        const cli_carbon *carbon)
{
    fprintf(f, "wattnet measure:");
    for (size_t i = 0; cmd[i]; i++)
        fprintf(f, " %s", cmd[i]);
    fprintf(f, "\n  exit code   %d\n  seconds     %.3f\n  source      %s%s\n",
            exit_code, e->seconds, e->source,
            e->is_estimate ? "  (ESTIMATE: CPU time x watts per core, not a "
                             "measurement)"
            : wn_energy_is_simulated(e) ? "  (SIMULATED: WATTNET_SIM_WATTS, not "
                                          "a measurement)" : "");
    if (!e->measured || e->flag[0]) {
        fprintf(f, "  energy      not measured (%s): no figure\n", e->flag);
        if (e->whole_energy_j > 0)
            fprintf(f, "  whole       %.3f J (every process on the meter)\n",
                    e->whole_energy_j);
        return;
    }
    if (e->attributed)
        fprintf(f, "  attributed  %.1f%% of the host's busy CPU time was this "
                "command's\n"
                "  whole       %.3f J (every process on the meter)\n",
                100.0 * e->cpu_share, e->whole_energy_j);
    fprintf(f, "  energy      %.3f J (sum of:", e->energy_j);
    for (size_t i = 0; i < e->n_domains; i++)
        if (e->domains[i].in_total)
            fprintf(f, " %s", e->domains[i].name);
    fprintf(f, ")\n  avg power   %.2f W\n", e->avg_power_w);
    if (e->has_idle)
        fprintf(f, "  dynamic     %.3f J (idle %.2f W subtracted)\n",
                e->dynamic_energy_j, e->idle_power_w);
    else
        fprintf(f, "  dynamic     n/a (no idle baseline for this host: "
                "wattnet idle --seconds 30)\n");
    for (size_t i = 0; i < e->n_domains; i++)
        fprintf(f, "  %-30s %12.3f J%s\n", e->domains[i].name,
                e->domains[i].energy_j,
                e->domains[i].in_total ? "" : "  (inside another domain, "
                                              "not added)");
    cli_carbon_print(f, "  ", carbon, e);
}

/* The measured command, while it runs: SIGTERM and SIGHUP to us are passed
 * on to it (we stay to report), so it is never left running alone. */
static volatile pid_t measured_pid;

static void pass_on(int sig)
{
    if (measured_pid > 0)
        kill(measured_pid, sig);
}

/* Wait for PID to exit without reaping it (its /proc stat stays readable
 * for the attribution sample); -1 on failure. */
static int wait_exit_keep(pid_t pid)
{
    siginfo_t info;
    memset(&info, 0, sizeof info);
    int r;
    while ((r = waitid(P_PID, (id_t)pid, &info, WEXITED | WNOWAIT)) < 0 &&
           errno == EINTR)
        ;
    return r;
}

/* Run cmd; *code gets its exit code (signal: 128 + sig).  With share, the
 * CPU time of cmd's tree and the host's at its start (share[0]) and its end
 * (share[1], read before the child is reaped). */
static int run_child(char **cmd, int *code, wn_cputime_sample *share)
{
    struct sigaction ign, fwd, old_int, old_quit, old_term, old_hup;
    memset(&ign, 0, sizeof ign);
    ign.sa_handler = SIG_IGN;
    sigemptyset(&ign.sa_mask);
    memset(&fwd, 0, sizeof fwd);
    fwd.sa_handler = pass_on;
    sigemptyset(&fwd.sa_mask);
    fwd.sa_flags = SA_RESTART;
    pid_t parent = getpid();
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        fprintf(stderr, "wattnet measure: fork: %s\n", strerror(errno));
        return -1;
    }
    if (pid == 0) {
        /* Die with us, even if we are killed outright. */
        prctl(PR_SET_PDEATHSIG, SIGTERM);
        if (getppid() != parent)
            _exit(128 + SIGTERM);
        execvp(cmd[0], cmd);
        int e = errno;
        fprintf(stderr, "wattnet measure: %s: %s\n", cmd[0], strerror(e));
        _exit(e == ENOENT ? 127 : 126);
    }
    /* Like system(3): ^C goes to the command; we stay to report. */
    measured_pid = pid;
    sigaction(SIGINT, &ign, &old_int);
    sigaction(SIGQUIT, &ign, &old_quit);
    sigaction(SIGTERM, &fwd, &old_term);
    sigaction(SIGHUP, &fwd, &old_hup);
    if (share && wn_cputime_sample_tree(NULL, (int)pid, &share[0]) != WN_OK)
        memset(&share[0], 0, sizeof share[0]);
    if (share && (wait_exit_keep(pid) != 0 ||
                  wn_cputime_sample_tree(NULL, (int)pid, &share[1]) != WN_OK))
        share[1] = share[0];  /* no share: the energy gets no-cpu-share */
    int st = 0;
    pid_t w;
    while ((w = waitpid(pid, &st, 0)) < 0 && errno == EINTR)
        ;
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGQUIT, &old_quit, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    sigaction(SIGHUP, &old_hup, NULL);
    measured_pid = 0;
    if (w < 0) {
        fprintf(stderr, "wattnet measure: waitpid: %s\n", strerror(errno));
        return -1;
    }
    if (WIFEXITED(st))
        *code = WEXITSTATUS(st);
    else if (WIFSIGNALED(st))
        *code = 128 + WTERMSIG(st);
    else
        *code = 1;
    return 0;
}

/* The report (JSON, or the text) into F. */
static void print_report(FILE *f, int json, char **cmd, int code, const wn_energy *e,
                         const cli_carbon *carbon)
{
    if (!json) {
        report_text(f, cmd, code, e, carbon);
        return;
    }
    char *s = report_json(cmd, code, e, carbon);
    if (s) {
        fprintf(f, "%s\n", s);
        cJSON_free(s);
    } else
        fprintf(stderr, "wattnet measure: out of memory\n");
}

/* The report: JSON on stdout, or the text on stderr, or either to OUTPUT,
 * written whole or not at all (wn_write_file).  -1 when OUTPUT cannot be
 * written (said on stderr), else 0. */
static int write_report(int json, const char *output, char **cmd, int code,
                         const wn_energy *e, const cli_carbon *carbon)
{
    if (!output) {
        print_report(json ? stdout : stderr, json, cmd, code, e, carbon);
        return 0;
    }
    char *text = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&text, &n);
    if (!f) {
        fprintf(stderr, "wattnet measure: out of memory\n");
        return -1;
    }
    print_report(f, json, cmd, code, e, carbon);
    int bad = fclose(f) != 0;
    int st = bad ? wn_seterr(WN_ENOMEM, "out of memory")
                 : wn_write_file(output, text, n);
    free(text);   /* open_memstream's, from malloc */
    if (st != WN_OK) {
        cli_fail("measure", st);
        return -1;
    }
    return 0;
}

int cmd_measure(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"json", no_argument, NULL, 'j'},
        {"interval", required_argument, NULL, 'i'},
        {"source", required_argument, NULL, 's'},
        {"cpu-watts", required_argument, NULL, 'w'},
        {"idle-file", required_argument, NULL, 'f'},
        {"output", required_argument, NULL, 'o'},
        {"attribute", no_argument, NULL, 'A'},
        CLI_LONGOPTS_CARBON,
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    wn_meter_opts o;
    wn_meter *m = NULL;
    const char *output = NULL;
    unsigned long long ms;
    int json = 0, c, rc, id = -1, code = 0, attribute = 0;
    cli_carbon carbon = {0.0, 0.0};
    wn_cputime_sample share[2];
    memset(share, 0, sizeof share);
    wn_meter_opts_default(&o);
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "+h", longopts, NULL)) != -1) {
        switch (c) {
        case 'j': json = 1; break;
        case 'i':
            if (cli_parse_u64(optarg, &ms) || ms < 1 || ms > 60000)
                return cli_usage_error("measure", "--interval '%s': want "
                                       "1..60000 ms", optarg);
            o.interval_ms = (unsigned)ms;
            break;
        case 's': o.source = optarg; break;
        case 'w':
            if (cli_parse_double(optarg, &o.cpu_watts) ||
                !(o.cpu_watts > 0) || o.cpu_watts > 10000)
                return cli_usage_error("measure", "--cpu-watts '%s': want "
                                       "watts in (0, 10000]", optarg);
            break;
        case 'f': o.idle_state = optarg; break;
        case 'o': output = optarg; break;
        case 'A': attribute = 1; break;
        case 'h': usage(stdout); return 0;
        case CLI_OPT_PUE:
        case CLI_OPT_CARBON:
            if (cli_carbon_opt("measure", c, optarg, &carbon))
                return 2;
            break;
        default:
            return cli_usage_error("measure", "unknown option '%s'",
                                   argv[optind - 1]);
        }
    }
    if (optind >= argc)
        return cli_usage_error("measure", "no command to run (wattnet "
                               "measure -- CMD ARGS...)");
    char **cmd = argv + optind;
    /* the idle file and the output, checked before the command runs */
    const wn_output_input in[] = {{o.idle_state, "--idle-file"}};
    if (output && (rc = cli_check_output("measure", output, "--output", in,
                                         1)) != 0)
        return rc;
    if ((rc = wn_meter_idle_check(o.idle_state)) != WN_OK)
        return cli_fail("measure", rc);
    rc = wn_meter_open(&o, &m);
    if (rc)
        return cli_fail("measure", rc);
    if (wn_meter_warning(m)[0])
        fprintf(stderr, "wattnet measure: warning: %s\n", wn_meter_warning(m));
    if (wn_energy_source_from_name(wn_meter_source(m)) == WN_ENERGY_ESTIMATE)
        fprintf(stderr, "wattnet measure: warning: no energy meter measures "
                "here; the figure is an ESTIMATE (CPU time x watts per core), "
                "not a measurement\n");
    rc = wn_meter_window_begin(m, &id);
    if (rc) {
        wn_meter_close(&m);
        return cli_fail("measure", rc);
    }
    if (run_child(cmd, &code, attribute ? share : NULL) != 0) {
        wn_meter_close(&m);
        return 1;
    }
    wn_energy e;
    rc = wn_meter_window_end(m, id, &e);
    wn_meter_close(&m);
    if (rc == WN_OK && attribute)
        rc = wn_run_share_apply(&share[0], &share[1], &e);
    if (rc) {
        cli_fail("measure", rc);
        return code ? code : 1;
    }
    if (!e.measured || e.flag[0])
        fprintf(stderr, "wattnet measure: warning: the window did not "
                "measure (%s); no energy figure\n", e.flag);
    if (write_report(json, output, cmd, code, &e, &carbon) != 0)
        return code ? code : 1;
    return code;
}
