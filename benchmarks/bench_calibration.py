"""Calibration: do 50% and 90% predictive intervals cover what larger runs later show?

Run from the project root::

    .venv/bin/python benchmarks/bench_calibration.py [--datasets 120] [--seed 0]

Each dataset is simulated from a known law drawn at random: half one-axis power laws in model
size, half Chinchilla laws in size and tokens; exponents uniform on 0.1-0.6, run-to-run noise
(normal on log loss) uniform on 0.5-3%, 5 to 40 runs over a 30-100x range of model sizes (and
5-80 tokens per parameter for the Chinchilla law). We fit on those small scales and predict a new
run at 10x and 100x the largest training compute (the largest run scaled up in both N and D, or
in N for the power law). A truth is the loss of a new simulated run there (same law, same noise).

Reported: the share of truths inside the central 50% and 90% predictive intervals (target: within
5 points of nominal), with binomial standard errors; the same for the noise-free law against the
posterior of the mean law; and the median absolute relative error of our predictive median next
to a least-squares point fit (multi-start, on log loss) on the same data.
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import optimize

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import markdown

import scaling_bayes as sb


def draw_law(rng, kind: str) -> dict:
    alpha = rng.uniform(0.1, 0.6)
    beta = rng.uniform(0.1, 0.6) if kind == "chinchilla" else 1.0
    E = rng.uniform(1.5, 3.0)
    # Reducible loss of the smallest model between 0.3x and 2x E for each term.
    A = rng.uniform(0.3, 2.0) * E * 1e7**alpha
    B = rng.uniform(0.3, 2.0) * E * 1e8**beta if kind == "chinchilla" else 0.0
    return {"E": E, "A": A, "alpha": alpha, "B": B, "beta": beta}


def draw_design(rng, kind: str) -> pd.DataFrame:
    n_runs = int(rng.integers(5, 41))
    span = rng.uniform(30, 100)
    params = np.exp(rng.uniform(np.log(1e7), np.log(1e7 * span), n_runs))
    if kind == "chinchilla":
        params[:3] = 1e7 * span ** np.array([0.0, 0.5, 1.0])  # at least 3 distinct sizes
        ratio = rng.choice([5, 10, 20, 40, 80], size=n_runs)
        ratio[:2] = [5, 80]  # at least two tokens-per-parameter ratios
    else:
        ratio = np.full(n_runs, 20.0)
    return pd.DataFrame({"params": params, "tokens": params * ratio})


def targets(design: pd.DataFrame, kind: str) -> pd.DataFrame:
    """Scales at 10x and 100x the largest training compute."""
    big = design.loc[(design["params"] * design["tokens"]).idxmax()]
    rows = []
    for factor in (10.0, 100.0):
        if kind == "chinchilla":
            rows.append(
                {
                    "factor": factor,
                    "params": big["params"] * factor**0.5,
                    "tokens": big["tokens"] * factor**0.5,
                }
            )
        else:
            rows.append(
                {"factor": factor, "params": big["params"] * factor, "tokens": big["tokens"] * 1.0}
            )
    return pd.DataFrame(rows)


def least_squares_fit(runs: pd.DataFrame, kind: str):
    """Multi-start least squares on log loss; returns a predict(params, tokens) function."""
    log_n = np.log(runs["params"].to_numpy())
    log_d = np.log(runs["tokens"].to_numpy())
    y = np.log(runs["loss"].to_numpy())

    def law(theta, ln, ld):
        e, a, alpha = theta[:3]
        terms = [e, a - alpha * ln]
        if kind == "chinchilla":
            b, beta = theta[3:]
            terms.append(b - beta * ld)
        return np.logaddexp.reduce(np.vstack(np.broadcast_arrays(*terms)), axis=0)

    best = None
    starts_e = np.log(runs["loss"].min()) + np.array([-1.5, -0.5, -0.1])
    for e0 in starts_e:
        for alpha0 in (0.1, 0.3, 0.6):
            theta0 = [e0, 5.0, alpha0] + ([5.0, alpha0] if kind == "chinchilla" else [])
            res = optimize.least_squares(
                lambda t: law(t, log_n, log_d) - y,
                theta0,
                method="lm" if len(y) >= len(theta0) else "trf",
            )
            if best is None or res.cost < best.cost:
                best = res
    return lambda n, d: np.exp(law(best.x, np.log(n), np.log(d)))


def run(n_sets: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    records = []
    for i in range(n_sets):
        kind = "power" if i % 2 == 0 else "chinchilla"
        law = draw_law(rng, kind)
        noise = rng.uniform(0.005, 0.03)
        design = draw_design(rng, kind)
        runs = sb.simulate_runs(design, law=law, noise=noise, random_seed=int(rng.integers(1e9)))
        target = targets(design, kind)
        new = sb.simulate_runs(target, law=law, noise=noise, random_seed=int(rng.integers(1e9)))
        if kind == "power":
            data = sb.ScalingData.from_frame(runs[["params", "loss"]], tokens=None)
            model = sb.ScalingLawModel("power", x="params", progressbar=False)
            scales = {"params": target["params"].to_numpy()}
        else:
            data = sb.ScalingData.from_frame(runs[["params", "tokens", "loss"]])
            model = sb.ScalingLawModel("chinchilla", progressbar=False)
            scales = {"params": target["params"].to_numpy(), "tokens": target["tokens"].to_numpy()}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", sb.ScalingBayesWarning)
            start = time.perf_counter()
            model.fit(data, random_seed=i)
            seconds = time.perf_counter() - start
            fc = model.predict(**scales, random_seed=i)
            predictive, mean = fc.flat_draws(), fc.flat_draws("mean")
        point = least_squares_fit(runs, kind)(
            target["params"].to_numpy(), target["tokens"].to_numpy()
        )
        for j, factor in enumerate(target["factor"]):
            truth, true_mean = new["loss"].iloc[j], new["loss_true"].iloc[j]
            p = predictive[:, j]
            m = mean[:, j]
            q = np.quantile(p, [0.05, 0.25, 0.5, 0.75, 0.95])
            qm = np.quantile(m, [0.05, 0.25, 0.75, 0.95])
            records.append(
                {
                    "dataset": i,
                    "law": kind,
                    "n_runs": len(runs),
                    "noise": noise,
                    "factor": factor,
                    "converged": model.diagnostics().converged,
                    "in90": q[0] <= truth <= q[4],
                    "in50": q[1] <= truth <= q[3],
                    "mean_in90": qm[0] <= true_mean <= qm[3],
                    "mean_in50": qm[1] <= true_mean <= qm[2],
                    "are_ours": abs(q[2] - truth) / truth,
                    "are_least_squares": abs(point[j] - truth) / truth,
                    "fit_seconds": seconds,
                }
            )
    return pd.DataFrame(records)


def summarise(results: pd.DataFrame) -> pd.DataFrame:
    rows = []
    groups = [("all", results)]
    groups += [(f"{int(f)}x compute", g) for f, g in results.groupby("factor")]
    groups += [(f"law={k}", g) for k, g in results.groupby("law")]
    groups += [("converged fits only", results[results["converged"]])]
    for label, g in groups:
        n = len(g)
        rows.append(
            {
                "subset": label,
                "n": n,
                "cover50": g["in50"].mean(),
                "se50": np.sqrt(0.25 / n),
                "cover90": g["in90"].mean(),
                "se90": np.sqrt(0.09 / n),
                "mean_law_cover50": g["mean_in50"].mean(),
                "mean_law_cover90": g["mean_in90"].mean(),
                "median_ARE_ours": g["are_ours"].median(),
                "median_ARE_least_squares": g["are_least_squares"].median(),
            }
        )
    return pd.DataFrame(rows)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--datasets", type=int, default=120)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    start = time.perf_counter()
    results = run(args.datasets, args.seed)
    table = summarise(results)
    print(f"## Predictive calibration over {args.datasets} simulated datasets (seed {args.seed})\n")
    print(markdown(table, floatfmt=".3f"))
    converged = results.drop_duplicates("dataset")["converged"].mean()
    fit_time = results.drop_duplicates("dataset")["fit_seconds"].median()
    print(
        f"\nfits converged: {converged:.1%}; median fit time {fit_time:.2f} s; "
        f"total {time.perf_counter() - start:.0f} s"
    )


if __name__ == "__main__":
    main()
