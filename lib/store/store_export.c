/*
 * store_export.c - runs and epochs as flat files that pandas and DuckDB
 * read directly: runs.csv + epochs.csv (RFC 4180 quoting, one header row),
 * runs.jsonl + epochs.jsonl (one JSON object per line), or the BUTTER-E
 * layout (runs.csv with the study's metadata and standardised-energy
 * columns, docs/store.md has the mapping; epochs.csv as for csv).
 *
 * Rows stream from the database straight to the file (no run is held in
 * memory), each file is written to a temp name in DIR and renamed.  Energy
 * that did not measure is written empty (CSV) or null (JSON), never 0 J;
 * so are accuracy without has_accuracy and joules per datum without
 * has_jpd.  Doubles are printed with 17 significant digits, so a value
 * read back is the value stored.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "core/util.h"
#include "store/store_impl.h"

enum kind { K_INT, K_REAL, K_TEXT, K_JSON, K_TIME };

struct xcol {
    const char *name;
    const char *expr;
    int kind;
};

#define MEASURED(col) "CASE WHEN energy_measured = 1 THEN " col " END"

static const struct xcol run_cols[] = {
    { "run_id", "id", K_INT },
    { "job_id", "job_id", K_INT },
    { "host", "host", K_TEXT },
    { "dataset", "dataset", K_TEXT },
    { "shape", "shape", K_TEXT },
    { "depth", "depth", K_INT },
    { "size", "size", K_INT },
    { "epochs", "epochs", K_INT },
    { "batch", "batch", K_INT },
    { "learning_rate", "learning_rate", K_REAL },
    { "seed", "seed", K_INT },
    { "threads", "threads", K_INT },
    { "dataset_name", "dataset_name", K_TEXT },
    { "data_source", "data_source", K_TEXT },
    { "task", "task", K_TEXT },
    { "inputs", "inputs", K_INT },
    { "outputs", "outputs", K_INT },
    { "start_time", "start_time", K_REAL },
    { "end_time", "end_time", K_REAL },
    { "net_depth", "net_depth", K_INT },
    { "widths", "widths", K_JSON },
    { "params", "params", K_INT },
    { "epochs_done", "epochs_done", K_INT },
    { "train_rows", "train_rows", K_INT },
    { "test_rows", "test_rows", K_INT },
    { "batches_per_epoch", "batches_per_epoch", K_INT },
    { "threads_used", "threads_used", K_INT },
    { "seconds_total", "seconds_total", K_REAL },
    { "seconds_per_epoch_median", "seconds_per_epoch_median", K_REAL },
    { "train_loss", "train_loss", K_REAL },
    { "test_loss", "test_loss", K_REAL },
    { "has_accuracy", "has_accuracy", K_INT },
    { "test_accuracy", "CASE WHEN has_accuracy = 1 THEN test_accuracy END", K_REAL },
    { "test_mse", "test_mse", K_REAL },
    { "test_mae", "test_mae", K_REAL },
    { "flops_per_epoch", "flops_per_epoch", K_REAL },
    { "energy_measured", "energy_measured", K_INT },
    { "energy_is_estimate", "energy_is_estimate", K_INT },
    { "energy_source", "energy_source", K_TEXT },
    { "energy_flag", "energy_flag", K_TEXT },
    { "energy_seconds", "energy_seconds", K_REAL },
    { "energy_j", MEASURED("energy_j"), K_REAL },
    { "idle_power_w", "CASE WHEN has_idle = 1 THEN idle_power_w END", K_REAL },
    { "dynamic_energy_j", "CASE WHEN energy_measured = 1 AND has_idle = 1 THEN"
                          " dynamic_energy_j END", K_REAL },
    { "avg_power_w", MEASURED("avg_power_w"), K_REAL },
    { "energy_domains", MEASURED("energy_domains"), K_JSON },
    { "joules_per_datum", "CASE WHEN has_jpd = 1 THEN joules_per_datum END", K_REAL },
    { "epochs_contended", "epochs_contended", K_INT },
    /* Runs stored before schema 7 ran on the CPU. */
    { "device", "COALESCE(device, 'cpu')", K_TEXT },
    { "device_name", "device_name", K_TEXT },
    { "device_driver", "device_driver", K_TEXT },
    { "min_seconds", "min_seconds", K_REAL },
    { "epochs_extended", "epochs_extended", K_INT },
    { "energy_attributed", "energy_attributed", K_INT },
    { "energy_cpu_share", "energy_cpu_share", K_REAL },
    { "energy_whole_j", "energy_whole_j", K_REAL },
};

