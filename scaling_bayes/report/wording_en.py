"""Every English text of the memo. Numbers enter only through the context ``c`` (see
:class:`~scaling_bayes.report.document.Ctx`), which marks each with its key.

Probabilities read as the IPCC likelihood scale with the number and its Monte Carlo error,
exactly as :func:`~scaling_bayes.likelihood_words` writes them; the memo lists the numeric
range of each term it uses (IPCC AR5 guidance note, FACTS.md). The memo states what the numbers
say under the stated assumptions and gives no advice beyond them.
"""

from __future__ import annotations

from ..decision.wording import format_money, likelihood_term

LANG = "en"

#: IPCC AR5 likelihood scale: term -> numeric range (Mastrandrea et al. 2010).
RANGES = {
    "virtually certain": "99–100%",
    "extremely likely": "95–100%",
    "very likely": "90–100%",
    "likely": "66–100%",
    "more likely than not": ">50–100%",
    "about as likely as not": "33–66%",
    "unlikely": "0–33%",
    "very unlikely": "0–10%",
    "extremely unlikely": "0–5%",
    "exceptionally unlikely": "0–1%",
}

T = {
    "box": "The fit did not converge: the decision numbers are withheld",
    "headline": "1. Headline",
    "forecast": "2. Forecast: loss over scale",
    "roi": "3. Return on investment of each plan",
    "ladder": "4. The scale ladder",
    "drivers": "5. What drives the answer, and what more information is worth",
    "assumptions": "6. Assumptions",
    "diagnostics": "7. Diagnostics and provenance",
    "appendix": "Appendix: every number in this memo",
}

ALT = {
    "fan": "Fan chart of forecast loss over scale with the observed runs and the candidate plans",
    "roi": "Quantile dot plots of the return on investment of each plan",
    "ladder": "Expected net benefit of each plan across scales",
    "acceptability": "Acceptability curves of the plans",
    "tornado": "Tornado chart of the drivers of expected net benefit",
}

YES, NO = "yes", "no"
NEVER = "never (no expected improvement)"
ALL_PLANS = "all"
NOT_RECORDED = "not recorded"

_LABELS = {
    "cost.gpu": "accelerator",
    "cost.peak_flops": "peak throughput per GPU (FLOP/s)",
    "cost.usd_per_gpu_hour": "price per GPU-hour",
    "cost.mfu": "model FLOPs utilisation (MFU)",
    "cost.fixed_usd": "fixed costs (data, staff, operations)",
    "cost.power_kw": "board power per GPU (kW)",
    "cost.pue": "data-centre PUE",
    "cost.grid_gco2_per_kwh": "grid carbon intensity (gCO2e/kWh)",
    "cost.usd_per_kwh": "energy price per kWh",
    "cost.usd_per_tonne_co2e": "carbon price per tonne CO2e",
    "value.usd_per_loss_unit": "value per unit of loss reduction",
    "value.usd_if_met": "value if the target is met",
    "value.horizon_years": "value horizon (years)",
    "value.discount_rate": "discount rate (per year)",
    "value.baseline_loss": "baseline loss (model in use today)",
    "value.target_loss": "target loss",
    "value.partial_from": "loss where partial credit starts",
    "value.floor_at_zero": "a worse model is worth 0",
    "value.description": "value function",
    "value.model": "value model",
    "currency": "currency",
    "loss": "forecast loss (scaling law)",
}

_VALUE_MODELS = {
    "LinearValue": "value = money per unit of loss reduction × (baseline loss − forecast loss)",
    "TargetValue": "a fixed amount if the forecast loss reaches the target",
    "CallableValue": "a user-supplied function of the forecast loss",
}

_PRIOR_MEANING = {
    "E_fraction": "irreducible loss E as a share of the smallest observed loss",
    "a": "reducible loss of the parameter term at the runs' reference scale (relative)",
    "b": "reducible loss of the token term at the runs' reference scale (relative)",
    "alpha": "exponent of the first power-law term",
    "beta": "exponent of the token term",
    "sigma": "noise of a run's log loss (relative scatter)",
    "nu": "Student-t degrees of freedom of the noise",
    "alpha_after": "exponent after the break",
    "log_break": "log of the break scale over the reference scale",
    "sharpness": "width of the break",
}

