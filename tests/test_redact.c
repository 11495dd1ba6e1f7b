/*
 * test_redact.c - credentials never shown (issue 9, item 22): URL
 * userinfo passwords, ?password= query parameters and key=value connection
 * strings are masked, in a URL alone and inside a longer message.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <wattnet/redact.h>

static void expect(const char *in, const char *want)
{
    char out[512];
    wn_redact(in, out, sizeof out);
    assert_string_equal(out, want);
}

static void test_url_userinfo(void **state)
{
    (void)state;
    expect("postgresql://alice:S3cret@db.example:5432/runs",
           "postgresql://alice:***@db.example:5432/runs");
    expect("postgresql://alice@db/runs", "postgresql://alice@db/runs");
    expect("postgresql://db/runs", "postgresql://db/runs");
    expect("https://root:pa:ss@bmc/redfish/v1", "https://root:***@bmc/redfish/v1");
    /* inside a libpq message */
    expect("connection to \"postgresql://u:pw@127.0.0.1:1/x\" failed: refused",
           "connection to \"postgresql://u:***@127.0.0.1:1/x\" failed: refused");
}

static void test_query_and_conninfo(void **state)
{
    (void)state;
    expect("postgresql://u@h/db?password=S3cret&sslmode=require",
           "postgresql://u@h/db?password=***&sslmode=require");
    expect("postgresql://h/db?sslmode=disable&PASSWORD=x",
           "postgresql://h/db?sslmode=disable&PASSWORD=***");
    expect("host=h password='a b\\' c' user=u", "host=h password=*** user=u");
    expect("host=h password = secret dbname=x", "host=h password = *** dbname=x");
    expect("token=abc", "token=***");
    /* a key inside a longer word is not a key */
    expect("mypassword=visible", "mypassword=visible");
    expect("no secrets here", "no secrets here");
    expect(NULL, "");
    /* a text ending in a key's prefix: never read past its end (ASan) */
    char *tail = strdup("user pa");
    assert_non_null(tail);
    expect(tail, "user pa");
    free(tail);
}

static void test_truncation(void **state)
{
    (void)state;
    char out[12];
    wn_redact("postgresql://u:secret@h", out, sizeof out);
    assert_int_equal(strlen(out), sizeof out - 1);
    assert_null(strstr(out, "secret"));
    wn_redact("x", out, 1);
    assert_string_equal(out, "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_url_userinfo),
        cmocka_unit_test(test_query_and_conninfo),
        cmocka_unit_test(test_truncation),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
