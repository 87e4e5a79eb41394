"""Uncertain business inputs: a number, a frozen ``scipy.stats`` distribution, or draws.

Every cost and value assumption (price per GPU-hour, MFU, value per unit of loss, ...) is one of

* a number (held fixed),
* a frozen ``scipy.stats`` distribution such as ``scipy.stats.uniform(2, 2)`` (2 to 4), or
* a 1-d array of draws, one per joint draw (e.g. from another model); its length must equal the
  number of loss draws.

Distributions are sampled by inversion, ``x = dist.ppf(u)``, with one stream of uniforms ``u``
per input *name*, seeded from the caller's ``random_seed``. So the same seed gives the same
numbers, an input keeps its draws when other inputs are added, and inputs of the same name are
coupled across plans (common random numbers): the price per GPU-hour is one uncertain quantity of
the world, the same for every plan compared, which is what a choice between plans needs. The
one-at-a-time sensitivity analysis moves an input to a quantile by setting its ``u``.
"""

from __future__ import annotations

import warnings
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import stats

from ..core.exceptions import DataError, InputWarning

__all__ = [
    "ISO_4217",
    "Bounds",
    "check_currency",
    "check_input",
    "describe_input",
    "input_quantile",
    "is_distribution",
    "is_uncertain",
    "sample_inputs",
    "seed_entropy",
]

#: Active ISO 4217 currency codes (ISO 4217 list one, as published by the maintenance agency
#: SIX Group, https://www.six-group.com/en/products-services/financial-information/data-standards.html,
#: 2024 edition; historic codes such as DEM or FRF are not accepted for new amounts).
ISO_4217 = frozenset(
    (
        "AED",
        "AFN",
        "ALL",
        "AMD",
        "ANG",
        "AOA",
        "ARS",
        "AUD",
        "AWG",
        "AZN",
        "BAM",
        "BBD",
        "BDT",
        "BGN",
        "BHD",
        "BIF",
        "BMD",
        "BND",
        "BOB",
        "BOV",
        "BRL",
        "BSD",
        "BTN",
        "BWP",
        "BYN",
        "BZD",
        "CAD",
        "CDF",
        "CHE",
        "CHF",
        "CHW",
        "CLF",
        "CLP",
        "CNY",
        "COP",
        "COU",
        "CRC",
        "CUC",
        "CUP",
        "CVE",
        "CZK",
        "DJF",
        "DKK",
        "DOP",
        "DZD",
        "EGP",
        "ERN",
        "ETB",
        "EUR",
        "FJD",
        "FKP",
        "GBP",
        "GEL",
        "GHS",
        "GIP",
        "GMD",
        "GNF",
        "GTQ",
        "GYD",
        "HKD",
        "HNL",
        "HTG",
        "HUF",
        "IDR",
        "ILS",
        "INR",
        "IQD",
        "IRR",
        "ISK",
        "JMD",
        "JOD",
        "JPY",
        "KES",
        "KGS",
        "KHR",
        "KMF",
        "KPW",
        "KRW",
        "KWD",
        "KYD",
        "KZT",
        "LAK",
        "LBP",
        "LKR",
        "LRD",
        "LSL",
        "LYD",
        "MAD",
        "MDL",
        "MGA",
        "MKD",
        "MMK",
        "MNT",
        "MOP",
        "MRU",
        "MUR",
        "MVR",
        "MWK",
        "MXN",
        "MXV",
        "MYR",
        "MZN",
        "NAD",
        "NGN",
        "NIO",
        "NOK",
        "NPR",
        "NZD",
        "OMR",
        "PAB",
        "PEN",
        "PGK",
        "PHP",
        "PKR",
        "PLN",
        "PYG",
        "QAR",
        "RON",
        "RSD",
        "RUB",
        "RWF",
        "SAR",
        "SBD",
        "SCR",
        "SDG",
        "SEK",
        "SGD",
        "SHP",
        "SLE",
        "SLL",
        "SOS",
        "SRD",
        "SSP",
        "STN",
        "SVC",
        "SYP",
        "SZL",
        "THB",
        "TJS",
        "TMT",
        "TND",
        "TOP",
        "TRY",
        "TTD",
        "TWD",
        "TZS",
        "UAH",
        "UGX",
        "USD",
        "USN",
        "UYI",
        "UYU",
        "UYW",
        "UZS",
        "VED",
        "VES",
        "VND",
        "VUV",
        "WST",
        "XAF",
        "XAG",
        "XAU",
        "XBA",
        "XBB",
        "XBC",
        "XBD",
        "XCD",
        "XCG",
        "XDR",
        "XOF",
        "XPD",
        "XPF",
        "XPT",
        "XSU",
        "XTS",
        "XUA",
        "XXX",
        "YER",
        "ZAR",
        "ZMW",
        "ZWG",
        "ZWL",
    )
)

