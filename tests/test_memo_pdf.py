"""The memo printed by a real browser: headless Chromium prints the HTML memo to PDF.

Asserted in English and Japanese: the executive summary ends on page 1 (its last paragraph, the
links to the numbers files, is on page 1 and the technical appendix starts on page 2), the body
font is at least 10 pt, and Japanese text renders with a CJK font (the PDF embeds one, and the
Japanese title and summary heading come back out of page 1's text).

Needs the Debian packages ``chromium``, ``fonts-noto-cjk`` and ``fonts-liberation`` (CI installs
them; without the last, Chromium sets English text in the CJK font). On a machine
without Chromium the test skips with that reason, except under CI (``CI`` set), where a missing
browser fails the test instead of hiding it.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import unicodedata
import warnings

import pytest
from helpers import form_decision, hand_built_draws
from test_exec_summary import inspection_review

import scaling_bayes as sb
from scaling_bayes.app.config import load_config
from scaling_bayes.app.review import build_inputs
from scaling_bayes.datasets import example_config_path
from scaling_bayes.testing import fit_from_draws

pypdf = pytest.importorskip("pypdf", reason="pypdf (dev extra) reads the printed PDF")

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
TITLES = {
    "en": "Scaling the language model: which size to fund?",
    "ja": "言語モデルの規模拡大：どの規模に投資するか",
}
SUMMARY = {"en": "Executive summary", "ja": "経営向け要約"}
TECHNICAL = {"en": "Technical appendix", "ja": "技術付録"}
#: Minimum body font size (points) for a printed board memo.
MIN_BODY_PT = 10.0


def _browser() -> str:
    for name in BROWSERS:
        path = shutil.which(name)
        if path:
            return path
    message = (
        "headless Chromium not installed "
        "(Debian: apt-get install chromium fonts-noto-cjk fonts-liberation)"
    )
    if os.environ.get("CI"):
        pytest.fail(f"{message}; CI must install it so this test runs")
    pytest.skip(message)


def _print_pdf(browser: str, html_path, pdf_path) -> None:
    command = [
        browser,
        "--headless",
        "--no-sandbox",  # CI runs as root, where Chromium refuses its sandbox
        "--disable-gpu",
        "--no-pdf-header-footer",
        f"--print-to-pdf={pdf_path}",
        html_path.resolve().as_uri(),
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=180, check=False)
    assert pdf_path.exists(), f"Chromium wrote no PDF (exit {done.returncode}): {done.stderr}"


def _squeeze(text: str) -> str:
    """Page text without whitespace, NFKC-normalised: PDF extraction breaks lines, spaces CJK
    runs and returns some kanji as their Kangxi-radical twins (⼤ for 大)."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def _font_names(page) -> set[str]:
    names = set()
    fonts = page["/Resources"].get("/Font", {})
    for ref in fonts.values():
        font = ref.get_object()
        descriptor = font.get("/FontDescriptor")
        if descriptor is None and "/DescendantFonts" in font:
            descriptor = font["/DescendantFonts"][0].get_object().get("/FontDescriptor")
        names.add(str(font.get("/BaseFont", "")))
        if descriptor is not None:
            descriptor = descriptor.get_object()
            names.add(str(descriptor.get("/FontName", "")))
            names.add(str(descriptor.get("/FontFamily", "")))
    return names


@pytest.fixture(scope="module")
def printed(tmp_path_factory):
    """Both demo stories printed in both languages: the language-model review (five plans) and
    the inspection review (three plans, targets, cost breakdown: the longest summary)."""
    browser = _browser()
    config = load_config(example_config_path())
    data, model, plans = build_inputs(config)
    model = fit_from_draws(model, data, hand_built_draws())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the 30B plan is far beyond the runs, on purpose
        ladder = sb.compare_scales(model, plans, threshold=config.threshold, random_seed=0)
    _, inspection_model, inspection_ladder = inspection_review()
    reviews = {
        "language_model": (model, ladder),
        "inspection": (inspection_model, inspection_ladder),
    }
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        decisions = {story: form_decision(*pair) for story, pair in reviews.items()}
    out = tmp_path_factory.mktemp("pdf")
    pages = {}
    for story, (fitted, result) in reviews.items():
        for lang in ("en", "ja"):
            memo = sb.RiskMemo(
                fitted,
                result,
                title=TITLES[lang],
                language=lang,
                date="2026-12-03",
                numbers_files=("numbers.json", "numbers.csv"),
                # as the review writes it: the summary's longest form, with the decision
                # restated under form uncertainty
                **decisions[story],
            )
            html_path = memo.to_html(out / f"{story}_{lang}.html")
            pdf_path = out / f"{story}_{lang}.pdf"
            _print_pdf(browser, html_path, pdf_path)
            reader = pypdf.PdfReader(pdf_path)
            pages[story, lang] = (html_path.read_text(encoding="utf-8"), reader.pages)
    return pages


@pytest.mark.parametrize("story", ["language_model", "inspection"])
@pytest.mark.parametrize("lang", ["en", "ja"])
def test_summary_fits_on_page_one(printed, story, lang):
    _, pages = printed[story, lang]
    first, second = _squeeze(pages[0].extract_text()), _squeeze(pages[1].extract_text())
    assert _squeeze(SUMMARY[lang]) in first
    # the summary's last paragraph (links to the numbers files) ends page 1 ...
    assert first.endswith("numbers.json,numbers.csv"), first[-200:]
    # ... and the technical appendix starts on page 2
    assert second.startswith(_squeeze(TECHNICAL[lang])), second[:200]


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_body_font_is_at_least_10pt(printed, lang):
    html, _ = printed["inspection", lang]
    body = re.search(r"body\s*\{[^}]*font:\s*([\d.]+)pt", html)
    assert body, "the memo's CSS sets no body font size in points"
    assert float(body.group(1)) >= MIN_BODY_PT
    # no paragraph of the summary is set smaller than 9 pt (tables and notes may be smaller)
    sizes = [float(x) for x in re.findall(r"p\.[\w-]+\s*\{[^}]*font-size:\s*([\d.]+)pt", html)]
    assert all(size >= 9 for size in sizes), sizes


@pytest.mark.parametrize("story", ["language_model", "inspection"])
def test_japanese_glyphs_render_with_a_cjk_font(printed, story):
    _, pages = printed[story, "ja"]
    text = _squeeze(pages[0].extract_text())
    assert _squeeze(TITLES["ja"]) in text
    assert "可能性" in text  # a likelihood term of the summary's decision sentence
    fonts = _font_names(pages[0])
    assert any("CJK" in name for name in fonts), sorted(fonts)
    if story == "language_model":  # (the inspection plans have Japanese names in English too)
        english = _font_names(printed[story, "en"][1][0])
        assert not any("CJK" in name for name in english)  # the check tells the two apart
