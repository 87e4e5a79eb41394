"""Compiled nutpie models kept on disk, so a new process does not pay numba's compilation again.

nutpie turns a PyMC model into two numba C callbacks (log density with gradient, and the
"expand" function that adds deterministics). Building them costs about 10 s on 2 cores, every
process: nutpie compiles the callbacks from closures, which numba's own cache cannot key, so
nothing is reused. Here the same callbacks are built (with nutpie's own helpers), and numba's
serialised compile result of each (object code plus the metadata numba needs to reload it, the
form numba's ``cache=True`` writes) is saved in one file per model, together with what nutpie
needs around them (dimensions, variable shapes, the names and ranks of the data containers, the
initial point). A later process loads the file and rebuilds the sampler-ready model in well under
a second, without building the PyMC model or its PyTensor graph.

The file's name is a hash of everything that could change the compiled code: the model key
(law, axes, priors, noise model), the backend, the versions of this package and of the compiling
stack (nutpie, numba, llvmlite, PyTensor, PyMC, numpy, Python) and numba's target description
(CPU name and features), so a cache shared between machines or kept across upgrades never
serves code built for something else. A file that cannot be read is deleted and the model is
compiled again; files are written to a temporary name and renamed, so concurrent writers
(process-pool workers) never leave a half-written entry.

Where the files go: ``$SCALING_BAYES_CACHE_DIR`` if set (``off`` disables the disk cache),
else the platform's user cache folder (``$XDG_CACHE_HOME/scaling_bayes`` or
``~/.cache/scaling_bayes`` on Linux, ``~/Library/Caches/scaling_bayes`` on macOS,
``%LOCALAPPDATA%\\scaling_bayes`` on Windows), in a ``compiled`` subfolder.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import pickle
import platform
import sys
import tempfile
from collections.abc import Callable
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import numpy as np

__all__ = [
    "CACHE_ENV_VAR",
    "cache_dir",
    "cache_key",
    "compile_nutpie_model",
    "library_versions",
    "load_entry",
    "store_entry",
]

_log = logging.getLogger(__name__)

#: Environment variable naming the cache folder; the value ``off`` disables the disk cache.
CACHE_ENV_VAR = "SCALING_BAYES_CACHE_DIR"

# Bumped whenever the layout of a cache entry changes; part of every key.
_FORMAT = 1

#: Entries kept (about 1 MB each); the least recently used beyond this are deleted on write.
MAX_ENTRIES = 100

# Libraries whose versions can change the compiled code or the way it is reloaded.
_STACK = ("scaling_bayes", "nutpie", "numba", "llvmlite", "pytensor", "pymc", "numpy", "pandas")


def cache_dir() -> Path | None:
    """The folder of compiled models, or ``None`` when the disk cache is disabled.

    Examples
    --------
    >>> from unittest import mock
    >>> with mock.patch.dict(os.environ, {"SCALING_BAYES_CACHE_DIR": "off"}):
    ...     print(cache_dir())
    None
    >>> with mock.patch.dict(os.environ, {"SCALING_BAYES_CACHE_DIR": "/tmp/sb-cache"}):
    ...     print(cache_dir().as_posix())
    /tmp/sb-cache/compiled
    """
    override = os.environ.get(CACHE_ENV_VAR)
    if override is not None and override.strip():
        if override.strip().lower() == "off":
            return None
        return Path(override).expanduser() / "compiled"
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local")
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Caches"
    else:
        xdg = os.environ.get("XDG_CACHE_HOME")
        # The XDG spec says a relative path is invalid and must be ignored.
        base = Path(xdg) if xdg and Path(xdg).is_absolute() else Path.home() / ".cache"
    return base / "scaling_bayes" / "compiled"


def library_versions() -> dict[str, str]:
    """Versions of the compiling stack and the platform, as they enter the cache key."""
    out = {}
    for name in _STACK:
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = "absent"
    out["python"] = sys.version.split()[0]
    out["machine"] = f"{sys.platform}-{platform.machine()}"
    return out


def cache_key(model_key: str, backend: str, versions: dict | None = None) -> str:
    """Hash identifying a compiled model: model key, backend, versions and the CPU target.

    Examples
    --------
    >>> v = {"numba": "0.65.1"}
    >>> cache_key("chinchilla|weak", "nutpie-numba", v) == cache_key(
    ...     "chinchilla|weak", "nutpie-numba", v)
    True
    >>> cache_key("chinchilla|weak", "nutpie-numba", v) == cache_key(
    ...     "chinchilla|literature", "nutpie-numba", v)
    False
    """
    versions = library_versions() if versions is None else versions
    text = json.dumps(
        {"format": _FORMAT, "model": model_key, "backend": backend, "versions": versions},
        sort_keys=True,
    )
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def load_entry(key: str, folder: Path | None) -> dict | None:
    """The stored entry for ``key``, or ``None`` (absent, disabled, or unreadable: then removed)."""
    if folder is None:
        return None
    path = folder / f"{key}.pkl"
    try:
        with open(path, "rb") as fh:
            entry = pickle.load(fh)
        if not isinstance(entry, dict) or entry.get("key") != key:
            raise ValueError("entry does not match its key")
        _touch(path)
        return entry
    except FileNotFoundError:
        return None
    except Exception as exc:  # any damage means "compile again", never a crash
        _log.info("discarding unreadable compiled-model cache entry %s: %r", path, exc)
        _remove(path)
        return None


def store_entry(key: str, folder: Path | None, entry: dict) -> Path | None:
    """Write ``entry`` atomically (temporary file, then rename); return its path.

    A folder that cannot be written (read-only home, full disk) only loses the cache: the error
    is logged and ``None`` returned.
    """
    if folder is None:
        return None
    path = folder / f"{key}.pkl"
    tmp = None
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{key}.", suffix=".tmp", dir=folder)
        with os.fdopen(fd, "wb") as fh:
            pickle.dump({**entry, "key": key}, fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
        _prune(folder, MAX_ENTRIES)
        return path
    except Exception as exc:  # a cache that cannot be written is only slower
        _log.info("could not write compiled-model cache entry %s: %r", path, exc)
        if tmp is not None:
            _remove(Path(tmp))
        return None


def _touch(path: Path) -> None:
    """Mark an entry as used (its modification time orders the pruning)."""
    try:
        os.utime(path)
    except OSError:
        pass


def _prune(folder: Path, keep: int) -> None:
    """Delete the least recently used entries beyond ``keep`` (old versions, old priors)."""
    try:
        entries = sorted(folder.glob("*.pkl"), key=lambda p: p.stat().st_mtime, reverse=True)
    except OSError:
        return
    for path in entries[keep:]:
        _remove(path)


def _remove(path: Path) -> None:
    try:
        path.unlink()
    except OSError:
        pass


# ---------------------------------------------------------------------- nutpie (numba backend)
class _InitialPoint:
    """Start of a chain: the priors' support point, jittered by U(-1, 1) in sampling space.

    The same rule as PyMC's default (``jitter+support_point``), written without PyTensor so a
    model loaded from the cache needs no graph; used on every path, so a seed gives the same
    draws whether the model was compiled now or loaded.
    """

    def __init__(self, support_point: np.ndarray):
        self.support_point = np.asarray(support_point, dtype=float)

    def __call__(self, seed=None) -> np.ndarray:
        rng = np.random.default_rng(seed)
        jitter = rng.uniform(-1.0, 1.0, size=self.support_point.shape)
        return np.ascontiguousarray(self.support_point + jitter)


class _Capture:
    """Stands in for numba's cache of one C callback: loads a given result, keeps a new one."""

    def __init__(self, payload: tuple | None = None):
        self.payload = payload
        self.cres = None

    def load_overload(self, sig, target_context):
        if self.payload is None:
            return None
        from numba.core.compiler import CompileResult

        return CompileResult._rebuild(target_context, *self.payload)

    def save_overload(self, sig, cres):
        self.cres = cres


