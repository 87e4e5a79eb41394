"""The demo: the whole job on the bundled example, written to a folder.

``make demo`` runs ``scaling-bayes demo --out demo_output --force``, which calls :func:`run_demo`.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

__all__ = ["DemoResult", "run_demo"]


@dataclass(frozen=True)
class DemoResult:
    """What the demo wrote and whether the fit behind it converged."""

    converged: bool
    text: str
    files: list[Path] = field(default_factory=list)


def run_demo(out: Path, *, random_seed: int = 0, progressbar: bool = False) -> DemoResult:
    """Fit the Chinchilla law to the bundled pilot runs, forecast larger scales, write outputs.

    Files written to ``out``: ``runs.csv`` (the example data), ``posterior_summary.csv``,
    ``diagnostics.txt``, ``forecast_plans.csv`` (loss at candidate model sizes),
    ``forecast_fan.csv`` and ``forecast_fan.png`` (fan chart over compute), ``model.nc`` (the
    fitted model).
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from .data import ScalingData
    from .datasets import load_example
    from .model import ScalingLawModel
    from .plotting import forecast_plot_data, plot_forecast

    out = Path(out)
    runs = load_example()
    runs.to_csv(out / "runs.csv", index=False)
    data = ScalingData.from_frame(runs.set_index("run"), source="bundled example (pilot_runs.csv)")
    model = ScalingLawModel("chinchilla", progressbar=progressbar)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.fit(data, random_seed=random_seed)
        summary = model.summary()
        plans = model.predict(
            params=[1e9, 3e9, 7e9], tokens=[2e10, 6e10, 1.4e11], random_seed=random_seed
        )
        plans_table = plans.summary()
        grid = model.predict(compute=np.geomspace(1e16, 1e23, 40), random_seed=random_seed)
        fan = forecast_plot_data(grid)
        fig, _ = plot_forecast(grid, observed=data, title="Pilot runs and forecast loss")
    report = model.diagnostics()
    files = {
        "posterior_summary.csv": summary,
        "forecast_plans.csv": plans_table,
        "forecast_fan.csv": fan,
    }
    for name, table in files.items():
        table.to_csv(out / name)
    fig.savefig(out / "forecast_fan.png", dpi=120, bbox_inches="tight")
    plt.close(fig)
    (out / "diagnostics.txt").write_text(report.text + "\n")
    model.save(out / "model.nc")
    messages = sorted({str(w.message) for w in caught})
    lines = [
        f"Fitted {model.law_spec.formula} to {data.n_runs} pilot runs "
        f"in {model.fit_seconds_:.1f} s "
        f"({model.sampler_}).",
        report.text,
        "Loss forecast for candidate plans (90% central interval of a new run):",
    ]
    for _, row in plans_table.iterrows():
        lines.append(
            f"  N={row['params']:.3g}, D={row['tokens']:.3g}: median {row['median']:.3f} "
            f"[{row['lower']:.3f}, {row['upper']:.3f}] nats/token, "
            f"{row['extrapolation_ratio']:.0f}x the largest pilot compute"
        )
    lines += [f"warning: {m}" for m in messages]
    lines.append(f"Outputs written to {out.resolve()}")
    written = [
        out / n for n in (*files, "forecast_fan.png", "diagnostics.txt", "model.nc", "runs.csv")
    ]
    return DemoResult(converged=report.converged, text="\n".join(lines), files=written)
