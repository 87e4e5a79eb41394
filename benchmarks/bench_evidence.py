"""Evidence on public data, nested leave-one-study-out: do forecast intervals hold?

Run from the project root::

    .venv/bin/python benchmarks/bench_evidence.py [--choose] [--seed 0] [--draws 2000] \
        [--simulated 120] [--out benchmarks/figures]

Every study in ../shared/data (see its README) is a leave-future-out split: fit the small runs,
forecast the larger ones, score the forecasts against what was measured. Fifteen studies, each
counted once in every pooled number:

- Chinchilla (Hoffmann et al. 2022, digitised by Epoch AI), on N and D, one study with two views
  weighted 1/2 each: (a) fit N < 1e9, score N >= 4e9; (b) fit C <= 1e20, score C > 1e21.
- Porian et al. 2024 setting ``summary_df#4`` on compute (fit C < 5e17, score up to 2.56e19).
- GPT-3 on parameters (fit 125M-2.7B, score 6.7B-175B); Pythia deduped ln(LAMBADA perplexity)
  on total parameters (fit 70M-1.4B, score 2.8B-12B).
- ScaleBench's Farseer (Li et al. 2025) and data-constrained (Muennighoff et al. 2023) runs on
  N and D, with their own train/test split (tokens as trained on, repetitions included).
- The m4 benchmark of Alabdulmohsin et al. 2022, with its own ``Training`` split, on examples
  seen: each language domain (NMT, LM, BIG-bench) and each vision task (5/10/25-shot Birds-200
  and CIFAR-100, error rate) across its architectures; each curve is fitted on its own and the
  curves of a study weigh equally. Up to 6 held-out points per curve are scored, evenly spaced
  in log examples seen (the held-out side of a vision curve holds up to 700 points of one run).

Every form of every study is fitted once (:func:`scaling_bayes.core.mixture.fit_form`, Laplace
posteriors) and its predictive draws at the held-out scales are stored. The choices (mixture
weights of each group of forms and the posterior of the discrepancy scale tau) for study S are
then made from the stored draws of the *other* studies only
(:func:`~scaling_bayes.core.mixture.learn_weights_and_tau`), written to
``benchmarks/evidence_choices.json`` with ``--choose`` (together with the same procedure on all
studies: the package preset), and the scoring run reads that file and prints its SHA-256.

Methods scored on the same held-out runs: the mixture with the nested choices (``mixture``);
today's default ``ScalingLawModel`` (Chinchilla on N and D, the power law on one axis; NUTS,
2 chains of ``--today-draws`` draws, ``today``); the same single form fitted like the mixture's
forms, without discrepancy (``single``); the Huber point fit of Hoffmann et al. 2022
(``huber``, point forecast). A 5-run pilot (5 training runs evenly spaced in log compute, or in
log x) of each split is scored with the same choices. ``--simulated`` repeats the simulated-law
calibration design of ``bench_calibration.py`` with the mixture and its preset.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import platform
import re
import sys
import time
import warnings
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from _common import markdown, shared_csv  # noqa: E402

import scaling_bayes as sb  # noqa: E402
from scaling_bayes.checks import scoring  # noqa: E402
from scaling_bayes.checks.baselines import fit_huber  # noqa: E402
from scaling_bayes.core.discrepancy import Discrepancy, extrapolation_distance  # noqa: E402
from scaling_bayes.core.mixture import (  # noqa: E402
    ONE_AXIS_FORMS,
    PILOT_MAX_RUNS,
    TWO_AXIS_FORMS,
    eligible,
    fit_form,
    learn_exponent_prior,
    learn_weights_and_tau,
    mix_draws,
)

CHOICES = HERE / "evidence_choices.json"
GROUPS = {"two_axis": TWO_AXIS_FORMS, "one_axis": ONE_AXIS_FORMS}
SINGLE = {"two_axis": "chinchilla", "one_axis": "power"}
#: The issue's targets.
TARGETS = {"cov90": (0.85, 0.95), "cov50": (0.40, 0.60), "min_study_cov90": 0.60, "width90": 0.04}
M4_POINTS_PER_CURVE = 6
PILOT_RUNS = 5


# ---------------------------------------------------------------------------------- studies
@dataclass
class Unit:
    """One fitted curve or split: training runs, held-out runs, its weight within its study."""

    study: str
    name: str
    group: str  # "two_axis" or "one_axis"
    x: str | None
    train: pd.DataFrame  # columns: the axes and "loss"
    test: pd.DataFrame
    weight: float = 1.0

    @property
    def axes(self) -> tuple[str, ...]:
        return ("params", "tokens") if self.group == "two_axis" else (self.x,)


def _two(study, name, train, test, weight=1.0) -> Unit:
    cols = ["params", "tokens", "loss"]
    return Unit(study, name, "two_axis", None, train[cols], test[cols], weight)


def _one(study, name, x, train, test, weight=1.0) -> Unit:
    return Unit(study, name, "one_axis", x, train[[x, "loss"]], test[[x, "loss"]], weight)


def chinchilla_units() -> list[Unit]:
    f = pd.read_csv(shared_csv("chinchilla", "chinchilla_nd_loss.csv"))
    return [
        _two("Chinchilla", "view (a) N", f[f.params < 1e9], f[f.params >= 4e9], 0.5),
        _two("Chinchilla", "view (b) C", f[f.flops <= 1e20], f[f.flops > 1e21], 0.5),
    ]


def porian_units() -> list[Unit]:
    p = pd.read_csv(shared_csv("porian2024", "compute_optimal_points.csv"))
    rows = p[p["setting_id"] == "summary_df#4"].rename(columns={"flops": "compute"})
    rows = rows.assign(loss=rows["loss_star"])
    return [
        _one(
            "Porian et al.",
            "summary_df#4",
            "compute",
            rows[rows.compute < 5e17],
            rows[rows.compute > 5e17],
        )
    ]


def gpt3_units() -> list[Unit]:
    f = pd.read_csv(shared_csv("gpt3", "gpt3_final_val_loss_derived.csv"))
    f = f.assign(loss=f["val_loss_median"])
    return [_one("GPT-3", "val loss", "params", f[f.params <= 2.7e9], f[f.params > 2.7e9])]


def pythia_units() -> list[Unit]:
    f = pd.read_csv(shared_csv("pythia", "pythia_v1_final_step143000.csv"))
    f = f[f["variant"] == "deduped"]
    f = f.assign(loss=np.log(f["lambada_ppl"]), params=f["params_total"])
    return [_one("Pythia", "deduped", "params", f[f.params < 2e9], f[f.params > 2e9])]


def scalebench_units() -> list[Unit]:
    out = []
    for key, study in (("farseer", "Farseer"), ("data_constrained", "Data-constrained")):
        parts = []
        for side in ("train", "test"):
            f = pd.read_csv(shared_csv("scalebench", f"{key}_{side}.csv"))
            if key == "farseer":
                f = f.rename(columns={"N": "params", "D": "tokens"})
            parts.append(f)
        out.append(_two(study, key, parts[0], parts[1]))
    return out


def _m4_test_points(test: pd.DataFrame) -> pd.DataFrame:
    test = test.sort_values("tokens")
    if len(test) <= M4_POINTS_PER_CURVE:
        return test
    idx = np.unique(np.round(np.linspace(0, len(test) - 1, M4_POINTS_PER_CURVE)).astype(int))
    return test.iloc[idx]


def m4_units() -> list[Unit]:
    lang = pd.read_csv(shared_csv("m4_benchmark", "language.csv"))
    vision = pd.read_csv(shared_csv("m4_benchmark", "vision_bird_cifar100.csv"))
    names = {"NMT": "m4 NMT", "LM": "m4 LM", "BB": "m4 BIG-bench"}
    out = []
    for frame, study_of in (
        (lang, lambda r: names[r["Domain"]]),
        (vision, lambda r: f"m4 vision {r['Task']}"),
    ):
        frame = frame.rename(columns={"Seen Examples": "tokens", "Loss": "loss"})
        for (domain, task, model), curve in frame.groupby(["Domain", "Task", "Model"]):
            study = study_of({"Domain": domain, "Task": task})
            train = curve[curve["Training"] == 1]
            test = _m4_test_points(curve[curve["Training"] == 0])
            out.append(_one(study, f"{task} {model}", "tokens", train, test))
    by_study = pd.Series([u.study for u in out]).value_counts()
    for u in out:
        u.weight = 1.0 / by_study[u.study]
    return out


def all_units() -> list[Unit]:
    return (
        chinchilla_units()
        + porian_units()
        + gpt3_units()
        + pythia_units()
        + scalebench_units()
        + m4_units()
    )


def pilot_sized(unit: Unit) -> bool:
    """Whether the package gives this split's fit the pilot preset (``PILOT_MAX_RUNS`` or fewer)."""
    return len(unit.train) <= PILOT_MAX_RUNS


