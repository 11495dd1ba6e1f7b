/*
 * store_samples.c - raw meter readings of a run's window: the edges of each
 * domain (ticks at both ends, wraps, unit, range and width) in
 * meter_windows, its readings in meter_samples (domain "source:domain",
 * value = the raw ticks, exact below 2^53), so that energy can be
 * re-integrated later with lib/readings (likwid: raw readings stored,
 * converted late).
 *
 * Cap and retention (docs/store.md): a domain keeps at most
 * WN_STORE_SAMPLES_CAP readings, thinned evenly (first and last kept, the
 * rest counted in `dropped`); only the newest keep_runs runs with readings
 * keep their meter_samples rows: older runs lose their readings (counted
 * in dropped) but keep their meter_windows rows, whose edge ticks still
 * give the window's energy.
 */
#include <stdio.h>
#include <string.h>

#include "store/store_impl.h"

/* Index of the i-th of `keep` readings kept out of n (even thinning). */
static size_t thin_index(size_t i, size_t keep, size_t n)
{
    if (keep >= n || keep < 2)
        return i;
    return (size_t)((double)i * (double)(n - 1) / (double)(keep - 1) + 0.5);
}

static int put_domain(wn_store *s, int64_t run_id, size_t k, double seconds,
                      const wn_raw_domain *d, size_t kept)
{
    struct wn__sql_val v[] = {
        wn__v_int(run_id), wn__v_int((int64_t)k), wn__v_text(d->source),
        wn__v_text(d->name), wn__v_int(d->is_counter), wn__v_real(d->unit),
        wn__v_int((int64_t)d->range), wn__v_int(d->width_bits),
        wn__v_int(d->in_total), wn__v_int((int64_t)d->ticks_begin),
        wn__v_int((int64_t)d->ticks_end), wn__v_int((int64_t)d->wraps),
        wn__v_int((int64_t)d->ticks), wn__v_real(d->tick_s),
        wn__v_int((int64_t)kept),
        wn__v_int((int64_t)(d->dropped + (d->n_samples - kept))),
        wn__v_real(seconds),
    };
    return wn__store_query(s,
                           "INSERT INTO meter_windows (run_id, domain_index,"
                           " source, domain, is_counter, unit, range_ticks,"
                           " width_bits, in_total, ticks_begin, ticks_end,"
                           " wraps, ticks, tick_s, n_samples, dropped, seconds)"
                           " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10,"
                           " $11, $12, $13, $14, $15, $16, $17)",
                           v, sizeof v / sizeof v[0], NULL, NULL, NULL);
}

static int put_readings(wn_store *s, int64_t run_id, const wn_raw_window *w,
                        const wn_raw_domain *d, size_t kept)
{
    char key[72];
    snprintf(key, sizeof key, "%s:%s", d->source, d->name);
    for (size_t i = 0; i < kept; i++) {
        const wn_raw_sample *x =
            &w->samples[d->first + thin_index(i, kept, d->n_samples)];
        struct wn__sql_val v[] = { wn__v_int(run_id), wn__v_real(x->t),
                                   wn__v_text(key),
                                   wn__v_real((double)x->ticks) };
        int rc = wn__store_query(s, "INSERT INTO meter_samples (run_id, t,"
                                    " domain, value) VALUES ($1, $2, $3, $4)",
                                 v, 4, NULL, NULL, NULL);
        if (rc != WN_OK)
            return rc;
    }
    return WN_OK;
}

/* Drop the readings of all but the newest keep runs (their windows stay). */
static int retain(wn_store *s, size_t keep)
{
    static const char old[] =
        " run_id NOT IN (SELECT run_id FROM (SELECT DISTINCT run_id FROM"
        " meter_windows WHERE n_samples > 0 ORDER BY run_id DESC LIMIT $1) k)";
    char sql[512];
    struct wn__sql_val v = wn__v_int((int64_t)keep);
    snprintf(sql, sizeof sql, "DELETE FROM meter_samples WHERE%s", old);
    int rc = wn__store_query(s, sql, &v, 1, NULL, NULL, NULL);
    snprintf(sql, sizeof sql, "UPDATE meter_windows SET dropped = dropped +"
             " n_samples, n_samples = 0 WHERE n_samples > 0 AND%s", old);
    if (rc == WN_OK)
        rc = wn__store_query(s, sql, &v, 1, NULL, NULL, NULL);
    return rc;
}

int wn_store_put_samples(wn_store *s, int64_t run_id, const wn_raw_window *w,
                         size_t keep_runs)
{
    int rc;
    if (!s || !w || (w->n_samples && !w->samples))
        return wn_seterr(WN_EINVAL, "store: put_samples: NULL argument");
    struct wn__sql_val id = wn__v_int(run_id);
    rc = wn__store_begin(s, 1);
    if (rc == WN_OK)
        rc = wn__store_query(s, "DELETE FROM meter_samples WHERE run_id = $1",
                             &id, 1, NULL, NULL, NULL);
    if (rc == WN_OK)
        rc = wn__store_query(s, "DELETE FROM meter_windows WHERE run_id = $1",
                             &id, 1, NULL, NULL, NULL);
    for (size_t k = 0; rc == WN_OK && k < w->n_domains; k++) {
        const wn_raw_domain *d = &w->domains[k];
        if (d->first > w->n_samples || d->n_samples > w->n_samples - d->first) {
            rc = wn_seterr(WN_EINVAL, "store: put_samples: %s: samples out "
                           "of range", d->name);
            break;
        }
        size_t kept = d->n_samples < WN_STORE_SAMPLES_CAP
                          ? d->n_samples : WN_STORE_SAMPLES_CAP;
        rc = put_domain(s, run_id, k, w->seconds, d, kept);
        if (rc == WN_OK)
            rc = put_readings(s, run_id, w, d, kept);
    }
    if (rc == WN_OK)
        rc = retain(s, keep_runs ? keep_runs : WN_STORE_SAMPLES_KEEP_RUNS);
    if (rc == WN_OK)
        rc = wn__store_commit(s);
    if (s->in_tx)
        wn__store_rollback(s);
    return rc;
}

