"""Pre-flight: everything a review, a fit or the demo was given is checked before anything runs.

The configuration file is checked by :mod:`scaling_bayes.app.config` (types, finite numbers,
known names, units, text lengths, currencies, the amount of work). :func:`preflight_review`
then builds every object the review needs (the runs read from the CSV, the model, the cost and
value models, the plans, the pilot) and checks them against each other: the data hold the
columns the law uses, the prior overrides name the law's parameters, every plan and the pilot
have the axes the law forecasts on. Only then may a folder be created or sampling start; each
refusal is a :class:`~scaling_bayes.core.exceptions.ConfigError` (or the data layer's
``DataError``) naming the key and the fix.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from ..core.exceptions import ConfigError, ScalingBayesError
from ..core.units import validate_scales
from .config import PYTHON_NAMES, ReviewConfig, check_work

if TYPE_CHECKING:
    from ..core.data import ScalingData
    from ..core.model import ScalingLawModel
    from ..decision import Investment

__all__ = ["ReviewInputs", "build_inputs", "check_scales", "check_seed", "preflight_review"]


@dataclass(frozen=True)
class ReviewInputs:
    """The checked objects a review runs on (nothing fitted yet)."""

    data: object
    model: object
    plans: list


@contextlib.contextmanager
def _section(where: str):
    """Re-raise a constructor's complaint as a ConfigError that names the config section."""
    try:
        yield
    except ScalingBayesError as err:
        if str(err).startswith(where):
            raise ConfigError(str(err)) from err
        raise ConfigError(f"{where}: {err}") from err
    except (TypeError, ValueError, OverflowError) as err:
        raise ConfigError(f"{where}: {err}") from err


def build_inputs(
    config: ReviewConfig,
) -> tuple[ScalingData, ScalingLawModel, list[Investment]]:
    """The data, model and plans a config describes (nothing fitted yet).

    Returns ``(data, model, plans)``. Errors name the config section they come from.
    """
    from ..core.data import ScalingData
    from ..core.model import ScalingLawModel
    from ..decision import ComputeCost, Investment, LinearValue, TargetValue

    columns = {
        key: (None if config.data.get(key) is False else config.data.get(key, default))
        for key, default in (
            ("params", "params"),
            ("tokens", "tokens"),
            ("compute", None),
            ("loss", "loss"),
            ("group", None),
        )
    }
    described = {
        key: config.data[key]
        for key in ("kinds", "axis_labels", "axis_units", "metric")
        if config.data.get(key) is not None
    }
    with _section("[data]"):
        data = ScalingData.from_csv(config.data_path, **columns, **described)
    model_args = dict(config.model)
    overrides = model_args.pop("prior_overrides", None)
    preset = model_args.pop("priors", "weak")
    law = model_args.pop("law", None)
    if law is None:  # a bounded metric (an error rate) gets the law made for it
        from ..core.metric import default_law

        law = default_law(getattr(data, "metric", None)) or "chinchilla"
    with _section("[model]"):
        model = ScalingLawModel(
            law,
            priors=overrides if overrides else preset,
            prior_preset=preset,
            progressbar=False,
            **model_args,
        )
    largest = _largest_run(data)
    cost_args = {PYTHON_NAMES["cost"].get(k, k): v for k, v in config.cost.items()}
    if "per_sample" in cost_args:
        # added samples are counted from the largest pilot run's data size
        cost_args["data_on_hand"] = largest
    if "pilot_gpu_hours" in cost_args and "pilot_size" not in cost_args:
        cost_args["pilot_size"] = largest
    with _section("[cost]"):
        cost = ComputeCost(**cost_args)
    value_args = {PYTHON_NAMES["value"].get(k, k): v for k, v in config.value.items()}
    value_args.pop("kind")
    value_cls = LinearValue if config.value["kind"] == "linear" else TargetValue
    with _section("[value]"):
        value = value_cls(**value_args)
    kinds = dict(getattr(data, "kinds", None) or {}) or None
    plans = []
    for i, p in enumerate(config.plans, start=1):
        where = f"[[plans]] #{i}"
        _check_plan_data(model, cost, p, largest, where)
        with _section(where):
            plans.append(
                Investment(
                    params=p.get("params"),
                    tokens=p.get("tokens"),
                    compute=p.get("compute"),
                    cost=cost,
                    value=value,
                    name=p.get("name"),
                    integration=p.get("integration", 0.0),
                    running_per_year=p.get("running_per_year"),
                    kinds=kinds,
                )
            )
    return data, model, plans


