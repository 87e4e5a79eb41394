"""The inverse question: the smallest budget that reaches a target loss with a given probability.

For a budget ``C`` (FLOPs, allocated compute-optimally per posterior draw for the Chinchilla law)
the probability of reaching the target is the share of posterior draws whose loss at ``C`` is at
or below it. Loss falls with compute in every draw, so this share rises with ``C`` and the
smallest ``C`` with ``P(L(C) <= target) >= p`` is found by bisection on ``log C``, each step
evaluating every posterior draw (with fixed noise draws for ``kind="predictive"``, so the share
stays monotone). For ``kind="mean"`` the answer is exactly the ``p`` quantile, over posterior
draws, of the budget at which each draw's law reaches the target. Draws whose irreducible loss
is above the target never reach it: when they exceed ``1 - p``, no budget is enough.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..core.constants import EXTRAPOLATION_WARN_RATIO, INTERVAL_PROB
from ..core.exceptions import DataError, ExtrapolationWarning
from .cost import ComputeCost
from .inputs import child_seed, positive_number, seed_entropy
from .joint import is_model
from .metrics import effective_sample_size
from .results import DecisionResult, attach_legacy_attrs

if TYPE_CHECKING:
    from ..core.model import ScalingLawModel

__all__ = ["TargetBudget", "compute_for_target"]

_BISECTIONS = 60
#: Fields of TargetBudget that were never ``table.attrs`` keys.
_NOT_IN_OLD_ATTRS = ("compute", "probability", "mc_se", "reachable", "loss_unit", "entropy")


@dataclass(frozen=True, kw_only=True)
class TargetBudget(DecisionResult):
    """What :func:`compute_for_target` returns.

    Attributes
    ----------
    compute : float
        Smallest budget (FLOPs) with ``P(loss <= target) >= prob``; ``inf`` when unreachable.
    probability, mc_se : float
        ``P(loss <= target)`` at that budget and its Monte Carlo standard error.
    reachable : bool
    table : pandas.DataFrame
        ``compute``, ``p_reach``, ``mc_se`` over a grid of budgets (the curve behind the answer).
    text : str
    target_loss, prob : float
        The target and the required probability.
    kind : str
    loss_unit : str
        The model's loss unit (for the text).
    compute_bounds : (float, float)
        The searched range (FLOPs).
    max_observed_compute : float
    compute_mc_se_factor : float
        Monte Carlo error of ``compute`` as a multiplicative factor (NaN when unknown).
    params_median, tokens_median : float
        Compute-optimal allocation at ``compute`` (posterior medians; NaN when not known).
    cost_median, cost_lower, cost_upper, gpu_hours_median, gpu_hours_lower, gpu_hours_upper
        Cost and GPU-hours of the budget (NaN without ``cost=``); ``currency`` their currency.
    p_reachable_at_any_budget : float
        Share of posterior draws whose irreducible loss is below the target (NaN when the
        target is reachable).
    random_seed : int or None
    entropy : int
    converged : bool

    Examples
    --------
    See :func:`compute_for_target`; ``str(budget)`` is the paragraph ``budget.text``.
    """

    compute: float
    probability: float
    mc_se: float
    reachable: bool
    target_loss: float
    prob: float
    kind: str
    loss_unit: str
    compute_bounds: tuple
    max_observed_compute: float
    random_seed: int | None
    entropy: int
    compute_mc_se_factor: float = float("nan")
    params_median: float = float("nan")
    tokens_median: float = float("nan")
    cost_median: float = float("nan")
    cost_lower: float = float("nan")
    cost_upper: float = float("nan")
    gpu_hours_median: float = float("nan")
    gpu_hours_lower: float = float("nan")
    gpu_hours_upper: float = float("nan")
    currency: str | None = None
    p_reachable_at_any_budget: float = float("nan")


def compute_for_target(
    model: ScalingLawModel,
    target_loss: float,
    *,
    prob: float = 0.9,
    kind: str = "mean",
    cost: ComputeCost | None = None,
    compute_bounds: tuple[float, float] | None = None,
    random_seed: int | None = None,
    n_grid: int = 40,
) -> TargetBudget:
    """Smallest training budget with ``P(loss <= target_loss) >= prob``.

    Parameters
    ----------
    model : ScalingLawModel
        Fitted; law ``"chinchilla"`` (compute-optimal allocation per draw) or ``"power"`` on
        compute.
    target_loss : float
        Loss to reach (the model's loss units).
    prob : float
        Required probability, e.g. 0.9.
    kind : {"mean", "predictive"}
        ``"mean"`` (default): the law reaches the target; ``"predictive"``: one run, with its
        run-to-run noise, reaches it.
    cost : ComputeCost, optional
        Translate the budget into GPU-hours and money (medians and intervals in ``attrs``).
    compute_bounds : (float, float), optional
        Search range in FLOPs (default: 1e-3 to 1e9 times the largest observed compute).
    random_seed : int, optional
        Seeds the run noise (``kind="predictive"``) and the cost draws.
    n_grid : int
        Budgets in the curve of ``.table``.

    Returns
    -------
    TargetBudget

    Examples
    --------
    >>> import numpy as np, scaling_bayes as sb
    >>> from scaling_bayes.testing import example_model
    >>> model = example_model()  # a hand-made posterior; yours: ScalingLawModel().fit(data)
    >>> budget = compute_for_target(model, 2.3, prob=0.9)
    >>> budget.reachable, budget.probability >= 0.9
    (True, True)
    """
    if not is_model(model) or not hasattr(model, "idata_"):
        raise DataError("compute_for_target needs a fitted ScalingLawModel (call fit first)")
    law, axis = getattr(model, "law", None), getattr(model, "x", None)
    if not (law == "chinchilla" or axis == "compute"):
        raise DataError(
            f"compute_for_target needs a law of compute: 'chinchilla' (compute-optimal) or "
            f"'power' with x='compute'; this model is law={law!r}, x={axis!r}"
        )
    target = positive_number("target_loss", target_loss, "a loss")
    if not 0 < prob < 1:
        raise DataError(f"prob must be in (0, 1), e.g. 0.9; got {prob!r}")
    if kind not in ("mean", "predictive"):
        raise DataError(f"kind must be 'mean' or 'predictive'; got {kind!r}")
    entropy = seed_entropy(random_seed)
    seed = child_seed(entropy, 9)
    max_c = float(getattr(getattr(model, "data_", None), "max_compute", np.nan))
    if compute_bounds is None:
        if not np.isfinite(max_c):
            raise DataError("the runs record no compute; give compute_bounds=(low, high) in FLOPs")
        lo, hi = max_c * 1e-3, max_c * 1e9
    else:
        lo, hi = (positive_number("compute_bounds", b, "FLOPs") for b in compute_bounds)
        if lo >= hi:
            raise DataError(
                f"compute_bounds must be (low, high) with low < high; got {compute_bounds}"
            )
    state = {"converged": True, "n_chains": None}

    def reached(c: float) -> np.ndarray:
        with warnings.catch_warnings():
            # the search probes far beyond the data on purpose; the answer's ratio is warned
            warnings.filterwarnings("ignore", category=ExtrapolationWarning)
            fc = model.predict(compute=[c], random_seed=seed)
        state["converged"] = bool(fc.converged)
        state["n_chains"] = int(fc.idata.predictions.sizes["chain"])
        return fc.flat_draws(kind)[:, 0] <= target

    def share(c: float) -> float:
        return float(reached(c).mean())

    grid = np.geomspace(lo, hi, n_grid)
    hits = [reached(c).astype(float) for c in grid]
    p_grid = np.array([h.mean() for h in hits])
    ok = np.flatnonzero(p_grid >= prob)
    if ok.size == 0:
        answer, reachable = np.inf, False
    elif ok[0] == 0:
        answer, reachable = lo, True
    else:
        a, b = np.log(grid[ok[0] - 1]), np.log(grid[ok[0]])
        for _ in range(_BISECTIONS):
            mid = 0.5 * (a + b)
            if share(np.exp(mid)) >= prob:
                b = mid
            else:
                a = mid
        answer, reachable = float(np.exp(b)), True

    chains = state["n_chains"]
    table = pd.DataFrame({"compute": grid, "p_reach": p_grid})
    table["mc_se"] = [
        np.sqrt(p * (1 - p) / effective_sample_size(h, chains))
        for h, p in zip(hits, p_grid, strict=True)
    ]
    attrs = {
        "target_loss": target,
        "prob": prob,
        "kind": kind,
        "compute_bounds": (lo, hi),
        "max_observed_compute": max_c,
        "converged": state["converged"],
        "random_seed": random_seed,
        "entropy": entropy,
        "loss_unit": getattr(model, "loss_unit", ""),
    }
    if reachable:
        hit = reached(answer).astype(float)
        p_at = float(hit.mean())
        se = float(np.sqrt(p_at * (1 - p_at) / effective_sample_size(hit, chains)))
        attrs.update(
            _allocation(model, answer, seed), compute_mc_se_factor=_compute_error(share, answer, se)
        )
        if cost is not None:
            attrs.update(_cost_summary(cost, answer, child_seed(entropy, 10)))
    else:
        p_at = float(p_grid[-1])
        se = float(table["mc_se"].iloc[-1])
        irreducible = model.posterior_draws().get("E")
        if irreducible is not None:
            attrs["p_reachable_at_any_budget"] = float(np.mean(irreducible < target))
    result = TargetBudget(
        compute=float(answer),
        probability=p_at,
        mc_se=se,
        reachable=reachable,
        table=table,
        **attrs,
    )
    legacy = {k: v for k, v in result.fields().items() if k not in _NOT_IN_OLD_ATTRS}
    legacy = {
        k: v
        for k, v in legacy.items()
        if v is not None and not (isinstance(v, float) and np.isnan(v))
    }
    attach_legacy_attrs(
        table,
        "TargetBudget",
        {**legacy, "seed_entropy": entropy, "warning": result.warning},
        {"seed_entropy": "entropy"},
    )
    ratio = answer / max_c if np.isfinite(max_c) else np.nan
    if reachable and ratio > EXTRAPOLATION_WARN_RATIO:
        warnings.warn(
            f"the budget found, {answer:.3g} FLOPs, is {ratio:.0f}x the largest observed compute "
            f"(more than {EXTRAPOLATION_WARN_RATIO:.0f}x): the answer rests on extrapolation",
            ExtrapolationWarning,
            stacklevel=2,
        )
    return result


def _allocation(model, compute: float, seed: int) -> dict:
    with warnings.catch_warnings():
        # the allocation is read at the answer, whose extrapolation was warned already
        warnings.filterwarnings("ignore", category=ExtrapolationWarning)
        fc = model.predict(compute=[compute], random_seed=seed)
    alloc = fc.allocation
    if alloc is None:
        return {}
    return {
        "params_median": float(np.median(alloc["params_opt"].values)),
        "tokens_median": float(np.median(alloc["tokens_opt"].values)),
    }


def _compute_error(share, answer: float, se: float) -> float:
    """Monte Carlo error of the budget as a multiplicative factor: se(P) / slope of P in log C."""
    step = np.log(1.5)
    slope = (share(answer * np.exp(step)) - share(answer * np.exp(-step))) / (2 * step)
    if slope <= 0:
        return float("nan")
    return float(np.exp(se / slope))


def _cost_summary(cost: ComputeCost, compute: float, seed: int) -> dict:
    draws = cost.sample(compute=compute, n=4000, random_seed=seed)
    tail = (1 - INTERVAL_PROB) / 2
    out = {}
    for key in ("cost", "gpu_hours"):
        lo, mid, hi = np.quantile(draws[key], [tail, 0.5, 1 - tail])
        out.update({f"{key}_median": mid, f"{key}_lower": lo, f"{key}_upper": hi})
    out["currency"] = cost.currency
    return out
