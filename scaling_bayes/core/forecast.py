"""Forecasts: posterior predictive draws of loss at new scales.

A :class:`Forecast` holds, for every posterior draw and every requested scale, the loss a new run
would show (the law plus observation noise: ``loss``) and the law itself (``loss_mean``), in the
``predictions`` group of an :class:`arviz.InferenceData` with dims ``(chain, draw, scale)``. The
scales requested sit in ``predictions_constant_data``; for compute-optimal forecasts the
per-draw allocations ``params_opt`` and ``tokens_opt`` sit beside the loss draws.

The draws are of the *modelled loss* (positive, lower is better), the quantity the law
describes; for a declared metric (:class:`~scaling_bayes.core.metric.Metric`) that is
higher-is-better it is the complement (``1 - accuracy``). :meth:`Forecast.summary` and
:meth:`Forecast.metric_draws` report the metric in its own scale and direction; for a bounded
metric every draw lies inside the bounds.

Forecasts are plain values: nothing here refers back to the model, so a forecast can be saved,
passed to the risk module or built by hand from any array of loss draws
(:meth:`Forecast.from_draws`).
"""

from __future__ import annotations

import warnings
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import xarray as xr

from . import _arviz as az
from .constants import INTERVAL_PROB
from .diagnostics import NOT_CONVERGED_BANNER
from .exceptions import ConvergenceWarning, DataError
from .metric import LM_LOSS, Metric, as_metric
from .track_record import TrackRecord

if TYPE_CHECKING:
    from numpy.typing import ArrayLike

__all__ = ["Forecast", "interval_split"]


