"""Sampler backends: nutpie by default (a core dependency), PyMC's own NUTS as the fallback.

Choice by measurement (``benchmarks/bench_speed.py``, figures in ``benchmarks/README.md``): on the
245 Chinchilla runs, 4 chains x (1000 tune + 2000 draws) on 2 cores, nutpie with a
low-rank-modified mass matrix samples in about a second once compiled; PyMC's NUTS with a dense
mass matrix takes about 27 times as long (32 s against 1.2 s), numpyro longer still.

nutpie's cost is compiling the model with numba, about 10 s. It is paid once per machine, not
once per process: the compiled model is kept in memory for the life of the process and on disk
(:mod:`scaling_bayes.core.compile_cache`) for later processes and process-pool workers, keyed by
everything but the data. A later fit of the same law and priors only swaps the data in
(``CompiledPyMCModel.with_data``); the PyMC model is written with every data-dependent quantity
in ``pm.Data`` containers of free shape, which is what makes that swap possible.

If nutpie cannot be imported, ``sampler="auto"`` falls back to PyMC's NUTS and says so once per
process with a :class:`SlowSamplerWarning`.
"""

from __future__ import annotations

import functools
import logging
import os
import warnings
from collections.abc import Callable, Mapping
from importlib.util import find_spec

import numpy as np

from . import _arviz as az
from .exceptions import ConfigError, ScalingBayesWarning

__all__ = [
    "SAMPLERS",
    "SlowSamplerWarning",
    "available_samplers",
    "clear_compiled_cache",
    "ensure_compiled",
    "resolve_sampler",
    "sample_posterior",
]

_log = logging.getLogger(__name__)

SAMPLERS: tuple[str, ...] = ("auto", "nutpie", "pymc", "numpyro")

#: The fix named when nutpie is missing (the range pyproject.toml requires for this ArviZ).
NUTPIE_REQUIREMENT = "nutpie>=0.16.9,<0.17" if az.ARVIZ_1 else "nutpie>=0.16,<0.17"

# Compiled nutpie models of this process, keyed by law, axes, priors and noise model.
_NUTPIE_CACHE: dict[str, object] = {}

# Set once the fallback warning has been issued in this process.
_FALLBACK_WARNED: list[bool] = [False]


class SlowSamplerWarning(ScalingBayesWarning):
    """The fast sampler (nutpie) is unavailable, so fits use PyMC's much slower NUTS."""


@functools.cache
def _nutpie_import_error() -> str | None:
    """Why nutpie cannot be imported here, or ``None`` when it can (checked once per process)."""
    if find_spec("nutpie") is None:
        return "nutpie is not installed"
    try:
        import nutpie  # noqa: F401
    except Exception as exc:  # a broken install is reported, not raised
        return f"importing nutpie failed ({type(exc).__name__}: {exc})"
    return None


def available_samplers() -> list[str]:
    """Backends that can run in this environment, fastest first."""
    out = []
    if _nutpie_import_error() is None:
        out.append("nutpie")
    out.append("pymc")
    if find_spec("numpyro") is not None:
        out.append("numpyro")
    return out


def resolve_sampler(name: str) -> str:
    """Map ``"auto"`` to the fastest installed backend and check explicit choices.

    Falling back from nutpie to PyMC's NUTS under ``"auto"`` issues a
    :class:`SlowSamplerWarning` the first time in a process.

    Examples
    --------
    >>> resolve_sampler("pymc")
    'pymc'
    """
    if name not in SAMPLERS:
        raise ConfigError(f"unknown sampler {name!r}; choose one of {', '.join(SAMPLERS)}")
    have = available_samplers()
    if name == "auto":
        if have[0] != "nutpie":
            _warn_fallback(_nutpie_import_error())
        return have[0]
    if name not in have:
        hint = (
            f"pip install '{NUTPIE_REQUIREMENT}' ({_nutpie_import_error()})"
            if name == "nutpie"
            else f"pip install {name}"
        )
        raise ConfigError(f"sampler {name!r} is not installed; {hint}, or use sampler='auto'")
    return name


def _warn_fallback(reason: str | None) -> None:
    if _FALLBACK_WARNED[0]:
        return
    _FALLBACK_WARNED[0] = True
    warnings.warn(
        f"{reason}, so fits use PyMC's own NUTS sampler, which is about 27x slower per warm fit "
        "(32 s against 1.2 s for the 245 Chinchilla runs on 2 cores). "
        f"Fix: pip install '{NUTPIE_REQUIREMENT}' (a dependency of scaling_bayes that failed "
        "to install), or pass sampler='pymc' to choose PyMC's sampler on purpose and silence "
        "this warning.",
        SlowSamplerWarning,
        stacklevel=5,  # the user's call of fit (through resolve_sampler, sample_posterior)
    )


def sample_posterior(
    build_model: Callable[[], object],
    data: Mapping[str, np.ndarray],
    *,
    cache_key: str,
    sampler: str,
    draws: int,
    tune: int,
    chains: int,
    cores: int | None,
    target_accept: float,
    random_seed: int | None,
    progressbar: bool,
) -> az.InferenceData:
    """Draw from the posterior of the model built by ``build_model`` with ``data`` set.

    Parameters
    ----------
    build_model : callable
        Returns a fresh ``pm.Model`` whose ``pm.Data`` containers are named as the keys of
        ``data``. For nutpie called only when neither this process nor the disk cache
        has the compiled model; once per fit for the other backends.
    data : mapping
        Values for the model's ``pm.Data`` containers.
    cache_key : str
        Identifies everything about the model except the data.

    Returns
    -------
    arviz.InferenceData or xarray.DataTree
        The installed ArviZ generation's object (see :mod:`scaling_bayes.core._arviz`), with
        ``posterior`` and ``sample_stats`` (including ``diverging``).
    """
    backend = resolve_sampler(sampler)
    cores = min(chains, os.cpu_count() or 1) if cores is None else cores
    seed = _as_seed(random_seed)
    if backend == "nutpie":
        idata = _sample_nutpie(
            build_model,
            data,
            cache_key,
            draws,
            tune,
            chains,
            cores,
            target_accept,
            seed,
            progressbar,
        )
    else:
        idata = _sample_pymc(
            backend, build_model, data, draws, tune, chains, cores, target_accept, seed, progressbar
        )
    # PyMC and nutpie return the installed ArviZ's object (InferenceData under ArviZ 0.x, an
    # xarray DataTree under ArviZ 1.x); as_idata only converts a mismatch.
    idata = _text_statistics(az.as_idata(idata))
    idata.posterior.attrs["sampler"] = backend
    return idata


