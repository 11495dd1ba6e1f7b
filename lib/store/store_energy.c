/*
 * store_energy.c - the energy columns that runs and epochs share: their
 * names (wn__store_energy_cols, the one place that maps wn_energy fields to
 * columns), binding a wn_energy to them and reading it back.  Domains are
 * a JSON array of {"name","energy_j","in_total"} (wn_energy_domains_json).
 * energy_attributed / energy_cpu_share / energy_whole_j (schema 6): an
 * energy split from a shared meter by CPU-time share, with the whole
 * reading kept beside it.
 */
#include <string.h>

#include "store/store_impl.h"

const char *const wn__store_energy_cols[WN__STORE_N_ENERGY_COLS] = {
    "energy_measured", "energy_is_estimate", "energy_source", "energy_flag",
    "energy_seconds", "energy_j", "idle_power_w", "has_idle",
    "dynamic_energy_j", "avg_power_w", "energy_domains",
    "energy_attributed", "energy_cpu_share", "energy_whole_j",
};

/* v[0..WN__STORE_N_ENERGY_COLS); *domains must be wn_free'd by the caller. */
int wn__store_bind_energy(const wn_energy *e, struct wn__sql_val *v, char **domains)
{
    *domains = wn_energy_domains_json(e);
    if (!*domains)
        return wn_seterr(WN_ENOMEM, "store: out of memory");
    size_t k = 0;
    v[k++] = wn__v_int(e->measured);
    v[k++] = wn__v_int(e->is_estimate);
    v[k++] = wn__v_text(e->source);
    v[k++] = wn__v_text(e->flag);
    v[k++] = wn__v_real(e->seconds);
    v[k++] = wn__v_real(e->energy_j);
    v[k++] = wn__v_real(e->idle_power_w);
    v[k++] = wn__v_int(e->has_idle);
    v[k++] = wn__v_real(e->dynamic_energy_j);
    v[k++] = wn__v_real(e->avg_power_w);
    v[k++] = wn__v_text(*domains);
    v[k++] = wn__v_int(e->attributed);
    v[k++] = e->attributed ? wn__v_real(e->cpu_share) : wn__v_null();
    v[k++] = e->attributed || e->whole_energy_j > 0 ? wn__v_real(e->whole_energy_j)
                                                    : wn__v_null();
    return WN_OK;
}

int wn__store_read_energy(wn_store *s, const struct wn__sql_row *r, int c, wn_energy *e,
                          int *rc)
{
    memset(e, 0, sizeof *e);
    e->measured = (int)wn__col_int(s, r, c++);
    e->is_estimate = (int)wn__col_int(s, r, c++);
    wn__col_str(s, r, c++, e->source, sizeof e->source, "energy source", rc);
    wn__col_str(s, r, c++, e->flag, sizeof e->flag, "energy flag", rc);
    e->seconds = wn__col_real(s, r, c++);
    e->energy_j = wn__col_real(s, r, c++);
    e->idle_power_w = wn__col_real(s, r, c++);
    e->has_idle = (int)wn__col_int(s, r, c++);
    e->dynamic_energy_j = wn__col_real(s, r, c++);
    e->avg_power_w = wn__col_real(s, r, c++);
    (void)wn_energy_domains_parse(wn__col_text(s, r, c++), e);
    e->attributed = (int)wn__col_int(s, r, c++);   /* NULL (before v6): 0 */
    e->cpu_share = wn__col_real(s, r, c++);
    e->whole_energy_j = wn__col_real(s, r, c++);
    if (!(e->cpu_share >= 0.0))
        e->cpu_share = 0.0;
    if (!(e->whole_energy_j >= 0.0))
        e->whole_energy_j = 0.0;
    return c;
}

