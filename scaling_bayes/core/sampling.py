"""Sampler backends: nutpie when installed (measured fastest here), PyMC's own NUTS otherwise.

Choice by measurement (``benchmarks/bench_speed.py``, figures in ``benchmarks/README.md``): on the
245 Chinchilla runs, 4 chains x 1000 draws on 2 cores, nutpie with a low-rank-modified mass matrix
samples in under a second once compiled; PyMC's NUTS with a dense mass matrix takes about 10 s and
numpyro about 25 s. nutpie's cost is a one-off numba compilation of about 9 s per process, so the
compiled model is kept for the life of the process, keyed by everything but the data: a second fit
of the same law and priors only swaps the data in (:meth:`nutpie.CompiledPyMCModel.with_data`).

The PyMC model is written with every data-dependent quantity in ``pm.Data`` containers whose
shapes are free, which is what makes that swap possible.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable, Mapping
from importlib.util import find_spec

import numpy as np

from .exceptions import ConfigError

__all__ = ["SAMPLERS", "available_samplers", "resolve_sampler", "sample_posterior"]

SAMPLERS: tuple[str, ...] = ("auto", "nutpie", "pymc", "numpyro")

# Compiled nutpie models of this process, keyed by law, axes, priors and noise model.
_NUTPIE_CACHE: dict[str, object] = {}


def available_samplers() -> list[str]:
    """Backends that can run in this environment, fastest first."""
    out = []
    if find_spec("nutpie") is not None:
        out.append("nutpie")
    out.append("pymc")
    if find_spec("numpyro") is not None:
        out.append("numpyro")
    return out


def resolve_sampler(name: str) -> str:
    """Map ``"auto"`` to the fastest installed backend and check explicit choices."""
    if name not in SAMPLERS:
        raise ConfigError(f"unknown sampler {name!r}; choose one of {', '.join(SAMPLERS)}")
    have = available_samplers()
    if name == "auto":
        return have[0]
    if name not in have:
        hint = "pip install 'scaling_bayes[fast]'" if name == "nutpie" else f"pip install {name}"
        raise ConfigError(f"sampler {name!r} is not installed; {hint}, or use sampler='auto'")
    return name


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
):
    """Draw from the posterior of the model built by ``build_model`` with ``data`` set.

    Parameters
    ----------
    build_model : callable
        Returns a fresh ``pm.Model`` whose ``pm.Data`` containers are named as the keys of
        ``data``. Called once per process for nutpie (then cached), once per fit otherwise.
    data : mapping
        Values for the model's ``pm.Data`` containers.
    cache_key : str
        Identifies everything about the model except the data.

    Returns
    -------
    arviz.InferenceData
        With ``posterior`` and ``sample_stats`` (including ``diverging``).
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
    idata.posterior.attrs["sampler"] = backend
    return idata


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
        with warnings.catch_warnings():
            # numba reports that nutpie's C callbacks cannot be cached on disk; expected.
            warnings.simplefilter("ignore", category=Warning)
            compiled = nutpie.compile_pymc_model(build_model())
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
        low_rank_modified_mass_matrix=True,
        target_accept=target_accept,
    )


def clear_compiled_cache() -> None:
    """Forget compiled models (for benchmarks that measure compilation)."""
    _NUTPIE_CACHE.clear()


def _as_seed(random_seed: int | None) -> int:
    if random_seed is None:
        return int(np.random.default_rng().integers(2**31 - 1))
    if isinstance(random_seed, bool) or not isinstance(random_seed, int | np.integer):
        raise ConfigError(f"random_seed must be an integer or None, got {random_seed!r}")
    return int(random_seed)