def pilot_of(unit: Unit) -> Unit:
    """The same split with 5 training runs evenly spaced in log compute (or log x)."""
    t = unit.train
    key = np.log(t["params"] * t["tokens"]) if unit.group == "two_axis" else np.log(t[unit.x])
    order = np.argsort(key.to_numpy(), kind="stable")
    idx = order[np.unique(np.round(np.linspace(0, len(t) - 1, PILOT_RUNS)).astype(int))]
    return Unit(unit.study, unit.name, unit.group, unit.x, t.iloc[idx], unit.test, unit.weight)


# ---------------------------------------------------------------------------------- fitting
@dataclass
class Stored:
    """Stored predictive draws (log loss) of every form of one unit at its held-out runs."""

    unit: Unit
    draws: dict  # form -> (n_draws, k) log predictive draws
    distance: np.ndarray
    huber: np.ndarray | None
    fit_seconds: float
    today: np.ndarray | None = None  # NUTS draws of today's default fit, (n, k) loss
    estimates: list | None = None  # per form and coordinate: the Laplace posterior's mean and sd


def fit_today(unit: Unit, seed: int, draws: int) -> np.ndarray:
    """Today's default: ScalingLawModel (NUTS) with the single default law, fewer draws."""
    # The data contract refuses exact duplicate rows (8 in Chinchilla's digitised runs); the
    # NUTS fit gets each distinct run once, the Laplace forms get the rows as published.
    frame = unit.train.drop_duplicates().copy()
    kinds = {"tokens": "count"} if unit.study.startswith("m4") else None
    warnings.simplefilter("ignore")  # unit-rule notes on IsoFLOP edges; restored by the caller
    if unit.group == "two_axis":
        data = sb.ScalingData.from_frame(frame, params="params", tokens="tokens", loss="loss")
        model = sb.ScalingLawModel(
            "chinchilla", draws=draws, tune=draws, chains=2, progressbar=False
        )
        new = {
            "params": unit.test["params"].to_numpy(float),
            "tokens": unit.test["tokens"].to_numpy(float),
        }
    else:
        cols = {a: (unit.x if a == unit.x else None) for a in ("params", "tokens", "compute")}
        data = sb.ScalingData.from_frame(frame, loss="loss", kinds=kinds, **cols)
        model = sb.ScalingLawModel(
            "power", x=unit.x, draws=draws, tune=draws, chains=2, progressbar=False
        )
        new = {unit.x: unit.test[unit.x].to_numpy(float)}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(data, random_seed=seed)
        return model.predict(**new, random_seed=seed).flat_draws()