_PROVENANCE = {
    "data_source": "data source",
    "n_runs": "runs (rows) fitted",
    "runs_sha256": "SHA-256 of the fitted runs (canonical CSV)",
    "data_file": "data file",
    "data_file_sha256": "SHA-256 of the data file",
    "law": "law",
    "law_formula": "formula",
    "loss_unit": "loss unit",
    "sampler": "sampler",
    "chains": "chains",
    "draws_per_chain": "draws per chain",
    "tune": "tuning steps per chain",
    "fit_random_seed": "random seed of the fit",
    "fit_created_at": "fit created at",
    "risk_seed_entropy": "random seed of the risk draws",
    "joint_draws": "joint draws of the risk analysis",
    "scaling_bayes_version": "scaling_bayes version",
    "pymc_version": "PyMC version",
    "arviz_version": "ArviZ version",
    "python_version": "Python version",
    "memo_date": "memo date",
}


def _per(c) -> str:
    return f"{c.v('currency')} per unit of loss" + (
        " per year" if c.book.get("acceptability.per_year") else ""
    )


H = {
    "number": "#",
    "plan": "plan",
    "params": "parameters N",
    "tokens": "tokens D",
    "compute": "compute (FLOPs)",
    "ratio": "× largest run",
    "loss": lambda c: f"loss: median ({c.pct('interval_prob')} interval)",
    "p_threshold": lambda c: f"P(ROI > {c.threshold()})",
    "p_break_even": "P(ROI > 0)",
    "var": lambda c: f"VaR {c.pct('var_level')}",
    "cvar": lambda c: f"CVaR {c.pct('var_level')}",
    "cost": "expected cost",
    "value": "expected value",
    "nb": lambda c: f"expected net benefit ({c.pct('interval_prob')} interval)",
    "p_best": "P(best)",
    "marginal": "dE[NB]/dE[C]",
    "p_step": "P(step pays)",
    "stop": "stop point",
    "break_even": lambda c: f"break-even value of one unit of loss ({_per(c)})",
    "input": "input",
    "at_low": lambda c: f"input at {c.pct('tornado.low')}",
    "at_high": lambda c: f"input at {c.pct('tornado.high')}",
    "nb_at_low": lambda c: f"E[NB] at {c.pct('tornado.low')}",
    "nb_at_high": lambda c: f"E[NB] at {c.pct('tornado.high')}",
    "swing": "swing",
    "plans": "plans",
    "assumed": "value or distribution",
    "source": "source",
    "date": "date",
    "parameter": "parameter",
    "prior": "prior",
    "meaning": "meaning",
    "override": "changed from preset",
    "ess_bulk": "bulk ESS",
    "ess_tail": "tail ESS",
    "ok": "passes",
    "mean": "mean",
    "hdi": lambda c: f"{c.pct('law.hdi_prob')} HDI",
    "item": "item",
    "record": "record",
    "key": "key",
    "full_value": "value",
    "unit": "unit",
    "from": "read from",
}


# ---------------------------------------------------------------------- formats
def money(x, currency: str) -> str:
    return "—" if x is None else format_money(x, currency)


def short(x) -> str:
    """3 significant digits with k/M/B/T: 40000 -> '40k'."""
    if x is None:
        return "—"
    if isinstance(x, bool):
        return YES if x else NO
    if isinstance(x, str):
        return x
    for div, suffix in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(x) >= div:
            return f"{x / div:.3g}{suffix}"
    return f"{x:.3g}"


def count(x) -> str:
    return short(x)


def ratio(x) -> str:
    return "—" if x is None else f"{x:.3g}×"


def interval(low: str, high: str, *, parens: bool = True) -> str:
    text = f"{low} to {high}"
    return f" ({text})" if parens else text


def figure_label(n: int) -> str:
    return f"Figure {n}."


