/*
 * slurm.h - the Slurm ids of a run: the job and step a worker ran in, kept
 * with each stored run so that runs join on slurm_job_id (the BUTTER-E
 * watt-meter logs are named by it).
 *
 * Usage (what the worker does after storing a run):
 *     wn_slurm_ids id;
 *     if (wn_slurm_ids_from_env(&id)) wn_store_put_slurm(store, run_id, &id);
 */
#ifndef WATTNET_SLURM_H
#define WATTNET_SLURM_H

#include <stdint.h>
#include <wattnet/store.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct wn_slurm_ids {
    char job_id[32];          /* $SLURM_JOB_ID */
    char step_id[32];         /* $SLURM_STEP_ID ("" outside a step) */
    char node[64];            /* $SLURMD_NODENAME */
    char array_job_id[32];    /* $SLURM_ARRAY_JOB_ID ("" unless an array) */
    char array_task_id[32];   /* $SLURM_ARRAY_TASK_ID */
} wn_slurm_ids;

/* Fill *out from the environment.  1 inside a Slurm job ($SLURM_JOB_ID
 * set), else 0 and *out zeroed. */
int wn_slurm_ids_from_env(wn_slurm_ids *out);

/* Keep ids with stored run RUN_ID (table run_slurm, created on first use;
 * replaces an earlier row of the run).  WN_OK, else the store's status. */
int wn_store_put_slurm(wn_store *s, int64_t run_id, const wn_slurm_ids *ids);

/* The ids kept with RUN_ID: WN_OK, WN_ENOENT when none. */
int wn_store_get_slurm(wn_store *s, int64_t run_id, wn_slurm_ids *out);

#ifdef __cplusplus
}
#endif
#endif /* WATTNET_SLURM_H */
