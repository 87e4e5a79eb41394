"""Board memos of risk reviews: :class:`RiskMemo`, in English or Japanese, as HTML, Markdown, CSV.

Data flow, left to right::

    ScalingLawModel + ScaleLadder (or RiskResult) [+ PilotValue, PriorSensitivity, Backtest]
        -> evidence (the results, per plan)      evidence.py
        -> numbers (every figure, keyed)         numbers.py, assumptions.py, provenance.py
        -> blocks (sections 1-7, one language)   document.py + wording_en.py / wording_ja.py
        -> HTML / Markdown / CSV                 render.py (+ figures.py)
"""

from .core import RiskMemo

__all__ = ["RiskMemo"]