#: Uniforms are kept inside (EPS, 1 - EPS) so that ``ppf`` never returns the edge of an
#: unbounded support (an infinite price).
_EPS = 1e-12


@dataclass(frozen=True)
class Bounds:
    """Allowed range of an input, with the unit and an example used in error messages."""

    lower: float | None = None
    upper: float | None = None
    lower_inclusive: bool = False
    upper_inclusive: bool = True
    unit: str = ""
    example: str = ""

    def describe(self) -> str:
        lo = "" if self.lower is None else f"{'>=' if self.lower_inclusive else '>'} {self.lower:g}"
        hi = "" if self.upper is None else f"{'<=' if self.upper_inclusive else '<'} {self.upper:g}"
        return " and ".join(p for p in (lo, hi) if p) or "finite"

    def violated(self, values: np.ndarray) -> np.ndarray:
        bad = ~np.isfinite(values)
        if self.lower is not None:
            bad |= values < self.lower if self.lower_inclusive else values <= self.lower
        if self.upper is not None:
            bad |= values > self.upper if self.upper_inclusive else values >= self.upper
        return bad


def positive_number(name: str, value: Any, what: str = "number") -> float:
    """``value`` as one positive, finite float, or a :class:`DataError` naming ``name``.

    ``what`` says what the number is (e.g. "a loss", "raw count or FLOPs") in the message.

    Examples
    --------
    >>> positive_number("baseline_loss", 2.6, "a loss")
    2.6
    """
    if isinstance(value, bool | str | bytes) or np.ndim(value) != 0:
        # a string is refused, not parsed: "7e9" and "7B" look alike to a reader
        raise DataError(f"{name} must be one positive number ({what}); got {value!r}")
    try:
        number = float(value)
    except (TypeError, ValueError) as err:
        raise DataError(f"{name} must be a positive number ({what}); got {value!r}") from err
    if not np.isfinite(number) or number <= 0:
        raise DataError(f"{name} must be positive and finite ({what}); got {value!r}")
    return number


def check_currency(
    code: object, where: str = "currency", *, error: type[Exception] = DataError
) -> str:
    """``code`` if it is an active ISO 4217 currency code, else ``error`` naming ``where``.

    Examples
    --------
    >>> check_currency("JPY")
    'JPY'
    >>> check_currency("YEN")
    Traceback (most recent call last):
    ...
    scaling_bayes.core.exceptions.DataError: currency must be an ISO 4217 code such as 'JPY', \
'USD' or 'EUR'; got 'YEN' (the yen is 'JPY')
    """
    if not isinstance(code, str) or code not in ISO_4217:
        hint = ""
        if isinstance(code, str) and code.upper() in ISO_4217:
            hint = f" (codes are upper case: {code.upper()!r})"
        elif isinstance(code, str) and code.strip().upper() in _CURRENCY_NAMES:
            hint = f" (the {code.strip().lower()} is {_CURRENCY_NAMES[code.strip().upper()]!r})"
        raise error(
            f"{where} must be an ISO 4217 code such as 'JPY', 'USD' or 'EUR'; got {code!r}{hint}"
        )
    return code


#: Common names written where a code belongs, for the hint in :func:`check_currency`.
_CURRENCY_NAMES = {"YEN": "JPY", "EURO": "EUR", "DOLLAR": "USD", "POUND": "GBP", "YUAN": "CNY"}


def is_distribution(value: object) -> bool:
    """True for a frozen ``scipy.stats`` distribution (anything with ``ppf``, ``rvs``, ``support``).

    Examples
    --------
    >>> from scipy import stats
    >>> is_distribution(stats.uniform(2, 2)), is_distribution(3.0)
    (True, False)
    """
    return all(hasattr(value, a) for a in ("ppf", "rvs", "support")) and not isinstance(
        value, stats.rv_continuous | stats.rv_discrete
    )


def is_uncertain(value: object) -> bool:
    """True for a distribution or an array of draws (an input that varies between draws)."""
    return is_distribution(value) or isinstance(value, np.ndarray)


