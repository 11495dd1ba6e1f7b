/*
 * store_fixture.h - helpers the store, sweep and worker tests share: a
 * scratch directory, the PostgreSQL test URL (WATTNET_TEST_PG_URL, set by
 * scripts/with-services.sh), a record with every field set to a distinct
 * value, and a field-by-field comparison.  Header-only because every test
 * file is its own program.
 */
#ifndef WN_TEST_STORE_FIXTURE_H
#define WN_TEST_STORE_FIXTURE_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <wattnet/wattnet.h>
#include "store/store_impl.h"

/* A fresh scratch directory under WN_BINARY_DIR (removed by fx_rmdir). */
static inline void fx_tmpdir(char *buf, size_t cap, const char *tag)
{
    snprintf(buf, cap, "%s/tmp-%s-%ld-XXXXXX", WN_BINARY_DIR, tag, (long)getpid());
    if (!mkdtemp(buf)) {
        fprintf(stderr, "mkdtemp %s failed\n", buf);
        abort();
    }
}

static inline void fx_rmdir(const char *dir)
{
    char cmd[1200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
}

/* Each test program works in its own PostgreSQL schema (FX_PG_SCHEMA), so
 * that test programs running in parallel (ctest -j) never see each other's
 * tables. */
#ifndef FX_PG_SCHEMA
#define FX_PG_SCHEMA "wn_test"
#endif

/* Empty this program's schema (drop and recreate it). */
static inline int fx_pg_reset(const char *url)
{
    (void)url;
    const char *base = getenv("WATTNET_TEST_PG_URL");
    wn_store *s = NULL;
    int rc = wn__store_open_raw(base, &s);
    if (rc != WN_OK)
        return rc;
    rc = wn__store_exec(s, "DROP SCHEMA IF EXISTS " FX_PG_SCHEMA " CASCADE;"
                           " CREATE SCHEMA " FX_PG_SCHEMA);
    wn_store_close(&s);
    return rc;
}

/* The PostgreSQL URL of this program's schema, or NULL when
 * WATTNET_TEST_PG_URL is unset (the caller skips with a message). */
static inline const char *fx_pg_url(void)
{
    static char url[1024];
    static int made = 0;
    const char *u = getenv("WATTNET_TEST_PG_URL");
    if (!u || !*u)
        return NULL;
    if (!made) {
        snprintf(url, sizeof url, "%s%soptions=-csearch_path%%3D%s", u,
                 strchr(u, '?') ? "&" : "?", FX_PG_SCHEMA);
        if (fx_pg_reset(url) != WN_OK) {
            fprintf(stderr, "cannot create schema %s: %s\n", FX_PG_SCHEMA,
                    wn_errmsg());
            abort();
        }
        made = 1;
    }
    return url;
}

/* fx_pg_url, or skip the calling cmocka test with a message when no
 * PostgreSQL is given (every includer has cmocka.h first). */
static inline const char *fx_pg_url_or_skip(void)
{
    const char *url = fx_pg_url();
    if (!url) {
        print_message("skipped: WATTNET_TEST_PG_URL is not set "
                      "(run under scripts/with-services.sh)\n");
        skip();
    }
    return url;
}

/* The same, with this program's schema emptied first. */
static inline const char *fx_pg_fresh_or_skip(void)
{
    const char *url = fx_pg_url_or_skip();
    if (fx_pg_reset(url) != WN_OK) {
        fprintf(stderr, "cannot reset schema %s: %s\n", FX_PG_SCHEMA,
                wn_errmsg());
        fail();
    }
    return url;
}

static inline void fx_energy(wn_energy *e, double base, const char *source)
{
    memset(e, 0, sizeof *e);
    e->measured = 1;
    snprintf(e->source, sizeof e->source, "%s", source);
    e->seconds = base * 0.5 + 0.125;
    e->energy_j = base * 3.0 + 0.1;
    e->idle_power_w = 12.5;
    e->has_idle = 1;
    e->dynamic_energy_j = e->energy_j - e->idle_power_w * e->seconds;
    e->avg_power_w = e->energy_j / e->seconds;
    e->n_domains = 2;
    snprintf(e->domains[0].name, sizeof e->domains[0].name, "package-0");
    e->domains[0].energy_j = base * 2.0 + 1.0 / 3.0;
    e->domains[0].in_total = 1;
    snprintf(e->domains[1].name, sizeof e->domains[1].name, "dram, \"0\"");
    e->domains[1].energy_j = base + 0.7;
    e->domains[1].in_total = 0;
}

/* A record with every field set; epochs allocated with wn_calloc. */
static inline void fx_record(wn_run_record *r, int k, size_t n_epochs)
{
    memset(r, 0, sizeof *r);
    snprintf(r->spec.dataset, sizeof r->spec.dataset, "synthetic:banana");
    snprintf(r->spec.train.shape, sizeof r->spec.train.shape, k % 2 ? "trapezoid" : "rectangle");
    r->spec.train.depth = 3 + (size_t)k % 4;
    r->spec.train.size = 1024u << (k % 8);
    r->spec.train.epochs = n_epochs;
    r->spec.train.batch = 256;
    r->spec.train.learning_rate = 1e-4 * (1 + k);
    r->spec.train.seed = 1000 + (uint64_t)k;
    r->spec.train.threads = 1 + k % 2;
    snprintf(r->host, sizeof r->host, "node-%d", k % 3);
    snprintf(r->dataset_name, sizeof r->dataset_name, "banana");
    snprintf(r->data_source, sizeof r->data_source, "synthetic");
    snprintf(r->task, sizeof r->task, "binary");
    r->inputs = 2;
    r->outputs = 1;
    r->start_time = 1764000000.123456 + k;
    r->end_time = r->start_time + 3.0 / 7.0;
    r->summary.depth = r->spec.train.depth;
    for (size_t i = 0; i < r->summary.depth; i++)
        r->summary.widths[i] = 40 + i * 3 + (size_t)k;
    r->summary.widths[r->summary.depth - 1] = 1;
    r->summary.params = 1111 + (uint64_t)k;
    r->summary.epochs = n_epochs;
    r->summary.train_rows = 4240;
    r->summary.test_rows = 1060;
    r->summary.batches_per_epoch = 17;
    r->summary.threads = 1;
    r->summary.seconds_total = 0.1 * k + 1.0 / 9.0;
    r->summary.seconds_per_epoch_median = 0.05 + k * 1e-3;
    r->summary.train_loss = 0.693 - k * 1e-3;
    r->summary.test_loss = 0.7 + k * 1e-7;
    r->summary.has_accuracy = 1;
    r->summary.test_accuracy = 0.5 + k * 1e-2;
    r->summary.test_mse = 0.0;
    r->summary.test_mae = 1e-300;
    r->summary.flops_per_epoch = 1.5e9 + k;
    fx_energy(&r->energy, 10.0 + k, "sim");
    r->has_jpd = 1;
    r->joules_per_datum = r->energy.energy_j / (17.0 * (double)n_epochs * 256.0);
    r->n_epochs = n_epochs;
    r->epochs = n_epochs ? wn_calloc(n_epochs, sizeof *r->epochs) : NULL;
    for (size_t e = 0; e < n_epochs; e++) {
        wn_epoch_record *ep = &r->epochs[e];
        ep->stats.epoch = e + 1;
        ep->stats.train_loss = 0.69 - e * 0.01;
        ep->stats.test_loss = 0.7 - e * 0.011;
        ep->stats.has_accuracy = 1;
        ep->stats.test_accuracy = 0.5 + e * 0.05;
        ep->stats.test_mse = 0.25 / (e + 1);
        ep->stats.test_mae = 0.5 / (e + 1);
        ep->stats.seconds = 0.01 * (e + 1);
        if (e % 2 == 0)
            fx_energy(&ep->energy, (double)e + k, "sim");
        else
            snprintf(ep->energy.flag, sizeof ep->energy.flag, "no-samples");
    }
}

static inline void fx_record_free(wn_run_record *r)
{
    wn_free(r->epochs);
    r->epochs = NULL;
    r->n_epochs = 0;
}

#define FX_EQ_D(a, b)                                                         \
    do {                                                                      \
        if (!((a) == (b) || (isnan(a) && isnan(b)))) {                        \
            fprintf(stderr, "%s:%d: %s = %.17g != %s = %.17g\n", __FILE__,    \
                    __LINE__, #a, (double)(a), #b, (double)(b));              \
            return 0;                                                         \
        }                                                                     \
    } while (0)
#define FX_EQ_I(a, b)                                                         \
    do {                                                                      \
        if ((long long)(a) != (long long)(b)) {                               \
            fprintf(stderr, "%s:%d: %s = %lld != %s = %lld\n", __FILE__,      \
                    __LINE__, #a, (long long)(a), #b, (long long)(b));        \
            return 0;                                                         \
        }                                                                     \
    } while (0)
#define FX_EQ_S(a, b)                                                         \
    do {                                                                      \
        if (strcmp((a), (b))) {                                               \
            fprintf(stderr, "%s:%d: %s = '%s' != '%s'\n", __FILE__, __LINE__, \
                    #a, (a), (b));                                            \
            return 0;                                                         \
        }                                                                     \
    } while (0)

static inline int fx_energy_equal(const wn_energy *a, const wn_energy *b)
{
    FX_EQ_I(a->measured, b->measured);
    FX_EQ_I(a->is_estimate, b->is_estimate);
    FX_EQ_S(a->source, b->source);
    FX_EQ_S(a->flag, b->flag);
    FX_EQ_D(a->seconds, b->seconds);
    FX_EQ_D(a->energy_j, b->energy_j);
    FX_EQ_D(a->idle_power_w, b->idle_power_w);
    FX_EQ_I(a->has_idle, b->has_idle);
    FX_EQ_D(a->dynamic_energy_j, b->dynamic_energy_j);
    FX_EQ_D(a->avg_power_w, b->avg_power_w);
    FX_EQ_I(a->n_domains, b->n_domains);
    for (size_t i = 0; i < a->n_domains; i++) {
        FX_EQ_S(a->domains[i].name, b->domains[i].name);
        FX_EQ_D(a->domains[i].energy_j, b->domains[i].energy_j);
        FX_EQ_I(a->domains[i].in_total, b->domains[i].in_total);
    }
    return 1;
}

/* 1 when every stored field of a and b is equal (run_id excluded). */
static inline int fx_record_equal(const wn_run_record *a, const wn_run_record *b)
{
    FX_EQ_I(a->job_id, b->job_id);
    FX_EQ_S(a->spec.dataset, b->spec.dataset);
    FX_EQ_S(a->spec.train.shape, b->spec.train.shape);
    FX_EQ_I(a->spec.train.depth, b->spec.train.depth);
    FX_EQ_I(a->spec.train.size, b->spec.train.size);
    FX_EQ_I(a->spec.train.epochs, b->spec.train.epochs);
    FX_EQ_I(a->spec.train.batch, b->spec.train.batch);
    FX_EQ_D(a->spec.train.learning_rate, b->spec.train.learning_rate);
    FX_EQ_I(a->spec.train.seed, b->spec.train.seed);
    FX_EQ_I(a->spec.train.threads, b->spec.train.threads);
    FX_EQ_S(a->host, b->host);
    FX_EQ_S(a->dataset_name, b->dataset_name);
    FX_EQ_S(a->data_source, b->data_source);
    FX_EQ_S(a->task, b->task);
    FX_EQ_I(a->inputs, b->inputs);
    FX_EQ_I(a->outputs, b->outputs);
    FX_EQ_D(a->start_time, b->start_time);
    FX_EQ_D(a->end_time, b->end_time);
    const wn_train_summary *x = &a->summary, *y = &b->summary;
    FX_EQ_I(x->depth, y->depth);
    for (size_t i = 0; i < x->depth; i++)
        FX_EQ_I(x->widths[i], y->widths[i]);
    FX_EQ_I(x->params, y->params);
    FX_EQ_I(x->epochs, y->epochs);
    FX_EQ_I(x->train_rows, y->train_rows);
    FX_EQ_I(x->test_rows, y->test_rows);
    FX_EQ_I(x->batches_per_epoch, y->batches_per_epoch);
    FX_EQ_I(x->threads, y->threads);
    FX_EQ_D(x->seconds_total, y->seconds_total);
    FX_EQ_D(x->seconds_per_epoch_median, y->seconds_per_epoch_median);
    FX_EQ_D(x->train_loss, y->train_loss);
    FX_EQ_D(x->test_loss, y->test_loss);
    FX_EQ_I(x->has_accuracy, y->has_accuracy);
    FX_EQ_D(x->test_accuracy, y->test_accuracy);
    FX_EQ_D(x->test_mse, y->test_mse);
    FX_EQ_D(x->test_mae, y->test_mae);
    FX_EQ_D(x->flops_per_epoch, y->flops_per_epoch);
    if (!fx_energy_equal(&a->energy, &b->energy))
        return 0;
    FX_EQ_I(a->has_jpd, b->has_jpd);
    FX_EQ_D(a->joules_per_datum, b->joules_per_datum);
    FX_EQ_I(a->n_epochs, b->n_epochs);
    for (size_t e = 0; e < a->n_epochs; e++) {
        const wn_epoch_stats *p = &a->epochs[e].stats, *q = &b->epochs[e].stats;
        FX_EQ_I(p->epoch, q->epoch);
        FX_EQ_D(p->train_loss, q->train_loss);
        FX_EQ_D(p->test_loss, q->test_loss);
        FX_EQ_I(p->has_accuracy, q->has_accuracy);
        FX_EQ_D(p->test_accuracy, q->test_accuracy);
        FX_EQ_D(p->test_mse, q->test_mse);
        FX_EQ_D(p->test_mae, q->test_mae);
        FX_EQ_D(p->seconds, q->seconds);
        if (!fx_energy_equal(&a->epochs[e].energy, &b->epochs[e].energy))
            return 0;
    }
    return 1;
}

#endif /* WN_TEST_STORE_FIXTURE_H */
