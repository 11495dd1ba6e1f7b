/*
 * study_store.c - glue: the study's pipeline on a runs database (load the
 * runs and the node idle powers the import kept, then wn_study_analyze).
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <wattnet/core.h>
#include <wattnet/study.h>
#include <wattnet/study_import.h>
#include <wattnet/store.h>

/* Each distinct host's idle (WN_STUDY_IDLE_DOMAIN, else "node"). */
static int store_nodes(wn_store *s, const wn_study_run *runs, size_t n,
                       wn_study_node **out, size_t *n_out)
{
    wn_study_node *nodes = wn_malloc((n ? n : 1) * sizeof *nodes);
    size_t m = 0;
    if (!nodes)
        return wn_seterr(WN_ENOMEM, "analyze: out of memory");
    for (size_t i = 0; i < n; i++) {
        size_t k;
        for (k = 0; k < m; k++)
            if (!strcmp(nodes[k].node, runs[i].node))
                break;
        if (k < m)
            continue;
        double w = NAN;
        if (wn_store_get_idle(s, runs[i].node, WN_STUDY_IDLE_DOMAIN, &w) != WN_OK &&
            wn_store_get_idle(s, runs[i].node, "node", &w) != WN_OK) {
            wn_clearerr();
            continue;
        }
        wn_study_node *nd = &nodes[m++];
        memset(nd, 0, sizeof *nd);
        snprintf(nd->node, sizeof nd->node, "%s", runs[i].node);
        snprintf(nd->node_type, sizeof nd->node_type, "%s", runs[i].node_type);
        nd->is_gpu = runs[i].is_gpu;
        nd->idle_w = w;
    }
    *out = nodes;
    *n_out = m;
    return WN_OK;
}

int wn_study_analyze_store(wn_store *s, const wn_study_opts *o,
                           wn_study_result *out)
{
    wn_run_record *recs = NULL;
    wn_study_run *runs = NULL;
    wn_study_node *nodes = NULL;
    size_t n = 0, n_nodes = 0;
    int rc = WN_OK;
    if (!s || !out)
        return wn_seterr(WN_EINVAL, "analyze: NULL argument");
    rc = wn_store_load_runs(s, &recs, &n);
    if (rc == WN_OK)
        rc = wn_study_runs_from_records(recs, n, &runs);
    if (rc == WN_OK)
        rc = store_nodes(s, runs, n, &nodes, &n_nodes);
    if (rc == WN_OK)
        rc = wn_study_analyze(runs, n, nodes, n_nodes, o, out);
    wn_run_records_free(&recs, n);
    wn_free(runs);
    wn_free(nodes);
    return rc;
}
