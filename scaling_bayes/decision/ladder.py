"""Across scales: which plan, where returns stop being worth it, and acceptability curves.

:func:`compare_scales` evaluates candidate plans on the same joint draws (one posterior draw and
one draw of every business input per row, shared by all plans), so differences between plans,
the probability that each is best and the marginal return of each step up the ladder are computed
draw by draw. Conventions: ROI = (V - C) / C, break-even 0; net benefit NB = V - C.

Marginal return along the ladder (plans sorted by expected cost): for the step from plan ``i-1``
to plan ``i``, ``dE[V]/dE[C]`` is the extra expected value per extra expected dollar and
``dE[NB]/dE[C] = dE[V]/dE[C] - 1`` the extra expected net benefit per extra dollar. The **stop
point** is the last plan before the first step whose expected marginal net benefit is negative;
it is reported with the probability that the next step would still pay, ``P(NB_{i+1} > NB_i)``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..core.constants import INTERVAL_PROB
from ..core.diagnostics import NOT_CONVERGED_BANNER
from ..core.exceptions import DataError
from .inputs import seed_entropy
from .joint import (
    LossDraws,
    check_plans,
    check_reference_losses,
    check_threshold,
    resolve_losses,
    simulate_plan,
    warn_unconverged,
)
from .metrics import (
    ROI_CONVENTION,
    effective_sample_size,
    ess_method,
    evpi_from_draws,
    mcse_mean,
    prob_exceeds,
)
from .value import LinearValue
from .wording import format_money, format_percent, likelihood_words

__all__ = ["DO_NOTHING", "ScaleLadder", "acceptability_curve", "compare_scales"]

DO_NOTHING = "do nothing"


@dataclass(frozen=True)
class ScaleLadder:
    """What :func:`compare_scales` returns.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per plan, sorted by expected cost (see :func:`compare_scales`).
    text : str
        A paragraph for a memo.
    draws : list of PlanDraws
        Joint draws of each plan, in the table's order.
    losses : LossDraws
    threshold : float
    include_do_nothing : bool
        Whether "do nothing" (net benefit 0) is one of the options.

    Examples
    --------
    See :func:`compare_scales`: ``ladder.best``, ``ladder.stop_point`` and
    ``ladder.net_benefit_matrix()`` (draws x options, "do nothing" first).
    """

    table: pd.DataFrame
    text: str
    draws: list
    losses: LossDraws
    threshold: float
    include_do_nothing: bool
    entropy: int

    @property
    def converged(self) -> bool:
        return bool(self.table.attrs["converged"])

    @property
    def best(self) -> str:
        """The option with the highest expected net benefit (may be "do nothing")."""
        return str(self.table.attrs["best"])

    @property
    def stop_point(self) -> str:
        """The plan after which the expected marginal net benefit turns negative.

        The largest plan when no step within the ladder has a negative expected marginal net
        benefit (``table.attrs["stop_reached"]`` is then False).
        """
        return str(self.table.attrs["stop_point"])

    def net_benefit_matrix(self) -> tuple[np.ndarray, list[str]]:
        """Net benefit draws, shape (n, options), and option names (with "do nothing")."""
        nb = np.column_stack([d.net_benefit for d in self.draws])
        names = [d.plan.label for d in self.draws]
        if self.include_do_nothing:
            nb = np.column_stack([np.zeros(nb.shape[0]), nb])
            names = [DO_NOTHING, *names]
        return nb, names

    def __str__(self) -> str:
        return self.text


def compare_scales(
    source,
    plans,
    *,
    threshold: float = 0.0,
    random_seed: int | None = None,
    kind: str = "predictive",
    interval_prob: float = INTERVAL_PROB,
    include_do_nothing: bool = True,
) -> ScaleLadder:
    """Compare candidate plans on the same joint draws: one row per plan.

    Parameters
    ----------
    source : ScalingLawModel, Forecast or array
        A fitted model (predicted at every plan's scale in one call; compute-only plans are
        allocated compute-optimally per draw), a forecast with one scale per plan, or loss draws
        of shape ``(draws, plans)``.
    plans : list of Investment
        Candidates, e.g. ``[plan_1b, plan_7b, plan_30b]`` or
        :func:`~scaling_bayes.decision.plans_from_budgets` over a grid of budgets.
    threshold : float
        ROI threshold (fraction).
    random_seed : int, optional
    kind : {"predictive", "mean"}
    interval_prob : float
    include_do_nothing : bool
        Count "do nothing" (net benefit 0) as an option in the best-plan probabilities, the
        recommendation and the EVPI.

    Returns
    -------
    ScaleLadder
        ``.table`` columns: ``plan``, ``params``, ``tokens``, ``compute``,
        ``extrapolation_ratio``, ``expected_cost``, ``expected_value``,
        ``expected_net_benefit`` (+ ``_mc_se``, ``_lower``, ``_upper``),
        ``p_roi_above_threshold`` (+ ``_mc_se``), ``p_break_even``, ``expected_roi``,
        ``p_best`` (+ ``_mc_se``), ``marginal_value_per_extra_cost`` (dE[V]/dE[C] from the
        previous plan), ``marginal_net_benefit_per_extra_cost`` (dE[NB]/dE[C]),
        ``p_step_pays`` (P(NB_i > NB_{i-1})), ``stop_point``, ``gpu_hours``, ``energy_mwh``,
        ``co2e_t`` (medians). ``attrs``: ``best``, ``stop_point``, ``evpi``, ``evpi_mc_se``,
        ``p_best_do_nothing`` and the conventions.

    Examples
    --------
    >>> import numpy as np
    >>> from scaling_bayes.decision import ComputeCost, Investment, LinearValue, compare_scales
    >>> rng = np.random.default_rng(0)
    >>> value = LinearValue(baseline_loss=2.6, usd_per_loss_unit=1e6)
    >>> plans = [Investment(params=n, tokens=20 * n, value=value, cost=ComputeCost(mfu=0.4))
    ...          for n in (1e9, 3e9, 7e9)]
    >>> loss = np.column_stack([rng.normal(m, 0.03, 2000) for m in (2.45, 2.35, 2.30)])
    >>> ladder = compare_scales(loss, plans, random_seed=0)
    >>> ladder.best, ladder.stop_point
    ('7B params, 140B tokens', '7B params, 140B tokens')
    """
    plans = check_plans(plans)
    threshold = check_threshold(threshold)
    if not isinstance(include_do_nothing, bool):
        raise DataError(f"include_do_nothing must be True or False; got {include_do_nothing!r}")
    entropy = seed_entropy(random_seed)
    losses = resolve_losses(source, plans, entropy=entropy, kind=kind)
    check_reference_losses(plans, losses)
    draws = [simulate_plan(p, losses.loss[:, j], entropy) for j, p in enumerate(plans)]
    order = np.argsort([d.cost.mean() for d in draws], kind="stable")
    draws = [draws[i] for i in order]
    scales = losses.scales.iloc[order].reset_index(drop=True)
    table, attrs = _ladder_table(
        draws, scales, losses, threshold, interval_prob, include_do_nothing
    )
    table.attrs.update(attrs)
    ladder = ScaleLadder(
        table=table,
        text="",
        draws=draws,
        losses=losses,
        threshold=threshold,
        include_do_nothing=include_do_nothing,
        entropy=entropy,
    )
    evpi, evpi_se = evpi_from_draws(ladder.net_benefit_matrix()[0], losses.n_chains)
    table.attrs.update(evpi=evpi, evpi_mc_se=evpi_se)
    text = ladder_text(table)
    warn_unconverged(losses.converged, "scale comparison")
    return ScaleLadder(
        table=table,
        text=text,
        draws=draws,
        losses=losses,
        threshold=threshold,
        include_do_nothing=include_do_nothing,
        entropy=entropy,
    )


def _ladder_table(draws, scales, losses, threshold, interval_prob, include_do_nothing):
    chains = losses.n_chains
    tail = (1 - interval_prob) / 2
    nb = np.column_stack([d.net_benefit for d in draws])
    rows = []
    for j, d in enumerate(draws):
        p, se, _ = prob_exceeds(d.roi, threshold, chains)
        p0, _, _ = prob_exceeds(d.roi, 0.0, chains)
        lo, hi = np.quantile(nb[:, j], [tail, 1 - tail])
        rows.append(
            {
                "expected_cost": d.cost.mean(),
                "expected_value": d.value.mean(),
                "expected_net_benefit": nb[:, j].mean(),
                "expected_net_benefit_mc_se": mcse_mean(nb[:, j], chains),
                "expected_net_benefit_lower": lo,
                "expected_net_benefit_upper": hi,
                "p_roi_above_threshold": p,
                "p_roi_above_threshold_mc_se": se,
                "p_break_even": p0,
                "expected_roi": d.roi.mean(),
                "gpu_hours": np.median(d.footprint["gpu_hours"]),
                "energy_mwh": np.median(d.footprint["energy_mwh"]),
                "co2e_t": np.median(d.footprint["co2e_t"]),
            }
        )
    table = pd.concat([scales, pd.DataFrame(rows)], axis=1)

    # probability that each option is best, draw by draw
    options = np.column_stack([np.zeros(nb.shape[0]), nb]) if include_do_nothing else nb
    winner = np.argmax(options, axis=1)
    offset = 1 if include_do_nothing else 0
    p_best, p_best_se = [], []
    for j in range(nb.shape[1]):
        pj, sej, _ = prob_exceeds((winner == j + offset).astype(float), 0.5, chains)
        p_best.append(pj)
        p_best_se.append(sej)
    table["p_best"] = p_best
    table["p_best_mc_se"] = p_best_se

    # marginal returns between neighbouring plans (sorted by expected cost)
    ev = table["expected_value"].to_numpy()
    ec = table["expected_cost"].to_numpy()
    d_cost = np.diff(np.concatenate([[0.0], ec]))
    d_value = np.diff(np.concatenate([[0.0], ev]))
    with np.errstate(divide="ignore", invalid="ignore"):
        table["marginal_value_per_extra_cost"] = d_value / d_cost
        table["marginal_net_benefit_per_extra_cost"] = d_value / d_cost - 1.0
    steps = np.column_stack([nb[:, :1], np.diff(nb, axis=1)])
    p_step, p_step_se = [], []
    for j in range(nb.shape[1]):
        pj, sej, _ = prob_exceeds(steps[:, j], 0.0, chains)
        p_step.append(pj)
        p_step_se.append(sej)
    table["p_step_pays"] = p_step
    table["p_step_pays_mc_se"] = p_step_se
    expected_steps = steps.mean(axis=0)
    negative = np.flatnonzero(expected_steps[1:] < 0)
    stop = int(negative[0]) if negative.size else nb.shape[1] - 1
    table["stop_point"] = (np.arange(nb.shape[1]) == stop) & bool(negative.size)

    means = nb.mean(axis=0)
    best_plan = int(np.argmax(means))
    best = table["plan"].iloc[best_plan]
    if include_do_nothing and means[best_plan] <= 0:
        best = DO_NOTHING
    p_nothing = float(np.mean(winner == 0)) if include_do_nothing else float("nan")
    attrs = {
        "roi_convention": ROI_CONVENTION,
        "net_benefit": "NB = V - C (money; positive = gain)",
        "marginal": "dE[V]/dE[C] and dE[NB]/dE[C] = dE[V]/dE[C] - 1 from the previous plan "
        "(the first plan: from doing nothing); plans sorted by expected cost",
        "threshold": threshold,
        "interval_prob": interval_prob,
        "currency": draws[0].plan.currency,
        "n_draws": losses.n_draws,
        "ess_method": ess_method(chains),
        "source": losses.source,
        "best": best,
        "stop_point": table["plan"].iloc[stop],
        "stop_reached": bool(negative.size),
        "p_next_step_pays": float(p_step[stop + 1]) if negative.size else float("nan"),
        "p_next_step_pays_mc_se": float(p_step_se[stop + 1]) if negative.size else float("nan"),
        "p_best_do_nothing": p_nothing,
        "include_do_nothing": include_do_nothing,
        "converged": losses.converged,
        "warning": "" if losses.converged else NOT_CONVERGED_BANNER,
    }
    return table, attrs


def ladder_text(table: pd.DataFrame) -> str:
    """The memo paragraph of a scale comparison."""
    a = table.attrs
    cur = a["currency"]
    n = a["n_draws"]
    parts = []
    if not a["converged"]:
        parts.append(f"{NOT_CONVERGED_BANNER}.")
    best = a["best"]
    if best == DO_NOTHING:
        top = table.loc[table["expected_net_benefit"].idxmax()]
        parts.append(
            f"No plan has a positive expected net benefit (NB = V - C); the best, {top['plan']}, "
            f"expects {format_money(top['expected_net_benefit'], cur)}. Doing nothing is best in "
            f"expectation."
        )
    else:
        row = table.loc[table["plan"] == best].iloc[0]
        p_words = likelihood_words(
            row["p_roi_above_threshold"], row["p_roi_above_threshold_mc_se"], n
        )
        parts.append(
            f"Of {len(table)} plans, {best} has the highest expected net benefit, "
            f"{format_money(row['expected_net_benefit'], cur)} "
            f"({round(a['interval_prob'] * 100)}% interval "
            f"{format_money(row['expected_net_benefit_lower'], cur)} to "
            f"{format_money(row['expected_net_benefit_upper'], cur)}); it is the best option in "
            f"{format_percent(row['p_best'])} of draws and is {p_words} to return more than "
            f"{format_percent(a['threshold'])} (ROI = (V - C) / C, "
            "break-even 0)."
        )
    if a["stop_reached"]:
        parts.append(
            f"Returns stop being worth it after {a['stop_point']}: the next step up costs more "
            "than it adds in expectation, though it still pays with probability "
            f"{likelihood_words(a['p_next_step_pays'], a['p_next_step_pays_mc_se'], n)}."
        )
    else:
        parts.append(
            "Every step up the ladder adds expected net benefit: the stop point lies beyond the "
            f"largest plan, {a['stop_point']} (larger plans extrapolate further)."
        )
    if a["include_do_nothing"]:
        parts.append(f"Doing nothing is best in {format_percent(a['p_best_do_nothing'])} of draws.")
    parts.append(
        f"Perfect information would be worth {format_money(a['evpi'], cur)} (EVPI, Monte Carlo "
        f"error {format_money(a['evpi_mc_se'], cur)}): the most any further study could be worth."
    )
    ratio = table["extrapolation_ratio"].max()
    if np.isfinite(ratio):
        parts.append(f"The largest plan reaches {ratio:.3g}x the largest compute observed.")
    parts.append(f"Based on {n:,} joint draws shared by all plans ({a['ess_method']}).")
    return " ".join(parts)


# ---------------------------------------------------------------------- acceptability
def acceptability_curve(
    result, *, lambdas=None, n_points: int = 60, baseline_loss: float | None = None
) -> pd.DataFrame:
    """P(net benefit > 0) against the value of one unit of loss improvement (CEAC).

    ``NB(lambda) = lambda x H x (baseline - L) - C`` per draw, with ``H`` the value model's
    horizon factor (1 for a present value) and no floor at zero; the break-even ``lambda`` is
    where the expected net benefit crosses 0, ``E[C] / E[H (baseline - L)]``.

    Parameters
    ----------
    result : ScaleLadder or RiskResult
    lambdas : array-like, optional
        Money per unit of loss improvement (per year with a horizon); by default
        ``n_points`` values spaced geometrically around the break-even values.
    baseline_loss : float, optional
        Needed when a plan's value model is not a :class:`LinearValue`.

    Returns
    -------
    pandas.DataFrame
        Long format: ``plan``, ``lambda``, ``p_net_benefit_positive``, ``mc_se``,
        ``expected_net_benefit``. ``attrs["break_even"]`` maps each plan to its break-even
        lambda (inf when the plan cannot improve on the baseline in expectation).

    Examples
    --------
    >>> import numpy as np
    >>> from scaling_bayes.decision import ComputeCost, Investment, LinearValue, assess_roi
    >>> plan = Investment(params=7e9, tokens=1.4e11, cost=ComputeCost(mfu=0.4),
    ...                   value=LinearValue(baseline_loss=2.6, usd_per_loss_unit=1e6))
    >>> risk = assess_roi(np.random.default_rng(0).normal(2.3, 0.05, 4000), plan, random_seed=0)
    >>> curve = acceptability_curve(risk)
    >>> round(curve.attrs["break_even"][plan.label] / 1e3)   # E[C] / E[0.3] in USD per nat
    41
    """
    draws = result.draws if isinstance(result.draws, list) else [result.draws]
    chains = result.losses.n_chains
    gains, costs, labels = [], [], []
    for d in draws:
        value = d.plan.value
        if isinstance(value, LinearValue):
            base = value.baseline_loss
        elif baseline_loss is not None:
            base = float(baseline_loss)
        else:
            raise DataError(
                f"plan {d.plan.label!r} has a {type(value).__name__}; give baseline_loss= (the "
                "loss of the model in use) to define the improvement the curve prices"
            )
        value_in = {k.split(".", 1)[1]: v for k, v in d.inputs.items() if k.startswith("value.")}
        factor = value.factor(value_in, d.loss.size)
        gains.append(factor * (base - d.loss))
        costs.append(d.cost)
        labels.append(d.plan.label)
    break_even = {}
    for label, g, c in zip(labels, gains, costs, strict=True):
        mean_gain = g.mean()
        break_even[label] = float(c.mean() / mean_gain) if mean_gain > 0 else float("inf")
    if lambdas is None:
        finite = [b for b in break_even.values() if np.isfinite(b)]
        if not finite:
            raise DataError("no plan improves on the baseline in expectation; give lambdas=")
        lambdas = np.geomspace(min(finite) / 10, max(finite) * 10, n_points)
    lambdas = np.atleast_1d(np.asarray(lambdas, dtype=float))
    if lambdas.ndim != 1 or (lambdas < 0).any() or not np.isfinite(lambdas).all():
        raise DataError("lambdas must be a 1-d list of non-negative money amounts")
    frames = []
    for label, g, c in zip(labels, gains, costs, strict=True):
        nb = lambdas[:, None] * g[None, :] - c[None, :]
        positive = (nb > 0).astype(float)
        p = positive.mean(axis=1)
        ess = np.array([effective_sample_size(row, chains) for row in positive])
        frames.append(
            pd.DataFrame(
                {
                    "plan": label,
                    "lambda": lambdas,
                    "p_net_benefit_positive": p,
                    "mc_se": np.sqrt(p * (1 - p) / ess),
                    "expected_net_benefit": nb.mean(axis=1),
                }
            )
        )
    curve = pd.concat(frames, ignore_index=True)
    curve.attrs.update(
        break_even=break_even,
        lambda_unit=f"{draws[0].plan.currency} per unit of loss"
        + (" per year" if draws[0].plan.value.horizon_years is not None else ""),
        net_benefit="NB(lambda) = lambda x horizon factor x (baseline - loss) - cost",
        converged=bool(result.losses.converged),
        warning="" if result.losses.converged else NOT_CONVERGED_BANNER,
    )
    return curve
