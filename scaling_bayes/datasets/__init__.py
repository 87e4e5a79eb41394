"""The example dataset bundled with the package.

``pilot_runs.csv`` is what a company's proof of concept might produce: 15 small language-model
runs (20M to 700M parameters, 10 to 40 tokens per parameter), simulated with
:func:`scaling_bayes.core.simulate.simulate_runs` from Epoch AI's published refit of the Chinchilla
law (Besiroglu et al. 2024: E = 1.817, A = 482.0, B = 2085, alpha = 0.348, beta = 0.366) with 1%
multiplicative noise and seed 2024. Regenerate it with ``python -m scaling_bayes.datasets``; a
test checks that the bundled file is exactly what that command writes.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pandas as pd

__all__ = ["EXAMPLE_SEED", "load_example", "make_example"]

EXAMPLE_SEED = 2024
EXAMPLE_PARAMS = (2e7, 5e7, 1.2e8, 3e8, 7e8)
EXAMPLE_TOKENS_PER_PARAM = (10.0, 20.0, 40.0)


def make_example() -> pd.DataFrame:
    """Simulate the example runs (see the module docstring for the recipe)."""
    from ..core.simulate import design_grid, simulate_runs

    design = design_grid(EXAMPLE_PARAMS, EXAMPLE_TOKENS_PER_PARAM)
    runs = simulate_runs(design, noise=0.01, random_seed=EXAMPLE_SEED)
    runs.insert(0, "run", [f"pilot-{i + 1:02d}" for i in range(len(runs))])
    return runs.drop(columns=["loss_true"])


def load_example() -> pd.DataFrame:
    """The bundled proof-of-concept runs: ``run, params, tokens, compute, loss``.

    Examples
    --------
    >>> runs = load_example()
    >>> list(runs.columns), len(runs)
    (['run', 'params', 'tokens', 'compute', 'loss'], 15)
    """
    with resources.files(__package__).joinpath("pilot_runs.csv").open() as handle:
        return pd.read_csv(handle)


def example_config_path() -> Path:
    """Filesystem path of the bundled review configuration (what ``make demo`` runs)."""
    return Path(str(resources.files(__package__).joinpath("example_review.toml")))


def example_path() -> Path:
    """Filesystem path of the bundled CSV."""
    return Path(str(resources.files(__package__).joinpath("pilot_runs.csv")))
