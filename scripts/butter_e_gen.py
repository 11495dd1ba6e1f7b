#!/usr/bin/env python3
"""butter_e_gen.py - write files in the BUTTER-E public layout at a chosen
size, to show the import's real-size path (the real data is public but not
reachable from the build machines).

  scripts/butter_e_gen.py OUT_DIR [--samples N] [--runs-per-job R] [--nodes K]

Writes OUT_DIR/metadata.csv and OUT_DIR/energy/{slurm_job_id}.csv
(timestamp,node,watts, one sample per node per minute, as the study's
meters).  Each job runs R runs one after the other on one node; the jobs
are spread over K nodes (CPU and GPU); N samples in all.  Standard library
only; deterministic (seed 1).
"""
import argparse
import os
import random

DATASETS = ["201_pol", "505_tecator", "529_pollen", "537_houses", "adult",
            "banana", "connect_4", "mnist", "nursery", "sleep", "splice",
            "wine_quality_white", "294_satellite_image"]
SHAPES = ["rectangle", "trapezoid", "exponential", "wide_first_2x",
          "wide_first_4x", "wide_first_8x", "wide_first_16x",
          "rectangle_residual"]
DEPTHS = [2, 3, 4, 5, 6, 7, 8, 9, 10, 12, 14, 16, 18, 20]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("out")
    ap.add_argument("--samples", type=int, default=1000000)
    ap.add_argument("--runs-per-job", type=int, default=20)
    ap.add_argument("--nodes", type=int, default=40)
    a = ap.parse_args()
    rnd = random.Random(1)
    os.makedirs(os.path.join(a.out, "energy"), exist_ok=True)
    meta = open(os.path.join(a.out, "metadata.csv"), "w")
    meta.write("run_id,experiment_id,old_experiment_id,slurm_job_id,start_time,"
               "update_time,host_name,size,depth,shape,dataset,learning_rate,"
               "batch_size,optimizer,is_gpu,run_data,batch\n")
    written, job, run_id = 0, 9000000, 1
    t = 1_650_000_000.0
    while written < a.samples:
        job += 1
        k = job % a.nodes
        gpu = k % 4 == 0
        node = ("gpu%03d" if gpu else "cpu%03d") % k
        idle = 374.0 if gpu else 220.0 + 10 * (k % 3)
        path = os.path.join(a.out, "energy", "%d.csv" % job)
        with open(path, "w") as f:
            f.write("timestamp,node,watts\n")
            clock = t
            for _ in range(3):                      # idle before
                f.write("%.0f,%s,%.1f\n" % (clock, node, idle + rnd.random()))
                clock += 60
                written += 1
            for _ in range(a.runs_per_job):
                size = 2 ** rnd.randint(5, 24)
                depth = rnd.choice(DEPTHS)
                dur = rnd.randint(120, 7200) + rnd.random()
                start = clock + rnd.random() * 60
                end = start + dur
                meta.write("%d,%d,,%d,%.3f,%.3f,%s,%d,%d,%s,%s,0.0001,256,Adam,"
                           "%s,\"{\"\"epochs\"\": 3000}\",energy_1\n" %
                           (run_id, run_id % 5000, job, start, end, node, size,
                            depth, rnd.choice(SHAPES), rnd.choice(DATASETS),
                            "true" if gpu else "false"))
                run_id += 1
                busy = idle + 50 + 400 * rnd.random()
                while clock < end + 60:
                    f.write("%.0f,%s,%.1f\n" % (clock, node, busy + 5 * rnd.random()))
                    clock += 60
                    written += 1
            t = clock + 3600
    meta.close()
    print("%d samples, %d runs, %d jobs in %s" % (written, run_id - 1, job - 9000000, a.out))


if __name__ == "__main__":
    main()
