"""Decision quality: Bayesian fit, form mixture or point fit: which chooses better plans?

Run from the project root::

    .venv/bin/python benchmarks/bench_decision_quality.py [--pocs 300] [--seed 20261203] \
        [--laws power,saturating] [--csv per_poc.csv]

Each simulated proof of concept (PoC) is a visual-inspection model trained on 500, 1k, 2k, 4k
and 8k labelled images, with its test error rate measured each time (multiplicative noise of
2-8%, the sampling error of a test set of a few thousand images). The true learning curve is
known and is drawn, in equal shares, from three families, two of them outside the fitted law:

- ``power``: a power law with a floor, ``e(n) = E + A n^-alpha``;
- ``broken``: a smoothly broken power law (Caballero et al. 2023, one break), whose exponent
  changes by -0.3 to +0.3 at a break between 3k and 60k images, often beyond the pilot;
- ``m4``: the M4 learning curve of Alabdulmohsin et al. 2022,
  ``(e - e_inf) / (e_0 - e)^a = b n^c``, saturating at ``e_0`` for little data.

The business inputs are known (drawn per PoC, in JPY): value per percentage point of error
removed per year (log-uniform on 0.3M-6M, uncertain +-30% around that), over 3 years
discounted at 8% a year; labelling at JPY 25-40 per added image (uncertain); a one-off
integration cost per plan; compute at 6ND on a 25M-parameter model (negligible: under 1 JPY).
Candidate plans: 20k, 50k or 200k labelled images, or nothing (keep the pilot's model: net
benefit 0). The value is against the error observed at the largest pilot run.

Three methods see the same runs and the same business inputs and go through the same code
(:func:`scaling_bayes.compare_scales` with ``payback_target=18``; common random numbers for the
business inputs, whose draws are seeded identically for both):

- **Bayes** (``bayes_<law>``): ``ScalingLawModel(law="power", x="tokens")`` with the default
  weak priors and sampler settings (4 chains x (1000 tune + 2000 draws)), its posterior of the
  law (``kind="mean"``) at each plan; with ``--laws saturating`` also the bounded law for error
  rates (the error rate declared as a metric in [0, 1]);
- **forms** (``forms``): :class:`scaling_bayes.FormMixture` on the same runs, the one-axis forms
  (power law with and without a floor, broken power law, saturating) mixed with the weights,
  discrepancy and exponent prior the package's preset learned on the public studies of
  ``bench_evidence.py`` (a 5-run fit gets the pilot preset); its law draws (``kind="mean"``:
  law + discrepancy) at each plan. This is the decision the review restates under form
  uncertainty (``form_ladder.csv``). Nothing of it was tuned on these simulated PoCs;
- **point fit** (``point``): the Huber fit of the power law (Hoffmann et al. 2022,
  :func:`scaling_bayes.checks.baselines.fit_huber`), its plug-in forecast repeated for every
  draw, so only the business inputs vary.

The decision rule, declared before any run and the same for both: fund the plan with the highest
expected net benefit (NB = V - C) if that is positive and P(ROI > 0) >= 0.5 for it; otherwise
fund nothing (NB = 0).

Reported:

- **regret** of the chosen plan: the true expected NB of the oracle's best option (true curve,
  expectation over the business inputs, nothing included) minus the true expected NB of the
  chosen one; mean and standard error over PoCs, and the paired difference between the methods;
- the **Brier score** and a reliability table of P(payback within 18 months), one forecast per
  PoC and plan, from the package's payback (``p_payback_within_target`` of the ladder): months
  until the cumulative discounted value, earned monthly (value per year / 12, discounted
  monthly at the yearly rate), reaches the cost paid up front. The outcome is computed from the
  true curve and one realisation of the uncertain business inputs drawn from their stated
  distributions (what actually happened to that PoC), with the same definition
  (:func:`payback_within` here, checked against the package's ``payback_months`` in the tests).
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import optimize, stats

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import markdown

#: Seed of the whole study (PoCs, fits, business-input draws).
SEED = 20261203
#: Labelled images of the pilot runs.
PILOT = (500, 1_000, 2_000, 4_000, 8_000)
#: Candidate plans: labelled images of the model to fund.
PLANS = (20_000, 50_000, 200_000)
#: One-off integration cost of each plan (JPY): larger plans need more line integration work.
INTEGRATION_JPY = {20_000: 1.5e6, 50_000: 2.0e6, 200_000: 3.0e6}
#: Labelling cost per added image (JPY), uniform: what the issue's factory pays.
LABEL_JPY = (25.0, 40.0)
#: Value is earned for this many years, discounted at this yearly rate.
HORIZON_YEARS = 3.0
DISCOUNT_RATE = 0.08
#: The payback target set before the money is spent.
PAYBACK_TARGET_MONTHS = 18
TARGET = float(PAYBACK_TARGET_MONTHS)
#: Relative half-width of the uncertainty on the value per percentage point.
VALUE_SPREAD = 0.30
#: Size of the inspection model (parameters), for the 6ND compute of a plan, and the GPU it
#: trains on (A100 dense BF16 peak, 400 W) at a fixed MFU and price per GPU-hour (JPY).
MODEL_PARAMS = 25e6
GPU_PEAK_FLOPS, GPU_POWER_KW, GPU_MFU, GPU_JPY_PER_HOUR = 312e12, 0.4, 0.3, 450.0
#: Sampler settings of the Bayesian fits: the package defaults.
CHAINS, TUNE, DRAWS = 4, 1000, 2000
#: Reliability-table bins of the forecast probabilities.
RELIABILITY_EDGES = (0.0, 0.1, 0.3, 0.5, 0.7, 0.9, 1.0)
FAMILIES = ("power", "broken", "m4")


# ------------------------------------------------------------------------------ true curves
def power_floor(n, *, E: float, A: float, alpha: float) -> np.ndarray:
    """``E + A n^-alpha``.

    Examples
    --------
    >>> float(power_floor(100.0, E=0.1, A=1.0, alpha=0.5))
    0.2
    """
    return E + A * np.asarray(n, float) ** -alpha


def broken_power(
    n,
    *,
    E: float,
    A: float,
    alpha: float,
    alpha_after: float,
    n_break: float,
    sharpness: float = 0.5,
) -> np.ndarray:
    """Smoothly broken power law with a floor (Caballero et al. 2023, one break).

    ``E + A n^-alpha (1 + (n / n_break)^(1/s))^(-(alpha_after - alpha) s)``: slope ``alpha``
    well below the break, ``alpha_after`` well above it.

    Examples
    --------
    >>> e = broken_power([1e2, 1e6], E=0.0, A=1.0, alpha=0.2, alpha_after=0.6, n_break=1e4)
    >>> bool(e[1] < power_floor(1e6, E=0.0, A=1.0, alpha=0.2))
    True
    """
    n = np.asarray(n, float)
    bend = (1.0 + (n / n_break) ** (1.0 / sharpness)) ** (-(alpha_after - alpha) * sharpness)
    return E + A * n**-alpha * bend


def m4_curve(n, *, e0: float, e_inf: float, a: float, b: float, c: float) -> np.ndarray:
    """The M4 learning curve of Alabdulmohsin et al. 2022, solved for the error ``e``.

    ``(e - e_inf) / (e0 - e)^a = b n^c`` with ``c < 0``; the left side rises from 0 to infinity
    on ``(e_inf, e0)``, so each ``n`` has one root.

    Examples
    --------
    >>> e = m4_curve([1e2, 1e4, 1e6], e0=0.5, e_inf=0.02, a=0.5, b=5.0, c=-0.5)
    >>> bool(np.all(np.diff(e) < 0)), bool(0.02 < e.min() and e.max() < 0.5)
    (True, True)
    """
    out = []
    for x in np.atleast_1d(np.asarray(n, float)):
        rhs = b * x**c

        def f(e, rhs=rhs):
            return (e - e_inf) - rhs * (e0 - e) ** a

        out.append(optimize.brentq(f, e_inf, e0, xtol=1e-14, rtol=1e-12))
    return np.asarray(out)


@dataclass(frozen=True)
class Truth:
    """A true learning curve: family, parameters, and its error at any number of images."""

    family: str
    params: dict

    def error(self, n) -> np.ndarray:
        fn = {"power": power_floor, "broken": broken_power, "m4": m4_curve}[self.family]
        return fn(n, **self.params)


def draw_truth(rng: np.random.Generator, family: str) -> Truth:
    """A true curve with error 0.15-0.30 at 500 images and a floor of 0.5-6%."""
    e_start = rng.uniform(0.15, 0.30)
    floor = rng.uniform(0.005, 0.06)
    alpha = rng.uniform(0.2, 0.7)
    if family == "power":
        A = (e_start - floor) * 500.0**alpha
        return Truth("power", {"E": floor, "A": A, "alpha": alpha})
    if family == "broken":
        after = max(0.05, alpha + rng.uniform(-0.3, 0.3))
        n_break = float(np.exp(rng.uniform(np.log(3e3), np.log(6e4))))
        params = {"E": floor, "A": 1.0, "alpha": alpha, "alpha_after": after, "n_break": n_break}
        scale = (e_start - floor) / (broken_power(500.0, **params) - floor)
        params["A"] = float(scale[()] if np.ndim(scale) else scale)
        return Truth("broken", params)
    # M4: chance error e0 = 0.5 (a two-class decision), exponent c and shape a at random,
    # b set so that the error at 500 images is e_start
    a = rng.uniform(0.2, 1.0)
    c = -rng.uniform(0.3, 0.9)
    b = (e_start - floor) / (0.5 - e_start) ** a / 500.0**c
    return Truth("m4", {"e0": 0.5, "e_inf": floor, "a": a, "b": float(b), "c": c})


# ------------------------------------------------------------------------------ money
def monthly_annuity(months, yearly_rate: float) -> np.ndarray:
    """Present value of 1/12 per month for ``months`` months, discounted monthly.

    ``sum_{k=1..m} (1/12) (1 + r)^(-k/12)``; 12 months at rate 0 give 1.

    Examples
    --------
    >>> float(monthly_annuity(12, 0.0))
    1.0
    >>> round(float(monthly_annuity(12, 0.08)), 4)
    0.9594
    """
    m = np.asarray(months, float)
    v = (1.0 + yearly_rate) ** (-1.0 / 12.0)  # monthly discount factor
    if abs(yearly_rate) < 1e-12:
        return m / 12.0
    return (v * (1.0 - v**m) / (1.0 - v)) / 12.0


def payback_months(yearly_value, cost, yearly_rate: float) -> np.ndarray:
    """Months until the cumulative discounted value reaches ``cost`` (inf if never).

    Value accrues monthly (``yearly_value / 12`` at each month's end) for ever; a plan whose
    yearly value is not positive, or whose discounted perpetuity is below its cost, never
    pays back. Months are fractional (the crossing interpolates the annuity formula).

    Examples
    --------
    >>> float(payback_months(1200.0, 600.0, 0.0))
    6.0
    >>> float(payback_months(-1.0, 600.0, 0.0))
    inf
    """
    y = np.asarray(yearly_value, float)
    c = np.asarray(cost, float)
    y, c = np.broadcast_arrays(y, c)
    out = np.full(y.shape, np.inf)
    pos = y > 0
    if abs(yearly_rate) < 1e-12:
        out[pos] = 12.0 * c[pos] / y[pos]
        return out
    v = (1.0 + yearly_rate) ** (-1.0 / 12.0)
    # monthly_annuity(m) * y = c  <=>  v^m = 1 - 12 c (1 - v) / (v y)
    with np.errstate(divide="ignore", invalid="ignore"):
        rest = 1.0 - 12.0 * c * (1.0 - v) / (v * y)
        ok = pos & (rest > 0)
        out[ok] = np.log(rest[ok]) / np.log(v)
    return out


def payback_within(yearly_value, cost, months: float, yearly_rate: float) -> np.ndarray:
    """Whether the plan pays back within ``months``: discounted value by then >= cost.

    Examples
    --------
    >>> payback_within(np.array([1200.0, 1000.0]), 600.0, 6, 0.0).tolist()
    [True, False]
    """
    return np.asarray(yearly_value, float) * monthly_annuity(months, yearly_rate) >= np.asarray(
        cost, float
    )


# ------------------------------------------------------------------------------ decision
def choose(expected_nb, p_break_even, min_prob: float = 0.5) -> int:
    """The declared rule: index of the plan to fund, or -1 for nothing.

    Fund the plan with the highest expected net benefit if that is positive and its
    P(ROI > 0) is at least ``min_prob``; otherwise fund nothing.

    Examples
    --------
    >>> choose([1.0, 3.0, 2.0], [0.9, 0.8, 0.9])
    1
    >>> choose([1.0, 3.0, 2.0], [0.9, 0.4, 0.9])
    -1
    >>> choose([-1.0, -2.0], [0.6, 0.6])
    -1
    """
    nb = np.asarray(expected_nb, float)
    j = int(np.argmax(nb))
    if nb[j] > 0 and float(np.asarray(p_break_even, float)[j]) >= min_prob:
        return j
    return -1


def regret(true_nb, chosen: int) -> float:
    """True NB of the best option (nothing = 0 included) minus that of ``chosen`` (-1: nothing).

    Examples
    --------
    >>> regret([5.0, 8.0, -2.0], 0)
    3.0
    >>> regret([-5.0, -1.0], -1), regret([-5.0, -1.0], 1)
    (0.0, 1.0)
    """
    nb = np.asarray(true_nb, float)
    best = max(0.0, float(nb.max()))
    return best - (0.0 if chosen < 0 else float(nb[chosen]))


def brier(prob, outcome) -> float:
    """Mean squared difference between forecast probabilities and 0/1 outcomes.

    Examples
    --------
    >>> brier([1.0, 0.0, 0.5], [1, 0, 1])
    0.08333333333333333
    """
    p = np.asarray(prob, float)
    y = np.asarray(outcome, float)
    return float(np.mean((p - y) ** 2))


def reliability_table(prob, outcome, edges=RELIABILITY_EDGES) -> pd.DataFrame:
    """Forecasts binned by probability: count, mean forecast, observed frequency and its SE.

    Bins are ``[lo, hi)`` except the last, which includes 1.

    Examples
    --------
    >>> t = reliability_table([0.05, 0.05, 0.95, 0.95], [0, 1, 1, 1], edges=(0, 0.5, 1))
    >>> t["n"].tolist(), t["observed"].tolist()
    ([2, 2], [0.5, 1.0])
    """
    p = np.asarray(prob, float)
    y = np.asarray(outcome, float)
    edges = np.asarray(edges, float)
    idx = np.clip(np.searchsorted(edges, p, side="right") - 1, 0, len(edges) - 2)
    rows = []
    for k in range(len(edges) - 1):
        mask = idx == k
        n = int(mask.sum())
        obs = float(y[mask].mean()) if n else float("nan")
        rows.append(
            {
                "bin": f"{edges[k]:.1f}-{edges[k + 1]:.1f}",
                "n": n,
                "mean_forecast": float(p[mask].mean()) if n else float("nan"),
                "observed": obs,
                "observed_se": float(np.sqrt(obs * (1 - obs) / n)) if n else float("nan"),
            }
        )
    return pd.DataFrame(rows)


def mean_se(x) -> tuple[float, float]:
    """Mean and its standard error (sample sd / sqrt(n); NaN for a single value).

    Examples
    --------
    >>> mean_se([1.0, 3.0])
    (2.0, 1.0)
    >>> mean_se([4.0])
    (4.0, nan)
    """
    x = np.asarray(x, float)
    if x.size < 2:  # one PoC has no spread to estimate
        return float(x.mean()), float("nan")
    return float(x.mean()), float(x.std(ddof=1) / np.sqrt(x.size))


# ------------------------------------------------------------------------------ one PoC
@dataclass(frozen=True)
class Business:
    """The business inputs of one PoC (JPY)."""

    jpy_per_point_year: float  # centre of the value per percentage point per year
    label_jpy_real: float  # realised labelling price per image
    value_real: float  # realised value per percentage point per year


def draw_business(rng: np.random.Generator) -> Business:
    centre = float(np.exp(rng.uniform(np.log(3e5), np.log(6e6))))
    return Business(
        jpy_per_point_year=centre,
        label_jpy_real=float(rng.uniform(*LABEL_JPY)),
        value_real=float(centre * rng.uniform(1 - VALUE_SPREAD, 1 + VALUE_SPREAD)),
    )


def make_plans(business: Business, baseline: float):
    """The candidate plans as the package's Investments, in JPY.

    Value: JPY per percentage point of error rate removed per year, against ``baseline``, over
    :data:`HORIZON_YEARS` discounted at :data:`DISCOUNT_RATE`. Cost: labelling per added image
    (``per_sample``, beyond the pilot's 8k images), the plan's own integration, compute at 6ND.
    """
    import scaling_bayes as sb

    centre = business.jpy_per_point_year
    value = sb.LinearValue(
        baseline_loss=baseline,
        usd_per_loss_unit=stats.uniform(centre * (1 - VALUE_SPREAD), 2 * VALUE_SPREAD * centre),
        unit="percentage point",
        horizon_years=HORIZON_YEARS,
        discount_rate=DISCOUNT_RATE,
        currency="JPY",
    )
    lo, hi = LABEL_JPY
    cost = sb.ComputeCost(
        gpu="A100",
        peak_flops=GPU_PEAK_FLOPS,
        power_kw=GPU_POWER_KW,
        usd_per_gpu_hour=GPU_JPY_PER_HOUR,
        mfu=GPU_MFU,
        per_sample=stats.uniform(lo, hi - lo),
        data_on_hand=float(PILOT[-1]),
        currency="JPY",
    )
    return [
        sb.Investment(
            params=MODEL_PARAMS,
            tokens=float(n),
            cost=cost,
            value=value,
            integration=INTEGRATION_JPY[n],
            kinds={"tokens": "count"},
            name=f"{n // 1000}k images",
        )
        for n in PLANS
    ]


def compute_jpy(images) -> np.ndarray:
    """Compute cost of training on ``images`` labelled images (6ND FLOPs at the fixed MFU).

    Examples
    --------
    >>> round(float(compute_jpy(2e5)), 2)  # 3e13 FLOPs: a third of a second on one GPU
    0.04
    """
    flops = 6.0 * MODEL_PARAMS * np.asarray(images, float)
    return flops / (GPU_PEAK_FLOPS * GPU_MFU * 3600.0) * GPU_JPY_PER_HOUR


def true_outcomes(truth: Truth, business: Business, baseline: float, plans) -> dict:
    """True expected NB of each plan, and whether each pays back within the target."""
    from scaling_bayes.decision.value import annuity_factor

    err = truth.error(np.asarray(PLANS, float))
    factor = float(annuity_factor(HORIZON_YEARS, DISCOUNT_RATE))
    lo, hi = LABEL_JPY
    exp_nb, real_payback = [], []
    for n, e in zip(PLANS, err, strict=True):
        added = n - PILOT[-1]
        exp_cost = (lo + hi) / 2 * added + INTEGRATION_JPY[n]
        real_cost = business.label_jpy_real * added + INTEGRATION_JPY[n] + compute_jpy(n)
        exp_nb.append(100 * business.jpy_per_point_year * (baseline - e) * factor - exp_cost)
        yearly = 100 * business.value_real * (baseline - e)
        real_payback.append(
            bool(payback_within(yearly, real_cost, PAYBACK_TARGET_MONTHS, DISCOUNT_RATE))
        )
    exp_nb = np.asarray(exp_nb) - compute_jpy(np.asarray(PLANS, float))
    return {"error": err, "expected_nb": exp_nb, "payback": np.asarray(real_payback)}


def evaluate_ladder(ladder) -> dict:
    """The declared decision and P(payback within target) per plan, from a ladder's table."""
    labels = [f"{n // 1000}k images" for n in PLANS]
    rows = ladder.table.set_index("plan").loc[labels]
    loss = {d.plan.label: float(np.mean(d.loss)) for d in ladder.draws}
    return {
        "choice": choose(rows["expected_net_benefit"], rows["p_break_even"]),
        "p_payback": rows["p_payback_within_target"].to_numpy(float),
        "expected_nb": rows["expected_net_benefit"].to_numpy(float),
        "mean_error": np.array([loss[label] for label in labels]),
    }


def fit_bayes(runs: pd.DataFrame, law: str, seed: int):
    """The review's fit on the pilot runs: ``law="power"`` on the error rate as a loss, or
    ``law="saturating"`` with the error rate declared as a bounded metric in [0, 1]."""
    import scaling_bayes as sb

    metric = None
    if law == "saturating":
        metric = {"name": "error rate", "unit": "fraction", "direction": "lower", "bounds": (0, 1)}
    model = sb.ScalingLawModel(
        law=law, x="tokens", chains=CHAINS, tune=TUNE, draws=DRAWS, progressbar=False
    )
    return model.fit(pilot_data(runs, metric), random_seed=seed)


def pilot_data(runs: pd.DataFrame, metric: dict | None = None):
    """The pilot runs as the package's data: error rate over labelled images (a count)."""
    import scaling_bayes as sb

    return sb.ScalingData.from_frame(
        runs,
        params=None,
        tokens="labelled_images",
        loss="error_rate",
        kinds={"tokens": "count"},
        metric=metric,
    )


def run_poc(i: int, family: str, rng: np.random.Generator, seed: int, laws=("power",)) -> dict:
    """Simulate one PoC, decide with each Bayesian law and with the point fit, score both."""
    import scaling_bayes as sb
    from scaling_bayes.checks.baselines import fit_huber

    truth = draw_truth(rng, family)
    business = draw_business(rng)
    noise = rng.uniform(0.02, 0.08)
    n = np.asarray(PILOT, float)
    observed = truth.error(n) * np.exp(noise * rng.standard_normal(n.size))
    runs = pd.DataFrame({"labelled_images": n, "error_rate": observed})
    baseline = float(observed[-1])  # the pilot's largest model, in use today
    plans = make_plans(business, baseline)
    truth_out = true_outcomes(truth, business, baseline, plans)
    decision_seed = seed + i
    out = {
        "poc": i,
        "family": family,
        "noise": noise,
        "baseline": baseline,
        "jpy_per_point_year": business.jpy_per_point_year,
        "oracle": choose(truth_out["expected_nb"], np.ones(len(PLANS))),
        "oracle_nb": max(0.0, float(truth_out["expected_nb"].max())),
    }
    results = {}
    for law in laws:
        t0 = time.perf_counter()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            model = fit_bayes(runs, law, decision_seed)
            ladder = sb.compare_scales(
                model, plans, random_seed=decision_seed, kind="mean", payback_target=TARGET
            )
        name = f"bayes_{law}"
        out[f"{name}_seconds"] = time.perf_counter() - t0
        report = model.diagnostics()
        out[f"{name}_converged"] = bool(report.converged)
        out[f"{name}_problems"] = "; ".join(report.problems)
        out[f"{name}_warnings"] = len(caught)
        results[name] = evaluate_ladder(ladder)

    t0 = time.perf_counter()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        mixture = sb.FormMixture(x="tokens", loss_unit="fraction").fit(pilot_data(runs))
        forecast = mixture.predict(tokens=np.asarray(PLANS, float), random_seed=decision_seed)
        forms_ladder = sb.compare_scales(
            forecast, plans, random_seed=decision_seed, kind="mean", payback_target=TARGET
        )
    results["forms"] = evaluate_ladder(forms_ladder)
    out["forms_seconds"] = time.perf_counter() - t0
    out["forms_warnings"] = len(caught)

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        huber = fit_huber(None, None, observed, law="power", x=n)
        point = huber.predict(x=np.asarray(PLANS, float))
        draws = np.tile(point, (CHAINS * DRAWS, 1))
        point_ladder = sb.compare_scales(
            draws, plans, random_seed=decision_seed, kind="mean", payback_target=TARGET
        )
    results["point"] = evaluate_ladder(point_ladder)
    out["point_converged"] = bool(huber.converged)
    out["point_warnings"] = len(caught)

    for name, res in results.items():
        out[f"{name}_choice"] = res["choice"]
        out[f"{name}_regret"] = regret(truth_out["expected_nb"], res["choice"])
        for j, n_plan in enumerate(PLANS):
            out[f"{name}_p_payback_{n_plan}"] = res["p_payback"][j]
            out[f"{name}_mean_error_{n_plan}"] = res["mean_error"][j]
    for j, n_plan in enumerate(PLANS):
        out[f"true_error_{n_plan}"] = truth_out["error"][j]
        out[f"true_nb_{n_plan}"] = truth_out["expected_nb"][j]
        out[f"payback_{n_plan}"] = bool(truth_out["payback"][j])
    return out


# ------------------------------------------------------------------------------ report
def methods_of(frame: pd.DataFrame) -> list[str]:
    """Method names in a results frame (``bayes_<law>`` ..., ``forms``, then ``point``)."""
    names = [c[: -len("_regret")] for c in frame.columns if c.endswith("_regret")]
    return sorted(names, key=lambda m: (m == "point", m == "forms", m))


def summarise(frame: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Regret by family and method, Brier scores and reliability tables of every method."""
    methods = methods_of(frame)
    rows = []
    groups = [("all", frame)] + [(f, frame[frame["family"] == f]) for f in FAMILIES]
    for name, g in groups:
        if g.empty:
            continue
        oracle = g["oracle_nb"].mean()
        for m in methods:
            r, r_se = mean_se(g[f"{m}_regret"])
            d, d_se = mean_se(g[f"{m}_regret"] - g["point_regret"])
            b, b_se = (
                mean_se(g[f"{m}_regret"] - g["bayes_power_regret"])
                if m != "bayes_power" and "bayes_power_regret" in g
                else (float("nan"), float("nan"))
            )
            rows.append(
                {
                    "curves": name,
                    "method": m,
                    "PoCs": len(g),
                    "mean regret (JPY)": r,
                    "SE": r_se,
                    "minus point fit": d if m != "point" else float("nan"),
                    "SE of difference": d_se if m != "point" else float("nan"),
                    "minus Bayes (power)": b,
                    "SE of that difference": b_se,
                    "share of oracle NB lost": r / oracle,
                    "chose oracle's plan": float((g[f"{m}_choice"] == g["oracle"]).mean()),
                    "oracle NB (JPY)": oracle,
                }
            )
    regret_table = pd.DataFrame(rows)

    outcome = frame[[f"payback_{n}" for n in PLANS]].to_numpy().ravel().astype(float)
    brier_rows, reliab = [], {}
    for m in methods:
        p = frame[[f"{m}_p_payback_{n}" for n in PLANS]].to_numpy().ravel()
        b, b_se = mean_se((p - outcome) ** 2)
        brier_rows.append({"method": m, "forecasts": p.size, "Brier": b, "SE": b_se})
        reliab[m] = reliability_table(p, outcome)
    brier_rows.append(
        {
            "method": "base rate (one constant)",
            "forecasts": outcome.size,
            "Brier": brier(np.full(outcome.size, outcome.mean()), outcome),
            "SE": float("nan"),
        }
    )
    # forecast improvement over the baseline against the true one, at each plan: below 1 is a
    # pessimistic forecast (the method undervalues the plan), above 1 an optimistic one
    bias_rows = []
    for m in methods:
        row = {"method": m}
        for n in PLANS:
            col = f"{m}_mean_error_{n}"
            if col not in frame:
                continue
            ratio = (frame["baseline"] - frame[col]) / (
                frame["baseline"] - frame[f"true_error_{n}"]
            )
            row[f"{n // 1000}k: median"] = float(ratio.median())
            row[f"{n // 1000}k: share below 1"] = float((ratio < 1).mean())
        bias_rows.append(row)
    return {
        "regret": regret_table,
        "brier": pd.DataFrame(brier_rows),
        "reliability": reliab,
        "bias": pd.DataFrame(bias_rows),
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pocs", type=int, default=300, help="number of simulated PoCs")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument(
        "--laws",
        default="power",
        help="Bayesian laws to run, comma-separated: power, saturating (bounded error rate)",
    )
    parser.add_argument("--csv", type=Path, default=None, help="write per-PoC results here")
    args = parser.parse_args(argv)
    if args.pocs < 3:
        parser.error("--pocs must be at least 3 (one per family)")
    laws = tuple(law.strip() for law in args.laws.split(",") if law.strip())

    rng = np.random.default_rng(args.seed)
    start = time.perf_counter()
    rows = []
    for i in range(args.pocs):
        family = FAMILIES[i % len(FAMILIES)]
        rows.append(run_poc(i, family, rng, args.seed, laws))
        if (i + 1) % 10 == 0:
            print(f"  {i + 1}/{args.pocs} PoCs, {time.perf_counter() - start:.0f} s", flush=True)
    frame = pd.DataFrame(rows)
    if args.csv is not None:
        frame.to_csv(args.csv, index=False)
    result = summarise(frame)
    elapsed = time.perf_counter() - start

    print(
        f"\nDecision quality: {args.pocs} PoCs, seed {args.seed}, {elapsed:.0f} s in all; "
        f"Bayesian fits {CHAINS} chains x ({TUNE} tune + {DRAWS} draws)."
    )
    for law in laws:
        m = f"bayes_{law}"
        print(
            f"  {m}: median {frame[f'{m}_seconds'].median():.2f} s per fit + ladder; "
            f"{int(frame[f'{m}_converged'].sum())}/{len(frame)} fits converged."
        )
    if "forms_seconds" in frame:
        print(
            f"  forms: FormMixture (preset), median {frame['forms_seconds'].median():.2f} s per "
            "fit + ladder."
        )
    if "point_converged" in frame:
        print(
            f"  point: Huber fit (coarse grid), {int(frame['point_converged'].sum())}/"
            f"{len(frame)} fits converged."
        )
    print(
        f"Plans: {', '.join(f'{n // 1000}k' for n in PLANS)} labelled images or nothing; "
        f"payback target {PAYBACK_TARGET_MONTHS} months.\n"
    )
    print("Regret of the chosen plan (mean over PoCs, JPY; lower is better):\n")
    print(markdown(result["regret"], ".3g"))
    print("\nBrier score of P(payback within target), one forecast per PoC and plan:\n")
    print(markdown(result["brier"], ".4f"))
    print(
        "\nForecast improvement over the baseline / true improvement, per plan (mean forecast of "
        "the error; below 1: the method undervalues the plan):\n"
    )
    print(markdown(result["bias"], ".3f"))
    for m, table in result["reliability"].items():
        print(f"\nReliability of P(payback within target), {m}:\n")
        print(markdown(table, ".3f"))
    counts = {"oracle": frame["oracle"].value_counts().sort_index().to_dict()}
    for m in methods_of(frame):
        counts[m] = frame[f"{m}_choice"].value_counts().sort_index().to_dict()
    print("\nChoices (index into the plans, -1 = nothing):", counts)
    return 0


if __name__ == "__main__":
    sys.exit(main())
