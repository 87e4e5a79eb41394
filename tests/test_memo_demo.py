"""The demo memo reads as it did before the report became a view of results (issue 11, item 5).

``tests/data/demo_memo_printed.json`` was recorded by ``tests/memo_demo.py`` with the old
wording modules (``wording_en.py``/``wording_ja.py`` and the hand-assembled HTML): the
plain-text headline and every number the HTML memo printed, as ``[key, shown text]``. The same
memo is rendered here from the message catalogues and Jinja2 templates.
"""

from __future__ import annotations

import json

import pytest
from memo_demo import PRINTED, NumberSpans, demo_memos, printed

#: Deliberate changes, ``(language, key) -> why``. Nothing else may print differently.
_LOSS_WORDS = "Japanese: 損失 is kept for money lost; the model's loss is 誤差 (issue 13, item 6)"
CHANGED: dict = {
    ("ja", "tornado.1.input"): _LOSS_WORDS,
    ("ja", "tornado.2.input"): _LOSS_WORDS,
    ("ja", "tornado.3.input"): _LOSS_WORDS,
    ("ja", "tornado.4.input"): _LOSS_WORDS,
    ("ja", "inputs.value.model.value"): _LOSS_WORDS,
}

#: Numbers only the executive summary prints (page 1, new in issue 13); the summary restates
#: the technical appendix's numbers otherwise.
SUMMARY_ONLY = ("track_record.", "targets.", "horizon_months", "metric.", "axis.")
SUMMARY_ONLY_SUFFIXES = (
    ".metric_median",
    ".metric_lower",
    ".metric_upper",
    ".payback_months_median",
    ".payback_months_lower",
    ".payback_months_upper",
    ".p_payback_within_target",
    ".p_kpi_target_met",
)

#: Keys the memo now cites in place of an old one, ``old -> (new, ...)``, with what each
#: language prints for them. The pilot's scale used to be one English label (``pilot.scale``,
#: re-worded for Japanese with a regular expression); it is now worded per language from typed
#: numbers, and the English text reads exactly as before.
SPLIT = {"pilot.scale": ("pilot.params", "pilot.tokens")}
SPLIT_SHOWN = {
    "en": {"pilot.params": "1.5e+09", "pilot.tokens": "3e+10"},
    "ja": {"pilot.params": "15億", "pilot.tokens": "300億"},
}


#: Numbers new in the technical appendix (issue 14, item 5: where the farthest plan's 90%
#: interval comes from), by key suffix; each must be printed, once, for one plan.
ADDED_SUFFIXES = (".interval_width", ".width_noise", ".width_law", ".width_form")


#: Describe the environment, not the review (as in test_memo_golden.py).
ENVIRONMENT = {
    "provenance.data_source",
    "provenance.scaling_bayes_version",
    "provenance.pymc_version",
    "provenance.arviz_version",
    "provenance.python_version",
    "provenance.fit_created_at",
}


def _summary_only(key: str) -> bool:
    base = key.removesuffix("_mc_se").removesuffix("_bound95")
    return (
        base.startswith(SUMMARY_ONLY)
        or base.endswith(SUMMARY_ONLY_SUFFIXES)
        or (base.startswith("plans.") and ".cost_" in base)
    )


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    """Per language: the memo, and what its technical appendix (sections 1-7) prints, with the
    executive summary's numbers apart under ``"summary"``."""
    folder = tmp_path_factory.mktemp("demo")
    out = {}
    for lang, memo in demo_memos().items():
        now = printed(memo, folder)
        html = (folder / f"memo_{lang}.html").read_text(encoding="utf-8")
        summary, technical = html.split('<section class="technical">', 1)
        heading, summary = summary.split('<h2 id="summary">', 1)  # title and meta line above
        now["printed"] = NumberSpans(heading).pairs + NumberSpans(technical).pairs
        now["summary"] = NumberSpans(summary).pairs
        out[lang] = (memo, now)
    return out


