"""Recovery: our posterior on the Chinchilla runs against Epoch AI's bootstrap estimates.

Run from the project root::

    .venv/bin/python benchmarks/bench_recovery.py

Besiroglu et al. 2024 (Epoch AI) refitted Hoffmann et al.'s Approach 3 on the digitised runs with
the 5 highest-loss points dropped (240 runs) and report 95% bootstrap intervals (FACTS.md). We fit
the Chinchilla law to the same 240 runs and to all 245, and print each parameter's posterior mean
and 95% central interval next to theirs, with whether the two intervals overlap.
"""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import load_chinchilla, markdown

import scaling_bayes as sb

#: Epoch AI's refit (FACTS.md): estimate and 95% bootstrap interval.
EPOCH = {
    "E": (1.817, 1.769, 1.871),
    "A": (482.0, 285.0, 744.0),
    "B": (2085.0, 1042.0, 5810.0),
    "alpha": (0.348, 0.317, 0.373),
    "beta": (0.366, 0.331, 0.415),
}


def recovery_table(frame: pd.DataFrame, label: str, seed: int = 0) -> tuple[pd.DataFrame, dict]:
    data = sb.ScalingData.from_frame(frame, compute="flops")
    model = sb.ScalingLawModel("chinchilla", progressbar=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", sb.InputWarning)  # Chinchilla's IsoFLOP edges: ratio 0.04
        model.fit(data, random_seed=seed)
    post = model.posterior_draws()
    rows = []
    for name, (est, lo, hi) in EPOCH.items():
        draws = post[name]
        q_lo, q_hi = np.quantile(draws, [0.025, 0.975])
        rows.append(
            {
                "runs": label,
                "parameter": name,
                "ours_mean": float(draws.mean()),
                "ours_2.5%": float(q_lo),
                "ours_97.5%": float(q_hi),
                "epoch_estimate": est,
                "epoch_2.5%": lo,
                "epoch_97.5%": hi,
                "overlap": bool(q_lo <= hi and lo <= q_hi),
                "epoch_estimate_inside_ours": bool(q_lo <= est <= q_hi),
            }
        )
    return pd.DataFrame(rows), model.diagnostics().to_dict()


def main() -> None:
    frame = load_chinchilla()
    epoch_runs = frame.drop(frame["loss"].nlargest(5).index)
    tables, diags = [], []
    for label, runs in (("240 (Epoch's subset)", epoch_runs), ("245 (all)", frame)):
        table, diag = recovery_table(runs, label)
        tables.append(table)
        diags.append(
            {
                "runs": label,
                **{k: diag[k] for k in ("converged", "max_r_hat", "min_ess_bulk", "divergences")},
            }
        )
    table = pd.concat(tables, ignore_index=True)
    print("## Chinchilla law on the Chinchilla runs: posterior vs Epoch AI's bootstrap (95%)\n")
    print(markdown(table, floatfmt=".4g"))
    print("\n## Convergence\n")
    print(markdown(pd.DataFrame(diags), floatfmt=".4g"))
    overlap = table.groupby("runs")["overlap"].all()
    for runs, ok in overlap.items():
        print(f"\nall 95% intervals overlap Epoch's ({runs}): {'yes' if ok else 'NO'}")


if __name__ == "__main__":
    main()
