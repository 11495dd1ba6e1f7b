/*
 * test_meter_denied.c - `wattnet meters` as an unprivileged user over a
 * simulated powercap tree whose energy_uj is root-only (as since Linux
 * 5.10, CVE-2020-8694): the message names the real file, the reason and
 * the fix, once, with no doubled "rapl: rapl:" prefix.  The tests run as
 * root, which reads a mode-0600 file anyway, so the command runs under
 * setpriv as nobody (as the user itself when not root).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <cmocka.h>

#include <wattnet/wattnet.h>
#include "meter_fixture.h"

/* Run `wattnet meters ARGS` as an unprivileged user; stdout and stderr in
 * out.  Returns the exit code. */
static int meters_unprivileged(const char *root, const char *args, char *out,
                               size_t n)
{
    char cmd[2048];
    const char *drop = geteuid() == 0
                           ? "setpriv --reuid=65534 --regid=65534 "
                             "--clear-groups "
                           : "";
    snprintf(cmd, sizeof cmd,
             "%senv WATTNET_POWERCAP_ROOT='%s' WATTNET_PERF_ROOT=/nonexistent "
             "WATTNET_NVML_LIB=/nonexistent/libnvidia-ml.so.1 "
             "WATTNET_IPMI_CMD=/nonexistent/ipmitool %s meters %s 2>&1",
             drop, root, WN_CLI_PATH, args);
    return mf_pclose_read(popen(cmd, "r"), out, n);
}

static void test_root_only_energy_uj(void **state)
{
    (void)state;
    static struct mf_rapl r;
    mf_rapl_bigrange(&r);   /* not started: the files stay as made */
    char energy[700], out[8192];
    snprintf(energy, sizeof energy, "%s/intel-rapl:0/energy_uj", r.root);
    assert_int_equal(chmod(r.root, 0755), 0);
    for (size_t i = 0; i < r.n; i++) {
        char p[620];
        snprintf(p, sizeof p, "%s/energy_uj", r.z[i].dir);
        assert_int_equal(chmod(p, 0600), 0);
    }
    int rc = meters_unprivileged(r.root, "--source rapl", out, sizeof out);
    fprintf(stderr, "%s", out);
    assert_int_equal(rc, 0);
    assert_non_null(strstr(out, "rapl      unavailable: "));
    assert_null(strstr(out, "rapl: rapl:"));
    assert_null(strstr(out, "unavailable: rapl:"));
    /* The whole path, twice: what failed, and what to chmod. */
    char want[800];
    snprintf(want, sizeof want, "unavailable: %s: permission denied", energy);
    assert_non_null(strstr(out, want));
    snprintf(want, sizeof want, "sudo chmod o+r %s`", energy);
    assert_non_null(strstr(out, want));
    assert_non_null(strstr(out, "CVE-2020-8694"));
    assert_non_null(strstr(out, "run as root"));

    /* --json keeps the reason whole. */
    rc = meters_unprivileged(r.root, "--source rapl --json", out, sizeof out);
    assert_int_equal(rc, 0);
    snprintf(want, sizeof want, "\"reason\":\"rapl: %s: permission denied",
             energy);
    assert_non_null(strstr(out, want));
    mf_rapl_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_root_only_energy_uj),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