def _largest_run(data) -> float | None:
    """The largest pilot run's data size (the tokens column), or None without that axis."""
    frame = getattr(data, "frame", None)
    if frame is None or "tokens" not in frame.columns:
        return None
    sizes = frame["tokens"].to_numpy(dtype=float)
    sizes = sizes[np.isfinite(sizes)]
    return float(sizes.max()) if sizes.size else None


def _check_plan_data(model, cost, plan: dict, largest, where: str) -> None:
    """A plan on a data axis adds data: it may not be smaller than the largest pilot run."""
    on_data_axis = getattr(model, "x", None) == "tokens" or cost.prices_data
    tokens = plan.get("tokens")
    if not on_data_axis or largest is None or tokens is None or tokens >= largest:
        return
    raise ConfigError(
        f"{where}.tokens = {tokens:g} is below the largest pilot run ({largest:g} in the data's "
        "tokens column); a plan adds data to what the pilot already has, so give tokens >= "
        f"{largest:g} (or remove the plan)"
    )


def preflight_review(config: ReviewConfig) -> ReviewInputs:
    """Check a whole review before anything is created or sampled; return its inputs.

    Raises
    ------
    ConfigError
        Naming ``[section].key`` (or ``[[plans]] #i``) and the fix.
    """
    if not isinstance(config, ReviewConfig):
        raise ConfigError(
            f"run_review needs a ReviewConfig from load_config(path); got {type(config).__name__}"
        )
    check_work(len(config.plans), config.n_draws)
    data, model, plans = build_inputs(config)
    with _section("[data]"):
        model._check_data(data)
    with _section("[model].prior_overrides"):
        model.resolved_priors()
    for i, plan in enumerate(plans, start=1):
        _check_plan_axes(model, plan, f"[[plans]] #{i}")
    if config.pilot:
        scales = {k: v for k, v in config.pilot.items() if k != "cost"}
        _check_axes(model, scales, "[pilot]")
    return ReviewInputs(data, model, plans)


def _check_plan_axes(model, plan, where: str) -> None:
    if model.law == "chinchilla" and plan.data_only:
        raise ConfigError(
            f"{where} gives only tokens; law 'chinchilla' forecasts on params and tokens, so give "
            "params too, or fit the data axis alone ([model] law = 'power', x = 'tokens')"
        )
    if model.law == "chinchilla" or model.x == "compute":
        return  # (params, tokens) or compute: every plan has its FLOPs
    if getattr(plan, model.x) is None:
        raise ConfigError(
            f"{where} has no {model.x}; law '{model.law}' forecasts on {model.x}, so give "
            f"{model.x} = ... for every plan"
        )


def _check_axes(model, scales: dict, where: str) -> None:
    given = set(scales)
    if model.law == "chinchilla":
        if {"params", "tokens"} <= given or given == {"compute"}:
            return
        raise ConfigError(
            f"{where} gives {', '.join(sorted(given))}; law 'chinchilla' needs params and "
            "tokens, or compute alone"
        )
    if model.x not in given:
        raise ConfigError(
            f"{where} gives {', '.join(sorted(given))}; law '{model.law}' forecasts on "
            f"{model.x}, so give {model.x} = ..."
        )


def check_seed(seed: object, where: str = "--seed") -> int:
    """A seed numpy and the samplers accept: an integer in [0, 2**32 - 1].

    Examples
    --------
    >>> check_seed(7)
    7
    >>> check_seed(-5)
    Traceback (most recent call last):
    ...
    scaling_bayes.core.exceptions.ConfigError: --seed must be an integer in [0, 4294967295], ...
    """
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed <= 2**32 - 1:
        raise ConfigError(
            f"{where} must be an integer in [0, {2**32 - 1}], got {seed!r}; e.g. {where} 0"
        )
    return seed


def check_scales(
    scales: dict[str, list[float]], model: ScalingLawModel, where: str = "--predict"
) -> None:
    """Scales to forecast: finite, positive raw counts, on the law's axes, of equal lengths.

    Examples
    --------
    >>> from scaling_bayes import ScalingLawModel
    >>> check_scales({"params": [7e10], "tokens": [1.4e12]}, ScalingLawModel(progressbar=False))
    >>> check_scales({"params": [float("nan")], "tokens": [1e12]}, ScalingLawModel())
    Traceback (most recent call last):
    ...
    scaling_bayes.core.exceptions.ConfigError: params (params) in --predict must be positive and ...
    """
    # The unit rules of data and plans (core/units.py), raised as a config error.
    validate_scales(scales, where=where, error=ConfigError)
    lengths = {len(v) for v in scales.values()}
    if len(lengths) > 1:
        raise ConfigError(
            f"{where} gives {', '.join(f'{k}: {len(v)}' for k, v in scales.items())} values; "
            "give the same number for each axis (one name=value list per forecast)"
        )
    if scales:
        _check_axes(model, scales, where)
