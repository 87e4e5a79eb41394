"""Plain helpers shared by test modules (fixtures live in conftest.py)."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from types import ModuleType

import numpy as np
import pandas as pd
import pytest
from scipy import stats

#: Real public measurements live beside the project, never inside it (see ../shared/data/README.md).
SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"

#: Epoch AI's refit of the Chinchilla law (Besiroglu et al. 2024, arXiv:2404.10102), used as
#: "truth" in hand-built posteriors.
TRUE_LAW = {"E": 1.817, "A": 482.0, "alpha": 0.348, "B": 2085.0, "beta": 0.366}


#: The learning curve the bundled inspection data were simulated from (scaling_bayes.datasets),
#: as draws of the saturating law the example fits: a ceiling well above the data and a sharp
#: shape make it the power law E + A n^-alpha over the data's range (within 0.3%).
INSPECTION_LAW = {
    "E": 0.055,
    "A": 6.05,
    "alpha": 0.59,
    "ceiling": 0.8,
    "shape": 3.0,
    "sigma": 0.04,
}


#: The benchmark scripts (not a package: they import each other by file name).
BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"


def import_benchmark(name: str) -> ModuleType:
    """Import ``benchmarks/<name>.py`` (with its folder on ``sys.path`` only while importing)."""
    sys.path.insert(0, str(BENCHMARKS))
    try:
        return importlib.import_module(name)
    finally:
        sys.path.remove(str(BENCHMARKS))


def shared_data_path(*parts: str) -> Path:
    """Path under ../shared/data, or skip the test when the folder is absent (a user's clone)."""
    path = SHARED_DATA.joinpath(*parts)
    if not path.exists():
        pytest.skip(
            f"{path} is absent: the public measurements live in ../shared/data beside the project"
        )
    return path


def hand_built_draws(spread: float = 0.02, chains: int = 4, draws: int = 500, seed: int = 0, **law):
    """Posterior-like draws scattered around a known law (published parameterisation)."""
    rng = np.random.default_rng(seed)
    values = {**TRUE_LAW, "sigma": 0.01, **law}
    return {k: v * np.exp(spread * rng.standard_normal((chains, draws))) for k, v in values.items()}


def two_axis_runs(n: int = 30, noise: float = 0.005, seed: int = 0) -> pd.DataFrame:
    """``n`` runs of a Chinchilla-like law on params and tokens (three tokens-per-parameter
    ratios), with log-normal noise: the runs the form-mixture tests fit."""
    rng = np.random.default_rng(seed)
    params = np.geomspace(1e7, 1e9, n)
    tokens = params * rng.choice([5.0, 20.0, 80.0], size=n)
    loss = 1.8 + 400 * params**-0.34 + 2000 * tokens**-0.37
    return pd.DataFrame(
        {"params": params, "tokens": tokens, "loss": loss * np.exp(noise * rng.standard_normal(n))}
    )


def potential_and_expected(fn, point, names, priors, *extra) -> tuple[float, float, list]:
    """What a reparameterised law adds to the log density at ``point``, and what it should add.

    ``fn(*point, *extra)`` returns the natural parameters ``names`` and then the potential. The
    expected value is the log prior of the natural parameters (Beta or log-normal, as
    ``priors`` says) plus log |det d natural / d latent|, by central finite differences.
    Returns ``(potential, expected, natural)``.
    """
    *natural, potential = fn(*point, *extra)
    jac = np.empty((len(names), len(point)))
    h = 1e-6
    for j in range(len(point)):
        up, down = point.copy(), point.copy()
        up[j] += h
        down[j] -= h
        jac[:, j] = (np.array(fn(*up, *extra)[:-1]) - np.array(fn(*down, *extra)[:-1])) / (2 * h)
    expected = float(np.log(abs(np.linalg.det(jac))))
    for name, value in zip(names, natural, strict=True):
        p = priors[name]
        if p.distribution == "Beta":
            expected += stats.beta(p.parameters["alpha"], p.parameters["beta"]).logpdf(value)
        else:
            mu, sigma = p.parameters["mu"], p.parameters["sigma"]
            expected += stats.lognorm(s=sigma, scale=np.exp(mu)).logpdf(value)
    return float(potential), expected, natural


def simulated_data(n_runs: int = 40, seed: int = 0, noise: float = 0.01):
    """``n_runs`` runs simulated from :data:`TRUE_LAW` (log-uniform sizes, three
    tokens-per-parameter ratios), as ScalingData with compute given."""
    import scaling_bayes as sb

    rng = np.random.default_rng(seed)
    params = np.exp(rng.uniform(np.log(1e7), np.log(1e10), n_runs))
    ratio = rng.choice([5.0, 20.0, 80.0], n_runs)
    runs = sb.simulate_runs(
        pd.DataFrame({"params": params, "tokens": params * ratio}),
        law=TRUE_LAW,
        noise=noise,
        random_seed=seed,
    )
    return sb.ScalingData.from_frame(runs.drop(columns="loss_true"), compute="compute")


def form_decision(model, ladder, seed: int = 0) -> dict:
    """``form_check`` and ``form_ladder`` for ``RiskMemo``, as ``scaling-bayes review`` makes
    them: the form mixture's forecasts at the ladder's scales, and the same plans, threshold
    and targets compared on those forecasts."""
    import scaling_bayes as sb

    axes = ("params", "tokens") if model.law == "chinchilla" else (model.x,)
    check = sb.form_check(
        model, random_seed=seed, **{a: ladder.table[a].to_numpy(float) for a in axes}
    )
    form_ladder = sb.compare_scales(
        check.forecast,
        [d.plan for d in ladder.draws],
        threshold=ladder.threshold,
        random_seed=seed,
        payback_target=ladder.payback_target,
        kpi_target=ladder.kpi_target,
    )
    return {"form_check": check, "form_ladder": form_ladder}
