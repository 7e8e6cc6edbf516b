"""AlHpc from Python: ctypes bindings to libalhpc.so (no compiled extension) and an ASE calculator.

Units: eV, Angstrom, eV/Angstrom. Positions are (n, 3) float64 arrays; species are indices into
``Potential.species`` (all these potentials have one species, index 0).

    import alhpc
    pot = alhpc.Potential.mlbop()                  # or .model("model.json"), .tersoff("x.tersoff")
    ev = pot.evaluator()                           # one per thread
    e, f = ev.compute(positions)                   # energy (eV), forces (n, 3) eV/A

    from alhpc.ase_calculator import AlHpcCalculator
    atoms.calc = AlHpcCalculator(model="model.json")

The library is looked up in $ALHPC_LIBRARY, next to this file (lib/libalhpc.so, what
scripts/install-python.sh installs), then in the repository's artifacts/native/lib.
"""
import ctypes
import os
import threading

import numpy as np

__all__ = ["AlHpcError", "Potential", "Evaluator", "McBackend", "library_path", "version", "ABI_VERSION"]

ABI_VERSION = 1

_c_int_p = ctypes.POINTER(ctypes.c_int)
_c_double_p = ctypes.POINTER(ctypes.c_double)
_handle = ctypes.c_void_p


class AlHpcError(RuntimeError):
    """A failing libalhpc call: ``status`` is the ALHPC_ERR_* code, the message says what was wrong."""

    def __init__(self, status, message):
        super().__init__(message)
        self.status = status


def library_path():
    """The libalhpc.so this package loads."""
    env = os.environ.get("ALHPC_LIBRARY")
    if env:
        return env
    here = os.path.dirname(os.path.abspath(__file__))
    for candidate in (os.path.join(here, "lib", "libalhpc.so"),
                      os.path.join(here, "..", "..", "artifacts", "native", "lib", "libalhpc.so")):
        if os.path.exists(candidate):
            return os.path.normpath(candidate)
    raise OSError("libalhpc.so not found: set ALHPC_LIBRARY, run scripts/install-python.sh, "
                  "or build it with scripts/build-native.sh")


_lib = None
_lib_lock = threading.Lock()


def _load():
    global _lib
    with _lib_lock:
        if _lib is not None:
            return _lib
        lib = ctypes.CDLL(library_path())
        sig = {
            "alhpc_abi_version": (ctypes.c_int, []),
            "alhpc_version": (ctypes.c_char_p, []),
            "alhpc_last_error": (ctypes.c_char_p, []),
            "alhpc_potential_load_mlbop": (ctypes.c_int, [ctypes.POINTER(_handle)]),
            "alhpc_potential_load_tersoff": (ctypes.c_int, [ctypes.c_char_p, ctypes.POINTER(_handle)]),
            "alhpc_potential_load_model": (ctypes.c_int, [ctypes.c_char_p, ctypes.POINTER(_handle)]),
            "alhpc_potential_free": (ctypes.c_int, [_handle]),
            "alhpc_potential_cutoff": (ctypes.c_int, [_handle, _c_double_p]),
            "alhpc_potential_species_count": (ctypes.c_int, [_handle, _c_int_p]),
            "alhpc_potential_species": (ctypes.c_int, [_handle, ctypes.c_int, ctypes.c_char_p, ctypes.c_int]),
            "alhpc_potential_name": (ctypes.c_int, [_handle, ctypes.c_char_p, ctypes.c_int]),
            "alhpc_evaluator_create": (ctypes.c_int, [_handle, ctypes.POINTER(_handle)]),
            "alhpc_evaluator_free": (ctypes.c_int, [_handle]),
            "alhpc_compute": (ctypes.c_int, [_handle, ctypes.c_int, _c_int_p, _c_double_p, _c_double_p, _c_double_p, _c_double_p]),
            "alhpc_compute_batch": (ctypes.c_int, [_handle, ctypes.c_int, _c_int_p, _c_int_p, _c_double_p, _c_double_p, _c_double_p, ctypes.c_int]),
            "alhpc_mc_create": (ctypes.c_int, [_handle, ctypes.POINTER(_handle)]),
            "alhpc_mc_free": (ctypes.c_int, [_handle]),
            "alhpc_mc_reset": (ctypes.c_int, [_handle, ctypes.c_int, _c_int_p, _c_double_p, _c_double_p]),
            "alhpc_mc_propose_move": (ctypes.c_int, [_handle, ctypes.c_int, ctypes.c_double, ctypes.c_double, ctypes.c_double, _c_double_p]),
            "alhpc_mc_propose_insert": (ctypes.c_int, [_handle, ctypes.c_int, ctypes.c_double, ctypes.c_double, ctypes.c_double, _c_double_p]),
            "alhpc_mc_propose_remove": (ctypes.c_int, [_handle, ctypes.c_int, _c_double_p]),
            "alhpc_mc_accept": (ctypes.c_int, [_handle]),
            "alhpc_mc_reject": (ctypes.c_int, [_handle]),
            "alhpc_mc_energy": (ctypes.c_int, [_handle, _c_double_p]),
            "alhpc_mc_count": (ctypes.c_int, [_handle, _c_int_p]),
            "alhpc_mc_positions": (ctypes.c_int, [_handle, _c_double_p, ctypes.c_int]),
        }
        for name, (res, args) in sig.items():
            f = getattr(lib, name)
            f.restype = res
            f.argtypes = args
        if lib.alhpc_abi_version() != ABI_VERSION:
            raise OSError(f"{library_path()}: ABI version {lib.alhpc_abi_version()}, this package needs {ABI_VERSION}")
        _lib = lib
        return lib


