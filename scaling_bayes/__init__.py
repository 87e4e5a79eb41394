"""scaling_bayes: Bayesian scaling laws in PyMC, from a few small runs to the odds of a payoff.

Data flow, left to right (see ARCHITECTURE.md)::

    ScalingData -> ScalingLawModel.fit -> posterior (InferenceData) -> predict -> Forecast
                -> risk (assess_roi, compare_scales) -> memo
"""

from __future__ import annotations

import warnings

with warnings.catch_warnings():
    # ArviZ 0.x announces its 1.0 refactor on import; our users cannot act on it.
    warnings.filterwarnings("ignore", message=".*ArviZ is undergoing", category=FutureWarning)
    import arviz as _arviz  # noqa: F401

__version__ = "0.1.0"

from .backtest import (
    Backtest,
    backtest,
    calibration_plot_data,
    plot_calibration,
    rolling_backtest,
)
from .comparison import LawComparison, ParetoKWarning, compare_laws
from .constants import INTERVAL_PROB
from .data import ScalingData
from .datasets import load_example
from .diagnostics import ConvergenceReport
from .exceptions import (
    ConfigError,
    ConvergenceWarning,
    DataError,
    DesignWarning,
    ExtrapolationWarning,
    InputWarning,
    ModelFileError,
    NotFittedError,
    ScalingBayesError,
    ScalingBayesWarning,
)
from .forecast import Forecast
from .model import ScalingLawModel
from .plotting import forecast_plot_data, plot_forecast
from .prior_checks import PriorSensitivity, prior_predictive, prior_sensitivity
from .simulate import EPOCH_CHINCHILLA, chinchilla_loss, design_grid, simulate_runs

__all__ = [
    "EPOCH_CHINCHILLA",
    "INTERVAL_PROB",
    "Backtest",
    "ConfigError",
    "ConvergenceReport",
    "ConvergenceWarning",
    "DataError",
    "DesignWarning",
    "ExtrapolationWarning",
    "Forecast",
    "InputWarning",
    "LawComparison",
    "ModelFileError",
    "NotFittedError",
    "ParetoKWarning",
    "PriorSensitivity",
    "ScalingBayesError",
    "ScalingBayesWarning",
    "ScalingData",
    "ScalingLawModel",
    "__version__",
    "backtest",
    "calibration_plot_data",
    "chinchilla_loss",
    "compare_laws",
    "design_grid",
    "forecast_plot_data",
    "load_example",
    "plot_calibration",
    "plot_forecast",
    "prior_predictive",
    "prior_sensitivity",
    "rolling_backtest",
    "simulate_runs",
]
