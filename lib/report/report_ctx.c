/*
 * report_ctx.c - the facts every section of the report reads, computed
 * once: the hardware profile drawn against, the quantity shown (the
 * model's target; without a model the fit's own rule,
 * wn_model_choose_target), each run's target, working set, FLOPs and
 * groups, and scratch arrays large enough for any chart.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <wattnet/core.h>
#include <wattnet/model.h>
#include <wattnet/report.h>

#include "core/util.h"
#include "report/report_internal.h"

/* ---- helpers ------------------------------------------------------------------ */

static int group_of(char *names, size_t *n, size_t width, const char *name)
{
    for (size_t i = 0; i < *n; i++)
        if (strcmp(names + i * width, name) == 0)
            return (int)i;
    if (*n < WN_REPORT_MAX_GROUPS - 1) {
        wn__copy_str(names + *n * width, width, name);
        return (int)(*n)++;
    }
    if (*n == WN_REPORT_MAX_GROUPS - 1) {
        wn__copy_str(names + *n * width, width, "other");
        (*n)++;
    }
    return WN_REPORT_MAX_GROUPS - 1;
}


void wn__report_sort(double *v, size_t n)
{
    qsort(v, n, sizeof *v, wn__cmp_double);
}

double wn__report_median(double *v, size_t n)
{
    if (n == 0)
        return NAN;
    wn__report_sort(v, n);
    return wn__quantile_sorted(v, n, 0.5);
}

const char *wn__report_level_label(const wn_hw_profile *hw, int l)
{
    return l < hw->n_levels ? hw->levels[l].name : hw->memory_name;
}

void wn__report_heading(struct wn_sbuf *b, struct wn__report_ctx *c,
                        const char *title)
{
    wn__sbuf_printf(b, "<h2>%d. ", ++c->number);
    wn__sbuf_escape(b, title);
    wn__sbuf_puts(b, "</h2>\n");
}

size_t wn__report_by_shape(const struct wn__report_ctx *c,
                           struct wn_chart_series *se,
                           double (*x)(const struct wn__report_row *),
                           double (*y)(const struct wn__report_row *))
{
    size_t off = 0;
    for (size_t g = 0; g < c->n_shapes; g++) {
        se[g].label = c->shapes[g];
        se[g].x = c->xs + off;
        se[g].y = c->ys + off;
        se[g].line = 0;
        size_t k = 0;
        for (size_t i = 0; i < c->n; i++)
            if (c->rows[i].ok && c->rows[i].shape_group == (int)g) {
                c->xs[off + k] = x(&c->rows[i]);
                c->ys[off + k] = y(&c->rows[i]);
                k++;
            }
        se[g].n = k;
        off += k;
    }
    return c->n_shapes;
}

/* ---- building ----------------------------------------------------------------- */

static int choose_hw(struct wn__report_ctx *c, const wn_report_opts *o)
{
    if (o->hw != NULL)
        c->hw = *o->hw;
    else if (o->model != NULL)
        c->hw = o->model->hw;
    else if (o->host != NULL)
        wn_hw_profile_from_host(o->host, &c->hw);
    else
        return wn_seterr(WN_EINVAL, "report: needs a hardware profile, a "
                         "model or a host");
    return WN_OK;
}

/* The quantity: the model's target, else the one a fit would choose. */
static void choose_quantity(struct wn__report_ctx *c)
{
    if (c->model != NULL) {
        c->energy = strcmp(c->model->target, WN_TARGET_ENERGY) == 0;
    } else {
        wn_run_energy_counts cnt;
        wn_fit_opts fo;
        wn_fit_opts_default(&fo);
        wn_runs_count_energy(c->runs, c->n, &cnt);
        c->energy = strcmp(wn_model_choose_target(&cnt, fo.min_runs, NULL, 0),
                           WN_TARGET_ENERGY) == 0;
    }
    c->unit = c->energy ? "J" : "s";
    c->qty = c->energy ? "energy" : "time";
}

static void fill_row(struct wn__report_ctx *c, size_t i)
{
    struct wn__report_row *rw = &c->rows[i];
    const wn_run_record *r = &c->runs[i];
    wn_features f;
    double y;
    if (!wn_run_target(r, c->energy ? WN_TARGET_ENERGY : WN_TARGET_TIME, &y))
        return;
    if (wn_features_of_run(r, &c->hw, &f) != WN_OK)
        return;
    rw->ok = 1;
    rw->y = y;
    rw->ws = f.ws_step;
    rw->flops = f.flops_per_datum;
    rw->params = (double)f.params;
    rw->level = c->hw.n_levels;
    for (int l = 0; l < c->hw.n_levels; l++)
        if (f.ws_step <= wn_hw_capacity(&c->hw, l, f.threads)) {
            rw->level = l;
            break;
        }
    rw->shape_group = group_of(&c->shapes[0][0], &c->n_shapes,
                               sizeof c->shapes[0], r->spec.train.shape);
    rw->data_group = group_of(&c->datasets[0][0], &c->n_datasets,
                              sizeof c->datasets[0],
                              r->dataset_name[0] ? r->dataset_name
                                                 : r->spec.dataset);
}

/* entries the scratch arrays need: every run (+16), two points per epoch
 * of any run, every power sample */
static size_t scratch_size(const struct wn__report_ctx *c)
{
    const wn_report_opts *o = c->o;
    size_t cap = 2 * c->n + 16;
    for (size_t i = 0; i < c->n; i++)
        if (2 * c->runs[i].n_epochs > cap)
            cap = 2 * c->runs[i].n_epochs;
    if (o->samples != NULL && o->n_samples > cap)
        cap = o->n_samples;
    if (o->trace != NULL && o->trace->n > cap)
        cap = o->trace->n;
    return cap;
}

int wn__report_ctx_init(struct wn__report_ctx *c, const wn_run_record *runs,
                        size_t n, const wn_report_opts *o)
{
    int rc;
    memset(c, 0, sizeof *c);
    c->runs = runs;
    c->n = n;
    c->o = o;
    c->model = o->model;
    if ((rc = choose_hw(c, o)) != WN_OK)
        return rc;
    choose_quantity(c);
    c->cap = scratch_size(c);
    c->rows = wn_calloc(n ? n : 1, sizeof *c->rows);
    c->xs = wn_calloc(c->cap, sizeof *c->xs);
    c->ys = wn_calloc(c->cap, sizeof *c->ys);
    c->tmp = wn_calloc(c->cap, sizeof *c->tmp);
    if (c->rows == NULL || c->xs == NULL || c->ys == NULL || c->tmp == NULL)
        return wn_seterr(WN_ENOMEM, "report: out of memory");
    for (size_t i = 0; i < n; i++)
        fill_row(c, i);
    wn_clearerr();
    return WN_OK;
}

void wn__report_ctx_free(struct wn__report_ctx *c)
{
    wn_free(c->tmp);
    wn_free(c->ys);
    wn_free(c->xs);
    wn_free(c->rows);
    c->tmp = c->ys = c->xs = NULL;
    c->rows = NULL;
}