def likelihood(term: str, kind: str, parts: list) -> str:
    """``likely (78%, Monte Carlo error ±1%)``: as likelihood_words writes it."""
    return f"{term} ({probability(kind, parts)})"


def probability(kind: str, parts: list) -> str:
    """The number and its Monte Carlo error, as format_probability writes it."""
    if kind == "error":
        return f"{parts[0]}, Monte Carlo error ±{parts[1]}"
    if kind == "below":
        return f"{parts[0]}, Monte Carlo error below ±{parts[1]}"
    if kind == "none":
        return f"none of {parts[0]} draws; 95% upper bound {parts[1]}"
    if kind == "all":
        return f"all {parts[0]} draws; 95% lower bound {parts[1]}"
    return parts[0]


def compact(kind: str, parts: list) -> str:
    """``78% (±1%)``; with no draw past the threshold, the rule-of-three bound."""
    if kind == "error":
        return f"{parts[0]} (±{parts[1]})"
    if kind == "below":
        return f"{parts[0]} (± below {parts[1]})"
    if kind == "none":
        return f"{parts[0]} (none of {parts[1]} draws; 95% upper bound {parts[2]})"
    if kind == "all":
        return f"{parts[0]} (all {parts[1]} draws; 95% lower bound {parts[2]})"
    return parts[0]


def input_label(name: str) -> str:
    return _LABELS.get(name, name.split(".", 1)[-1].replace("_", " "))


def prior_meaning(name: str) -> str:
    return _PRIOR_MEANING.get(name, "")


def provenance_label(name: str) -> str:
    return _PROVENANCE.get(name, name)


# ---------------------------------------------------------------------- top
def meta(c) -> str:
    who = f"Prepared by {c.text('memo.author')} on " if c.v("memo.author") else "Prepared on "
    return (
        f"{who}{c.text('provenance.memo_date')} with scaling_bayes "
        f"{c.text('provenance.scaling_bayes_version')}."
    )


def figure_note(c) -> str:
    return ""


def box(c) -> list:
    paras = [
        "The posterior sampler did not pass the convergence checks, so the forecasts and every "
        "probability built on them may be wrong. This memo therefore does not state the "
        "probability that any plan pays off, nor any other decision number (sections 1, 3, 4 "
        "and 5 are withheld). Refit with more tuning or draws, or better priors, and regenerate "
        "the memo."
    ]
    paras += _failed_checks(c)
    return paras


def _failed_checks(c) -> list:
    lines = []
    for key in c.book.keys():
        if key.startswith("diagnostics.param.") and key.endswith(".ok") and not c.v(key):
            p = key[: -len(".ok")]
            name = p.split(".", 2)[2]
            lines.append(
                f"{name}: R-hat {c.fixed(f'{p}.r_hat', 3)} (at most "
                f"{c.num('diagnostics.r_hat_max')} "
                f"required), bulk ESS {c.fixed(f'{p}.ess_bulk', 0)} (at least "
                f"{c.fixed('diagnostics.ess_bulk_min', 0)} required)."
            )
    if c.v("diagnostics.divergences") > c.v("diagnostics.max_divergences"):
        lines.append(
            f"{c.integer('diagnostics.divergences')} divergent transitions (at most "
            f"{c.integer('diagnostics.max_divergences')} allowed)."
        )
    return lines


# ---------------------------------------------------------------------- 1. headline
def _returns(c) -> str:
    if c.v("threshold") == 0:
        return "to pay back more than its cost (ROI > 0)"
    t = c.threshold()
    return f"to return more than {t} on its cost (ROI > {t})"


def _nb(c, k: int) -> str:
    p = f"plans.{k}"
    return (
        f"{c.money(f'{p}.expected_net_benefit')} ({c.pct('interval_prob')} interval "
        f"{c.money(f'{p}.expected_net_benefit_lower')} to "
        f"{c.money(f'{p}.expected_net_benefit_upper')}; Monte Carlo error "
        f"{c.money(f'{p}.expected_net_benefit_mc_se')})"
    )


