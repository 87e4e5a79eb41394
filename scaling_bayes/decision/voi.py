"""Value of information: is another small experiment worth it before we commit?

* **EVPI** (expected value of perfect information) of the choice among plans (and "do
  nothing"): ``E[max_d NB_d] - max_d E[NB_d]``, the most any study could be worth.
* **EVSI of one pilot run** at a small scale, by preposterior analysis: simulate the pilot's
  final loss from the posterior predictive (a posterior draw, then the fit's own noise model
  ``link(L_obs) = link(L) + sigma t_nu``, with ``link = log``, or the logit of a bounded
  metric's share of its bound), update the posterior by importance reweighting of the
  posterior draws with the pilot's likelihood, choose the plan with the highest updated expected
  net benefit, and average over simulated pilots::

      EVSI = E_y[ max_d E[NB_d | y] ] - max_d E[NB_d]

  Net of the pilot's own cost this is the expected net benefit of sampling (ENBS): the pilot is
  worth running when ENBS > 0.

Monte Carlo honesty: each simulated pilot's updated means are self-normalised importance
estimates; their noise biases the same-sample EVSI upward. A cross-fitted estimate (decide with
half of the draws, value the decision with the other half) is biased downward; both are reported,
together with the importance-sampling effective sample sizes and the outer Monte Carlo error. The
decision criterion is expected net benefit (risk neutral).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from ..core.constants import INTERVAL_PROB
from ..core.exceptions import DataError
from ..core.likelihood import STUDENT_T_LOG_LOSS
from ..core.progress import check_progressbar, progress
from .cost import ComputeCost, flops_of
from .inputs import child_seed, positive_number, seed_entropy
from .joint import is_model
from .ladder import ScaleLadder, compare_scales
from .metrics import MonteCarloWarning, evpi_from_draws, mcse_mean
from .results import DecisionResult, EVPIResult, attach_legacy_attrs

if TYPE_CHECKING:
    from ..core.forecast import Forecast
    from ..core.model import ScalingLawModel
    from .plan import Investment

__all__ = ["PilotValue", "evpi", "evsi_pilot"]

#: Below this median importance-sampling ESS per simulated pilot, the EVSI warns.
MIN_IMPORTANCE_ESS = 100.0
#: Size of the (simulated pilots x draws) blocks of log-likelihoods, about 2 MB of floats.
_CHUNK_ELEMENTS = 262_144


def evpi(
    source: ScaleLadder | ScalingLawModel | Forecast | ArrayLike,
    plans: Sequence[Investment] | None = None,
    *,
    random_seed: int | None = None,
    kind: str = "predictive",
    include_do_nothing: bool = True,
) -> EVPIResult:
    """Expected value of perfect information of the choice among plans, with its MC error.

    Parameters
    ----------
    source : ScaleLadder, ScalingLawModel, Forecast or array
        A result of :func:`~scaling_bayes.decision.compare_scales`, or a source of loss draws
        (then ``plans`` are compared first).
    plans : list of Investment, optional
        Needed unless ``source`` is a ScaleLadder.

    Returns
    -------
    EVPIResult
        ``.value`` and ``.mc_se`` in the plans' currency; unpacks as the pre-1.0 tuple
        ``(evpi, mc_se)``.

    Examples
    --------
    >>> import numpy as np
    >>> from scaling_bayes.decision import Investment, LinearValue, evpi
    >>> loss = np.random.default_rng(0).normal(2.4, 0.1, 4000)
    >>> plan = Investment(params=1e9, tokens=2e10,
    ...                   value=LinearValue(baseline_loss=2.4, usd_per_loss_unit=1e6))
    >>> value, se = evpi(loss, [plan], random_seed=0)
    >>> value > 3 * se
    True
    """
    if not isinstance(source, ScaleLadder):
        if plans is None:
            raise DataError("give plans= (a list of Investment) with a model, forecast or draws")
        source = compare_scales(
            source, plans, random_seed=random_seed, kind=kind, include_do_nothing=include_do_nothing
        )
    nb, _ = source.net_benefit_matrix()
    value, se = evpi_from_draws(nb, source.losses.n_chains)
    table = pd.DataFrame(
        [("evpi", value, se, source.currency, "E[max_d NB_d] - max_d E[NB_d]")],
        columns=["metric", "estimate", "mc_se", "unit", "definition"],
    ).set_index("metric")
    return EVPIResult(
        table=table,
        value=value,
        mc_se=se,
        currency=source.currency,
        n_draws=source.n_draws,
        converged=source.converged,
    )


@dataclass(frozen=True, kw_only=True)
class PilotValue(DecisionResult):
    """What :func:`evsi_pilot` returns.

    Attributes
    ----------
    table : pandas.DataFrame
        Rows ``evpi``, ``evsi``, ``evsi_cross_fitted``, ``pilot_cost``,
        ``expected_net_benefit_of_sampling``, ``enbs_cross_fitted``, ``p_decision_changes``,
        ``importance_ess_median``, ``importance_ess_p05``; columns ``estimate``, ``mc_se``,
        ``unit``, ``definition``.
    decisions : pandas.DataFrame
        Each option's expected net benefit now and how often it is chosen after the pilot.
    text : str
        Written by the report layer.
    ladder : ScaleLadder
        The comparison the decision is made on.
    pilot : str
        The pilot's scale in words; ``pilot_flops`` its FLOPs and
        ``pilot_extrapolation_ratio`` its compute over the largest observed.
    pilot_params, pilot_tokens : float
        The pilot's parameters and training tokens as numbers (NaN when it was given by
        compute alone), so a report can word the scale in any language.
    chosen_now : str
        The option chosen without the pilot.
    n_outer, n_draws : int
        Simulated pilot results; posterior draws reweighted.
    currency, criterion : str
    random_seed : int or None
    entropy : int
    converged : bool

    Examples
    --------
    See :func:`evsi_pilot`; ``result.worth_it`` is True when the expected net benefit of
    sampling is positive, and ``result.text`` says so in words.
    """

    decisions: pd.DataFrame
    ladder: ScaleLadder
    pilot: str
    pilot_flops: float
    pilot_extrapolation_ratio: float
    pilot_params: float = float("nan")
    pilot_tokens: float = float("nan")
    chosen_now: str
    n_outer: int
    n_draws: int
    currency: str
    random_seed: int | None
    entropy: int

    criterion = "expected net benefit NB = V - C (risk neutral)"

    @property
    def roi_convention(self) -> str:
        return self.ladder.roi_convention

    @property
    def worth_it(self) -> bool:
        """True when the expected net benefit of sampling is positive."""
        return bool(self.table.loc["expected_net_benefit_of_sampling", "estimate"] > 0)


def evsi_pilot(
    model: ScalingLawModel,
    plans: Sequence[Investment],
    *,
    params: float | None = None,
    tokens: float | None = None,
    compute: float | None = None,
    pilot_cost: ComputeCost | float | None = None,
    n_outer: int = 2000,
    random_seed: int | None = None,
    kind: str = "predictive",
    include_do_nothing: bool = True,
    progressbar: bool | None = None,
) -> PilotValue:
    """Expected value of one more pilot run before choosing among plans, net of its cost.

    Parameters
    ----------
    model : ScalingLawModel
        Fitted; its posterior draws are reweighted (see the module docstring).
    plans : list of Investment
        The candidates the pilot would inform.
    params, tokens, compute : float, optional
        Scale of the pilot run (as for ``model.predict``: params and tokens, or compute).
    pilot_cost : ComputeCost or float, optional
        Cost of the pilot: an amount, or a cost model evaluated for the pilot's run (its fixed
        costs included, as given). Default: the pilot's own run under the first plan's cost
        model: its compute (from 6ND, or from measured GPU-hours scaled to the pilot's data
        size), energy, carbon and any samples it adds beyond those on hand, never the plans'
        fixed, integration or running costs.
    n_outer : int
        Simulated pilot results (outer Monte Carlo draws).
    random_seed : int, optional
    kind : {"predictive", "mean"}
        Loss of the plans' runs: with run-to-run noise (default) or the law alone.
    include_do_nothing : bool
        Count "do nothing" (net benefit 0) as an option.
    progressbar : bool or None
        A bar counting simulated pilots: None shows it only in a terminal or a notebook, True
        always, False never (:mod:`scaling_bayes.core.progress`).

    Returns
    -------
    PilotValue

    Examples
    --------
    >>> import numpy as np, scaling_bayes as sb
    >>> from scaling_bayes.testing import example_model
    >>> model = example_model()  # a hand-made posterior; yours: ScalingLawModel().fit(data)
    >>> from scaling_bayes.decision import Investment, LinearValue, evsi_pilot
    >>> value = LinearValue(baseline_loss=2.6, usd_per_loss_unit=2e5)
    >>> plans = [Investment(params=n, tokens=20 * n, value=value) for n in (1e9, 3e9)]
    >>> result = evsi_pilot(model, plans, params=7e8, tokens=1.4e10, random_seed=0)
    >>> bool(result.table.loc["evsi", "estimate"] <= result.table.loc["evpi", "estimate"])
    True
    """
    if not is_model(model) or not hasattr(model, "noise_draws"):
        raise DataError(
            "evsi_pilot needs a fitted ScalingLawModel (its posterior draws are reweighted by "
            f"the pilot's likelihood); got {type(model).__name__}"
        )
    if isinstance(n_outer, bool) or not isinstance(n_outer, int | np.integer) or n_outer < 10:
        raise DataError(f"n_outer must be an integer >= 10; got {n_outer!r}")
    progressbar = check_progressbar(progressbar)
    entropy = seed_entropy(random_seed)
    ladder = compare_scales(
        model, plans, random_seed=random_seed, kind=kind, include_do_nothing=include_do_nothing
    )
    nb, names = ladder.net_benefit_matrix()
    n = nb.shape[0]
    axis = getattr(model, "x", None)
    if axis == "tokens" and params is None and compute is None and tokens is not None:
        # a pilot on a data axis (more labelled images): no FLOPs, priced from its data size
        pilot_flops = float("nan")
        tokens = positive_number("tokens", tokens, "the pilot's data size")
    else:
        pilot_flops = flops_of(params, tokens, compute)
    if axis in ("params", "tokens", "compute"):  # one-axis law: predict from its axis only
        given = {"params": params, "tokens": tokens, "compute": pilot_flops}[axis]
        if given is None:
            raise DataError(f"the model's law is on {axis}; give the pilot's {axis}=")
        scales = {axis: given}
    else:
        scales = {
            k: v
            for k, v in (("params", params), ("tokens", tokens), ("compute", compute))
            if v is not None
        }
    fc = model.predict(**scales, random_seed=child_seed(entropy, 5))
    if fc.n_scales != 1:
        raise DataError("give one pilot scale: params= and tokens= (or compute=) as numbers")
    # Pilot results are simulated and weighed on the fit's own link scale (log loss; the
    # logit of a bounded metric), where its noise is Student-t; the Jacobian of the link does
    # not depend on the draw, so it cancels from the importance weights.
    link = getattr(model, "likelihood", STUDENT_T_LOG_LOSS).link
    log_mean = np.asarray(link(fc.flat_draws("mean")[:, 0]), float)
    noise = model.noise_draws()
    sigma = np.asarray(noise["sigma"], float)
    nu = np.asarray(noise["nu"], float)
    if not (log_mean.size == sigma.size == nu.size == n):
        raise DataError(
            f"mismatched draw counts: {n} plan draws, {log_mean.size} pilot forecast draws, "
            f"{sigma.size} noise draws; they must come from the same posterior"
        )

    rng = np.random.default_rng(child_seed(entropy, 6))
    outer = rng.choice(n, size=int(n_outer), replace=int(n_outer) > n)
    t_draw = _student_t(rng, nu[outer])
    y_log = log_mean[outer] + sigma[outer] * t_draw
    half = rng.permutation(n) < n // 2
    chosen_now = int(np.argmax(nb.mean(axis=0)))
    with progress(len(outer), "evsi_pilot: simulated pilots", progressbar=progressbar) as bar:
        out = _preposterior(y_log, log_mean, sigma, nu, nb, half, chosen_now, bar)

    chains = None  # outer pilots are independent simulations
    evsi_value, evsi_se = float(out["gain"].mean()), mcse_mean(out["gain"], chains)
    cross, cross_se = float(out["gain_cross"].mean()), mcse_mean(out["gain_cross"], chains)
    cost_mean, cost_se, cost_text = _pilot_cost(pilot_cost, plans, pilot_flops, tokens, n, entropy)
    evpi_value, evpi_se = evpi_from_draws(nb, ladder.losses.n_chains)
    changes = float(np.mean(out["decision"] != chosen_now))
    ess = out["ess"]
    currency = ladder.currency
    rows = [
        (
            "evpi",
            evpi_value,
            evpi_se,
            currency,
            "E[max_d NB_d] - max_d E[NB_d]: the most any information could be worth",
        ),
        (
            "evsi",
            evsi_value,
            evsi_se,
            currency,
            "E_y[max_d E[NB_d | y]] - max_d E[NB_d] for one pilot result y (same-sample "
            "importance estimate, biased upward by its noise)",
        ),
        (
            "evsi_cross_fitted",
            cross,
            cross_se,
            currency,
            "EVSI with the decision made on half of the draws and valued on the other half "
            "(biased downward)",
        ),
        ("pilot_cost", cost_mean, cost_se, currency, f"expected cost of the pilot: {cost_text}"),
        (
            "expected_net_benefit_of_sampling",
            evsi_value - cost_mean,
            float(np.hypot(evsi_se, cost_se)),
            currency,
            "EVSI - pilot cost (ENBS)",
        ),
        (
            "enbs_cross_fitted",
            cross - cost_mean,
            float(np.hypot(cross_se, cost_se)),
            currency,
            "cross-fitted EVSI - pilot cost",
        ),
        (
            "p_decision_changes",
            changes,
            float(np.sqrt(changes * (1 - changes) / len(outer))),
            "probability",
            "share of simulated pilots after which another option is chosen",
        ),
        (
            "importance_ess_median",
            float(np.median(ess)),
            np.nan,
            "draws",
            f"median importance-sampling ESS per simulated pilot (of {n} draws)",
        ),
        (
            "importance_ess_p05",
            float(np.quantile(ess, 0.05)),
            np.nan,
            "draws",
            "5th percentile of the importance-sampling ESS",
        ),
    ]
    table = pd.DataFrame(rows, columns=["metric", "estimate", "mc_se", "unit", "definition"])
    table = table.set_index("metric")
    pilot_scale = fc.scales.iloc[0]
    decisions = pd.DataFrame(
        {
            "option": names,
            "expected_net_benefit_now": nb.mean(axis=0),
            "p_chosen_after_pilot": np.bincount(out["decision"], minlength=len(names)) / len(outer),
        }
    )
    if np.median(ess) < MIN_IMPORTANCE_ESS:
        warnings.warn(
            f"the pilot's likelihood leaves a median of {np.median(ess):.0f} effective draws "
            f"(of {n}) per simulated result: the EVSI is noisy and biased upward; compare it "
            "with evsi_cross_fitted, or refit with more draws",
            MonteCarloWarning,
            stacklevel=2,
        )
    result = PilotValue(
        table=table,
        decisions=decisions,
        ladder=ladder,
        pilot=_pilot_label(params, tokens, compute),
        pilot_flops=pilot_flops,
        pilot_params=float(params) if params is not None else float("nan"),
        pilot_tokens=float(tokens) if tokens is not None else float("nan"),
        pilot_extrapolation_ratio=float(pilot_scale.get("extrapolation_ratio", np.nan)),
        chosen_now=names[chosen_now],
        n_outer=int(n_outer),
        n_draws=n,
        currency=currency,
        random_seed=random_seed,
        entropy=entropy,
        converged=ladder.converged,
    )
    attach_legacy_attrs(
        table,
        "PilotValue",
        {
            **result.fields(),
            "criterion": PilotValue.criterion,
            "roi_convention": ladder.roi_convention,
            "seed_entropy": entropy,
            "warning": result.warning,
        },
        {"seed_entropy": "entropy"},
    )
    return result


def _student_t(rng, nu):
    # One normal draw per pilot comes first (kept where nu is effectively infinite), then the t
    # draws: the order of earlier releases, so seeded EVSI results do not move.
    out = rng.standard_normal(nu.size)
    finite = ~STUDENT_T_LOG_LOSS.is_normal(nu)
    if finite.any():
        out[finite] = STUDENT_T_LOG_LOSS.standard_noise(rng, nu[finite], int(finite.sum()))
    return out


#: Log-likelihood of simulated pilot results under every posterior draw: the fit's own noise
#: model, evaluated in place in blocks (see ``StudentTLogLoss.outer``).
_PilotLikelihood = STUDENT_T_LOG_LOSS.outer


def _preposterior(y_log, log_mean, sigma, nu, nb, half, chosen_now, bar=None):
    """Importance-reweighted expected net benefits for each simulated pilot, in chunks.

    Works in place on one (chunk, draws) matrix of log-likelihoods (the hot loop of the EVSI).
    """
    likelihood = _PilotLikelihood(log_mean, sigma, nu)
    in_a = half.astype(float)
    nb_a = nb * half[:, None]
    nb_b = nb * ~half[:, None]
    m = y_log.size
    gain = np.empty(m)
    gain_cross = np.empty(m)
    decision = np.empty(m, dtype=int)
    ess = np.empty(m)
    chunk = max(8, _CHUNK_ELEMENTS // log_mean.size)
    for start in range(0, m, chunk):
        stop = min(start + chunk, m)
        w = likelihood.block(y_log[start:stop])
        w -= w.max(axis=1, keepdims=True)
        np.exp(w, out=w)
        total = w.sum(axis=1)
        total_a = w @ in_a
        total_b = total - total_a
        ess[start:stop] = total**2 / np.einsum("ij,ij->i", w, w)
        sum_a = w @ nb_a
        sum_b = w @ nb_b
        mu = (sum_a + sum_b) / total[:, None]
        decision[start:stop] = mu.argmax(axis=1)
        gain[start:stop] = mu.max(axis=1) - mu[:, chosen_now]
        rows = np.arange(stop - start)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            mu_a = sum_a / total_a[:, None]
            mu_b = sum_b / total_b[:, None]
            g_ab = mu_b[rows, mu_a.argmax(axis=1)] - mu_b[:, chosen_now]
            g_ba = mu_a[rows, mu_b.argmax(axis=1)] - mu_a[:, chosen_now]
        # A half with (numerically) no weight can neither choose nor value a decision: count
        # no gain, in keeping with the cross-fitted estimate's downward bias.
        both = (total_a > 1e-12 * total) & (total_b > 1e-12 * total)
        gain_cross[start:stop] = np.where(both, (g_ab + g_ba) / 2, 0.0)
        if bar is not None:
            bar.advance(stop - start)
    return {"gain": gain, "gain_cross": gain_cross, "decision": decision, "ess": ess}


def _pilot_cost(pilot_cost, plans, flops, tokens, n, entropy):
    own_run = pilot_cost is None
    if own_run:
        pilot_cost = next(iter(plans)).cost
    if isinstance(pilot_cost, ComputeCost):
        compute = None if not np.isfinite(flops) else flops
        if compute is None and not pilot_cost.measured_compute:
            raise DataError(
                "the pilot gives only tokens= (a data size), so its compute cannot come from "
                "6ND; give pilot_cost= (an amount) or price compute from measured GPU-hours: "
                "ComputeCost(pilot_gpu_hours=..., pilot_size=...)"
            )
        # without fixed costs unless the caller gave this cost model for the pilot: a pilot
        # costs its own run, and the plans' fixed costs are not the pilot's
        draws = pilot_cost.sample(
            compute=compute,
            tokens=tokens,
            n=n,
            random_seed=child_seed(entropy, 8),
            fixed=not own_run,
        )
        cost = draws["cost"].to_numpy()
        tail = (1 - INTERVAL_PROB) / 2
        lo, hi = np.quantile(cost, [tail, 1 - tail])
        scale = f"{flops:.3g} FLOPs" if compute is not None else f"{tokens:.3g} samples"
        own = " (its own run: compute, energy, carbon and added data; no fixed costs)"
        text = (
            f"{scale} at {pilot_cost.describe()}{own if own_run else ''} "
            f"({round(INTERVAL_PROB * 100)}% interval {lo:.4g} to {hi:.4g} {pilot_cost.currency})"
        )
        return float(cost.mean()), mcse_mean(cost), text
    if isinstance(pilot_cost, bool) or np.ndim(pilot_cost) != 0:
        raise DataError(f"pilot_cost must be a ComputeCost or an amount; got {pilot_cost!r}")
    amount = float(pilot_cost)
    if not np.isfinite(amount) or amount < 0:
        raise DataError(f"pilot_cost must be a non-negative amount; got {pilot_cost!r}")
    return amount, 0.0, "given"


def _pilot_label(params, tokens, compute) -> str:
    if params is not None and tokens is not None:
        return f"{float(params):.3g} params on {float(tokens):.3g} tokens"
    if compute is None:
        return f"{float(tokens):.3g} samples"
    return f"{float(compute):.3g} FLOPs"