static const struct xcol epoch_cols[] = {
    { "run_id", "e.run_id", K_INT },
    { "job_id", "r.job_id", K_INT },
    { "epoch", "e.epoch", K_INT },
    { "train_loss", "e.train_loss", K_REAL },
    { "test_loss", "e.test_loss", K_REAL },
    { "has_accuracy", "e.has_accuracy", K_INT },
    { "test_accuracy", "CASE WHEN e.has_accuracy = 1 THEN e.test_accuracy END", K_REAL },
    { "test_mse", "e.test_mse", K_REAL },
    { "test_mae", "e.test_mae", K_REAL },
    { "seconds", "e.seconds", K_REAL },
    { "energy_measured", "e.energy_measured", K_INT },
    { "energy_is_estimate", "e.energy_is_estimate", K_INT },
    { "energy_source", "e.energy_source", K_TEXT },
    { "energy_flag", "e.energy_flag", K_TEXT },
    { "energy_seconds", "e.energy_seconds", K_REAL },
    { "energy_j", "CASE WHEN e.energy_measured = 1 THEN e.energy_j END", K_REAL },
    { "idle_power_w", "CASE WHEN e.has_idle = 1 THEN e.idle_power_w END", K_REAL },
    { "dynamic_energy_j", "CASE WHEN e.energy_measured = 1 AND e.has_idle = 1"
                          " THEN e.dynamic_energy_j END", K_REAL },
    { "avg_power_w", "CASE WHEN e.energy_measured = 1 THEN e.avg_power_w END", K_REAL },
    { "energy_domains", "CASE WHEN e.energy_measured = 1 THEN e.energy_domains END",
      K_JSON },
    { "cpu_seconds", "e.cpu_seconds", K_REAL },
    { "invol_switches", "e.invol_switches", K_INT },
    { "steal_fraction", "e.steal_fraction", K_REAL },
    { "energy_attributed", "e.energy_attributed", K_INT },
    { "energy_cpu_share", "e.energy_cpu_share", K_REAL },
    { "energy_whole_j", "e.energy_whole_j", K_REAL },
};

/* BUTTER-E: metadata columns, then the standardised-energy columns
 * (SPEC section 6), then our job id.  Unknown values are NULL (empty). */
static const struct xcol butter_cols[] = {
    { "run_id", "id", K_INT },
    { "experiment_id", "DENSE_RANK() OVER (ORDER BY dataset_name, shape, depth,"
                       " size, learning_rate, batch, epochs)", K_INT },
    { "old_experiment_id", "NULL", K_TEXT },
    { "slurm_job_id", "NULL", K_TEXT },
    { "start_time", "start_time", K_TIME },
    { "update_time", "end_time", K_TIME },
    { "host_name", "host", K_TEXT },
    { "size", "size", K_INT },
    { "depth", "depth", K_INT },
    { "shape", "shape", K_TEXT },
    { "dataset", "dataset_name", K_TEXT },
    { "learning_rate", "learning_rate", K_REAL },
    { "batch_size", "batch", K_INT },
    { "optimizer", "'Adam'", K_TEXT },
    { "is_gpu", "CASE WHEN device LIKE 'cuda%' THEN 'true' ELSE 'false' END",
      K_TEXT },
    { "run_data", "'{\"epochs\": ' || epochs || '}'", K_TEXT },
    { "batch", "(SELECT s.name FROM jobs j JOIN sweeps s ON s.id = j.sweep_id"
               " WHERE j.id = runs.job_id)", K_TEXT },
    /* No source column here: an estimate must not pass for a reading. */
    { "energy", "CASE WHEN energy_measured = 1 AND energy_is_estimate = 0 THEN"
                " energy_j END", K_REAL },
    { "run_time", "end_time - start_time", K_REAL },
    { "std_power", "NULL", K_REAL },
    { "std_energy", "NULL", K_REAL },
    { "energy_overhead", "NULL", K_REAL },
    { "non_overhead_energy", "NULL", K_REAL },
    { "non_overhead_runtime", "seconds_total", K_REAL },
    { "job_id", "job_id", K_INT },
};

#define NCOLS(a) (sizeof a / sizeof a[0])

/* ---- writing values --------------------------------------------------------- */

struct writer {
    FILE *f;
    int json;                 /* 1: JSON lines, 0: CSV */
    const struct xcol *cols;
    size_t n;
    size_t rows;
};

static void csv_text(FILE *f, const char *t)
{
    if (!t[strcspn(t, ",\"\r\n")] && t[0] != ' ' &&
        (!t[0] || t[strlen(t) - 1] != ' ')) {
        fputs(t, f);
        return;
    }
    fputc('"', f);
    for (const char *p = t; *p; p++) {
        if (*p == '"')
            fputc('"', f);
        fputc(*p, f);
    }
    fputc('"', f);
}