def _text_statistics(idata):
    """``idata`` with sampler statistics of Python objects stored as text ("" for None).

    nutpie 0.16.11 records a ``divergence_message`` per draw: ``None``, or the reason of a
    divergence. netCDF has no type for such a column (it reads ``None`` back as NaN), so it
    becomes text here, which saves and reads back unchanged and keeps the file's content hash
    valid.
    """
    if not az.has_group(idata, "sample_stats"):
        return idata
    stats = az.group(idata, "sample_stats")
    objects = [name for name, var in stats.data_vars.items() if var.dtype.kind == "O"]
    if not objects:
        return idata
    for name in objects:
        flat = ["" if v is None else str(v) for v in stats[name].values.reshape(-1)]
        stats[name] = stats[name].copy(data=np.array(flat, dtype=str).reshape(stats[name].shape))
    groups = {name: az.group(idata, name) for name in az.groups(idata)}
    groups["sample_stats"] = stats
    return az.from_groups(**groups)


def _sample_pymc(
    backend, build_model, data, draws, tune, chains, cores, target_accept, seed, progressbar
):
    import pymc as pm

    model = build_model()
    with model:
        pm.set_data(dict(data))
    kwargs = dict(
        draws=draws,
        tune=tune,
        chains=chains,
        cores=cores,
        random_seed=seed,
        progressbar=progressbar,
        compute_convergence_checks=False,
        model=model,
        target_accept=target_accept,
    )
    if backend == "numpyro":
        return pm.sample(nuts_sampler="numpyro", **kwargs)
    # A dense mass matrix removes the remaining linear correlation between the coordinates.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="QuadPotentialFullAdapt is an experimental")
        return pm.sample(init="jitter+adapt_full", **kwargs)


def _sample_nutpie(
    build_model, data, cache_key, draws, tune, chains, cores, target_accept, seed, progressbar
):
    import nutpie

    compiled = _NUTPIE_CACHE.get(cache_key)
    if compiled is None:
        compiled = _compile_nutpie(build_model, cache_key)
        _NUTPIE_CACHE[cache_key] = compiled
    compiled = compiled.with_data(**{k: np.asarray(v, dtype=float) for k, v in data.items()})
    return nutpie.sample(
        compiled,
        draws=draws,
        tune=tune,
        chains=chains,
        cores=cores,
        seed=seed,
        progress_bar=progressbar,
        save_warmup=False,
        target_accept=target_accept,
        **_low_rank_mass_matrix(nutpie.sample),
    )


def _low_rank_mass_matrix(sample) -> dict:
    """nutpie's switch for the low-rank-modified mass matrix, in the release's own spelling.

    Later 0.16 releases (0.16.11 has it) renamed ``low_rank_modified_mass_matrix=True`` to
    ``adaptation="low_rank"`` and deprecated the old name.
    """
    import inspect

    if "adaptation" in inspect.signature(sample).parameters:
        return {"adaptation": "low_rank"}
    return {"low_rank_modified_mass_matrix": True}


def _compile_nutpie(build_model, cache_key):
    """The compiled model: from the disk cache, else compiled (and stored for later processes)."""
    from .compile_cache import compile_nutpie_model

    try:
        with warnings.catch_warnings():
            # numba and PyTensor talk about their own caches while compiling; nothing to act on.
            warnings.simplefilter("ignore", category=Warning)
            compiled, source = compile_nutpie_model(build_model, cache_key)
        _log.info("nutpie model %s: %s", cache_key, source)
        return compiled
    except Exception as exc:  # the cached route relies on nutpie internals
        # A nutpie release that moved those internals must cost speed, not the fit.
        _log.info("cached compilation unavailable (%r); compiling with nutpie directly", exc)
    import nutpie

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", category=Warning)
        return nutpie.compile_pymc_model(build_model())


def ensure_compiled(build_model: Callable[[], object], *, cache_key: str, sampler: str) -> str:
    """Compile (or load) a model now, so later fits here and in new processes skip compiling.

    Call it once in the parent before starting a process pool: each worker then loads the
    compiled model from the disk cache (well under a second) instead of compiling it (about
    10 s). Returns the backend ``sampler`` resolves to; only nutpie compiles ahead.
    """
    backend = resolve_sampler(sampler)
    if backend == "nutpie" and cache_key not in _NUTPIE_CACHE:
        _NUTPIE_CACHE[cache_key] = _compile_nutpie(build_model, cache_key)
    return backend


def clear_compiled_cache() -> None:
    """Forget this process's compiled models (the disk cache stays; see ``compile_cache``)."""
    _NUTPIE_CACHE.clear()


def _as_seed(random_seed: int | None) -> int:
    if random_seed is None:
        return int(np.random.default_rng().integers(2**31 - 1))
    if isinstance(random_seed, bool) or not isinstance(random_seed, int | np.integer):
        raise ConfigError(f"random_seed must be an integer or None, got {random_seed!r}")
    return int(random_seed)
