"""Prior checks: what the priors alone predict, and how far the answer moves under other priors.

:func:`prior_predictive` draws laws from the priors (no data beyond the scales that anchor the
relative parameterisation) and forecasts loss with them, so a user can see whether the priors
allow the curves they consider plausible. :func:`prior_sensitivity` refits under an alternative
prior set and reports how far the forecast moves, in loss units and relative to the width of the
interval: the line a memo needs under "assumptions".
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..core.constants import INTERVAL_PROB
from ..core.exceptions import ConfigError, DesignWarning, ExtrapolationWarning, InputWarning
from ..core.forecast import Forecast
from ..core.laws import mean_loss
from ..core.likelihood import likelihood_for
from ..core.priors import PRIOR_PRESETS, is_fixed
from ._inputs import check_prob

if TYPE_CHECKING:
    from numpy.typing import ArrayLike

    from ..core.data import ScalingData
    from ..core.model import ScalingLawModel

__all__ = [
    "PriorSensitivity",
    "prior_predictive",
    "prior_sensitivity",
    "prior_sensitivity_plot_data",
]


def prior_predictive(
    model: ScalingLawModel,
    data: ScalingData,
    *,
    draws: int = 1000,
    random_seed: int | None = None,
    **scales: ArrayLike,
) -> Forecast:
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

    data = model._check_data(data, check_design=False)  # the metric must suit the law
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
    upper = data.metric.loss_upper if spec.saturating else np.inf
    mean = mean_loss(
        spec, prior_draws, requested, x=model.x, reference=reference, y_min=y_min, upper=upper
    )
    rng = np.random.default_rng(random_seed)
    nu = prior_draws["nu"] if "nu" in prior_draws else np.full((1, draws), priors["nu"])
    noise = {"sigma": prior_draws["sigma"][..., None], "nu": nu[..., None]}
    forecast = Forecast.from_draws(
        likelihood_for(data.metric).random(rng, mean=mean, noise=noise),
        mean_draws=mean,
        params=requested.get("params"),
        tokens=requested.get("tokens"),
        compute=requested.get("compute"),
        metric=data.metric,
    )
    return Forecast(
        forecast.idata,
        forecast.scales,
        law=f"{model.law} prior",
        loss_unit=model.loss_unit,
        metric=data.metric,
    )


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
    interval_prob : float
        Mass of the central intervals in the table.

    Examples
    --------
    Built by :func:`prior_sensitivity` (a refit, so shown rather than run)::

        ps = prior_sensitivity(model, "literature", params=[7e9], tokens=[1.4e11])
        ps.table, ps.text, prior_sensitivity_plot_data(ps)
    """

    table: pd.DataFrame
    base: ScalingLawModel
    alternative: ScalingLawModel
    alternative_name: str
    interval_prob: float = INTERVAL_PROB

    @property
    def converged(self) -> bool:
        """Whether the refit under the alternative priors converged."""
        return bool(self.alternative.diagnostics_.converged)

    @property
    def text(self) -> str:
        """A sentence for memos and notebooks."""
        worst = self.table["shift_in_widths"].abs().max()
        shift = self.table["shift"].abs().max()
        verdict = "barely moves" if worst < 0.1 else "moves" if worst < 0.5 else "moves a lot"
        return (
            f"Under the {self.alternative_name} priors the median forecast {verdict}: by up to "
            f"{shift:.3g} {self.base.loss_unit} ({worst:.0%} of the width of the "
            f"{self.interval_prob:.0%} interval)."
        )


