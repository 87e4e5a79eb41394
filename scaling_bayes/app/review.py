"""A whole risk review from one configuration: fit, forecast, ROI ladder, pilot value, memo.

:func:`run_review` is what ``scaling-bayes review config.toml --out review/`` and
``scaling-bayes demo`` run. Everything it was given is checked first
(:func:`~scaling_bayes.app.preflight.preflight_review` and
:func:`~scaling_bayes.app.output.check_target`); only then is the review built, in a hidden
sibling of ``out`` that is moved into place when complete (:mod:`scaling_bayes.app.output`).
``out`` then holds:

- ``memo.html`` (self-contained, prints to PDF) and ``memo.md`` with its figures;
- ``numbers.json``: every figure the memo states; ``numbers.csv`` (spreadsheet-safe);
- ``ladder.csv``, ``posterior_summary.csv``, ``diagnostics.txt``, ``model.nc`` (the fit);
- ``form_ladder.csv``: the same plans compared on the forecasts of a mixture of plausible forms
  (:func:`~scaling_bayes.checks.forms.form_check`; each form by its Laplace approximation, or by
  NUTS with ``[form_check].posterior = "nuts"``), the decision allowing for the law's form;
- ``manifest.json``, written last: every file's size and SHA-256, the package version and
  whether the fit converged.

Every table and JSON file is written by :mod:`scaling_bayes.report.export`: formula-safe cells,
a ``converged`` column or field. If the fit did not converge the memo says so at the top and
withholds its decision numbers, and so do ``ladder.csv``, ``form_ladder.csv`` and
``numbers.json``/``numbers.csv``;
the command line then exits non-zero unless ``--allow-unconverged``.
"""

from __future__ import annotations

import os
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ..core.exceptions import ConfigError
from .config import ReviewConfig
from .output import Staging, check_target
from .preflight import build_inputs, preflight_review

if TYPE_CHECKING:
    from ..core.data import ScalingData

__all__ = ["ReviewResult", "build_inputs", "run_review"]

_LANGUAGES = ("en", "ja")


@dataclass(frozen=True)
class ReviewResult:
    """What a review produced."""

    converged: bool
    text: str
    files: list[Path] = field(default_factory=list)
    numbers: dict = field(default_factory=dict)


def run_review(
    config: ReviewConfig,
    out: str | os.PathLike[str],
    *,
    force: bool = False,
    progressbar: bool = False,
    extra_languages: tuple[str, ...] = (),
    allow_empty: bool = True,
    titles: dict | None = None,
) -> ReviewResult:
    """Run the review a config describes and write its outputs to the folder ``out``.

    Parameters
    ----------
    config : ReviewConfig
        From :func:`~scaling_bayes.app.config.load_config`.
    out : str or Path
        The output folder: new, empty, or (with ``force``) a previous review to replace.
    force : bool
        Replace a previous review in ``out`` (never a folder that is not one; see
        :func:`~scaling_bayes.app.output.check_target`).
    extra_languages : tuple of str
        Write the memo again in these languages (``memo_ja.html``, ...), with the same numbers.
    titles : dict, optional
        The memo's title per language (``{"ja": "..."}``) where it differs from
        ``[memo].title``, e.g. a Japanese title for the Japanese memo.
    allow_empty : bool
        Accept an existing empty ``out`` without ``force``.

    Raises
    ------
    ConfigError, DataError
        Before any folder is created or any sampling starts.
    """
    extra = tuple(extra_languages)
    bad = [x for x in extra if x not in _LANGUAGES]
    if bad:
        raise ConfigError(f"extra_languages takes 'en' and 'ja'; got {bad}")
    inputs = preflight_review(config)
    target = check_target(
        out, force=force, protect=(config.source, config.data_path), allow_empty=allow_empty
    )
    with Staging(target) as stage:
        text, converged, numbers = _write_review(
            config, inputs, stage.path, progressbar, extra, titles or {}
        )
        try:
            stage.commit(converged=converged)
        except OSError as err:
            raise ConfigError(f"cannot move the review into '{target}': {err}") from err
    lines = [text, f"Memo and tables written to {target}"]
    if stage.leftover is not None:
        left, reason = stage.leftover
        lines.append(
            f"warning: the previous review was moved to '{left}' but not deleted ({reason})"
        )
    files = sorted(target.iterdir())
    return ReviewResult(converged, "\n".join(lines), files, numbers)