@pytest.mark.parametrize("language", ["en", "ja"])
def test_summary_restates_the_appendix(rendered, language):
    """Page 1 prints each number as the technical appendix prints it, or a summary-only one."""
    memo, now = rendered[language]
    technical = {tuple(pair) for pair in now["printed"]}
    cited = {key for key, _ in now["printed"]}
    assert now["summary"], "the executive summary prints no number"
    for key, shown in now["summary"]:
        assert key in memo.numbers, key
        if key in cited and not key.startswith(("memo.", "plans.")):
            assert (key, shown) in technical, (key, shown)
        elif key not in cited and not key.startswith("memo."):
            assert _summary_only(key) or key.endswith(".name"), key


@pytest.mark.parametrize("language", ["en", "ja"])
def test_headline_reads_as_before(rendered, language):
    before = json.loads(PRINTED.read_text(encoding="utf-8"))[language]["headline"]
    _, now = rendered[language]
    assert now["headline"].split("\n\n") == before.split("\n\n")


@pytest.mark.parametrize("language", ["en", "ja"])
def test_every_number_printed_before_is_printed_the_same(rendered, language):
    before = json.loads(PRINTED.read_text(encoding="utf-8"))[language]["printed"]
    memo, now = rendered[language]
    numbers = memo.numbers
    shown_now = {tuple(pair) for pair in now["printed"]}
    assert {key for key, _ in before} <= set(numbers)  # the book still has every printed key
    missing = [
        (key, shown)
        for key, shown in before
        if (key, shown) not in shown_now
        and (language, key) not in CHANGED
        and key not in ENVIRONMENT
        and key not in SPLIT
    ]
    assert not missing, f"{len(missing)} numbers no longer printed as before: {missing[:10]}"
    for language_, key in CHANGED:
        if language_ == language:
            assert key in {k for k, _ in now["printed"]}, key  # still printed, reworded
    # the split keys print the same scale, worded per language
    for key, shown in SPLIT_SHOWN[language].items():
        assert (key, shown) in shown_now, key
    # nothing new is printed under a key the old memo did not cite, but the deliberate additions
    cited_before = {k for k, _ in before} - set(SPLIT)
    cited_before |= {new for old in SPLIT for new in SPLIT[old]}
    cited_now = {k for k, _ in now["printed"]}
    added = {k for k in cited_now if k.endswith(ADDED_SUFFIXES)}
    assert sorted(k.rsplit(".", 1)[1] for k in added) == sorted(
        s.lstrip(".") for s in ADDED_SUFFIXES
    )
    assert cited_now - added == cited_before


def test_pilot_scale_is_worded_per_language(rendered):
    """English reads as before; Japanese words the typed numbers (no English label)."""
    memo, _ = rendered["en"]
    scale = memo.numbers["pilot.scale"]
    assert scale == "1.5e+09 params on 3e+10 tokens"  # the recorded label is kept as a number
    en_text = (rendered["en"][0]._blocks(), rendered["ja"][0]._blocks())
    from scaling_bayes.report.render import to_markdown

    en_md, ja_md = (to_markdown(blocks, {}) for blocks in en_text)
    assert scale in en_md
    assert "規模（パラメータ数 15億、トークン数 300億）での学習1回" in ja_md
    sentence = next(line for line in ja_md.splitlines() if "での学習1回" in line)
    assert "英語表記" not in sentence and "params" not in sentence and "e+" not in sentence


def test_both_languages_cite_the_same_numbers(rendered):
    en, ja = (rendered[lang][1]["printed"] for lang in ("en", "ja"))
    assert {k for k, _ in en} == {k for k, _ in ja}  # word order differs, the keys do not
    assert rendered["en"][0].numbers == rendered["ja"][0].numbers


def test_number_spans_parser():
    spans = NumberSpans('<p>a <span data-key="k">12</span> <span>x</span><br/></p>')
    assert spans.pairs == [["k", "12"]]
