/*
 * store_schema.c - the schema of the runs database and its migrations.
 *
 * The schema is one list of migrations, written once for both backends with
 * the dialect tokens of store_impl.h.  A database records its version in
 * the table schema_version (one row; SQLite mirrors it in PRAGMA
 * user_version); version 0 is an empty database.  wn_store_open applies
 * every migration above the stored version in one write transaction (on
 * PostgreSQL under an advisory lock, so workers opening together migrate
 * once).  A database newer than this code is refused.  docs/store.md lists
 * the versions; add a migration at the end, never edit a shipped one.
 */
#include <stdio.h>
#include <string.h>

#include "store/store_impl.h"

/* ---- migrations ---------------------------------------------------------- */

/* Version 1: hosts, idle baselines, sweeps, the job queue, runs, epochs. */
static const char migration_1[] =
    "CREATE TABLE hosts ("
    " id {ID},"
    " fingerprint TEXT NOT NULL UNIQUE,"
    " hostname TEXT NOT NULL,"
    " cpu_model TEXT, cores INTEGER,"
    " l1d_bytes BIGINT, l2_bytes BIGINT, l3_bytes BIGINT,"
    " caches_json TEXT,"
    " memory_bytes BIGINT, kernel TEXT, compiler TEXT, dnnl_version TEXT,"
    " n_gpus INTEGER, gpus_json TEXT,"
    " first_seen {REAL});"
    "CREATE INDEX hosts_name ON hosts(hostname);"
    "CREATE TABLE idle_baselines ("
    " id {ID},"
    " hostname TEXT NOT NULL, domain TEXT NOT NULL,"
    " power_w {REAL} NOT NULL, seconds {REAL}, measured_at {REAL},"
    " UNIQUE (hostname, domain));"
    "CREATE TABLE sweeps ("
    " id {ID},"
    " name TEXT NOT NULL, spec_json TEXT NOT NULL, seed BIGINT,"
    " n_jobs BIGINT, created {REAL});"
    "CREATE TABLE jobs ("
    " id {ID},"
    " sweep_id BIGINT REFERENCES sweeps(id),"
    " ord BIGINT NOT NULL,"
    " status TEXT NOT NULL DEFAULT 'queued'"
    "  CHECK (status IN ('queued','running','done','failed')),"
    " dataset TEXT NOT NULL, shape TEXT NOT NULL, depth BIGINT NOT NULL,"
    " size BIGINT NOT NULL, epochs BIGINT NOT NULL, batch BIGINT NOT NULL,"
    " learning_rate {REAL} NOT NULL, seed BIGINT NOT NULL,"
    " threads INTEGER NOT NULL DEFAULT 0, repetition INTEGER NOT NULL DEFAULT 0,"
    " attempts INTEGER NOT NULL DEFAULT 0, error TEXT,"
    " lease_owner TEXT, lease_expires {REAL}, heartbeat {REAL},"
    " created {REAL}, started {REAL}, finished {REAL});"
    "CREATE INDEX jobs_claim ON jobs(status, ord, id);"
    "CREATE TABLE runs ("
    " id {ID},"
    " job_id BIGINT REFERENCES jobs(id),"
    " host_id BIGINT REFERENCES hosts(id),"
    " host TEXT NOT NULL,"
    " dataset TEXT NOT NULL, shape TEXT NOT NULL, depth BIGINT, size BIGINT,"
    " epochs BIGINT, batch BIGINT, learning_rate {REAL}, seed BIGINT,"
    " threads INTEGER,"
    " dataset_name TEXT, data_source TEXT, task TEXT,"
    " inputs BIGINT, outputs BIGINT,"
    " start_time {REAL}, end_time {REAL},"
    " net_depth BIGINT, widths TEXT, params BIGINT, epochs_done BIGINT,"
    " train_rows BIGINT, test_rows BIGINT, batches_per_epoch BIGINT,"
    " threads_used INTEGER, seconds_total {REAL},"
    " seconds_per_epoch_median {REAL},"
    " train_loss {REAL}, test_loss {REAL}, has_accuracy INTEGER,"
    " test_accuracy {REAL}, test_mse {REAL}, test_mae {REAL},"
    " flops_per_epoch {REAL},"
    " energy_measured INTEGER, energy_is_estimate INTEGER,"
    " energy_source TEXT, energy_flag TEXT, energy_seconds {REAL},"
    " energy_j {REAL}, idle_power_w {REAL}, has_idle INTEGER,"
    " dynamic_energy_j {REAL}, avg_power_w {REAL}, energy_domains TEXT,"
    " has_jpd INTEGER, joules_per_datum {REAL},"
    " created {REAL});"
    "CREATE UNIQUE INDEX runs_job ON runs(job_id);"
    "CREATE TABLE epochs ("
    " run_id BIGINT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,"
    " epoch BIGINT NOT NULL,"
    " train_loss {REAL}, test_loss {REAL}, has_accuracy INTEGER,"
    " test_accuracy {REAL}, test_mse {REAL}, test_mae {REAL}, seconds {REAL},"
    " energy_measured INTEGER, energy_is_estimate INTEGER,"
    " energy_source TEXT, energy_flag TEXT, energy_seconds {REAL},"
    " energy_j {REAL}, idle_power_w {REAL}, has_idle INTEGER,"
    " dynamic_energy_j {REAL}, avg_power_w {REAL}, energy_domains TEXT,"
    " PRIMARY KEY (run_id, epoch));";

