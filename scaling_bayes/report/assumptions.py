"""Every assumption behind a memo, as plain facts: business inputs with source and date, priors.

An input's source is, in this order: what the caller gave in ``sources=`` (a text, or a
``(source, date)`` pair); the package default's published source and date
(:data:`~scaling_bayes.decision.DEFAULTS_AS_OF`) when the input equals the package default; or
"not recorded", which the memo says in so many words.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from ..core.exceptions import ConfigError
from ..core.priors import default_priors, is_fixed
from ..decision import DEFAULTS_AS_OF, GPU_SPECS, ComputeCost, LinearValue, TargetValue
from ..decision.inputs import is_distribution

if TYPE_CHECKING:
    from ..core.model import ScalingLawModel
    from ..decision import Investment

__all__ = ["InputFact", "input_facts", "input_names", "prior_facts", "structure"]

#: Published sources of the package's default cost inputs (see scaling_bayes/risk/cost.py).
_DEFAULT_CITATIONS = {
    "cost.usd_per_gpu_hour": "public price lists of specialised clouds, 2025-2026",
    "cost.mfu": "PaLM appendix B; Llama 3 report",
    "cost.pue": "Uptime Institute, 2024 average",
    "cost.grid_gco2_per_kwh": "IEA world average (CodeCarbon methodology)",
}
#: Defaults that leave a cost out (zero): said as such rather than cited.
_ZERO_DEFAULTS = ("cost.fixed_usd", "cost.usd_per_kwh", "cost.usd_per_tonne_co2e")


@dataclass(frozen=True)
class InputFact:
    """One assumption: its value (as structure), which plans it applies to, source and date."""

    name: str
    plans: tuple[int, ...]  # 1-based plan numbers
    shared: bool  # the same for every plan
    structure: dict = field(default_factory=dict)
    description: str = ""  # English, from describe_input (for reference)
    source_kind: str = "not_recorded"  # given | package_default | package_default_zero | ...
    source: str = ""
    date: str | None = None

    @property
    def key(self) -> str:
        """Stable key prefix in ``numbers``."""
        if self.shared:
            return f"inputs.{self.name}"
        return f"plans.{self.plans[0]}.inputs.{self.name}"


def structure(value: Any) -> dict[str, Any]:
    """A number, distribution or array of draws as plain facts.

    Examples
    --------
    >>> from scipy import stats
    >>> structure(stats.uniform(2, 2))
    {'kind': 'uniform', 'low': 2.0, 'high': 4.0}
    >>> structure(0.4)
    {'kind': 'fixed', 'value': 0.4}
    """
    if is_distribution(value):
        name = getattr(getattr(value, "dist", None), "name", "distribution")
        if name == "uniform":
            lo, hi = (float(v) for v in value.support())
            return {"kind": "uniform", "low": lo, "high": hi}
        return {
            "kind": "distribution",
            "dist": str(name),
            "median": float(value.median()),
            "p05": float(value.ppf(0.05)),
            "p95": float(value.ppf(0.95)),
        }
    if isinstance(value, np.ndarray):
        lo, mid, hi = np.quantile(value, [0.05, 0.5, 0.95])
        return {
            "kind": "draws",
            "n": int(value.size),
            "median": float(mid),
            "p05": float(lo),
            "p95": float(hi),
        }
    if isinstance(value, bool):
        return {"kind": "flag", "value": value}
    if isinstance(value, str):
        return {"kind": "text", "value": value}
    return {"kind": "fixed", "value": float(value)}


def _same(a, b) -> bool:
    """The same input: equal numbers, or distributions of one family with equal quantiles."""
    if is_distribution(a) and is_distribution(b):
        if getattr(a.dist, "name", None) != getattr(b.dist, "name", None):
            return False
        q = [0.05, 0.5, 0.95]
        return bool(np.allclose(a.ppf(q), b.ppf(q), rtol=1e-9, atol=0))
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return a is b
    if is_distribution(a) or is_distribution(b):
        return False
    return a == b


def _plan_inputs(plan) -> dict:
    """Every assumption of a plan by qualified name: uncertain inputs and fixed facts."""
    cost, value = plan.cost, plan.value
    out = {"cost.gpu": cost.gpu, "cost.peak_flops": cost.peak_flops}
    out.update({name: v for name, (v, _) in plan.input_specs().items()})
    if isinstance(value, LinearValue):
        out["value.baseline_loss"] = value.baseline_loss
        out["value.floor_at_zero"] = value.floor_at_zero
    elif isinstance(value, TargetValue):
        out["value.target_loss"] = value.target_loss
        if value.partial_from is not None:
            out["value.partial_from"] = value.partial_from
    else:
        out["value.description"] = str(getattr(value, "description", type(value).__name__))
    out["value.model"] = type(value).__name__
    out["currency"] = plan.currency
    return out


def input_names(plans: Sequence[Investment]) -> list[str]:
    """Qualified names of every assumption of the plans (the keys ``sources=`` accepts)."""
    names: list[str] = []
    for plan in plans:
        for name in _plan_inputs(plan):
            if name not in names:
                names.append(name)
    return names


def _default_source(name: str, value, plan) -> tuple[str, str, str | None]:
    """(source_kind, citation, date) when ``value`` is the package default, else not recorded."""
    if name.startswith("cost."):
        short = name.split(".", 1)[1]
        spec = GPU_SPECS.get(plan.cost.gpu)
        if short in ("gpu", "peak_flops", "power_kw"):
            if spec is not None and (
                short == "gpu"
                or (short == "peak_flops" and value == spec.peak_flops)
                or (short == "power_kw" and value == spec.power_kw)
            ):
                return "package_default", spec.source, DEFAULTS_AS_OF
            return "not_recorded", "", None
        if spec is None:  # a GPU outside the table: no package default to compare with
            return "not_recorded", "", None
        default = getattr(ComputeCost(gpu=plan.cost.gpu), short, None)
        if _same(value, default):
            if name in _ZERO_DEFAULTS:
                return "package_default_zero", "", DEFAULTS_AS_OF
            return "package_default", _DEFAULT_CITATIONS.get(name, ""), DEFAULTS_AS_OF
    if name == "value.discount_rate" and _same(value, 0.0):
        return "package_default_zero", "", None
    if name in ("currency", "value.model", "value.floor_at_zero"):
        return "setting", "", None
    return "not_recorded", "", None


def check_sources(
    sources: Mapping[str, str | Sequence[str]] | None, plans: Sequence[Investment]
) -> dict[str, tuple[str, str | None]]:
    """Validate ``sources=``: ``{input name: "source"}`` or ``{input name: ("source", "date")}``."""
    if sources is None:
        return {}
    if not isinstance(sources, Mapping):
        raise ConfigError(
            "sources must be a dict of input name to source text or (source, date), e.g. "
            "{'cost.usd_per_gpu_hour': ('vendor quote Q-123', '2025-05-01')}; got "
            f"{type(sources).__name__}"
        )
    known = input_names(plans)
    out = {}
    for name, given in sources.items():
        if name not in known:
            raise ConfigError(
                f"sources names unknown input {name!r}; the plans' inputs are: {', '.join(known)}"
            )
        if isinstance(given, str):
            text, date = given, None
        elif (
            isinstance(given, tuple | list)
            and len(given) == 2
            and all(isinstance(x, str) for x in given)
        ):
            text, date = given
        else:
            raise ConfigError(
                f"sources[{name!r}] must be a text or a (source, date) pair of texts; got {given!r}"
            )
        if not text.strip():
            raise ConfigError(f"sources[{name!r}] is empty; say where the number comes from")
        out[name] = (text.strip(), date.strip() if date else None)
    return out


def input_facts(
    plans: Sequence[Investment], sources: Mapping[str, tuple[str, str | None]]
) -> list[InputFact]:
    """One fact per assumption shared by every plan, else one per plan (plans 1-based)."""
    per_plan = [_plan_inputs(p) for p in plans]
    facts = []
    for name in input_names(plans):
        holders = [k for k, inputs in enumerate(per_plan) if name in inputs]
        first = per_plan[holders[0]][name]
        shared = len(holders) == len(plans) and all(
            _same(per_plan[k][name], first) for k in holders
        )
        groups = [tuple(k + 1 for k in holders)] if shared else [(k + 1,) for k in holders]
        for numbers in groups:
            plan = plans[numbers[0] - 1]
            value = per_plan[numbers[0] - 1][name]
            if name in sources:
                kind, (source, date) = "given", sources[name]
            else:
                kind, source, date = _default_source(name, value, plan)
            facts.append(
                InputFact(
                    name=name,
                    plans=numbers,
                    shared=shared,
                    structure=structure(value),
                    source_kind=kind,
                    source=source,
                    date=date,
                )
            )
    return facts


def format_prior(prior: Any) -> str:
    """A prior in one line: ``LogNormal(mu=-1.386, sigma=0.8)``; a fixed value as a number.

    Examples
    --------
    >>> from pymc_extras.prior import Prior
    >>> format_prior(Prior("LogNormal", mu=-1.3862943611198906, sigma=0.8))
    'LogNormal(mu=-1.386, sigma=0.8)'
    >>> format_prior(4.0)
    '4'
    """
    if is_fixed(prior):
        return f"{float(prior):.4g}"
    args = ", ".join(f"{k}={_param(v)}" for k, v in prior.parameters.items())
    return f"{prior.distribution}({args})"


def _param(v) -> str:
    if not is_fixed(v):  # a nested Prior
        return format_prior(v)
    arr = np.asarray(v, dtype=float)
    if arr.ndim == 0:
        return f"{float(arr):.4g}"
    return "[" + ", ".join(f"{x:.4g}" for x in arr.ravel()) + "]"


def prior_facts(model: ScalingLawModel) -> tuple[list[dict[str, Any]], str, list[str]]:
    """The priors used: rows (parameter, prior, fixed, override), preset name, overrides."""
    preset = model.priors if isinstance(model.priors, str) else model.prior_preset
    defaults = default_priors(model.law_spec, preset, model.x)
    rows, overrides = [], []
    for name, prior in model.priors_.items():
        text = format_prior(prior)
        default = defaults.get(name)
        changed = default is None or text != format_prior(default)
        if changed:
            overrides.append(name)
        rows.append(
            {"parameter": name, "prior": text, "fixed": is_fixed(prior), "override": changed}
        )
    return rows, preset, overrides
