"""test_binding.py - the Python binding (python/wattnet/) against the
simulated powercap tree of the C meter tests: real counter readings flow
through libwattnet.so and ctypes into Python windows.

Run by CTest (tests/python.cmake) with Debian's python3 and
WATTNET_LIB / WN_POWERCAP_SIM / PYTHONPATH set."""
import json
import os
import shutil
import time
import unittest

import simtree
import wattnet


def busy(seconds):
    end = time.monotonic() + seconds
    n = 0
    while time.monotonic() < end:
        n += 1
    return n


class Binding(unittest.TestCase):
    def setUp(self):
        self.dir = simtree.scratch()
        simtree.isolate(self.dir)

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def assertWithin(self, got, want, rel, sim=None, watts=0.0):
        """|got - want| <= rel * want, plus (as the C tests' mf_tol) the
        simulator's own lag at both edges when sim is given: on a loaded
        machine its writer thread can stall."""
        tol = rel * want + (2.0 * watts * sim.max_step_s if sim else 0.0)
        self.assertLessEqual(abs(got - want), tol,
                             f"{got} vs {want} (rel {rel}, tol {tol})")

    def test_busy_second_reads_simulated_energy(self):
        """The acceptance check: 1 s busy loop, simulated energy within 2%."""
        with simtree.Sim("big", 50.0) as sim:
            with wattnet.Meter() as m:
                self.assertEqual(m.source, "rapl")
                with m.window("busy") as w:
                    busy(1.0)
        self.assertTrue(w.measured)
        self.assertEqual(w.source, "rapl")
        self.assertGreaterEqual(w.seconds, 1.0)
        self.assertLess(w.seconds, 3.0)    # a loaded machine may deschedule us
        self.assertWithin(w.domains["package-0"], 50.0 * w.seconds, 0.02)
        self.assertWithin(w.domains["dram-0"], 5.0 * w.seconds, 0.02, sim, 5)
        self.assertWithin(w.energy_j, 55.0 * w.seconds, 0.02)
        # the check can fail: a 5% error would be rejected
        with self.assertRaises(AssertionError):
            self.assertWithin(w.energy_j * 1.05, 55.0 * w.seconds, 0.02)

    def test_other_power_and_wraps(self):
        """80 W on counters that wrap several times within the window."""
        with simtree.Sim("wrap", 80.0) as sim:
            with wattnet.Meter("rapl") as m:
                with m.window("wrapping") as w:
                    busy(2.0)
        self.assertWithin(w.domains["package-0"], 80.0 * w.seconds, 0.02,
                          sim, 80)
        self.assertWithin(w.energy_j, 85.0 * w.seconds, 0.02, sim, 85)

    def test_windows_nest(self):
        with simtree.Sim("big", 50.0) as sim:
            with wattnet.Meter("rapl") as m:
                with m.window("outer") as outer:
                    busy(0.3)
                    with m.window("inner") as inner:
                        busy(0.5)
                    busy(0.3)
        self.assertLess(inner.seconds, outer.seconds)
        self.assertWithin(inner.energy_j, 55.0 * inner.seconds, 0.02, sim, 55)
        self.assertWithin(outer.energy_j, 55.0 * outer.seconds, 0.02, sim, 55)
        self.assertGreater(outer.energy_j, inner.energy_j)

    def test_begin_end_pairs(self):
        with simtree.Sim("big", 50.0) as sim:
            with wattnet.Meter("rapl") as m:
                m.begin_window("step")
                busy(0.3)
                w = m.end_window("step")
                with self.assertRaises(wattnet.WattnetError):
                    m.end_window("step")
        self.assertWithin(w.energy_j, 55.0 * w.seconds, 0.02, sim, 55)

    def test_measure(self):
        with simtree.Sim("big", 50.0) as sim:
            w = wattnet.measure(busy, 0.4)
            wattnet._default.close()       # its tree goes with the sim
            wattnet._default = None
        self.assertGreater(w.result, 0)
        self.assertEqual(w.name, "busy")
        self.assertWithin(w.energy_j, 55.0 * w.seconds, 0.02, sim, 55)

    def test_simulated_is_labelled(self):
        os.environ["WATTNET_SIM_WATTS"] = "30"
        try:
            with wattnet.Meter("sim") as m:
                with m.window("sim") as w:
                    busy(0.1)
        finally:
            del os.environ["WATTNET_SIM_WATTS"]
        self.assertTrue(w.measured)
        self.assertTrue(w.is_simulated)
        self.assertFalse(w.is_estimate)
        with simtree.Sim("big", 50.0):
            with wattnet.Meter("rapl") as m:
                with m.window("real") as w:
                    busy(0.1)
        self.assertFalse(w.is_simulated)

    def test_estimate_is_labelled(self):
        with wattnet.Meter("estimate") as m:
            with m.window("guess") as w:
                busy(0.2)
        self.assertFalse(w.measured)
        self.assertTrue(w.is_estimate)
        self.assertEqual(w.source, "estimate")
        self.assertGreater(w.estimated_j, 0.0)
        self.assertEqual(w.domains, {})
        with self.assertRaises(wattnet.NotMeasuredError) as cm:
            w.energy_j
        self.assertIn("estimated_j", str(cm.exception))
        d = w.to_dict()
        self.assertNotIn("energy_j", d)
        self.assertIn("estimated_j", d)
        json.dumps(d)

    def test_measured_window_has_no_estimate(self):
        with simtree.Sim("big", 50.0):
            with wattnet.Meter("rapl") as m:
                with m.window("x") as w:
                    busy(0.1)
        with self.assertRaises(wattnet.NotMeasuredError):
            w.estimated_j
        self.assertIn("energy_j", w.to_dict())

    def test_errors_carry_library_message(self):
        with self.assertRaises(wattnet.WattnetError) as cm:
            wattnet.Meter("bogus")
        self.assertIn("unknown meter source 'bogus'", str(cm.exception))
        self.assertEqual(cm.exception.status, 2)
        with self.assertRaises(wattnet.WattnetError) as cm:
            wattnet.Meter("rapl")          # the tree is not there
        self.assertTrue(str(cm.exception))
        with self.assertRaises(wattnet.WattnetError) as cm:
            wattnet.Meter("auto", allow_estimate=False)
        self.assertIn("no energy meter measures", str(cm.exception))

    def test_results_only_after_end(self):
        with wattnet.Meter("estimate") as m:
            w = m.window("early")
            with self.assertRaises(wattnet.WattnetError):
                w.seconds
            with w:
                with self.assertRaises(wattnet.WattnetError):
                    w.energy_j
        m.close()
        with self.assertRaises(wattnet.WattnetError):
            m.window("late").begin()

    def test_meters_lists_sources(self):
        with simtree.Sim("big", 50.0):
            infos = {i.source: i for i in wattnet.meters()}
        self.assertTrue(infos["rapl"].usable, infos["rapl"].reason)
        names = [d["name"] for d in infos["rapl"].domains]
        self.assertIn("package-0", names)
        self.assertFalse(infos["nvml"].usable)
        self.assertTrue(infos["nvml"].reason)
        self.assertTrue(infos["estimate"].is_estimate)