def fit_unit(
    unit: Unit,
    n_draws: int,
    seed: int,
    huber: bool,
    prior: dict | None = None,
    all_forms: bool = False,
) -> Stored:
    """Every eligible form of one unit (every form of its group with ``all_forms``).

    ``prior``: the forms' exponent priors, if given.
    """
    start = time.perf_counter()
    scales = {a: unit.train[a].to_numpy(float) for a in unit.axes}
    new = {a: unit.test[a].to_numpy(float) for a in unit.axes}
    loss = unit.train["loss"].to_numpy(float)
    rng = np.random.default_rng(seed)
    draws, estimates = {}, []
    for form in GROUPS[unit.group]:
        if not (all_forms or eligible(form, loss.size)):
            continue
        fit = fit_form(form, scales, loss, x=unit.x, prior=(prior or {}).get(form))
        draws[form] = fit.predictive_log(new, n_draws, rng)[1]
        sd = np.sqrt(np.diag(fit.cov))
        for i, coord in enumerate(fit.spec.coords):
            estimates.append(
                dict(study=unit.study, form=form, coord=coord, mean=fit.theta[i], sd=sd[i])
            )
    point = None
    if huber:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if unit.group == "two_axis":
                h = fit_huber(scales["params"], scales["tokens"], loss, law="chinchilla")
                point = h.predict(new["params"], new["tokens"])
            else:
                h = fit_huber(None, None, loss, law="power", x=scales[unit.x])
                point = h.predict(x=new[unit.x])
    return Stored(
        unit,
        draws,
        extrapolation_distance(scales, new),
        point,
        time.perf_counter() - start,
        estimates=estimates,
    )


def fit_as_pilot(unit: Unit, choices: dict, n_draws: int, seed: int, huber: bool) -> Stored:
    """``unit`` fitted as the package fits a pilot, with the choices held for its study.

    Every form, each with the exponent prior learned without the study, then the forms the
    study's pilot rule keeps (``restrict``).
    """
    prior = choices["exponent_prior_per_study"][unit.study]
    fitted = fit_unit(unit, n_draws, seed, huber, prior, all_forms=True)
    return restrict(fitted, choices["pilot_per_study"][unit.study]["forms"])


def restrict(s: Stored, rule: str) -> Stored:
    """``s`` with the forms a pilot rule keeps: ``"all"`` fitted forms or the ``"eligible"`` ones.

    The pilots are fitted with every form once; the rule that drops the forms with fewer runs
    than their coordinates + 2 (:func:`eligible`) is then one of the nested choices.
    """
    if rule == "all":
        return s
    n = len(s.unit.train)
    return replace(s, draws={f: d for f, d in s.draws.items() if eligible(f, n)})


def points_frame(stored: list[Stored]) -> pd.DataFrame:
    """Per held-out run and form: the normal summary of the form's predictive log loss."""
    rows = []
    for s in stored:
        y = np.log(s.unit.test["loss"].to_numpy(float))
        for form, d in s.draws.items():
            mu, sd = d.mean(axis=0), d.std(axis=0)
            for i in range(y.size):
                rows.append(
                    {
                        "group": s.unit.group,
                        "study": s.unit.study,
                        "run": f"{s.unit.name}#{i}",
                        "form": form,
                        "mu": mu[i],
                        "sd": sd[i],
                        "y": y[i],
                        "distance": s.distance[i],
                        "pilot_sized": pilot_sized(s.unit),
                    }
                )
    return pd.DataFrame(rows)


# ---------------------------------------------------------------------------------- choices
def choose(points: pd.DataFrame, left_out: str | None) -> dict:
    """Weights and tau posterior from every study except ``left_out``."""
    use = points if left_out is None else points[points["study"] != left_out]
    weights, disc = learn_weights_and_tau(use, GROUPS)
    return {
        "weights": weights,
        "tau_grid": disc.tau_grid.tolist(),
        "tau_prob": [float(f"{p:.6g}") for p in disc.tau_prob],
        "tau_mean": disc.mean_tau,
        "studies_used": sorted(set(use["study"])),
    }


#: The two rules for which forms a pilot mixes, chosen nested (``pilot_choice``).
PILOT_RULES = ("eligible", "all")


def rule_score(pilots: list[Stored], rule: str, seed: int) -> float:
    """Mean over studies of the 90% interval score of ``pilots`` mixed under ``rule``.

    Each study's pilot is scored with the weights and tau learned from the other pilots in
    ``pilots`` (leave one more study out), so the rule is judged on forecasts it never saw.
    """
    kept = [restrict(p, rule) for p in pilots]
    points = points_frame(kept)
    frames = []
    for t in sorted({p.unit.study for p in kept}):
        choice = choose(points, t)
        frames += [
            score_unit(p, choice, seed + i, "mixture")
            for i, p in enumerate(kept)
            if p.unit.study == t
        ]
    return float(per_study(pd.concat(frames, ignore_index=True))["interval_score_90"].mean())


