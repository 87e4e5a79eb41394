"""Speed of the risk module: assess_roi, compare_scales over 50 plans, and the pilot-run EVSI.

Run from the project root::

    .venv/bin/python benchmarks/bench_risk.py [--repeats 15] [--markdown FILE]

One real fit of the bundled example runs (4 chains x 1000 draws = 4,000 posterior draws, 2000
tuning steps; its time is reported but not benchmarked), then repeated timings in the same
process, medians reported:

- ``assess_roi`` of one plan from the fitted model (predict at the plan's scale, sample 11 cost
  and value inputs, every metric with its Monte Carlo error, text) with 4,000 joint draws, and
  the same from a plain array of 4,000 loss draws;
- ``compare_scales`` over 50 plans (6 uncertain inputs each) from the fitted model;
- ``evsi_pilot``: the expected value of one pilot run before choosing among 5 plans (2,000
  simulated pilot results reweighting 4,000 posterior draws), and among the 50 plans.

Targets (issue 3): under 1 s, under 1 s and under 30 s.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from _common import markdown, median  # noqa: E402

TARGETS = {"assess_roi": 1.0, "compare_scales": 1.0, "evsi_pilot": 30.0}


def timed(fn, repeats: int) -> list[float]:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--markdown", type=Path, default=None, help="also write the results here")
    args = parser.parse_args()

    from scipy import stats

    import scaling_bayes as sb
    from scaling_bayes.decision import (
        ComputeCost,
        Investment,
        LinearValue,
        assess_roi,
        compare_scales,
        evsi_pilot,
    )

    data = sb.ScalingData.from_frame(sb.load_example())
    start = time.perf_counter()
    # 1000 kept draws per chain need 2000 tuning steps to converge on these runs
    model = sb.ScalingLawModel("chinchilla", draws=1000, tune=2000, progressbar=False)
    model.fit(data, random_seed=0)
    fit_seconds = time.perf_counter() - start
    n_draws = model.idata_.posterior.sizes["chain"] * model.idata_.posterior.sizes["draw"]

    cost = ComputeCost(
        usd_per_gpu_hour=stats.uniform(2, 2),
        mfu=stats.uniform(0.35, 0.2),
        fixed_usd=stats.uniform(2e4, 4e4),
        pue=stats.uniform(1.1, 0.5),
    )
    value = LinearValue(
        baseline_loss=2.6,
        usd_per_loss_unit=stats.lognorm(0.5, scale=3e5),
        horizon_years=stats.uniform(2, 2),
        discount_rate=0.08,
    )
    plan = Investment(params=3e9, tokens=6e10, cost=cost, value=value)
    sizes = np.geomspace(2e8, 8e9, 50)  # all within 100x of the largest observed compute
    plans50 = [Investment(params=n, tokens=20 * n, cost=cost, value=value) for n in sizes]
    plans5 = plans50[::10]
    loss_array = model.predict(params=[3e9], tokens=[6e10], random_seed=0).flat_draws()[:, 0]

    cases = [
        ("assess_roi", "fitted model, 1 plan", lambda: assess_roi(model, plan, threshold=0.2)),
        ("assess_roi", "array of loss draws, 1 plan", lambda: assess_roi(loss_array, plan)),
        ("compare_scales", "fitted model, 50 plans", lambda: compare_scales(model, plans50)),
        (
            "evsi_pilot",
            "5 plans, 2,000 simulated pilots",
            lambda: evsi_pilot(model, plans5, params=7e8, tokens=1.4e10, random_seed=0),
        ),
        (
            "evsi_pilot",
            "50 plans, 2,000 simulated pilots",
            lambda: evsi_pilot(model, plans50, params=7e8, tokens=1.4e10, random_seed=0),
        ),
    ]
    rows = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # timings only; the numbers are checked by the tests
        for name, setting, fn in cases:
            fn()  # warm-up: first-call imports and caches are not what we measure
            repeats = args.repeats if name != "evsi_pilot" else max(3, args.repeats // 3)
            times = timed(fn, repeats)
            rows.append(
                {
                    "function": name,
                    "setting": setting,
                    "joint draws": n_draws,
                    "repeats": repeats,
                    "median (s)": median(times),
                    "min (s)": min(times),
                    "max (s)": max(times),
                    "target (s)": TARGETS[name],
                    "meets target": "yes" if median(times) < TARGETS[name] else "NO",
                }
            )
    table = pd.DataFrame(rows)
    command = "`.venv/bin/python benchmarks/bench_risk.py " + " ".join(sys.argv[1:]) + "`"
    machine = (
        f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
        f"numpy {np.__version__}"
    )
    converged = model.diagnostics_.converged
    text = "\n".join(
        [
            "# Risk module benchmark",
            "",
            f"Command: {command.replace(' `', '`')} (from the project root).",
            "",
            f"Machine: {machine}. Example fit (4 chains x 1000 draws after 2000 tuning steps, "
            f"converged: {converged}): "
            f"{fit_seconds:.1f} s, not included below.",
            "",
            markdown(table),
            "",
            "What is timed (medians of repeated calls in one process, after one warm-up call):",
            "",
            "- `assess_roi`: one plan, 4,000 joint draws of loss and 11 business inputs (6 of",
            "  them uncertain), every metric with its Monte Carlo error, and the text; from the",
            "  fitted model (includes `model.predict` at the plan's scale) or from an array of",
            "  loss draws.",
            "- `compare_scales`: 50 plans (2e8 to 8e9 parameters, 20 tokens per parameter) on the",
            "  same 4,000 joint draws, with best-plan probabilities, marginal returns, stop point",
            "  and EVPI.",
            "- `evsi_pilot`: one pilot run at 7e8 parameters on 1.4e10 tokens, 2,000 simulated",
            "  pilot results each reweighting the 4,000 posterior draws (Student-t likelihood),",
            "  including the `compare_scales` call it makes.",
            "",
        ]
    )
    print(text)
    if args.markdown is not None:
        args.markdown.write_text(text)
        print(f"written to {args.markdown}")


if __name__ == "__main__":
    main()
