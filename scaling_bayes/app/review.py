"""A whole risk review from one configuration: fit, forecast, ROI ladder, pilot value, memo.

:func:`run_review` is what ``scaling-bayes review config.toml --out review/`` and
``scaling-bayes demo`` run. It writes to ``out``:

- ``memo.html`` (self-contained, prints to PDF) and ``memo.md`` with its figures;
- ``numbers.json``: every figure the memo states; ``numbers.csv`` (spreadsheet-safe);
- ``ladder.csv``, ``posterior_summary.csv``, ``diagnostics.txt``, ``model.nc`` (the fit).

If the fit did not converge the memo says so at the top and withholds its headline
probability; the command line then exits non-zero unless ``--allow-unconverged``.
"""

from __future__ import annotations

import json
import warnings
from dataclasses import dataclass, field
from pathlib import Path

from .config import ReviewConfig

__all__ = ["ReviewResult", "run_review"]


@dataclass(frozen=True)
class ReviewResult:
    """What a review produced."""

    converged: bool
    text: str
    files: list[Path] = field(default_factory=list)
    numbers: dict = field(default_factory=dict)


def build_inputs(config: ReviewConfig):
    """The data, model, plans and value objects a config describes (nothing fitted yet)."""
    from ..core.data import ScalingData
    from ..core.model import ScalingLawModel
    from ..decision import ComputeCost, Investment, LinearValue, TargetValue

    columns = {
        key: (None if config.data.get(key) is False else config.data.get(key, default))
        for key, default in (
            ("params", "params"),
            ("tokens", "tokens"),
            ("compute", None),
            ("loss", "loss"),
            ("group", None),
        )
    }
    data = ScalingData.from_csv(config.data_path, **columns)
    model_args = dict(config.model)
    overrides = model_args.pop("prior_overrides", None)
    preset = model_args.pop("priors", "weak")
    model = ScalingLawModel(
        model_args.pop("law", "chinchilla"),
        priors=overrides if overrides else preset,
        prior_preset=preset,
        progressbar=False,
        **model_args,
    )
    cost = ComputeCost(**config.cost)
    value_args = {k: v for k, v in config.value.items() if k != "kind"}
    value_cls = LinearValue if config.value["kind"] == "linear" else TargetValue
    value = value_cls(**value_args)
    plans = [
        Investment(
            params=p.get("params"),
            tokens=p.get("tokens"),
            compute=p.get("compute"),
            cost=cost,
            value=value,
            name=p.get("name"),
        )
        for p in config.plans
    ]
    return data, model, plans


def run_review(
    config: ReviewConfig,
    out: Path,
    *,
    progressbar: bool = False,
    extra_languages: tuple[str, ...] = (),
) -> ReviewResult:
    """Run the review a config describes and write its outputs to ``out`` (which must exist).

    ``extra_languages`` writes the memo again in those languages (``memo_ja.html``, ...), with
    the same numbers.
    """
    from ..checks.prior_checks import prior_sensitivity
    from ..decision import compare_scales, evsi_pilot
    from ..report import RiskMemo

    out = Path(out)
    data, model, plans = build_inputs(config)
    seed = config.seed
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.fit(data, random_seed=seed, progressbar=progressbar)
        ladder = compare_scales(model, plans, threshold=config.threshold, random_seed=seed)
        pilot = None
        if config.pilot:
            pilot_args = {k: v for k, v in config.pilot.items() if k != "cost_usd"}
            pilot = evsi_pilot(
                model,
                plans,
                **pilot_args,
                pilot_cost=config.pilot.get("cost_usd"),
                random_seed=seed,
            )
        scales = _plan_scales(model, plans)
        alternative = "literature" if model.priors in (None, "weak") else "weak"
        sensitivity = prior_sensitivity(model, alternative, random_seed=seed, **scales)
        language = config.memo.get("language", "en")
        for lang in (language, *[x for x in extra_languages if x != language]):
            memo = RiskMemo(
                model,
                ladder,
                title=config.memo.get("title", "Scaling review"),
                author=config.memo.get("author", ""),
                language=lang,
                pilot=pilot,
                prior_sensitivity=sensitivity,
                threshold=config.threshold,
                data_path=config.data_path,
            )
            stem = "memo" if lang == language else f"memo_{lang}"
            memo.to_html(out / f"{stem}.html")
            memo.to_markdown(out / f"{stem}.md")
            if lang == language:
                memo.to_csv(out / "numbers.csv")
                numbers = memo.numbers
    (out / "numbers.json").write_text(
        json.dumps(numbers, indent=2, default=str, ensure_ascii=False)
    )
    ladder.table.to_csv(out / "ladder.csv", index=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # already recorded above
        model.summary().to_csv(out / "posterior_summary.csv")
    report = model.diagnostics()
    (out / "diagnostics.txt").write_text(report.text + "\n")
    model.save(out / "model.nc")
    messages = sorted({f"{w.category.__name__}: {w.message}" for w in caught})
    lines = [
        f"Fitted {model.law_spec.formula} to {data.n_runs} runs from {data.source} "
        f"({model.sampler_}, {model.fit_seconds_:.1f} s).",
        report.text,
        ladder.text if report.converged else "Headline withheld: the fit did not converge.",
    ]
    if pilot is not None and report.converged:
        lines.append(pilot.text)
    lines.append(sensitivity.text)
    lines += [f"warning: {m}" for m in messages]
    lines.append(f"Memo and tables written to {out.resolve()}")
    files = sorted(p for p in out.iterdir())
    return ReviewResult(report.converged, "\n".join(lines), files, numbers)


def _plan_scales(model, plans) -> dict:
    """The plans' scales in the form ``model.predict`` takes, for the prior-sensitivity check."""
    if model.law == "chinchilla":
        if all(p.params is not None and p.tokens is not None for p in plans):
            return {"params": [p.params for p in plans], "tokens": [p.tokens for p in plans]}
        return {"compute": [p.flops for p in plans]}
    axis = model.x
    return {axis: [p.flops if axis == "compute" else getattr(p, axis) for p in plans]}
