"""Typed values of the memo and how each language writes them.

A number travels to the memo's text as a typed value: a :class:`Probability` with its Monte
Carlo error and draw count, :class:`Money` with its currency, a :class:`Quantity` with its unit
(a loss in nats per token, a count of parameters). :class:`Formatter` writes them in one
language: the digits (how many decimals a probability gets, 3 significant digits for money),
the number system (``USD 457k`` in English, ``45.7万ドル`` in Japanese) and the words around them
come from that language's message catalogue (:mod:`scaling_bayes.report.messages`). Nothing
here parses text: every piece is formatted from the value itself.

Examples
--------
>>> from scaling_bayes.report.format import Formatter, Money, Probability
>>> en, ja = Formatter("en"), Formatter("ja")
>>> en.money(Money(-40_000, "USD")), ja.money(Money(478_000, "USD"))
('-USD 40k', '47.8万ドル')
>>> p = Probability(0.7812, 0.0065, 4000)
>>> p.kind, en.probability_pieces(p)
('error', {'p': '78.1%', 'se': '0.7%'})
>>> ja.likelihood(p, en.probability_pieces(p))
'「可能性が高い」（78.1%、モンテカルロ誤差 ±0.7%）'
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache

from ..core.exceptions import ConfigError
from .messages import catalogue
from .wording import format_percent, likelihood_term

__all__ = ["Formatter", "Money", "Probability", "Quantity", "percent"]


# ---------------------------------------------------------------------- typed values
@dataclass(frozen=True)
class Probability:
    """A probability estimated from draws, with its Monte Carlo standard error.

    Parameters
    ----------
    p : float
        In [0, 1].
    mc_se : float or None
        Monte Carlo standard error (None: not known, the number is shown alone).
    n_draws : int or None
        Draws behind ``p``; with ``mc_se == 0`` and ``p`` 0 or 1 the rule-of-three 95% bound
        (3 / n) is shown instead of a false certainty.

    Examples
    --------
    >>> Probability(0.0, 0.0, 2000).kind, Probability(0.5, 0.0004, 2000).kind
    ('none', 'below')
    """

    p: float
    mc_se: float | None = None
    n_draws: int | None = None

    @property
    def kind(self) -> str:
        """``error``, ``below`` (error under 0.1%), ``none``/``all`` (rule of three), ``plain``."""
        se = self.mc_se
        if se is not None and se == 0 and self.n_draws and self.p in (0.0, 1.0):
            return "none" if self.p == 0.0 else "all"
        if se is None or not math.isfinite(se):
            return "plain"
        return "error" if 100 * se >= 0.095 else "below"

    @property
    def term(self) -> str:
        """The IPCC likelihood term (English key of the catalogues' ``likelihood_terms``)."""
        return likelihood_term(self.p)


@dataclass(frozen=True)
class Money:
    """An amount of money in an ISO 4217 currency (``None``: not available)."""

    amount: float | None
    currency: str


@dataclass(frozen=True)
class Quantity:
    """A number with its unit (``"nats/token"``, ``"parameters"``); the unit is shown as given."""

    value: float | None
    unit: str = ""


# ---------------------------------------------------------------------- digits
#: A fraction as a percent with sensible digits (the same in every language): 0.453 -> '45%'.
percent = format_percent


def _western(x: float) -> str:
    """3 significant digits with k/M/B/T: 40000 -> '40k'."""
    for div, suffix in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(x) >= div:
            return f"{x / div:.3g}{suffix}"
    return f"{x:.3g}"


def _japanese(x: float) -> str:
    """3 significant digits with 万・億・兆: 478000 -> '47.8万', 1.5e6 -> '150万'."""
    sign = "-" if x < 0 else ""
    x = float(f"{abs(x):.3g}")
    for div, suffix in ((1e12, "兆"), (1e8, "億"), (1e4, "万")):
        if x >= div:
            q = x / div
            return f"{sign}{q:,.0f}{suffix}" if q >= 1000 else f"{sign}{q:.3g}{suffix}"
    if x >= 1000:
        return f"{sign}{x:,.0f}"
    return f"{sign}{x:.3g}"


def _separated(x: float) -> str:
    """3 significant digits written out with thousands separators: 12345678 -> '12,300,000'."""
    if x == 0:
        return "0"
    digits = 3 - 1 - math.floor(math.log10(abs(x)))
    return f"{round(x, min(digits, 0)):,.0f}" if abs(x) >= 100 else f"{x:.3g}"


#: How each language groups a large number (3 significant digits).
_NUMBER_SYSTEMS = {"en": _western, "ja": _japanese}

#: Currencies written out with thousands separators in English (no minor unit, and amounts
#: that readers compare digit by digit: JPY 12,300,000 rather than JPY 12.3M).
_SEPARATED_CURRENCIES = frozenset({"JPY"})


# ---------------------------------------------------------------------- formatter
class Formatter:
    """Typed values written in one language (``"en"`` or ``"ja"``).

    Parameters
    ----------
    language : {"en", "ja"}
    """

    def __init__(self, language: str) -> None:
        if language not in _NUMBER_SYSTEMS:
            raise ConfigError(f"language must be 'en' or 'ja'; got {language!r}")
        self.language = language
        self.messages = catalogue(language)
        self._large = _NUMBER_SYSTEMS[language]

    def message(self, key: str, **fields: object) -> str:
        """The catalogue's template ``key`` with its placeholders filled."""
        return self.messages.text(key, **fields)

    # -------------------------------------------------------------- plain numbers
    def compact(self, x: float | str | None) -> str:
        """3 significant digits in the language's number system; words for flags.

        Examples
        --------
        >>> Formatter("en").compact(1.5e9), Formatter("ja").compact(1.5e9)
        ('1.5B', '15億')
        """
        if x is None:
            return "—"
        if isinstance(x, bool):
            return self.message("yes" if x else "no")
        if isinstance(x, str):
            return x
        return self._large(x)

    @staticmethod
    def general(x: float | None) -> str:
        """3 significant digits: ``0.348``, ``1.2e+21``."""
        return "—" if x is None else f"{x:.3g}"

    @staticmethod
    def fixed(x: float | None, digits: int) -> str:
        """Fixed decimals with thousands separators: R-hat ``1.001``, ESS ``1,878``."""
        return "—" if x is None else f"{x:,.{digits}f}"

    @staticmethod
    def significant(x: float | None) -> str:
        """3 significant digits, without exponents from a thousand to a million: ``2,086``."""
        if x is None:
            return "—"
        if 1e3 <= abs(x) < 1e6:
            return f"{x:,.0f}"
        return f"{x:.3g}"

    @staticmethod
    def integer(x: int) -> str:
        return f"{x:,}"

    def ratio(self, x: float | None) -> str:
        """How many times a scale: ``172×`` / ``172倍``."""
        return "—" if x is None else self.message("ratio", x=f"{x:.3g}")

    def quantity(self, q: Quantity) -> str:
        """A number with its unit: ``0.03 nats/token``."""
        return self.message("quantity", value=self.general(q.value), unit=q.unit).strip()

    # -------------------------------------------------------------- money
    def currency_name(self, code: str) -> str:
        """The currency as the language names it (``ドル``), or its ISO code."""
        return self.messages.table("currency_names").get(code, code)

    def money(self, m: Money) -> str:
        """``USD 457k`` / ``45.7万ドル``; ``—`` when not available.

        Examples
        --------
        >>> Formatter("ja").money(Money(-1.3e7, "JPY")), Formatter("ja").money(Money(9e3, "CHF"))
        ('-1,300万円', '9,000 CHF')
        >>> en = Formatter("en")
        >>> en.money(Money(-12_345_678, "JPY")), en.money(Money(4.5e8, "JPY"))
        ('-JPY 12,300,000', 'JPY 450,000,000')
        """
        if m.amount is None:
            return "—"
        if not math.isfinite(m.amount):
            return f"{m.currency} {m.amount}"
        names = self.messages.table("currency_names")
        sign = "-" if m.amount < 0 else ""
        if self.language == "en" and m.currency in _SEPARATED_CURRENCIES:
            amount = _separated(abs(m.amount))
        else:
            amount = self._large(abs(m.amount))
        key = "money_named" if m.currency in names else "money"
        return self.message(
            key, sign=sign, amount=amount, code=m.currency, name=names.get(m.currency, "")
        )

    # -------------------------------------------------------------- probabilities
    def probability_pieces(self, prob: Probability) -> dict[str, str]:
        """The numbers a probability is written with, by placeholder name.

        ``p`` (percent), ``se`` (its Monte Carlo error), ``n`` (draws) and ``bound`` (the
        rule-of-three 95% bound); which of them appear depends on :attr:`Probability.kind`.
        Decimals follow the error: whole percents when it is at least 1%, one decimal when it
        is at least 0.1%.

        Examples
        --------
        >>> Formatter("en").probability_pieces(Probability(0.0, 0.0, 4000))
        {'p': '0%', 'n': '4,000', 'bound': '0.075%'}
        """
        p, kind = prob.p, prob.kind
        if kind in ("none", "all") and prob.n_draws:  # (kind says n_draws is set)
            bound = 300.0 / prob.n_draws
            shown = f"{bound:.2g}%" if kind == "none" else f"{100 - bound:.4g}%"
            return {"p": f"{100 * p:.0f}%", "n": self.integer(prob.n_draws), "bound": shown}
        if kind == "plain" or prob.mc_se is None:
            return {"p": f"{100 * p:.0f}%"}
        se = 100 * prob.mc_se
        if se >= 0.95:
            return {"p": f"{100 * p:.0f}%", "se": f"{se:.0f}%"}
        if kind == "error":
            return {"p": f"{100 * p:.1f}%", "se": f"{se:.1f}%"}
        return {"p": f"{100 * p:.1f}%", "se": "0.1%"}

    def probability(self, kind: str, pieces: dict[str, str]) -> str:
        """The number and its Monte Carlo error: ``78.1%, Monte Carlo error ±0.7%``."""
        return self.message(f"probability.{kind}", **pieces)

    def compact_probability(self, kind: str, pieces: dict[str, str]) -> str:
        """The number and its error, for tables: ``78.1% (±0.7%)``."""
        return self.message(f"compact_probability.{kind}", **pieces)

    def likelihood(self, prob: Probability, pieces: dict[str, str]) -> str:
        """Likelihood words with the number: ``likely (78%, Monte Carlo error ±1%)``."""
        return self.message(
            "likelihood",
            term=self.term(prob.term),
            probability=self.probability(prob.kind, pieces),
        )

    def term(self, english: str) -> str:
        """An IPCC likelihood term in the language (keys are the English terms)."""
        return self.messages.table("likelihood_terms")[english]


@cache
def formatter(language: str) -> Formatter:
    """The (shared, immutable) formatter of a language."""
    return Formatter(language)
