"""Exploration: does updating the discrepancy scale with the study's own runs help?

The package carries tau (the law's relative error per e-fold of extrapolation) as the grid
posterior learned on *other* studies, so every extrapolation widens whether or not this study's
law is wrong: clean simulated laws over-cover (98.8% at 90%). Here each study's tau posterior is
updated by an internal backtest on its own training runs, which never sees its held-out runs:

1. hold out the training runs in the top e-fold of the main scale (compute for N, D studies,
   else the one axis), keeping at least ``MIN_INNER`` runs to fit and ``MIN_HELD`` to score;
2. fit the forms the package would fit (eligible ones, weak priors) to the rest, mix them with
   the study's committed weights, and summarise each held-out run's predictive log loss as
   normal (mean, sd), as ``tau_posterior`` does;
3. multiply the corpus posterior of tau (the study's nested choice, or the all-studies preset
   for simulated laws) by the internal likelihood, the held-out runs averaged so the study
   counts once, like each study in the corpus.

Fits of ``PILOT_MAX_RUNS`` runs or fewer (pilots and pilot-sized studies) keep the corpus
posterior: their runs are too few to hold any out. Scored like ``bench_evidence.py`` (nested
choices from ``evidence_choices.json``) and on its 120 simulated laws. Results:
benchmarks/EVIDENCE_RESULTS.md ("An in-study update of tau").

Usage (from the project root, ~3 min)::

    .venv/bin/python benchmarks/explore_in_study_tau.py
"""

import json
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_evidence as be

from scaling_bayes.core.discrepancy import Discrepancy, extrapolation_distance
from scaling_bayes.core.mixture import PILOT_MAX_RUNS, eligible, fit_form, mix_draws

#: Runs kept to fit the forms, and held-out runs needed, for an internal backtest.
MIN_INNER, MIN_HELD = 6, 2
#: Draws per form of the internal backtest's predictive.
N_DRAWS = 1000


def main_scale(scales: dict) -> np.ndarray:
    """The scale the internal split is made on: compute (N x D) for two axes, else the axis."""
    if "params" in scales and "tokens" in scales:
        return np.asarray(scales["params"], float) * np.asarray(scales["tokens"], float)
    return np.asarray(next(iter(scales.values())), float)


def internal_split(scales: dict) -> np.ndarray | None:
    """Mask of the training runs held out (top e-fold of the main scale), or None."""
    size = np.log(main_scale(scales))
    held = size > size.max() - 1.0
    if held.sum() < MIN_HELD or (~held).sum() < MIN_INNER:
        return None
    return held


def internal_loglik(
    scales, loss, x, weights, group, grid, seed, reduce: str = "mean"
) -> tuple[np.ndarray, int]:
    """Log likelihood of the held-out training runs for each tau on ``grid``: their average
    (``reduce="mean"``: the study counts once, as in the corpus) or their sum (``"sum"``: each
    run counts once, an upper bound on what the study's own runs can say)."""
    held = internal_split(scales)
    if held is None or loss.size <= PILOT_MAX_RUNS:
        return np.zeros(grid.size), 0
    inner = {a: v[~held] for a, v in scales.items()}
    outer = {a: v[held] for a, v in scales.items()}
    rng = np.random.default_rng(seed)
    draws = {
        f: fit_form(f, inner, loss[~held], x=x).predictive_log(outer, N_DRAWS, rng)[1]
        for f in be.GROUPS[group]
        if eligible(f, int((~held).sum()))
    }
    w = {f: weights.get(f, 0.0) for f in draws}
    if sum(w.values()) <= 0:
        return np.zeros(grid.size), 0
    mixed, _ = mix_draws(draws, w, random_seed=rng)
    mu, sd = mixed.mean(0), mixed.std(0)
    d = extrapolation_distance(inner, outer)
    y = np.log(loss[held])
    var = sd[None, :] ** 2 + (grid[:, None] * d[None, :]) ** 2
    ll = -0.5 * (np.log(2 * np.pi * var) + (y - mu)[None, :] ** 2 / var)
    return (ll.sum(axis=1) if reduce == "sum" else ll.mean(axis=1)), int(held.sum())


def updated(choice: dict, loglik: np.ndarray) -> Discrepancy:
    """The corpus posterior of tau times the study's internal likelihood."""
    grid = np.asarray(choice["tau_grid"], float)
    logp = np.log(np.asarray(choice["tau_prob"], float)) + loglik
    p = np.exp(logp - logp.max())
    return Discrepancy(grid, p / p.sum())


def score(s: be.Stored, choice: dict, disc: Discrepancy, seed: int, method: str) -> pd.DataFrame:
    """``s`` scored as ``bench_evidence.score_unit`` scores the mixture, with tau from ``disc``."""
    rng = np.random.default_rng(seed)
    mixed, _ = mix_draws(s.draws, choice["weights"][s.unit.group], random_seed=rng)
    offset = disc.log_offsets(s.distance, n_draws=mixed.shape[0], random_seed=rng)
    stored = be.Stored(s.unit, s.draws, s.distance, s.huber, 0.0, today=np.exp(mixed + offset))
    out = be.score_unit(stored, None, seed, "today")
    out["method"] = method
    return out


