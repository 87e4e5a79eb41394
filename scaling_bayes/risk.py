"""Deprecated alias of :mod:`scaling_bayes.decision` (and the report layer's plots and wording).

``scaling_bayes.risk`` was split when the package's layers became folders: computation lives in
:mod:`scaling_bayes.decision`, plots and wording in :mod:`scaling_bayes.report`. Every public name
is also available as ``scaling_bayes.<name>``.
"""

from __future__ import annotations

from . import _moved
from . import decision as _decision
from . import report as _report

__getattr__ = _moved("risk", (_decision, _report), note=" where public")
