"""Probabilities and money in words for executives: IPCC likelihood terms, always with numbers.

The likelihood scale of the IPCC AR5 guidance note (Mastrandrea et al. 2010); its ranges overlap,
so each probability gets the narrowest term that contains it::

    virtually certain       >= 99%          unlikely                 <= 33%
    extremely likely        >= 95%          very unlikely            <= 10%
    very likely             >= 90%          extremely unlikely       <= 5%
    likely                  >= 66%          exceptionally unlikely   <= 1%
    more likely than not    > 50%
    about as likely as not  33-66% (here: 33-50%)

Words alone are misread; with numbers beside them correct readings roughly double (Budescu et
al. 2014), so every function here returns words *and* the number, with its Monte Carlo error.
"""

from __future__ import annotations

import numpy as np

from ..core.exceptions import DataError

__all__ = ["format_money", "format_probability", "likelihood_term", "likelihood_words"]

_TERMS = (
    (0.99, "virtually certain"),
    (0.95, "extremely likely"),
    (0.90, "very likely"),
    (0.66, "likely"),
)
_LOW_TERMS = (
    (0.01, "exceptionally unlikely"),
    (0.05, "extremely unlikely"),
    (0.10, "very unlikely"),
    (0.33, "unlikely"),
)


def likelihood_term(p: float) -> str:
    """The IPCC likelihood term for probability ``p`` (the narrowest range containing it).

    Examples
    --------
    >>> likelihood_term(0.78), likelihood_term(0.5), likelihood_term(0.04)
    ('likely', 'about as likely as not', 'extremely unlikely')
    """
    p = _check_probability(p)
    for bound, term in _TERMS:
        if p >= bound:
            return term
    for bound, term in _LOW_TERMS:
        if p <= bound:
            return term
    return "more likely than not" if p > 0.5 else "about as likely as not"


def format_probability(p: float, mc_se: float | None = None, n_draws: int | None = None) -> str:
    """A probability in percent with its Monte Carlo standard error, e.g. ``78% ±1%``.

    Decimals follow the error: whole percents when the error is at least 1%, one decimal
    when it is at least 0.1%. With no draw above (or below) the threshold, the estimate 0 (1)
    is shown with the rule-of-three 95% bound (3 / n) instead of a false certainty.

    Examples
    --------
    >>> format_probability(0.7812, 0.0065)
    '78.1%, Monte Carlo error ±0.7%'
    >>> format_probability(0.0, 0.0, n_draws=4000)
    'none of 4,000 draws; 95% upper bound 0.075%'
    """
    p = _check_probability(p)
    if mc_se is not None and mc_se == 0 and n_draws and p in (0.0, 1.0):
        bound = 300.0 / n_draws  # "rule of three": 95% upper bound after 0 of n
        if p == 0.0:
            return f"none of {n_draws:,} draws; 95% upper bound {bound:.2g}%"
        return f"all {n_draws:,} draws; 95% lower bound {100 - bound:.4g}%"
    if mc_se is None or not np.isfinite(mc_se):
        return f"{100 * p:.0f}%"
    se = 100 * mc_se
    if se >= 0.95:
        return f"{100 * p:.0f}%, Monte Carlo error ±{se:.0f}%"
    if se >= 0.095:
        return f"{100 * p:.1f}%, Monte Carlo error ±{se:.1f}%"
    return f"{100 * p:.1f}%, Monte Carlo error below ±0.1%"


def likelihood_words(p: float, mc_se: float | None = None, n_draws: int | None = None) -> str:
    """Words and numbers: ``'likely (78%, Monte Carlo error ±1%)'``.

    Examples
    --------
    >>> likelihood_words(0.78, 0.01)
    'likely (78%, Monte Carlo error ±1%)'
    >>> likelihood_words(0.93)
    'very likely (93%)'
    """
    return f"{likelihood_term(p)} ({format_probability(p, mc_se, n_draws)})"


def format_money(amount: float, currency: str = "USD") -> str:
    """Money with a magnitude suffix: ``'USD 1.23M'``, ``'-USD 40k'``.

    Examples
    --------
    >>> format_money(1_234_567), format_money(-40_000, "EUR")
    ('USD 1.23M', '-EUR 40k')
    """
    if not np.isfinite(amount):
        return f"{currency} {amount}"
    sign = "-" if amount < 0 else ""
    x = abs(amount)
    for div, suffix in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "k")):
        if x >= div:
            return f"{sign}{currency} {x / div:.3g}{suffix}"
    return f"{sign}{currency} {x:.3g}"


def format_percent(x: float) -> str:
    """A fraction as a percent with sensible digits: 0.453 -> '45%', 12.3 -> '1,230%'.

    Examples
    --------
    >>> format_percent(0.453), format_percent(0.0123), format_percent(0.004), format_percent(12.3)
    ('45%', '1.2%', '0.4%', '1,230%')
    """
    if not np.isfinite(x):
        return str(x)
    pct = 100 * x
    if abs(pct) >= 10:
        return f"{pct:,.0f}%"
    return f"{pct:.2g}%" if abs(pct) >= 1 else f"{pct:.1f}%"


def _check_probability(p) -> float:
    p = float(p)
    if not 0.0 <= p <= 1.0:
        raise DataError(f"a probability must be in [0, 1]; got {p!r}")
    return p
