"""Form check: a single-law model's forecast beside a mixture of plausible forms.

A :class:`~scaling_bayes.core.model.ScalingLawModel` forecasts with one functional form; its
intervals are silent about that form being wrong, which is the larger risk far from the data
(``benchmarks/EVIDENCE_RESULTS.md``: 90% intervals held 53% of the time on language-model
ladders, 95% for the mixture). :func:`form_check` fits a
:class:`~scaling_bayes.core.mixture.FormMixture` to the same runs, with the weights and
discrepancy learned across public studies, and sets its forecasts beside the model's at the
same scales, so a reader sees how much wider an honest interval about the form would be.
:attr:`FormCheck.forecast` carries the mixture's draws, so the decision itself can be restated
under form uncertainty: ``compare_scales(check.forecast, plans, ...)`` with the ladder's plans
and arguments (the review does this and the memo's summary reports it).

Examples
--------
>>> from scaling_bayes.testing import example_model
>>> check = form_check(example_model(), params=[3e9], tokens=[6e10], random_seed=0)
>>> bool(check.table.loc[0, "mixture_width"] > 0), check.forms[0]
(True, 'chinchilla')
>>> check.forecast.law, check.forecast.flat_draws().shape
('forms', (4000, 1))
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..core.constants import INTERVAL_PROB
from ..core.exceptions import DataError
from ..core.forecast import Forecast
from ..core.mixture import FormMixture
from ..core.track_record import TrackRecord

if TYPE_CHECKING:
    from collections.abc import Mapping

    from numpy.typing import ArrayLike

    from ..core.model import ScalingLawModel

__all__ = ["FormCheck", "form_check"]

_SCALE_COLUMNS = ("params", "tokens", "compute", "extrapolation_ratio")


@dataclass(frozen=True)
class FormCheck:
    """A model's forecasts beside a form mixture's at the same scales.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per scale: ``params``, ``tokens``, ``compute``, ``extrapolation_ratio``; the
        model's ``median``, ``lower``, ``upper`` and ``width`` (of the central
        :data:`~scaling_bayes.core.constants.INTERVAL_PROB` interval, relative to the median);
        the same for the mixture as ``mixture_median``, ``mixture_lower``,
        ``mixture_upper``, ``mixture_width``; ``width_ratio`` (mixture over model) and
        ``converged`` (the model's and, for NUTS fits of the forms, the mixture's verdict).
        Values in the metric's own scale.
    forms : tuple of str
        The forms the mixture fitted (those the runs can determine).
    weights : dict
        Each form's weight (learned across public studies, never on these runs).
    track_record : TrackRecord or None
        How often the mixture's 90% intervals held on public studies.
    interval_prob : float
    converged : bool
        The model's convergence verdict and, when the mixture's forms were sampled by NUTS,
        theirs (a Laplace fit is deterministic).
    forecast : Forecast
        The mixture's forecast at the same scales (one chain of ``draws`` draws, in the model's
        metric): pass it to :func:`~scaling_bayes.decision.compare_scales` to restate the
        decision under form uncertainty.
    """

    table: pd.DataFrame
    forms: tuple[str, ...]
    weights: dict
    track_record: TrackRecord | None
    interval_prob: float
    converged: bool
    forecast: Forecast

    def plot_data(self) -> pd.DataFrame:
        """The numbers a chart of the two intervals would draw: :attr:`table` itself."""
        return self.table.copy()


def form_check(
    model: ScalingLawModel,
    *,
    random_seed: int | None = None,
    draws: int = 4000,
    posterior: str = "laplace",
    sampler_settings: Mapping | None = None,
    **scales: ArrayLike,
) -> FormCheck:
    """Set a fitted model's forecasts beside a mixture of plausible forms fitted to its runs.

    Parameters
    ----------
    model : ScalingLawModel
        Fitted. A Chinchilla law is checked against the forms on parameters and tokens
        (give ``params=`` and ``tokens=``); a law on one axis against the one-axis forms on
        that axis (give that axis).
    random_seed : int, optional
        Seed of both forecasts' draws.
    draws : int
        Predictive draws of the mixture.
    posterior : {"laplace", "nuts"}
        How the mixture fits each form (``FormMixture(posterior=...)``): its Laplace
        approximation, or its exact posterior sampled by NUTS (seeded by ``random_seed``).
    sampler_settings : mapping, optional
        With ``posterior="nuts"``: overrides of each form's NUTS settings
        (``FormMixture(sampler_settings=...)``), e.g. ``{"draws": 6000, "tune": 6000}`` when
        a form did not converge.
    **scales
        Where to forecast, as ``model.predict`` takes them.

    Returns
    -------
    FormCheck

    Raises
    ------
    DataError
        An unfitted model, or scales the mixture cannot take (compute alone for a Chinchilla
        law: give params and tokens).
    """
    if not hasattr(model, "idata_") or not hasattr(model, "data_"):
        raise DataError("form_check needs a fitted ScalingLawModel (call fit first)")
    two_axis = model.law == "chinchilla"
    wanted = {"params", "tokens"} if two_axis else {str(model.x)}
    if set(scales) != wanted:
        takes = ", ".join(f"{a}=" for a in sorted(wanted))
        raise DataError(
            f"form_check of a '{model.law}' law takes {takes}; got "
            f"{', '.join(sorted(scales)) or 'no scales'} (compute-optimal plans: give the "
            "params and tokens they are allocated)"
        )
    given: dict[str, Any] = dict(scales)
    single = model.predict(**given, random_seed=random_seed)
    mixture = FormMixture(
        x=None if two_axis else model.x,
        draws=draws,
        loss_unit=model.loss_unit,
        posterior=posterior,
        sampler_settings=sampler_settings,
    ).fit(model.data_, random_seed=random_seed)
    mixed = mixture.predict(**given, random_seed=random_seed)
    # the mixture's draws are of the same modelled loss: summarise them in the model's metric
    mixed = replace(mixed, metric=model.data_.metric)
    table = single.scales[[c for c in _SCALE_COLUMNS if c in single.scales]].copy()
    for prefix, forecast in (("", single), ("mixture_", mixed)):
        summary = forecast.summary(INTERVAL_PROB)
        for column in ("median", "lower", "upper"):
            table[prefix + column] = summary[column].to_numpy()
        table[prefix + "width"] = (summary["upper"] - summary["lower"]).to_numpy() / np.abs(
            summary["median"].to_numpy()
        )
    table["width_ratio"] = table["mixture_width"] / table["width"]
    converged = bool(single.converged and mixed.converged)
    table["converged"] = converged
    return FormCheck(
        table=table,
        forms=tuple(mixture.fits_),
        weights=dict(mixture.weights_),
        track_record=mixed.track_record,
        interval_prob=INTERVAL_PROB,
        converged=converged,
        forecast=mixed,
    )