def _far(c, k: int) -> list:
    """A warning sentence when plan k's forecast reaches beyond the package's warning ratio."""
    ratio = c.v(f"plans.{k}.extrapolation_ratio")
    if ratio is None or ratio <= c.v("extrapolation.warn_ratio"):
        return []
    return [
        f"Its forecast reaches {c.ratio(f'plans.{k}.extrapolation_ratio')} the largest scale "
        f"observed, beyond the {c.ratio('extrapolation.warn_ratio')} past which forecast "
        "intervals should be read as optimistic (section 2)."
    ]


def headline(c):
    n = c.v("n_plans")
    k = c.v("lead_plan")
    lead, bullets = [], []
    if c.v("single_plan"):
        lead.append(
            f"{c.plan(1)} is {c.prob('plans.1.p_roi_above_threshold')} {_returns(c)}. Its "
            f"expected net benefit (NB = V − C) is {_nb(c, 1)}."
        )
        lead += _far(c, 1)
        if c.v("best_is_do_nothing"):
            lead.append("Its expected net benefit is not positive: doing nothing is better in "
                        "expectation.")  # fmt: skip
    elif c.v("best_is_do_nothing"):
        lead.append(
            "No plan has a positive expected net benefit (NB = V − C): doing nothing is best in "
            "expectation, and the probability that it is the best option is "
            f"{c.prob_num('p_best_do_nothing')}. The highest expected net benefit is that of plan "
            f"{k}, {c.plan(k)}: {_nb(c, k)}."
        )
        lead += _far(c, k)
        bullets = [_plan_line(c, j) for j in range(1, n + 1)]
    else:
        lead.append(
            f"Of {c.integer('n_plans')} plans, plan {k}, {c.plan(k)}, has the highest expected "
            f"net benefit (NB = V − C): {_nb(c, k)}."
        )
        lead.append(
            f"It is {c.prob(f'plans.{k}.p_roi_above_threshold')} {_returns(c)}; the probability "
            f"that it is the best option is {c.prob_num(f'plans.{k}.p_best')}."
        )
        lead += _far(c, k)
        bullets = [_plan_line(c, j) for j in range(1, n + 1) if j != k]
        if bullets:
            lead.append("The alternatives:")
    after = []
    if not c.v("single_plan") and not c.v("best_is_do_nothing") and c.has("p_best_do_nothing"):
        after.append(
            "The probability that doing nothing (no new run, net benefit 0) is the best option "
            f"is {c.prob_num('p_best_do_nothing')}."
        )
    after.append(_legend(c))
    chains = c.v("mcmc_chains")
    ess = (
        f"from the effective sample size of the {c.integer('mcmc_chains')} MCMC chains"
        if chains
        else "from the number of independent draws"
    )
    after.append(
        f"Probabilities are shares of {c.integer('n_draws')} joint draws of the fitted scaling "
        f"law and the business inputs; ± is one Monte Carlo standard error, {ess}. ROI = (V − C)"
        f" / C, so 0 is break-even. The largest plan reaches {c.ratio('extrapolation.max_ratio')}"
        " the largest scale observed (section 2). These numbers follow from the assumptions in "
        "section 6; the memo makes no recommendation beyond them."
    )
    return lead, bullets, after


def _plan_line(c, k: int) -> str:
    p = f"plans.{k}"
    return (
        f"Plan {k}, {c.plan(k)}: {c.prob(f'{p}.p_roi_above_threshold')} {_returns(c)}; expected "
        f"net benefit {c.money(f'{p}.expected_net_benefit')}; probability of being the best "
        f"option {c.prob_num(f'{p}.p_best')}."
    )


def _legend(c) -> str:
    used = {likelihood_term(c.v(f"plans.{k}.p_roi_above_threshold"))
            for k in range(1, c.v("n_plans") + 1)}  # fmt: skip
    terms = [f"{term} {span}" for term, span in RANGES.items() if term in used]
    return "Likelihood terms (IPCC AR5 scale): " + "; ".join(terms) + "."


def headline_withheld(c) -> str:
    return (
        "Withheld: the fit did not converge (see the warning above and section 7), so this memo "
        "states no probability that any plan pays off."
    )


