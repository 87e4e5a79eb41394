"""Every number a memo states, in a flat book with stable keys, units and sources.

Keys are language independent (the English and the Japanese memo cite the same book). Plans are
numbered ``1..n`` in the ladder's order (sorted by expected cost), so ``plans.3.p_best`` is the
probability that the third plan is the best option; each entry records the table and attribute
it was read from, e.g. ``ScaleLadder.table.iloc[2]['p_best']``. Values are plain Python types;
a number that is not finite is recorded as ``None``.

When the fit did not converge the book holds ``headline.withheld = True`` and none of the
decision numbers (probabilities, ROI, net benefit, EVPI, tornado): they are not computed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..core.constants import ESS_BULK_MIN, EXTRAPOLATION_WARN_RATIO, MAX_DIVERGENCES, R_HAT_MAX
from ..core.exceptions import ScalingBayesError
from ..decision import DO_NOTHING, INTERVAL_PART_COLUMNS
from ..decision.metrics import PARETO_K_MAX
from .assumptions import input_facts, prior_facts
from .track_record import study_kind, track_record

if TYPE_CHECKING:
    from .evidence import Evidence

__all__ = ["NumberBook", "collect", "draws_key", "plain"]

_ROI_PERCENTILES = ("roi_p05", "roi_p25", "roi_p50", "roi_p75", "roi_p95")


def plain(value: object) -> bool | int | float | str | None:
    """A value as a plain Python type; non-finite numbers become None.

    Examples
    --------
    >>> import numpy as np
    >>> plain(np.float64(0.5)), plain(np.int64(3)), plain(np.nan), plain(np.bool_(True))
    (0.5, 3, None, True)
    """
    if value is None:
        return None
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        return float(value) if np.isfinite(value) else None
    if isinstance(value, str):
        return value
    raise ScalingBayesError(f"internal: memo number of type {type(value).__name__}")


@dataclass(frozen=True)
class Entry:
    """One number: its value, unit and where it was read from."""

    value: object
    unit: str
    source: str


class NumberBook:
    """Ordered ``key -> Entry``; add each key once.

    Examples
    --------
    >>> book = NumberBook()
    >>> book.add("threshold", 0.2, "fraction", "ScaleLadder.threshold")
    >>> book["threshold"], book.as_dict()
    (0.2, {'threshold': 0.2})
    """

    def __init__(self) -> None:
        self._entries: dict[str, Entry] = {}

    def add(self, key: str, value: object, unit: str = "", source: str = "") -> None:
        if key in self._entries:
            raise ScalingBayesError(f"internal: memo number {key!r} added twice")
        self._entries[key] = Entry(plain(value), unit, source)

    def __getitem__(self, key: str):
        return self._entries[key].value

    def __contains__(self, key: str) -> bool:
        return key in self._entries

    def get(self, key: str, default: object = None) -> Any:
        entry = self._entries.get(key)
        return default if entry is None else entry.value

    def entry(self, key: str) -> Entry:
        return self._entries[key]

    def keys(self) -> list[str]:
        return list(self._entries)

    def as_dict(self) -> dict:
        """``{key: value}`` in plain Python types."""
        return {k: e.value for k, e in self._entries.items()}

    def table(self) -> pd.DataFrame:
        """One row per number: ``key``, ``value``, ``unit``, ``source``."""
        rows = [(k, e.value, e.unit, e.source) for k, e in self._entries.items()]
        return pd.DataFrame(rows, columns=["key", "value", "unit", "source"])


def collect(
    evidence: Evidence,
    *,
    provenance: dict,
    title: str,
    author: str,
    sources: dict,
    cjk_labels: bool = False,
) -> NumberBook:
    """Fill a :class:`NumberBook` from the gathered results (see :mod:`.evidence`).

    ``cjk_labels``: a font that draws Japanese is installed, so the Japanese memo's figures
    are labelled in Japanese (recorded in both languages: the book is the same in each).
    """
    book = NumberBook()
    ladder = evidence.ladder
    t = ladder.table
    a = ladder
    cur = a.currency
    book.add("memo.title", title, "text", "RiskMemo(title=)")
    book.add("memo.author", author, "text", "RiskMemo(author=)")
    book.add("memo.converged", evidence.converged, "flag", "model.diagnostics().converged")
    book.add("headline.withheld", not evidence.converged, "flag", "fail closed when not converged")
    if not evidence.converged:
        book.add(
            "headline.withheld_reason",
            "the fit did not converge",
            "text",
            "model.diagnostics().problems",
        )
    book.add("threshold", ladder.threshold, "fraction (ROI)", "ScaleLadder.threshold")
    book.add("currency", cur, "text", "ScaleLadder.currency")
    book.add("n_plans", len(t), "count", "len(ScaleLadder.table)")
    book.add("n_draws", a.n_draws, "count", "ScaleLadder.n_draws")
    book.add("mcmc_chains", ladder.losses.n_chains, "count", "ScaleLadder.losses.n_chains")
    book.add("interval_prob", a.interval_prob, "probability", "ScaleLadder.interval_prob")
    book.add("single_plan", evidence.single, "flag", "RiskMemo built from one RiskResult")
    book.add("figures.cjk_labels", cjk_labels, "flag", "report.memo_figures.cjk_font() found one")
    _scales(book, evidence)
    _words(book, evidence)
    if evidence.converged:
        _decisions(book, evidence)
        _targets(book, evidence)
        _tornado(book, evidence)
        _curve(book, evidence)
    _pilot(book, evidence)
    _prior_sensitivity(book, evidence)
    _backtest(book, evidence)
    if evidence.converged:
        _form_check(book, evidence)
    _track_record(book, evidence)
    _assumptions(book, evidence, sources)
    _diagnostics(book, evidence)
    for key, value in provenance.items():
        book.add(f"provenance.{key}", value, _PROVENANCE_UNITS.get(key, "text"), _prov(key))
    for key in book.keys():
        se = f"{key}_mc_se"
        if se in book and book.entry(key).unit == "probability" and book[key] is not None:
            _bound(book, key, book[key], book[se], book[draws_key(key)])
    return book


def draws_key(key: str) -> str:
    """The key of the number of draws behind a probability (simulated pilots for the pilot,
    the mixture's draws for the decision restated under form uncertainty)."""
    if key.startswith("pilot."):
        return "pilot.n_outer"
    return "form_check.n_draws" if key.startswith("form_check.") else "n_draws"


_PROVENANCE_UNITS = {
    "n_runs": "count",
    "chains": "count",
    "draws_per_chain": "count",
    "tune": "count",
    "joint_draws": "count",
    "fit_random_seed": "seed",
    "risk_seed_entropy": "seed",
    "memo_date": "date",
    "fit_created_at": "timestamp",
}


def _prov(key: str) -> str:
    return {
        "data_source": "model.data_.source",
        "n_runs": "model.data_.n_runs",
        "runs_sha256": "SHA-256 of the canonical CSV of model.data_.frame",
        "data_file": "RiskMemo(data_path=)",
        "data_file_sha256": "SHA-256 of the bytes of RiskMemo(data_path=)",
        "law": "model.law",
        "law_formula": "model.law_spec.formula",
        "loss_unit": "model.loss_unit",
        "sampler": "model.sampler_",
        "chains": "model.idata_.posterior.sizes['chain']",
        "draws_per_chain": "model.idata_.posterior.sizes['draw']",
        "tune": "model.tune",
        "fit_random_seed": "model.idata_.posterior.attrs['scaling_bayes_random_seed']",
        "fit_created_at": "model.idata_.posterior.attrs['created_at']",
        "risk_seed_entropy": "ScaleLadder.entropy (the random_seed when one was given)",
        "joint_draws": "ScaleLadder.n_draws",
        "scaling_bayes_version": "scaling_bayes.__version__",
        "pymc_version": "importlib.metadata.version('pymc')",
        "arviz_version": "importlib.metadata.version('arviz')",
        "python_version": "platform.python_version()",
        "memo_date": "RiskMemo(date=), else the day it was rendered",
    }.get(key, key)


def _lad(i: int, column: str) -> str:
    return f"ScaleLadder.table.iloc[{i}]['{column}']"


def _scales(book: NumberBook, evidence) -> None:
    t = evidence.ladder.table
    model = evidence.model
    for i, row in t.iterrows():
        k = f"plans.{i + 1}"
        book.add(f"{k}.name", str(row["plan"]), "text", _lad(i, "plan"))
        book.add(f"{k}.params", row["params"], "parameters", _lad(i, "params"))
        book.add(f"{k}.tokens", row["tokens"], "tokens", _lad(i, "tokens"))
        book.add(f"{k}.compute", row["compute"], "FLOPs", _lad(i, "compute"))
        book.add(
            f"{k}.compute_optimal", bool(row["compute_optimal"]), "flag", _lad(i, "compute_optimal")
        )
        book.add(
            f"{k}.extrapolation_ratio",
            row["extrapolation_ratio"],
            "ratio",
            _lad(i, "extrapolation_ratio"),
        )
        # the split of the 90% interval, stated only where the forecasts are (a converged fit)
        for col in INTERVAL_PART_COLUMNS if evidence.risks is not None else ():
            if np.isfinite(row.get(col, np.nan)):
                book.add(f"{k}.{col}", row[col], "fraction of the median", _lad(i, col))
    axis = "compute" if model.x in (None, "compute") else model.x
    book.add(
        "extrapolation.max_ratio",
        t["extrapolation_ratio"].max(),
        "ratio",
        "max of ScaleLadder.table['extrapolation_ratio'] (largest candidate / largest observed)",
    )
    book.add("extrapolation.axis", axis, "text", "the axis of the extrapolation ratio")
    book.add(
        "extrapolation.max_candidate",
        t[axis].max(),
        axis,
        f"max of ScaleLadder.table['{axis}']",
    )
    book.add(
        "extrapolation.max_observed",
        model.data_.frame[axis].max(),
        axis,
        f"max of model.data_.frame['{axis}']",
    )
    book.add(
        "extrapolation.warn_ratio",
        EXTRAPOLATION_WARN_RATIO,
        "ratio",
        "constants.EXTRAPOLATION_WARN_RATIO",
    )
    book.add(
        "extrapolation.error_per_efold",
        model.extrapolation_error,
        "relative",
        "model.extrapolation_error",
    )
    book.add("loss_kind", evidence.ladder.losses.kind, "text", "ScaleLadder.losses.kind")
    book.add("loss_unit", model.loss_unit, "text", "model.loss_unit")


def _decisions(book: NumberBook, evidence) -> None:
    ladder = evidence.ladder
    t = ladder.table
    a = ladder
    cur = a.currency
    first = evidence.risks[0]
    book.add("var_level", first.var_level, "probability", "RiskResult.var_level")
    book.add("var_tail", round(1 - first.var_level, 12), "probability", "1 - var_level")
    for i, row in t.iterrows():
        k = f"plans.{i + 1}"
        risk = evidence.risks[i].table
        rsrc = f"ScaleLadder.risk({i}).table.loc"
        for col, unit in (
            ("expected_cost", cur),
            ("expected_value", cur),
            ("expected_net_benefit", cur),
            ("expected_net_benefit_mc_se", cur),
            ("expected_net_benefit_lower", cur),
            ("expected_net_benefit_upper", cur),
            ("p_roi_above_threshold", "probability"),
            ("p_roi_above_threshold_mc_se", "probability"),
        ):
            book.add(f"{k}.{col}", row[col], unit, _lad(i, col))
        for metric, unit in (
            ("p_break_even", "probability"),
            ("expected_roi", "fraction (ROI)"),
            *((p, "fraction (ROI)") for p in _ROI_PERCENTILES),
            ("var", cur),
            ("cvar", cur),
        ):
            book.add(
                f"{k}.{metric}",
                risk.loc[metric, "estimate"],
                unit,
                f"{rsrc}['{metric}', 'estimate']",
            )
            book.add(
                f"{k}.{metric}_mc_se",
                risk.loc[metric, "mc_se"],
                unit,
                f"{rsrc}['{metric}', 'mc_se']",
            )
        for metric, unit in (
            ("loss", "loss"),
            ("gpu_hours", "GPU-hours"),
            ("energy_mwh", "MWh"),
            ("co2e_t", "t CO2e"),
        ):
            name = "loss_median" if metric == "loss" else metric
            book.add(
                f"{k}.{name}",
                risk.loc[metric, "estimate"],
                unit,
                f"{rsrc}['{metric}', 'estimate'] (median)",
            )
            if metric == "loss":
                book.add(
                    f"{k}.loss_lower", risk.loc[metric, "lower"], unit, f"{rsrc}['loss', 'lower']"
                )
                book.add(
                    f"{k}.loss_upper", risk.loc[metric, "upper"], unit, f"{rsrc}['loss', 'upper']"
                )
        for col, unit in (
            ("p_best", "probability"),
            ("p_best_mc_se", "probability"),
            ("marginal_net_benefit_per_extra_cost", f"{cur} per {cur}"),
            ("p_step_pays", "probability"),
            ("p_step_pays_mc_se", "probability"),
            ("stop_point", "flag"),
            ("expected_net_benefit_pareto_k", "Pareto k-hat"),
            ("heavy_tailed", "flag"),
        ):
            book.add(f"{k}.{col}", row[col], unit, _lad(i, col))
    best = a.best
    names = list(t["plan"])
    book.add("best_option", best, "text", "ScaleLadder.best")
    book.add(
        "best_is_do_nothing",
        best == DO_NOTHING and DO_NOTHING not in names,
        "flag",
        "ScaleLadder.best == DO_NOTHING",
    )
    book.add(
        "lead_plan",
        evidence.lead + 1,
        "plan number",
        "argmax of ScaleLadder.table['expected_net_benefit']",
    )
    stop = names.index(a.stop_point) + 1
    book.add("stop_plan", stop, "plan number", "ScaleLadder.stop_point")
    book.add("stop_reached", a.stop_reached, "flag", "ScaleLadder.stop_reached")
    if a.stop_reached:
        book.add(
            "p_next_step_pays",
            a.p_next_step_pays,
            "probability",
            "ScaleLadder.p_next_step_pays",
        )
        book.add(
            "p_next_step_pays_mc_se",
            a.p_next_step_pays_mc_se,
            "probability",
            "ScaleLadder.p_next_step_pays_mc_se",
        )
        book.add(
            "next_step_marginal",
            t["marginal_net_benefit_per_extra_cost"].iloc[stop],
            f"{cur} per {cur}",
            _lad(stop, "marginal_net_benefit_per_extra_cost"),
        )
    if a.include_do_nothing:
        book.add(
            "p_best_do_nothing",
            a.p_best_do_nothing,
            "probability",
            "ScaleLadder.p_best_do_nothing",
        )
        book.add(
            "p_best_do_nothing_mc_se",
            a.p_best_do_nothing_mc_se,
            "probability",
            "ScaleLadder.p_best_do_nothing_mc_se",
        )
    book.add("evpi", a.evpi, cur, "ScaleLadder.evpi")
    book.add("evpi_mc_se", a.evpi_mc_se, cur, "ScaleLadder.evpi_mc_se")
    book.add("evpi_pareto_k", a.evpi_pareto_k, "Pareto k-hat", "ScaleLadder.evpi_pareto_k")
    book.add(
        "heavy_tails",
        ladder.heavy_tailed,
        "flag",
        "ScaleLadder.heavy_tailed: some expectation has Pareto k-hat > 0.7 (unreliable)",
    )
    book.add(
        "pareto_k_max",
        PARETO_K_MAX,
        "Pareto k-hat",
        "decision.metrics.PARETO_K_MAX: above it an expectation is unreliable",
    )
    ses = [
        evidence.risks[i].table.loc[list(_ROI_PERCENTILES), "mc_se"].max() for i in range(len(t))
    ]
    book.add(
        "roi_percentile_mc_se_max",
        max(ses),
        "fraction (ROI)",
        "max of RiskResult.table.loc['roi_p05'..'roi_p95', 'mc_se'] over plans",
    )


def _bound(book: NumberBook, key: str, p: float, se: float, n: int) -> None:
    """The rule-of-three bound format_probability states when no draw (or every draw) passes."""
    if se == 0 and p in (0.0, 1.0):
        bound = 3.0 / n if p == 0.0 else 1.0 - 3.0 / n
        book.add(
            f"{key}_bound95", bound, "probability", f"rule of three: 3 / n_draws ({key} is {p:g})"
        )


def _tornado(book: NumberBook, evidence) -> None:
    a = evidence.tornado
    table = a.table
    book.add(
        "tornado.plan", evidence.lead + 1, "plan number", "tornado(RiskResult of the lead plan)"
    )
    book.add("tornado.metric", a.metric, "text", "tornado(...).metric")
    book.add("tornado.base", a.base, a.unit, "tornado(...).base")
    book.add("tornado.low", a.low, "probability", "tornado(...).low")
    book.add("tornado.high", a.high, "probability", "tornado(...).high")
    book.add(
        "tornado.fixed_inputs",
        ", ".join(a.fixed_inputs),
        "text",
        "tornado(...).fixed_inputs",
    )
    book.add("tornado.n_inputs", len(table), "count", "len(tornado(...))")
    for i, row in table.iterrows():
        k = f"tornado.{i + 1}"
        src = f"tornado(...).iloc[{i}]"
        book.add(f"{k}.input", row["input"], "text", f"{src}['input']")
        for col in ("input_at_low", "input_at_high"):
            book.add(f"{k}.{col}", row[col], "input units", f"{src}['{col}']")
        for col in ("metric_at_low", "metric_at_high", "swing"):
            book.add(f"{k}.{col}", row[col], a.unit, f"{src}['{col}']")


def _curve(book: NumberBook, evidence) -> None:
    if evidence.curve is None:
        book.add("acceptability.available", False, "flag", "acceptability_curve(ScaleLadder)")
        book.add(
            "acceptability.problem",
            evidence.curve_problem or "",
            "text",
            "DataError of acceptability_curve",
        )
        return
    a = evidence.curve
    book.add("acceptability.available", True, "flag", "acceptability_curve(ScaleLadder)")
    per_year = evidence.plans[0].value.horizon_years is not None
    book.add("acceptability.per_year", per_year, "flag", "value model has horizon_years")
    for i, plan in enumerate(evidence.plans):
        be = a.break_even[plan.label]
        book.add(
            f"plans.{i + 1}.break_even_lambda",
            be,
            f"{plan.currency} per unit of loss",
            f"acceptability_curve(ScaleLadder).break_even[plan {i + 1}]",
        )


def _pilot(book: NumberBook, evidence) -> None:
    pilot = evidence.pilot
    if pilot is None:
        return
    if not evidence.converged:
        book.add("pilot.given", True, "flag", "RiskMemo(pilot=)")
        return
    t, a = pilot.table, pilot
    cur = a.currency
    book.add("pilot.given", True, "flag", "RiskMemo(pilot=)")
    book.add("pilot.scale", a.pilot, "text", "PilotValue.pilot")
    book.add("pilot.flops", a.pilot_flops, "FLOPs", "PilotValue.pilot_flops")
    # the scale as typed numbers, so each language words it (pilot.scale is English)
    if np.isfinite(a.pilot_params) and np.isfinite(a.pilot_tokens):
        book.add("pilot.params", a.pilot_params, "parameters", "PilotValue.pilot_params")
        book.add("pilot.tokens", a.pilot_tokens, "tokens", "PilotValue.pilot_tokens")
    book.add("pilot.compute", a.pilot_flops, "FLOPs", "PilotValue.pilot_flops")
    book.add("pilot.chosen_now", a.chosen_now, "text", "PilotValue.chosen_now")
    book.add("pilot.n_outer", a.n_outer, "count", "PilotValue.n_outer")
    for metric, unit in (
        ("evsi", cur),
        ("evsi_cross_fitted", cur),
        ("pilot_cost", cur),
        ("expected_net_benefit_of_sampling", cur),
        ("enbs_cross_fitted", cur),
        ("p_decision_changes", "probability"),
    ):
        src = f"PilotValue.table.loc['{metric}'"
        book.add(f"pilot.{metric}", t.loc[metric, "estimate"], unit, f"{src}, 'estimate']")
        book.add(f"pilot.{metric}_mc_se", t.loc[metric, "mc_se"], unit, f"{src}, 'mc_se']")
    enbs = t.loc["expected_net_benefit_of_sampling", "estimate"]
    low = t.loc["enbs_cross_fitted", "estimate"]
    verdict = (
        "worth" if enbs > 0 and low > 0 else "not_worth" if enbs <= 0 and low <= 0 else "unclear"
    )
    book.add(
        "pilot.verdict", verdict, "text", "signs of the two ENBS estimates (as PilotValue.text)"
    )


def _prior_sensitivity(book: NumberBook, evidence) -> None:
    ps = evidence.prior_sensitivity
    if ps is None:
        return
    table = ps.table
    book.add(
        "prior_sensitivity.alternative",
        ps.alternative_name,
        "text",
        "PriorSensitivity.alternative_name",
    )
    book.add(
        "prior_sensitivity.max_shift",
        table["shift"].abs().max(),
        evidence.model.loss_unit,
        "max |PriorSensitivity.table['shift']|",
    )
    book.add(
        "prior_sensitivity.max_shift_in_widths",
        table["shift_in_widths"].abs().max(),
        "fraction of interval width",
        "max |PriorSensitivity.table['shift_in_widths']|",
    )
    book.add(
        "prior_sensitivity.interval_prob",
        table.attrs["interval_prob"],
        "probability",
        "PriorSensitivity.table.attrs['interval_prob']",
    )
    book.add(
        "prior_sensitivity.converged",
        table.attrs["converged"],
        "flag",
        "PriorSensitivity.table.attrs['converged']",
    )


def _backtest(book: NumberBook, evidence) -> None:
    bt = evidence.backtest
    if bt is None:
        return
    m = bt.metrics
    book.add("backtest.holdout", bt.holdout, "text", "Backtest.holdout")
    book.add("backtest.cutoff", bt.cutoff, bt.holdout, "Backtest.cutoff")
    book.add("backtest.n_train", bt.train.n_runs, "count", "Backtest.train.n_runs")
    book.add("backtest.n_test", m["n_runs"], "count", "Backtest.metrics['n_runs']")
    for col in ("coverage_90", "coverage_50", "median_abs_rel_error"):
        book.add(f"backtest.{col}", m[col], "fraction", f"Backtest.metrics['{col}']")
    book.add("backtest.converged", bt.converged, "flag", "Backtest.converged")


#: Cost components of a plan, in the order the memo lists them (the decision layer's
#: ``COST_COMPONENTS``; ladders from before the breakdown have none of these columns).
COST_COMPONENTS = ("data", "compute", "energy", "carbon", "fixed", "integration", "running")


def _words(book: NumberBook, evidence) -> None:
    """The metric and the scale axis in the user's words, when the data name them."""
    data = evidence.model.data_
    metric = getattr(data, "metric", None)
    if metric is not None:
        book.add("metric.name", str(metric.name), "text", "model.data_.metric.name")
        book.add("metric.unit", str(metric.unit), "text", "model.data_.metric.unit")
        book.add(
            "metric.higher_is_better",
            bool(metric.higher_is_better),
            "flag",
            "model.data_.metric.higher_is_better",
        )
    axis = book["extrapolation.axis"]
    if hasattr(data, "axis_label"):
        book.add(
            "axis.label", str(data.axis_label(axis)), "text", f"model.data_.axis_label({axis!r})"
        )
        book.add("axis.unit", str(data.axis_unit(axis)), "text", f"model.data_.axis_unit({axis!r})")


def _metric_draws(evidence, i: int):
    """Plan i's predictive draws of the metric in its own scale and direction."""
    loss = np.asarray(evidence.ladder.draws[i].loss, dtype=float)
    metric = getattr(evidence.model.data_, "metric", None)
    return loss if metric is None else np.asarray(metric.from_loss(loss), dtype=float)


def _form_check(book: NumberBook, evidence) -> None:
    """The form mixture's forecast of each plan beside the model's (``FormCheck.table``)."""
    check = evidence.form_check
    if check is None:
        return
    book.add("form_check.converged", check.converged, "flag", "FormCheck.converged")
    book.add("form_check.n_forms", len(check.forms), "count", "len(FormCheck.forms)")
    if not check.converged:
        return  # fail closed: an unconverged mixture's forecasts and decision are withheld
    unit = book.get("metric.unit") or evidence.model.loss_unit
    for i, row in check.table.reset_index(drop=True).iterrows():
        k = f"plans.{i + 1}"
        src = f"FormCheck.table.iloc[{i}]"
        for col in ("median", "lower", "upper"):
            book.add(f"{k}.mixture_{col}", row[f"mixture_{col}"], unit, f"{src}['mixture_{col}']")
        book.add(
            f"{k}.mixture_width",
            row["mixture_width"],
            "fraction of the median",
            f"{src}['mixture_width']",
        )
    book.add("form_check.forms", ", ".join(check.forms), "text", "FormCheck.forms")
    record = check.track_record
    if record is not None:
        src = f"FormCheck.track_record ({record.source})"
        book.add("form_check.share", record.share, "fraction", src)
        book.add("form_check.n_studies", record.n_studies, "count", src)
    if evidence.form_ladder is not None:
        _form_ladder(book, evidence.form_ladder)


def _form_ladder(book: NumberBook, ladder) -> None:
    """The decision restated on the mixture's forecasts (``RiskMemo(form_ladder=)``)."""
    t = ladder.table
    cur = ladder.currency
    book.add("form_check.n_draws", ladder.n_draws, "count", "form_ladder.n_draws")
    for i, row in t.iterrows():
        k = f"form_check.plans.{i + 1}"
        for col, unit in (
            ("expected_net_benefit", cur),
            ("expected_net_benefit_mc_se", cur),
            ("expected_net_benefit_lower", cur),
            ("expected_net_benefit_upper", cur),
            ("heavy_tailed", "flag"),
            ("p_roi_above_threshold", "probability"),
            ("p_roi_above_threshold_mc_se", "probability"),
            ("p_best", "probability"),
            ("p_best_mc_se", "probability"),
            ("p_kpi_target_met", "probability"),
            ("p_kpi_target_met_mc_se", "probability"),
            ("p_payback_within_target", "probability"),
            ("p_payback_within_target_mc_se", "probability"),
        ):
            if col in t.columns and not pd.isna(row[col]):
                book.add(f"{k}.{col}", row[col], unit, f"form_ladder.table.iloc[{i}]['{col}']")
    names = list(t["plan"])
    book.add("form_check.best_option", ladder.best, "text", "form_ladder.best")
    book.add(
        "form_check.best_is_do_nothing",
        ladder.best == DO_NOTHING and DO_NOTHING not in names,
        "flag",
        "form_ladder.best == DO_NOTHING",
    )
    book.add(
        "form_check.lead_plan",
        int(np.argmax(t["expected_net_benefit"].to_numpy())) + 1,
        "plan number",
        "argmax of form_ladder.table['expected_net_benefit']",
    )


def _targets(book: NumberBook, evidence) -> None:
    """KPI and payback targets set in advance, the metric forecast, the cost breakdown and the
    payback period of each plan (when the ladder carries them)."""
    ladder = evidence.ladder
    t = ladder.table
    cur = ladder.currency
    prob = ladder.interval_prob
    tail = (1 - prob) / 2
    unit = book.get("metric.unit") or evidence.model.loss_unit
    kpi = getattr(ladder, "kpi_target", None)
    payback = getattr(ladder, "payback_target", None)
    if kpi is not None and np.isfinite(kpi):
        book.add("targets.kpi", kpi, unit, "ScaleLadder.kpi_target")
    if payback is not None and np.isfinite(payback):
        book.add("targets.payback_months", payback, "months", "ScaleLadder.payback_target")
    horizon = getattr(ladder, "horizon_months", None)
    if horizon is not None and np.isfinite(horizon):
        book.add("horizon_months", horizon, "months", "ScaleLadder.horizon_months")
    for i, row in t.iterrows():
        k = f"plans.{i + 1}"
        draws = _metric_draws(evidence, i)
        lo, mid, hi = np.quantile(draws, [tail, 0.5, 1 - tail])
        src = f"quantiles of the metric of ScaleLadder.draws[{i}].loss"
        book.add(f"{k}.metric_median", mid, unit, src)
        book.add(f"{k}.metric_lower", lo, unit, src)
        book.add(f"{k}.metric_upper", hi, unit, src)
        for part in COST_COMPONENTS:
            col = f"expected_cost_{part}"
            if col in t.columns:
                book.add(f"{k}.cost_{part}", row[col], cur, _lad(i, col))
        for col, col_unit in (
            ("payback_months_median", "months"),
            ("payback_months_lower", "months"),
            ("payback_months_upper", "months"),
            ("p_payback_within_target", "probability"),
            ("p_payback_within_target_mc_se", "probability"),
            ("p_kpi_target_met", "probability"),
            ("p_kpi_target_met_mc_se", "probability"),
        ):
            if col in t.columns and not (col.startswith("p_") and pd.isna(row[col])):
                book.add(f"{k}.{col}", row[col], col_unit, _lad(i, col))


def _track_record(book: NumberBook, evidence) -> None:
    """How often the method's 90% intervals held on public studies of the review's kind."""
    kind = study_kind(evidence.model)
    book.add("track_record.kind", kind, "text", "report.track_record.study_kind(model)")
    record = track_record(kind)
    if record is None:
        return
    src = f"report.track_record.TRACK_RECORD['{kind}'] ({record.source})"
    if record.covered is not None:
        book.add("track_record.covered", record.covered, "count", src)
    book.add("track_record.held_out", record.held_out, "count", src)
    book.add("track_record.n_studies", record.n_studies, "count", src)
    book.add("track_record.share", record.share, "fraction", src)


def _assumptions(book: NumberBook, evidence, sources: dict) -> None:
    for fact in input_facts(evidence.plans, sources):
        key = fact.key
        plans = "all" if fact.shared else ",".join(str(p) for p in fact.plans)
        book.add(f"{key}.plans", plans, "plan numbers", "the Investment(s) the input belongs to")
        for field, value in fact.structure.items():
            unit = "text" if field in ("kind", "dist") else "input units"
            book.add(f"{key}.{field}", value, unit, f"Investment.input_specs()['{fact.name}']")
        book.add(
            f"{key}.source_kind", fact.source_kind, "text", "RiskMemo(sources=) or package defaults"
        )
        book.add(f"{key}.source", fact.source, "text", "RiskMemo(sources=) or package defaults")
        book.add(f"{key}.date", fact.date, "date", "RiskMemo(sources=) or DEFAULTS_AS_OF")
    rows, preset, overrides = prior_facts(evidence.model)
    book.add("priors.preset", preset, "text", "model.priors / model.prior_preset")
    book.add("priors.overrides", ", ".join(overrides), "text", "model.priors_ vs the preset")
    for row in rows:
        book.add(
            f"priors.{row['parameter']}",
            row["prior"],
            "prior",
            f"model.priors_['{row['parameter']}']",
        )


def _diagnostics(book: NumberBook, evidence) -> None:
    model = evidence.model
    report = model.diagnostics()
    book.add("diagnostics.converged", report.converged, "flag", "ConvergenceReport.converged")
    book.add(
        "diagnostics.divergences", report.divergences, "count", "ConvergenceReport.divergences"
    )
    book.add("diagnostics.n_draws", report.n_draws, "count", "ConvergenceReport.n_draws")
    book.add(
        "diagnostics.max_r_hat",
        report.table["r_hat"].max(),
        "R-hat",
        "max of ConvergenceReport.table['r_hat']",
    )
    book.add(
        "diagnostics.min_ess_bulk",
        report.table["ess_bulk"].min(),
        "draws",
        "min of ConvergenceReport.table['ess_bulk']",
    )
    book.add("diagnostics.r_hat_max", R_HAT_MAX, "R-hat", "constants.R_HAT_MAX")
    book.add("diagnostics.ess_bulk_min", ESS_BULK_MIN, "draws", "constants.ESS_BULK_MIN")
    book.add("diagnostics.max_divergences", MAX_DIVERGENCES, "count", "constants.MAX_DIVERGENCES")
    for name, row in report.table.iterrows():
        k = f"diagnostics.param.{name}"
        src = f"ConvergenceReport.table.loc['{name}'"
        book.add(f"{k}.r_hat", row["r_hat"], "R-hat", f"{src}, 'r_hat']")
        book.add(f"{k}.ess_bulk", row["ess_bulk"], "draws", f"{src}, 'ess_bulk']")
        book.add(f"{k}.ess_tail", row["ess_tail"], "draws", f"{src}, 'ess_tail']")
        book.add(f"{k}.ok", bool(row["ok"]), "flag", f"{src}, 'ok']")
    book.add(
        "diagnostics.n_problems", len(report.problems), "count", "len(ConvergenceReport.problems)"
    )
    for i, text in enumerate(report.design_problems):
        book.add(
            f"diagnostics.design_problem.{i + 1}",
            text,
            "text",
            f"ConvergenceReport.design_problems[{i}]",
        )
    if evidence.converged:
        with_warnings_off = model.summary()
        for name, row in with_warnings_off.iterrows():
            k = f"law.{name}"
            for col in ("mean", "hdi_lower", "hdi_upper"):
                book.add(
                    f"{k}.{col}",
                    row[col],
                    "parameter units",
                    f"model.summary().loc['{name}', '{col}']",
                )
        book.add(
            "law.hdi_prob",
            with_warnings_off.attrs["hdi_prob"],
            "probability",
            "model.summary().attrs['hdi_prob']",
        )