def _check(status):
    if status != 0:
        raise AlHpcError(status, _lib.alhpc_last_error().decode("utf-8", "replace"))


def version():
    """The library's program version string."""
    return _load().alhpc_version().decode()


def _dptr(a):
    return a.ctypes.data_as(_c_double_p)


def _iptr(a):
    return a.ctypes.data_as(_c_int_p)


def _positions(positions):
    p = np.ascontiguousarray(positions, dtype=np.float64)
    if p.ndim != 2 or p.shape[1] != 3:
        raise ValueError(f"positions must have shape (n, 3), not {p.shape}")
    return p


def _types(types, n):
    if types is None:
        return np.zeros(n, dtype=np.intc)
    t = np.ascontiguousarray(types, dtype=np.intc)
    if t.shape != (n,):
        raise ValueError(f"types must have shape ({n},), not {t.shape}")
    return t


class Potential:
    """A loaded potential (shareable between threads). Use the class methods to load one."""

    def __init__(self, handle):
        self._lib = _load()
        self._h = handle

    @classmethod
    def _make(cls, loader, *args):
        lib = _load()
        h = _handle()
        _check(getattr(lib, loader)(*args, ctypes.byref(h)))
        return cls(h)

    @classmethod
    def mlbop(cls):
        """The built-in ML-BOP coarse-grained water potential."""
        return cls._make("alhpc_potential_load_mlbop")

    @classmethod
    def tersoff(cls, path):
        """A LAMMPS pair_style tersoff file (single element)."""
        return cls._make("alhpc_potential_load_tersoff", os.fsencode(path))

    @classmethod
    def model(cls, path):
        """An AlHpc network model file."""
        return cls._make("alhpc_potential_load_model", os.fsencode(path))

    @property
    def cutoff(self):
        c = ctypes.c_double()
        _check(self._lib.alhpc_potential_cutoff(self._h, ctypes.byref(c)))
        return c.value

    @property
    def species(self):
        """Element symbols; an atom's type is its index in this list."""
        n = ctypes.c_int()
        _check(self._lib.alhpc_potential_species_count(self._h, ctypes.byref(n)))
        out = []
        for i in range(n.value):
            buf = ctypes.create_string_buffer(64)
            _check(self._lib.alhpc_potential_species(self._h, i, buf, 64))
            out.append(buf.value.decode())
        return out

    @property
    def name(self):
        buf = ctypes.create_string_buffer(256)
        _check(self._lib.alhpc_potential_name(self._h, buf, 256))
        return buf.value.decode()

    def evaluator(self):
        """A new evaluator (own workspace; use one per thread)."""
        return Evaluator(self)

    def mc_backend(self):
        """A new Monte Carlo energy backend (one per thread)."""
        return McBackend(self)

    def compute_batch(self, clusters, forces=True, threads=0):
        """Energies (and forces) of a list of (n_i, 3) position arrays, on all cores (threads <= 0)."""
        sizes = [len(c) for c in clusters]
        offsets = np.zeros(len(clusters) + 1, dtype=np.intc)
        offsets[1:] = np.cumsum(sizes)
        pos = _positions(np.concatenate([np.reshape(c, (-1, 3)) for c in clusters]) if clusters else np.zeros((0, 3)))
        types = np.zeros(len(pos), dtype=np.intc)
        e = np.zeros(len(clusters))
        f = np.zeros_like(pos) if forces else None
        _check(self._lib.alhpc_compute_batch(self._h, len(clusters), _iptr(offsets), _iptr(types), _dptr(pos),
                                             _dptr(e), _dptr(f) if forces else None, threads))
        if not forces:
            return e
        return e, [f[offsets[i]:offsets[i + 1]] for i in range(len(clusters))]

    def close(self):
        if self._h:
            self._lib.alhpc_potential_free(self._h)
            self._h = None

    __del__ = close

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class Evaluator:
    """Energy, forces and per-atom energies of one cluster at a time (not thread safe; one per thread)."""

    def __init__(self, potential):
        self._lib = _load()
        self.potential = potential  # keeps the potential object alive
        h = _handle()
        _check(self._lib.alhpc_evaluator_create(potential._h, ctypes.byref(h)))
        self._h = h

    def compute(self, positions, types=None, forces=True, energies=False):
        """Returns energy (eV), then forces ((n, 3) eV/A) if ``forces``, then per-atom energies if ``energies``."""
        p = _positions(positions)
        n = len(p)
        t = _types(types, n)
        e = ctypes.c_double()
        f = np.empty((n, 3)) if forces else None
        ea = np.empty(n) if energies else None
        _check(self._lib.alhpc_compute(self._h, n, _iptr(t), _dptr(p), ctypes.byref(e),
                                       _dptr(f) if forces else None, _dptr(ea) if energies else None))
        out = [e.value]
        if forces:
            out.append(f)
        if energies:
            out.append(ea)
        return out[0] if len(out) == 1 else tuple(out)

    def close(self):
        if self._h:
            self._lib.alhpc_evaluator_free(self._h)
            self._h = None

    __del__ = close


