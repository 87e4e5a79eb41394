"""Plain helpers shared by test modules (fixtures live in conftest.py)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

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
