/*
 * test_error.c - wn_seterr may be given the current message as an
 * argument (a caller adding its prefix): the result is the prefix plus the
 * whole old message, never a cut or doubled text (issue 9, item 2).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <wattnet/wattnet.h>

static void test_prefix_own_message(void **state)
{
    (void)state;
    const char *path = "/sys/devices/virtual/powercap/intel-rapl/"
                       "intel-rapl:0/energy_uj";
    wn_seterr(WN_EPERM, "%s: permission denied", path);
    assert_int_equal(wn_seterr(WN_EPERM, "rapl: %s", wn_errmsg()), WN_EPERM);
    char want[256];
    snprintf(want, sizeof want, "rapl: %s: permission denied", path);
    assert_string_equal(wn_errmsg(), want);
    /* twice, and with the message in the middle of the format */
    wn_seterr(WN_EPERM, "meters: %s (run as root)", wn_errmsg());
    snprintf(want, sizeof want, "meters: rapl: %s: permission denied "
             "(run as root)", path);
    assert_string_equal(wn_errmsg(), want);
}

static void test_long_message_is_bounded(void **state)
{
    (void)state;
    char big[4096];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    wn_seterr(WN_EIO, "%s", big);
    size_t n = strlen(wn_errmsg());
    assert_true(n > 0 && n < sizeof big);
    wn_seterr(WN_EIO, "p: %s", wn_errmsg());
    assert_true(strncmp(wn_errmsg(), "p: xxx", 6) == 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_prefix_own_message),
        cmocka_unit_test(test_long_message_is_bounded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
