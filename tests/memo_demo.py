"""The demo review's memo from hand-built draws, and what its old wording printed.

``python tests/memo_demo.py`` wrote ``tests/data/demo_memo_printed.json`` once, on the commit
before the report became a view of results (issue 11, item 5): for English and Japanese, the
plain-text headline and every number the HTML memo printed in sections 1-7, as ``[key, shown
text]`` pairs.
``test_memo_demo.py`` renders the same memo with the new catalogues and templates and asserts
that the headline reads the same and every number is still printed the same way. Do not
regenerate it to make that test pass: a changed sentence must be a deliberate fix, recorded in
the commit that makes it.
"""

from __future__ import annotations

import json
import sys
import warnings
from html.parser import HTMLParser
from importlib import resources
from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent
PRINTED = HERE / "data" / "demo_memo_printed.json"
DATE = "2026-12-03"


def demo_memos() -> dict:
    """``{language: RiskMemo}`` of the bundled demo review, fitted from hand-built draws.

    The prior-sensitivity result is built by hand (fixed shifts) instead of refitting under
    the other preset, so the memo is fast and identical across machines.
    """
    sys.path.insert(0, str(HERE))
    from helpers import hand_built_draws

    import scaling_bayes as sb
    from scaling_bayes.app.config import load_config
    from scaling_bayes.app.review import build_inputs
    from scaling_bayes.checks.prior_checks import PriorSensitivity
    from scaling_bayes.testing import fit_from_draws

    path = Path(str(resources.files("scaling_bayes.datasets") / "example_review.toml"))
    config = load_config(path)
    data, model, plans = build_inputs(config)
    model = fit_from_draws(model, data, hand_built_draws())
    seed = config.seed
    with warnings.catch_warnings():
        # the demo's largest plan is a far extrapolation: its warning is the memo's subject
        warnings.simplefilter("ignore", sb.ExtrapolationWarning)
        ladder = sb.compare_scales(model, plans, threshold=config.threshold, random_seed=seed)
        pilot = sb.evsi_pilot(
            model,
            plans,
            params=config.pilot["params"],
            tokens=config.pilot["tokens"],
            pilot_cost=config.pilot["cost"],
            n_outer=200,
            random_seed=seed,
        )
    shifts = pd.DataFrame({"shift": [0.004, -0.021], "shift_in_widths": [0.03, -0.18]})
    sensitivity = PriorSensitivity(shifts, model, model, "literature")
    sensitivity.table.attrs.update(interval_prob=0.9, converged=True)
    return {
        lang: sb.RiskMemo(
            model,
            ladder,
            title=config.memo["title"],
            author=config.memo["author"],
            language=lang,
            pilot=pilot,
            prior_sensitivity=sensitivity,
            threshold=config.threshold,
            date=DATE,
        )
        for lang in ("en", "ja")
    }


class NumberSpans(HTMLParser):
    """``[key, shown text]`` of every number span (``data-key``) of an HTML memo, in order."""

    def __init__(self, text: str):
        super().__init__(convert_charrefs=True)
        self.pairs: list[list[str]] = []
        self._open: list = []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        d = dict(attrs)
        self._open.append([d["data-key"], ""] if tag == "span" and "data-key" in d else None)

    def handle_endtag(self, tag):
        top = self._open.pop() if self._open else None
        if top is not None:
            self.pairs.append(top)

    def handle_data(self, data):
        if self._open and self._open[-1] is not None:
            self._open[-1][1] += data

    def handle_startendtag(self, tag, attrs):
        pass


def printed(memo, folder: Path) -> dict:
    """The headline text and the numbers printed in sections 1-7 of one memo.

    The appendix (every number at full precision) is left out: ``test_memo_golden.py`` compares
    those values. Figures are not drawn.
    """
    memo._cache.setdefault("figures", {})
    html = memo.to_html(folder / f"memo_{memo.language}.html").read_text(encoding="utf-8")
    body = html.split('<section class="appendix">', 1)[0]
    return {"headline": memo.text, "printed": NumberSpans(body).pairs}


if __name__ == "__main__":
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        record = {lang: printed(memo, Path(tmp)) for lang, memo in demo_memos().items()}
    PRINTED.write_text(json.dumps(record, indent=1, ensure_ascii=False) + "\n")
    print(f"wrote {PRINTED}")
