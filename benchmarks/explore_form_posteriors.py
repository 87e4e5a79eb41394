"""Exploration: would a better posterior for each form than its Laplace approximation help?

Each form of ``FormMixture`` is fitted by a Laplace approximation (``fit_form``). On clean
simulated laws the Laplace single form under-covers (about 80% at 90%) where NUTS holds (94%):
it misses the curved ridge of the irreducible loss. The evidence report named "NUTS (or a
better posterior approximation) for each form" as the next step. This script measures it:
each form's exact posterior (the package's Student-t(4) likelihood on log loss, the same
normal priors on the coordinates and inverse-gamma prior on the noise variance as
``fit_form``) is sampled by differential-evolution MCMC (ter Braak 2006; the forms are
written in NumPy, so NUTS would need each one rewritten in PyTensor), 32 chains started
around the Laplace mode, run in blocks of 6,000 steps until the split R-hat of the second
half is below 1.05 (at most 36,000 steps), the second half kept. The R-hat of every fit is
reported: the bending forms' posteriors on clean runs are prior-dominated ridges that mix
slowly.

Scored with the committed choices (``evidence_choices.json``, hash printed: weights and tau
learned from the Laplace draws, so the "mixture" rows are not a re-learned design) on:

- the evidence benchmark's 120 simulated laws (coverage, and width as the median ratio to
  today's NUTS fit of the same dataset, read from ``figures/evidence_simulated.csv``);
- the 15 public studies (full splits, pilot-sized studies as the package fits them) and the
  5-run pilot of each.

Usage (from the project root; ~42 min on 2 cores, ``--relearn`` ~34 min)::

    .venv/bin/python benchmarks/explore_form_posteriors.py
    .venv/bin/python benchmarks/explore_form_posteriors.py --relearn   # choices from exact draws

With ``--nuts`` (either mode) the exact posteriors come from the package's own sampler,
``fit_form(..., posterior="nuts")`` (``FormMixture(posterior="nuts")``), instead of DE-MC: the
same posterior, so the two runs check each other.

Results: benchmarks/EVIDENCE_RESULTS.md ("A better posterior per form").
"""

import json
import math
import sys
import time
from pathlib import Path

import arviz as az
import numpy as np
import pandas as pd
from scipy import special, stats

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_evidence as be

from scaling_bayes.core.discrepancy import Discrepancy, extrapolation_distance
from scaling_bayes.core.mixture import (
    _NOISE_PRIOR,
    _NU,
    FormFit,
    _prior_arrays,
    eligible,
    fit_form,
    mix_draws,
)

#: DE-MC chains per form; steps run in blocks until the split R-hat of the second half of
#: the chains is below RHAT_OK or MAX_STEPS is reached; every THIN-th step kept.
N_CHAINS, BLOCK, MAX_STEPS, THIN, RHAT_OK = 32, 6000, 36000, 5, 1.05
#: Predictive draws kept per form.
N_DRAWS = 2000
#: Spread of the chains' starting points around the mode, in Laplace standard deviations.
INFLATE = 1.5


def log_posterior(fit: FormFit, prior: dict | None, loss: np.ndarray, theta, log_sigma):
    """Unnormalised log posterior of coordinates ``theta`` (S, p) and ``log sigma`` (S,):
    Student-t(4) on log loss, normal priors on the coordinates, inverse-gamma on sigma^2
    (with its Jacobian to log sigma)."""
    mean0, sd0 = _prior_arrays(fit.spec, prior)
    log_mean = fit.log_mean(theta, fit.train)  # (S, n) log L at the training runs
    sigma = np.exp(log_sigma)[:, None]
    r = (np.log(loss)[None, :] - log_mean) / sigma
    with np.errstate(invalid="ignore"):
        ll = stats.t.logpdf(r, _NU) - np.log(sigma)
    ll = np.where(np.isfinite(ll), ll, -np.inf).sum(axis=1)
    lp = stats.norm.logpdf(theta, mean0, sd0).sum(axis=1)
    a0, b0 = _NOISE_PRIOR
    v = np.exp(2 * log_sigma)
    # sigma^2 ~ InvGamma(a0, b0); d(sigma^2)/d(log sigma) = 2 sigma^2
    lsig = a0 * math.log(b0) - special.gammaln(a0) - (a0 + 1) * np.log(v) - b0 / v
    return ll + lp + lsig + np.log(2 * v)


