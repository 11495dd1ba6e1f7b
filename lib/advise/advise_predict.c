/*
 * advise_predict.c - glue: sizes the energy model suggests around the
 * best configuration of an advise ranking.  For the best shape and depth,
 * the candidate sizes are the geometric midpoints between the sizes tried,
 * half the smallest and twice the largest (within the study's 2^5..2^24).
 * Sizes below the smallest that reached the target are not suggested when
 * a smaller tried size failed to reach it.  Each gets its widths (lib/nn), its features on the model's hardware
 * (lib/model) and a predicted cost per epoch with the model's interval;
 * its epochs to target are those of the nearest tried size (in log size)
 * that reached the target.  Everything here is labelled predicted by the
 * caller; nothing is measured.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <wattnet/core.h>
#include <wattnet/advise.h>

#define MIN_SIZE 32.0
#define MAX_SIZE 16777216.0

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* The nearest tried size of the best shape/depth that reached the target. */
static int nearest_reached(const wn_advise_input *in, const wn_advise_result *res,
                           const wn_advise_config *best, uint64_t size,
                           const wn_advise_entry **hit)
{
    double bestd = INFINITY;
    *hit = NULL;
    for (size_t i = 0; i < res->n_reached; i++) {
        const wn_advise_config *c = &in->configs[res->entries[i].config];
        if (strcmp(c->shape, best->shape) || c->depth != best->depth)
            continue;
        double d = fabs(log((double)c->size) - log((double)size));
        if (d < bestd) {
            bestd = d;
            *hit = &res->entries[i];
        }
    }
    return *hit != NULL;
}

static int predict_one(const wn_advise_input *in, const wn_advise_result *res,
                       const wn_run_record *t, const wn_model *m, int kind,
                       uint64_t size, wn_advise_prediction *p)
{
    const wn_advise_config *best = &in->configs[res->best];
    size_t widths[WN_MAX_DEPTH];
    wn_features f;
    double y, lo, hi;
    memset(p, 0, sizeof *p);
    p->size = size;
    int rc = wn_shape_widths(t->inputs, t->outputs, best->shape, best->depth,
                             size, widths, &p->params);
    if (rc != WN_OK)
        return rc;
    wn_net_desc nd = {t->inputs, t->outputs, best->depth, widths, t->spec.train.batch,
                      t->summary.train_rows, t->summary.test_rows,
                      t->summary.threads};
    rc = wn_features_compute(&nd, &m->hw, &f);
    if (rc == WN_OK)
        rc = wn_model_predict(m, kind, &f, &y, &lo, &hi);
    if (rc != WN_OK)
        return rc;
    double dpe = (double)((t->summary.train_rows + t->spec.train.batch - 1) /
                          t->spec.train.batch) * (double)t->spec.train.batch;
    p->working_set_bytes = f.ws_step;
    p->cost_per_epoch = y * dpe;
    p->lo = lo * dpe;
    p->hi = hi * dpe;
    const wn_advise_entry *near;
    if (!nearest_reached(in, res, best, size, &near))
        return wn_seterr(WN_ENOENT, "advise: no tried size reached the target");
    p->epochs_to_target = near->epochs_to_target;
    p->epochs_from_size = in->configs[near->config].size;
    p->cost_to_target = p->cost_per_epoch * p->epochs_to_target;
    p->cost_lo = p->lo * p->epochs_to_target;
    p->cost_hi = p->hi * p->epochs_to_target;
    p->interval_ratio = wn_model_interval_ratio(m, (size_t)kind);
    p->interval_informative = wn_model_interval_informative(m, (size_t)kind);
    return WN_OK;
}

/* The smallest tried size of the best shape/depth that reached the target
 * (0 when none). */
static uint64_t smallest_reaching(const wn_advise_input *in,
                                  const wn_advise_result *res,
                                  const wn_advise_config *best)
{
    uint64_t m = 0;
    for (size_t i = 0; i < res->n_reached; i++) {
        const wn_advise_config *c = &in->configs[res->entries[i].config];
        if (!strcmp(c->shape, best->shape) && c->depth == best->depth &&
            (m == 0 || c->size < m))
            m = c->size;
    }
    return m;
}

