/*
 * study_runs.c - stored runs as the pipeline's input: run records become
 * wn_study_run values (leaf: plain records in, plain values out), and
 * wn_study_analyze_store, the glue that loads a store's runs and its nodes'
 * idle powers and runs the pipeline.
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <wattnet/core.h>
#include <wattnet/study.h>

#include "study/study_internal.h"

static int record_is_gpu(const wn_run_record *r)
{
    return !strcmp(r->data_source, "butter-e-gpu");
}

/* "cpu:" or "gpu:" + the host name without its trailing digits. */
static void node_type(const wn_run_record *r, char *out, size_t cap)
{
    char stem[128];
    snprintf(stem, sizeof stem, "%s", r->host);
    size_t len = strlen(stem);
    while (len > 1 && isdigit((unsigned char)stem[len - 1]))
        stem[--len] = '\0';
    snprintf(out, cap, "%s:%s", record_is_gpu(r) ? "gpu" : "cpu", stem);
}

int wn_study_runs_from_records(const wn_run_record *runs, size_t n,
                               wn_study_run **out)
{
    if (!out || (n && !runs))
        return wn_seterr(WN_EINVAL, "analyze: NULL argument");
    wn_study_run *v = wn_malloc((n ? n : 1) * sizeof *v);
    if (!v)
        return wn_seterr(WN_ENOMEM, "analyze: out of memory");
    memset(v, 0, (n ? n : 1) * sizeof *v);
    for (size_t i = 0; i < n; i++) {
        const wn_run_record *r = &runs[i];
        wn_study_run *s = &v[i];
        s->run_id = r->run_id;
        s->is_gpu = record_is_gpu(r);
        snprintf(s->node, sizeof s->node, "%s", r->host);
        node_type(r, s->node_type, sizeof s->node_type);
        snprintf(s->dataset, sizeof s->dataset, "%s",
                 r->dataset_name[0] ? r->dataset_name : r->spec.dataset);
        snprintf(s->shape, sizeof s->shape, "%s", r->spec.train.shape);
        s->depth = r->spec.train.depth;
        s->size = r->spec.train.size;
        s->params = r->summary.params;
        s->batch = r->spec.train.batch;
        s->epochs = r->summary.epochs ? r->summary.epochs : r->spec.train.epochs;
        s->train_rows = r->summary.train_rows;
        s->seconds = r->end_time - r->start_time;
        if (!(s->seconds > 0))
            s->seconds = r->summary.seconds_total;
        const wn_energy *e = &r->energy;
        s->has_energy = e->measured && !e->is_estimate;
        s->energy_flagged = !strcmp(e->flag, "zero-watts") ||
                            !strcmp(e->flag, "no-samples");
        if (s->energy_flagged)
            s->has_energy = 1;            /* a reading that failed: dropped */
        s->energy_j = e->measured ? e->energy_j : 0;
    }
    *out = v;
    return WN_OK;
}