/* Version 2: energy attributed after the fact (watt-meter logs) and raw
 * meter samples. */
static const char migration_2[] =
    "CREATE TABLE attributions ("
    " id {ID},"
    " run_id BIGINT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,"
    " source TEXT NOT NULL, node TEXT, log_file TEXT,"
    " measured INTEGER NOT NULL, flag TEXT,"
    " seconds {REAL}, energy_j {REAL}, avg_power_w {REAL},"
    " previous_source TEXT, previous_energy_j {REAL},"
    " created {REAL});"
    "CREATE INDEX attributions_run ON attributions(run_id);"
    "CREATE TABLE meter_samples ("
    " run_id BIGINT REFERENCES runs(id) ON DELETE CASCADE,"
    " t {REAL} NOT NULL, domain TEXT NOT NULL, value {REAL});";

/* Version 3: raw readings of a run's window (edges, unit, range per
 * domain); meter_samples holds its readings (domain "source:domain",
 * value = raw ticks). */
static const char migration_3[] =
    "CREATE TABLE meter_windows ("
    " run_id BIGINT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,"
    " domain_index INTEGER NOT NULL,"
    " source TEXT NOT NULL, domain TEXT NOT NULL,"
    " is_counter INTEGER NOT NULL, unit {REAL} NOT NULL,"
    " range_ticks BIGINT, width_bits INTEGER, in_total INTEGER,"
    " ticks_begin BIGINT, ticks_end BIGINT, wraps BIGINT, ticks BIGINT,"
    " tick_s {REAL}, n_samples BIGINT, dropped BIGINT, seconds {REAL},"
    " PRIMARY KEY (run_id, domain_index));"
    "CREATE INDEX meter_samples_run ON meter_samples(run_id, domain, t);";

/* Version 4: which dataset file a run trained on (path and SHA-256; NULL
 * for a stand-in and for runs stored before). */
static const char migration_4[] =
    "ALTER TABLE runs ADD COLUMN data_path TEXT;"
    "ALTER TABLE runs ADD COLUMN data_sha256 TEXT;";

/* Version 5: hardware profiles kept with a host ("measured": the cache
 * probe's, as wn_hw_profile JSON). */
static const char migration_5[] =
    "CREATE TABLE host_profiles ("
    " hostname TEXT NOT NULL, kind TEXT NOT NULL, profile TEXT NOT NULL,"
    " measured_at {REAL}, PRIMARY KEY (hostname, kind));";

/* Version 6: per-epoch contention evidence (CPU time, involuntary context
 * switches, host steal fraction) and each run's count of contended epochs
 * (issue 10).  NULL = not measured (runs stored before, GPU epochs). */
static const char migration_6[] =
    "ALTER TABLE epochs ADD COLUMN cpu_seconds {REAL};"
    "ALTER TABLE epochs ADD COLUMN invol_switches BIGINT;"
    "ALTER TABLE epochs ADD COLUMN steal_fraction {REAL};"
    "ALTER TABLE runs ADD COLUMN epochs_contended BIGINT;";

/* Version 7 (issue 11): the device a run trained on ("cpu", "cuda:N"),
 * the GPU's name and driver, and the device a queued job asks for (NULL
 * in databases from before: the CPU). */
static const char migration_7[] =
    "ALTER TABLE runs ADD COLUMN device TEXT;"
    "ALTER TABLE runs ADD COLUMN device_name TEXT;"
    "ALTER TABLE runs ADD COLUMN device_driver TEXT;"
    "ALTER TABLE jobs ADD COLUMN device TEXT;";

