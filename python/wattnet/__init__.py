"""wattnet - measure the energy of your own training loop with libwattnet.

A ctypes binding (standard library only) of the C library's meters and
nestable measurement windows:

    import wattnet
    meter = wattnet.Meter()                     # source="auto"
    for epoch in range(3):
        with meter.window("epoch") as w:
            train_one_epoch()
        print(w.name, w.seconds, w.source, w.energy_j if w.measured
              else w.estimated_j)

Honesty rules (the library's, kept here): `energy_j` is the sum of the
non-overlapping domains of a real measurement.  An estimate (source
"estimate") has `measured` False and its joules only as `estimated_j`;
reading `energy_j` of an estimate, or of a window that did not measure,
raises NotMeasuredError.  Errors of the library are WattnetError with the
library's own message.
"""
import ctypes
import dataclasses
import threading

from . import _lib

__all__ = ["Meter", "Window", "MeterInfo", "WattnetError", "NotMeasuredError",
           "meters", "measure", "version"]
__version__ = "0.1.0"


class WattnetError(Exception):
    """A libwattnet call failed: .status (int), .code (short text) and the
    library's one-line message as str(e)."""

    def __init__(self, status, message, code=""):
        super().__init__(message)
        self.status = status
        self.code = code


class NotMeasuredError(WattnetError):
    """The joules asked for are not a measurement (an estimate, or a window
    whose meter did not measure)."""


def _check(status):
    if status != 0:
        lib = _lib.lib()
        code = _lib.text(lib.wn_strerror(status))
        msg = _lib.text(lib.wn_errmsg()) or code
        lib.wn_clearerr()
        raise WattnetError(status, msg, code)


def version():
    return __version__


# ---- Windows ------------------------------------------------------------

class Window:
    """One measurement window.  Filled when it ends (leaving the `with`
    block, or Meter.end_window); reading results before raises."""

    def __init__(self, meter, name):
        self.name = name
        self.result = None            # measure(): what fn returned
        self._meter = meter
        self._id = None
        self._e = None

    # context manager: the window spans the block
    def __enter__(self):
        self.begin()
        return self

    def __exit__(self, exc_type, exc, tb):
        self.end()
        return False

    def begin(self):
        if self._id is not None or self._e is not None:
            raise WattnetError(16, f"window '{self.name}' already started",
                               "call out of order")
        self._id = self._meter._begin()
        return self

    def end(self):
        if self._id is None:
            raise WattnetError(16, f"window '{self.name}' is not open",
                               "call out of order")
        wid, self._id = self._id, None
        self._e = self._meter._end(wid)
        return self

    def _done(self):
        if self._e is None:
            raise WattnetError(16, f"window '{self.name}' has not ended yet",
                               "call out of order")
        return self._e

    @property
    def seconds(self):
        return self._done().seconds

    @property
    def source(self):
        return _lib.text(self._done().source)

    @property
    def is_estimate(self):
        return bool(_lib.lib().wn_energy_is_estimate(ctypes.byref(
            self._done())))

    @property
    def is_simulated(self):
        """True when the joules came from the simulated source "sim" (a
        constant WATTNET_SIM_WATTS, for tests): usable, but no meter read
        them."""
        return bool(_lib.lib().wn_energy_is_simulated(ctypes.byref(
            self._done())))

    @property
    def measured(self):
        """True only for a usable measurement: the library's one rule,
        wn_energy_usable (never an estimate, no flag, finite and > 0 J)."""
        return bool(_lib.lib().wn_energy_usable(ctypes.byref(self._done())))

    @property
    def flag(self):
        """Why the window did not measure ("" if it did)."""
        return _lib.text(self._done().flag)

    @property
    def energy_j(self):
        """Measured joules (non-overlapping domains)."""
        e = self._done()
        if self.is_estimate:
            raise NotMeasuredError(
                8, f"window '{self.name}': source estimate is not a "
                "measurement; its joules are w.estimated_j", "not available")
        if not self.measured:
            raise NotMeasuredError(
                13, f"window '{self.name}': {_lib.text(e.source)} did not "
                f"measure ({_lib.text(e.flag) or 'no reading'})",
                "counter did not advance")
        return e.energy_j

    @property
    def estimated_j(self):
        """The joules of an estimate; NotMeasuredError for anything else."""
        e = self._done()
        if not self.is_estimate:
            raise NotMeasuredError(
                2, f"window '{self.name}' is not an estimate"
                + (": read w.energy_j" if self.measured else ""),
                "invalid argument")
        return e.energy_j

    @property
    def domains(self):
        """{domain: joules} of a measurement; {} for an estimate or a window
        that did not measure (those joules are not measurements)."""
        e = self._done()
        if not self.measured:
            return {}
        return {_lib.text(d.name): d.energy_j
                for d in e.domains[:e.n_domains]}

    @property
    def avg_power_w(self):
        self.energy_j    # same rule as energy_j
        return self._done().avg_power_w

    @property
    def dynamic_energy_j(self):
        """Energy above the stored idle baseline; None without one."""
        e = self._done()
        if not e.has_idle:
            return None
        self.energy_j
        return e.dynamic_energy_j

    def to_dict(self):
        """A plain dict for JSON: energy_j only for a measurement,
        estimated_j only for an estimate."""
        e = self._done()
        d = {"window": self.name, "seconds": e.seconds, "source": self.source,
             "measured": self.measured}
        if self.measured:
            d["energy_j"] = e.energy_j
            d["domains"] = self.domains
        elif self.is_estimate:
            d["estimated_j"] = e.energy_j
        else:
            d["flag"] = self.flag
        return d

    def __repr__(self):
        if self._e is None:
            return f"<wattnet.Window {self.name!r} open>"
        return f"<wattnet.Window {self.name!r} {self.to_dict()}>"