def check_input(name: str, value: Any, bounds: Bounds) -> object:
    """Validate one input; return it as a float, a frozen distribution or a float array.

    Raises
    ------
    DataError
        Naming ``name``: a wrong type, a number or draws outside ``bounds``, an unfrozen
        distribution, or a distribution whose support leaves ``bounds`` (e.g. a normal price,
        which can be negative).

    Examples
    --------
    >>> check_input("mfu", 0.4, Bounds(0.0, 1.0))
    0.4
    >>> check_input("mfu", 40, Bounds(0.0, 1.0))
    Traceback (most recent call last):
    ...
    scaling_bayes.core.exceptions.DataError: mfu must be > 0 and <= 1; got 40
    """
    rule = bounds.describe()
    example = f" (e.g. {bounds.example})" if bounds.example else ""
    if isinstance(value, stats.rv_continuous | stats.rv_discrete):
        raise DataError(
            f"{name} is an unfrozen scipy.stats distribution; give its parameters, "
            f"e.g. scipy.stats.{value.name}(...) with loc/scale{example}"
        )
    if is_distribution(value):
        with np.errstate(all="ignore"):
            probe = np.asarray(value.ppf([0.01, 0.5, 0.99]), dtype=float)
            lo, hi = (float(v) for v in value.support())
        if not np.isfinite(probe).all() or np.isnan([lo, hi]).any():
            raise DataError(
                f"{name} is a distribution with parameters that are not finite numbers (its "
                f"quantiles are {probe.tolist()}); give finite parameters{example}"
            )
        leaves = (bounds.lower is not None and lo < bounds.lower) or (
            bounds.upper is not None and hi > bounds.upper
        )
        if leaves:
            raise DataError(
                f"{name} is a distribution with support [{lo:g}, {hi:g}] but {name} must be "
                f"{rule}{_unit(bounds)}; use a distribution that stays in range, e.g. "
                "scipy.stats.uniform, truncnorm, lognorm, gamma or beta"
            )
        _warn_infinite_mean(name, value)
        return value
    if isinstance(value, bool) or value is None or isinstance(value, str):
        raise DataError(
            f"{name} must be a number, a frozen scipy.stats distribution or an array of draws"
            f"{example}; got {value!r}"
        )
    if np.ndim(value) == 0:
        try:
            number = float(value)
        except (TypeError, ValueError) as err:
            raise DataError(
                f"{name} must be a number, a frozen scipy.stats distribution or an array of "
                f"draws{example}; got {value!r}"
            ) from err
        if bounds.violated(np.array([number])).any():
            raise DataError(f"{name} must be {rule}{_unit(bounds)}{example}; got {value!r}")
        return number
    arr = np.asarray(value, dtype=float)
    if arr.ndim != 1 or arr.size == 0:
        raise DataError(f"{name}: an array of draws must be 1-d and non-empty; got {arr.shape}")
    bad = bounds.violated(arr)
    if bad.any():
        raise DataError(
            f"{name} draws must be {rule}{_unit(bounds)}; {int(bad.sum())} of {arr.size} are not "
            f"(e.g. {arr[bad][0]!r})"
        )
    return arr.copy()


def _warn_infinite_mean(name: str, dist) -> None:
    """Warn when a distribution has no finite mean: no expectation over it exists."""
    try:
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # scipy's own integration warnings
            mean = float(dist.mean())
    except (TypeError, ValueError, ArithmeticError):
        return
    if not np.isfinite(mean):
        kind = getattr(getattr(dist, "dist", None), "name", type(dist).__name__)
        warnings.warn(
            f"{name} is a {kind} distribution with no finite mean: the expectations that depend "
            "on it (expected net benefit, expected ROI, EVPI) do not exist, and results flag them "
            "as unreliable (Pareto k-hat above 0.7). For finite expectations truncate it (e.g. "
            "scipy.stats.truncpareto) or use a distribution with a finite mean",
            InputWarning,
            stacklevel=4,
        )


def _unit(bounds: Bounds) -> str:
    return f" ({bounds.unit})" if bounds.unit else ""


def seed_entropy(random_seed: int | np.integer | None) -> int:
    """Entropy of the seed sequence behind ``random_seed`` (fresh entropy when None).

    Recording it in results makes even an unseeded run reproducible.

    Examples
    --------
    >>> seed_entropy(0)
    0
    """
    if random_seed is not None and (
        isinstance(random_seed, bool) or not isinstance(random_seed, int | np.integer)
    ):
        raise DataError(f"random_seed must be an integer or None; got {random_seed!r}")
    if random_seed is not None and random_seed < 0:
        raise DataError(f"random_seed must be a non-negative integer; got {random_seed!r}")
    return int(np.random.SeedSequence(random_seed).entropy)


