/*
 * test_energy.c - the energy honesty rules (lib/energy/energy.c): source
 * names, the usability predicate, joules per datum and the JSON form.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <cjson/cJSON.h>

#include <wattnet/wattnet.h>

static wn_energy measured(const char *source, double joules)
{
    wn_energy e;
    memset(&e, 0, sizeof e);
    snprintf(e.source, sizeof e.source, "%s", source);
    e.measured = 1;
    e.seconds = 2.0;
    e.energy_j = joules;
    e.avg_power_w = joules / 2.0;
    e.n_domains = 2;
    snprintf(e.domains[0].name, sizeof e.domains[0].name, "package-0");
    e.domains[0].energy_j = joules;
    e.domains[0].in_total = 1;
    snprintf(e.domains[1].name, sizeof e.domains[1].name, "core-0");
    e.domains[1].energy_j = joules / 2;
    return e;
}

static void test_source_names(void **state)
{
    (void)state;
    for (int s = WN_ENERGY_RAPL; s <= WN_ENERGY_SIM; s++)
        assert_int_equal(wn_energy_source_from_name(wn_energy_source_name(s)), s);
    assert_int_equal(wn_energy_source_from_name(""), WN_ENERGY_NONE);
    assert_int_equal(wn_energy_source_from_name(NULL), WN_ENERGY_NONE);
    assert_int_equal(wn_energy_source_from_name("rapl+nvml"), WN_ENERGY_COMBINED);
    assert_int_equal(wn_energy_source_from_name("rapl+estimate"), WN_ENERGY_ESTIMATE);
    assert_int_equal(wn_energy_source_from_name("rapl2"), WN_ENERGY_UNKNOWN);
    assert_int_equal(wn_energy_source_from_name("rap"), WN_ENERGY_UNKNOWN);
    assert_string_equal(wn_energy_source_name((wn_energy_source)99), "unknown");
    wn_energy e;
    memset(&e, 0, sizeof e);
    wn_energy_set_source(&e, WN_ENERGY_ESTIMATE);
    assert_string_equal(e.source, "estimate");
    assert_true(e.is_estimate);
}

static void test_usable(void **state)
{
    (void)state;
    wn_energy e = measured("rapl", 10.0);
    assert_true(wn_energy_usable(&e));
    assert_false(wn_energy_usable(NULL));
    e.flag[0] = 'x';                       /* flagged */
    assert_false(wn_energy_usable(&e));
    e = measured("rapl", 0.0);             /* 0 J is never a measurement */
    assert_false(wn_energy_usable(&e));
    e = measured("rapl", NAN);
    assert_false(wn_energy_usable(&e));
    e = measured("rapl", 10.0);
    e.measured = 0;
    assert_false(wn_energy_usable(&e));
    /* an estimate, by flag or only by name, is never usable */
    e = measured("estimate", 10.0);
    assert_true(wn_energy_is_estimate(&e));
    assert_false(wn_energy_usable(&e));
    e = measured("rapl", 10.0);
    e.is_estimate = 1;
    assert_false(wn_energy_usable(&e));
}

static void test_per_datum(void **state)
{
    (void)state;
    wn_energy e = measured("nvml", 12.0);
    double jpd = -1;
    assert_true(wn_energy_per_datum(&e, 4.0, &jpd));
    assert_true(jpd == 3.0);
    assert_false(wn_energy_per_datum(&e, 0.0, &jpd));
    assert_true(jpd == 0.0);
    e = measured("estimate", 12.0);
    assert_false(wn_energy_per_datum(&e, 4.0, &jpd));
    assert_true(jpd == 0.0);
}

static void test_json_measurement(void **state)
{
    (void)state;
    wn_energy e = measured("rapl", 10.0);
    e.has_idle = 1;
    e.idle_power_w = 1.0;
    e.dynamic_energy_j = 8.0;
    cJSON *j = wn_energy_to_json(&e);
    assert_non_null(j);
    assert_string_equal(cJSON_GetObjectItem(j, "source")->valuestring, "rapl");
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(j, "measured")));
    assert_true(cJSON_IsFalse(cJSON_GetObjectItem(j, "estimate")));
    assert_true(cJSON_IsFalse(cJSON_GetObjectItem(j, "simulated")));
    assert_true(cJSON_GetObjectItem(j, "energy_j")->valuedouble == 10.0);
    assert_null(cJSON_GetObjectItem(j, "estimated_j"));
    assert_true(cJSON_GetObjectItem(j, "dynamic_energy_j")->valuedouble == 8.0);
    assert_true(cJSON_IsNull(cJSON_GetObjectItem(j, "flag")));
    cJSON *doms = cJSON_GetObjectItem(j, "domains");
    assert_int_equal(cJSON_GetArraySize(doms), 2);
    assert_true(cJSON_IsFalse(cJSON_GetObjectItem(cJSON_GetArrayItem(doms, 1),
                                                  "in_total")));
    cJSON_Delete(j);
}

