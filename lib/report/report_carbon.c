/*
 * report_carbon.c - the report's "measurement window and carbon" section:
 * how many runs were extended to a measurable window (issue 10), how many
 * energies are a CPU-time share of a shared meter (attributed, with the
 * whole readings kept), and, when the caller gave a PUE or a grid carbon
 * intensity (wn_report_opts), the facility energy and CO2e of the measured
 * joules (issue 12).  The figures come from lib/energy's wn_carbon_*; the
 * measured joules are shown as they are, never scaled.  The section is
 * left out when there is nothing of the kind to say.
 */
#include <stdio.h>

#include <wattnet/energy.h>

#include "report/report_internal.h"

void wn__report_carbon(struct wn_sbuf *b, struct wn__report_ctx *c)
{
    const wn_report_opts *o = c->o;
    size_t extended = 0, attributed = 0, measured = 0;
    double it_j = 0.0, whole_j = 0.0;
    for (size_t i = 0; i < c->n; i++) {
        const wn_run_record *r = &c->runs[i];
        extended += r->summary.extended != 0;
        if (!wn_energy_usable(&r->energy))
            continue;
        measured++;
        it_j += r->energy.energy_j;
        if (r->energy.attributed) {
            attributed++;
            whole_j += r->energy.whole_energy_j;
        }
    }
    int carbon = o->pue > 0.0 || o->carbon_intensity > 0.0;
    if (!carbon && !extended && !attributed)
        return;
    wn__sbuf_puts(b, "<h2>Measurement windows, shared meters and carbon</h2>\n"
                     "<table>\n");
    wn__sbuf_printf(b, "<tr><th>extended runs</th><td>%zu of %zu ran past "
                    "their requested epochs so that the window spans enough "
                    "of the meter's update interval (min_seconds)</td></tr>\n",
                    extended, c->n);
    if (attributed)
        wn__sbuf_printf(b, "<tr><th>attributed energy</th><td>%zu of %zu "
                        "measured runs are a CPU-time share of a shared meter; "
                        "their whole readings total %.4g J</td></tr>\n",
                        attributed, measured, whole_j);
    if (carbon) {
        double fac = 0.0, co2e = 0.0;
        int has_fac = o->pue > 0.0 && measured &&
                      wn_carbon_facility_j(it_j, o->pue, &fac);
        wn__sbuf_printf(b, "<tr><th>IT energy (measured)</th><td>%.4g J over "
                        "%zu runs</td></tr>\n", it_j, measured);
        if (has_fac)
            wn__sbuf_printf(b, "<tr><th>facility energy</th><td>%.4g J (IT x "
                            "PUE %.3g)</td></tr>\n", fac, o->pue);
        if (o->carbon_intensity > 0.0 && measured &&
            wn_carbon_co2e_g(has_fac ? fac : it_j, o->carbon_intensity, &co2e))
            wn__sbuf_printf(b, "<tr><th>CO2e</th><td>%.4g g (%.4g gCO2e/kWh, "
                            "of the %s energy)</td></tr>\n", co2e,
                            o->carbon_intensity, has_fac ? "facility" : "IT");
    }
    wn__sbuf_puts(b, "</table>\n");
}