def withheld(c) -> str:
    return "Withheld: the fit did not converge (section 7)."


# ---------------------------------------------------------------------- 2. forecast
def forecast(c) -> list:
    kind = (
        "the loss a new run would show (the law plus run-to-run noise)"
        if c.v("loss_kind") == "predictive"
        else "the loss of the law itself (without run-to-run noise)"
    )
    axis = c.v("extrapolation.axis")
    unit = {"compute": "FLOPs of training compute", "params": "parameters", "tokens": "tokens"}
    first = (
        f"The law {c.text('provenance.law_formula')} was fitted to "
        f"{c.integer('provenance.n_runs')} runs, the largest at "
        f"{c.num('extrapolation.max_observed')} {unit[axis]}. The chart shows {kind} as bands "
        "of 50%, 80% and 90% probability around the median, from the smallest run to beyond the "
        "largest candidate, with the candidate plans marked."
    )
    if axis == "compute" and c.v("provenance.law") == "chinchilla":
        first += (
            " Along the bands each compute budget is split between parameters and tokens "
            "compute-optimally; the plans are marked at their own sizes."
        )
    second = (
        f"The largest candidate needs {c.num('extrapolation.max_candidate')} {unit[axis]}, "
        f"{c.ratio('extrapolation.max_ratio')} the largest observed (the extrapolation ratio). "
        "Forecast errors grow with this ratio, and published point fits have tended to predict "
        "too low a loss far beyond their data."
    )
    if (c.v("extrapolation.max_ratio") or 0) > c.v("extrapolation.warn_ratio"):
        second += (
            f" This is beyond {c.ratio('extrapolation.warn_ratio')}, where the package warns: "
            "treat these intervals as optimistic."
        )
    if c.v("extrapolation.error_per_efold"):
        second += (
            " The forecasts include a systematic extrapolation error of "
            f"{c.num('extrapolation.error_per_efold')} of log loss per e-fold beyond the largest "
            "run."
        )
    else:
        second += (
            f" The forecasts assume that the law's form holds beyond the data (added "
            f"extrapolation error {c.num('extrapolation.error_per_efold')})."
        )
    return [first, second]


def backtest(c) -> str:
    text = (
        f"Backtest on these runs: fitted on the {c.integer('backtest.n_train')} runs with "
        f"{c.text('backtest.holdout')} up to {c.num('backtest.cutoff')} and scored on the "
        f"{c.integer('backtest.n_test')} larger ones, the 90% intervals covered "
        f"{c.pct('backtest.coverage_90')} and the 50% intervals {c.pct('backtest.coverage_50')} "
        f"of the held-out runs; median absolute relative error "
        f"{c.pct('backtest.median_abs_rel_error')}."
    )
    if not c.v("backtest.converged"):
        text += " That fit did not converge; these scores are suspect."
    return text


def caption(name: str, c) -> str:
    if name == "fan":
        return (
            "Loss over scale: observed runs (black), the median forecast with its 50/80/90% "
            "bands, the candidate plans (red, numbered as in the tables) and the largest run "
            "observed (dotted line)."
        )
    if name == "roi":
        return (
            "ROI of each plan as a quantile dot plot: each dot is an equal share of probability; "
            "green dots clear the threshold (dashed line)."
        )
    if name == "ladder":
        return (
            f"Expected net benefit of each plan with its {c.pct('interval_prob')} interval; the "
            "star marks the plan best in expectation, a dotted red line the stop point when "
            "there is one."
        )
    if name == "acceptability":
        return (
            "Acceptability curves: the probability that the net benefit is positive against the "
            "value of one unit of loss improvement; dotted lines mark the break-even values."
        )
    return (
        f"Swing of the expected net benefit of plan {c.integer('tornado.plan')} as each input "
        f"moves between its {c.pct('tornado.low')} and {c.pct('tornado.high')} quantiles."
    )