def sample(fit: FormFit, prior, loss, rng) -> tuple[np.ndarray, np.ndarray, float]:
    """Coordinates and noise sd drawn from the form's exact posterior by differential-evolution
    MCMC (ter Braak 2006; ``N_CHAINS`` chains started from the Laplace posterior, inflated, so
    curved ridges the Laplace approximation misses are explored); the split R-hat of the
    slowest coordinate over the chains' second halves."""
    p = fit.theta.size + 1
    start = np.column_stack(
        [
            fit.theta + INFLATE * (fit.draw_coords(rng, N_CHAINS) - fit.theta),
            np.log(fit.draw_sigma(rng, N_CHAINS)),
        ]
    )

    def logp(x):
        return log_posterior(fit, prior, loss, x[:, :-1], x[:, -1])

    x, lp = start, logp(start)
    gamma = 2.38 / math.sqrt(2 * p)
    jitter = 1e-4 * np.maximum(np.abs(start).std(axis=0), 1e-3)
    kept = []
    idx = np.arange(N_CHAINS)
    step = 0
    while True:
        a = rng.integers(0, N_CHAINS - 1, N_CHAINS)
        a = a + (a >= idx)
        b = rng.integers(0, N_CHAINS - 2, N_CHAINS)
        b = b + (b >= np.minimum(idx, a))
        b = b + (b >= np.maximum(idx, a))
        g = 1.0 if step % 10 == 9 else gamma  # every tenth step a jump between modes
        prop = x + g * (x[a] - x[b]) + jitter * rng.standard_normal(x.shape)
        lp_prop = logp(prop)
        accept = np.log(rng.uniform(size=N_CHAINS)) < lp_prop - lp
        x = np.where(accept[:, None], prop, x)
        lp = np.where(accept, lp_prop, lp)
        step += 1
        if step % THIN == 0:
            kept.append(x.copy())
        if step % BLOCK == 0:
            half = np.stack(kept[len(kept) // 2 :], axis=1)
            rhat = max(float(az.rhat(half[:, :, j])) for j in range(p))
            if rhat < RHAT_OK or step >= MAX_STEPS:
                break
    flat = half.reshape(-1, p)  # the second half of every chain
    pick = rng.choice(flat.shape[0], size=N_DRAWS, replace=False)
    return flat[pick, :-1], np.exp(flat[pick, -1]), rhat


def predictive(fit: FormFit, theta, sigma, at, rng) -> np.ndarray:
    """Log predictive draws of a new run at ``at`` from exact posterior draws."""
    mean = fit.log_mean(theta, at)
    return mean + sigma[:, None] * rng.standard_t(_NU, size=mean.shape)


#: Sampler of the exact posteriors: "DE-MC" (``sample`` above) or "NUTS" (the package's
#: ``fit_form(..., posterior="nuts")``; ``--nuts``).
EXACT = {"sampler": "DE-MC"}
#: Per-study scores of the ``--nuts`` run (full splits and 5-run pilots), which the package's
#: track record for ``FormMixture(posterior="nuts")`` restates.
NUTS_STUDIES = be.HERE / "figures" / "form_posteriors_nuts_studies.csv"


def sample_nuts(f, scales, loss, x, prior, seed) -> tuple[np.ndarray, np.ndarray, float]:
    """Coordinates and noise sd from the package's NUTS fit of form ``f`` (4 chains x 1000
    draws), ``N_DRAWS`` of them kept; the largest R-hat of its coordinates and noise."""
    fit = fit_form(f, scales, loss, x=x, prior=prior, posterior="nuts", random_seed=seed)
    pick = np.random.default_rng(seed).choice(fit.sigma_draws.size, N_DRAWS, replace=False)
    rhat = float(fit.diagnostics.table["r_hat"].max())
    return fit.posterior_draws[pick], fit.sigma_draws[pick], rhat


def fit_both(group, scales, loss, x, at, forms, priors, seed) -> tuple[dict, dict, dict]:
    """Laplace and exact log predictive draws of every form at ``at``; R-hat per form."""
    rng = np.random.default_rng(seed)
    laplace, exact, rhat = {}, {}, {}
    for j, f in enumerate(forms):
        prior = priors.get(f)
        fit = fit_form(f, scales, loss, x=x, prior=prior)
        laplace[f] = fit.predictive_log(at, N_DRAWS, rng)[1]
        if EXACT["sampler"] == "NUTS":
            theta, sigma, rhat[f] = sample_nuts(f, scales, loss, x, prior, 1000 * seed + j)
        else:
            theta, sigma, rhat[f] = sample(fit, prior, loss, rng)
        exact[f] = predictive(fit, theta, sigma, at, rng)
    return laplace, exact, rhat


def method_draws(draws: dict, choice: dict, group: str, distance, seed: int) -> dict:
    """Single form, forms only and mixture (committed weights and tau) from form draws."""
    rng = np.random.default_rng(seed)
    mixed, _ = mix_draws(draws, choice["weights"][group], random_seed=rng)
    disc = Discrepancy(np.asarray(choice["tau_grid"]), np.asarray(choice["tau_prob"]))
    offset = disc.log_offsets(distance, n_draws=mixed.shape[0], random_seed=rng)
    return {
        "single": np.exp(draws[be.SINGLE[group]]),
        "forms only": np.exp(mixed),
        "mixture": np.exp(mixed + offset),
    }


def coverage_records(values, truth, today_width, labels: dict) -> list[dict]:
    """Per forecast: ``labels``, whether the 50% and 90% central intervals of ``values``
    (draws, shape (n, k)) hold ``truth`` (k,), and the 90% width relative to the truth over
    today's relative width ``today_width`` (k,)."""
    q = np.quantile(values, [0.05, 0.25, 0.75, 0.95], axis=0)
    return [
        dict(
            labels,
            in50=bool(q[1, j] <= y <= q[2, j]),
            in90=bool(q[0, j] <= y <= q[3, j]),
            ratio=(q[3, j] - q[0, j]) / y / today_width[j],
        )
        for j, y in enumerate(truth)
    ]


def simulated(ch: dict, n_sets: int = 120) -> tuple[pd.DataFrame, list]:
    today = pd.read_csv(be.HERE / "figures" / "evidence_simulated.csv")
    today = today[today["method"] == "today"].set_index(["dataset", "factor"])["width90"]
    rng = np.random.default_rng(0)
    rec, rhats = [], []
    for i in range(n_sets):
        sim = be.simulated_set(i, rng, ch, 2000)  # the same datasets, preset and forms
        loss = sim.runs["loss"].to_numpy(float)
        priors = ch["exponent_prior_all"] if sim.pilot else {}
        laplace, exact, rhat = fit_both(
            sim.group, sim.scales, loss, sim.x, sim.at, list(sim.draws), priors, 10_000 + i
        )
        rhats += [dict(law=sim.kind, form=f, rhat=k, n=loss.size) for f, k in rhat.items()]
        d = extrapolation_distance(sim.scales, sim.at)
        factors = sim.target["factor"].to_numpy(float)
        today_width = today.loc[[(i, f) for f in factors]].to_numpy(float)
        for posterior, draws in (("Laplace", laplace), ("exact", exact)):
            for method, values in method_draws(draws, sim.preset, sim.group, d, i).items():
                labels = dict(posterior=posterior, method=method, law=sim.kind)
                rec += coverage_records(values, sim.truth, today_width, labels)
    frame = pd.DataFrame(rec)
    out = frame.groupby(["posterior", "method"], sort=False).agg(
        sim_cov50=("in50", "mean"), sim_cov90=("in90", "mean"), sim_width_ratio=("ratio", "median")
    )
    law = frame.pivot_table(index=["posterior", "method"], columns="law", values="in90")
    out["sim_cov90_power"], out["sim_cov90_chinchilla"] = law["power"], law["chinchilla"]
    return out.reset_index(), rhats


def real(ch: dict) -> tuple[pd.DataFrame, list]:
    units = be.all_units()
    frames, rhats = {"full": [], "pilot": []}, []
    for i, u in enumerate(units):
        for kind, unit in (("full", u), ("pilot", be.pilot_of(u))):
            as_pilot = kind == "pilot" or be.pilot_sized(u)
            if as_pilot:  # every form, the exponent prior learned without the study
                choice = ch["pilot_per_study"][u.study]
                priors = ch["exponent_prior_per_study"][u.study]
                forms = list(be.GROUPS[u.group])
                if choice["forms"] != "all":
                    forms = [f for f in forms if eligible(f, len(unit.train))]
            else:
                choice, priors = ch["per_study"][u.study], {}
                forms = [f for f in be.GROUPS[u.group] if eligible(f, len(unit.train))]
            scales = {a: unit.train[a].to_numpy(float) for a in unit.axes}
            at = {a: unit.test[a].to_numpy(float) for a in unit.axes}
            loss = unit.train["loss"].to_numpy(float)
            laplace, exact, rhat = fit_both(u.group, scales, loss, unit.x, at, forms, priors, i)
            rhats += [dict(study=u.study, kind=kind, form=f, rhat=k) for f, k in rhat.items()]
            distance = extrapolation_distance(scales, at)
            for posterior, draws in (("Laplace", laplace), ("exact", exact)):
                for method, values in method_draws(draws, choice, u.group, distance, i).items():
                    stored = be.Stored(unit, draws, distance, None, 0.0, today=values)
                    f = be.score_unit(stored, None, i, "today")
                    f["method"] = f"{posterior}: {method}"
                    frames[kind].append(f)
    rows = []
    full = pd.concat(frames["full"], ignore_index=True)
    pilot = pd.concat(frames["pilot"], ignore_index=True)
    studies, pilot_studies = be.per_study(full), be.per_study(pilot)
    pool = be.pooled(full, studies).set_index("method")
    pilot_pool = be.pooled(pilot, pilot_studies).set_index("method")
    if EXACT["sampler"] == "NUTS":  # the package's sampler: its per-study record, committed
        both = pd.concat([studies.assign(kind="full"), pilot_studies.assign(kind="pilot")])
        both.to_csv(NUTS_STUDIES, index=False, float_format="%.6g")
        mix = studies[studies["method"] == "exact: mixture"].set_index("study")
        print("\n## NUTS mixture per study (full splits)\n")
        print(be.markdown(mix[["runs", "cov50", "cov90", "width90", "are"]].reset_index(), ".3f"))
    for method, row in pool.iterrows():
        s = studies[studies["method"] == method]
        worst = s.loc[s["cov90"].idxmin(), "study"]
        posterior, name = method.split(": ")
        rows.append(
            dict(
                posterior=posterior,
                method=name,
                cov50=row["cov50"],
                cov90=row["cov90"],
                lowest=f"{row['min_study_cov90']:.0%} ({worst})",
                width90=row["width90"],
                are=row["are"],
                pilot_cov90=pilot_pool.loc[method, "cov90"],
            )
        )
    return pd.DataFrame(rows), rhats


def relearned(ch: dict) -> None:
    """The full-study choices (weights, tau) re-learned nested from exact draws, and scored.

    As ``bench_evidence.py --choose`` does from Laplace draws: every split's eligible forms
    fitted with the weak priors, each study's choice learned from the others' held-out runs.
    The pilot choices (pilot-sized studies, pilot-sized simulated designs) stay the committed
    ones: re-learning them refits every pilot once per left-out study.
    """
    units = be.all_units()
    stored, scored = [], []
    for i, u in enumerate(units):
        scales = {a: u.train[a].to_numpy(float) for a in u.axes}
        at = {a: u.test[a].to_numpy(float) for a in u.axes}
        loss = u.train["loss"].to_numpy(float)
        d = extrapolation_distance(scales, at)
        forms = [f for f in be.GROUPS[u.group] if eligible(f, loss.size)]
        exact = fit_both(u.group, scales, loss, u.x, at, forms, {}, i)[1]
        stored.append(be.Stored(u, exact, d, None, 0.0))
        if be.pilot_sized(u):  # scored as the package fits it: the committed pilot choice
            choice = ch["pilot_per_study"][u.study]
            priors = ch["exponent_prior_per_study"][u.study]
            pilot = fit_both(u.group, scales, loss, u.x, at, be.GROUPS[u.group], priors, i)[1]
            scored.append((u, pilot, d, choice))
    points = be.points_frame(stored)
    studies = sorted({u.study for u in units})
    nested = {s: be.choose(points, s) for s in studies}
    frames = []
    for u, st in zip(units, stored, strict=True):
        if not be.pilot_sized(u):
            scored.append((u, st.draws, st.distance, nested[u.study]))
    for i, (u, draws, d, choice) in enumerate(scored):
        for method, values in method_draws(draws, choice, u.group, d, i).items():
            if method == "single":
                continue
            f = be.score_unit(be.Stored(u, draws, d, None, 0.0, today=values), None, i, "today")
            f["method"] = f"exact, re-learned: {method}"
            frames.append(f)
    runs = pd.concat(frames, ignore_index=True)
    per = be.per_study(runs)
    print("\n## Re-learned from exact draws: tau posterior mean per left-out study\n")
    print(
        ", ".join(
            f"{s}: {nested[s]['tau_mean']:.4f} (committed {ch['per_study'][s]['tau_mean']:.4f})"
            for s in studies
        )
    )
    print("\n## Public studies, pooled\n")
    print(be.markdown(be.pooled(runs, per), ".3f"))
    print(be.markdown(per.pivot_table(index="study", columns="method", values="cov90"), ".3f"))
    preset = be.choose(points, None)
    print(f"\nall-studies preset: tau mean {preset['tau_mean']:.4f}, weights {preset['weights']}")
    today = pd.read_csv(be.HERE / "figures" / "evidence_simulated.csv")
    today = today[today["method"] == "today"].set_index(["dataset", "factor"])["width90"]
    rng = np.random.default_rng(0)
    rec = []
    for i in range(120):
        sim = be.simulated_set(i, rng, ch, 2000)
        loss = sim.runs["loss"].to_numpy(float)
        priors = ch["exponent_prior_all"] if sim.pilot else {}
        choice = sim.preset if sim.pilot else preset
        exact = fit_both(
            sim.group, sim.scales, loss, sim.x, sim.at, list(sim.draws), priors, 10_000 + i
        )[1]
        d = extrapolation_distance(sim.scales, sim.at)
        factors = sim.target["factor"].to_numpy(float)
        today_width = today.loc[[(i, f) for f in factors]].to_numpy(float)
        for method, values in method_draws(exact, choice, sim.group, d, i).items():
            labels = dict(method=method, law=sim.kind)
            rec += coverage_records(values, sim.truth, today_width, labels)
    frame = pd.DataFrame(rec)
    print("\n## Simulated laws (full designs: the re-learned preset)\n")
    table = frame.groupby(["method", "law"]).agg(
        cov50=("in50", "mean"), cov90=("in90", "mean"), width_ratio=("ratio", "median")
    )
    overall = frame.groupby("method").agg(
        cov50=("in50", "mean"), cov90=("in90", "mean"), width_ratio=("ratio", "median")
    )
    print(be.markdown(overall.reset_index(), ".3f"))
    print(be.markdown(table.reset_index(), ".3f"))


def main() -> None:
    start = time.perf_counter()
    ch = json.loads(be.CHOICES.read_text())
    print(f"choices file SHA-256 {be.file_hash(be.CHOICES)}")
    if "--nuts" in sys.argv[1:]:
        EXACT["sampler"] = "NUTS"
    print(f"exact posteriors sampled by {EXACT['sampler']}")
    if "--relearn" in sys.argv[1:]:
        relearned(ch)
        print(f"\n{time.perf_counter() - start:.0f} s")
        return
    table_real, k_real = real(ch)
    table_sim, k_sim = simulated(ch)
    table = table_real.merge(table_sim, on=["posterior", "method"])
    print()
    print(be.markdown(table, ".3f"))
    for name, k in (("public studies", k_real), ("simulated laws", k_sim)):
        k = pd.DataFrame(k)
        summary = k.groupby("form")["rhat"].agg(
            fits="size",
            median="median",
            above_1_01=lambda v: (v > 1.01).mean(),
            above_1_05=lambda v: (v > 1.05).mean(),
        )
        print(f"\nSplit R-hat of the {EXACT['sampler']} chains per form, {name}:")
        print(be.markdown(summary.reset_index(), ".3f"))
    print(f"\n{time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
