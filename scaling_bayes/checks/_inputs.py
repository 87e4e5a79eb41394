"""Pre-flight checks of the arguments of the many-fit checks (backtests, law comparison, priors).

Each check raises the package's own error, naming the argument and the fix, and runs before any
model is fitted: a backtest or a law comparison costs minutes of sampling, so a typo must not be
discovered after it.
"""

from __future__ import annotations

import inspect
import numbers
from collections.abc import Mapping
from typing import Any

import numpy as np

from ..core.data import SCALE_AXES, ScalingData
from ..core.exceptions import ConfigError, DataError

__all__ = [
    "check_cutoff",
    "check_holdout",
    "check_n_jobs",
    "check_prob",
    "model_config",
]

#: Arguments of the checks that are also arguments of the model: passing them a second time
#: inside ``model_kwargs`` would silently override the first, so it is refused.
_OWN_ARGUMENTS: tuple[str, ...] = ("law", "x", "priors")


def check_holdout(data: ScalingData, holdout: object) -> str:
    """``holdout`` as a scale axis the runs have.

    Examples
    --------
    >>> import pandas as pd
    >>> from scaling_bayes.core.data import ScalingData
    >>> runs = pd.DataFrame({"params": [1e7, 1e8, 1e9], "tokens": [2e8, 2e9, 2e10],
    ...                      "loss": [3.2, 2.9, 2.7]})
    >>> check_holdout(ScalingData.from_frame(runs), "params")
    'params'
    """
    if not isinstance(holdout, str) or holdout not in SCALE_AXES:
        raise ConfigError(
            f"holdout must be one of {SCALE_AXES} (the scale axis to split on), got {holdout!r}"
        )
    if holdout not in data.axes:
        raise DataError(
            f"holdout={holdout!r} but the runs have no {holdout} column; split on one of the "
            f"runs' axes: {', '.join(repr(a) for a in data.axes)}"
        )
    return holdout


def check_cutoff(cutoff: object, holdout: str) -> float:
    """``cutoff`` as a positive finite number of ``holdout`` (raw counts or FLOPs).

    Examples
    --------
    >>> check_cutoff(1e21, "compute")
    1e+21
    """
    if isinstance(cutoff, bool) or not isinstance(cutoff, numbers.Real):
        raise DataError(
            f"cutoff must be a positive number of {holdout} (e.g. 1e21), got "
            f"{type(cutoff).__name__} {cutoff!r}; pass a number, not a string"
        )
    value = float(cutoff)
    if not np.isfinite(value) or value <= 0:
        raise DataError(
            f"cutoff must be a positive number of {holdout}, got {cutoff!r}; pass the largest "
            f"{holdout} to fit on (raw counts or FLOPs, finite)"
        )
    return value


def check_prob(prob: object, name: str) -> float:
    """A probability strictly between 0 and 1.

    Examples
    --------
    >>> check_prob(0.9, "prob")
    0.9
    """
    if isinstance(prob, bool) or not isinstance(prob, numbers.Real) or not 0 < float(prob) < 1:
        hint = ""
        if isinstance(prob, numbers.Real) and 1 < float(prob) < 100:
            hint = f"; did you mean {prob / 100:g}?"
        raise DataError(f"{name} must be a probability in (0, 1), e.g. 0.9; got {prob!r}{hint}")
    return float(prob)


def check_n_jobs(n_jobs: object) -> int | None:
    """``n_jobs``: None (one worker per core) or a positive integer.

    Examples
    --------
    >>> check_n_jobs(2), check_n_jobs(None)
    (2, None)
    """
    if n_jobs is None:
        return None
    if isinstance(n_jobs, bool) or not isinstance(n_jobs, numbers.Integral) or n_jobs < 1:
        raise ConfigError(
            f"n_jobs must be a positive integer (1 runs the fits in this process) or None for "
            f"one worker per core; got {n_jobs!r}"
        )
    return int(n_jobs)


def model_config(where: str, model_kwargs: object, **arguments: Any) -> dict[str, Any]:
    """The arguments of every fit of a check, checked by building (not fitting) one model.

    ``arguments`` are the check's own model arguments (``law``, ``x``, ``priors``);
    ``model_kwargs`` the further ones (``draws``, ``sampler``, ...). Unknown names, bad values and
    a model argument given twice are refused here, before any fit.

    Examples
    --------
    >>> model_config("backtest", {"draws": 500}, law="chinchilla", x=None, priors=None)["draws"]
    500
    """
    from ..core.model import ScalingLawModel

    if model_kwargs is None:
        model_kwargs = {}
    if not isinstance(model_kwargs, Mapping):
        raise ConfigError(
            f"{where}: model_kwargs must be a dict of ScalingLawModel arguments, e.g. "
            f"{{'draws': 500}}; got {type(model_kwargs).__name__}"
        )
    twice = [name for name in _OWN_ARGUMENTS if name in model_kwargs and name in arguments]
    if twice:
        raise ConfigError(
            f"{where}: {', '.join(twice)} given inside model_kwargs; pass "
            f"{', '.join(f'{n}=' for n in twice)} to {where} directly"
        )
    config = {**arguments, **model_kwargs}
    known = [p for p in inspect.signature(ScalingLawModel).parameters]
    unknown = sorted(set(config) - set(known))
    if unknown:
        raise ConfigError(
            f"{where}: unknown model argument(s) {', '.join(map(repr, unknown))}; "
            f"ScalingLawModel takes {', '.join(known)}"
        )
    ScalingLawModel(**config)  # its own checks: law, x, priors, sampler, draws, ...
    return config
