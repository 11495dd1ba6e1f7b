/*
 * report_study.c - the report's "this machine against BUTTER-E" section: a
 * table of the study's headline numbers (SPEC sections 1 and 8) next to
 * this data set's, each with its interval (interquartile range over
 * groups) and the runs behind it, plus the cleaning counts, idle per node
 * type and the fixed overhead.  Built from plain values (wn_study_result);
 * wn_report_study_html gives the section alone.  Time-only data sets are
 * labelled as seconds, never as joules.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <wattnet/core.h>
#include <wattnet/study.h>

#include "report/report_internal.h"
#include "report/report_study.h"

static void cell_stat(struct wn_sbuf *b, const wn_study_stat *s, const char *unit)
{
    if (!s->has) {
        wn__sbuf_puts(b, "<td>not enough runs</td><td>0</td>");
        return;
    }
    wn__sbuf_printf(b, "<td>%.3g %s <small>[%.3g, %.3g]</small></td>"
                    "<td>%zu (%zu groups)</td>", s->value, unit, s->lo, s->hi,
                    s->n_runs, s->n_groups);
}

static void row_stat(struct wn_sbuf *b, const char *dev, const char *what,
                     const wn_study_stat *s, const char *unit, double study)
{
    wn__sbuf_printf(b, "<tr><td>%s</td><td>%s</td>", dev, what);
    cell_stat(b, s, unit);
    wn__sbuf_printf(b, "<td>%.3g J</td></tr>\n", study);
}

static void steps_cell(struct wn_sbuf *b, const wn_study_device *d)
{
    if (!d->n_steps) {
        wn__sbuf_puts(b, "<td>none found</td>");
        return;
    }
    wn__sbuf_puts(b, "<td>");
    for (size_t s = 0; s < d->n_steps; s++) {
        wn__sbuf_printf(b, "%s2<sup>%.0f</sup> B (&times;%.2f", s ? ", " : "",
                        log2(d->steps[s].ws_bytes), d->steps[s].ratio);
        if (d->steps[s].level)
            wn__sbuf_printf(b, ", L%d", d->steps[s].level);
        wn__sbuf_puts(b, ")");
    }
    wn__sbuf_puts(b, "</td>");
}

static void device_rows(struct wn_sbuf *b, const wn_study_result *r, int g)
{
    const wn_study_device *d = &r->dev[g];
    const wn_study_reference *ref = wn_study_reference_get(g);
    const char *dev = g ? "GPU" : "CPU", *u = r->time_only ? "s" : "J";
    if (!d->present)
        return;
    row_stat(b, dev, "per extra training row per epoch", &d->per_row_epoch, u,
             ref->per_row_epoch_j);
    row_stat(b, dev, "per parameter per datum (&ge; 2<sup>20</sup> parameters)",
             &d->per_param_datum, u, ref->per_param_datum_j);
    row_stat(b, dev, "per extra layer per datum", &d->per_layer_datum, u,
             ref->per_layer_datum_j);
    wn__sbuf_printf(b, "<tr><td>%s</td><td>fixed overhead per run</td>", dev);
    if (d->has_overhead)
        wn__sbuf_printf(b, "<td>%.6g %s, %.1f s</td><td>%zu</td>", d->overhead_j,
                        u, d->overhead_s, d->overhead_runs);
    else
        wn__sbuf_puts(b, "<td>no small 505_tecator runs</td><td>0</td>");
    wn__sbuf_printf(b, "<td>%.6g J, %.1f s</td></tr>\n", ref->overhead_j,
                    ref->overhead_s);
    wn__sbuf_printf(b, "<tr><td>%s</td><td>working set where cost per datum "
                    "steps up</td>", dev);
    steps_cell(b, d);
    wn__sbuf_printf(b, "<td>%zu</td><td>%s</td></tr>\n", d->runs_kept,
                    g ? "L1/SM, L2 (6 MiB), then HBM"
                      : "L1 (32 KiB), L2 (1 MiB), L3 (24.75 MiB), then RAM");
    for (size_t t = 0; t < d->n_types; t++) {
        wn__sbuf_printf(b, "<tr><td>%s</td><td>idle of node type ", dev);
        wn__sbuf_escape(b, d->types[t].name);
        wn__sbuf_printf(b, "%s</td><td>%.1f W</td><td>%zu nodes</td><td>%s</td>"
                        "</tr>\n", strcmp(d->types[t].name, d->ref_type) ? ""
                                                                          : " (reference)",
                        d->types[t].idle_w, d->types[t].n_nodes,
                        g ? "374, 403 W" : "220, 230, 309, 388 W");
    }
}

void wn__report_study_section(struct wn_sbuf *b, const wn_study_result *r)
{
    wn__sbuf_puts(b, "<h2 id=\"study\">6. This machine against BUTTER-E</h2>\n");
    if (r->time_only)
        wn__sbuf_puts(b, "<p class=\"warn\">No run here has energy: the values "
                      "below are <b>time equivalents in seconds</b>, shown beside "
                      "the study's joules only for their shape.</p>\n");
    wn__sbuf_printf(b, "<p>The study's pipeline on %zu runs: dropped %zu (0 W "
                    "reading or no samples), %zu (runtime over 75,000 s), %zu "
                    "(log runtime beyond 4&sigma; of its device, dataset and "
                    "size); %zu 505_tecator runs used for the overhead and left "
                    "out; %zu depth-2 runs merged into rectangle; %zu runs kept "
                    "in %zu configurations (median over repetitions). Intervals "
                    "are the interquartile range over groups.</p>\n",
                    r->runs_in, r->dropped_energy, r->dropped_runtime,
                    r->dropped_outlier, r->overhead_dataset_runs, r->merged_depth2,
                    r->runs_kept, r->configs);
    wn__sbuf_puts(b, "<table id=\"study-table\">\n<tr><th>device</th><th>quantity"
                  "</th><th>this data set [interval]</th><th>runs</th>"
                  "<th>BUTTER-E</th></tr>\n");
    device_rows(b, r, 0);
    device_rows(b, r, 1);
    wn__sbuf_puts(b, "<tr><td>both</td><td>CPU/GPU crossover (parameters)</td>");
    if (r->has_crossover)
        wn__sbuf_printf(b, "<td>2<sup>%.0f</sup></td><td>%zu</td>",
                        log2(r->crossover_params), r->crossover_runs);
    else if (r->dev[0].present && r->dev[1].present)
        wn__sbuf_puts(b, "<td>none found</td><td>0</td>");
    else
        wn__sbuf_puts(b, "<td>needs CPU and GPU runs</td><td>0</td>");
    wn__sbuf_puts(b, "<td>2<sup>20</sup>&ndash;2<sup>22</sup></td></tr>\n</table>\n");
}

void wn__report_study_runs(struct wn_sbuf *b, const wn_run_record *runs, size_t n)
{
    wn_study_run *v = NULL;
    wn_study_result r;
    memset(&r, 0, sizeof r);
    int rc = wn_study_runs_from_records(runs, n, &v);
    if (rc == WN_OK)
        rc = wn_study_analyze(v, n, NULL, 0, NULL, &r);
    if (rc == WN_OK)
        wn__report_study_section(b, &r);
    else if (rc == WN_ENOMEM)
        b->failed = 1;
    else
        wn__sbuf_printf(b, "<p class=\"warn\">The study's analysis failed: %s</p>\n",
                        wn_strerror(rc));
    wn_clearerr();
    wn_study_result_clear(&r);
    wn_free(v);
}

int wn_report_study_html(const wn_study_result *r, char **html)
{
    struct wn_sbuf b = {0};
    if (!r || !html)
        return wn_seterr(WN_EINVAL, "report: NULL argument");
    *html = NULL;
    wn__report_study_section(&b, r);
    int rc = wn__sbuf_take(&b, html, NULL);
    wn__sbuf_free(&b);
    return rc == WN_OK ? rc : wn_seterr(rc, "report: out of memory");
}

/* The section as the report's sections table calls it (report_sections.c). */
void wn__report_study(struct wn_sbuf *b, struct wn__report_ctx *c)
{
    wn__report_study_runs(b, c->runs, c->n);
}
