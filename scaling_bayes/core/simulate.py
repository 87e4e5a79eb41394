"""Simulate training runs from a known law: for examples, tests and calibration studies.

Noise is multiplicative, as in the model: ``log L_obs = log L + noise x eps`` with ``eps``
standard normal (or Student-t with ``nu`` degrees of freedom), so ``noise=0.01`` is about 1%
run-to-run scatter (seed-to-seed noise in the literature is 1-4%, Choshen et al. 2024).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from .constants import FLOPS_PER_PARAM_TOKEN
from .exceptions import DataError
from .likelihood import STUDENT_T_LOG_LOSS

__all__ = ["EPOCH_CHINCHILLA", "chinchilla_loss", "design_grid", "simulate_runs"]

#: Besiroglu et al. 2024 (Epoch AI, arXiv:2404.10102) refit of the Chinchilla runs: point estimates.
EPOCH_CHINCHILLA: dict[str, float] = {
    "E": 1.817,
    "A": 482.0,
    "B": 2085.0,
    "alpha": 0.348,
    "beta": 0.366,
}


def chinchilla_loss(
    params: ArrayLike,
    tokens: ArrayLike,
    *,
    E: float,
    A: float,
    B: float,
    alpha: float,
    beta: float,
) -> np.ndarray:
    """``L = E + A N^-alpha + B D^-beta`` (Hoffmann et al. 2022), vectorised.

    Examples
    --------
    >>> round(float(chinchilla_loss(7e10, 1.4e12, **EPOCH_CHINCHILLA)), 3)
    1.973
    """
    params = np.asarray(params, dtype=float)
    tokens = np.asarray(tokens, dtype=float)
    return E + A * params**-alpha + B * tokens**-beta


def design_grid(params: Sequence[float], tokens_per_param: Sequence[float]) -> pd.DataFrame:
    """Every combination of model size and tokens-per-parameter ratio, as ``params, tokens``.

    Examples
    --------
    >>> design_grid([1e7, 1e8], [10, 40]).shape
    (4, 2)
    """
    n, r = np.meshgrid(np.asarray(params, float), np.asarray(tokens_per_param, float))
    return pd.DataFrame({"params": n.ravel(), "tokens": (n * r).ravel()})


def simulate_runs(
    design: pd.DataFrame,
    *,
    law: dict[str, float] | None = None,
    noise: float = 0.01,
    nu: float | None = None,
    random_seed: int | None = None,
) -> pd.DataFrame:
    """Loss of each run of ``design`` under a Chinchilla law, with multiplicative noise.

    Parameters
    ----------
    design : DataFrame
        Columns ``params`` and ``tokens`` (raw counts).
    law : dict, optional
        ``E, A, B, alpha, beta``; defaults to :data:`EPOCH_CHINCHILLA`. Set ``B=0`` for a law
        in parameters only.
    noise : float
        Standard deviation of the log-loss noise (relative scatter).
    nu : float, optional
        Student-t degrees of freedom for heavy-tailed noise; normal noise when ``None``.

    Returns
    -------
    DataFrame
        ``params``, ``tokens``, ``compute`` (6ND), ``loss`` and ``loss_true`` (noise-free).
    """
    law = dict(EPOCH_CHINCHILLA if law is None else law)
    if noise < 0:
        raise DataError(f"noise must be >= 0 (a relative standard deviation), got {noise}")
    for column in ("params", "tokens"):
        if column not in design.columns:
            raise DataError(f"design needs a '{column}' column (raw counts)")
    rng = np.random.default_rng(random_seed)
    true = chinchilla_loss(design["params"].to_numpy(), design["tokens"].to_numpy(), **law)
    out = design[["params", "tokens"]].astype(float).reset_index(drop=True)
    out["compute"] = FLOPS_PER_PARAM_TOKEN * out["params"] * out["tokens"]
    out["loss"] = STUDENT_T_LOG_LOSS.random(rng, mean=true, noise={"sigma": noise, "nu": nu})
    out["loss_true"] = true
    return out
