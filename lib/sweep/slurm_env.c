/*
 * slurm_env.c - reads the Slurm ids of the current process from the
 * environment Slurm gives every job and step (include/wattnet/slurm.h).
 */
#include <stdlib.h>
#include <string.h>

#include <wattnet/slurm.h>

#include "core/util.h"

int wn_slurm_ids_from_env(wn_slurm_ids *out)
{
    memset(out, 0, sizeof *out);
    const char *job = getenv("SLURM_JOB_ID");
    if (!job || !job[0])
        return 0;
    wn__copy_str(out->job_id, sizeof out->job_id, job);
    wn__copy_str(out->step_id, sizeof out->step_id, getenv("SLURM_STEP_ID"));
    wn__copy_str(out->node, sizeof out->node, getenv("SLURMD_NODENAME"));
    wn__copy_str(out->array_job_id, sizeof out->array_job_id,
                 getenv("SLURM_ARRAY_JOB_ID"));
    wn__copy_str(out->array_task_id, sizeof out->array_task_id,
                 getenv("SLURM_ARRAY_TASK_ID"));
    return 1;
}
