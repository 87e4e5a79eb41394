"""Risk: from posterior forecasts of loss to the probability that an investment pays off.

Data flow, left to right::

    loss draws (ScalingLawModel, Forecast or array)
        + Investment(scale, ComputeCost, value model)  -> joint draws of V and C
        -> assess_roi (one plan) / compare_scales (a ladder of plans)
        -> tornado, acceptability_curve, evpi, evsi_pilot, compute_for_target -> plots, memo

Every result derives from :class:`~scaling_bayes.decision.results.DecisionResult`: typed fields,
``.table``, ``.text`` and ``plot_data()``. Conventions, stated in every result and text:
ROI = (V - C) / C with break-even 0; net benefit NB = V - C; VaR and CVaR are money lost
(positive); every probability comes with its Monte Carlo standard error sqrt(p (1 - p) / ESS).
Sources of the definitions: EVPI, Raiffa and Schlaifer (1961), *Applied Statistical Decision
Theory*; VaR and CVaR, Rockafellar and Uryasev (2000), "Optimization of conditional
value-at-risk", Journal of Risk 2(3); effective sample size, Vehtari et al. (2021), "Rank-
normalization, folding, and localization: an improved R-hat" (arXiv:1903.08008).
"""

from .assess import RiskResult, assess_roi
from .cost import COST_COMPONENTS, DEFAULTS_AS_OF, GPU_SPECS, ComputeCost, GPUSpec, training_flops
from .inputs import describe_input, input_quantile
from .inverse import TargetBudget, compute_for_target
from .joint import INTERVAL_PART_COLUMNS, check_workload, joint_dataset
from .ladder import DO_NOTHING, ScaleLadder, acceptability_curve, compare_scales
from .metrics import (
    MonteCarloWarning,
    conditional_value_at_risk,
    decision_metrics,
    effective_sample_size,
    evpi_from_draws,
    mcse_mean,
    mcse_quantile,
    prob_exceeds,
    roi,
    value_at_risk,
)
from .plan import Investment, plans_from_budgets
from .results import AcceptabilityCurve, DecisionResult, EVPIResult, TornadoResult
from .sensitivity import TORNADO_METRICS, tornado
from .value import (
    VALUE_UNITS,
    CallableValue,
    LinearValue,
    TargetValue,
    ValueModel,
    annuity_factor,
    payback_months,
)
from .voi import PilotValue, evpi, evsi_pilot

__all__ = [
    "COST_COMPONENTS",
    "DEFAULTS_AS_OF",
    "DO_NOTHING",
    "GPU_SPECS",
    "INTERVAL_PART_COLUMNS",
    "TORNADO_METRICS",
    "VALUE_UNITS",
    "AcceptabilityCurve",
    "CallableValue",
    "ComputeCost",
    "DecisionResult",
    "EVPIResult",
    "GPUSpec",
    "Investment",
    "LinearValue",
    "MonteCarloWarning",
    "PilotValue",
    "RiskResult",
    "ScaleLadder",
    "TargetBudget",
    "TargetValue",
    "TornadoResult",
    "ValueModel",
    "acceptability_curve",
    "annuity_factor",
    "assess_roi",
    "check_workload",
    "compare_scales",
    "compute_for_target",
    "conditional_value_at_risk",
    "decision_metrics",
    "describe_input",
    "effective_sample_size",
    "evpi",
    "evpi_from_draws",
    "evsi_pilot",
    "input_quantile",
    "joint_dataset",
    "mcse_mean",
    "mcse_quantile",
    "payback_months",
    "plans_from_budgets",
    "prob_exceeds",
    "roi",
    "tornado",
    "training_flops",
    "value_at_risk",
]
