/*
 * main.c - the `wattnet` command: dispatches to one subcommand.  Each
 * subcommand lives in cli/cmd_NAME.c and uses only the public library.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

struct command {
    const char *name;
    int (*fn)(int argc, char **argv);
    const char *summary;
};

static const struct command commands[] = {
    { "train", cmd_train, "train one network, with energy per epoch" },
    { "widths", cmd_widths, "layer widths of a BUTTER network shape" },
    { "data", cmd_data, "datasets: info, list, export" },
    { "meters", cmd_meters, "list energy meters and their status" },
    { "measure", cmd_measure, "measure the energy of a command" },
    { "idle", cmd_idle, "measure and keep this host's idle power" },
    { "sweep", cmd_sweep, "enqueue a sweep of training runs" },
    { "worker", cmd_worker, "claim and run queued jobs" },
    { "run", cmd_run, "sweep plus worker on a local database" },
    { "status", cmd_status, "progress of a sweep" },
    { "export", cmd_export, "export runs and epochs to flat files" },
    { "attribute", cmd_attribute, "apply watt-meter logs to stored runs" },
    { "slurm", cmd_slurm, "print an sbatch script for many machines" },
    { "fit", cmd_fit, "fit the energy models to stored runs" },
    { "predict", cmd_predict, "predict energy of an untried network" },
    { "report", cmd_report, "write the HTML report" },
    { "probe", cmd_probe, "measure this host's cache sizes" },
    { "import", cmd_import, "import the BUTTER-E study's public data" },
    { "analyze", cmd_analyze, "the study's pipeline and its numbers" },
    { "gpu", cmd_gpu, "the CUDA device --device cuda trains on" },
    { "advise", cmd_advise, "which network reaches a test loss cheapest" },
    { "exporter", cmd_exporter, "serve energy metrics to Prometheus" },
};

static void usage(FILE *f)
{
    fprintf(f, "usage: wattnet COMMAND [OPTIONS]   (wattnet COMMAND --help)\n\n"
               "Measures, records and models the energy of training neural "
               "networks.\n\ncommands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
}

/* libgomp (oneDNN's threads here) reads OMP_WAIT_POLICY once, when it is
 * loaded, before main.  Its default spins: when another process holds a
 * core, a thread spinning at a barrier starves its descheduled partner, and
 * a 2-thread epoch took 14x its quiet time (issue 10).  So the first time
 * through, set the passive policy (threads sleep at barriers) and re-exec
 * this program; a policy the user set is kept (OMP_WAIT_POLICY=active
 * restores spinning).  docs/training.md has the measurements. */
static void wait_policy(char **argv)
{
    if (getenv("OMP_WAIT_POLICY") != NULL)
        return;
    if (setenv("OMP_WAIT_POLICY", "passive", 1) != 0)
        return;
    execv("/proc/self/exe", argv);
    /* no /proc (or exec failed): run on with libgomp's default */
}

int main(int argc, char **argv)
{
    wait_policy(argv);
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
        !strcmp(argv[1], "help")) {
        usage(stdout);
        return 0;
    }
    if (!strcmp(argv[1], "--version")) {
        printf("wattnet %s\n", WN_VERSION);
        return 0;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (!strcmp(argv[1], commands[i].name))
            return commands[i].fn(argc - 1, argv + 1);
    fprintf(stderr, "wattnet: unknown command '%s'\n", argv[1]);
    usage(stderr);
    return 2;
}
