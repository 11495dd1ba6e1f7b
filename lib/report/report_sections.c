/*
 * report_sections.c - the report's sections, in page order.  Adding a
 * section is one line here plus its file report_NAME.c (docs/report.md).
 * Numbered headings ("1. ...") count up in this order by themselves.
 */
#include "report/report_internal.h"

const struct wn__report_section wn__report_sections[] = {
    {"summary", wn__report_summary},
    {"carbon", wn__report_carbon},
    {"working-set", wn__report_working_set},
    {"crossover", wn__report_crossover},
    {"efficiency", wn__report_efficiency},
    {"predicted", wn__report_predicted},
    {"to-loss", wn__report_to_loss},
    {"power", wn__report_power},
    {"advise", wn__report_advise_entry},
    {"study", wn__report_study},
};

const size_t wn__report_n_sections =
    sizeof wn__report_sections / sizeof wn__report_sections[0];
