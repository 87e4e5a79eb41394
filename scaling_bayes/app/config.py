"""The review configuration file: one TOML file describes a whole risk review.

Every key is checked before anything is fitted: unknown keys, missing files, wrong types and
implausible units each raise a :class:`~scaling_bayes.core.exceptions.ConfigError` that names the
key (as ``[section].key``) and the expected form. Example (the bundled one is
``scaling_bayes/datasets/example_review.toml``)::

    [data]
    path = "runs.csv"             # relative to this file
    params = "params"             # column names; tokens, compute, loss, group likewise

    [model]
    law = "chinchilla"            # chinchilla | power | kaplan | broken_power
    priors = "weak"               # weak | literature
    extrapolation_error = 0.0
    [model.prior_overrides]
    alpha = { dist = "LogNormal", mu = -1.1, sigma = 0.3 }

    [cost]
    gpu = "H100"
    usd_per_gpu_hour = { dist = "uniform", low = 2.0, high = 4.0 }
    mfu = { dist = "uniform", low = 0.35, high = 0.55 }
    fixed_usd = 300000

    [value]
    kind = "linear"               # linear | target
    baseline_loss = 2.6
    usd_per_loss_unit = 1500000

    [[plans]]
    name = "1B"
    params = 1e9
    tokens = 2e10

    [decision]
    threshold = 0.2               # ROI threshold as a fraction (0.2 = 20%)
    seed = 0

    [pilot]                       # optional: is one more small run worth it?
    params = 1.5e9
    tokens = 3e10
    cost_usd = 20000              # optional; default: its compute cost under [cost]

    [memo]
    title = "Scaling the inspection model"
    author = "Risk office"
    language = "en"               # en | ja

Uncertain inputs are numbers or tables ``{ dist = ..., ... }``: ``uniform`` (``low``, ``high``),
``normal`` (``mean``, ``sd``), ``lognormal`` (``median``, ``sigma`` of the log), ``triangular``
(``low``, ``mode``, ``high``).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from scipy import stats

from ..core.exceptions import ConfigError

__all__ = ["ReviewConfig", "load_config", "parse_config"]

_SECTIONS = {
    "data": {"path", "params", "tokens", "compute", "loss", "group"},
    "model": {
        "law",
        "x",
        "priors",
        "prior_overrides",
        "draws",
        "tune",
        "chains",
        "extrapolation_error",
        "loss_unit",
    },
    "cost": {
        "gpu",
        "usd_per_gpu_hour",
        "mfu",
        "fixed_usd",
        "power_kw",
        "pue",
        "grid_gco2_per_kwh",
        "usd_per_kwh",
        "usd_per_tonne_co2e",
        "currency",
    },
    "value": {
        "kind",
        "baseline_loss",
        "usd_per_loss_unit",
        "floor_at_zero",
        "target_loss",
        "usd_if_met",
        "partial_from",
        "horizon_years",
        "discount_rate",
    },
    "decision": {"threshold", "seed"},
    "pilot": {"params", "tokens", "compute", "cost_usd"},
    "memo": {"title", "author", "language"},
}
_REQUIRED = {"data": {"path"}, "value": {"kind"}, "memo": {"title"}}
_PLAN_KEYS = {"name", "params", "tokens", "compute"}
_DISTRIBUTIONS = {
    "uniform": ("low", "high"),
    "normal": ("mean", "sd"),
    "lognormal": ("median", "sigma"),
    "triangular": ("low", "mode", "high"),
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

    @property
    def data_path(self) -> Path:
        return Path(self.data["path"])

    @property
    def seed(self) -> int:
        return int(self.decision.get("seed", 0))

    @property
    def threshold(self) -> float:
        return float(self.decision.get("threshold", 0.0))


def load_config(path: str | Path) -> ReviewConfig:
    """Read and validate a review TOML file.

    Raises
    ------
    ConfigError
        A missing or unreadable file, TOML syntax errors, unknown keys, wrong types or units.
    """
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"config file '{path}' does not exist")
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as err:
        raise ConfigError(f"'{path}' is not valid TOML: {err}") from err
    return parse_config(raw, base=path.parent, source=path)


def parse_config(raw: dict, *, base: Path, source: Path | None = None) -> ReviewConfig:
    """Validate a config already read into a dict; relative paths resolve against ``base``."""
    known = set(_SECTIONS) | {"plans"}
    unknown = sorted(set(raw) - known)
    if unknown:
        raise ConfigError(
            f"unknown section(s) {', '.join(f'[{u}]' for u in unknown)}; "
            f"expected {', '.join(f'[{k}]' for k in sorted(known))}"
        )
    sections = {}
    for name, keys in _SECTIONS.items():
        section = raw.get(name, {} if name not in ("pilot",) else None)
        if section is None:
            sections[name] = None
            continue
        if not isinstance(section, dict):
            raise ConfigError(f"[{name}] must be a table of keys, got {type(section).__name__}")
        bad = sorted(set(section) - keys)
        if bad:
            raise ConfigError(
                f"unknown key(s) {', '.join(f'[{name}].{b}' for b in bad)}; "
                f"[{name}] takes {', '.join(sorted(keys))}"
            )
        missing = sorted(_REQUIRED.get(name, set()) - set(section))
        if missing:
            raise ConfigError(f"[{name}] needs {', '.join(f'[{name}].{m}' for m in missing)}")
        sections[name] = dict(section)

    data = sections["data"]
    _string(data, "data", "path")
    data_path = (base / data["path"]).resolve()
    if not data_path.is_file():
        raise ConfigError(f"[data].path: data file '{data_path}' does not exist")
    data["path"] = str(data_path)
    for key in ("params", "tokens", "compute", "loss", "group"):
        if key in data and not (isinstance(data[key], str) or data[key] is False):
            raise ConfigError(f"[data].{key} must be a column name (string) or false")

    model = sections["model"]
    for key in ("law", "x", "priors", "loss_unit"):
        if key in model:
            _string(model, "model", key)
    for key in ("draws", "tune", "chains"):
        if key in model:
            _integer(model, "model", key, minimum=1 if key != "tune" else 0)
    if "extrapolation_error" in model:
        _number(model, "model", "extrapolation_error", low=0.0, high=1.0, low_ok=True)
    if "prior_overrides" in model:
        model["prior_overrides"] = _priors(model["prior_overrides"])

    cost = sections["cost"]
    for key, value in list(cost.items()):
        if key in ("gpu", "currency"):
            _string(cost, "cost", key)
        else:
            cost[key] = _uncertain(value, f"[cost].{key}")
    if "mfu" in cost and isinstance(cost["mfu"], float | int) and cost["mfu"] > 1:
        raise ConfigError(
            f"[cost].mfu is {cost['mfu']}; model FLOPs utilisation is a fraction in (0, 1], "
            "e.g. 0.4 for 40%"
        )

    value = sections["value"]
    kind = value.get("kind")
    if kind not in ("linear", "target"):
        raise ConfigError(f"[value].kind must be 'linear' or 'target', got {kind!r}")
    needed = {
        "linear": ("baseline_loss", "usd_per_loss_unit"),
        "target": ("target_loss", "usd_if_met"),
    }
    for key in needed[kind]:
        if key not in value:
            raise ConfigError(f"[value].{key} is required for kind = '{kind}'")
    for key in ("baseline_loss", "target_loss", "partial_from", "horizon_years", "discount_rate"):
        if key in value:
            _number(value, "value", key)
    for key in ("usd_per_loss_unit", "usd_if_met"):
        if key in value:
            value[key] = _uncertain(value[key], f"[value].{key}")

    plans = raw.get("plans")
    if not isinstance(plans, list) or not plans:
        raise ConfigError("the config needs at least one [[plans]] entry with params and tokens")
    checked = []
    for i, plan in enumerate(plans):
        where = f"[[plans]] #{i + 1}"
        if not isinstance(plan, dict):
            raise ConfigError(f"{where} must be a table")
        bad = sorted(set(plan) - _PLAN_KEYS)
        if bad:
            raise ConfigError(
                f"{where}: unknown key(s) {', '.join(bad)}; plans take {sorted(_PLAN_KEYS)}"
            )
        for key in ("params", "tokens", "compute"):
            if key in plan:
                _number(plan, where, key, low=0.0)
        if "params" in plan and plan["params"] < 1e3:
            raise ConfigError(
                f"{where}: params = {plan['params']} looks like billions; give raw counts "
                f"(e.g. {plan['params']:g}e9)"
            )
        if not ({"params", "tokens"} <= set(plan) or "compute" in plan):
            raise ConfigError(f"{where} needs params and tokens, or compute")
        checked.append(dict(plan))

    decision = sections["decision"]
    if "threshold" in decision:
        _number(decision, "decision", "threshold")
        if abs(decision["threshold"]) > 5:
            raise ConfigError(
                f"[decision].threshold = {decision['threshold']} looks like a percentage; give "
                "the ROI threshold as a fraction (0.2 for 20%)"
            )
    if "seed" in decision:
        _integer(decision, "decision", "seed", minimum=0)

    pilot = sections["pilot"]
    if pilot is not None:
        for key in pilot:
            _number(pilot, "pilot", key, low=0.0)

    memo = sections["memo"]
    for key in ("title", "author", "language"):
        if key in memo:
            _string(memo, "memo", key)
    if memo.get("language", "en") not in ("en", "ja"):
        raise ConfigError(f"[memo].language must be 'en' or 'ja', got {memo['language']!r}")

    return ReviewConfig(
        source=source or base,
        data=data,
        model=model,
        cost=cost,
        value=value,
        plans=checked,
        decision=decision,
        pilot=pilot,
        memo=memo,
    )


# ---------------------------------------------------------------------- field checks
def _string(section: dict, name: str, key: str) -> None:
    if not isinstance(section[key], str) or not section[key]:
        raise ConfigError(f"[{name}].{key} must be a non-empty string, got {section[key]!r}")


def _integer(section: dict, name: str, key: str, minimum: int) -> None:
    value = section[key]
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ConfigError(f"[{name}].{key} must be an integer >= {minimum}, got {value!r}")


def _number(
    section: dict, name: str, key: str, low: float | None = None, high=None, low_ok=False
) -> None:
    """Check a number; ``low`` is an exclusive lower bound unless ``low_ok``."""
    value = section[key]
    label = name if name.startswith("[") else f"[{name}]"
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ConfigError(f"{label}.{key} must be a number, got {value!r}")
    if low is not None and (value < low or (value == low and not low_ok)):
        word = "at least" if low_ok else "greater than"
        raise ConfigError(f"{label}.{key} must be {word} {low:g}, got {value!r}")
    if high is not None and value >= high:
        raise ConfigError(f"{label}.{key} must be below {high:g}, got {value!r}")
    section[key] = float(value)


def _uncertain(value, where: str):
    """A number, or a ``{dist = ...}`` table turned into a frozen scipy.stats distribution."""
    if isinstance(value, bool):
        raise ConfigError(f"{where} must be a number or a distribution table, got {value!r}")
    if isinstance(value, int | float):
        return float(value)
    if not isinstance(value, dict) or "dist" not in value:
        raise ConfigError(
            f'{where} must be a number or a table like {{ dist = "uniform", low = 2, high = 4 }}'
        )
    kind = value["dist"]
    if kind not in _DISTRIBUTIONS:
        raise ConfigError(f"{where}: dist must be one of {', '.join(_DISTRIBUTIONS)}, got {kind!r}")
    wanted = _DISTRIBUTIONS[kind]
    given = set(value) - {"dist"}
    if given != set(wanted):
        raise ConfigError(
            f"{where}: a {kind} distribution takes {', '.join(wanted)}; got {sorted(given)}"
        )
    p = {}
    for key in wanted:
        if isinstance(value[key], bool) or not isinstance(value[key], int | float):
            raise ConfigError(f"{where}.{key} must be a number, got {value[key]!r}")
        p[key] = float(value[key])
    if kind == "uniform":
        if not p["low"] < p["high"]:
            raise ConfigError(f"{where}: low must be below high")
        return stats.uniform(loc=p["low"], scale=p["high"] - p["low"])
    if kind == "normal":
        if p["sd"] <= 0:
            raise ConfigError(f"{where}.sd must be positive")
        return stats.norm(loc=p["mean"], scale=p["sd"])
    if kind == "lognormal":
        if p["median"] <= 0 or p["sigma"] <= 0:
            raise ConfigError(f"{where}: median and sigma must be positive")
        return stats.lognorm(s=p["sigma"], scale=p["median"])
    if not p["low"] <= p["mode"] <= p["high"] or p["low"] == p["high"]:
        raise ConfigError(f"{where}: triangular needs low <= mode <= high with low < high")
    width = p["high"] - p["low"]
    return stats.triang(c=(p["mode"] - p["low"]) / width, loc=p["low"], scale=width)


def _priors(raw) -> dict:
    from pymc_extras.prior import Prior

    if not isinstance(raw, dict):
        raise ConfigError("[model].prior_overrides must be a table of parameter = { dist = ... }")
    out = {}
    for name, spec in raw.items():
        where = f"[model].prior_overrides.{name}"
        if isinstance(spec, int | float) and not isinstance(spec, bool):
            out[name] = float(spec)
            continue
        if not isinstance(spec, dict) or "dist" not in spec:
            raise ConfigError(
                f'{where} must be a table like {{ dist = "LogNormal", mu = -1.1, sigma = 0.3 }}'
            )
        kwargs = {k: v for k, v in spec.items() if k != "dist"}
        try:
            out[name] = Prior(spec["dist"], **kwargs)
        except Exception as err:  # pymc_extras raises several types for bad distributions
            raise ConfigError(f"{where}: {err}") from err
    return out