# ---------------------------------------------------------------------- 3. ROI
def roi(c) -> list:
    t = c.threshold()
    lvl = c.pct("var_level")
    tail = c.pct("var_tail")
    paras = [
        "ROI = (V − C) / C, with V the value and C the cost of a plan: 0 is break-even, and "
        + (
            f"ROI > {t} means the value exceeds the cost by more than {t}."
            if c.v("threshold")
            else f"ROI > {t} means the value exceeds the cost."
        )
        + " The table gives the "
        "5th, 25th, 50th, 75th and 95th percentiles of ROI, the probability of clearing the "
        "threshold and of breaking even.",
        f"VaR {lvl} is the money lost in the worst {tail} of outcomes: minus the {tail} "
        "quantile of the net benefit V − C, so a positive VaR is a loss and a negative VaR "
        f"means even those outcomes gain money. CVaR {lvl} is the average loss within that "
        f"worst {tail}, with the same sign.",
    ]
    k = c.v("lead_plan")
    p = f"plans.{k}"
    var, cvar = c.v(f"{p}.var"), c.v(f"{p}.cvar")
    who = f"For plan {k}, {c.plan(k)}"
    if var > 0:
        paras.append(
            f"{who}: in the worst {tail} of outcomes it loses at least {c.money(f'{p}.var')} "
            f"(VaR) and {c.money(f'{p}.cvar')} on average (CVaR)."
        )
    elif cvar > 0:
        paras.append(
            f"{who}: the {tail} quantile outcome still gains money (VaR {c.money(f'{p}.var')}, "
            f"negative = gain), but the worst {tail} of outcomes lose {c.money(f'{p}.cvar')} on "
            "average (CVaR)."
        )
    else:
        paras.append(
            f"{who}: even the worst {tail} of outcomes gain money on average (VaR "
            f"{c.money(f'{p}.var')}, CVaR {c.money(f'{p}.cvar')}; negative = gain)."
        )
    return paras


def roi_notes(c) -> str:
    return (
        "Probabilities show ± one Monte Carlo standard error; the Monte Carlo errors of the ROI "
        f"percentiles are at most {c.pct('roi_percentile_mc_se_max')} (in ROI)."
    )


# ---------------------------------------------------------------------- 4. ladder
def ladder(c) -> list:
    paras = [
        "Plans are sorted by expected cost. Net benefit NB = V − C. dE[NB]/dE[C] is the extra "
        "expected net benefit per extra unit of money spent from the previous plan (the first "
        "plan: from doing nothing); P(step pays) is the probability that the step from the "
        "previous plan adds net benefit; P(best) the probability that the plan is the best "
        "option."
    ]
    s = c.v("stop_plan")
    if c.v("single_plan"):
        paras.append("One plan was assessed, so there is no ladder and no stop point.")
    elif c.v("stop_reached"):
        paras.append(
            f"Returns stop paying after plan {c.integer('stop_plan')}, {c.plan(s)}: the next "
            f"step up adds {c.num('next_step_marginal')} of expected net benefit per unit of "
            "money spent (negative: it costs more than it adds in expectation), though it still "
            f"pays with probability {c.prob('p_next_step_pays')}."
        )
    else:
        paras.append(
            "Every step up the ladder adds expected net benefit, so the stop point lies at or "
            f"beyond the largest plan, plan {c.integer('stop_plan')}, {c.plan(s)}; larger plans "
            "extrapolate further (section 2)."
        )
    return paras


def acceptability(c) -> list:
    if not c.v("acceptability.available"):
        return [f"No acceptability curve: {c.text('acceptability.problem')}"]
    per = " per year" if c.v("acceptability.per_year") else ""
    return [
        "The acceptability curve gives, for each plan, the probability that its net benefit is "
        f"positive as a function of the money value of one unit of loss improvement{per}. Its "
        "break-even value, where the expected net benefit is zero, is in the table below; "
        "compare it with the value assumed in section 6."
    ]