class McBackend:
    """The Monte Carlo energy backend protocol: reset, propose_* -> dE, then accept() or reject()."""

    def __init__(self, potential):
        self._lib = _load()
        self.potential = potential
        h = _handle()
        _check(self._lib.alhpc_mc_create(potential._h, ctypes.byref(h)))
        self._h = h
        self._d = ctypes.c_double()

    def reset(self, positions, types=None):
        p = _positions(positions)
        t = _types(types, len(p))
        e = ctypes.c_double()
        _check(self._lib.alhpc_mc_reset(self._h, len(p), _iptr(t), _dptr(p), ctypes.byref(e)))
        return e.value

    def propose_move(self, index, xyz):
        _check(self._lib.alhpc_mc_propose_move(self._h, index, float(xyz[0]), float(xyz[1]), float(xyz[2]), ctypes.byref(self._d)))
        return self._d.value

    def propose_insert(self, xyz, species=0):
        _check(self._lib.alhpc_mc_propose_insert(self._h, species, float(xyz[0]), float(xyz[1]), float(xyz[2]), ctypes.byref(self._d)))
        return self._d.value

    def propose_remove(self, index):
        _check(self._lib.alhpc_mc_propose_remove(self._h, index, ctypes.byref(self._d)))
        return self._d.value

    def accept(self):
        _check(self._lib.alhpc_mc_accept(self._h))

    def reject(self):
        _check(self._lib.alhpc_mc_reject(self._h))

    @property
    def energy(self):
        e = ctypes.c_double()
        _check(self._lib.alhpc_mc_energy(self._h, ctypes.byref(e)))
        return e.value

    @property
    def count(self):
        n = ctypes.c_int()
        _check(self._lib.alhpc_mc_count(self._h, ctypes.byref(n)))
        return n.value

    @property
    def positions(self):
        n = self.count
        out = np.empty((n, 3))
        _check(self._lib.alhpc_mc_positions(self._h, _dptr(out), n))
        return out

    def close(self):
        if self._h:
            self._lib.alhpc_mc_free(self._h)
            self._h = None

    __del__ = close