def pilot_choice(pilots: list[Stored], left_out: str | None, seed: int) -> dict:
    """The pilots' form rule, weights and tau, each learned without ``left_out``.

    ``pilots`` are fitted with every form of their group; the rule (``PILOT_RULES``) with the
    lower mean interval score over the other studies' pilots wins (ties: fewer forms), then the
    weights and tau are learned on those pilots under it.
    """
    others = [p for p in pilots if p.unit.study != left_out]
    scores = {rule: rule_score(others, rule, seed) for rule in PILOT_RULES}
    rule = min(PILOT_RULES, key=lambda r: scores[r])
    choice = choose(points_frame([restrict(p, rule) for p in others]), left_out)
    choice["forms"] = rule
    choice["forms_interval_score"] = {k: round(v, 6) for k, v in scores.items()}
    return choice


def exponent_prior(estimates: pd.DataFrame, left_out: frozenset) -> dict:
    """The hierarchical exponent prior from the full fits of every study not in ``left_out``."""
    return learn_exponent_prior(estimates[~estimates["study"].isin(left_out)])


def nested_pilots(units: list[Unit], stored: list[Stored], args) -> tuple:
    """Pilot fits with exponent priors that never saw the study they are used for.

    Returns ``(scored, for_choice, priors, prior_all)``: ``scored[i]`` is unit i's pilot
    fitted with the prior learned without its study; ``for_choice[S]`` lists the pilots of
    every other study T, each fitted with the prior learned without both S and T (the pilot
    choices for S then never see S, even through another study's prior); ``priors[S]`` is
    the prior learned without S and ``prior_all`` the one learned from every study.
    """
    estimates = pd.DataFrame([e for st in stored for e in st.estimates])
    studies = sorted({u.study for u in units})
    cache: dict = {}

    def prior(left_out: frozenset) -> dict:
        if left_out not in cache:
            cache[left_out] = exponent_prior(estimates, left_out)
        return cache[left_out]

    def pilot(i: int, left_out: frozenset) -> Stored:
        unit = pilot_of(units[i])
        return fit_unit(unit, args.draws, args.seed + i, False, prior(left_out), all_forms=True)

    scored = [pilot(i, frozenset({u.study})) for i, u in enumerate(units)]
    for_choice = {
        s: [pilot(i, frozenset({s, u.study})) for i, u in enumerate(units) if u.study != s]
        for s in studies
    }
    return scored, for_choice, {s: prior(frozenset({s})) for s in studies}, prior(frozenset())


def make_choices(
    points: pd.DataFrame,
    pilots: list[Stored],
    args,
    pilots_for: dict[str, list[Stored]],
    priors: tuple[dict, dict],
) -> dict:
    """The nested choices; ``pilots_for[S]``: the other studies' pilots fitted without S.

    ``points``: held-out predictions of every split's full fit. The full choices are learned on
    all of them, also the splits of ``PILOT_MAX_RUNS`` runs or fewer that are scored with the
    pilot choices (``pilot_sized_studies``): tau measures how far laws miss per e-fold of
    extrapolation, and those studies hold the longest extrapolations.
    """
    studies = sorted(set(points["study"]))
    per_study_prior, all_prior = priors
    return {
        "procedure": (
            "nested leave-one-study-out: for each study, mixture weights per group of forms and "
            "the grid posterior of tau (half-normal prior, scale 0.02; Dirichlet(2) on weights) "
            "are learned from the stored predictive draws of the other studies; 'all' uses every "
            "study and is the package preset; 'pilot_*' repeat it on the 5-run pilots, whose "
            "forms are fitted with a hierarchical prior on their exponents learned from the full "
            "fits of the other studies ('exponent_prior_*'; for the pilot choices of S, each "
            "other study T's pilot uses the prior learned without S and T); the pilots mix "
            "either every form of their group or only the forms with at least their "
            "coordinates + 2 runs ('forms'), whichever gave the lower mean 90% interval score "
            "when each other study's pilot was forecast with weights and tau learned without it; "
            "as in the package, splits of PILOT_MAX_RUNS training runs or fewer are forecast "
            "with the pilot choices (their full fits still inform the full choices)"
        ),
        "draws_per_form": args.draws,
        "seed": args.seed,
        "groups": {k: list(v) for k, v in GROUPS.items()},
        "per_study": {s: choose(points, s) for s in studies},
        # studies whose every split has PILOT_MAX_RUNS runs or fewer: scored as the package
        # forecasts them, with the pilot choices
        "pilot_sized_studies": sorted(
            set(studies) - set(points.loc[~points["pilot_sized"], "study"])
        ),
        "all": choose(points, None),
        # the pilot preset: the same procedure on the 5-run pilots of the other studies
        "pilot_per_study": {s: pilot_choice(pilots_for[s], s, args.seed) for s in studies},
        "pilot_all": pilot_choice(pilots, None, args.seed),
        "exponent_prior_per_study": per_study_prior,
        "exponent_prior_all": all_prior,
    }


