/*
 * cmd_exporter.c - `wattnet exporter`: serve this host's energy meters (and,
 * with --db, the queue) to Prometheus at http://HOST:PORT/metrics until
 * SIGINT or SIGTERM.  Loopback (127.0.0.1:9464) unless --listen names
 * another address.  --once prints one exposition after one refresh period
 * instead of serving (no HTTP).
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <wattnet/exporter.h>

#include "cli.h"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: wattnet exporter [--listen HOST:PORT] [--db URL] [--source NAME]\n"
            "                        [--refresh-ms N] [--once [--openmetrics]]\n\n"
            "Serve OpenMetrics for Prometheus at http://HOST:PORT/metrics:\n"
            "  wattnet_energy_joules_total{source,domain,estimate,in_total}  counters,\n"
            "      monotonic across hardware counter wraps (sum in_total=\"true\")\n"
            "  wattnet_power_watts{...}   average power over the last refresh period\n"
            "  wattnet_meter_up{source,estimate}\n"
            "  with --db: wattnet_store_up, wattnet_queue_jobs{state}, wattnet_runs,\n"
            "      wattnet_runs_per_hour\n"
            "estimate=\"true\" marks figures that are not measurements.\n\n"
            "  --listen HOST:PORT  address to serve (default 127.0.0.1:9464, loopback\n"
            "                      only; name another address to expose it; port 0:\n"
            "                      any free port)\n"
            "  --db URL            store (sqlite path or postgresql:// URL) for queue\n"
            "                      metrics\n"
            "  --source NAME       meter source (default auto)\n"
            "  --refresh-ms N      meter window period, 100..60000 (default 1000)\n"
            "  --once              print one exposition (text format) and exit\n"
            "  --openmetrics       with --once: OpenMetrics instead\n");
}

static int print_once(wn_exporter *x, unsigned refresh_ms, int om)
{
    static char buf[65536];
    size_t n = 0;
    struct timespec ts = { (time_t)(refresh_ms / 1000),
                           (long)(refresh_ms % 1000) * 1000000L };
    while (nanosleep(&ts, &ts) != 0)
        ;
    int rc = wn_exporter_refresh(x);
    if (rc == WN_OK)
        rc = wn_exporter_scrape(x, om, buf, sizeof buf, &n);
    if (rc)
        return cli_fail("exporter", rc);
    fwrite(buf, 1, n, stdout);
    return 0;
}

/* Block SIGINT/SIGTERM before the library starts threads, then wait. */
static int serve(wn_exporter *x, const sigset_t *set)
{
    int sig = 0;
    fprintf(stderr, "wattnet exporter: serving %s (Ctrl-C to stop)\n",
            wn_exporter_url(x));
    fflush(stderr);
    sigwait(set, &sig);
    fprintf(stderr, "wattnet exporter: %s, %llu scrapes served\n",
            sig == SIGINT ? "interrupted" : "terminated",
            (unsigned long long)wn_exporter_scrapes(x));
    return 0;
}

static int loopback(const char *listen)
{
    return !strncmp(listen, "127.", 4) || !strncmp(listen, "[::1]:", 6) ||
           !strncmp(listen, "localhost:", 10);
}

int cmd_exporter(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"listen", required_argument, NULL, 'l'},
        {"db", required_argument, NULL, 'd'},
        {"source", required_argument, NULL, 's'},
        {"refresh-ms", required_argument, NULL, 'r'},
        {"once", no_argument, NULL, 'o'},
        {"openmetrics", no_argument, NULL, 'm'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    wn_exporter_opts o;
    unsigned long long v = 0;
    int once = 0, om = 0, c, rc;
    wn_exporter_opts_default(&o);
    o.listen = "127.0.0.1:9464";
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case 'l': o.listen = optarg; break;
        case 'd': o.db_url = optarg; break;
        case 's': o.source = optarg; break;
        case 'r':
            if (cli_parse_u64(optarg, &v) || v < 100 || v > 60000)
                return cli_usage_error("exporter", "--refresh-ms '%s': want "
                                       "100..60000", optarg);
            o.refresh_ms = (unsigned)v;
            break;
        case 'o': once = 1; break;
        case 'm': om = 1; break;
        case 'h': usage(stdout); return 0;
        default:
            return cli_usage_error("exporter", "unknown option '%s'",
                                   argv[optind - 1]);
        }
    }
    if (optind < argc)
        return cli_usage_error("exporter", "unexpected argument '%s'",
                               argv[optind]);
    if (om && !once)
        return cli_usage_error("exporter", "--openmetrics goes with --once "
                               "(a server picks the format from Accept)");
    if (once)
        o.listen = "";

    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    wn_exporter *x = NULL;
    rc = wn_exporter_open(&o, &x);
    if (rc)
        return cli_fail("exporter", rc);
    if (!once && !loopback(o.listen))
        fprintf(stderr, "wattnet exporter: note: %s is not loopback: other "
                "machines can read these metrics\n", o.listen);
    rc = once ? print_once(x, o.refresh_ms, om) : serve(x, &set);
    wn_exporter_close(&x);
    return rc;
}