/* ---- reading back ----------------------------------------------------------- */

static int read_domain(void *user, wn_store *s, const struct wn__sql_row *r)
{
    wn_raw_window *w = user;
    if (w->n_domains >= WN_MAX_DOMAINS)
        return WN_OK;
    wn_raw_domain *d = &w->domains[w->n_domains++];
    int c = 0;
    int rc = WN_OK;
    wn__col_str(s, r, c++, d->source, sizeof d->source, "reading source", &rc);
    wn__col_str(s, r, c++, d->name, sizeof d->name, "reading domain", &rc);
    if (rc != WN_OK)
        return rc;
    d->is_counter = (int)wn__col_int(s, r, c++);
    d->unit = wn__col_real(s, r, c++);
    d->range = (uint64_t)wn__col_int(s, r, c++);
    d->width_bits = (int)wn__col_int(s, r, c++);
    d->in_total = (int)wn__col_int(s, r, c++);
    d->ticks_begin = (uint64_t)wn__col_int(s, r, c++);
    d->ticks_end = (uint64_t)wn__col_int(s, r, c++);
    d->wraps = (uint64_t)wn__col_int(s, r, c++);
    d->ticks = (uint64_t)wn__col_int(s, r, c++);
    d->tick_s = wn__col_real(s, r, c++);
    d->n_samples = (size_t)wn__col_int(s, r, c++);
    d->dropped = (uint64_t)wn__col_int(s, r, c++);
    w->seconds = wn__col_real(s, r, c++);
    w->n_samples += d->n_samples;
    return WN_OK;
}

/* Readings arrive ordered by domain_index, t; cursor walks the domains. */
struct sample_fill {
    wn_raw_window *w;
    size_t k, at;             /* the domain filled, samples written */
};

static int read_sample(void *user, wn_store *s, const struct wn__sql_row *r)
{
    struct sample_fill *f = user;
    wn_raw_window *w = f->w;
    size_t k = (size_t)wn__col_int(s, r, 0);
    if (k >= w->n_domains || f->at >= w->n_samples)
        return wn_seterr(WN_EFORMAT, "store: meter_samples do not match "
                         "meter_windows");
    if (k != f->k || f->at == 0) {
        f->k = k;
        w->domains[k].first = f->at;
    }
    w->samples[f->at].t = wn__col_real(s, r, 1);
    w->samples[f->at++].ticks = (uint64_t)wn__col_real(s, r, 2);
    return WN_OK;
}

int wn_store_get_samples(wn_store *s, int64_t run_id, wn_raw_window *out)
{
    int rc;
    if (!s || !out)
        return wn_seterr(WN_EINVAL, "store: get_samples: NULL argument");
    memset(out, 0, sizeof *out);
    struct wn__sql_val id = wn__v_int(run_id);
    rc = wn__store_begin(s, 0);
    if (rc == WN_OK)
        rc = wn__store_query(s, "SELECT source, domain, is_counter, unit,"
                                " range_ticks, width_bits, in_total, ticks_begin,"
                                " ticks_end, wraps, ticks, tick_s, n_samples,"
                                " dropped, seconds FROM meter_windows"
                                " WHERE run_id = $1 ORDER BY domain_index",
                             &id, 1, read_domain, out, NULL);
    if (rc == WN_OK && out->n_domains == 0)
        rc = wn_seterr(WN_ENOENT, "store: run %lld has no raw readings",
                       (long long)run_id);
    if (rc == WN_OK) {
        out->samples = wn_calloc(out->n_samples + 1, sizeof *out->samples);
        if (!out->samples)
            rc = wn_seterr(WN_ENOMEM, "store: get_samples: out of memory");
    }
    struct sample_fill f = { out, 0, 0 };
    if (rc == WN_OK)
        rc = wn__store_query(s, "SELECT w.domain_index, m.t, m.value FROM"
                                " meter_samples m JOIN meter_windows w ON"
                                " w.run_id = m.run_id AND"
                                " m.domain = w.source || ':' || w.domain"
                                " WHERE m.run_id = $1"
                                " ORDER BY w.domain_index, m.t",
                             &id, 1, read_sample, &f, NULL);
    if (rc == WN_OK && f.at != out->n_samples)
        rc = wn_seterr(WN_EFORMAT, "store: run %lld: %zu readings, %zu "
                       "expected", (long long)run_id, f.at, out->n_samples);
    if (rc == WN_OK)
        rc = wn__store_commit(s);
    if (s->in_tx)
        wn__store_rollback(s);
    if (rc != WN_OK)
        wn_raw_window_clear(out);
    return rc;
}

int wn_store_power_trace(wn_store *s, int64_t run_id, wn_power_trace *out)
{
    wn_raw_window w;
    if (!out)
        return wn_seterr(WN_EINVAL, "store: power_trace: NULL argument");
    memset(out, 0, sizeof *out);
    int rc = wn_store_get_samples(s, run_id, &w);
    if (rc == WN_OK)
        rc = wn_raw_power_trace(&w, out);
    wn_raw_window_clear(&w);
    return rc;
}
