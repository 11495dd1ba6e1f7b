"""meter_peer.py - runs one meter peer (CodeCarbon or Zeus) over a command,
for bench/meters-vs-peers.  It runs under the peer's own virtual environment
(bench/out/venv/NAME/bin/python), inside the mount namespace where the
simulated powercap tree sits at /sys/class/powercap.

    python meter_peer.py codecarbon|zeus OUT.json -- CMD [ARGS...]

It writes what the peer returned to OUT.json: {"tool", "version",
"package_j", "dram_j", "total_j", "error"}; the peer's own messages go to
stderr as the peer prints them (bench/meters-vs-peers keeps them).  perun
needs no wrapper: it has its own command (`perun monitor -b CMD`).
"""

import json
import subprocess
import sys
import traceback


def run_codecarbon(cmd):
    import codecarbon
    from codecarbon import EmissionsTracker
    # The defaults a user gets, except: no emissions.csv, no network.
    tracker = EmissionsTracker(save_to_file=False, log_level="info",
                               tracking_mode="machine",
                               allow_multiple_runs=True)
    tracker.start()
    rc = subprocess.run(cmd).returncode
    tracker.stop()
    d = tracker.final_emissions_data
    kwh_j = 3.6e6
    cpu = d.cpu_energy * kwh_j if d is not None else None
    ram = d.ram_energy * kwh_j if d is not None else None
    tot = d.energy_consumed * kwh_j if d is not None else None
    note = ""
    if d is not None:
        note = (f"cpu_power {d.cpu_power:.1f} W, ram_power {d.ram_power:.1f}"
                f" W, cpu_model {d.cpu_model!r}")
    return {"version": codecarbon.__version__, "package_j": cpu,
            "dram_j": ram, "total_j": tot, "rc": rc, "note": note,
            "window_s": d.duration if d is not None else None}


def run_zeus(cmd):
    import zeus
    from zeus.monitor import ZeusMonitor
    mon = ZeusMonitor(gpu_indices=[])
    mon.begin_window("cmd")
    rc = subprocess.run(cmd).returncode
    m = mon.end_window("cmd")
    cpu = sum(m.cpu_energy.values()) if m.cpu_energy else None
    dram = sum(m.dram_energy.values()) if m.dram_energy else None
    note = (f"cpu_energy {m.cpu_energy}, dram_energy {m.dram_energy}, "
            f"total_energy {m.total_energy}")
    # total_energy counts GPUs only: the total here is CPU + DRAM.
    tot = (cpu or 0.0) + (dram or 0.0) if cpu is not None else None
    return {"version": zeus.__version__, "package_j": cpu, "dram_j": dram,
            "total_j": tot, "rc": rc, "note": note, "window_s": m.time}


def main():
    if len(sys.argv) < 5 or sys.argv[3] != "--":
        sys.stderr.write(__doc__)
        return 2
    tool, out, cmd = sys.argv[1], sys.argv[2], sys.argv[4:]
    res = {"tool": tool, "error": None}
    try:
        res.update({"codecarbon": run_codecarbon,
                    "zeus": run_zeus}[tool](cmd))
    except Exception as e:  # the peer's failure is a result, not a crash
        traceback.print_exc()
        res["error"] = f"{type(e).__name__}: {e}"
    with open(out, "w") as f:
        json.dump(res, f)
    return 0


if __name__ == "__main__":
    sys.exit(main())