/* Candidate sizes around the tried ones of the best shape/depth.  None
 * below the smallest size that reached the target when a smaller tried
 * size did not reach it (its epochs to target would be a guess). */
static size_t candidates(const wn_advise_input *in, const wn_advise_result *res,
                         uint64_t *tried, uint64_t *cand)
{
    const wn_advise_config *best = &in->configs[res->best];
    uint64_t floor_size = smallest_reaching(in, res, best);
    size_t nt = 0, nc = 0;
    for (size_t i = 0; i < in->n; i++)
        if (!strcmp(in->configs[i].shape, best->shape) &&
            in->configs[i].depth == best->depth &&
            in->configs[i].size >= floor_size)
            tried[nt++] = in->configs[i].size;
    qsort(tried, nt, sizeof *tried, cmp_u64);
    if (nt == 0)
        return 0;
    int failed_below = 0;
    for (size_t i = 0; i < in->n; i++)
        failed_below |= !strcmp(in->configs[i].shape, best->shape) &&
                        in->configs[i].depth == best->depth &&
                        in->configs[i].size < floor_size;
    if (!failed_below && (double)tried[0] / 2.0 >= MIN_SIZE)
        cand[nc++] = tried[0] / 2;
    for (size_t i = 0; i + 1 < nt; i++)
        if (tried[i + 1] > tried[i] + 1)
            cand[nc++] = (uint64_t)llround(sqrt((double)tried[i] *
                                                (double)tried[i + 1]));
    if ((double)tried[nt - 1] * 2.0 <= MAX_SIZE)
        cand[nc++] = tried[nt - 1] * 2;
    return nc;
}

int wn_advise_predict(const wn_advise_input *in, const wn_advise_result *res,
                      const wn_run_record *template_run, const wn_model *m,
                      wn_advise_prediction **out, size_t *n_out)
{
    int rc = WN_OK;
    uint64_t *tried = NULL, *cand = NULL;
    if (!out || !n_out)
        return wn_seterr(WN_EINVAL, "advise: NULL argument");
    *out = NULL;
    *n_out = 0;
    if (!in || !res || !template_run || !m || m->n_models == 0)
        return wn_seterr(WN_EINVAL, "advise: predict needs a ranking, a run "
                         "and a fitted model");
    if (res->n_reached == 0)
        return wn_seterr(WN_ENOENT, "advise: no configuration reached the "
                         "target, nothing to predict around");
    const char *want = strcmp(in->by, "energy") ? WN_TARGET_TIME : WN_TARGET_ENERGY;
    if (strcmp(m->target, want))
        return wn_seterr(WN_EINVAL, "advise: the model predicts %s but the "
                         "ranking is by %s", m->target, in->by);
    int kind = wn_model_find(m, "wattnet");
    if (kind < 0)
        kind = 0;
    tried = wn_calloc(in->n + 1, sizeof *tried);
    cand = wn_calloc(in->n + 2, sizeof *cand);
    *out = wn_calloc(in->n + 2, sizeof **out);
    if (!tried || !cand || !*out) {
        rc = wn_seterr(WN_ENOMEM, "advise: out of memory");
        goto out;
    }
    size_t nc = candidates(in, res, tried, cand);
    for (size_t i = 0; i < nc; i++) {
        int st = predict_one(in, res, template_run, m, kind, cand[i],
                             &(*out)[*n_out]);
        if (st == WN_ENOMEM) {
            rc = st;
            goto out;
        }
        if (st == WN_OK)
            (*n_out)++;
        wn_clearerr();   /* a size no network of the shape reaches: skip */
    }
out:
    wn_free(tried);
    wn_free(cand);
    if (rc != WN_OK) {
        wn_free(*out);
        *out = NULL;
        *n_out = 0;
    }
    return rc;
}