def _have_torch():
    try:
        import torch  # noqa: F401
        return True
    except ImportError:
        return False


class Example(unittest.TestCase):
    @unittest.skipUnless(_have_torch(), "PyTorch not installed: "
                         "examples/pytorch_mlp.py runs in make bench")
    def test_pytorch_mlp_writes_json_lines(self):
        import subprocess
        import sys
        d = simtree.scratch()
        simtree.isolate(d)
        here = os.path.dirname(os.path.abspath(__file__))
        ex = os.path.join(here, "..", "..", "examples", "pytorch_mlp.py")
        with simtree.Sim("big", 50.0) as sim:
            out = subprocess.run([sys.executable, ex, "--epochs", "2",
                                  "--rows", "2000"], check=True,
                                 capture_output=True, text=True).stdout
        shutil.rmtree(d, ignore_errors=True)
        lines = [json.loads(x) for x in out.splitlines()]
        self.assertEqual([x["epoch"] for x in lines], [0, 1])
        for x in lines:
            self.assertTrue(x["measured"])
            self.assertEqual(x["source"], "rapl")
            self.assertLess(abs(x["energy_j"] - 55.0 * x["seconds"]),
                            0.02 * 55.0 * x["seconds"] + 0.5 +
                            2.0 * 55.0 * sim.max_step_s)


if __name__ == "__main__":
    unittest.main()
