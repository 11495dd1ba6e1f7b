/*
 * report_predicted.c - section: predicted against measured, one chart per
 * model with the y = x line; the reading gives the held-out spread and how
 * many drawn runs are within 20%.  Needs a model (the report never fits
 * one); says so when it has none or when its target is not the quantity
 * shown.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <wattnet/core.h>
#include <wattnet/model.h>

#include "report/report_internal.h"

/* Points (measured, predicted by model k) into xs/ys; *within gets the
 * count within +-20%.  Returns the point count. */
static size_t points(const struct wn__report_ctx *c, int k, size_t *within)
{
    const wn_model *m = c->model;
    size_t np = 0;
    *within = 0;
    for (size_t i = 0; i < c->n; i++) {
        wn_features f;
        double p;
        if (!c->rows[i].ok ||
            wn_features_of_run(&c->runs[i], &m->hw, &f) != WN_OK ||
            wn_model_predict(m, k, &f, &p, NULL, NULL) != WN_OK)
            continue;
        c->xs[np] = c->rows[i].y;
        c->ys[np] = p;
        if (fabs(p / c->rows[i].y - 1.0) <= 0.2)
            (*within)++;
        np++;
    }
    wn_clearerr();
    return np;
}

static void model_chart(struct wn_sbuf *b, const struct wn__report_ctx *c,
                        int k)
{
    const wn_model_fit *mf = &c->model->models[k];
    size_t within, np = points(c, k, &within);
    char title[128], xl[96], yl[96];
    snprintf(title, sizeof title, "Model \"%s\": predicted against "
             "measured %s per datum", mf->name, c->qty);
    snprintf(xl, sizeof xl, "measured %s per datum [%s]", c->qty, c->unit);
    snprintf(yl, sizeof yl, "predicted [%s]", c->unit);
    struct wn_chart_series se = {.label = mf->name, .n = np, .x = c->xs,
                                 .y = c->ys, .line = 0};
    struct wn_chart ch = {.title = title, .xlabel = xl, .ylabel = yl,
                          .logx = 1, .logy = 1, .n_series = 1,
                          .series = &se, .diagonal = 1};
    wn__chart_svg(b, &ch);
    const wn_cv_stats *s = &mf->cv[WN_CV_COMBINED];
    wn__sbuf_puts(b, "<p class=\"reading\">");
    wn__sbuf_escape(b, mf->name);
    if (s->n > 0)
        wn__sbuf_printf(b, ": held-out std of log(predicted/measured) "
                        "%.3f (median %.3f); ", s->std_log_ratio,
                        s->median_log_ratio);
    else
        wn__sbuf_puts(b, ": not cross-validated; ");
    wn__sbuf_printf(b, "%zu of %zu runs drawn here are predicted within "
                    "&plusmn;20%%.</p>\n", within, np);
}

void wn__report_predicted(struct wn_sbuf *b, struct wn__report_ctx *c)
{
    wn__report_heading(b, c, "Predicted against measured, per model");
    if (c->model == NULL) {
        wn__sbuf_puts(b, "<p class=\"reading\">No model was given and too few "
                      "runs were usable to fit one, so there is nothing to "
                      "compare.</p>\n");
        return;
    }
    const wn_model *m = c->model;
    if (strcmp(m->target, c->energy ? WN_TARGET_ENERGY : WN_TARGET_TIME)) {
        wn__sbuf_puts(b, "<p class=\"reading\">The model's target (");
        wn__sbuf_escape(b, m->target);
        wn__sbuf_puts(b, ") is not the quantity these runs have, so its "
                      "predictions are not drawn.</p>\n");
        return;
    }
    wn__sbuf_puts(b, "<p>Each point is a stored run, predicted by the model's "
                  "final coefficients (fitted on all its runs, so this is "
                  "in-sample for runs it was fitted on; the held-out figures "
                  "are in the summary table).</p>\n");
    for (size_t k = 0; k < m->n_models; k++)
        model_chart(b, c, (int)k);
}