def uniforms(entropy: int, name: str, n: int) -> np.ndarray:
    """The stream of ``n`` uniforms of input ``name`` (same entropy and name, same numbers)."""
    key = zlib.crc32(name.encode())
    rng = np.random.default_rng(np.random.SeedSequence(entropy, spawn_key=(1, key)))
    return np.clip(rng.random(n), _EPS, 1 - _EPS)


def child_seed(entropy: int, stream: int) -> int:
    """An integer seed for an engine call (e.g. the noise of ``model.predict``)."""
    seq = np.random.SeedSequence(entropy, spawn_key=(0, stream))
    return int(seq.generate_state(1, dtype=np.uint32)[0])


def draw_input(name: str, value: Any, n: int, u: np.ndarray | None, bounds: Bounds) -> np.ndarray:
    """``n`` draws of one validated input (``u`` are its uniforms when it is a distribution)."""
    if is_distribution(value):
        out = np.asarray(value.ppf(u), dtype=float)
        bad = bounds.violated(out)
        if bad.any():
            raise DataError(
                f"{name}: the distribution gave {int(bad.sum())} draws that are not "
                f"{bounds.describe()} (e.g. {out[bad][0]!r}); check its parameters"
            )
        return out
    if isinstance(value, np.ndarray):
        if value.size != n:
            raise DataError(
                f"{name} has {value.size} draws but there are {n} loss draws; an array input "
                "must give one draw per joint draw (or pass a number or a scipy.stats "
                "distribution)"
            )
        return value
    return np.full(n, float(value))


def sample_inputs(
    inputs: Mapping[str, tuple[object, Bounds]],
    n: int,
    entropy: int,
    *,
    fixed: Mapping[str, float] | None = None,
) -> dict[str, np.ndarray]:
    """Joint draws of named inputs: ``{name: array of n}``.

    Parameters
    ----------
    inputs : mapping of name to (value, bounds)
        Validated inputs (see :func:`check_input`); names are qualified, e.g.
        ``"cost.usd_per_gpu_hour"``, and key the random streams.
    fixed : mapping, optional
        Inputs to hold at a given value instead (the sensitivity analysis).
    """
    fixed = fixed or {}
    out = {}
    for name, (value, bounds) in inputs.items():
        if name in fixed:
            out[name] = np.full(n, float(fixed[name]))
            continue
        u = uniforms(entropy, name, n) if is_distribution(value) else None
        out[name] = draw_input(name, value, n, u, bounds)
    return out


def input_quantile(value: Any, q: float) -> float:
    """The ``q`` quantile of an input (the number itself for a fixed input).

    Examples
    --------
    >>> from scipy import stats
    >>> round(input_quantile(stats.uniform(2, 2), 0.9), 2)
    3.8
    """
    if is_distribution(value):
        return float(value.ppf(q))
    if isinstance(value, np.ndarray):
        return float(np.quantile(value, q))
    return float(value)


def describe_input(value: Any) -> str:
    """Short description of an input for texts: ``'3'``, ``'uniform on 2-4'``, ``'40k'``.

    Examples
    --------
    >>> from scipy import stats
    >>> describe_input(0.4), describe_input(3e6)
    ('0.4', '3M')
    >>> describe_input(stats.uniform(2, 2))
    'uniform on 2-4'
    >>> describe_input(stats.lognorm(0.3, scale=3e6))
    'lognorm (median 3M, 90% range 1.83M-4.91M)'
    """
    if is_distribution(value):
        dist = getattr(getattr(value, "dist", None), "name", "distribution")
        if dist == "uniform":
            lo, hi = value.support()
            return f"uniform on {_short(lo)}-{_short(hi)}"
        lo, hi = value.ppf(0.05), value.ppf(0.95)
        return f"{dist} (median {_short(value.median())}, 90% range {_short(lo)}-{_short(hi)})"
    if isinstance(value, np.ndarray):
        lo, mid, hi = np.quantile(value, [0.05, 0.5, 0.95])
        return f"{value.size} draws (median {_short(mid)}, 90% range {_short(lo)}-{_short(hi)})"
    return _short(value)


def _short(x: float) -> str:
    """A number in 3 significant digits with a k/M/B suffix: 40000 -> '40k'."""
    x = float(x)
    for div, suffix in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(x) >= div:
            return f"{x / div:.3g}{suffix}"
    return f"{x:.3g}"
