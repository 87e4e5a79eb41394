"""scaling_bayes: Bayesian scaling laws in PyMC, from a few small runs to the odds of a payoff.

Data flow, left to right (see ARCHITECTURE.md)::

    ScalingData (+ Metric) -> ScalingLawModel.fit -> posterior (InferenceData or DataTree)
        -> predict -> Forecast -> decision (assess_roi, compare_scales, evsi_pilot)
        -> RiskMemo (report) -> scaling-bayes review (app)
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from types import ModuleType

with warnings.catch_warnings():
    # ArviZ 0.x announces its 1.0 refactor on import; our users cannot act on it.
    warnings.filterwarnings("ignore", message=r"\s*ArviZ is undergoing", category=FutureWarning)
    import arviz as _arviz  # noqa: F401

from ._version import __version__
from .checks.backtest import (
    Backtest,
    backtest,
    calibration_plot_data,
    rolling_backtest,
)
from .checks.comparison import (
    LawComparison,
    ParetoKWarning,
    compare_laws,
    law_comparison_plot_data,
)
from .checks.forms import FormCheck, form_check
from .checks.prior_checks import (
    PriorSensitivity,
    prior_predictive,
    prior_sensitivity,
    prior_sensitivity_plot_data,
)
from .core.constants import INTERVAL_PROB
from .core.data import ScalingData
from .core.diagnostics import ConvergenceReport
from .core.exceptions import (
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
from .core.forecast import Forecast
from .core.metric import Metric
from .core.mixture import FormMixture
from .core.model import ScalingLawModel
from .core.simulate import EPOCH_CHINCHILLA, chinchilla_loss, design_grid, simulate_runs
from .datasets import load_example, load_inspection_example
from .decision import (
    COST_COMPONENTS,
    GPU_SPECS,
    AcceptabilityCurve,
    CallableValue,
    ComputeCost,
    DecisionResult,
    EVPIResult,
    Investment,
    LinearValue,
    PilotValue,
    RiskResult,
    ScaleLadder,
    TargetBudget,
    TargetValue,
    TornadoResult,
    acceptability_curve,
    assess_roi,
    check_workload,
    compare_scales,
    compute_for_target,
    evpi,
    evsi_pilot,
    payback_months,
    plans_from_budgets,
    tornado,
)
from .report import (
    RiskMemo,
    acceptability_plot_data,
    likelihood_words,
    plot_acceptability,
    plot_roi,
    plot_scale_ladder,
    plot_tornado,
    roi_plot_data,
    scale_ladder_plot_data,
    tornado_plot_data,
)
from .report.check_plots import plot_calibration, plot_law_comparison, plot_prior_sensitivity
from .report.fit_plots import forecast_plot_data, plot_forecast, plot_ppc, ppc_plot_data

__all__ = [
    "COST_COMPONENTS",
    "EPOCH_CHINCHILLA",
    "GPU_SPECS",
    "INTERVAL_PROB",
    "AcceptabilityCurve",
    "Backtest",
    "CallableValue",
    "ComputeCost",
    "ConfigError",
    "ConvergenceReport",
    "ConvergenceWarning",
    "DataError",
    "DecisionResult",
    "DesignWarning",
    "EVPIResult",
    "ExtrapolationWarning",
    "Forecast",
    "FormCheck",
    "FormMixture",
    "InputWarning",
    "Investment",
    "LawComparison",
    "LinearValue",
    "Metric",
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
    "TornadoResult",
    "__version__",
    "acceptability_curve",
    "acceptability_plot_data",
    "assess_roi",
    "backtest",
    "calibration_plot_data",
    "check_workload",
    "chinchilla_loss",
    "compare_laws",
    "compare_scales",
    "compute_for_target",
    "design_grid",
    "evpi",
    "evsi_pilot",
    "forecast_plot_data",
    "form_check",
    "law_comparison_plot_data",
    "likelihood_words",
    "load_example",
    "load_inspection_example",
    "payback_months",
    "plans_from_budgets",
    "plot_acceptability",
    "plot_calibration",
    "plot_forecast",
    "plot_law_comparison",
    "plot_ppc",
    "plot_prior_sensitivity",
    "plot_roi",
    "plot_scale_ladder",
    "plot_tornado",
    "ppc_plot_data",
    "prior_predictive",
    "prior_sensitivity",
    "prior_sensitivity_plot_data",
    "roi_plot_data",
    "rolling_backtest",
    "scale_ladder_plot_data",
    "simulate_runs",
    "tornado",
    "tornado_plot_data",
]


def _moved(alias: str, modules: tuple[ModuleType, ...], note: str = "") -> Callable[[str], object]:
    """The ``__getattr__`` of the deprecated alias module ``scaling_bayes.<alias>``: each public
    name of ``modules``, with a DeprecationWarning saying where it moved (``note`` qualifies the
    top-level name)."""

    def __getattr__(name: str) -> object:
        for module in modules:
            if name in getattr(module, "__all__", ()):
                warnings.warn(
                    f"scaling_bayes.{alias}.{name} moved to {module.__name__}.{name} "
                    f"(also scaling_bayes.{name}{note}); the alias goes in a later release",
                    DeprecationWarning,
                    stacklevel=2,
                )
                return getattr(module, name)
        raise AttributeError(f"module 'scaling_bayes.{alias}' has no attribute {name!r}")

    return __getattr__
