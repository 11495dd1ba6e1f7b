/*
 * slurm.h - the Slurm ids of this process (glue, lib/sweep/slurm_env.c):
 * the job and step a worker runs in, kept with each stored run
 * (wn_store_put_slurm, store.h) so that runs join on slurm_job_id (the
 * BUTTER-E watt-meter logs are named by it).
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

/* Fill *out from the environment.  1 inside a Slurm job ($SLURM_JOB_ID
 * set), else 0 and *out zeroed. */
int wn_slurm_ids_from_env(wn_slurm_ids *out);

#ifdef __cplusplus
}
#endif
#endif /* WATTNET_SLURM_H */