/* The simulated source is usable (the pipeline runs end to end on it) but
 * is never passed off as a meter's reading. */
static void test_simulated_is_labelled(void **state)
{
    (void)state;
    wn_energy e = measured("sim", 10.0);
    assert_true(wn_energy_is_simulated(&e));
    assert_true(wn_energy_usable(&e));
    assert_false(wn_energy_is_simulated(NULL));
    cJSON *j = wn_energy_to_json(&e);
    assert_non_null(j);
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(j, "simulated")));
    assert_true(cJSON_IsFalse(cJSON_GetObjectItem(j, "estimate")));
    cJSON_Delete(j);
    e = measured("rapl", 10.0);
    assert_false(wn_energy_is_simulated(&e));
}

static void test_json_estimate_and_flagged(void **state)
{
    (void)state;
    wn_energy e = measured("estimate", 10.0);
    e.is_estimate = 1;
    cJSON *j = wn_energy_to_json(&e);
    assert_true(cJSON_IsFalse(cJSON_GetObjectItem(j, "measured")));
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(j, "estimate")));
    assert_true(cJSON_IsNull(cJSON_GetObjectItem(j, "energy_j")));
    assert_true(cJSON_GetObjectItem(j, "estimated_j")->valuedouble == 10.0);
    cJSON_Delete(j);

    e = measured("rapl", 10.0);
    e.measured = 0;
    snprintf(e.flag, sizeof e.flag, "counter-stuck");
    j = wn_energy_to_json(&e);
    assert_true(cJSON_IsFalse(cJSON_GetObjectItem(j, "measured")));
    assert_true(cJSON_IsNull(cJSON_GetObjectItem(j, "energy_j")));
    assert_true(cJSON_IsNull(cJSON_GetObjectItem(j, "avg_power_w")));
    assert_string_equal(cJSON_GetObjectItem(j, "flag")->valuestring, "counter-stuck");
    cJSON *d0 = cJSON_GetArrayItem(cJSON_GetObjectItem(j, "domains"), 0);
    assert_true(cJSON_IsNull(cJSON_GetObjectItem(d0, "energy_j")));
    cJSON_Delete(j);

    j = wn_energy_to_json(NULL);           /* not metered */
    assert_true(cJSON_IsNull(cJSON_GetObjectItem(j, "source")));
    assert_true(cJSON_IsFalse(cJSON_GetObjectItem(j, "measured")));
    cJSON_Delete(j);
}

static void test_domains_round_trip(void **state)
{
    (void)state;
    wn_energy e = measured("rapl", 10.0), back;
    memset(&back, 0, sizeof back);
    char *s = wn_energy_domains_json(&e);
    assert_non_null(s);
    assert_int_equal(wn_energy_domains_parse(s, &back), WN_OK);
    assert_int_equal(back.n_domains, 2);
    assert_string_equal(back.domains[1].name, "core-0");
    assert_true(back.domains[1].energy_j == 5.0);
    assert_int_equal(back.domains[0].in_total, 1);
    assert_int_equal(back.domains[1].in_total, 0);
    wn_free(s);
    /* booleans (the JSON form) read as well as the store's numbers */
    assert_int_equal(wn_energy_domains_parse(
        "[{\"name\":\"a\",\"energy_j\":1,\"in_total\":true}]", &back), WN_OK);
    assert_int_equal(back.domains[0].in_total, 1);
    assert_int_equal(wn_energy_domains_parse("", &back), WN_OK);
    assert_int_equal(back.n_domains, 0);
    assert_int_equal(wn_energy_domains_parse("{\"a\":1", &back), WN_EFORMAT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_source_names),
        cmocka_unit_test(test_usable),
        cmocka_unit_test(test_per_datum),
        cmocka_unit_test(test_json_measurement),
        cmocka_unit_test(test_json_estimate_and_flagged),
        cmocka_unit_test(test_simulated_is_labelled),
        cmocka_unit_test(test_domains_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
