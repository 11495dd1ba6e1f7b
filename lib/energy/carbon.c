/*
 * carbon.c - facility energy (IT energy x PUE) and CO2e (joules at a grid
 * intensity in gCO2e/kWh), and their JSON fields (include/wattnet/energy.h).
 *
 * These are derived figures for the user's accounting, computed from plain
 * values the caller passes (the measured IT joules, the PUE and intensity
 * the user gave).  They sit next to energy_j and never replace it: the
 * measured joules stay what the meter read.
 */
#include <math.h>

#include <cjson/cJSON.h>

#include <wattnet/energy.h>

#define JOULES_PER_KWH 3.6e6

int wn_carbon_facility_j(double it_j, double pue, double *out)
{
    if (!isfinite(it_j) || !isfinite(pue) || pue < 1.0 || out == NULL)
        return 0;
    *out = it_j * pue;
    return 1;
}

int wn_carbon_co2e_g(double joules, double g_per_kwh, double *out)
{
    if (!isfinite(joules) || !isfinite(g_per_kwh) || joules < 0.0 ||
        g_per_kwh < 0.0 || out == NULL)
        return 0;
    *out = joules / JOULES_PER_KWH * g_per_kwh;
    return 1;
}

static int add_or_null(cJSON *o, const char *key, int ok, double v)
{
    if (ok)
        return cJSON_AddNumberToObject(o, key, v) != NULL;
    return cJSON_AddNullToObject(o, key) != NULL;
}

int wn_carbon_to_json(struct cJSON *o, int has_it, double it_j, double pue,
                      double g_per_kwh)
{
    double facility = 0.0, co2e = 0.0;
    int has_fac = 0;
    if (o == NULL)
        return 0;
    if (pue > 0.0) {
        has_fac = has_it && wn_carbon_facility_j(it_j, pue, &facility);
        if (!cJSON_AddNumberToObject(o, "pue", pue) ||
            !add_or_null(o, "facility_energy_j", has_fac, facility))
            return 0;
    }
    if (g_per_kwh > 0.0) {
        double basis = pue > 0.0 ? facility : it_j;
        int ok = has_it && (pue > 0.0 ? has_fac : 1) &&
                 wn_carbon_co2e_g(basis, g_per_kwh, &co2e);
        if (!cJSON_AddNumberToObject(o, "carbon_intensity_g_per_kwh", g_per_kwh) ||
            !add_or_null(o, "co2e_g", ok, co2e))
            return 0;
    }
    return 1;
}
