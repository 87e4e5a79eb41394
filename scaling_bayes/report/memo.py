"""The board memo of a risk review: :class:`RiskMemo`.

The constructor only checks and stores its arguments; rendering computes. Every number the memo
states sits in :attr:`RiskMemo.numbers` under a stable key, with its unit and the table or
attribute it was read from (:attr:`RiskMemo.numbers_table`); the English and the Japanese memo
state the same book. A fit that did not converge gives a memo that says so first, in a warning
box, and withholds every decision number (fail closed); the memo does not repeat the fit's
ConvergenceWarning (issued once, at fit): :attr:`RiskMemo.converged` and the
``memo.converged`` number carry the verdict.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from ..core.exceptions import ConfigError, DataError, NotFittedError
from ..decision import AcceptabilityCurve, PilotValue, RiskResult, ScaleLadder
from ..decision.results import TornadoResult
from . import render
from .assumptions import check_sources
from .document import Heading, build, clean, full, headline_blocks
from .evidence import check_result_matches_model, gather, lead_row
from .export import write_csv
from .memo_figures import cjk_font, figure_names, render_figures
from .messages import LANGUAGES
from .numbers import collect
from .provenance import provenance

if TYPE_CHECKING:
    import pandas as pd

    from ..checks.backtest import Backtest
    from ..checks.forms import FormCheck
    from ..checks.prior_checks import PriorSensitivity
    from ..core.model import ScalingLawModel

__all__ = ["RiskMemo"]

_MAX_TEXT = 300


class RiskMemo:
    """A board memo of a risk review, in English or Japanese, as HTML, Markdown and CSV.

    Page 1 is an executive summary: the decision against the ROI threshold (and the KPI and
    payback targets when given), the forecast of the metric with its interval, cost and odds of
    each plan, the single largest risk (the top bar of the tornado) and how often the method's
    90% intervals held in backtests on public studies of the same kind. The technical appendix
    follows, sections in order: 1. headline (likelihood words with the number and its Monte
    Carlo error for the plan with the highest expected net benefit and for the alternatives);
    2. fan chart of loss over scale with the candidate plans and the extrapolation ratio;
    3. ROI distribution of each plan (quantile dot plots, percentiles 5/25/50/75/95, break-even
    probability, VaR and CVaR with their sign convention); 4. the scale ladder, stop point and
    acceptability curves with break-even values; 5. the tornado of drivers, EVPI and the worth
    of one more pilot run; 6. assumptions (every input with distribution, source and date; the
    priors and the prior-sensitivity line); 7. diagnostics and provenance (R-hat, ESS,
    divergences, SHA-256 of the runs, versions, seeds, draws, dates). Every number with its key,
    unit and source is in :attr:`numbers_table` (:meth:`to_csv`), not in the printed memo.

    Parameters
    ----------
    model : ScalingLawModel
        The fitted model the results were computed from.
    ladder_or_risk : ScaleLadder or RiskResult
        From ``compare_scales(model, plans, ...)`` or ``assess_roi(model, plan, ...)`` (a
        one-plan memo).
    title : str
    author : str
    language : {"en", "ja"}
    pilot : PilotValue, optional
        From ``evsi_pilot(model, plans, ...)`` on the same plans.
    prior_sensitivity : PriorSensitivity, optional
        From ``prior_sensitivity(model, ...)``.
    backtest : Backtest, optional
    form_check : FormCheck, optional
        ``form_check(model, ...)`` at the plans' scales, in the ladder's order: the forecast
        section then sets the farthest plan's interval beside that of a mixture of plausible
        forms (what the interval would be if it allowed for the law's form being wrong).
    form_ladder : ScaleLadder, optional
        ``compare_scales(form_check.forecast, plans, ...)`` with the plans, threshold and
        targets of ``ladder_or_risk``: the decision restated on the mixture's forecasts. The
        summary then says whether the lead plan's odds and the best plan change when the
        law's form may be wrong. Needs ``form_check``.
    tornado : TornadoResult, optional
        ``tornado(ladder.risk(lead))`` of the plan with the highest expected net benefit, as
        computed by the caller (preferred: the memo then only reads results). When omitted the
        memo calls :func:`~scaling_bayes.decision.tornado` itself, once, with its defaults.
    acceptability : AcceptabilityCurve, optional
        ``acceptability_curve(ladder_or_risk)`` as computed by the caller (e.g. with
        ``baseline_loss=`` for non-linear value models); computed with the defaults when
        omitted.
    threshold : float, optional
        The ROI threshold the memo is about; it must be the one the results were computed with
        (a cross-check for configuration files). Default: the results' threshold.
    date : datetime.date or str, optional
        Date of the memo (ISO ``YYYY-MM-DD``); default: the day it is rendered.
    data_path : str or Path, optional
        The data file the runs were read from; its SHA-256 is stated beside that of the runs.
    sources : dict, optional
        Where each business input comes from: ``{"cost.usd_per_gpu_hour": ("vendor quote",
        "2025-05-01")}`` or a text alone. Unlisted inputs show the package default's source, or
        "not recorded".
    numbers_files : tuple of str, optional
        File names, relative to the memo, of the numbers files written beside it (e.g.
        ``("numbers.json", "numbers.csv")``, as ``scaling-bayes review`` writes them); the
        summary links them. Without them the summary names :meth:`to_csv` instead.

    Raises
    ------
    ConfigError
        Bad language, title, threshold, date or sources, or results not computed from
        ``model``.
    DataError
        Arguments of the wrong type, or a ``data_path`` that is not a file.
    NotFittedError
        An unfitted model.

    Examples
    --------
    >>> import numpy as np, scaling_bayes as sb
    >>> from scaling_bayes import RiskMemo
    >>> from scaling_bayes.testing import example_model
    >>> model = example_model(spread=0.02)  # a hand-made posterior; yours: .fit(data)
    >>> value = sb.LinearValue(baseline_loss=2.6, usd_per_loss_unit=1.5e6)
    >>> plans = [sb.Investment(params=n, tokens=20 * n, value=value) for n in (1e9, 3e9)]
    >>> ladder = sb.compare_scales(model, plans, threshold=0.2, random_seed=0)
    >>> memo = RiskMemo(model, ladder, title="Scaling the language model", date="2025-06-30")
    >>> p = memo.numbers["plans.2.p_roi_above_threshold"]
    >>> p == float(ladder.table["p_roi_above_threshold"].iloc[1])
    True
    >>> memo.text.startswith("Of 2 plans, plan 2, 3B params, 60B tokens, has the highest")
    True
    """

    def __init__(
        self,
        model: ScalingLawModel,
        ladder_or_risk: ScaleLadder | RiskResult,
        *,
        title: str,
        author: str = "",
        language: str = "en",
        pilot: PilotValue | None = None,
        prior_sensitivity: PriorSensitivity | None = None,
        backtest: Backtest | None = None,
        form_check: FormCheck | None = None,
        form_ladder: ScaleLadder | None = None,
        tornado: TornadoResult | None = None,
        acceptability: AcceptabilityCurve | None = None,
        threshold: float | None = None,
        date: dt.date | str | None = None,
        data_path: str | os.PathLike[str] | None = None,
        sources: Mapping[str, str | Sequence[str]] | None = None,
        numbers_files: tuple[str, ...] | list[str] = (),
    ) -> None:
        self.model = _check_model(model)
        self.result = _check_result(ladder_or_risk, model)
        plans = _plans(self.result)
        self.title = _check_text(title, "title", required=True)
        self.author = _check_text(author, "author", required=False)
        if language not in LANGUAGES:
            raise ConfigError(f"language must be 'en' or 'ja'; got {language!r}")
        self.language = language
        self.pilot = _check_pilot(pilot, plans)
        self.prior_sensitivity = _check_prior_sensitivity(prior_sensitivity, model)
        self.backtest = _check_backtest(backtest)
        self.form_check = _check_form_check(form_check, self.result)
        self.form_ladder = _check_form_ladder(form_ladder, self.form_check, self.result)
        self.tornado = _check_tornado(tornado, self.result)
        self.acceptability = _check_acceptability(acceptability, plans)
        self.threshold = _check_threshold(threshold, self.result)
        self.date = _check_date(date)
        self.data_path = _check_data_path(data_path)
        self.sources = check_sources(sources, plans)
        self.numbers_files = _check_numbers_files(numbers_files)
        self._cache: dict = {}

    # ------------------------------------------------------------------ computed parts
    def _evidence(self):
        if "evidence" not in self._cache:
            self._cache["evidence"] = gather(
                self.model,
                self.result,
                pilot=self.pilot,
                prior_sensitivity=self.prior_sensitivity,
                backtest=self.backtest,
                form_check=self.form_check,
                form_ladder=self.form_ladder,
                tornado_result=self.tornado,
                curve=self.acceptability,
            )
        return self._cache["evidence"]

    def _book(self):
        if "book" not in self._cache:
            evidence = self._evidence()
            date = self.date or dt.date.today()
            facts = provenance(self.model, evidence.ladder, data_path=self.data_path, date=date)
            self._cache["book"] = collect(
                evidence,
                provenance=facts,
                title=self.title,
                author=self.author,
                sources=self.sources,
                cjk_labels=cjk_font() is not None,
            )
        return self._cache["book"]

    def _blocks(self):
        if "blocks" not in self._cache:
            names = figure_names(self._evidence())
            self._cache["blocks"] = build(self._book(), self.language, names, self.numbers_files)
        return self._cache["blocks"]

    def _figures(self) -> dict[str, bytes]:
        if "figures" not in self._cache:
            evidence = self._evidence()
            seed = int(evidence.ladder.entropy % (2**32))
            self._cache["figures"] = render_figures(
                evidence, random_seed=seed, language=self.language
            )
        return self._cache["figures"]

    # ------------------------------------------------------------------ public
    @property
    def converged(self) -> bool:
        """Whether the fit and the results converged (otherwise the numbers are withheld)."""
        return bool(self._evidence().converged)

    @property
    def numbers(self) -> dict:
        """Every figure the memo states: ``{key: value}`` in plain Python types.

        Keys are stable and language independent (``plans.<k>.<metric>`` with plans numbered
        as in the memo's tables, ``evpi``, ``diagnostics.max_r_hat``, ``provenance.runs_sha256``
        ...); :attr:`numbers_table` says the unit and source of each.
        """
        return self._book().as_dict()

    @property
    def numbers_table(self) -> pd.DataFrame:
        """The numbers as a DataFrame: ``key``, ``value``, ``unit``, ``source``."""
        return self._book().table()

    @property
    def text(self) -> str:
        """The headline in plain text (with the warning first when the fit did not converge)."""
        blocks = [b for b in headline_blocks(self._blocks()) if not _is_heading(b)]
        return render.to_text(blocks)

    def to_html(self, path: str | os.PathLike[str]) -> Path:
        """Write one self-contained HTML file (figures embedded, no scripts); return its path."""
        target = _output_path(path, "path")
        book = self._book()
        sources = {k: (full(book[k]), book.entry(k).source) for k in book.keys()}
        document = render.to_html(
            self._blocks(),
            self._figures(),
            lang=self.language,
            title=self.title,
            sources=sources,
        )
        _write(target, document.encode("utf-8"), "path")
        return target

    def to_markdown(self, path: str | os.PathLike[str]) -> Path:
        """Write Markdown with the figures as PNG files beside it (linked relatively).

        The figures are named ``<stem>_<figure>.png`` (``memo_fan.png`` for ``memo.md``).
        """
        target = _output_path(path, "path")
        blocks = self._blocks()
        files = {}
        for name, png in self._figures().items():
            figure = target.with_name(f"{target.stem}_{name}.png")
            _write(figure, png, "path")
            files[name] = figure.name
        _write(target, render.to_markdown(blocks, files).encode("utf-8"), "path")
        return target

    def to_csv(self, path: str | os.PathLike[str]) -> Path:
        """Write every number (key, value, unit, source, converged) as CSV, safe to open in a
        spreadsheet.

        Written by the package's one CSV writer (:func:`~scaling_bayes.report.export.write_csv`):
        text cells that a spreadsheet would read as a formula are prefixed with a single quote,
        line breaks inside cells become spaces, numbers are written as numbers, and a
        ``converged`` column says whether the fit converged (when it did not, the decision
        numbers are not in the memo's book at all). UTF-8 with a byte-order mark, so Excel reads
        Japanese text.
        """
        target = _output_path(path, "path")
        temporary = _temporary(target)
        try:
            write_csv(self._book().table(), temporary, converged=self.converged)
            os.replace(temporary, target)
        except (OSError, ConfigError) as err:
            temporary.unlink(missing_ok=True)
            raise ConfigError(f"could not write path '{target}': {err}") from err
        return target

    def __repr__(self) -> str:
        kind = (
            "one plan"
            if isinstance(self.result, RiskResult)
            else f"{len(_plans(self.result))} plans"
        )
        return f"RiskMemo({self.title!r}, {kind}, language={self.language!r})"

    def _repr_html_(self) -> str:
        """Notebook display: title, convergence verdict and the headline, escaped (the same
        blocks as :attr:`text`; :meth:`to_html` writes the whole memo)."""
        from ..core.display import card_html, warning_html

        book = self._book()
        sources = {k: (full(book[k]), book.entry(k).source) for k in book.keys()}

        def text(value) -> str:
            return str(render.html_text(value, sources))

        parts = []
        for block in headline_blocks(self._blocks()):
            if block.kind == "box":
                paras = "".join(f"<p>{text(p)}</p>" for p in block.paras)
                parts.append(warning_html(f"<strong>{text(block.title)}</strong>{paras}"))
            elif block.kind == "bullets":
                items = "".join(f"<li>{text(item)}</li>" for item in block.items)
                parts.append(f"<ul>{items}</ul>")
            elif block.kind != "heading" and hasattr(block, "text"):
                parts.append(f"<p>{text(block.text)}</p>")
        return card_html(self.title, converged=self.converged, blocks=parts)


# ---------------------------------------------------------------------- checks
def _is_heading(block) -> bool:
    return isinstance(block, Heading)


def _expect(value, kind, what: str) -> None:
    """Raise DataError unless ``value`` is a ``kind``; ``what`` says what it must be."""
    if not isinstance(value, kind):
        raise DataError(f"{what}; got {type(value).__name__}")


def _check_model(model):
    from ..core.model import ScalingLawModel

    _expect(model, ScalingLawModel, "model must be a fitted ScalingLawModel")
    if not hasattr(model, "idata_"):
        raise NotFittedError(
            "model is not fitted yet; call model.fit(data) before building a RiskMemo"
        )
    return model


def _check_result(result, model):
    _expect(
        result,
        ScaleLadder | RiskResult,
        "ladder_or_risk must be a ScaleLadder (compare_scales) or a RiskResult (assess_roi)",
    )
    check_result_matches_model(model, result)
    return result


def _plans(result) -> list:
    if isinstance(result, RiskResult):
        return [result.plan]
    return [d.plan for d in result.draws]


def _check_text(value, name: str, *, required: bool) -> str:
    if not isinstance(value, str):
        raise ConfigError(f"{name} must be a string; got {type(value).__name__}")
    text = clean(value)
    if required and not text:
        raise ConfigError(f"{name} must not be empty; e.g. {name}='Scaling the language model'")
    if len(text) > _MAX_TEXT:
        raise ConfigError(f"{name} is {len(text)} characters long; keep it under {_MAX_TEXT}")
    return text


def _check_numbers_files(names) -> tuple[str, ...]:
    if isinstance(names, str) or not isinstance(names, tuple | list):
        raise ConfigError(
            f"numbers_files must be a tuple of file names such as ('numbers.json',); got {names!r}"
        )
    out = []
    for name in names:
        if not isinstance(name, str) or not name or Path(name).name != name:
            raise ConfigError(
                f"numbers_files holds {name!r}; give plain file names beside the memo, such as "
                "'numbers.json'"
            )
        out.append(name)
    return tuple(out)


def _check_tornado(table, result):
    if table is None:
        return None
    _expect(table, TornadoResult, "tornado must be a TornadoResult (tornado(risk))")
    ladder = ScaleLadder.from_risk(result) if isinstance(result, RiskResult) else result
    lead = ladder.draws[lead_row(ladder)].plan.label
    if table.plan != lead:
        raise ConfigError(
            f"tornado is of plan {table.plan!r}, but the memo's lead plan (highest expected net "
            f"benefit) is {lead!r}; pass tornado(ladder.risk({lead!r})) or leave tornado out"
        )
    if table.threshold != result.threshold:
        raise ConfigError(
            f"tornado was computed with threshold {table.threshold!r}, the results with "
            f"{result.threshold!r}; recompute it on the same results or leave tornado out"
        )
    return table


def _check_acceptability(curve, plans):
    if curve is None:
        return None
    _expect(
        curve,
        AcceptabilityCurve,
        "acceptability must be an AcceptabilityCurve (acceptability_curve(ladder))",
    )
    labels = sorted(p.label for p in plans)
    if sorted(curve.break_even) != labels:
        raise ConfigError(
            f"acceptability covers plans {sorted(curve.break_even)}, the memo's results {labels}; "
            "compute it with acceptability_curve(ladder_or_risk) on the same results"
        )
    return curve


def _check_pilot(pilot, plans):
    if pilot is None:
        return None
    _expect(pilot, PilotValue, "pilot must be a PilotValue (evsi_pilot)")
    theirs = {d.plan.label for d in pilot.ladder.draws}
    mine = {p.label for p in plans}
    if theirs != mine:
        raise ConfigError(
            f"pilot was computed for the plans {sorted(theirs)}, but the memo compares "
            f"{sorted(mine)}; run evsi_pilot(model, plans, ...) on the memo's plans"
        )
    return pilot


def _check_prior_sensitivity(ps, model):
    if ps is None:
        return None
    from ..checks.prior_checks import PriorSensitivity

    _expect(
        ps,
        PriorSensitivity,
        "prior_sensitivity must be a PriorSensitivity (prior_sensitivity(model, ...))",
    )
    if ps.base is not model:
        raise ConfigError(
            "prior_sensitivity was computed for another model; call "
            "prior_sensitivity(model, ...) with the memo's model"
        )
    return ps


def _check_form_check(check, result):
    if check is None:
        return None
    from ..checks.forms import FormCheck

    _expect(check, FormCheck, "form_check must be a FormCheck (form_check(model, ...))")
    if isinstance(result, ScaleLadder):
        mine = {a: result.table[a].to_numpy(float) for a in ("params", "tokens")}
    else:
        plan = result.plan
        mine = {a: np.array([getattr(plan, a) or np.nan], float) for a in ("params", "tokens")}
    theirs = check.table
    same = len(theirs) == len(mine["params"])
    for axis in ("params", "tokens"):
        if same and axis in theirs and theirs[axis].notna().all():
            same = bool(np.allclose(theirs[axis].to_numpy(float), mine[axis], rtol=1e-9))
    if not same:
        raise DataError(
            "form_check was computed at other scales than the memo's plans; call "
            "form_check(model, params=ladder.table['params'], tokens=ladder.table['tokens']) "
            "(or the law's axis) in the ladder's order"
        )
    return check


def _check_form_ladder(ladder, check, result):
    if ladder is None:
        return None
    _expect(
        ladder,
        ScaleLadder,
        "form_ladder must be a ScaleLadder (compare_scales(form_check.forecast, plans, ...))",
    )
    if check is None:
        raise ConfigError(
            "form_ladder restates the decision on form_check's forecasts; pass form_check= too"
        )
    mine = [plan.name for plan in _plans(result)]
    theirs = [d.plan.name for d in ladder.draws]
    if theirs != mine:
        raise DataError(
            f"form_ladder compares plans {theirs}, the memo's results {mine}; call "
            "compare_scales(form_check.forecast, plans, ...) with the memo's plans in its order"
        )
    expected = {
        "threshold": result.threshold,
        "payback_target": getattr(result, "payback_target", None),
        "kpi_target": getattr(result, "kpi_target", None),
    }
    for name, value in expected.items():
        if getattr(ladder, name) != value:
            raise ConfigError(
                f"form_ladder was computed with {name}={getattr(ladder, name)!r}, the memo's "
                f"results with {value!r}; pass the same {name}= to both compare_scales calls"
            )
    if ladder.n_draws != check.forecast.flat_draws().shape[0]:
        raise DataError(
            "form_ladder was not computed from form_check.forecast (its draw count differs); "
            "call compare_scales(form_check.forecast, plans, ...)"
        )
    return ladder


def _check_backtest(bt):
    if bt is None:
        return None
    from ..checks.backtest import Backtest

    _expect(bt, Backtest, "backtest must be a Backtest (backtest(...))")
    return bt


def _check_threshold(threshold, result):
    if threshold is None:
        return None
    if isinstance(threshold, bool) or not isinstance(threshold, int | float | np.number):
        raise ConfigError(f"threshold must be a number (a fraction: 0.2 = 20%); got {threshold!r}")
    computed = result.threshold
    if not np.isclose(float(threshold), computed, rtol=0, atol=1e-12):
        raise ConfigError(
            f"threshold={threshold!r} but the results were computed with threshold={computed!r}; "
            f"recompute them with threshold={threshold!r} (compare_scales or assess_roi), or drop "
            "threshold="
        )
    return float(threshold)


def _check_date(date):
    if date is None:
        return None
    if isinstance(date, dt.datetime):
        return date.date()
    if isinstance(date, dt.date):
        return date
    if isinstance(date, str):
        try:
            return dt.date.fromisoformat(date.strip())
        except ValueError as err:
            raise ConfigError(
                f"date must be an ISO date such as '2025-06-30'; got {date!r}"
            ) from err
    raise ConfigError(f"date must be a datetime.date or an ISO date string; got {date!r}")


def _check_data_path(path):
    if path is None:
        return None
    _expect(path, str | os.PathLike, "data_path must be a file path")
    path = Path(path)
    if not path.is_file():
        raise DataError(f"data_path '{path}' is not an existing file; give the runs' data file")
    return path


def _output_path(path, name: str) -> Path:
    if not isinstance(path, str | os.PathLike):
        raise ConfigError(f"{name} must be a file path such as 'review/memo.html'; got {path!r}")
    target = Path(path)
    if not str(path) or target.name in ("", ".", "..") or target.is_dir():
        raise ConfigError(f"{name} '{path}' is a folder; give a file name such as review/memo.html")
    folder = target.parent
    if not folder.exists():
        raise ConfigError(
            f"the folder '{folder}' of {name} '{path}' does not exist; create it first"
        )
    if not folder.is_dir():
        raise ConfigError(f"'{folder}' in {name} '{path}' is not a folder")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise ConfigError(f"the folder '{folder}' of {name} '{path}' is not writable")
    if target.exists() and not os.access(target, os.W_OK):
        raise ConfigError(f"{name} '{path}' exists and is not writable")
    return target


def _temporary(target: Path) -> Path:
    return target.with_name(f".{target.name}.{os.getpid()}.tmp")


def _write(target: Path, data: bytes, name: str) -> None:
    """Write atomically: a half-written memo never replaces a whole one."""
    temporary = _temporary(target)
    try:
        temporary.write_bytes(data)
        os.replace(temporary, target)
    except OSError as err:
        temporary.unlink(missing_ok=True)
        raise ConfigError(f"could not write {name} '{target}': {err.strerror or err}") from err