# ---------------------------------------------------------------------- 5. drivers, VOI
def tornado(c) -> list:
    k = c.v("tornado.plan")
    if not c.v("tornado.n_inputs"):
        return [f"No input of plan {k}, {c.plan(k)}, is uncertain, so there is no tornado chart."]
    paras = [
        f"Each uncertain input of plan {c.integer('tornado.plan')}, {c.plan(k)}, is moved from "
        f"its {c.pct('tornado.low')} to its {c.pct('tornado.high')} quantile while the others "
        "keep their joint draws; the bars show how far the expected net benefit (base "
        f"{c.money('tornado.base')}) swings. The forecast loss (the scaling law) is one of the "
        f"bars. The largest swing comes from the "
        f"{c.tok('tornado.1.input', input_label(c.v('tornado.1.input')))}: from "
        f"{c.money('tornado.1.metric_at_low')} to {c.money('tornado.1.metric_at_high')}. "
        "One-at-a-time swings ignore interactions between inputs; read them as a ranking."
    ]
    fixed = c.v("tornado.fixed_inputs")
    if fixed:
        labels = ", ".join(input_label(x) for x in fixed.split(", "))
        paras.append(
            f"Inputs given as fixed numbers do not appear: {c.tok('tornado.fixed_inputs', labels)}."
        )
    return paras


def voi(c) -> list:
    paras = [
        "Perfect information about every uncertainty (the law, the run noise and the business "
        f"inputs) would be worth {c.money('evpi')} (EVPI, Monte Carlo error "
        f"{c.money('evpi_mc_se')}) to the choice among the options: the most that any further "
        "study could be worth."
    ]
    if not c.has("pilot.verdict"):
        paras.append(
            "The worth of one more pilot run was not assessed (pass pilot=evsi_pilot(...))."
        )
        return paras
    verdict = {
        "worth": "One more pilot run is expected to be worth more than it costs",
        "not_worth": "One more pilot run is not expected to be worth its cost",
        "unclear": "Whether one more pilot run is worth its cost is unclear (the two estimates "
        "disagree)",
    }[c.v("pilot.verdict")]
    paras.append(
        f"{c.tok('pilot.verdict', verdict)}: a run at {c.text('pilot.scale')} is expected to add "
        f"{c.money('pilot.evsi')} (EVSI, Monte Carlo error {c.money('pilot.evsi_mc_se')}; "
        f"cross-fitted estimate {c.money('pilot.evsi_cross_fitted')}) against an expected cost "
        f"of {c.money('pilot.pilot_cost')}: an expected net benefit of sampling of "
        f"{c.money('pilot.expected_net_benefit_of_sampling')} (cross-fitted "
        f"{c.money('pilot.enbs_cross_fitted')}). Today's choice is "
        f"{c.text('pilot.chosen_now')}; across {c.integer('pilot.n_outer')} simulated pilot "
        "results, the probability that the pilot's result changes it is "
        f"{c.prob_num('pilot.p_decision_changes')}."
    )
    return paras


# ---------------------------------------------------------------------- 6. assumptions
def assumptions(c) -> list:
    return [
        "Every business input, with the plans it applies to, its value or distribution, its "
        "source and the date of that source. Uncertain inputs are sampled jointly with the "
        "forecast, and an input shared by several plans takes the same draws in each. "
        "\u201cNot recorded\u201d means the memo was not told where the number comes from "
        "(RiskMemo(sources=...))."
    ]


def describe(c, key: str, name: str) -> str:
    s = c.v(f"{key}.kind")
    is_money = "usd" in name

    def fmt(field):
        k = f"{key}.{field}"
        return c.money(k) if is_money else c.tok(k, short(c.v(k)))

    if s == "uniform":
        return f"uniform on {fmt('low')}–{fmt('high')}"
    if s == "distribution":
        return (
            f"{c.text(f'{key}.dist')} (median {fmt('median')}, 90% range {fmt('p05')}–{fmt('p95')})"
        )
    if s == "draws":
        return (
            f"{c.integer(f'{key}.n')} draws (median {fmt('median')}, 90% range {fmt('p05')}–"
            f"{fmt('p95')})"
        )
    if s == "flag":
        return c.tok(f"{key}.value", YES if c.v(f"{key}.value") else NO)
    if s == "text":
        value = c.v(f"{key}.value")
        if name == "value.model":
            return c.tok(f"{key}.value", f"{value}: {_VALUE_MODELS.get(value, value)}")
        return c.text(f"{key}.value")
    if name == "cost.peak_flops":
        return c.tok(f"{key}.value", f"{c.v(f'{key}.value') / 1e12:.4g} TFLOP/s")
    return fmt("value")