static void json_text(FILE *f, const char *t)
{
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)t; *p; p++) {
        switch (*p) {
        case '"': fputs("\\\"", f); break;
        case '\\': fputs("\\\\", f); break;
        case '\n': fputs("\\n", f); break;
        case '\r': fputs("\\r", f); break;
        case '\t': fputs("\\t", f); break;
        default:
            if (*p < 0x20)
                fprintf(f, "\\u%04x", *p);
            else
                fputc(*p, f);
        }
    }
    fputc('"', f);
}

static void iso_time(char *buf, size_t cap, double t)
{
    time_t secs = (time_t)floor(t);
    long us = (long)nearbyint((t - (double)secs) * 1e6);
    if (us >= 1000000) {
        secs++;
        us -= 1000000;
    }
    struct tm tm;
    gmtime_r(&secs, &tm);
    size_t n = strftime(buf, cap, "%Y-%m-%d %H:%M:%S", &tm);
    snprintf(buf + n, cap - n, ".%06ld+00:00", us);
}

static int write_row(void *user, wn_store *s, const struct wn__sql_row *r)
{
    struct writer *w = user;
    if (w->json)
        fputc('{', w->f);
    for (size_t i = 0; i < w->n; i++) {
        const struct xcol *c = &w->cols[i];
        int null = wn__col_null(s, r, (int)i);
        char buf[64];
        if (w->json) {
            if (i)
                fputc(',', w->f);
            json_text(w->f, c->name);
            fputc(':', w->f);
        } else if (i) {
            fputc(',', w->f);
        }
        if (!null && c->kind == K_REAL && !isfinite(wn__col_real(s, r, (int)i)))
            null = 1;
        if (!null && (c->kind == K_TEXT || c->kind == K_JSON) &&
            !wn__col_text(s, r, (int)i)[0] && w->json && c->kind == K_JSON)
            null = 1;
        if (null) {
            if (w->json)
                fputs("null", w->f);
            continue;
        }
        switch (c->kind) {
        case K_INT: fprintf(w->f, "%" PRId64, wn__col_int(s, r, (int)i)); break;
        case K_REAL: fprintf(w->f, "%.17g", wn__col_real(s, r, (int)i)); break;
        case K_TIME:
            iso_time(buf, sizeof buf, wn__col_real(s, r, (int)i));
            if (w->json)
                json_text(w->f, buf);
            else
                fputs(buf, w->f);
            break;
        case K_JSON:
            if (w->json)
                fputs(wn__col_text(s, r, (int)i), w->f);
            else
                csv_text(w->f, wn__col_text(s, r, (int)i));
            break;
        default:
            if (w->json)
                json_text(w->f, wn__col_text(s, r, (int)i));
            else
                csv_text(w->f, wn__col_text(s, r, (int)i));
        }
    }
    fputs(w->json ? "}\n" : "\n", w->f);
    w->rows++;
    if (ferror(w->f))
        return wn_seterr(WN_EIO, "export: write failed: %s", strerror(errno));
    return WN_OK;
}

/* "SELECT <the columns' expressions> <FROM>"; wn_free it.  NULL when out of
 * memory. */
static char *export_sql(const struct xcol *cols, size_t n, const char *from)
{
    size_t cap = strlen(from) + 64;
    for (size_t i = 0; i < n; i++)
        cap += strlen(cols[i].expr) + 4;
    char *sql = wn_malloc(cap);
    if (!sql)
        return NULL;
    size_t o = (size_t)snprintf(sql, cap, "SELECT ");
    for (size_t i = 0; i < n; i++)
        o += (size_t)snprintf(sql + o, cap - o, "%s%s", i ? ", " : "", cols[i].expr);
    snprintf(sql + o, cap - o, " %s", from);
    return sql;
}

/* Run SQL (selecting the columns' expressions) into DIR/NAME, written
 * whole or not at all (wn__atomic_*). */
static int export_file(wn_store *s, const char *dir, const char *name, int json,
                       const struct xcol *cols, size_t n, const char *from,
                       size_t *rows)
{
    char path[4096];
    struct writer w = { NULL, json, cols, n, 0 };
    wn__atomic_file a;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    char *sql = export_sql(cols, n, from);
    if (!sql)
        return wn_seterr(WN_ENOMEM, "export: out of memory");
    int rc = wn__atomic_open(&a, path);
    if (rc != WN_OK)
        goto out;
    w.f = a.f;
    if (!json) {
        for (size_t i = 0; i < n; i++)
            fprintf(w.f, "%s%s", i ? "," : "", cols[i].name);
        fputc('\n', w.f);
    }
    rc = wn__store_query(s, sql, NULL, 0, write_row, &w, NULL);
    if (rc != WN_OK) {
        wn__atomic_abort(&a);
        goto out;
    }
    rc = wn__atomic_commit(&a);
    if (rc == WN_OK && rows)
        *rows = w.rows;
out:
    wn_free(sql);
    return rc;
}

