/*
 * cmd_slurm.c - `wattnet slurm`: print an sbatch script that starts pinned
 * workers on every node of a Slurm allocation, all sharing one PostgreSQL
 * queue (docs/many-machines.md).  It only prints; submitting is sbatch's.
 */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <wattnet/wattnet.h>

#include "cli.h"

static void usage(FILE *f)
{
    fprintf(f,
        "usage: wattnet slurm --db postgresql://... --nodes N --time HH:MM:SS\n"
        "                     [--gpus G] [--workers-per-node W] [--partition P]\n"
        "                     [--account A] [--data-dir D] [--wattnet PATH]\n"
        "                     [--lease-seconds S]\n\n"
        "Print an sbatch script: srun starts `wattnet worker --pin` on each of\n"
        "N nodes with one pinned worker per core (or W), all claiming jobs from\n"
        "the same PostgreSQL database.  Enqueue first with `wattnet sweep`.\n");
}

/* HH:MM:SS, MM:SS, or D-HH:MM:SS. */
static int valid_time(const char *t)
{
    int colons = 0, dash = 0;
    if (!*t)
        return 0;
    for (const char *p = t; *p; p++) {
        if (*p == ':')
            colons++;
        else if (*p == '-' && !dash && p != t && colons == 0)
            dash = 1;
        else if (*p < '0' || *p > '9')
            return 0;
        if ((*p == ':' || *p == '-') && (p[1] == '\0' || p[1] == ':'))
            return 0;
    }
    return colons >= 1 && colons <= 2;
}

/* No quote or newline may reach the script's single-quoted strings. */
static int safe(const char *s)
{
    return !strpbrk(s, "'\n\r");
}

int cmd_slurm(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"db", required_argument, NULL, 'd'},
        {"nodes", required_argument, NULL, 'n'},
        {"time", required_argument, NULL, 't'},
        {"gpus", required_argument, NULL, 'g'},
        {"workers-per-node", required_argument, NULL, 'w'},
        {"partition", required_argument, NULL, 'p'},
        {"account", required_argument, NULL, 'a'},
        {"data-dir", required_argument, NULL, 'D'},
        {"wattnet", required_argument, NULL, 'x'},
        {"lease-seconds", required_argument, NULL, 'l'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *db = NULL, *time_s = NULL, *partition = NULL, *account = NULL;
    const char *data_dir = NULL, *exe = NULL;
    unsigned long long nodes = 0, gpus = 0, wpn = 0, u;
    double lease = 120;
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case 'd': db = optarg; break;
        case 'n':
            if (cli_parse_u64(optarg, &u) || u < 1 || u > 100000)
                return cli_usage_error("slurm", "--nodes '%s': need 1..100000", optarg);
            nodes = u;
            break;
        case 't': time_s = optarg; break;
        case 'g':
            if (cli_parse_u64(optarg, &u) || u > 64)
                return cli_usage_error("slurm", "--gpus '%s': need 0..64", optarg);
            gpus = u;
            break;
        case 'w':
            if (cli_parse_u64(optarg, &u) || u < 1 || u > 4096)
                return cli_usage_error("slurm", "--workers-per-node '%s': need 1..4096",
                                       optarg);
            wpn = u;
            break;
        case 'p': partition = optarg; break;
        case 'a': account = optarg; break;
        case 'D': data_dir = optarg; break;
        case 'x': exe = optarg; break;
        case 'l':
            if (cli_parse_double(optarg, &lease) || lease < 1 || lease > 86400)
                return cli_usage_error("slurm", "--lease-seconds '%s': need 1..86400",
                                       optarg);
            break;
        case 'h': usage(stdout); return 0;
        default:
            return cli_usage_error("slurm", "unknown or incomplete option '%s'",
                                   argv[optind - 1]);
        }
    }
    if (optind < argc)
        return cli_usage_error("slurm", "unexpected argument '%s'", argv[optind]);
    if (!db || !nodes || !time_s)
        return cli_usage_error("slurm", "--db, --nodes and --time are required");
    if (strncmp(db, "postgresql://", 13) && strncmp(db, "postgres://", 11))
        return cli_usage_error("slurm",
                               "--db must be a postgresql:// URL: a SQLite file "
                               "cannot be shared by many machines");
    if (!valid_time(time_s))
        return cli_usage_error("slurm", "--time '%s': use HH:MM:SS or D-HH:MM:SS",
                               time_s);
    char self[PATH_MAX];
    if (!exe) {
        ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
        if (n > 0) {
            self[n] = '\0';
            exe = self;
        } else {
            exe = "wattnet";
        }
    }
    const char *strs[] = { db, time_s, partition, account, data_dir, exe };
    for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++)
        if (strs[i] && !safe(strs[i]))
            return cli_usage_error("slurm", "'%s' contains a quote or newline", strs[i]);

    printf("#!/bin/bash\n");
    printf("# wattnet workers on %llu node(s), generated by `wattnet slurm`.\n", nodes);
    printf("# Enqueue first:  wattnet sweep --db \"$WATTNET_DB\" --preset butter-e\n");
    printf("# Progress:       wattnet status --db \"$WATTNET_DB\"\n");
    printf("#SBATCH --job-name=wattnet\n");
    printf("#SBATCH --nodes=%llu\n", nodes);
    printf("#SBATCH --ntasks-per-node=1\n");
    printf("#SBATCH --exclusive\n");
    printf("#SBATCH --time=%s\n", time_s);
    if (gpus)
        printf("#SBATCH --gpus-per-node=%llu\n", gpus);
    if (partition)
        printf("#SBATCH --partition=%s\n", partition);
    if (account)
        printf("#SBATCH --account=%s\n", account);
    printf("#SBATCH --output=wattnet-%%j.out\n");
    printf("set -euo pipefail\n\n");
    printf("export WATTNET_DB='%s'\n", db);
    printf("WATTNET='%s'\n", exe);
    if (wpn)
        printf("WORKERS=%llu\n", wpn);
    else
        printf("WORKERS=''   # empty: one pinned worker per core of each node (nproc)\n");
    printf("DATA_DIR='%s'\n", data_dir ? data_dir : "");
    printf("\n# Fail fast if the database cannot be reached from here.\n");
    printf("\"$WATTNET\" status --db \"$WATTNET_DB\" >/dev/null\n\n");
    printf("# One task per node; each starts WORKERS pinned worker processes.\n");
    printf("# A killed node's jobs return to the queue when their lease (%.0f s)\n"
           "# expires; rerunning this script finishes what is left.\n", lease);
    printf("srun --nodes=%llu --ntasks-per-node=1 --kill-on-bad-exit=0 \\\n", nodes);
    printf("  bash -c 'exec \"$0\" worker --db \"$WATTNET_DB\""
           " --workers \"${1:-$(nproc)}\" --pin --lease-seconds %.0f"
           " ${2:+--data-dir \"$2\"}' \"$WATTNET\" \"$WORKERS\" \"$DATA_DIR\"\n",
           lease);
    printf("\n\"$WATTNET\" status --db \"$WATTNET_DB\"\n");
    return 0;
}
