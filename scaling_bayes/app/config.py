"""The review configuration file: one TOML file describes a whole risk review.

Every key is checked before anything is fitted, in one place: the schema below (pydantic v2
models with ``extra="forbid"`` and no NaN or infinity). Unknown keys, missing files, wrong types,
NaN or infinite numbers (TOML ``nan``/``inf``), unknown names (law, prior preset, GPU), plan
names used twice, texts over their limits (:data:`MAX_TITLE`, :data:`MAX_PLAN_NAME`), money in
two currencies, implausible units and more work than fits in memory
(:func:`scaling_bayes.decision.check_workload`)
each raise a :class:`~scaling_bayes.core.exceptions.ConfigError` that names the key (as
``[section].key``) and the fix. The checks that need the data or the model (columns present,
prior names, the plans' axes) run in :mod:`scaling_bayes.app.preflight`, still before anything
is created. Example (the bundled one is
``scaling_bayes/datasets/example_review.toml``)::

    [data]
    path = "runs.csv"             # relative to this file
    params = "params"             # column names; tokens, compute, loss, group likewise
    # optional, for an axis or a metric in your own words (a vision model's learning curve):
    # kinds = { tokens = "count" }                 # no language-model unit rules on that axis
    # axis_labels = { tokens = "labelled images" } # names in tables, plots and the memo
    # axis_units = { tokens = "images" }
    # metric = { name = "error rate", unit = "fraction", direction = "lower", bounds = [0, 1] }
    #                           # a bounded metric gets law = "saturating" unless [model].law is set

    [model]
    law = "chinchilla"            # chinchilla | power | kaplan | broken_power | saturating
    priors = "weak"               # weak | literature
    extrapolation_error = 0.0
    [model.prior_overrides]
    alpha = { dist = "LogNormal", mu = -1.1, sigma = 0.3 }

    [cost]                        # every amount in [cost].currency
    gpu = "H100"
    per_gpu_hour = { dist = "uniform", low = 2.0, high = 4.0 }
    mfu = { dist = "uniform", low = 0.35, high = 0.55 }
    fixed = 300000                # one-off, EVERY plan (one plan's own: [[plans]].integration)
    currency = "USD"              # ISO 4217; [value].currency must be the same (USD by default)
    # optional:
    # per_sample = { dist = "uniform", low = 25, high = 40 }   # acquisition + labelling per ADDED
    #                             # sample (plan's tokens minus the largest pilot run's)
    # pilot_gpu_hours = 1.5       # GPU-hours a pilot run took (instead of 6ND / MFU) ...
    # pilot_size = 8000           # ... at this data size (default: the largest run's tokens)
    # gpu_hours_exponent = 1.0    # GPU-hours grow as (size / pilot_size) ^ exponent
    # running_per_year = 2000000  # inference, maintenance, staff per year, every plan
    # per_kwh, per_tonne_co2e, power_kw, pue, grid_gco2_per_kwh

    [value]
    kind = "linear"               # linear | target (keys of the other kind are refused)
    baseline_loss = 2.6
    per_unit = 1500000            # money per unit of improvement (per year with horizon_years)
    unit = 1.0                    # or "percentage point" (0.01 of a fraction) or "basis point"
    currency = "USD"

    [[plans]]
    name = "1B"
    params = 1e9
    tokens = 2e10
    integration = 5000000         # optional: one-off cost of this plan only
    running_per_year = 1000000    # optional: replaces [cost].running_per_year for this plan

    [decision]
    threshold = 0.2               # ROI threshold as a fraction (0.2 = 20%)
    seed = 0
    kpi_target = 2.3              # optional: the metric the plan must reach (set in advance)
    payback_months = 24           # optional: the payback target in months (set in advance)

    [pilot]                       # optional: is one more small run worth it?
    params = 1.5e9
    tokens = 3e10
    cost = 20000                  # optional; default: its own run (compute, energy, carbon,
                                  # added data) under [cost], never the plans' fixed costs

Money keys are neutral (``per_gpu_hour``, ``fixed``, ``per_kwh``, ``per_tonne_co2e``,
``per_unit``, ``if_met``, ``[pilot].cost``): every amount is in the currency the section names.
The names of earlier releases (``usd_per_gpu_hour``, ``fixed_usd``, ``usd_per_kwh``,
``usd_per_tonne_co2e``, ``usd_per_loss_unit``, ``usd_if_met``, ``[pilot].cost_usd``) are still
read, with a ``DeprecationWarning`` naming the new key; giving both is refused.

    [memo]
    title = "Scaling the language model"
    author = "Risk office"
    language = "en"               # en | ja

    [form_check]                  # optional: how the form check fits each law form
    posterior = "laplace"         # laplace (default: each form's Laplace approximation,
                                  # milliseconds) | nuts (each form's exact posterior sampled
                                  # by NUTS, seeded by [decision].seed; seconds per form
                                  # once compiled)
    # draws = 6000                # nuts only: draws and tuning steps per chain of each form
    # tune = 6000                 # (default 3000 + 3000)

Uncertain inputs are numbers or tables ``{ dist = ..., ... }``: ``uniform`` (``low``, ``high``),
``normal`` (``mean``, ``sd``), ``lognormal`` (``median``, ``sigma`` of the log), ``triangular``
(``low``, ``mode``, ``high``).
"""

