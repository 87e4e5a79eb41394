"""Deprecated alias of :mod:`scaling_bayes.report` (the memo moved to the report layer)."""

from __future__ import annotations

from . import _moved
from . import report as _report

__getattr__ = _moved("memo", (_report,))