@dataclass(frozen=True)
class Forecast:
    """Posterior predictive loss at new scales.

    Attributes
    ----------
    idata : arviz.InferenceData
        ``predictions`` (``loss``, ``loss_mean`` and, for compute-optimal forecasts,
        ``params_opt``, ``tokens_opt``) and ``predictions_constant_data`` (the scales).
    scales : pandas.DataFrame
        One row per scale: ``params``, ``tokens``, ``compute`` as requested (NaN where the
        forecast did not fix them) and ``extrapolation_ratio`` (requested compute over the
        largest observed compute, or the same ratio on the law's axis when compute is unknown).
    law : str
        Name of the law the draws come from (``"draws"`` for hand-made forecasts).
    converged : bool
        Whether the fit behind the draws converged (the fit warned once; every table of the
        forecast carries the verdict in its ``converged`` column).
    loss_unit : str
        Unit of the loss, for labels.
    metric : Metric
        The metric forecast (name, unit, direction, bounds); the draws are its modelled loss.
    interval_parts : pandas.DataFrame or None
        One row per scale: the width of the central :data:`INTERVAL_PROB` interval relative to
        the median (``width``) split into ``noise``, ``law`` (parameter uncertainty) and
        ``form`` (other forms and the discrepancy) by :func:`interval_split`; set by the model
        that made the forecast, None for hand-made forecasts.
    track_record : TrackRecord or None
        How often this method's 90% intervals held in backtests on public studies of this kind
        (:mod:`scaling_bayes.core.track_record`); None when none has been measured.

    Examples
    --------
    >>> import numpy as np
    >>> draws = np.random.default_rng(0).normal(2.0, 0.05, size=(4, 250, 1))
    >>> fc = Forecast.from_draws(draws, compute=[1e22])
    >>> fc.draws.dims
    ('chain', 'draw', 'scale')
    >>> round(float(fc.summary()["median"].iloc[0]), 1)
    2.0
    """

    idata: az.InferenceData
    scales: pd.DataFrame
    law: str = "draws"
    converged: bool = True
    loss_unit: str = "nats/token"
    metric: Metric = LM_LOSS
    interval_parts: pd.DataFrame | None = None
    track_record: TrackRecord | None = None

    # ------------------------------------------------------------------ constructors
    @classmethod
    def from_draws(
        cls,
        draws: ArrayLike,
        *,
        params: ArrayLike | None = None,
        tokens: ArrayLike | None = None,
        compute: ArrayLike | None = None,
        mean_draws: ArrayLike | None = None,
        converged: bool = True,
        loss_unit: str = "nats/token",
        metric: Metric | dict | None = None,
    ) -> Forecast:
        """Build a forecast from an array of loss draws, e.g. from another tool.

        Parameters
        ----------
        draws : array-like of shape (chain, draw, scale), (draw, scale) or (draw,)
            Loss draws, positive and finite.
        params, tokens, compute : array-like of length ``scale``, optional
            The scales the draws belong to (raw counts and FLOPs).
        mean_draws : array-like, optional
            Draws of the law without observation noise; defaults to ``draws``.
        metric : Metric or dict, optional
            The metric the draws are the modelled loss of (default: a language model's loss);
            for a bounded metric every draw must lie below ``metric.loss_upper``.
        """
        metric = as_metric(metric)
        loss = _as_draw_array(draws, "draws", metric)
        mean = loss if mean_draws is None else _as_draw_array(mean_draws, "mean_draws", metric)
        if mean.shape != loss.shape:
            raise DataError(
                f"mean_draws has shape {mean.shape} but draws has {loss.shape}; they must match"
            )
        k = loss.shape[-1]
        if compute is None and params is not None and tokens is not None:
            compute = 6.0 * np.asarray(params, dtype=float) * np.asarray(tokens, dtype=float)
        scales = scales_frame(k, params=params, tokens=tokens, compute=compute)
        idata = build_predictions(loss, mean, scales)
        return cls(
            idata=idata, scales=scales, converged=converged, loss_unit=loss_unit, metric=metric
        )

    # ------------------------------------------------------------------ accessors
    @property
    def draws(self) -> xr.DataArray:
        """Loss a new run would show (law + noise), dims ``(chain, draw, scale)``."""
        return self.idata.predictions["loss"]

    @property
    def mean_draws(self) -> xr.DataArray:
        """Loss of the law itself (no run-to-run noise), dims ``(chain, draw, scale)``."""
        return self.idata.predictions["loss_mean"]

    def metric_draws(self, kind: str = "predictive") -> xr.DataArray:
        """Draws in the metric's own scale and direction (accuracy, not 1 - accuracy).

        Examples
        --------
        >>> fc = Forecast.from_draws(np.full((10, 1), 0.1), tokens=[5e4],
        ...                          metric={"name": "accuracy", "unit": "fraction",
        ...                                  "direction": "higher", "bounds": (0, 1)})
        >>> float(fc.metric_draws().max())
        0.9
        """
        var = {"predictive": "loss", "mean": "loss_mean"}[_check_kind(kind)]
        draws = self.idata.predictions[var]
        return draws.copy(data=self.metric.from_loss(draws.values)).rename(self.metric.name)

    @property
    def allocation(self) -> xr.Dataset | None:
        """Per-draw compute-optimal ``params_opt`` and ``tokens_opt``, or None."""
        preds = az.group(self.idata, "predictions")
        if "params_opt" not in preds:
            return None
        return preds[["params_opt", "tokens_opt"]]

    @property
    def n_scales(self) -> int:
        return int(self.idata.predictions.sizes["scale"])

    def flat_draws(self, kind: str = "predictive") -> np.ndarray:
        """Loss draws as a ``(n_samples, scale)`` array (chains stacked)."""
        var = {"predictive": "loss", "mean": "loss_mean"}[_check_kind(kind)]
        values = self.idata.predictions[var].values
        return values.reshape(-1, values.shape[-1])

    def summary(self, hdi_prob: float = INTERVAL_PROB, kind: str = "predictive") -> pd.DataFrame:
        """One row per scale: mean, median, sd and the central interval of the metric.

        Values are in the metric's own scale and direction (:attr:`metric`); for the default
        metric, a language model's loss, that is the loss.

        Parameters
        ----------
        hdi_prob : float
            Probability mass of the interval (default
            :data:`~scaling_bayes.core.constants.INTERVAL_PROB`).
            The interval is the central (equal-tailed) one, the interval whose coverage the
            calibration benchmark checks; the name follows ArviZ.
        kind : {"predictive", "mean"}
            ``"predictive"``: loss of a new run (law + noise); ``"mean"``: the law itself.

        Returns
        -------
        pandas.DataFrame
            Columns ``params``, ``tokens``, ``compute``, ``extrapolation_ratio``, ``mean``,
            ``median``, ``sd``, ``lower``, ``upper``; for the predictive 90% interval of a
            model's forecast, ``width_noise``, ``width_law`` and ``width_form`` (the parts of
            the interval's width relative to the median that come from run-to-run noise, the
            law's parameters and the law's form, see :attr:`interval_parts`); and
            ``converged`` (the fit's verdict). ``attrs`` records the interval, the kind, the
            loss unit, the metric (``metric``, ``metric_unit``, ``direction``, ``bounds``),
            the verdict again and ``track_record``: the method's measured coverage in
            backtests on public studies (a dict with ``share``, ``n_studies``, ``held_out``,
            ``source``; None when none has been measured).
        """
        ok = not isinstance(hdi_prob, bool) and isinstance(hdi_prob, int | float | np.floating)
        if not ok or not 0 < float(hdi_prob) < 1:
            raise DataError(
                f"hdi_prob must be a probability strictly between 0 and 1, e.g. hdi_prob=0.9; "
                f"got {hdi_prob!r}"
            )
        flat = self.metric.from_loss(self.flat_draws(kind))
        tail = (1 - hdi_prob) / 2
        table = self.scales.copy()
        table["mean"] = flat.mean(axis=0)
        table["median"] = np.median(flat, axis=0)
        table["sd"] = flat.std(axis=0, ddof=1)
        table["lower"] = np.quantile(flat, tail, axis=0)
        table["upper"] = np.quantile(flat, 1 - tail, axis=0)
        if self.allocation is not None:
            table["params_opt_median"] = np.median(
                self.allocation["params_opt"].values.reshape(-1, self.n_scales), axis=0
            )
            table["tokens_opt_median"] = np.median(
                self.allocation["tokens_opt"].values.reshape(-1, self.n_scales), axis=0
            )
        parts = self.interval_parts
        if parts is not None and kind == "predictive" and np.isclose(hdi_prob, INTERVAL_PROB):
            for part in ("noise", "law", "form"):
                table[f"width_{part}"] = parts[part].to_numpy()
        table["converged"] = bool(self.converged)
        record = self.track_record
        table.attrs.update(
            interval_prob=hdi_prob,
            interval="central (equal-tailed)",
            kind=kind,
            loss_unit=self.loss_unit,
            metric=self.metric.name,
            metric_unit=self.metric.unit,
            direction=self.metric.direction,
            bounds=(self.metric.lower, self.metric.upper),
            converged=self.converged,
            warning="" if self.converged else NOT_CONVERGED_BANNER,
            track_record=None if record is None else asdict(record),
        )
        return table

    def warn_if_unconverged(self, what: str) -> None:
        """Issue a :class:`ConvergenceWarning` naming ``what`` if the fit did not converge.

        Nothing in the package's core calls it (the fit warns once); it is kept for callers
        that want to repeat the warning at a boundary of their own.
        """
        if not self.converged:
            warnings.warn(f"{what}: {NOT_CONVERGED_BANNER}", ConvergenceWarning, stacklevel=3)

    def _repr_html_(self) -> str:
        """Notebook display: law, draws, convergence verdict and :meth:`summary`."""
        from .display import forecast_html

        return forecast_html(self)


