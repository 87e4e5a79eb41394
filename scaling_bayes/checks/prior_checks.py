"""Prior checks: what the priors alone predict, and how far the answer moves under other priors.

:func:`prior_predictive` draws laws from the priors (no data beyond the scales that anchor the
relative parameterisation) and forecasts loss with them, so a user can see whether the priors
allow the curves they consider plausible. :func:`prior_sensitivity` refits under an alternative
prior set and reports how far the forecast moves, in loss units and relative to the width of the
interval: the line a memo needs under "assumptions".
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..core.constants import INTERVAL_PROB
from ..core.exceptions import ConfigError
from ..core.forecast import Forecast
from ..core.laws import mean_loss
from ..core.priors import PRIOR_PRESETS, is_fixed

__all__ = ["PriorSensitivity", "prior_predictive", "prior_sensitivity"]


def prior_predictive(model, data, *, draws: int = 1000, random_seed: int | None = None, **scales):
    """Loss forecast by the priors alone at the given scales (law and run-to-run noise).

    Parameters
    ----------
    model : ScalingLawModel
        Supplies the law and priors (it need not be fitted).
    data : ScalingData
        Anchors the relative parameterisation: the reference scales and the smallest loss.
    draws : int
        Prior draws.
    **scales
        The law's axes, as for :meth:`ScalingLawModel.predict` (``compute=`` alone is not
        supported here).

    Returns
    -------
    Forecast
        With ``law`` set to ``"<law> prior"``.
    """
    import pymc as pm

    priors = model.resolved_priors()
    _, reference, y_min = model._model_inputs(data)
    spec = model.law_spec
    sampled = [p for p in spec.parameters if not is_fixed(priors[p])]
    with pm.Model():
        variables = [priors[name].create_variable(name) for name in sampled]
        values = pm.draw(variables, draws=draws, random_seed=random_seed)
    prior_draws = {name: np.asarray(v)[None, :] for name, v in zip(sampled, values, strict=True)}
    if spec.has_irreducible:
        prior_draws["E_fraction"] = np.minimum(prior_draws["E_fraction"], 1.0)
    requested = {a: np.atleast_1d(np.asarray(scales[a], float)) for a in model.axes}
    mean = mean_loss(spec, prior_draws, requested, x=model.x, reference=reference, y_min=y_min)
    rng = np.random.default_rng(random_seed)
    nu = prior_draws["nu"] if "nu" in prior_draws else np.full((1, draws), priors["nu"])
    noise = prior_draws["sigma"][..., None] * rng.standard_t(
        np.broadcast_to(nu[..., None], mean.shape)
    )
    forecast = Forecast.from_draws(
        mean * np.exp(noise), mean_draws=mean, **{a: requested[a] for a in requested}
    )
    return Forecast(forecast.idata, forecast.scales, law=f"{model.law} prior")


@dataclass(frozen=True)
class PriorSensitivity:
    """How a forecast moves between two prior sets.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per scale: ``median_base``, ``lower_base``, ``upper_base``, the same for the
        alternative, ``shift`` (alternative median minus base median, loss units) and
        ``shift_in_widths`` (shift over the width of the base interval).
    base, alternative : ScalingLawModel
    alternative_name : str
    """

    table: pd.DataFrame
    base: object
    alternative: object
    alternative_name: str

    @property
    def text(self) -> str:
        worst = self.table["shift_in_widths"].abs().max()
        shift = self.table["shift"].abs().max()
        verdict = "barely moves" if worst < 0.1 else "moves" if worst < 0.5 else "moves a lot"
        return (
            f"Under the {self.alternative_name} priors the median forecast {verdict}: by up to "
            f"{shift:.3g} {self.base.loss_unit} ({worst:.0%} of the width of the "
            f"{self.table.attrs['interval_prob']:.0%} interval)."
        )


def prior_sensitivity(
    model,
    alternative: str | dict = "weak",
    *,
    random_seed: int = 0,
    hdi_prob: float = INTERVAL_PROB,
    **scales,
) -> PriorSensitivity:
    """Refit ``model``'s runs under ``alternative`` priors and compare forecasts at ``scales``.

    Parameters
    ----------
    model : ScalingLawModel
        A fitted model.
    alternative : str or dict
        A preset (``"weak"``, ``"literature"``) or a dict of prior overrides.
    **scales
        Where to compare, as for :meth:`ScalingLawModel.predict`.
    """
    from ..core.model import ScalingLawModel

    model._check_fitted("prior_sensitivity")
    if isinstance(alternative, str) and alternative not in PRIOR_PRESETS:
        raise ConfigError(f"alternative must be one of {PRIOR_PRESETS} or a dict of priors")
    other = ScalingLawModel(
        model.law,
        x=model.x,
        priors=alternative,
        sampler=model.sampler,
        draws=model.draws,
        tune=model.tune,
        chains=model.chains,
        cores=model.cores,
        target_accept=model.target_accept,
        progressbar=False,
        loss_unit=model.loss_unit,
        extrapolation_error=model.extrapolation_error,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", category=UserWarning)  # design warnings: said at fit
        other.fit(model.data_, random_seed=random_seed)
    rows = {}
    for label, fitted in (("base", model), ("alt", other)):
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=".*largest observed")
            summary = fitted.predict(**scales, random_seed=random_seed).summary(hdi_prob=hdi_prob)
        rows[label] = summary
    table = rows["base"][["params", "tokens", "compute"]].copy()
    for label in ("base", "alt"):
        suffix = "base" if label == "base" else "alternative"
        for col in ("median", "lower", "upper"):
            table[f"{col}_{suffix}"] = rows[label][col]
    table["shift"] = table["median_alternative"] - table["median_base"]
    table["shift_in_widths"] = table["shift"] / (table["upper_base"] - table["lower_base"])
    table.attrs.update(interval_prob=hdi_prob, converged=other.diagnostics_.converged)
    name = alternative if isinstance(alternative, str) else "alternative"
    return PriorSensitivity(table, model, other, name)
