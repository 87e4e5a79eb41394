"""Shared test set-up: headless plots, closed figures, and fitted models without MCMC."""

from __future__ import annotations

import os
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

# Real fits in tests keep their compiled models in the project's own cache folder (ignored by
# git), not in the user's ~/.cache, so running the tests leaves nothing behind elsewhere and a
# second run reuses what the first compiled.
os.environ.setdefault(
    "SCALING_BAYES_CACHE_DIR", str(Path(__file__).resolve().parents[1] / ".cache" / "scaling_bayes")
)

import matplotlib.pyplot as plt
import pytest
from helpers import hand_built_draws

import scaling_bayes as sb
from scaling_bayes.testing import fit_from_draws


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture
def example_data() -> sb.ScalingData:
    """The bundled proof-of-concept runs."""
    return sb.ScalingData.from_frame(sb.load_example())


@pytest.fixture
def fitted_chinchilla(example_data) -> sb.ScalingLawModel:
    """A Chinchilla model 'fitted' to the example with hand-built draws (no MCMC)."""
    model = sb.ScalingLawModel("chinchilla", progressbar=False)
    return fit_from_draws(model, example_data, hand_built_draws())
