"""Board memos of risk reviews: :class:`RiskMemo`, in English or Japanese, as HTML, Markdown, CSV.

Data flow, left to right::

    ScalingLawModel + ScaleLadder (or RiskResult) [+ PilotValue, PriorSensitivity, Backtest]
        -> evidence (the results, per plan)      evidence.py
        -> numbers (every figure, keyed)         numbers.py, assumptions.py, provenance.py
        -> blocks (summary, sections 1-7)        document.py + messages/<lang>.toml + format.py
        -> HTML / Markdown / CSV                 render.py + templates/, export.py
"""

from . import decision_text  # noqa: F401  (fills decision.results.TEXT_RENDERERS)
from .check_plots import plot_calibration, plot_law_comparison, plot_prior_sensitivity
from .decision_plots import (
    acceptability_plot_data,
    plot_acceptability,
    plot_roi,
    plot_scale_ladder,
    plot_tornado,
    roi_plot_data,
    scale_ladder_plot_data,
    tornado_plot_data,
)
from .fit_plots import forecast_plot_data, plot_forecast, plot_ppc, ppc_plot_data
from .memo import RiskMemo
from .wording import format_money, format_probability, likelihood_term, likelihood_words

__all__ = [
    "RiskMemo",
    "acceptability_plot_data",
    "forecast_plot_data",
    "format_money",
    "format_probability",
    "likelihood_term",
    "likelihood_words",
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
    "roi_plot_data",
    "scale_ladder_plot_data",
    "tornado_plot_data",
]