def _cfunc(pyfunc, signature, payload=None):
    """A numba C callback of ``pyfunc``: compiled now, or rebuilt from a stored payload."""
    from numba.core import sigutils
    from numba.core.ccallback import CFunc

    func = CFunc(pyfunc, sigutils.normalize_signature(signature), locals={}, options={})
    capture = _Capture(payload)
    func._cache = capture
    func.compile()
    if payload is None:
        library = capture.cres.library
        if library.has_dynamic_globals or capture.cres.lifted:
            # Code pointing at this process's memory must never be reloaded elsewhere.
            return func, None
        return func, capture.cres._reduce()
    return func, payload


def _signatures():
    import numba

    logp = numba.types.int64(
        numba.types.uint64,
        numba.types.CPointer(numba.types.double),
        numba.types.CPointer(numba.types.double),
        numba.types.CPointer(numba.types.double),
        numba.types.voidptr,
    )
    expand = numba.types.int64(
        numba.types.uint64,
        numba.types.uint64,
        numba.types.CPointer(numba.types.double),
        numba.types.CPointer(numba.types.double),
        numba.types.voidptr,
    )
    return logp, expand


def _placeholder(dim, x_, out_, logp_, user_data_):  # pragma: no cover - never executed
    """Named stand-in for a C callback rebuilt from the cache (numba needs a Python function)."""
    return -1


