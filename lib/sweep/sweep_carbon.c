/*
 * sweep_carbon.c - glue: a sweep spec's "pue" and "carbon_intensity"
 * (issue 12) as the defaults of status, export and the report for that
 * database.  The store hands back the newest sweep's spec JSON; the spec
 * parser reads it; an option the user gave always wins.
 */
#include <wattnet/store.h>
#include <wattnet/sweep.h>

int wn_sweep_carbon_defaults(wn_store *s, double *pue, double *g_per_kwh)
{
    char *json = NULL;
    wn_sweep_spec *sp = NULL;
    if (!s || !pue || !g_per_kwh)
        return wn_seterr(WN_EINVAL, "sweep: carbon_defaults: NULL argument");
    if (*pue > 0.0 && *g_per_kwh > 0.0)
        return WN_OK;
    int rc = wn_store_sweep_latest_spec(s, &json);
    if (rc == WN_ENOENT) {
        wn_clearerr();
        return WN_OK;
    }
    if (rc != WN_OK)
        return rc;
    /* A stored spec that no longer parses (an older format) gives nothing. */
    if (wn_sweep_spec_parse(json, "stored sweep", &sp) == WN_OK) {
        if (*pue <= 0.0)
            *pue = sp->pue;
        if (*g_per_kwh <= 0.0)
            *g_per_kwh = sp->carbon_intensity;
    } else {
        wn_clearerr();
    }
    wn_sweep_spec_free(&sp);
    wn_free(json);
    return WN_OK;
}
