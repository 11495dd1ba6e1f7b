"""simtree.py - runs tests/fixtures/python/powercap_sim.c (the C meter
tests' simulated powercap tree) for the Python tests, and isolates the
process from this machine's real meters: only the simulated RAPL tree can
measure, the idle baseline lives in a scratch file."""
import os
import subprocess
import tempfile


def isolate(scratch):
    os.environ["WATTNET_IDLE_FILE"] = os.path.join(scratch, "idle.json")
    os.environ["WATTNET_POWERCAP_ROOT"] = "/nonexistent/powercap"
    os.environ["WATTNET_PERF_ROOT"] = "/nonexistent"
    os.environ["WATTNET_NVML_LIB"] = "/nonexistent/libnvidia-ml.so.1"
    os.environ["WATTNET_IPMI_CMD"] = "/nonexistent/ipmitool"
    os.environ.pop("WATTNET_REDFISH_URL", None)


class Sim:
    """with Sim("big", 50.0) as s: ... os.environ points at s.root ..."""

    def __init__(self, mode="big", package_w=50.0):
        self.mode, self.package_w = mode, package_w
        self.proc = None
        self.root = None
        self.package_j = None
        self.max_step_s = 0.0

    def __enter__(self):
        exe = os.environ["WN_POWERCAP_SIM"]
        self.proc = subprocess.Popen([exe, self.mode, str(self.package_w)],
                                     stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline().split()
        if len(line) != 2 or line[0] != "ROOT":
            raise RuntimeError(f"powercap_sim did not start: {line}")
        self.root = line[1]
        os.environ["WATTNET_POWERCAP_ROOT"] = self.root
        return self

    def __exit__(self, *exc):
        out, _ = self.proc.communicate(timeout=30)
        for line in out.splitlines():
            k, v = line.split()
            if k == "PACKAGE_J":
                self.package_j = float(v)
            elif k == "MAX_STEP_S":
                self.max_step_s = float(v)
        os.environ["WATTNET_POWERCAP_ROOT"] = "/nonexistent/powercap"
        return False


def scratch():
    return tempfile.mkdtemp(prefix="wn-py-")