def file_hash(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# ---------------------------------------------------------------------------------- scoring
def interval_score(lower, upper, y, alpha):
    return (upper - lower) + 2 / alpha * (np.maximum(lower - y, 0.0) + np.maximum(y - upper, 0.0))


def score_unit(s: Stored, choice: dict | None, seed: int, method: str) -> pd.DataFrame:
    """Scores of one method at ``s``'s held-out runs (``choice``: the mixture's, else unused)."""
    y = s.unit.test["loss"].to_numpy(float)
    rng = np.random.default_rng(seed)
    if method in ("mixture", "forms only"):
        mixed, _ = mix_draws(s.draws, choice["weights"][s.unit.group], random_seed=rng)
        disc = Discrepancy(np.asarray(choice["tau_grid"]), np.asarray(choice["tau_prob"]))
        offset = disc.log_offsets(s.distance, n_draws=mixed.shape[0], random_seed=rng)
        # "forms only": a diagnostic, the same draws without the discrepancy
        draws = np.exp(mixed + offset) if method == "mixture" else np.exp(mixed)
    elif method == "single":
        draws = np.exp(s.draws[SINGLE[s.unit.group]])
    elif method == "today":
        draws = s.today
    else:
        raise ValueError(method)
    out = {"median": np.median(draws, axis=0)}
    for p in (50, 90):
        lo, hi = scoring.central_interval(draws, p / 100)
        out[f"covered_{p}"] = (lo <= y) & (y <= hi)
        out[f"width_{p}"] = (hi - lo) / y
        if p == 90:
            out["interval_score_90"] = interval_score(lo, hi, y, 0.1) / y
    out["are"] = np.abs(out["median"] / y - 1)
    out["crps"] = scoring.crps_from_draws(draws, y) / y
    frame = pd.DataFrame(out)
    frame["study"], frame["unit"], frame["group"] = s.unit.study, s.unit.name, s.unit.group
    frame["method"] = method
    frame["w"] = s.unit.weight / len(y)
    frame["distance"] = s.distance
    axis = s.unit.axes[0]
    frame["extrapolation"] = (
        s.unit.test[axis].to_numpy(float) / s.unit.train[axis].to_numpy(float).max()
    )
    if s.unit.group == "two_axis":
        frame["tokens_per_param"] = (s.unit.test["tokens"] / s.unit.test["params"]).to_numpy()
    else:
        frame["tokens_per_param"] = np.nan
    if s.huber is not None:
        frame["are_huber"] = np.abs(s.huber / y - 1)
    frame["observed"] = y
    return frame


def wmedian(values, weights) -> float:
    v, w = np.asarray(values, float), np.asarray(weights, float)
    order = np.argsort(v)
    cum = np.cumsum(w[order]) / w.sum()
    return float(v[order][np.searchsorted(cum, 0.5)])


def per_study(runs: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for (method, study), g in runs.groupby(["method", "study"], sort=False):
        w = g["w"] / g["w"].sum()
        row = {"method": method, "study": study, "runs": len(g)}
        for c in ("covered_50", "covered_90", "interval_score_90", "crps"):
            row[c.replace("covered_", "cov")] = float(np.sum(w * g[c].astype(float)))
        row["width90"] = wmedian(g["width_90"], w)
        row["are"] = wmedian(g["are"], w)
        if "are_huber" in g and g["are_huber"].notna().all():
            row["are_huber"] = wmedian(g["are_huber"], w)
        rows.append(row)
    return pd.DataFrame(rows)


def pooled(runs: pd.DataFrame, studies: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for method, g in runs.groupby("method", sort=False):
        s = studies[studies["method"] == method]
        # each study weighs 1: a run's weight is its share of its study
        w = g["w"] / g.groupby("study")["w"].transform("sum")
        row = {"method": method, "studies": len(s)}
        for c in ("cov50", "cov90", "interval_score_90", "crps"):
            row[c] = float(s[c].mean())
        row["min_study_cov90"] = float(s["cov90"].min())
        row["width90"] = wmedian(g["width_90"], w)
        row["are"] = wmedian(g["are"], w)
        if "are_huber" in g and g["are_huber"].notna().all():
            row["are_huber"] = wmedian(g["are_huber"], w)
        rows.append(row)
    return pd.DataFrame(rows)


def breakdown(runs: pd.DataFrame) -> pd.DataFrame:
    """Coverage by extrapolation ratio and by tokens per parameter (runs weighted by study)."""
    runs = runs.copy()
    runs["wn"] = runs["w"] / runs.groupby(["method", "study"])["w"].transform("sum")
    runs["ratio_bin"] = pd.cut(
        runs["extrapolation"], [0, 1, 2, 4, 10, 100, np.inf], right=False
    ).astype(str)
    runs["tpp_bin"] = pd.cut(runs["tokens_per_param"], [0, 2, 8, 30, 100, np.inf]).astype(str)
    rows = []
    for by in ("ratio_bin", "tpp_bin"):
        sub = runs[runs[by] != "nan"]
        for (method, b), g in sub.groupby(["method", by], sort=True):
            rows.append(
                {
                    "by": "extrapolation ratio" if by == "ratio_bin" else "tokens per parameter",
                    "bin": b,
                    "method": method,
                    "runs": len(g),
                    "studies": g["study"].nunique(),
                    "cov50": float(np.average(g["covered_50"], weights=g["wn"])),
                    "cov90": float(np.average(g["covered_90"], weights=g["wn"])),
                }
            )
    return pd.DataFrame(rows)


# ---------------------------------------------------------------------------------- simulated
@dataclass
class SimulatedSet:
    """One simulated law's runs and held-out scales, with every form the preset mixes fitted."""

    kind: str  # "power" or "chinchilla"
    group: str
    axes: tuple[str, ...]
    x: str | None
    runs: pd.DataFrame
    target: pd.DataFrame
    truth: np.ndarray
    scales: dict
    at: dict
    pilot: bool
    preset: dict
    draws: dict  # form -> (n_draws, k) log predictive draws
    rng: np.random.Generator  # the stream the forms' draws came from, for what follows


def simulated_set(i: int, rng: np.random.Generator, choices: dict, n_draws: int) -> SimulatedSet:
    """bench_calibration.py's i-th simulated law, fitted as FormMixture would fit it."""
    import bench_calibration as cal

    kind = "power" if i % 2 == 0 else "chinchilla"
    law = cal.draw_law(rng, kind)
    noise = rng.uniform(0.005, 0.03)
    design = cal.draw_design(rng, kind)
    runs = sb.simulate_runs(design, law=law, noise=noise, random_seed=int(rng.integers(1e9)))
    target = cal.targets(design, kind)
    new = sb.simulate_runs(target, law=law, noise=noise, random_seed=int(rng.integers(1e9)))
    group = "one_axis" if kind == "power" else "two_axis"
    axes = ("params",) if kind == "power" else ("params", "tokens")
    x = "params" if kind == "power" else None
    scales = {a: runs[a].to_numpy(float) for a in axes}
    at = {a: target[a].to_numpy(float) for a in axes}
    fr = np.random.default_rng(i)
    # as FormMixture does: the pilot preset for PILOT_MAX_RUNS runs or fewer
    pilot = len(runs) <= PILOT_MAX_RUNS
    preset = choices["pilot_all" if pilot else "all"]
    priors = choices["exponent_prior_all"] if pilot else {}
    draws = {
        f: fit_form(
            f, scales, runs["loss"].to_numpy(float), x=x, prior=priors.get(f)
        ).predictive_log(at, n_draws, fr)[1]
        for f in GROUPS[group]
        if (pilot and preset["forms"] == "all") or eligible(f, len(runs))
    }
    truth = new["loss"].to_numpy()
    return SimulatedSet(
        kind, group, axes, x, runs, target, truth, scales, at, pilot, preset, draws, fr
    )


def simulated(n_sets: int, seed: int, choices: dict, n_draws: int, today: int) -> pd.DataFrame:
    """bench_calibration.py's simulated laws, forecast by the mixture with the preset.

    ``today`` > 0 also fits today's default (NUTS, 2 chains of ``today`` draws) for the width
    comparison the issue asks for.
    """
    rng = np.random.default_rng(seed)
    records = []
    for i in range(n_sets):
        sim = simulated_set(i, rng, choices, n_draws)
        kind, group, axes, x = sim.kind, sim.group, sim.axes, sim.x
        scales, at, draws, fr, preset = sim.scales, sim.at, sim.draws, sim.rng, sim.preset
        runs, target = sim.runs, sim.target
        disc = Discrepancy(np.asarray(preset["tau_grid"]), np.asarray(preset["tau_prob"]))
        mixed, _ = mix_draws(draws, preset["weights"][group], random_seed=fr)
        offset = disc.log_offsets(
            extrapolation_distance(scales, at), n_draws=n_draws, random_seed=fr
        )
        methods = [
            ("mixture", np.exp(mixed + offset)),
            # diagnostic: the same mixture without the discrepancy (what the forms alone add)
            ("forms only", np.exp(mixed)),
            ("single", np.exp(draws[SINGLE[group]])),
        ]
        if today:
            unit = Unit("simulated", str(i), group, x, runs[[*axes, "loss"]], target)
            with warnings.catch_warnings():
                methods.append(("today", fit_today(unit, i, today)))
        for method, d in methods:
            q = np.quantile(d, [0.05, 0.25, 0.75, 0.95], axis=0)
            truth = sim.truth
            for j, factor in enumerate(target["factor"]):
                records.append(
                    {
                        "dataset": i,
                        "law": kind,
                        "factor": factor,
                        "method": method,
                        "in90": q[0, j] <= truth[j] <= q[3, j],
                        "in50": q[1, j] <= truth[j] <= q[2, j],
                        "width90": (q[3, j] - q[0, j]) / truth[j],
                    }
                )
    return pd.DataFrame(records)


# ---------------------------------------------------------------------------------- figures
def coverage_figure(studies: pd.DataFrame, pilot: pd.DataFrame, out: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    mix = studies[studies["method"] == "mixture"].set_index("study")
    ref = "today" if (studies["method"] == "today").any() else "single"
    single = studies[studies["method"] == ref].set_index("study")
    pil = pilot[pilot["method"] == "mixture"].set_index("study")
    order = mix.index.tolist()
    fig, ax = plt.subplots(figsize=(9, 5.2))
    xs = np.arange(len(order))
    label = "today's single form (NUTS)" if ref == "today" else "single form (Laplace)"
    ax.bar(xs - 0.27, single.loc[order, "cov90"], 0.27, label=label)
    ax.bar(xs, mix.loc[order, "cov90"], 0.27, label="mixture + discrepancy (nested LOSO)")
    ax.bar(xs + 0.27, pil.loc[order, "cov90"], 0.27, label="mixture, 5-run pilot")
    ax.axhspan(0.85, 0.95, color="green", alpha=0.12, label="target band 85-95%")
    ax.axhline(0.6, color="red", lw=0.8, ls="--", label="no study below 60%")
    ax.set_xticks(xs, order, rotation=60, ha="right", fontsize=8)
    ax.set_ylabel("90% interval coverage")
    ax.set_ylim(0, 1.02)
    ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, 1.16), ncol=3)
    fig.tight_layout()
    fig.savefig(out / "evidence_coverage.png", dpi=120)
    plt.close(fig)


# ---------------------------------------------------------------------------------- preset
PRESET_BEGIN = "# BEGIN GENERATED PRESET (benchmarks/bench_evidence.py --write-preset)"
PRESET_END = "# END GENERATED PRESET"


def write_preset(choices: dict, digest: str) -> None:
    """Copy the 'all studies' choices into the package (it never reads this folder)."""
    path = HERE.parent / "scaling_bayes" / "core" / "mixture.py"
    text = path.read_text()

    def fmt_list(values, spec, pad):
        items = [format(float(v), spec) for v in values]
        lines = [", ".join(items[i : i + 8]) + "," for i in range(0, len(items), 8)]
        return [pad + "    " + line for line in lines]

    def entry(c, pad):
        grid, prob = np.asarray(c["tau_grid"]), np.asarray(c["tau_prob"])
        keep = prob > 1e-6
        grid, prob = grid[keep], prob[keep] / prob[keep].sum()
        out = [pad + '"weights": {']
        for group in ("two_axis", "one_axis"):
            out.append(pad + f'    "{group}": {{')
            out += [pad + f'        "{k}": {v:.4f},' for k, v in c["weights"][group].items()]
            out.append(pad + "    },")
        out.append(pad + "},")
        out += [pad + '"tau_grid": [', *fmt_list(grid, ".3f", pad), pad + "],"]
        out += [pad + '"tau_prob": [', *fmt_list(prob, ".4g", pad), pad + "],"]
        return out

    block = "\n".join(
        [
            PRESET_BEGIN,
            "# fmt: off",
            "#: Mixture weights and discrepancy posterior learned across the public studies of",
            "#: the evidence benchmark (benchmarks/bench_evidence.py --choose --write-preset:",
            "#: the nested leave-one-study-out procedure applied to all studies; choices file",
            f"#: SHA-256 {digest[:16]}...). Grid values of tau with probability < 1e-6 dropped.",
            "#: ``pilot``: the same procedure on 5-run pilots of every study, used for fits of",
            "#: PILOT_MAX_RUNS runs or fewer, with ``forms``: which forms pilots mix ('all' of",
            "#: the group, or the 'eligible' ones; chosen nested like the weights), and",
            "#: ``exponent_prior``: the hierarchical prior on each form's exponents learned",
            "#: from the full fits of every study (learn_exponent_prior), which pilots are",
            "#: fitted with.",
            "MIXTURE_PRESET: dict = {",
            *entry(choices["all"], "    "),
            '    "pilot": {',
            f'        "forms": "{choices["pilot_all"]["forms"]}",',
            *entry(choices["pilot_all"], "        "),
            '        "exponent_prior": {',
            *[
                f'            "{form}": {{'
                + ", ".join(f'"{c}": [{m:.4f}, {v:.4f}]' for c, (m, v) in coords.items())
                + "},"
                for form, coords in choices["exponent_prior_all"].items()
            ],
            "        },",
            "    },",
            f'    "source": "evidence benchmark, 15 studies, choices {digest[:16]}",',
            "}",
            "# fmt: on",
            PRESET_END,
        ]
    )
    pattern = re.compile(re.escape(PRESET_BEGIN) + ".*?" + re.escape(PRESET_END), re.S)
    path.write_text(pattern.sub(lambda _: block, text))


# ---------------------------------------------------------------------------------- main
def machine() -> str:
    import numpy

    return (
        f"{platform.machine()}, Python {platform.python_version()}, numpy {numpy.__version__}, "
        f"scaling_bayes {sb.__version__}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--draws", type=int, default=2000, help="predictive draws per form")
    parser.add_argument("--choose", action="store_true", help="rewrite the choices file first")
    parser.add_argument("--write-preset", action="store_true")
    parser.add_argument("--simulated", type=int, default=120, help="simulated datasets (0: skip)")
    parser.add_argument("--out", type=Path, default=HERE / "figures")
    parser.add_argument(
        "--today-draws",
        type=int,
        default=500,
        help="draws per chain (2 chains) of today's NUTS fit; 0 skips it",
    )
    args = parser.parse_args()
    t0 = time.perf_counter()
    units = all_units()
    print(f"{len(units)} fitted curves/splits in {len({u.study for u in units})} studies")
    stored = [fit_unit(u, args.draws, args.seed + i, True) for i, u in enumerate(units)]
    t_fit = time.perf_counter() - t0
    if args.today_draws:
        t1 = time.perf_counter()
        for i, st in enumerate(stored):
            with warnings.catch_warnings():
                st.today = fit_today(st.unit, args.seed + i, args.today_draws)
        print(f"today's NUTS fits ({len(stored)}) in {time.perf_counter() - t1:.0f} s")
    print(f"fitted every form of every unit and pilot in {t_fit:.0f} s")
    points = points_frame(stored)

    if args.choose or not CHOICES.exists():
        t1 = time.perf_counter()
        pilots, for_choice, per_prior, all_prior = nested_pilots(units, stored, args)
        choices = make_choices(points, pilots, args, for_choice, (per_prior, all_prior))
        CHOICES.write_text(json.dumps(choices, indent=1) + "\n")
        print(f"wrote {CHOICES.name} (nested pilot fits {time.perf_counter() - t1:.0f} s)")
    digest = file_hash(CHOICES)
    print(f"choices file {CHOICES.name} SHA-256 {digest}")
    choices = json.loads(CHOICES.read_text())
    # the scored pilots: each fitted with the exponent prior the choices file holds for it
    pilots = [
        fit_as_pilot(pilot_of(u), choices, args.draws, args.seed + i, False)
        for i, u in enumerate(units)
    ]
    # splits of PILOT_MAX_RUNS runs or fewer, as the package forecasts them: the pilot preset
    as_package = {
        i: fit_as_pilot(u, choices, args.draws, args.seed + i, True)
        for i, u in enumerate(units)
        if pilot_sized(u)
    }
    if args.write_preset:
        write_preset(choices, digest)
        print("wrote the preset into scaling_bayes/core/mixture.py")

    def score(items, key, small=None):
        """Score every method; ``small[i]``: item i's mixture as the package fits it."""
        frames = []
        for i, s in enumerate(items):
            for method in ("mixture", "forms only", "single", "today"):
                if method == "today" and s.today is None:
                    continue
                item, k = s, key
                if method in ("mixture", "forms only") and small is not None and i in small:
                    item, k = small[i], "pilot_per_study"
                choice = choices[k].get(s.unit.study)
                frames.append(score_unit(item, choice, args.seed + 1000 + i, method))
        return pd.concat(frames, ignore_index=True)

    runs = score(stored, "per_study", as_package)
    pilot_runs = score(pilots, "pilot_per_study")
    studies, pilot_studies = per_study(runs), per_study(pilot_runs)
    pool, pilot_pool = pooled(runs, studies), pooled(pilot_runs, pilot_studies)
    br = breakdown(runs)
    args.out.mkdir(parents=True, exist_ok=True)
    runs.to_csv(args.out / "evidence_runs.csv", index=False)
    studies.to_csv(args.out / "evidence_studies.csv", index=False)
    pilot_studies.to_csv(args.out / "evidence_pilot_studies.csv", index=False)
    br.to_csv(args.out / "evidence_breakdown.csv", index=False)
    coverage_figure(studies, pilot_studies, args.out)

    print("\n## Per study (full training sets)\n")
    print(markdown(studies, ".3f"))
    print("\n## Pooled, each study once\n")
    print(markdown(pool, ".3f"))
    print("\n## 5-run pilots: per study\n")
    print(markdown(pilot_studies, ".3f"))
    print("\n## 5-run pilots: pooled\n")
    print(markdown(pilot_pool, ".3f"))
    print("\n## Coverage by extrapolation ratio and tokens per parameter\n")
    print(markdown(br, ".3f"))
    print("\n## Choices per left-out study (weights, tau posterior mean)\n")
    rows = []
    for s, c in choices["per_study"].items():
        row = {"left out": s, "tau_mean": c["tau_mean"]}
        for g in GROUPS:
            row.update({f"{g}:{k}": v for k, v in c["weights"][g].items()})
        rows.append(row)
    print(markdown(pd.DataFrame(rows), ".3f"))
    print("\n## Pilot choices per left-out study (tau posterior mean, forms rule)\n")
    print(
        ", ".join(
            f"{k}: {v['tau_mean']:.4f} ({v['forms']} forms)"
            for k, v in choices["pilot_per_study"].items()
        )
    )
    print(
        f"pilot forms rule, all studies: {choices['pilot_all']['forms']} "
        f"(mean interval score {choices['pilot_all']['forms_interval_score']})"
    )
    mix = pool.set_index("method").loc["mixture"]
    checks = {
        "pooled 90% in 85-95%": TARGETS["cov90"][0] <= mix["cov90"] <= TARGETS["cov90"][1],
        "pooled 50% in 40-60%": TARGETS["cov50"][0] <= mix["cov50"] <= TARGETS["cov50"][1],
        "no study below 60% at 90%": mix["min_study_cov90"] >= TARGETS["min_study_cov90"],
        "median 90% width <= 4%": mix["width90"] <= TARGETS["width90"],
        "median ARE <= Huber's": mix["are"] <= mix["are_huber"],
    }
    pm = pilot_pool.set_index("method").loc["mixture"]
    checks["pilot pooled 90% in 85-95%"] = TARGETS["cov90"][0] <= pm["cov90"] <= TARGETS["cov90"][1]
    print("\n## Targets\n")
    for k, v in checks.items():
        print(f"- {k}: {'met' if v else 'MISSED'}")
    if args.simulated:
        sim = simulated(args.simulated, args.seed, choices, args.draws, args.today_draws)
        sim.to_csv(args.out / "evidence_simulated.csv", index=False)

        def coverage(by):
            return (
                sim.groupby(by)
                .agg(
                    n=("in90", "size"),
                    cov50=("in50", "mean"),
                    cov90=("in90", "mean"),
                    width90=("width90", "median"),
                )
                .reset_index()
            )

        table = coverage(["method", "law"])
        allrows = coverage("method").assign(law="all")
        print("\n## Simulated laws (bench_calibration design), mixture with the preset\n")
        print(markdown(pd.concat([allrows, table], ignore_index=True), ".3f"))
        w = sim.pivot_table(index=["dataset", "factor"], columns="method", values="width90")
        for num, ref in (("mixture", "single"), ("mixture", "today"), ("forms only", "today")):
            if ref in w:
                ratio = np.median(w[num] / w[ref])
                print(f"\nmedian width ratio {num} / {ref}: {ratio:.2f}")
    print(f"\nmachine: {machine()}; total {time.perf_counter() - t0:.0f} s (fits {t_fit:.0f} s)")


if __name__ == "__main__":
    main()
