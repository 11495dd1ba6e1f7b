/*
 * cli.h - what the commands of the `wattnet` tool share: the command table
 * entries and the error printer.  The CLI uses only <wattnet/wattnet.h>.
 */
#ifndef WATTNET_CLI_H
#define WATTNET_CLI_H

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
int cmd_exporter(int argc, char **argv);

/* Print "wattnet CMD: <message or strerror> (<strerror>)" on stderr and
 * return the exit code for a library status (1; 2 for bad usage). */
int cli_fail(const char *cmd, int status);

/* Print "wattnet CMD: <printf message>" on stderr, return 2 (usage). */
int cli_usage_error(const char *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Strict number parsing: whole string, range-checked.  0 on success. */
int cli_parse_u64(const char *s, unsigned long long *out);
int cli_parse_double(const char *s, double *out);

#endif /* WATTNET_CLI_H */
