"""acceptance.py - issue 12's check from an installed binding: a window
around a 1-second busy loop reads the simulated powercap tree's energy
within 2%.  Needs WN_POWERCAP_SIM (tests/fixtures/python/powercap_sim) and
libwattnet.so.0 reachable (LD_LIBRARY_PATH or WATTNET_LIB).  Prints one JSON
line; exit 1 when off by more than 2%."""
import json
import sys
import time

import simtree
import wattnet

d = simtree.scratch()
simtree.isolate(d)
with simtree.Sim("big", 50.0):
    with wattnet.Meter() as m:
        with m.window("busy") as w:
            end = time.monotonic() + 1.0
            while time.monotonic() < end:
                pass
want = 55.0 * w.seconds
err = abs(w.energy_j - want) / want
print(json.dumps({**w.to_dict(), "simulated_j": want, "rel_err": err,
                  "module": wattnet.__file__}))
sys.exit(0 if w.measured and err <= 0.02 else 1)
