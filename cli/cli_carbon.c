/*
 * cli_carbon.c - the --pue and --carbon-intensity options that train,
 * measure, status and export share, and how a command shows the figures.
 * The arithmetic and the JSON fields are lib/energy's (wn_carbon_*); the
 * measured joules are never changed.
 */
#include <stdio.h>

#include "cli.h"

int cli_carbon_opt(const char *cmd, int ch, const char *arg, cli_carbon *c)
{
    switch (ch) {
    case CLI_OPT_PUE:
        return cli_opt_real(cmd, "pue", arg, 1.0, 10.0, &c->pue);
    case CLI_OPT_CARBON:
        return cli_opt_real(cmd, "carbon-intensity", arg, 0.0, 5000.0,
                            &c->g_per_kwh);
    default:
        return CLI_NOT_MINE;
    }
}

void cli_carbon_json(cJSON *o, const cli_carbon *c, const wn_energy *e)
{
    if (!o || !c || (c->pue <= 0.0 && c->g_per_kwh <= 0.0))
        return;
    wn_carbon_to_json(o, wn_energy_usable(e), e ? e->energy_j : 0.0, c->pue,
                      c->g_per_kwh);
}

void cli_carbon_print(FILE *f, const char *indent, const cli_carbon *c,
                      const wn_energy *e)
{
    double fac = 0.0, co2e = 0.0;
    if (!c || !wn_energy_usable(e))
        return;
    int has_fac = c->pue > 0.0 && wn_carbon_facility_j(e->energy_j, c->pue, &fac);
    if (has_fac)
        fprintf(f, "%sfacility    %.4g J (IT x PUE %.3g)\n", indent, fac, c->pue);
    if (c->g_per_kwh > 0.0 &&
        wn_carbon_co2e_g(has_fac ? fac : e->energy_j, c->g_per_kwh, &co2e))
        fprintf(f, "%sco2e        %.4g g (%.4g gCO2e/kWh, %s energy)\n", indent,
                co2e, c->g_per_kwh, has_fac ? "facility" : "IT");
}