# ---------------------------------------------------------------------- helpers
def interval_split(
    full: np.ndarray,
    noise: np.ndarray,
    one_form: np.ndarray,
    prob: float = INTERVAL_PROB,
) -> pd.DataFrame:
    """Split the width of a central interval into noise, law parameters and form.

    Widths of central ``prob`` intervals relative to the median of ``full``, added one source
    at a time: ``noise`` is the width of ``noise`` (the law at its posterior centre plus
    run-to-run noise); ``law`` what the parameters' uncertainty adds (``one_form``: one form,
    parameters and noise); ``form`` what the other forms and the discrepancy add (``full``).
    A part that would be negative (Monte Carlo error) is 0.

    Parameters
    ----------
    full, noise, one_form : numpy.ndarray
        Draws of shape ``(n, scales)``, in the scale the widths are wanted in.
    prob : float
        Probability of the central interval.

    Returns
    -------
    pandas.DataFrame
        Columns ``width``, ``noise``, ``law``, ``form``, one row per scale.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> noise = 2.0 + 0.01 * rng.standard_normal((4000, 1))
    >>> law = noise + 0.02 * rng.standard_normal((4000, 1))
    >>> parts = interval_split(law, noise, law)
    >>> round(float(parts["noise"][0]), 3), float(parts["form"][0])
    (0.016, 0.0)
    """
    q = [(1 - prob) / 2, (1 + prob) / 2]
    median = np.median(full, axis=0)

    def width(draws):
        lo, hi = np.quantile(draws, q, axis=0)
        return (hi - lo) / np.abs(median)

    w_noise, w_one, w_full = width(noise), width(one_form), width(full)
    return pd.DataFrame(
        {
            "width": w_full,
            "noise": w_noise,
            "law": np.maximum(w_one - w_noise, 0.0),
            "form": np.maximum(w_full - w_one, 0.0),
        }
    )