def unit_scales(u: be.Unit) -> tuple[dict, np.ndarray]:
    return {a: u.train[a].to_numpy(float) for a in u.axes}, u.train["loss"].to_numpy(float)


def real_studies(ch: dict) -> None:
    units = be.all_units()
    rows, taus = [], []
    for i, u in enumerate(units):
        if be.pilot_sized(u):  # scored with the pilot preset, which keeps its corpus posterior
            s, choice = be.fit_as_pilot(u, ch, 2000, i, True), ch["pilot_per_study"][u.study]
        else:
            s, choice = be.fit_unit(u, 2000, i, True), ch["per_study"][u.study]
        corpus = Discrepancy(np.asarray(choice["tau_grid"]), np.asarray(choice["tau_prob"]))
        scales, loss = unit_scales(u)
        args = (scales, loss, u.x, choice["weights"][u.group], u.group, corpus.tau_grid, i)
        ll, n_held = internal_loglik(*args)
        ll_sum, _ = internal_loglik(*args, reduce="sum")
        post, post_sum = updated(choice, ll), updated(choice, ll_sum)
        taus.append(
            dict(
                study=u.study,
                unit=u.name,
                held=n_held,
                corpus=corpus.mean_tau,
                updated=post.mean_tau,
                updated_sum=post_sum.mean_tau,
            )
        )
        rows.append(score(s, choice, corpus, 1000 + i, "corpus tau"))
        rows.append(score(s, choice, post, 1000 + i, "updated tau"))
        rows.append(score(s, choice, post_sum, 1000 + i, "updated tau, runs summed"))
    runs = pd.concat(rows, ignore_index=True)
    studies = be.per_study(runs)
    print(be.markdown(be.pooled(runs, studies), ".3f"))
    wide = studies.pivot_table(index="study", columns="method", values=["cov90", "width90"])
    wide.columns = [f"{value} ({method})" for value, method in wide.columns]
    print(be.markdown(wide.reset_index(), ".3f"))
    t = pd.DataFrame(taus).groupby("study")[["held", "corpus", "updated", "updated_sum"]].mean()
    print(be.markdown(t.reset_index(), ".4f"))


def simulated(ch: dict, n_sets: int = 120) -> None:
    rng = np.random.default_rng(0)
    rec, taus = [], []
    for i in range(n_sets):
        sim = be.simulated_set(i, rng, ch, 2000)
        mixed, _ = mix_draws(sim.draws, sim.preset["weights"][sim.group], random_seed=sim.rng)
        loss = sim.runs["loss"].to_numpy(float)
        grid = np.asarray(sim.preset["tau_grid"], float)
        args = (sim.scales, loss, sim.x, sim.preset["weights"][sim.group], sim.group, grid, i)
        ll, n_held = internal_loglik(*args)
        ll_sum, _ = internal_loglik(*args, reduce="sum")
        corpus = Discrepancy(grid, np.asarray(sim.preset["tau_prob"]))
        post, post_sum = updated(sim.preset, ll), updated(sim.preset, ll_sum)
        taus.append(
            dict(
                law=sim.kind,
                held=n_held,
                corpus=corpus.mean_tau,
                updated=post.mean_tau,
                updated_sum=post_sum.mean_tau,
            )
        )
        d = extrapolation_distance(sim.scales, sim.at)
        methods = (
            ("corpus tau", corpus),
            ("updated tau", post),
            ("updated tau, runs summed", post_sum),
        )
        for method, disc in methods:
            offset = disc.log_offsets(d, n_draws=mixed.shape[0], random_seed=i)
            q = np.quantile(np.exp(mixed + offset), [0.05, 0.25, 0.75, 0.95], axis=0)
            for j, truth in enumerate(sim.truth):
                rec.append(
                    dict(
                        method=method,
                        law=sim.kind,
                        in50=q[1, j] <= truth <= q[2, j],
                        in90=q[0, j] <= truth <= q[3, j],
                        width90=(q[3, j] - q[0, j]) / truth,
                    )
                )
    frame = pd.DataFrame(rec)
    table = frame.groupby("method")[["in50", "in90", "width90"]].agg(
        {"in50": "mean", "in90": "mean", "width90": "median"}
    )
    print(be.markdown(table.reset_index(), ".3f"))
    t = pd.DataFrame(taus)
    print(
        f"sets with an internal backtest: {(t['held'] > 0).sum()} of {len(t)}; mean tau "
        f"{t['corpus'].mean():.4f} (corpus) -> {t['updated'].mean():.4f} (updated), "
        f"{t['updated_sum'].mean():.4f} (runs summed)"
    )


def main() -> None:
    start = time.perf_counter()
    ch = json.loads(be.CHOICES.read_text())
    print(f"choices file SHA-256 {be.file_hash(be.CHOICES)}")
    print("\n## Public studies (nested choices; pilot-sized studies keep the corpus tau)\n")
    real_studies(ch)
    print("\n## Simulated laws (bench_evidence.py's 120 sets, preset)\n")
    simulated(ch)
    print(f"\n{time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