# ---- Meter --------------------------------------------------------------

class Meter:
    """An open libwattnet meter with its sampler thread.

    source: "auto" (every working measuring source, the estimate only when
    nothing measures), or one of rapl, perf, nvml, ipmi, redfish, estimate,
    sim.  allow_estimate=False makes "auto" fail instead of estimating.
    Close with close() or use the meter as a context manager."""

    def __init__(self, source="auto", interval_ms=0, allow_estimate=True):
        lib = _lib.lib()
        h = ctypes.c_void_p()
        src = None if source in (None, "auto") else str(source).encode()
        _check(lib.wn_ffi_meter_open(src, int(interval_ms),
                                     1 if allow_estimate else 0,
                                     ctypes.byref(h)))
        self._h = h
        self._lock = threading.Lock()
        self._named = {}

    def _handle(self):
        if not self._h:
            raise WattnetError(16, "meter is closed", "call out of order")
        return self._h

    def close(self):
        if getattr(self, "_h", None):
            _lib.lib().wn_meter_close(ctypes.byref(self._h))
            self._h = None

    def __del__(self):
        try:
            self.close()
        except Exception:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    @property
    def source(self):
        return _lib.text(_lib.lib().wn_meter_source(self._handle()))

    @property
    def warning(self):
        return _lib.text(_lib.lib().wn_meter_warning(self._handle()))

    @property
    def interval_ms(self):
        return int(_lib.lib().wn_meter_interval_ms(self._handle()))

    def window(self, name="window"):
        """A window for `with meter.window("epoch") as w:`; windows nest."""
        return Window(self, name)

    # Zeus-style pairs: begin_window("x") ... end_window("x") -> Window
    def begin_window(self, name):
        with self._lock:
            if name in self._named:
                raise WattnetError(2, f"window '{name}' is already open",
                                   "invalid argument")
            w = Window(self, name)
            self._named[name] = w
        try:
            return w.begin()
        except BaseException:
            with self._lock:
                self._named.pop(name, None)
            raise

    def end_window(self, name):
        with self._lock:
            w = self._named.pop(name, None)
        if w is None:
            raise WattnetError(16, f"window '{name}' is not open",
                               "call out of order")
        return w.end()

    def _begin(self):
        wid = ctypes.c_int(-1)
        _check(_lib.lib().wn_meter_window_begin(self._handle(),
                                                ctypes.byref(wid)))
        return wid.value

    def _end(self, wid):
        e = _lib.Energy()
        _check(_lib.lib().wn_meter_window_end(self._handle(), wid,
                                              ctypes.byref(e)))
        return e

    def __repr__(self):
        return f"<wattnet.Meter {self.source if self._h else 'closed'}>"


# ---- Probing ------------------------------------------------------------

@dataclasses.dataclass
class MeterInfo:
    source: str
    usable: bool
    reason: str
    notes: str
    is_estimate: bool
    node_level: bool
    resolution: float
    resolution_unit: str
    domains: list


def meters():
    """Probe every source, as `wattnet meters` does: a list of MeterInfo
    (usable False with the reason when a source cannot measure here)."""
    lib = _lib.lib()
    out = []
    for i in range(lib.wn_meter_source_count()):
        name = lib.wn_meter_source_name(i)
        if not name:
            break
        info = _lib.MeterInfo()
        _check(lib.wn_meter_probe(name, None, ctypes.byref(info)))
        out.append(MeterInfo(
            source=_lib.text(info.source), usable=info.status == 0,
            reason=_lib.text(info.reason), notes=_lib.text(info.notes),
            is_estimate=bool(info.is_estimate),
            node_level=bool(info.node_level), resolution=info.resolution,
            resolution_unit=_lib.text(info.resolution_unit),
            domains=[{"name": _lib.text(d.name), "in_total": bool(d.in_total),
                      "is_counter": bool(d.is_counter),
                      "contained_in": _lib.text(d.contained_in)}
                     for d in info.domains[:info.n_domains]]))
    return out


# ---- measure(fn, *args) -------------------------------------------------

_default = None
_default_lock = threading.Lock()


def _default_meter():
    global _default
    with _default_lock:
        if _default is None:
            _default = Meter("auto")
        return _default


def measure(fn, *args, **kwargs):
    """Call fn(*args, **kwargs) inside one window of a shared auto meter
    (opened on first use) and return the ended Window; what fn returned is
    w.result.  An exception from fn propagates after the window ends."""
    w = _default_meter().window(getattr(fn, "__name__", "measure"))
    with w:
        w.result = fn(*args, **kwargs)
    return w
