/*
 * report_summary.c - the report's first section: host, hardware profile,
 * where the runs came from, how many were measured, estimated or only
 * timed, the quantity shown, then the model's cross-validation table.
 */
#include <stdio.h>

#include <wattnet/core.h>
#include <wattnet/model.h>
#include <wattnet/redact.h>
#include <wattnet/report.h>

#include "report/report_internal.h"

static void host_row(struct wn_sbuf *b, const wn_host *h)
{
    char bb[32];
    wn__sbuf_puts(b, "<tr><th>host</th><td>");
    wn__sbuf_escape(b, h->hostname);
    wn__sbuf_puts(b, " &mdash; ");
    wn__sbuf_escape(b, h->cpu_model);
    wn__sbuf_printf(b, ", %d cores, %s memory; ", h->cores,
                    wn__fmt_bytes((double)h->memory_bytes, bb, sizeof bb));
    wn__sbuf_escape(b, h->kernel);
    wn__sbuf_puts(b, "; ");
    wn__sbuf_escape(b, h->compiler);
    wn__sbuf_puts(b, "; oneDNN ");
    wn__sbuf_escape(b, h->dnnl_version);
    wn__sbuf_printf(b, "; %d GPU(s)</td></tr>\n", h->n_gpus);
}

static void profile_row(struct wn_sbuf *b, const wn_hw_profile *hw)
{
    char bb[32];
    wn__sbuf_puts(b, "<tr><th>hardware profile</th><td>");
    wn__sbuf_escape(b, hw->name);
    wn__sbuf_printf(b, " (%s, %d cores)", hw->kind, hw->cores);
    for (int l = 0; l < hw->n_levels; l++) {
        wn__sbuf_printf(b, "; %s ", hw->levels[l].name);
        wn__sbuf_printf(b, "%s &times; %d (shared by %d)",
                        wn__fmt_bytes((double)hw->levels[l].size_bytes, bb,
                                      sizeof bb),
                        hw->levels[l].instances,
                        hw->levels[l].shared_by_cores);
    }
    wn__sbuf_puts(b, "</td></tr>\n");
}

/* How many runs other work slowed (docs/training.md, "Contended epochs")
 * and what the model did with them. */
static void contention_row(struct wn_sbuf *b, const struct wn__report_ctx *c)
{
    wn_runs_contention k;
    wn_runs_count_contention(c->runs, c->n, &k);
    wn__sbuf_puts(b, "<tr><th>contention</th><td>");
    if (k.runs_judged == 0)
        wn__sbuf_puts(b, "unknown (no run carries CPU-time evidence)");
    else
        wn__sbuf_printf(b, "%zu of %zu runs had contended epochs (%zu of %zu "
                        "epochs: other work took their CPUs); %zu runs had no "
                        "clean epoch%s", k.runs_contended, k.runs_judged,
                        k.epochs_contended, k.epochs_judged, k.runs_no_clean,
                        k.runs_no_clean ? " and their times are <b>slowed by "
                        "other work</b>" : "");
    const wn_model *m = c->model;
    if (m != NULL && (m->n_contended_left_out || m->n_contended_kept))
        wn__sbuf_printf(b, "; the model left out %zu and kept %zu of them",
                        m->n_contended_left_out, m->n_contended_kept);
    wn__sbuf_puts(b, "</td></tr>\n");
}

