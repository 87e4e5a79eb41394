"""Deprecated alias of :mod:`scaling_bayes.decision` (and the report layer's plots and wording).

``scaling_bayes.risk`` was split when the package's layers became folders: computation lives in
:mod:`scaling_bayes.decision`, plots and wording in :mod:`scaling_bayes.report`. Every public name
is also available as ``scaling_bayes.<name>``.
"""

from __future__ import annotations

import warnings

from . import decision as _decision
from . import report as _report


def __getattr__(name: str):
    for module in (_decision, _report):
        if name in getattr(module, "__all__", ()):
            warnings.warn(
                f"scaling_bayes.risk.{name} moved to {module.__name__}.{name} "
                f"(also scaling_bayes.{name} where public); the alias goes in a later release",
                DeprecationWarning,
                stacklevel=2,
            )
            return getattr(module, name)
    raise AttributeError(f"module 'scaling_bayes.risk' has no attribute {name!r}")