class _SharedStandIn:
    """Stands in for a PyTensor shared variable in nutpie's key map: its name and rank.

    nutpie 0.16.11 maps each ``pm.Data`` container's variable to the key its callbacks read it
    by, and ``with_data`` finds the container by ``var.name``; a model rebuilt from the cache
    has no PyTensor graph, so this carries just what nutpie reads.
    """

    def __init__(self, name: str, ndim: int):
        self.name = name
        self.ndim = ndim


def _keyed_api() -> bool:
    """Whether this nutpie keys shared data by variable (0.16.11) rather than by name (0.16.8)."""
    from nutpie.compile_pymc import CompiledPyMCModel

    return "shared_var_keys" in CompiledPyMCModel.__dataclass_fields__


def _user_data(shared_data: dict, keyed: bool):
    """nutpie's record of the shared data, and the key map ``CompiledPyMCModel`` takes (0.16.11)."""
    from nutpie.compile_pymc import make_user_data

    if not keyed:
        return make_user_data(shared_data, shared_data), {}
    # The keys are the containers' names: they name the record's fields the callbacks read.
    keys = {_SharedStandIn(name, value.ndim): name for name, value in shared_data.items()}
    return make_user_data(keys, shared_data), {"shared_var_keys": keys}


def _assemble(meta: dict, logp_func, expand_func):
    """The nutpie ``CompiledPyMCModel`` from the callbacks and the stored description."""
    from nutpie.compile_pymc import CompiledPyMCModel

    shared_data = {}
    for name, stored in meta["shared"].items():
        value = np.array(stored, order="C", copy=True)
        value.flags.writeable = False
        shared_data[name] = value
    keyed = _keyed_api()
    user_data, extra = _user_data(shared_data, keyed)
    if keyed:
        extra["reparameterized_names"] = list(meta.get("reparameterized", []))
    shape_info = meta["shape_info"]
    return CompiledPyMCModel(
        _n_dim=meta["n_dim"],
        dims=meta["dims"],
        _coords=meta["coords"],
        _shapes={name: tuple(shape) for name, _, shape in zip(*shape_info, strict=True)},
        compiled_logp_func=logp_func,
        compiled_expand_func=expand_func,
        initial_point_func=_InitialPoint(meta["support_point"]),
        shared_data=shared_data,
        user_data=user_data,
        n_expanded=meta["n_expanded"],
        shape_info=shape_info,
        logp_func=None,
        expand_func=None,
        **extra,
    )