def _check_kind(kind: str) -> str:
    if kind not in ("predictive", "mean"):
        raise DataError(f"kind must be 'predictive' or 'mean', got {kind!r}")
    return kind


def _as_draw_array(values, name: str, metric: Metric = LM_LOSS) -> np.ndarray:
    arr = np.asarray(values, dtype=float)
    if arr.ndim == 1:
        arr = arr[None, :, None]
    elif arr.ndim == 2:
        arr = arr[None, :, :]
    elif arr.ndim != 3:
        raise DataError(
            f"{name} must have shape (chain, draw, scale), (draw, scale) or (draw,); "
            f"got {arr.ndim} dimensions"
        )
    bad = ~np.isfinite(arr) | (arr <= 0)
    if bad.any():
        raise DataError(
            f"{name} must be positive and finite; {int(bad.sum())} of {arr.size} values are not"
        )
    above = arr >= metric.loss_upper
    if above.any():
        raise DataError(
            f"{name} are draws of the modelled loss of metric '{metric.name}', which must stay "
            f"below {metric.loss_upper:g}; {int(above.sum())} of {arr.size} values do not. Give "
            "draws of the loss (for a higher-is-better metric, upper bound minus the metric)"
        )
    return arr


def scales_frame(
    k: int,
    *,
    params: ArrayLike | None = None,
    tokens: ArrayLike | None = None,
    compute: ArrayLike | None = None,
) -> pd.DataFrame:
    """Table of requested scales with NaN for axes not fixed by the request."""
    columns = {}
    for name, values in (("params", params), ("tokens", tokens), ("compute", compute)):
        if values is None:
            columns[name] = np.full(k, np.nan)
            continue
        arr = np.atleast_1d(np.asarray(values, dtype=float))
        if arr.shape != (k,):
            raise DataError(f"{name} has {arr.size} values but there are {k} scales")
        columns[name] = arr
    frame = pd.DataFrame(columns, index=pd.RangeIndex(k, name="scale"))
    frame["extrapolation_ratio"] = np.nan
    return frame


def build_predictions(
    loss: np.ndarray, mean: np.ndarray, scales: pd.DataFrame, extra: dict | None = None
) -> az.InferenceData:
    """Wrap draws of shape (chain, draw, scale) into an InferenceData ``predictions`` group."""
    chains, draws, k = loss.shape
    coords = {"chain": np.arange(chains), "draw": np.arange(draws), "scale": np.arange(k)}
    dims = ("chain", "draw", "scale")
    data_vars = {"loss": (dims, loss), "loss_mean": (dims, mean)}
    for name, values in (extra or {}).items():
        data_vars[name] = (dims, values)
    predictions = xr.Dataset(data_vars, coords=coords)
    constant = xr.Dataset(
        {c: ("scale", scales[c].to_numpy()) for c in ("params", "tokens", "compute")},
        coords={"scale": np.arange(k)},
    )
    return az.from_groups(predictions=predictions, predictions_constant_data=constant)