from __future__ import annotations

import math
import tomllib
import unicodedata
import warnings
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, model_validator
from scipy import stats

from ..core.constants import DEFAULT_CHAINS, DEFAULT_DRAWS
from ..core.exceptions import ConfigError
from ..core.units import check_axis_values

__all__ = [
    "MAX_AUTHOR",
    "MAX_PLANS",
    "MAX_PLAN_NAME",
    "MAX_TITLE",
    "ReviewConfig",
    "check_work",
    "load_config",
    "parse_config",
]

#: Longest memo title and author (characters): they head every page and table of the memo.
MAX_TITLE = 200
MAX_AUTHOR = 200
#: Longest plan name (characters): it labels table rows and figure axes.
MAX_PLAN_NAME = 80
#: Most candidate plans in one review: the memo shows one row and one panel per plan.
MAX_PLANS = 100
#: Largest seed numpy and the samplers take.
MAX_SEED = 2**32 - 1
#: Old key -> new key, per section: read with a DeprecationWarning.
RENAMED_KEYS = {
    "cost": {
        "usd_per_gpu_hour": "per_gpu_hour",
        "fixed_usd": "fixed",
        "usd_per_kwh": "per_kwh",
        "usd_per_tonne_co2e": "per_tonne_co2e",
    },
    "value": {"usd_per_loss_unit": "per_unit", "usd_if_met": "if_met"},
    "pilot": {"cost_usd": "cost"},
}
#: Config key -> keyword of the Python API, where they differ.
PYTHON_NAMES = {
    "cost": {new: old for old, new in RENAMED_KEYS["cost"].items()},
    "value": {new: old for old, new in RENAMED_KEYS["value"].items()},
}
_DISTRIBUTIONS = {
    "uniform": ("low", "high"),
    "normal": ("mean", "sd"),
    "lognormal": ("median", "sigma"),
    "triangular": ("low", "mode", "high"),
}
_VALUE_KEYS = {
    "linear": {"baseline_loss", "per_unit", "floor_at_zero", "unit"},
    "target": {"target_loss", "if_met", "partial_from"},
}
_VALUE_REQUIRED = {
    "linear": ("baseline_loss", "per_unit"),
    "target": ("target_loss", "if_met"),
}


@dataclass(frozen=True)
class ReviewConfig:
    """A validated review configuration (see the module docstring for the file format)."""

    source: Path
    data: dict
    model: dict
    cost: dict
    value: dict
    plans: list[dict]
    decision: dict = field(default_factory=dict)
    pilot: dict | None = None
    memo: dict = field(default_factory=dict)
    form_check: dict = field(default_factory=dict)

    @property
    def data_path(self) -> Path:
        return Path(self.data["path"])

    @property
    def seed(self) -> int:
        return int(self.decision.get("seed", 0))

    @property
    def threshold(self) -> float:
        return float(self.decision.get("threshold", 0.0))

    @property
    def payback_target(self) -> float | None:
        """The payback target in months (``[decision].payback_months``), or None."""
        months = self.decision.get("payback_months")
        return None if months is None else float(months)

    @property
    def kpi_target(self) -> float | None:
        """The KPI target in the metric's units (``[decision].kpi_target``), or None."""
        target = self.decision.get("kpi_target")
        return None if target is None else float(target)

    @property
    def pilot_cost(self) -> float | None:
        """The pilot's cost (``[pilot].cost``), or None: its own run under ``[cost]``."""
        return None if self.pilot is None else self.pilot.get("cost")

    @property
    def form_posterior(self) -> str:
        """How the form check fits each form (``[form_check].posterior``): ``"laplace"`` or
        ``"nuts"``, passed to :func:`~scaling_bayes.checks.forms.form_check` as ``posterior``."""
        return str(self.form_check.get("posterior", "laplace"))

    @property
    def form_sampler_settings(self) -> dict:
        """NUTS settings of the form check's forms (``[form_check].draws``, ``tune``: draws and
        tuning steps per chain), as ``form_check(sampler_settings=...)`` takes them; empty for
        the defaults."""
        return {k: int(self.form_check[k]) for k in ("draws", "tune") if k in self.form_check}

    @property
    def n_draws(self) -> int:
        """Posterior draws the fit keeps (chains x draws per chain)."""
        return int(self.model.get("chains", DEFAULT_CHAINS)) * int(
            self.model.get("draws", DEFAULT_DRAWS)
        )