def _write_review(
    config, inputs, out: Path, progressbar: bool, extra: tuple[str, ...], titles: dict
):
    """Fit, compute and write every file of the review into ``out`` (the staging folder)."""
    from ..checks.forms import form_check
    from ..checks.prior_checks import prior_sensitivity
    from ..decision import compare_scales, evsi_pilot
    from ..report import RiskMemo
    from ..report.export import decision_columns, write_csv, write_json

    data, model, plans = inputs.data, inputs.model, inputs.plans
    seed = config.seed
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.fit(data, random_seed=seed, progressbar=progressbar)
        ladder = compare_scales(
            model,
            plans,
            threshold=config.threshold,
            random_seed=seed,
            payback_target=config.payback_target,
            kpi_target=kpi_on_forecast_scale(config.kpi_target, data),
        )
        pilot = None
        if config.pilot:
            pilot_args = {k: v for k, v in config.pilot.items() if k != "cost"}
            pilot = evsi_pilot(
                model,
                plans,
                **pilot_args,
                pilot_cost=config.pilot_cost,
                random_seed=seed,
            )
        scales = _plan_scales(model, plans)
        alternative = "literature" if model.priors in (None, "weak") else "weak"
        sensitivity = prior_sensitivity(model, alternative, random_seed=seed, **scales)
        # what the plans' intervals would be if they allowed for the law's form being wrong
        forms = form_check(
            model,
            random_seed=seed,
            posterior=config.form_posterior,
            sampler_settings=config.form_sampler_settings or None,
            **_ladder_scales(model, ladder),
        )
        # ... and the decision on those forecasts: same plans (in the ladder's order), targets
        form_ladder = compare_scales(
            forms.forecast,
            [d.plan for d in ladder.draws],
            threshold=config.threshold,
            random_seed=seed,
            payback_target=config.payback_target,
            kpi_target=kpi_on_forecast_scale(config.kpi_target, data),
        )
        language = config.memo.get("language", "en")
        for lang in (language, *[x for x in extra if x != language]):
            memo = RiskMemo(
                model,
                ladder,
                title=titles.get(lang) or config.memo.get("title", "Scaling review"),
                author=config.memo.get("author", ""),
                language=lang,
                pilot=pilot,
                prior_sensitivity=sensitivity,
                form_check=forms,
                form_ladder=form_ladder,
                threshold=config.threshold,
                data_path=config.data_path,
                numbers_files=("numbers.json", "numbers.csv"),
            )
            stem = "memo" if lang == language else f"memo_{lang}"
            memo.to_html(out / f"{stem}.html")
            memo.to_markdown(out / f"{stem}.md")
            if lang == language:
                numbers = memo.numbers
                numbers_table = memo.numbers_table
                memo_converged = memo.converged
    report = model.diagnostics()
    converged = bool(report.converged and memo_converged)
    write_csv(numbers_table, out / "numbers.csv", converged=converged)
    write_json(numbers, out / "numbers.json", converged=converged)
    write_csv(
        ladder.table,
        out / "ladder.csv",
        converged=converged,
        withhold=decision_columns(ladder.table),
    )
    write_csv(
        form_ladder.table,
        out / "form_ladder.csv",
        # a NUTS form check that did not converge is withheld even when the fit converged
        converged=converged and form_ladder.converged,
        withhold=decision_columns(form_ladder.table),
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # already recorded above
        summary = model.summary().rename_axis("parameter")
    write_csv(summary, out / "posterior_summary.csv", converged=converged, index=True)
    (out / "diagnostics.txt").write_text(report.text + "\n", encoding="utf-8")
    model.save(out / "model.nc")
    messages = sorted({f"{w.category.__name__}: {w.message}" for w in caught})
    lines = [
        f"Fitted {model.law_spec.formula} to {data.n_runs} runs from {data.source} "
        f"({model.sampler_}, {model.fit_seconds_:.1f} s).",
        report.text,
        ladder.text if converged else "Headline withheld: the fit did not converge.",
    ]
    if pilot is not None and converged:
        lines.append(pilot.text)
    lines.append(sensitivity.text)
    lines += [f"warning: {m}" for m in messages]
    return "\n".join(lines), converged, numbers


def kpi_on_forecast_scale(kpi_target: float | None, data: ScalingData) -> float | None:
    """The KPI target on the scale the forecasts are drawn on (the modelled loss).

    A metric declared higher-is-better (accuracy) is modelled as a loss (1 - accuracy); its
    target is converted the same way so that ``P(KPI met) = P(loss <= target)``.
    """
    if kpi_target is None:
        return None
    metric = getattr(data, "metric", None)
    if metric is None or not hasattr(metric, "to_loss"):
        return kpi_target
    import numpy as np

    return float(np.asarray(metric.to_loss(np.array([kpi_target], dtype=float)))[0])


def _ladder_scales(model, ladder) -> dict:
    """The plans' scales in the ladder's order, as ``form_check`` takes them (a compute-optimal
    plan at the median allocation the ladder reports)."""
    axes = ("params", "tokens") if model.law == "chinchilla" else (model.x,)
    return {axis: ladder.table[axis].to_numpy(float) for axis in axes}


def _plan_scales(model, plans) -> dict:
    """The plans' scales in the form ``model.predict`` takes, for the prior-sensitivity check."""
    if model.law == "chinchilla":
        if all(p.params is not None and p.tokens is not None for p in plans):
            return {"params": [p.params for p in plans], "tokens": [p.tokens for p in plans]}
        return {"compute": [p.flops for p in plans]}
    axis = model.x
    return {axis: [p.flops if axis == "compute" else getattr(p, axis) for p in plans]}