static void facts_table(struct wn_sbuf *b, const struct wn__report_ctx *c)
{
    const wn_report_opts *o = c->o;
    wn_run_energy_counts cnt;
    wn_runs_count_energy(c->runs, c->n, &cnt);
    wn__sbuf_puts(b, "<h2>Summary</h2>\n<table>\n");
    if (o->host != NULL)
        host_row(b, o->host);
    profile_row(b, &c->hw);
    if (o->source != NULL) {
        char safe[1024];   /* a postgresql:// URL: never its password */
        wn_redact(o->source, safe, sizeof safe);
        wn__sbuf_puts(b, "<tr><th>runs from</th><td>");
        wn__sbuf_escape(b, safe);
        wn__sbuf_puts(b, "</td></tr>\n");
    }
    wn__sbuf_printf(b, "<tr><th>runs</th><td>%zu</td></tr>\n", c->n);
    wn__sbuf_printf(b, "<tr><th>energy</th><td>%zu measured, %zu estimated "
                    "(an estimate is not a measurement and is not used as "
                    "energy), %zu time only", cnt.measured,
                    cnt.estimated, cnt.time_only);
    if (cnt.simulated > 0)
        wn__sbuf_printf(b, "<br><b>%zu of the measured runs are SIMULATED</b> "
                        "(source sim): no meter read them", cnt.simulated);
    wn__sbuf_puts(b, "</td></tr>\n");
    contention_row(b, c);
    wn__sbuf_printf(b, "<tr><th>quantity shown</th><td><b>%s</b> per training "
                    "datum (%s)%s</td></tr>\n",
                    c->energy ? "ENERGY" : "TIME",
                    c->energy ? "joules" : "seconds",
                    c->energy ? "" : " &mdash; no measured energy, so every "
                    "chart shows time, not energy");
    wn__sbuf_puts(b, "</table>\n");
}

static void model_row(struct wn_sbuf *b, const wn_model_fit *mf)
{
    const wn_cv_stats *s = &mf->cv[WN_CV_COMBINED];
    wn__sbuf_puts(b, "<tr><td>");
    wn__sbuf_escape(b, mf->name);
    if (s->n > 0)
        wn__sbuf_printf(b, "</td><td>%.3f</td><td>%.3f</td><td>%.3f</td>"
                        "<td>%.1f%%</td><td>%.3f</td>", s->std_log_ratio,
                        s->robust_std_log_ratio, s->median_log_ratio,
                        100 * s->mape, s->r2);
    else
        wn__sbuf_puts(b, "</td><td colspan=\"5\">not cross-validated</td>");
    for (int g = 0; g < WN_CV_COMBINED; g++) {
        if (mf->cv[g].n > 0)
            wn__sbuf_printf(b, "<td>%.3f</td>", mf->cv[g].std_log_ratio);
        else
            wn__sbuf_puts(b, "<td>&ndash; (one group)</td>");
    }
    wn__sbuf_printf(b, "<td>%.3f</td></tr>\n", mf->in_sample.std_log_ratio);
}

static void models_table(struct wn_sbuf *b, const struct wn__report_ctx *c)
{
    wn__sbuf_puts(b, "<h3>Models (held-out cross-validation)</h3>\n");
    if (c->model == NULL) {
        wn__sbuf_puts(b, "<p>No model: too few runs to fit one.</p>\n");
        return;
    }
    const wn_model *m = c->model;
    wn__sbuf_puts(b, "<p>Target <code>");
    wn__sbuf_escape(b, m->target);
    wn__sbuf_printf(b, "</code>, %zu runs fitted. Log ratio = "
                    "log(predicted/measured) of runs whose size, shape or "
                    "dataset was held out of the fit; &ldquo;combined&rdquo; "
                    "pools the three groupings.</p>\n", m->n_runs);
    wn__sbuf_puts(b, "<table>\n<tr><th>model</th><th>std log ratio "
                  "(combined)</th><th>robust std (IQR/1.349)</th>"
                  "<th>median log ratio</th><th>MAPE</th>"
                  "<th>R&sup2; (log)</th><th>std: sizes held out</th>"
                  "<th>std: shapes held out</th><th>std: datasets held out"
                  "</th><th>in-sample std</th></tr>\n");
    for (size_t k = 0; k < m->n_models; k++)
        model_row(b, &m->models[k]);
    wn__sbuf_puts(b, "</table>\n");
}

void wn__report_summary(struct wn_sbuf *b, struct wn__report_ctx *c)
{
    facts_table(b, c);
    models_table(b, c);
}