def load_config(path: str | Path) -> ReviewConfig:
    """Read and validate a review TOML file.

    Raises
    ------
    ConfigError
        A missing or unreadable file, TOML syntax errors, unknown keys, wrong types or units,
        NaN or infinite numbers, duplicate plan names, over-long texts, too much work.

    Examples
    --------
    >>> from scaling_bayes.datasets import example_config_path
    >>> config = load_config(example_config_path())
    >>> [p["name"] for p in config.plans][:2], config.threshold
    (['1B', '3B'], 0.2)
    """
    path = Path(path)
    if not path.is_file():
        what = "is a folder, not a file" if path.is_dir() else "does not exist"
        raise ConfigError(f"config file '{path}' {what}; give the path of a review TOML file")
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as err:
        raise ConfigError(f"'{path}' is not valid TOML: {err}") from err
    except OSError as err:
        raise ConfigError(f"cannot read config file '{path}': {err}") from err
    return parse_config(raw, base=path.parent, source=path)


def parse_config(raw: dict, *, base: Path, source: Path | None = None) -> ReviewConfig:
    """Validate a config already read into a dict; relative paths resolve against ``base``.

    Every check lives in the schema below (pydantic, ``extra="forbid"``, no NaN or infinity);
    its errors become one :class:`ConfigError` naming ``[section].key`` and the fix.
    """
    if not isinstance(raw, dict):
        raise ConfigError(f"a review config is a TOML table of sections; got {type(raw).__name__}")
    raw = _renamed(raw)
    try:
        checked = _Review.model_validate(raw)
    except ValidationError as err:
        raise ConfigError(_explain(err)) from None
    data = _fields(checked.data)
    try:
        data_path = (Path(base) / data["path"]).resolve()
        is_file = data_path.is_file()
    except (OSError, ValueError) as err:  # a NUL byte, a name too long for the filesystem
        raise ConfigError(
            f"[data].path {data['path'][:80]!r} is not a usable path: {err}"
        ) from None
    if not is_file:
        what = "is a folder, not a file" if data_path.is_dir() else "does not exist"
        raise ConfigError(
            f"[data].path: data file '{data_path}' {what}; give a CSV path relative to the config"
        )
    data["path"] = str(data_path)
    return ReviewConfig(
        source=source or Path(base),
        data=data,
        model=_fields(checked.model),
        cost=_fields(checked.cost),
        value=_fields(checked.value),
        plans=[_fields(p) for p in checked.plans],
        decision=_fields(checked.decision),
        pilot=None if checked.pilot is None else _fields(checked.pilot),
        memo=_fields(checked.memo),
        form_check=_fields(checked.form_check),
    )


def check_work(n_plans: int, n_draws: int) -> None:
    """Refuse a review whose scale comparison is too large, before anything runs.

    Two limits: at most :data:`MAX_PLANS` candidates (the memo shows one row and one panel per
    plan), and the memory of the joint draws, checked by
    :func:`scaling_bayes.decision.check_workload` (the one place that estimates it).

    Examples
    --------
    >>> check_work(5, 8000)
    >>> check_work(20_000, 8000)
    Traceback (most recent call last):
    ...
    scaling_bayes.core.exceptions.ConfigError: 20000 plans: a review compares at most 100 ...
    """
    from ..decision import check_workload

    if n_plans > MAX_PLANS:
        raise ConfigError(
            f"{n_plans} plans: a review compares at most {MAX_PLANS} [[plans]] (one row and one "
            "panel of the memo each); keep the candidates the board chooses among and review "
            "other sets separately"
        )
    check_workload(n_plans, n_draws)