def source(c, key: str, name: str) -> str:
    kind = c.v(f"{key}.source_kind")
    if kind == "given":
        return c.text(f"{key}.source")
    if kind == "package_default":
        return c.tok(f"{key}.source", f"package default: {c.v(f'{key}.source')}")
    if kind == "package_default_zero":
        return c.tok(f"{key}.source", "package default (left out)")
    if kind == "setting":
        return c.tok(f"{key}.source", "memo setting")
    return c.tok(f"{key}.source", NOT_RECORDED)


def priors(c) -> list:
    over = c.v("priors.overrides")
    changed = f", with {c.text('priors.overrides')} changed" if over else ", unchanged"
    return [
        f"Priors of the scaling law: the {c.text('priors.preset')} preset{changed}. They act on "
        "a relative scale (loss as a share of the smallest observed loss, scales relative to "
        "the runs' geometric mean), so one set of defaults serves any loss; see "
        "scaling_bayes.core.priors for the reasons behind each."
    ]


def prior_sensitivity(c) -> str:
    if not c.has("prior_sensitivity.alternative"):
        return (
            "Prior sensitivity was not assessed: how far the answer moves under other priors is "
            "not known (RiskMemo(prior_sensitivity=prior_sensitivity(model, ...)))."
        )
    widths = c.v("prior_sensitivity.max_shift_in_widths")
    verdict = "barely moves" if widths < 0.1 else "moves" if widths < 0.5 else "moves a lot"
    text = (
        f"Prior sensitivity: under the {c.text('prior_sensitivity.alternative')} priors the "
        f"median forecast {verdict}: by up to {c.num('prior_sensitivity.max_shift')} "
        f"{c.text('loss_unit')}, {c.pct('prior_sensitivity.max_shift_in_widths')} of the width "
        f"of the {c.pct('prior_sensitivity.interval_prob')} interval."
    )
    if not c.v("prior_sensitivity.converged"):
        text += " That refit did not converge; the comparison is suspect."
    return text


# ---------------------------------------------------------------------- 7. diagnostics
def diagnostics(c) -> list:
    common = (
        f"largest R-hat {c.fixed('diagnostics.max_r_hat', 3)}, smallest bulk ESS "
        f"{c.fixed('diagnostics.min_ess_bulk', 0)}, {c.integer('diagnostics.divergences')} "
        f"divergent transitions in {c.integer('diagnostics.n_draws')} draws"
    )
    rules = (
        f"R-hat at most {c.num('diagnostics.r_hat_max')}, bulk ESS at least "
        f"{c.fixed('diagnostics.ess_bulk_min', 0)} for every parameter, at most "
        f"{c.integer('diagnostics.max_divergences')} divergent transitions"
    )
    if c.v("diagnostics.converged"):
        paras = [f"The fit converged ({rules}): {common}."]
        paras.append(
            "The fitted law in its published parameterisation (mean and highest-density "
            "interval) follows the table of checks."
        )
    else:
        paras = [
            f"The fit did NOT converge: {c.integer('diagnostics.n_problems')} check(s) failed "
            f"({rules}); {common}."
        ]
    paras.append(
        "Provenance: the hash of the fitted runs (SHA-256 of their canonical CSV, and of the "
        "data file when one was named) lets anyone check that a memo and a dataset belong "
        "together; seeds, draws and versions make the numbers reproducible."
    )
    return paras


def design_intro(c) -> str:
    return "Design warnings about the runs, from the fit:"


def appendix(c) -> str:
    return (
        "Every number this memo states, at full precision, with its unit and the table or "
        "attribute it was read from (RiskMemo.to_csv writes the same list). Plans are "
        "numbered as in the tables, by expected cost."
    )
