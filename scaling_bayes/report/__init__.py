"""Board memos of risk reviews: :class:`RiskMemo`, in English or Japanese, as HTML, Markdown, CSV.

Data flow, left to right::

    ScalingLawModel + ScaleLadder (or RiskResult) [+ PilotValue, PriorSensitivity, Backtest]
        -> evidence (the results, per plan)      evidence.py
        -> numbers (every figure, keyed)         numbers.py, assumptions.py, provenance.py
        -> blocks (sections 1-7, one language)   document.py + wording_en.py / wording_ja.py
        -> HTML / Markdown / CSV                 render.py (+ figures.py)
"""

from ..decision.wording import format_money, format_probability, likelihood_term, likelihood_words
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

__all__ = [
    "RiskMemo",
    "acceptability_plot_data",
    "forecast_plot_data",
    "format_money",
    "format_probability",
    "likelihood_term",
    "likelihood_words",
    "plot_acceptability",
    "plot_forecast",
    "plot_ppc",
    "plot_roi",
    "plot_scale_ladder",
    "plot_tornado",
    "ppc_plot_data",
    "roi_plot_data",
    "scale_ladder_plot_data",
    "tornado_plot_data",
]
