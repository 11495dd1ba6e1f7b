/*
 * cli.h - what the commands of the `wattnet` tool share: the command table
 * entries, the error printer and the shared option parsing (cli_opts.c).
 * The CLI uses only <wattnet/wattnet.h>.
 */
#ifndef WATTNET_CLI_H
#define WATTNET_CLI_H

#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>

#include <cjson/cJSON.h>
#include <wattnet/wattnet.h>

/* Each command: argv[0] is the command name; returns the exit code. */
int cmd_train(int argc, char **argv);
int cmd_widths(int argc, char **argv);
int cmd_data(int argc, char **argv);
int cmd_meters(int argc, char **argv);
int cmd_measure(int argc, char **argv);
int cmd_idle(int argc, char **argv);
int cmd_sweep(int argc, char **argv);
int cmd_worker(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_attribute(int argc, char **argv);
int cmd_slurm(int argc, char **argv);
int cmd_fit(int argc, char **argv);
int cmd_predict(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_probe(int argc, char **argv);
int cmd_import(int argc, char **argv);
int cmd_analyze(int argc, char **argv);
int cmd_gpu(int argc, char **argv);
int cmd_advise(int argc, char **argv);

/* One line per dataset on stderr: "CMD: NAME: real file PATH (sha256 ..)"
 * or the stand-in notice (cli_data.c). */
void cli_print_data_origins(const char *cmd, char *const *datasets, size_t n,
                            const char *data_dir);
int cmd_exporter(int argc, char **argv);

/* Print "wattnet CMD: <message or strerror> (<strerror>)" on stderr and
 * return the exit code for a library status (1; 2 for bad usage). */
int cli_fail(const char *cmd, int status);

/* 0 when OUT (named by OUT_OPT) is none of IN[0..n) (wn_output_check),
 * else the error printed and the exit code (2).  cli_outpath.c. */
int cli_check_output(const char *cmd, const char *out, const char *out_opt,
                     const wn_output_input *in, size_t n);

/* Print "wattnet CMD: <printf message>" on stderr, return 2 (usage). */
/* BYTES as "32 KiB", "1.25 MiB", "24.8 MiB", "1 GiB" (%.3g of the largest
 * binary unit that keeps the number at 1 or more) into buf; returns buf. */
const char *cli_fmt_bytes(double bytes, char *buf, size_t cap);

int cli_usage_error(const char *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Strict number parsing: whole string, range-checked.  0 on success. */
int cli_parse_u64(const char *s, unsigned long long *out);
int cli_parse_double(const char *s, double *out);

/* ---- Shared option parsing (cli_opts.c) ---------------------------------
 * Option codes of the options several commands share; a command's own
 * options use letters.  The CLI_LONGOPTS_* macros are the matching
 * getopt_long table entries. */
enum {
    CLI_OPT_HELP = 'h',
    CLI_OPT_JSON = 'j',
    CLI_OPT_DB = 256, CLI_OPT_SHAPE, CLI_OPT_DEPTH, CLI_OPT_SIZE,
    CLI_OPT_EPOCHS, CLI_OPT_BATCH, CLI_OPT_LR, CLI_OPT_SEED, CLI_OPT_THREADS,
    CLI_OPT_WORKERS, CLI_OPT_PIN, CLI_OPT_LEASE, CLI_OPT_ATTEMPTS,
    CLI_OPT_DATA_DIR, CLI_OPT_METER, CLI_OPT_DEVICES,
    CLI_OPT_PUE, CLI_OPT_CARBON, CLI_OPT_MIN_SECONDS, CLI_OPT_ATTRIBUTE
};
#define CLI_LONGOPTS_COMMON \
    {"help", no_argument, NULL, CLI_OPT_HELP}, \
    {"json", no_argument, NULL, CLI_OPT_JSON}
#define CLI_LONGOPTS_DB {"db", required_argument, NULL, CLI_OPT_DB}
#define CLI_LONGOPTS_TRAIN \
    {"shape", required_argument, NULL, CLI_OPT_SHAPE}, \
    {"depth", required_argument, NULL, CLI_OPT_DEPTH}, \
    {"size", required_argument, NULL, CLI_OPT_SIZE}, \
    {"epochs", required_argument, NULL, CLI_OPT_EPOCHS}, \
    {"batch", required_argument, NULL, CLI_OPT_BATCH}, \
    {"lr", required_argument, NULL, CLI_OPT_LR}, \
    {"seed", required_argument, NULL, CLI_OPT_SEED}, \
    {"threads", required_argument, NULL, CLI_OPT_THREADS}
#define CLI_LONGOPTS_WORKER \
    {"workers", required_argument, NULL, CLI_OPT_WORKERS}, \
    {"pin", no_argument, NULL, CLI_OPT_PIN}, \
    {"threads", required_argument, NULL, CLI_OPT_THREADS}, \
    {"lease-seconds", required_argument, NULL, CLI_OPT_LEASE}, \
    {"max-attempts", required_argument, NULL, CLI_OPT_ATTEMPTS}, \
    {"data-dir", required_argument, NULL, CLI_OPT_DATA_DIR}, \
    {"meter", required_argument, NULL, CLI_OPT_METER}, \
    {"devices", required_argument, NULL, CLI_OPT_DEVICES}, \
    {"attribute", no_argument, NULL, CLI_OPT_ATTRIBUTE}

#define CLI_NO_MAX ULLONG_MAX        /* cli_opt_uint: no upper bound */
#define CLI_NO_MAX_REAL HUGE_VAL     /* cli_opt_real: "> lo", no bound */
#define CLI_NOT_MINE (-2)            /* a group helper: not its option */
#define CLI_HELP (-1)                /* cli_opt_common: usage printed */

/* Before a command's getopt_long loop: from argv[1], no getopt messages. */
void cli_opts_reset(void);
/* An integer option in LO..HI: 0 and *out, or 2 after the usage error
 * "--OPT 'ARG': want an integer LO..HI" (">= LO" when HI is CLI_NO_MAX). */
int cli_opt_uint(const char *cmd, const char *opt, const char *arg,
                 unsigned long long lo, unsigned long long hi,
                 unsigned long long *out);
/* A number in LO..HI, or > LO when HI is CLI_NO_MAX_REAL; as above. */
int cli_opt_real(const char *cmd, const char *opt, const char *arg,
                 double lo, double hi, double *out);
/* --help (usage on stdout, CLI_HELP), --json (sets *json; JSON NULL: the
 * command has none) or else the unknown-option usage error (2). */
int cli_opt_common(const char *cmd, int ch, int argc, char **argv,
                   void (*usage)(FILE *f), int *json);
/* The unknown-option error for the option getopt_long just rejected. */
int cli_opt_unknown(const char *cmd, int argc, char **argv);
/* After the loop: 2 (usage error) when an argument is left, else 0. */
int cli_opt_rest(const char *cmd, int argc, char **argv);
/* A training option (CLI_LONGOPTS_TRAIN) into C: 0, 2, or CLI_NOT_MINE. */
int cli_train_opt(const char *cmd, int ch, const char *arg,
                  wn_train_config *c);
/* A worker option (CLI_LONGOPTS_WORKER, --db) into O: 0, 2, or
 * CLI_NOT_MINE. */
int cli_worker_opt(const char *cmd, int ch, const char *arg,
                   wn_worker_opts *o);

/* Run the workers of O (cmd_worker.c), report progress on stderr and the
 * counts (JSON on stdout with JSON); the exit code.  worker and run. */
int cli_worker_go(const char *cmd, wn_worker_opts *o, int json);
/* Exit codes of `worker` and `run` (docs/many-machines.md), and their
 * --help lines. */
#define CLI_EXIT_JOBS_FAILED 3
#define CLI_WORKER_EXIT_HELP                                                  \
    "Exit status: 0 every job done; 1 an error (database, a worker process\n" \
    "died); 2 bad usage; 3 finished, but some jobs failed (kept as 'failed'\n" \
    "with their error); stopped by SIGTERM/SIGINT/SIGHUP: killed by that\n"   \
    "signal after the jobs were put back (the shell shows 128+N).\n"

/* `status`: runs per device (cli_devices.c), printed, or added to JSON as
 * "devices" when JSON is not NULL (a cJSON object). */
struct cJSON;
void cli_device_counts(const wn_run_record *runs, size_t n, struct cJSON *json);
/* `fit`: one line naming the sources of the runs' measured energy (nvml
 * for GPU runs) and how many runs each measured; nothing when none. */
void cli_energy_sources(const wn_run_record *runs, size_t n);
/* ---- Facility energy and carbon (cli_carbon.c) --------------------------
 * --pue F (>= 1) and --carbon-intensity G (gCO2e/kWh) of train, measure,
 * status and export: derived figures next to the measured joules. */
typedef struct cli_carbon {
    double pue;               /* 0: not given */
    double g_per_kwh;         /* 0: not given */
} cli_carbon;
#define CLI_LONGOPTS_CARBON \
    {"pue", required_argument, NULL, CLI_OPT_PUE}, \
    {"carbon-intensity", required_argument, NULL, CLI_OPT_CARBON}
#define CLI_CARBON_HELP \
    "  --pue F         facility energy = IT energy x F (F >= 1), shown beside\n" \
    "                  the measured joules, never mixed into them\n" \
    "  --carbon-intensity G\n" \
    "                  gCO2e per kWh: CO2e of the facility (or IT) energy\n"
/* A carbon option into C: 0, 2, or CLI_NOT_MINE. */
int cli_carbon_opt(const char *cmd, int ch, const char *arg, cli_carbon *c);
/* Add the carbon fields (wn_carbon_to_json) for E to O when C has any. */
void cli_carbon_json(cJSON *o, const cli_carbon *c, const wn_energy *e);
/* "  facility  X J (PUE F)\n  co2e  Y g (G g/kWh)\n" lines on F with PREFIX
 * indentation, when C has any and E is a usable measurement. */
void cli_carbon_print(FILE *f, const char *indent, const cli_carbon *c,
                      const wn_energy *e);

#endif /* WATTNET_CLI_H */
