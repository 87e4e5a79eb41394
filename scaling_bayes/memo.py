"""Deprecated alias of :mod:`scaling_bayes.report` (the memo moved to the report layer)."""

from __future__ import annotations

import warnings

from . import report as _report


def __getattr__(name: str):
    if name in _report.__all__:
        warnings.warn(
            f"scaling_bayes.memo.{name} moved to scaling_bayes.report.{name} "
            f"(also scaling_bayes.{name}); the alias goes in a later release",
            DeprecationWarning,
            stacklevel=2,
        )
        return getattr(_report, name)
    raise AttributeError(f"module 'scaling_bayes.memo' has no attribute {name!r}")
