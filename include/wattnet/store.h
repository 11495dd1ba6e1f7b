/*
 * store.h - the runs database: SQLite (a file path) or PostgreSQL
 * (postgresql://...), one schema behind one interface: hosts, idle
 * baselines, sweeps, the job queue, runs and epochs.
 *
 * (The store module's owner extends this header; the functions below are
 * the contract the model and report rely on.)
 */
#ifndef WATTNET_STORE_H
#define WATTNET_STORE_H

#include <stddef.h>
#include <stdint.h>
#include <wattnet/run.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct wn_store wn_store;

/* Open (creating and migrating) the database at URL: a file path for
 * SQLite, or a postgresql:// URL. */
int wn_store_open(const char *url, wn_store **out);
void wn_store_close(wn_store **s);

/* Store one run and its epochs in one transaction; sets run->run_id. */
int wn_store_put_run(wn_store *s, wn_run_record *run);

/* Load every stored run, epochs included.  Free with wn_run_records_free. */
int wn_store_load_runs(wn_store *s, wn_run_record **runs, size_t *n);
void wn_run_records_free(wn_run_record **runs, size_t n);

#ifdef __cplusplus
}
#endif
#endif /* WATTNET_STORE_H */