# ---------------------------------------------------------------------- field checks
def _renamed(raw: dict) -> dict:
    """The config with the key names of earlier releases replaced, each with a warning."""
    out = dict(raw)
    for section, renames in RENAMED_KEYS.items():
        table = out.get(section)
        if not isinstance(table, dict):
            continue
        table = dict(table)
        for old, new in renames.items():
            if old not in table:
                continue
            if new in table:
                raise ConfigError(
                    f"[{section}] gives both {old} and {new}; keep {new} (the key {old} is its "
                    "old name)"
                )
            warnings.warn(
                f"[{section}].{old} is deprecated; write [{section}].{new} (same value, in "
                f"[{section}].currency)",
                DeprecationWarning,
                stacklevel=4,
            )
            table[new] = table.pop(old)
        out[section] = table
    return out


def _fields(section: BaseModel) -> dict:
    """The keys the user gave, with their checked values (scipy distributions kept as is)."""
    out = {k: getattr(section, k) for k in section.model_fields_set}
    return {k: _fields(v) if isinstance(v, BaseModel) else v for k, v in out.items()}


def _text(value, limit: int, *, empty_ok: bool = False) -> str:
    if not isinstance(value, str):
        raise ValueError(f" must be a string, got {value!r}")
    if not value.strip() and not empty_ok:
        raise ValueError(" must be a non-empty string")
    if len(value) > limit:
        raise ValueError(f" is {len(value)} characters long; keep it to at most {limit}")
    bad = [c for c in value if unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp")]
    if bad:
        raise ValueError(
            f" contains a line break or control character ({bad[0]!r}); write it on one line"
        )
    return value


def _short_text(limit: int, empty_ok: bool = False):
    return BeforeValidator(lambda v: _text(v, limit, empty_ok=empty_ok))


def _column(value):
    if value is False:
        return False
    if not isinstance(value, str) or not value:
        raise ValueError(f" must be a column name (string) or false, got {value!r}")
    return _text(value, 200)


def _finite(value, what: str = "") -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{what} must be a number, got {value!r}")
    if not math.isfinite(value):
        raise ValueError(
            f"{what} must be a finite number, got {value!r}; TOML nan and inf are not amounts"
        )
    return float(value)


def _uncertain(value):
    """A number, or a ``{dist = ...}`` table turned into a frozen scipy.stats distribution."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _finite(value)
    if not isinstance(value, dict) or "dist" not in value:
        raise ValueError(
            f' must be a number or a table like {{ dist = "uniform", low = 2, high = 4 }}, '
            f"got {value!r}"
        )
    kind = _one_of(value["dist"], _DISTRIBUTIONS, where=": dist", quote=False)
    wanted = _DISTRIBUTIONS[kind]
    given = set(value) - {"dist"}
    if given != set(wanted):
        raise ValueError(f": a {kind} distribution takes {', '.join(wanted)}; got {sorted(given)}")
    p = {key: _finite(value[key], f".{key}") for key in wanted}
    if kind == "uniform":
        if not p["low"] < p["high"]:
            raise ValueError(": low must be below high")
        return stats.uniform(loc=p["low"], scale=p["high"] - p["low"])
    if kind == "normal":
        if p["sd"] <= 0:
            raise ValueError(".sd must be positive")
        return stats.norm(loc=p["mean"], scale=p["sd"])
    if kind == "lognormal":
        if p["median"] <= 0 or p["sigma"] <= 0:
            raise ValueError(": median and sigma must be positive")
        return stats.lognorm(s=p["sigma"], scale=p["median"])
    if not p["low"] <= p["mode"] <= p["high"] or p["low"] == p["high"]:
        raise ValueError(": triangular needs low <= mode <= high with low < high")
    width = p["high"] - p["low"]
    return stats.triang(c=(p["mode"] - p["low"]) / width, loc=p["low"], scale=width)


def _one_of(value, choices: Collection[str], *, where: str = "", quote: bool = True) -> str:
    """``value`` when it is one of the names ``choices``, else a ValueError listing them."""
    if not isinstance(value, str) or value not in choices:
        names = ", ".join(repr(k) if quote else k for k in choices)
        raise ValueError(f"{where} must be one of {names}, got {value!r}")
    return value


def _leaves_finite(value, where: str) -> None:
    if isinstance(value, bool):
        return
    if isinstance(value, int | float) and not math.isfinite(value):
        raise ValueError(f"{where} must be a finite number, got {value!r}")
    if isinstance(value, dict):
        for k, v in value.items():
            _leaves_finite(v, f"{where}.{k}")
    if isinstance(value, list):
        for v in value:
            _leaves_finite(v, where)


def _priors(raw) -> dict:
    from pymc_extras.prior import Prior

    if not isinstance(raw, dict):
        raise ValueError(" must be a table of parameter = { dist = ... }")
    out = {}
    for name, spec in raw.items():
        where = f".{name}"
        if isinstance(spec, int | float) and not isinstance(spec, bool):
            out[name] = _finite(spec, where)
            continue
        if not isinstance(spec, dict) or not isinstance(spec.get("dist"), str):
            raise ValueError(
                f'{where} must be a table like {{ dist = "LogNormal", mu = -1.1, sigma = 0.3 }}'
            )
        _leaves_finite(spec, where)
        kwargs = {k: v for k, v in spec.items() if k != "dist"}
        try:
            out[name] = Prior(spec["dist"], **kwargs)
        except Exception as err:  # pymc_extras raises several types for bad distributions
            raise ValueError(f"{where}: {err}") from err
    return out


def _gpu(value):
    from ..decision.cost import GPU_SPECS

    return _one_of(value, GPU_SPECS, quote=False)


def _currency(value):
    from ..core.exceptions import DataError
    from ..decision.inputs import check_currency

    try:
        return check_currency(value, "")
    except DataError as err:
        raise ValueError(str(err)) from None


def _non_negative(what: str):
    """A number >= 0 or a distribution (whose support the decision layer checks)."""

    def check(value):
        checked = _uncertain(value)
        if isinstance(checked, float) and checked < 0:
            raise ValueError(f" must be at least 0 ({what}), got {value!r}; costs are not negative")
        return checked

    return BeforeValidator(check)


def _value_unit(value):
    from ..decision.value import VALUE_UNITS

    if isinstance(value, str):
        if value not in VALUE_UNITS:
            raise ValueError(
                f" must be one of {', '.join(repr(k) for k in VALUE_UNITS)} or a positive number "
                f"(the metric change one unit of value stands for), got {value!r}"
            )
        return value
    checked = _finite(value)
    if checked <= 0:
        raise ValueError(f" must be a positive number such as 0.01, got {value!r}")
    return checked


def _payback_months(value):
    checked = _finite(value)
    if checked <= 0:
        raise ValueError(
            f" = {value!r}: the payback target is a positive number of months (e.g. 24 for two "
            "years)"
        )
    if checked > 1200:
        raise ValueError(f" = {value!r} months is more than a century; give months, not days")
    return checked


def _law(value):
    from ..core.laws import LAWS

    return _one_of(value, LAWS)


def _preset(value):
    from ..core.priors import PRIOR_PRESETS

    return _one_of(value, PRIOR_PRESETS)


def _form_posterior(value):
    from ..core.mixture import POSTERIORS

    return _one_of(value, POSTERIORS)


def _mfu(value):
    checked = _uncertain(value)
    if isinstance(checked, float) and not 0 < checked <= 1:
        raise ValueError(
            f" is {value}; model FLOPs utilisation is a fraction in (0, 1], e.g. 0.4 for 40%"
        )
    return checked


def _threshold(value):
    checked = _finite(value)
    if abs(checked) > 5:
        raise ValueError(
            f" = {checked} looks like a percentage; give the ROI threshold as a fraction "
            "(0.2 for 20%)"
        )
    return checked


def _raw_count(axis: str):
    """A scale in raw counts, checked by the same unit rules as data and plans (core/units.py).

    The rules of the axis's declared kind (``[data].kinds``) apply again across sections, in
    :meth:`_Review._across_sections`; here the language-model rules are only applied when they
    would refuse every kind of axis (not positive, not finite).
    """

    def check(value):
        checked = _finite(value)
        errors = _unit_errors(axis, checked, "count")
        if errors:
            raise ValueError(f" = {checked:g}: " + "; ".join(errors))
        return checked

    return BeforeValidator(check)


def _unit_errors(axis: str, value: float, kind: str | None) -> list[str]:
    return [
        p.message
        for p in check_axis_values(axis, [value], where="the config", kind=kind)
        if p.severity == "error"
    ]


_AXES = ("params", "tokens", "compute")


def _per_axis(value, example: str, check: Callable[[str, Any], object]) -> dict:
    """A table keyed by scale axis (``example`` shows one); ``check(axis, entry)`` each entry."""
    if not isinstance(value, dict):
        raise ValueError(f" must be a table such as {example}")
    for axis, entry in value.items():
        if axis not in _AXES:
            raise ValueError(f".{axis}: the axes are {', '.join(_AXES)}")
        check(axis, entry)
    return value


def _kinds(value):
    from ..core.units import AXIS_KINDS

    def check(axis: str, kind: Any) -> None:
        _one_of(kind, AXIS_KINDS, where=f".{axis}")

    return _per_axis(value, '{ tokens = "count" }', check)


def _axis_texts(value):
    return _per_axis(value, '{ tokens = "labelled images" }', lambda _, text: _text(text, 60))


def _bounds(value):
    if not isinstance(value, list) or len(value) != 2:
        raise ValueError(f" must be [lower, upper], e.g. [0, 1] for a fraction, got {value!r}")
    lo, hi = (_finite(v, "") for v in value)
    if not lo < hi:
        raise ValueError(f" must be [lower, upper] with lower < upper, got {value!r}")
    return (lo, hi)


Finite = Annotated[float, BeforeValidator(_finite)]
Uncertain = Annotated[Any, BeforeValidator(_uncertain)]
_STRICT = ConfigDict(extra="forbid", allow_inf_nan=False, strict=True)


class _Section(BaseModel):
    model_config = _STRICT


class _Metric(_Section):
    name: Annotated[str, _short_text(80)]
    unit: Annotated[str, _short_text(40)] = None
    direction: Literal["lower", "higher"] = "lower"
    bounds: Annotated[Any, BeforeValidator(_bounds)] = None


class _Data(_Section):
    path: Annotated[str, _short_text(4096)]
    params: Annotated[Any, BeforeValidator(_column)] = "params"
    tokens: Annotated[Any, BeforeValidator(_column)] = "tokens"
    compute: Annotated[Any, BeforeValidator(_column)] = None
    loss: Annotated[Any, BeforeValidator(_column)] = "loss"
    group: Annotated[Any, BeforeValidator(_column)] = None
    kinds: Annotated[dict, BeforeValidator(_kinds)] = None
    axis_labels: Annotated[dict, BeforeValidator(_axis_texts)] = None
    axis_units: Annotated[dict, BeforeValidator(_axis_texts)] = None
    metric: _Metric = None


class _Model(_Section):
    law: Annotated[str, BeforeValidator(_law)] = "chinchilla"
    x: Literal["params", "tokens", "compute"] | None = None
    priors: Annotated[str, BeforeValidator(_preset)] = "weak"
    prior_overrides: Annotated[dict, BeforeValidator(_priors)] = Field(default_factory=dict)
    draws: int = Field(default=DEFAULT_DRAWS, ge=1, le=100_000)
    tune: int = Field(default=1000, ge=0, le=100_000)
    chains: int = Field(default=DEFAULT_CHAINS, ge=1, le=64)
    extrapolation_error: float = Field(default=0.0, ge=0.0, lt=1.0)
    loss_unit: Annotated[str, _short_text(40)] = "nats/token"


class _Cost(_Section):
    gpu: Annotated[str, BeforeValidator(_gpu)] = "H100"
    per_gpu_hour: Uncertain = None
    mfu: Annotated[Any, BeforeValidator(_mfu)] = None
    fixed: Annotated[Any, _non_negative("one-off money, every plan")] = None
    power_kw: Uncertain = None
    pue: Uncertain = None
    grid_gco2_per_kwh: Uncertain = None
    per_kwh: Uncertain = None
    per_tonne_co2e: Uncertain = None
    currency: Annotated[str, BeforeValidator(_currency)] = "USD"
    per_sample: Annotated[Any, _non_negative("money per added sample")] = None
    running_per_year: Annotated[Any, _non_negative("money per year")] = None
    pilot_gpu_hours: Uncertain = None
    pilot_size: float = Field(default=None, gt=0)
    gpu_hours_exponent: float = Field(default=None, gt=0, le=3)

    @model_validator(mode="after")
    def _size_needs_hours(self):
        if "pilot_size" in self.model_fields_set and self.pilot_gpu_hours is None:
            raise ValueError(
                ".pilot_size is the data size of the run that took pilot_gpu_hours; give "
                "pilot_gpu_hours too (or remove pilot_size)"
            )
        return self


class _Value(_Section):
    kind: Literal["linear", "target"]
    baseline_loss: float = Field(default=None, gt=0)
    per_unit: Uncertain = None
    unit: Annotated[Any, BeforeValidator(_value_unit)] = None
    floor_at_zero: bool = False
    target_loss: float = Field(default=None, gt=0)
    if_met: Uncertain = None
    partial_from: float = Field(default=None, gt=0)
    horizon_years: float = Field(default=None, gt=0, le=100)
    discount_rate: float = Field(default=None, ge=0, lt=1)
    currency: Annotated[str, BeforeValidator(_currency)] = "USD"

    @model_validator(mode="before")
    @classmethod
    def _keys_of_kind(cls, raw):
        kind = raw.get("kind") if isinstance(raw, dict) else None
        if not isinstance(kind, str) or kind not in _VALUE_KEYS:
            return raw  # the Literal reports the bad kind
        other = "target" if kind == "linear" else "linear"
        stray = sorted(set(raw) & _VALUE_KEYS[other])
        if stray:
            raise ValueError(
                f".{stray[0]} belongs to kind = '{other}'; with kind = '{kind}' remove it "
                f"(kind = '{kind}' takes {', '.join(sorted(_VALUE_KEYS[kind]))})"
            )
        for key in _VALUE_REQUIRED[kind]:
            if key not in raw:
                raise ValueError(f".{key} is required for kind = '{kind}'")
        return raw


class _Plan(_Section):
    name: Annotated[str, _short_text(MAX_PLAN_NAME)] = None
    params: Annotated[float, _raw_count("params")] = None
    tokens: Annotated[float, _raw_count("tokens")] = None
    compute: Annotated[float, _raw_count("compute")] = None
    integration: Annotated[Any, _non_negative("one-off money, this plan only")] = None
    running_per_year: Annotated[Any, _non_negative("money per year, this plan")] = None

    @model_validator(mode="after")
    def _has_scale(self):
        given = self.model_fields_set
        if not ({"params", "tokens"} <= given or "compute" in given or "tokens" in given):
            raise ValueError(
                " needs params and tokens, or compute, or tokens alone (a data axis, with "
                "law = 'power' and x = 'tokens')"
            )
        return self


class _Decision(_Section):
    threshold: Annotated[float, BeforeValidator(_threshold)] = 0.0
    seed: int = Field(default=0, ge=0, le=MAX_SEED)
    kpi_target: Finite = None
    payback_months: Annotated[float, BeforeValidator(_payback_months)] = None


class _Pilot(_Section):
    params: Annotated[float, _raw_count("params")] = None
    tokens: Annotated[float, _raw_count("tokens")] = None
    compute: Annotated[float, _raw_count("compute")] = None
    cost: float = Field(default=None, ge=0)

    @model_validator(mode="after")
    def _has_scale(self):
        if not set(self.model_fields_set) - {"cost"}:
            raise ValueError(" needs the pilot's scale: params and tokens, or compute")
        return self


class _Memo(_Section):
    title: Annotated[str, _short_text(MAX_TITLE)]
    author: Annotated[str, _short_text(MAX_AUTHOR, empty_ok=True)] = ""
    language: Literal["en", "ja"] = "en"


class _FormCheck(_Section):
    posterior: Annotated[str, BeforeValidator(_form_posterior)] = "laplace"
    draws: int | None = Field(default=None, ge=1, le=100_000)
    tune: int | None = Field(default=None, ge=0, le=100_000)

    @model_validator(mode="after")
    def _nuts_settings(self):
        given = [k for k in ("draws", "tune") if getattr(self, k) is not None]
        if given and self.posterior != "nuts":
            raise ValueError(
                f" gives {' and '.join(given)}, which only a NUTS fit of the forms uses; set "
                'posterior = "nuts" or remove them'
            )
        return self


class _Review(_Section):
    data: _Data
    model: _Model = Field(default_factory=_Model)
    cost: _Cost = Field(default_factory=_Cost)
    value: _Value
    plans: list[_Plan] = Field(min_length=1)
    decision: _Decision = Field(default_factory=_Decision)
    pilot: _Pilot | None = None
    memo: _Memo
    form_check: _FormCheck = Field(default_factory=_FormCheck)

    @model_validator(mode="after")
    def _across_sections(self):
        kinds = self.data.kinds or {}
        scaled = [(f"[[plans]] #{i}", plan) for i, plan in enumerate(self.plans, start=1)]
        scaled += [("[pilot]", self.pilot)] if self.pilot is not None else []
        for where, section in scaled:
            for axis in _AXES:
                value = getattr(section, axis)
                errors = [] if value is None else _unit_errors(axis, value, kinds.get(axis))
                if errors:
                    raise ValueError(f"{where}.{axis} = {value:g}: " + "; ".join(errors))
        if self.cost.currency != self.value.currency:
            raise ValueError(
                f"[cost].currency is {self.cost.currency!r} but [value].currency is "
                f"{self.value.currency!r} (USD when not given); every amount of a review is in "
                "one currency: give [cost].currency and [value].currency the same ISO 4217 code"
            )
        seen: dict = {}
        for i, plan in enumerate(self.plans, start=1):
            keys = [("name", plan.name)] if plan.name is not None else []
            keys.append(("scale", (plan.params, plan.tokens, plan.compute)))
            for kind, key in keys:
                if (kind, key) in seen:
                    what = f"name {plan.name!r}" if kind == "name" else "scale"
                    raise ValueError(
                        f"[[plans]] #{i} has the same {what} as #{seen[(kind, key)]}; give each "
                        "plan its own name and scale"
                    )
                seen[(kind, key)] = i
        try:
            check_work(len(self.plans), self.model.chains * self.model.draws)
        except ConfigError as err:
            raise ValueError(str(err)) from None
        return self


# ---------------------------------------------------------------------- messages
_SECTION_KEYS = {
    name: sorted(model.model_fields)
    for name, model in (
        ("data", _Data),
        ("metric", _Metric),
        ("model", _Model),
        ("cost", _Cost),
        ("value", _Value),
        ("decision", _Decision),
        ("pilot", _Pilot),
        ("memo", _Memo),
        ("form_check", _FormCheck),
        ("plans", _Plan),
    )
}


def _where(loc: tuple) -> str:
    """``("plans", 2, "params")`` -> ``[[plans]] #3.params``; ``("cost", "mfu")`` -> ``[cost].mfu``.

    Examples
    --------
    >>> _where(("plans", 2, "params")), _where(("cost", "mfu"))
    ('[[plans]] #3.params', '[cost].mfu')
    """
    if not loc:
        return "the config"
    parts = [p for p in loc if isinstance(p, int | str)]
    if parts[0] == "plans":
        text = "[[plans]]"
        if len(parts) > 1 and isinstance(parts[1], int):
            text += f" #{parts[1] + 1}"
            parts = parts[2:]
        else:
            parts = parts[1:]
    else:
        text = f"[{parts[0]}]"
        parts = parts[1:]
    return text + "".join(f".{p}" for p in parts)


def _explain(err: ValidationError) -> str:
    """One sentence per problem, naming ``[section].key`` and the fix (first three problems)."""
    lines = [_explain_one(e) for e in err.errors()[:3]]
    return "; ".join(dict.fromkeys(lines))


def _explain_one(e: dict) -> str:
    loc, kind, given, ctx = e["loc"], e["type"], e.get("input"), e.get("ctx") or {}
    where = _where(loc)
    if kind == "extra_forbidden":
        if len(loc) == 1:
            known = ", ".join(f"[{k}]" for k in sorted(_Review.model_fields))
            return f"unknown section(s) [{loc[0]}]; expected {known}"
        section = loc[0]
        keys = _SECTION_KEYS.get(section, [])
        label = "plans" if section == "plans" else f"[{section}]"
        return f"unknown key(s) {where}; {label} take(s) {', '.join(keys)}"
    if kind == "missing":
        if len(loc) == 1 and loc[0] == "plans":
            return "the config needs at least one [[plans]] entry with params and tokens"
        if len(loc) == 1:
            return f"the config needs a [{loc[0]}] section (see the example review config)"
        return f"[{loc[0]}] needs {where}"
    if kind == "value_error":
        msg = str(ctx.get("error", e["msg"])) or "is not valid"
        if msg.startswith(("[", "unknown", "the ")) or msg[0].isdigit():
            return msg
        return f"{where}{msg}" if msg.startswith((".", ":", " ")) else f"{where}: {msg}"
    if kind in ("int_type", "int_from_float", "int_parsing"):
        return f"{where} must be an integer, got {given!r}"
    if kind in ("float_type", "float_parsing"):
        return f"{where} must be a number, got {given!r}"
    if kind == "finite_number":
        return f"{where} must be a finite number, got {given!r}; TOML nan and inf are not amounts"
    if kind in ("bool_type", "bool_parsing"):
        return f"{where} must be true or false, got {given!r}"
    if kind in ("string_type",):
        return f"{where} must be a string, got {given!r}"
    if kind == "literal_error":
        return f"{where} must be {ctx.get('expected')}, got {given!r}"
    bounds = {
        "greater_than": ("greater than", "gt"),
        "greater_than_equal": ("at least", "ge"),
        "less_than": ("below", "lt"),
        "less_than_equal": ("at most", "le"),
    }
    if kind in bounds:
        word, key = bounds[kind]
        return f"{where} must be {word} {ctx.get(key)}, got {given!r}"
    if kind in ("model_type", "dict_type", "model_attributes_type"):
        return f"{where} must be a table of keys, got {type(given).__name__}"
    if kind in ("list_type", "too_short"):
        return f"{where} must be a list of [[plans]] tables with at least one entry"
    return f"{where}: {e['msg']}"