/* Facility energy and CO2e (issue 12) as two more columns after BASE's n:
 * IT energy x PUE, and grams of CO2e of that (or of the IT energy without
 * a PUE), only for a usable measurement (P: "" or "e." for the epochs).
 * The measured energy_j column is untouched.  Returns the column count. */
#define XCOL_MAX 64
static size_t with_carbon(const struct xcol *base, size_t n, const char *p,
                          double pue, double g_per_kwh, struct xcol *out,
                          char exprs[2][512])
{
    char usable[256];
    size_t k = n;
    memcpy(out, base, n * sizeof *out);
    snprintf(usable, sizeof usable, "%senergy_measured = 1 AND "
             "%senergy_is_estimate = 0 AND (%senergy_flag IS NULL OR "
             "%senergy_flag = '')", p, p, p, p);
    if (pue > 0.0 && k < XCOL_MAX) {
        snprintf(exprs[0], sizeof exprs[0], "CASE WHEN %s THEN %senergy_j * %.17g"
                 " END", usable, p, pue);
        out[k++] = (struct xcol){ "facility_energy_j", exprs[0], K_REAL };
    }
    if (g_per_kwh > 0.0 && k < XCOL_MAX) {
        snprintf(exprs[1], sizeof exprs[1], "CASE WHEN %s THEN %senergy_j * %.17g"
                 " END", usable, p, (pue > 0.0 ? pue : 1.0) * g_per_kwh / 3.6e6);
        out[k++] = (struct xcol){ "co2e_g", exprs[1], K_REAL };
    }
    return k;
}

int wn_store_export(wn_store *s, const char *format, const char *dir,
                    size_t *n_runs)
{
    return wn_store_export_carbon(s, format, dir, 0.0, 0.0, n_runs);
}

int wn_store_export_carbon(wn_store *s, const char *format, const char *dir,
                           double pue, double g_per_kwh, size_t *n_runs)
{
    int rc = WN_OK;
    struct xcol rcols[XCOL_MAX], ecols[XCOL_MAX];
    char rexpr[2][512], eexpr[2][512];
    size_t nr = with_carbon(run_cols, NCOLS(run_cols), "", pue, g_per_kwh,
                            rcols, rexpr);
    size_t ne = with_carbon(epoch_cols, NCOLS(epoch_cols), "e.", pue, g_per_kwh,
                            ecols, eexpr);
    if (!s || !format || !dir || !*dir)
        return wn_seterr(WN_EINVAL, "export: NULL argument");
    int json = 0, butter = 0;
    if (!strcmp(format, "jsonl"))
        json = 1;
    else if (!strcmp(format, "butter-e"))
        butter = 1;
    else if (strcmp(format, "csv"))
        return wn_seterr(WN_EINVAL, "export: unknown format '%s' (csv, jsonl, butter-e)",
                         format);
    if (mkdir(dir, 0777) != 0 && errno != EEXIST)
        return wn_seterr(errno == EACCES ? WN_EPERM : WN_EIO, "export: %s: %s", dir,
                         strerror(errno));
    struct stat st;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
        return wn_seterr(WN_EINVAL, "export: %s is not a directory", dir);
    /* One snapshot for both files. */
    rc = wn__store_begin(s, 0);
    if (rc != WN_OK)
        return rc;
    const char *ext = json ? "jsonl" : "csv";
    char runs_name[32], epochs_name[32];
    snprintf(runs_name, sizeof runs_name, "runs.%s", ext);
    snprintf(epochs_name, sizeof epochs_name, "epochs.%s", ext);
    if (butter)
        rc = export_file(s, dir, runs_name, 0, butter_cols, NCOLS(butter_cols),
                         "FROM runs ORDER BY id", n_runs);
    else
        rc = export_file(s, dir, runs_name, json, rcols, nr,
                         "FROM runs ORDER BY id", n_runs);
    if (rc == WN_OK)
        rc = export_file(s, dir, epochs_name, json, ecols, ne,
                         "FROM epochs e JOIN runs r ON r.id = e.run_id"
                         " ORDER BY e.run_id, e.epoch",
                         NULL);
    if (rc == WN_OK)
        rc = wn__store_commit(s);
    if (s->in_tx)
        wn__store_rollback(s);
    return rc;
}
