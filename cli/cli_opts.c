/*
 * cli_opts.c - option parsing the commands share (curl's tool_paramhlp):
 * range-checked numbers with the one error message, the unknown-option and
 * stray-argument errors, and the option groups that several commands take:
 * the training options (train; a run spec) and the worker options (worker,
 * run).  Each helper returns 0 when the option was taken, 2 after printing
 * a usage error ("wattnet CMD: --OPT 'ARG': want ..."), and the group
 * helpers CLI_NOT_MINE for an option that is not theirs.
 */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

void cli_opts_reset(void)
{
    optind = 1;
    opterr = 0;
}

int cli_opt_uint(const char *cmd, const char *opt, const char *arg,
                 unsigned long long lo, unsigned long long hi,
                 unsigned long long *out)
{
    unsigned long long v = 0;
    if (cli_parse_u64(arg, &v) == 0 && v >= lo && v <= hi) {
        *out = v;
        return 0;
    }
    if (hi == CLI_NO_MAX)
        return cli_usage_error(cmd, "--%s '%s': want an integer >= %llu", opt,
                               arg, lo);
    return cli_usage_error(cmd, "--%s '%s': want an integer %llu..%llu", opt,
                           arg, lo, hi);
}

int cli_opt_real(const char *cmd, const char *opt, const char *arg,
                 double lo, double hi, double *out)
{
    double v = 0.0;
    int ok = cli_parse_double(arg, &v) == 0 && v <= hi &&
             (hi == CLI_NO_MAX_REAL ? v > lo : v >= lo);
    if (ok) {
        *out = v;
        return 0;
    }
    if (hi == CLI_NO_MAX_REAL)
        return cli_usage_error(cmd, "--%s '%s': want a number > %g", opt, arg,
                               lo);
    return cli_usage_error(cmd, "--%s '%s': want a number %g..%g", opt, arg,
                           lo, hi);
}

int cli_opt_unknown(const char *cmd, int argc, char **argv)
{
    const char *what = optind > 0 && optind <= argc ? argv[optind - 1] : "?";
    return cli_usage_error(cmd, "unknown or incomplete option '%s'", what);
}

int cli_opt_rest(const char *cmd, int argc, char **argv)
{
    if (optind < argc)
        return cli_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
    return 0;
}

int cli_opt_common(const char *cmd, int ch, int argc, char **argv,
                   void (*usage)(FILE *f), int *json)
{
    if (ch == CLI_OPT_HELP) {
        usage(stdout);
        return CLI_HELP;
    }
    if (ch == CLI_OPT_JSON && json) {
        *json = 1;
        return 0;
    }
    return cli_opt_unknown(cmd, argc, argv);
}

/* ---- Training options ------------------------------------------------ */

int cli_train_opt(const char *cmd, int ch, const char *arg, wn_train_config *c)
{
    unsigned long long u = 0;
    int rc = 0;
    switch (ch) {
    case CLI_OPT_SHAPE:
        if (!wn_shape_valid(arg) || strlen(arg) >= sizeof c->shape)
            return cli_usage_error(cmd, "--shape '%s': unknown shape", arg);
        snprintf(c->shape, sizeof c->shape, "%s", arg);
        return 0;
    case CLI_OPT_DEPTH:
        rc = cli_opt_uint(cmd, "depth", arg, 2, WN_MAX_DEPTH, &u);
        c->depth = rc ? c->depth : (size_t)u;
        return rc;
    case CLI_OPT_SIZE:
        rc = cli_opt_uint(cmd, "size", arg, 1, CLI_NO_MAX, &u);
        c->size = rc ? c->size : (uint64_t)u;
        return rc;
    case CLI_OPT_EPOCHS:
        rc = cli_opt_uint(cmd, "epochs", arg, 1, 100000000ULL, &u);
        c->epochs = rc ? c->epochs : (size_t)u;
        return rc;
    case CLI_OPT_BATCH:
        rc = cli_opt_uint(cmd, "batch", arg, 1, 1000000000ULL, &u);
        c->batch = rc ? c->batch : (size_t)u;
        return rc;
    case CLI_OPT_LR:
        return cli_opt_real(cmd, "lr", arg, 0.0, CLI_NO_MAX_REAL,
                            &c->learning_rate);
    case CLI_OPT_SEED:
        rc = cli_opt_uint(cmd, "seed", arg, 0, CLI_NO_MAX, &u);
        c->seed = rc ? c->seed : (uint64_t)u;
        return rc;
    case CLI_OPT_THREADS:
        rc = cli_opt_uint(cmd, "threads", arg, 0, 4096, &u);
        c->threads = rc ? c->threads : (int)u;
        return rc;
    default:
        return CLI_NOT_MINE;
    }
}

/* ---- Worker options -------------------------------------------------- */

int cli_worker_opt(const char *cmd, int ch, const char *arg, wn_worker_opts *o)
{
    unsigned long long u = 0;
    int rc = 0;
    switch (ch) {
    case CLI_OPT_DB:
        o->url = arg;
        return 0;
    case CLI_OPT_WORKERS:
        rc = cli_opt_uint(cmd, "workers", arg, 1, 4096, &u);
        o->workers = rc ? o->workers : (int)u;
        return rc;
    case CLI_OPT_PIN:
        o->pin = 1;
        return 0;
    case CLI_OPT_THREADS:
        rc = cli_opt_uint(cmd, "threads", arg, 1, 4096, &u);
        o->threads = rc ? o->threads : (int)u;
        return rc;
    case CLI_OPT_LEASE:
        return cli_opt_real(cmd, "lease-seconds", arg, 0.1, 86400, &o->lease_s);
    case CLI_OPT_ATTEMPTS:
        rc = cli_opt_uint(cmd, "max-attempts", arg, 1, 1000, &u);
        o->max_attempts = rc ? o->max_attempts : (int)u;
        return rc;
    case CLI_OPT_DATA_DIR:
        o->data_dir = arg;
        return 0;
    case CLI_OPT_METER:
        o->meter_source = arg;
        return 0;
    case CLI_OPT_ATTRIBUTE:
        o->attribute = 1;
        return 0;
    case CLI_OPT_DEVICES:
        if (wn_worker_devices_parse(arg, &o->devices) != WN_OK)
            return cli_usage_error(cmd, "--devices '%s': want cpu, cuda or cpu,cuda",
                                   arg);
        return 0;
    default:
        return CLI_NOT_MINE;
    }
}