/* Version 8 (issue 10): windows long enough to measure and energy shared
 * between co-located workers.  runs: the min_seconds a run was held to and
 * whether it ran past its requested epochs (epochs_done is what ran);
 * runs and epochs: whether the energy is a CPU-time share of a shared
 * meter, the share, and the whole reading; jobs: a sweep's min_seconds
 * (NULL: chosen at run time).  Older rows read as not extended and not
 * attributed. */
static const char migration_8[] =
    "ALTER TABLE runs ADD COLUMN min_seconds {REAL};"
    "ALTER TABLE runs ADD COLUMN epochs_extended INTEGER;"
    "ALTER TABLE runs ADD COLUMN energy_attributed INTEGER;"
    "ALTER TABLE runs ADD COLUMN energy_cpu_share {REAL};"
    "ALTER TABLE runs ADD COLUMN energy_whole_j {REAL};"
    "ALTER TABLE epochs ADD COLUMN energy_attributed INTEGER;"
    "ALTER TABLE epochs ADD COLUMN energy_cpu_share {REAL};"
    "ALTER TABLE epochs ADD COLUMN energy_whole_j {REAL};"
    "ALTER TABLE jobs ADD COLUMN min_seconds {REAL};";

static const char *const migrations[] = { migration_1, migration_2,
                                          migration_3, migration_4,
                                          migration_5, migration_6,
                                          migration_7, migration_8 };
#define N_MIGRATIONS ((int)(sizeof migrations / sizeof migrations[0]))

/* ---- version -------------------------------------------------------------------- */

static int read_version_row(void *user, wn_store *s, const struct wn__sql_row *r)
{
    int *v = user;
    *v = wn__col_null(s, r, 0) ? 0 : (int)wn__col_int(s, r, 0);
    return WN_OK;
}

int wn_store_schema_version(wn_store *s, int *version)
{
    *version = 0;
    return wn__store_query(s, "SELECT max(version) FROM schema_version", NULL, 0,
                           read_version_row, version, NULL);
}

int wn__store_migrate(wn_store *s, int target)
{
    int rc = WN_OK, version = -1;
    if (target < 0 || target > N_MIGRATIONS)
        return wn_seterr(WN_EINVAL, "store: no schema version %d", target);
    /* Fast path: already current (no write lock taken). */
    if (wn_store_schema_version(s, &version) == WN_OK && version == target)
        return WN_OK;
    wn_clearerr();
    rc = wn__store_begin(s, 1);
    if (rc != WN_OK)
        goto out;
    if (s->ops->dialect == WN__DIALECT_PG) {
        rc = wn__store_exec(s, "SELECT pg_advisory_xact_lock(727001)");
        if (rc != WN_OK)
            goto out;
    }
    rc = wn__store_exec(s, "CREATE TABLE IF NOT EXISTS schema_version ("
                           " version INTEGER NOT NULL)");
    if (rc != WN_OK)
        goto out;
    rc = wn_store_schema_version(s, &version);
    if (rc != WN_OK)
        goto out;
    if (version > N_MIGRATIONS) {
        rc = wn_seterr(WN_EUNSUPPORTED,
                       "store: the database has schema version %d, newer than "
                       "this wattnet (%d); upgrade wattnet",
                       version, N_MIGRATIONS);
        goto out;
    }
    for (int m = version + 1; m <= target; m++) {
        rc = wn__store_exec(s, migrations[m - 1]);
        if (rc != WN_OK) {
            char msg[900];
            wn__copy_str(msg, sizeof msg, wn_errmsg());
            rc = wn_seterr(rc, "store: migration to schema version %d: %s", m, msg);
            goto out;
        }
    }
    if (target > version) {
        struct wn__sql_val v = wn__v_int(target);
        rc = wn__store_exec(s, "DELETE FROM schema_version");
        if (rc == WN_OK)
            rc = wn__store_query(s, "INSERT INTO schema_version (version) VALUES ($1)",
                                 &v, 1, NULL, NULL, NULL);
        if (rc == WN_OK && s->ops->dialect == WN__DIALECT_SQLITE) {
            char pragma[64];
            snprintf(pragma, sizeof pragma, "PRAGMA user_version = %d", target);
            rc = wn__store_exec(s, pragma);
        }
        if (rc != WN_OK)
            goto out;
    }
    rc = wn__store_commit(s);
out:
    if (s->in_tx)
        wn__store_rollback(s);
    return rc;
}
