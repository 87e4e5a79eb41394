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
    MonteCarloWarning,
    NotFittedError,
    ScalingBayesError,
    ScalingBayesWarning,
)
from .forecast import Forecast
from .memo import RiskMemo
from .model import ScalingLawModel
from .plotting import forecast_plot_data, plot_forecast, plot_ppc, ppc_plot_data
from .prior_checks import PriorSensitivity, prior_predictive, prior_sensitivity
from .risk import (
    GPU_SPECS,
    CallableValue,
    ComputeCost,
    Investment,
    LinearValue,
    PilotValue,
    RiskResult,
    ScaleLadder,
    TargetBudget,
    TargetValue,
    acceptability_curve,
    acceptability_plot_data,
    assess_roi,
    compare_scales,
    compute_for_target,
    evpi,
    evsi_pilot,
    likelihood_words,
    plans_from_budgets,
    plot_acceptability,
    plot_roi,
    plot_scale_ladder,
    plot_tornado,
    roi_plot_data,
    scale_ladder_plot_data,
    tornado,
    tornado_plot_data,
)
from .simulate import EPOCH_CHINCHILLA, chinchilla_loss, design_grid, simulate_runs

__all__ = [
    "EPOCH_CHINCHILLA",
    "GPU_SPECS",
    "INTERVAL_PROB",
    "Backtest",
    "CallableValue",
    "ComputeCost",
    "ConfigError",
    "ConvergenceReport",
    "ConvergenceWarning",
    "DataError",
    "DesignWarning",
    "ExtrapolationWarning",
    "Forecast",
    "InputWarning",
    "Investment",
    "LawComparison",
    "LinearValue",
    "ModelFileError",
    "MonteCarloWarning",
    "NotFittedError",
    "ParetoKWarning",
    "PilotValue",
    "PriorSensitivity",
    "RiskMemo",
    "RiskResult",
    "ScaleLadder",
    "ScalingBayesError",
    "ScalingBayesWarning",
    "ScalingData",
    "ScalingLawModel",
    "TargetBudget",
    "TargetValue",
    "__version__",
    "acceptability_curve",
    "acceptability_plot_data",
    "assess_roi",
    "backtest",
    "calibration_plot_data",
    "chinchilla_loss",
    "compare_laws",
    "compare_scales",
    "compute_for_target",
    "design_grid",
    "evpi",
    "evsi_pilot",
    "forecast_plot_data",
    "likelihood_words",
    "load_example",
    "plans_from_budgets",
    "plot_acceptability",
    "plot_calibration",
    "plot_forecast",
    "plot_ppc",
    "plot_roi",
    "plot_scale_ladder",
    "plot_tornado",
    "ppc_plot_data",
    "prior_predictive",
    "prior_sensitivity",
    "roi_plot_data",
    "rolling_backtest",
    "scale_ladder_plot_data",
    "simulate_runs",
    "tornado",
    "tornado_plot_data",
]
