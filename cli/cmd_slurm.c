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

struct slurm_cli {
    const char *db, *time_s, *partition, *account, *data_dir, *exe;
    unsigned long long nodes, gpus, wpn;
    double lease;
};

static int parse_args(int argc, char **argv, struct slurm_cli *a)
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
    int c, rc = 0;
    cli_opts_reset();
    while (rc == 0 && (c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case 'd': a->db = optarg; break;
        case 'n': rc = cli_opt_uint("slurm", "nodes", optarg, 1, 100000, &a->nodes); break;
        case 't': a->time_s = optarg; break;
        case 'g': rc = cli_opt_uint("slurm", "gpus", optarg, 0, 64, &a->gpus); break;
        case 'w':
            rc = cli_opt_uint("slurm", "workers-per-node", optarg, 1, 4096, &a->wpn);
            break;
        case 'p': a->partition = optarg; break;
        case 'a': a->account = optarg; break;
        case 'D': a->data_dir = optarg; break;
        case 'x': a->exe = optarg; break;
        case 'l':
            rc = cli_opt_real("slurm", "lease-seconds", optarg, 1, 86400, &a->lease);
            break;
        default: rc = cli_opt_common("slurm", c, argc, argv, usage, NULL); break;
        }
    }
    if (rc)
        return rc;
    if (cli_opt_rest("slurm", argc, argv))
        return 2;
    if (!a->db || !a->nodes || !a->time_s)
        return cli_usage_error("slurm", "--db, --nodes and --time are required");
    if (strncmp(a->db, "postgresql://", 13) && strncmp(a->db, "postgres://", 11))
        return cli_usage_error("slurm",
                               "--db must be a postgresql:// URL: a SQLite file "
                               "cannot be shared by many machines");
    if (!valid_time(a->time_s))
        return cli_usage_error("slurm", "--time '%s': use HH:MM:SS or D-HH:MM:SS",
                               a->time_s);
    return 0;
}

/* The database URL.  One without a credential is written as given.  One
 * with a password is written masked (wn_redact): the real URL must come
 * from $WATTNET_DB in the job's environment (sbatch exports the submitting
 * shell's by default, or --export=ALL,WATTNET_DB=...), and the script
 * stops if it is not there.  A URL without a password, its password in
 * ~/.pgpass, needs neither. */
static void print_db(const char *db)
{
    char masked[4096];
    wn_redact(db, masked, sizeof masked);
    if (!strcmp(masked, db)) {
        printf("# The database (a password belongs in ~/.pgpass, not here).\n");
        printf("export WATTNET_DB='%s'\n", db);
        return;
    }
    printf("# The database: %s\n"
           "# Its password is not written here.  Submit with the real URL in\n"
           "# the environment:  WATTNET_DB='postgresql://...' sbatch THIS\n"
           "# (or sbatch --export=ALL,WATTNET_DB=...), or pass --db without\n"
           "# the password and keep it in ~/.pgpass (docs/many-machines.md).\n",
           masked);
    printf("if [ -z \"${WATTNET_DB:-}\" ]; then\n"
           "  echo 'wattnet: WATTNET_DB is not set in the job environment; "
           "submit as WATTNET_DB=URL sbatch (the URL has a password, "
           "not written in this script)' >&2\n"
           "  exit 2\n"
           "fi\n"
           "export WATTNET_DB\n");
}

static void print_script(const struct slurm_cli *a)
{
    printf("#!/bin/bash\n");
    printf("# wattnet workers on %llu node(s), generated by `wattnet slurm`.\n", a->nodes);
    printf("# Enqueue first:  wattnet sweep --db \"$WATTNET_DB\" --preset butter-e\n");
    printf("# Progress:       wattnet status --db \"$WATTNET_DB\"\n");
    printf("#SBATCH --job-name=wattnet\n");
    printf("#SBATCH --nodes=%llu\n", a->nodes);
    printf("#SBATCH --ntasks-per-node=1\n");
    printf("#SBATCH --exclusive\n");
    printf("#SBATCH --time=%s\n", a->time_s);
    if (a->gpus)
        printf("#SBATCH --gpus-per-node=%llu\n", a->gpus);
    if (a->partition)
        printf("#SBATCH --partition=%s\n", a->partition);
    if (a->account)
        printf("#SBATCH --account=%s\n", a->account);
    printf("#SBATCH --output=wattnet-%%j.out\n");
    printf("set -euo pipefail\n\n");
    print_db(a->db);
    printf("WATTNET='%s'\n", a->exe);
    if (a->wpn)
        printf("WORKERS=%llu\n", a->wpn);
    else
        printf("WORKERS=''   # empty: one pinned worker per core of each node (nproc)\n");
    printf("DATA_DIR='%s'\n", a->data_dir ? a->data_dir : "");
    printf("\n# Fail fast if the database cannot be reached from here.\n");
    printf("\"$WATTNET\" status --db \"$WATTNET_DB\" >/dev/null\n\n");
    printf("# One task per node; each starts WORKERS pinned worker processes.\n");
    printf("# A killed node's jobs return to the queue when their lease (%.0f s)\n"
           "# expires; rerunning this script finishes what is left.\n", a->lease);
    printf("srun --nodes=%llu --ntasks-per-node=1 --kill-on-bad-exit=0 \\\n", a->nodes);
    printf("  bash -c 'exec \"$0\" worker --db \"$WATTNET_DB\""
           " --workers \"${1:-$(nproc)}\" --pin --lease-seconds %.0f"
           " ${2:+--data-dir \"$2\"}' \"$WATTNET\" \"$WORKERS\" \"$DATA_DIR\"\n",
           a->lease);
    printf("\n\"$WATTNET\" status --db \"$WATTNET_DB\"\n");
}

int cmd_slurm(int argc, char **argv)
{
    struct slurm_cli a;
    memset(&a, 0, sizeof a);
    a.lease = 120;
    int rc = parse_args(argc, argv, &a);
    if (rc)
        return rc == CLI_HELP ? 0 : rc;
    char self[PATH_MAX];
    if (!a.exe) {
        ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
        if (n > 0) {
            self[n] = '\0';
            a.exe = self;
        } else {
            a.exe = "wattnet";
        }
    }
    const char *strs[] = { a.db, a.time_s, a.partition, a.account, a.data_dir, a.exe };
    for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++)
        if (strs[i] && !safe(strs[i]))
            return cli_usage_error("slurm", "'%s' contains a quote or newline", strs[i]);
    print_script(&a);
    return 0;
}
