"""_lib.py - loads libwattnet.so and declares the C functions and the mirrors
of the public structs the binding reads (wn_energy, wn_meter_info).

The mirrors are checked against the loaded library (wn_ffi_sizeof), so a
layout change in include/wattnet/energy.h or meter.h fails at load time
instead of reading garbage.  Library search: $WATTNET_LIB, else
libwattnet.so.0 from the dynamic loader's path (LD_LIBRARY_PATH, ldconfig),
else ctypes.util.find_library("wattnet").
"""
import ctypes
import ctypes.util
import os
import threading

MAX_DOMAINS = 16


class EnergyDomain(ctypes.Structure):
    _fields_ = [("name", ctypes.c_char * 48),
                ("energy_j", ctypes.c_double),
                ("in_total", ctypes.c_int)]


class Energy(ctypes.Structure):
    _fields_ = [("measured", ctypes.c_int),
                ("is_estimate", ctypes.c_int),
                ("source", ctypes.c_char * 16),
                ("flag", ctypes.c_char * 64),
                ("seconds", ctypes.c_double),
                ("energy_j", ctypes.c_double),
                ("idle_power_w", ctypes.c_double),
                ("has_idle", ctypes.c_int),
                ("dynamic_energy_j", ctypes.c_double),
                ("avg_power_w", ctypes.c_double),
                ("n_domains", ctypes.c_size_t),
                ("domains", EnergyDomain * MAX_DOMAINS),
                ("attributed", ctypes.c_int),
                ("whole_energy_j", ctypes.c_double),
                ("cpu_share", ctypes.c_double)]


class MeterDomainInfo(ctypes.Structure):
    _fields_ = [("name", ctypes.c_char * 48),
                ("in_total", ctypes.c_int),
                ("is_counter", ctypes.c_int),
                ("contained_in", ctypes.c_char * 48)]


class MeterInfo(ctypes.Structure):
    _fields_ = [("source", ctypes.c_char * 16),
                ("status", ctypes.c_int),
                ("reason", ctypes.c_char * 512),
                ("notes", ctypes.c_char * 256),
                ("is_estimate", ctypes.c_int),
                ("node_level", ctypes.c_int),
                ("resolution", ctypes.c_double),
                ("resolution_unit", ctypes.c_char * 4),
                ("n_domains", ctypes.c_size_t),
                ("domains", MeterDomainInfo * MAX_DOMAINS),
                ("update_s", ctypes.c_double)]


_MIRRORS = {"wn_energy": Energy, "wn_energy_domain": EnergyDomain,
            "wn_meter_info": MeterInfo,
            "wn_meter_domain_info": MeterDomainInfo}

_lock = threading.Lock()
_lib = None


def _open():
    env = os.environ.get("WATTNET_LIB")
    tried = []
    names = [env] if env else ["libwattnet.so.0",
                               ctypes.util.find_library("wattnet")]
    for name in names:
        if not name:
            continue
        try:
            return ctypes.CDLL(name)
        except OSError as e:
            tried.append(f"{name}: {e}")
    where = "; ".join(tried) if tried else "libwattnet.so.0 not found"
    raise OSError("wattnet: cannot load libwattnet (" + where + "); install "
                  "it with `make install` or set WATTNET_LIB to the path of "
                  "libwattnet.so")


def _declare(lib):
    p, i, u, s = ctypes.c_void_p, ctypes.c_int, ctypes.c_uint, ctypes.c_char_p
    sigs = {
        "wn_errmsg": (s, []),
        "wn_strerror": (s, [i]),
        "wn_clearerr": (None, []),
        "wn_ffi_sizeof": (ctypes.c_size_t, [s]),
        "wn_ffi_meter_open": (i, [s, u, i, ctypes.POINTER(p)]),
        "wn_meter_close": (None, [ctypes.POINTER(p)]),
        "wn_meter_source": (s, [p]),
        "wn_meter_warning": (s, [p]),
        "wn_meter_interval_ms": (u, [p]),
        "wn_meter_window_begin": (i, [p, ctypes.POINTER(i)]),
        "wn_meter_window_end": (i, [p, i, ctypes.POINTER(Energy)]),
        "wn_meter_source_count": (ctypes.c_size_t, []),
        "wn_meter_source_name": (s, [ctypes.c_size_t]),
        "wn_meter_probe": (i, [s, p, ctypes.POINTER(MeterInfo)]),
        "wn_energy_usable": (i, [ctypes.POINTER(Energy)]),
        "wn_energy_is_estimate": (i, [ctypes.POINTER(Energy)]),
        "wn_energy_is_simulated": (i, [ctypes.POINTER(Energy)]),
    }
    for name, (res, args) in sigs.items():
        fn = getattr(lib, name)
        fn.restype = res
        fn.argtypes = args
    for cname, mirror in _MIRRORS.items():
        have = lib.wn_ffi_sizeof(cname.encode())
        if have != ctypes.sizeof(mirror):
            raise OSError(f"wattnet: {cname} is {have} bytes in libwattnet "
                          f"but {ctypes.sizeof(mirror)} in this binding: "
                          "the binding and the library do not match")


def lib():
    """The loaded, declared library (loaded once, on first use)."""
    global _lib
    with _lock:
        if _lib is None:
            handle = _open()
            _declare(handle)
            _lib = handle
        return _lib


def text(b):
    return b.decode("utf-8", "replace") if b else ""