def _compile_fresh(pm_model):
    """Compile the callbacks as nutpie does; return the model and a cache entry (or None)."""
    import numba
    from nutpie import compile_pymc as cp
    from pymc.initial_point import make_initial_point_fn

    made = cp._make_functions(
        pm_model,
        mode="NUMBA",
        compute_grad=True,
        join_expanded=True,
        pymc_initial_point_fn=lambda seed: {},
    )
    n_dim, n_expanded, logp_pt, expand_pt, _, shape_info = made[:6]
    # nutpie 0.16.11 adds the names of reparameterised variables (PyMC 6).
    reparameterized = list(made[6]) if len(made) > 6 else None
    shared_data, shared_vars = {}, {}
    for var in [*logp_pt.get_shared(), *expand_pt.get_shared()]:
        if var.name in shared_vars and shared_vars[var.name] is not var:
            raise ValueError(f"shared variables must have unique names: {var.name}")
        value = np.array(var.get_value(), order="C", copy=True)
        value.flags.writeable = False
        shared_data[var.name] = value
        shared_vars[var.name] = var
    keyed = _keyed_api()
    user_data, _ = _user_data(shared_data, keyed)
    logp_raw, _ = cp._make_c_logp_func(
        n_dim,
        logp_pt.vm.jit_fn,
        user_data,
        [v.name for v in logp_pt.get_shared()],
        shared_data,
    )
    expand_raw, _ = cp._make_c_expand_func(
        n_dim,
        n_expanded,
        expand_pt.vm.jit_fn,
        user_data,
        [v.name for v in expand_pt.get_shared()],
        shared_data,
    )
    logp_sig, expand_sig = _signatures()
    del numba  # imported above so that a missing numba fails before any work
    logp_func, logp_payload = _cfunc(logp_raw, logp_sig)
    expand_func, expand_payload = _cfunc(expand_raw, expand_sig)

    point = make_initial_point_fn(
        model=pm_model, jitter_rvs=set(), return_transformed=True, default_strategy="support_point"
    )(0)
    names, slices, _ = shape_info
    support = np.zeros(n_dim)
    for name, where in zip(names, slices, strict=True):
        if where.stop <= n_dim:
            support[where] = np.ravel(point[name])
    if reparameterized is None:
        dims, coords = cp._prepare_dims_and_coords(pm_model, shape_info)
    else:
        dims, coords = cp._prepare_dims_and_coords(pm_model, shape_info, reparameterized)
    meta = {
        "n_dim": n_dim,
        "n_expanded": n_expanded,
        "shape_info": shape_info,
        "dims": dims,
        "coords": coords,
        "support_point": support,
        # The containers' placeholder values, in the order the callbacks read them.
        "shared": {name: np.array(v) for name, v in shared_data.items()},
        "reparameterized": reparameterized or [],
    }
    compiled = _assemble(meta, logp_func, expand_func)
    entry = None
    if logp_payload is not None and expand_payload is not None:
        entry = {"meta": meta, "logp": logp_payload, "expand": expand_payload}
    return compiled, entry


def _from_entry(entry: dict):
    from numba.core.registry import cpu_target
    from numba.core.runtime import rtsys

    # numba links its runtime (NRT_Allocate ...) only before its first compilation; code
    # reloaded in a process that compiled nothing yet needs it, or LLVM aborts the process
    # (seen with numba 0.68 and PyTensor 3, whose generated code allocates through it).
    rtsys.initialize(cpu_target.target_context)
    logp_sig, expand_sig = _signatures()
    logp_func, _ = _cfunc(_placeholder, logp_sig, entry["logp"])
    expand_func, _ = _cfunc(_placeholder, expand_sig, entry["expand"])
    return _assemble(entry["meta"], logp_func, expand_func)


def compile_nutpie_model(build_model: Callable[[], object], model_key: str) -> tuple[Any, str]:
    """A nutpie model for ``build_model()``: from the disk cache if there, else compiled and saved.

    Parameters
    ----------
    build_model : callable
        Returns the ``pm.Model``; only called on a cache miss.
    model_key : str
        Everything about the model except its data (law, axes, priors, noise model).

    Returns
    -------
    compiled : nutpie.compile_pymc.CompiledPyMCModel
        Give it data with ``compiled.with_data(...)`` before sampling.
    source : {"disk", "compiled"}
        Where it came from.
    """
    folder = cache_dir()
    key = cache_key(model_key, "nutpie-numba", {**library_versions(), "target": _target()})
    entry = load_entry(key, folder)
    if entry is not None:
        try:
            return _from_entry(entry), "disk"
        except Exception as exc:  # a stale or damaged entry: compile instead
            _log.info("compiled-model cache entry %s unusable, recompiling: %r", key, exc)
            if folder is not None:  # always, since an entry was read from it
                _remove(folder / f"{key}.pkl")
    compiled, new_entry = _compile_fresh(build_model())
    if new_entry is not None:
        store_entry(key, folder, new_entry)
    return compiled, "compiled"


def _target() -> str:
    """numba's description of the code it generates here (triple, CPU name and features)."""
    from numba.core.registry import cpu_target

    return repr(cpu_target.target_context.codegen().magic_tuple())
