"""Exceptions and warnings raised by scaling_bayes.

Every error the package raises on purpose derives from :class:`ScalingBayesError`, so a caller
can catch the package's own failures in one ``except`` clause. Errors about bad input are also
``ValueError`` so that generic code that expects ``ValueError`` keeps working. Every message says
what was wrong, what was expected and how to fix it.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable

__all__ = [
    "ConfigError",
    "ConvergenceWarning",
    "DataError",
    "DesignWarning",
    "ExtrapolationWarning",
    "InputWarning",
    "ModelFileError",
    "MonteCarloWarning",
    "NotFittedError",
    "ScalingBayesError",
    "ScalingBayesWarning",
    "check_choice",
    "format_rows",
]


class ScalingBayesError(Exception):
    """Root of every error raised on purpose by scaling_bayes."""


class DataError(ScalingBayesError, ValueError):
    """Input data or arguments that break the package's contract (raised before any sampling)."""


class ConfigError(ScalingBayesError, ValueError):
    """A configuration file or option with unknown keys, wrong types or wrong units."""


class NotFittedError(ScalingBayesError, AttributeError):
    """A method that needs a posterior was called before :meth:`ScalingLawModel.fit`."""


class ModelFileError(ScalingBayesError, ValueError):
    """A saved model file that is corrupted, from another law, or not written by scaling_bayes."""


class ScalingBayesWarning(UserWarning):
    """Root of the warnings issued by scaling_bayes."""


class ConvergenceWarning(ScalingBayesWarning):
    """The sampler did not meet the convergence thresholds; numbers from this fit are suspect."""


class DesignWarning(ScalingBayesWarning):
    """The training runs cannot identify the law well (too few scales, one ratio, rising loss)."""


class ExtrapolationWarning(ScalingBayesWarning):
    """A forecast reaches far beyond the largest observed compute."""


class MonteCarloWarning(ScalingBayesWarning):
    """A Monte Carlo estimate is too noisy to trust (e.g. degenerate importance weights)."""


class InputWarning(ScalingBayesWarning):
    """An input that is legal but probably not what was meant (units, percent vs fraction)."""


def format_rows(rows: Iterable[object], limit: int = 8) -> str:
    """Format row labels for an error message: ``'rows 4, 9, 12'``, ``'rows 1, ... (20 in all)'``.

    Examples
    --------
    >>> format_rows([4, 9, 12])
    'rows 4, 9, 12'
    >>> format_rows([3])
    'row 3'
    """
    rows = list(rows)
    word = "row" if len(rows) == 1 else "rows"
    shown = ", ".join(str(r) for r in rows[:limit])
    if len(rows) > limit:
        shown += f", ... ({len(rows)} in all)"
    return f"{word} {shown}"


def check_choice(value: object, choices: Collection[str], what: str) -> str:
    """Return ``value`` when it is one of ``choices``; else raise :class:`ConfigError` listing them.

    One check for every name looked up in a registry (laws, likelihoods, prior presets).

    Parameters
    ----------
    value : object
        The name given.
    choices : collection of str
        The known names, in the order the message lists them.
    what : str
        What the name names, for the message (``"law"``, ``"likelihood"``, ...).

    Returns
    -------
    str
        ``value``.

    Raises
    ------
    ConfigError
        For anything that is not one of ``choices`` (an unhashable value included).

    Examples
    --------
    >>> check_choice("power", ("power", "chinchilla"), "law")
    'power'
    >>> check_choice("powr", ("power", "kaplan"), "law")
    Traceback (most recent call last):
    ...
    scaling_bayes.core.exceptions.ConfigError: unknown law 'powr'; choose one of 'power', 'kaplan'
    """
    if not isinstance(value, str) or value not in choices:
        known = ", ".join(f"'{k}'" for k in choices)
        raise ConfigError(f"unknown {what} {value!r}; choose one of {known}")
    return value