def prior_sensitivity(
    model: ScalingLawModel,
    alternative: str | dict = "weak",
    *,
    random_seed: int = 0,
    hdi_prob: float = INTERVAL_PROB,
    **scales: ArrayLike,
) -> PriorSensitivity:
    """Refit ``model``'s runs under ``alternative`` priors and compare forecasts at ``scales``.

    Parameters
    ----------
    model : ScalingLawModel
        A fitted model.
    alternative : str or dict
        A preset (``"weak"``, ``"literature"``) or a dict of prior overrides.
    hdi_prob : float
        Mass of the central intervals compared.
    **scales
        Where to compare, as for :meth:`ScalingLawModel.predict`.

    Raises
    ------
    NotFittedError
        ``model`` is not fitted.
    ConfigError
        An unknown preset, or priors that are not a preset or a dict of valid priors.
    DataError
        Scales the model cannot forecast, or ``hdi_prob`` outside (0, 1). All before the refit:
        the base forecast is made first, so bad scales fail before any sampling.

    Warns
    -----
    ConvergenceWarning
        The refit under the alternative priors did not converge (once, from its fit).

    Examples
    --------
    A refit, so shown rather than run here (``tests/test_checking_slow.py`` runs it)::

        ps = prior_sensitivity(model, "literature", params=[7e9], tokens=[1.4e11])
        print(ps.text)
    """
    from ..core.model import ScalingLawModel

    model._check_fitted("prior_sensitivity")
    hdi_prob = check_prob(hdi_prob, "hdi_prob")
    if isinstance(alternative, str):
        if alternative not in PRIOR_PRESETS:
            raise ConfigError(
                f"alternative must be one of {PRIOR_PRESETS} or a dict of priors; got "
                f"{alternative!r}"
            )
    elif not isinstance(alternative, Mapping):
        raise ConfigError(
            f"alternative must be a preset name {PRIOR_PRESETS} or a dict of priors, e.g. "
            f"{{'alpha': Prior('Normal', mu=0.34, sigma=0.05)}}; got {type(alternative).__name__}"
        )
    other = ScalingLawModel(
        model.law,
        x=model.x,
        priors=alternative,
        **model._sampler_settings(),
        progressbar=False,
        loss_unit=model.loss_unit,
        extrapolation_error=model.extrapolation_error,
    )
    other.resolved_priors()  # a bad prior dict fails here, not after sampling
    # The base forecast first: scales it cannot take fail before the refit samples anything.
    base = _interval_summary(model, scales, random_seed, hdi_prob)
    with warnings.catch_warnings():
        # Warnings about the runs themselves (design, units) were given when the base model
        # was fitted to the same runs; the refit's convergence verdict is not silenced.
        warnings.simplefilter("ignore", DesignWarning)
        warnings.simplefilter("ignore", InputWarning)
        other.fit(model.data_, random_seed=random_seed)
    rows = {"base": base, "alternative": _interval_summary(other, scales, random_seed, hdi_prob)}
    table = base[["params", "tokens", "compute"]].copy()
    for suffix, summary in rows.items():
        for col in ("median", "lower", "upper"):
            table[f"{col}_{suffix}"] = summary[col]
    table["shift"] = table["median_alternative"] - table["median_base"]
    table["shift_in_widths"] = table["shift"] / (table["upper_base"] - table["lower_base"])
    # A mirror of the fields for readers of the table alone (report/numbers.py reads it).
    table.attrs.update(interval_prob=hdi_prob, converged=other.diagnostics_.converged)
    name = alternative if isinstance(alternative, str) else "alternative"
    return PriorSensitivity(table, model, other, name, hdi_prob)


def _interval_summary(model, scales, random_seed, hdi_prob) -> pd.DataFrame:
    with warnings.catch_warnings():
        # The memo's scales usually lie beyond the runs; the user's own forecast says so.
        warnings.simplefilter("ignore", ExtrapolationWarning)
        forecast = model.predict(**scales, random_seed=random_seed)
    return forecast.summary(hdi_prob=hdi_prob)


def prior_sensitivity_plot_data(result: PriorSensitivity) -> pd.DataFrame:
    """Median and central interval per scale under both prior sets: the data of the plot.

    :func:`scaling_bayes.report.check_plots.plot_prior_sensitivity` draws this table and
    nothing else.

    Returns
    -------
    pandas.DataFrame
        One row per scale and prior set: ``scale`` (0, 1, ...), ``compute`` (FLOPs), ``priors``
        (``"base"`` or the alternative's name), ``median``, ``lower``, ``upper`` (loss).

    Examples
    --------
    >>> import pandas as pd
    >>> table = pd.DataFrame({"compute": [1e21], "median_base": [2.0], "lower_base": [1.9],
    ...                       "upper_base": [2.1], "median_alternative": [2.05],
    ...                       "lower_alternative": [1.95], "upper_alternative": [2.15]})
    >>> data = prior_sensitivity_plot_data(PriorSensitivity(table, None, None, "literature"))
    >>> data["priors"].tolist()
    ['base', 'literature']
    """
    frames = []
    for suffix, label in (("base", "base"), ("alternative", result.alternative_name)):
        frames.append(
            pd.DataFrame(
                {
                    "scale": range(len(result.table)),
                    "compute": result.table["compute"].to_numpy(),
                    "priors": label,
                    "median": result.table[f"median_{suffix}"].to_numpy(),
                    "lower": result.table[f"lower_{suffix}"].to_numpy(),
                    "upper": result.table[f"upper_{suffix}"].to_numpy(),
                }
            )
        )
    return pd.concat(frames, ignore_index=True)
