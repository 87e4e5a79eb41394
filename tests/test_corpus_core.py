"""Regression corpus for the core: bad data, CSVs, unit slips and saved model files.

Every case in :data:`CORPUS` feeds one hostile input to a public entry point and asserts that

- the package's own exception type is raised (never a raw traceback from pandas or netCDF),
- the message names the culprit (column, row, argument or path) and the fix,
- no sampler was called (a spy replaces every sampling function and fails the test if called),
- no file or folder was left behind in the test's folder.

``item`` ties a case to issue 10 ("5", "6", "8", "10") or marks it as one of our own ("own").
``len(CORPUS)`` is the corpus size reported in tests/README.md. The module also holds the
positive counterparts (files that must be read, fits that must stay converged) and the
diagnostics checks, which are not counted in the corpus.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from helpers import hand_built_draws

import scaling_bayes as sb
from scaling_bayes.core import _arviz as az
from scaling_bayes.core import io as model_io
from scaling_bayes.core import units
from scaling_bayes.core.diagnostics import check_convergence
from scaling_bayes.testing import fit_from_draws


# ---------------------------------------------------------------------- the sampler spy
@pytest.fixture
def no_sampling(monkeypatch):
    """Replace every way into the sampler with a function that fails the test."""
    import scaling_bayes.core.model as model_module
    import scaling_bayes.core.sampling as sampling

    calls = []

    def spy(*args, **kwargs):
        calls.append(args)
        pytest.fail("the sampler was called for an input that should have been refused first")

    monkeypatch.setattr(sampling, "sample_posterior", spy)
    if hasattr(model_module, "sample_posterior"):  # a direct import would bypass the module
        monkeypatch.setattr(model_module, "sample_posterior", spy)
    monkeypatch.setattr(sampling, "_sample_nutpie", spy)
    monkeypatch.setattr(sampling, "_sample_pymc", spy)
    return calls


# ---------------------------------------------------------------------- building blocks
def runs(**columns) -> pd.DataFrame:
    """Five valid language-model runs; keyword arguments replace or add columns."""
    frame = pd.DataFrame(
        {
            "params": [1e7, 3e7, 1e8, 3e8, 1e9],
            "tokens": [2e8, 1.2e9, 2e9, 1.2e10, 2e10],
            "loss": [4.1, 3.7, 3.3, 3.0, 2.8],
        }
    )
    for name, values in columns.items():
        frame[name] = values
    return frame


def with_object(column: str, row: int, value, frame: pd.DataFrame | None = None) -> pd.DataFrame:
    frame = runs() if frame is None else frame
    frame[column] = frame[column].astype(object)
    frame.at[row, column] = value
    return frame


def fit_frame(frame: pd.DataFrame, **columns) -> None:
    """The user's path: validate the table, then fit (which must never start)."""
    data = sb.ScalingData.from_frame(frame, **columns)
    sb.ScalingLawModel("chinchilla", progressbar=False).fit(data)


def fit_csv(path: Path, **kwargs) -> None:
    data = sb.ScalingData.from_csv(path, **kwargs)
    sb.ScalingLawModel("chinchilla", progressbar=False).fit(data)


def write(tmp: Path, content: bytes | str, name: str = "runs.csv") -> Path:
    path = tmp / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    return path


CSV_OK = (
    "params,tokens,loss\n1e7,2e8,4.1\n3e7,1.2e9,3.7\n1e8,2e9,3.3\n3e8,1.2e10,3.0\n1e9,2e10,2.8\n"
)


def saved_model(tmp: Path, name: str = "model.nc") -> Path:
    data = sb.ScalingData.from_frame(sb.load_example())
    model = fit_from_draws(
        sb.ScalingLawModel("chinchilla", progressbar=False), data, hand_built_draws()
    )
    path = tmp / "models" / name
    path.parent.mkdir(exist_ok=True)
    model.save(path)
    return path


def rewrite(path: Path, edit: Callable[[az.InferenceData], None], *, rehash: bool) -> None:
    """Edit a saved model in place, optionally recomputing its hashes as an attacker would."""
    idata = az.from_netcdf(path)
    idata = edit(idata) or idata
    attrs = idata.posterior.attrs
    if rehash:
        config = {k: str(attrs.get(f"scaling_bayes_{k}", "")) for k in model_io._CONFIG_KEYS}
        attrs["scaling_bayes_config_sha256"] = model_io._hash(config)
        attrs["scaling_bayes_content_sha256"] = model_io.content_hash(
            idata, str(attrs.get("scaling_bayes_data_kinds", ""))
        )
    path.unlink()
    az.to_netcdf(idata, path)


def tampered(edit, *, rehash: bool = False):
    def action(tmp: Path) -> None:
        path = saved_model(tmp)
        rewrite(path, edit, rehash=rehash)
        sb.ScalingLawModel.load(path)

    return action


def set_attr(key: str, value):
    def edit(idata):
        idata.posterior.attrs[f"scaling_bayes_{key}"] = value

    return edit


def bump(group: str, var: str, factor: float = 1.01):
    def edit(idata):
        dataset = getattr(idata, group)
        values = dataset[var].values.copy()
        flat = values.reshape(-1)
        flat[0] = flat[0] * factor if values.dtype.kind == "f" else not flat[0]
        dataset[var] = dataset[var].copy(data=values)

    return edit


def drop_group(group: str):
    def edit(idata):
        kept = {g: az.group(idata, g) for g in az.groups(idata) if g != group}
        return az.from_groups(**kept)

    return edit


# ---------------------------------------------------------------------- the corpus
@dataclass(frozen=True)
class Case:
    """One hostile input: what to run, what must be raised, what the message must name."""

    id: str
    item: str
    action: Callable[[Path], None]
    error: type[Exception]
    culprit: tuple[str, ...]
    fix: str


def _f(frame_builder, **columns):
    return lambda tmp: fit_frame(frame_builder(), **columns)


def _csv(content, name="runs.csv", **kwargs):
    return lambda tmp: fit_csv(write(tmp, content, name), **kwargs)


_DATES = pd.date_range("2024-01-01", periods=5)
_BIG = 10**400

CORPUS: list[Case] = [
    # ---- issue 10, item 5: silent coercion in the data contract
    Case("bool-column", "5", _f(lambda: runs(params=[True, False, True, True, False])),
         sb.DataError, ("column 'params'", "true/false"), "nothing is converted"),
    Case("datetime-loss", "5", _f(lambda: runs(loss=_DATES)),
         sb.DataError, ("column 'loss'", "dates"), "give the quantity as a number"),
    Case("timedelta-tokens", "5", _f(lambda: runs(tokens=pd.to_timedelta([1, 2, 3, 4, 5], "h"))),
         sb.DataError, ("column 'tokens'", "durations"), "convert them to a number"),
    Case("complex-params", "5", _f(lambda: runs(params=np.array([1e7, 3e7, 1e8, 3e8, 1e9]) + 1j)),
         sb.DataError, ("column 'params'", "complex"), "give the real values"),
    Case("duplicate-column-names", "5",
         _f(lambda: pd.concat([runs(), runs()[["loss"]]], axis=1)),
         sb.DataError, ("'loss' (loss, 2 columns)",), "rename or drop the copies"),
    # ---- item 6: compute never checked against 6ND, inconsistent unit-slip rules
    Case("compute-in-pf-days", "6",
         _f(lambda: runs(pf_days=[1.4e-4, 2.5e-3, 1.4e-2, 0.25, 1.4]), compute="pf_days"),
         sb.DataError, ("column 'pf_days'", "implausibly small"), "give compute in FLOPs"),
    Case("compute-in-gigaflops", "6",
         _f(lambda: runs(gflops=[1.2e7, 2.16e8, 1.2e9, 2.16e10, 1.2e11]), compute="gflops"),
         sb.DataError, ("column 'gflops'", "rows 0, 1, 2, 3, 4", "outside 0.5x-2x"),
         "in training FLOPs"),
    Case("compute-1000x-6nd-one-row", "6",
         _f(lambda: runs(flops=[1.2e16, 2.16e17, 1.2e21, 2.16e19, 1.2e20]), compute="flops"),
         sb.DataError, ("column 'flops'", "row 2", "outside 0.5x-2x"), "leave the compute"),
    Case("plan-tokens-5", "6",
         lambda tmp: units.validate_scales({"params": [7e9], "tokens": [5]}, where="plan 'p'"),
         sb.DataError, ("tokens", "plan 'p'"), "give raw counts"),
    Case("one-axis-params-in-billions", "6",
         _f(lambda: runs(params=[0.01, 0.03, 0.1, 0.3, 1.0]), tokens=None),
         sb.DataError, ("column 'params'", "look like billions"), "multiply by 1e9"),
    Case("one-axis-compute-in-gpu-hours", "6",
         _f(lambda: runs(gpu_h=[2.0, 8.0, 30.0, 120.0, 500.0]), params=None, tokens=None,
            compute="gpu_h"),
         sb.DataError, ("column 'gpu_h'", "implausibly small"), "1 PF-day = 8.64e19 FLOPs"),
    # ---- item 8: saved models checked only their attributes
    Case("edited-posterior-draw", "8", tampered(bump("posterior", "alpha")),
         sb.ModelFileError, ("{tmp}", "changed after saving"), "refit and save again"),
    Case("edited-observed-loss", "8", tampered(bump("observed_data", "loss")),
         sb.ModelFileError, ("{tmp}", "changed after saving"), "refit and save again"),
    Case("edited-run-scale", "8", tampered(bump("constant_data", "params", 10.0)),
         sb.ModelFileError, ("{tmp}", "changed after saving"), "refit and save again"),
    Case("edited-divergence-flag", "8", tampered(bump("sample_stats", "diverging")),
         sb.ModelFileError, ("{tmp}", "changed after saving"), "refit and save again"),
    # ---- item 10: tracebacks instead of the package's errors (the core's share)
    Case("csv-path-is-folder", "10", lambda tmp: fit_csv(tmp),
         sb.DataError, ("{tmp}", "is a folder"), "give the path of the file"),
    Case("object-column-10**400", "10", _f(lambda: with_object("tokens", 3, _BIG)),
         sb.DataError, ("column 'tokens'", "row 3", "too large for float64"), "fix or remove"),
    Case("crafted-priors-json", "10",
         tampered(set_attr("priors", json.dumps({"alpha": {"dist": "Nope", "kwargs": 3}})),
                  rehash=True),
         sb.ModelFileError, ("{tmp}", "priors"), "refit and save again"),
    Case("non-numeric-draws-attribute", "10", tampered(set_attr("draws", "many"), rehash=True),
         sb.ModelFileError, ("{tmp}", "scaling_bayes_draws", "'many'"), "refit and save again"),
    Case("save-to-folder", "10",
         lambda tmp: fit_from_draws(
             sb.ScalingLawModel("chinchilla", progressbar=False),
             sb.ScalingData.from_frame(sb.load_example()), hand_built_draws()).save(tmp),
         sb.ModelFileError, ("{tmp}", "is a folder"), "give a file path"),
    # ---- our own: data frames
    Case("decimal-comma-text", "own", _f(lambda: with_object("loss", 1, "3,7")),
         sb.DataError, ("column 'loss'", "row 1", "'3,7'"), "decimal=','"),
    Case("thousands-separator", "own", _f(lambda: with_object("params", 2, "100,000,000")),
         sb.DataError, ("column 'params'", "row 2"), "thousands separators"),
    Case("billions-suffix-text", "own", _f(lambda: with_object("params", 4, "1B")),
         sb.DataError, ("column 'params'", "row 4", "'1B'"), "fix or remove"),
    Case("python-bool-in-object", "own", _f(lambda: with_object("loss", 0, True)),
         sb.DataError, ("column 'loss'", "row 0", "true/false"), "fix or remove"),
    Case("datetime-object-in-object", "own",
         _f(lambda: with_object("loss", 2, dt.datetime(2024, 1, 1))),
         sb.DataError, ("column 'loss'", "row 2", "datetime"), "fix or remove"),
    Case("complex-object-in-object", "own", _f(lambda: with_object("tokens", 1, 2e9 + 1j)),
         sb.DataError, ("column 'tokens'", "row 1", "complex"), "fix or remove"),
    Case("nan-word-as-text", "own", _f(lambda: with_object("loss", 3, "nan")),
         sb.DataError, ("column 'loss'", "row 3", "'nan'"), "fix or remove"),
    Case("1e400-as-text", "own", _f(lambda: with_object("tokens", 0, "1e400")),
         sb.DataError, ("column 'tokens'", "row 0", "too large"), "fix or remove"),
    Case("categorical-column", "own",
         _f(lambda: runs(loss=pd.Categorical([4.1, 3.7, 3.3, 3.0, 2.8]))),
         sb.DataError, ("column 'loss'", "categories"), ".astype(float)"),
    Case("nullable-boolean", "own",
         _f(lambda: runs(params=pd.array([True, False, True, None, True], dtype="boolean"))),
         sb.DataError, ("column 'params'", "true/false"), "nothing is converted"),
    Case("period-column", "own",
         _f(lambda: runs(loss=pd.period_range("2024-01", periods=5, freq="M"))),
         sb.DataError, ("column 'loss'", "dates"), "give the quantity"),
    Case("nullable-int-with-na", "own",
         _f(lambda: runs(params=pd.array([10**7, 3 * 10**7, None, 3 * 10**8, 10**9],
                                         dtype="Int64"))),
         sb.DataError, ("column 'params'", "row 2", "missing"), "fix or remove"),
    Case("one-column-for-two-arguments", "own", _f(lambda: runs(), params="tokens"),
         sb.DataError, ("column 'tokens'", "params, tokens"), "its own column"),
    Case("unknown-kind-axis", "own", _f(lambda: runs(), kinds={"images": "count"}),
         sb.DataError, ("kinds=", "images"), "kinds={'tokens': 'count'}"),
    Case("unknown-kind-value", "own", _f(lambda: runs(), kinds={"tokens": "images"}),
         sb.DataError, ("kinds['tokens']", "'images'"), "'count'"),
    Case("column-argument-is-a-list", "own", _f(lambda: runs(), params=["params"]),
         sb.DataError, ("params=",), "as a string"),
    Case("loss-none", "own", _f(lambda: runs(), loss=None),
         sb.DataError, ("loss=",), "name the column"),
    Case("tokens-in-billions", "own", _f(lambda: runs(tokens=[0.2, 1.2, 2.0, 12.0, 20.0])),
         sb.DataError, ("column 'tokens'", "look like billions"), "multiply by 1e9"),
    Case("compute-as-flops-per-second", "own",
         _f(lambda: runs(c=[3e14] * 4 + [6e14]), compute="c"),
         sb.DataError, ("column 'c'", "outside 0.5x-2x"), "in training FLOPs"),
    Case("negative-inf-loss", "own", _f(lambda: runs(loss=[4.1, -np.inf, 3.3, 3.0, 2.8])),
         sb.DataError, ("column 'loss'", "row 1"), "fix or remove"),
    Case("not-a-dataframe", "own", lambda tmp: sb.ScalingData.from_frame(runs().to_dict()),
         sb.DataError, ("dict",), "pd.DataFrame"),
    Case("index-with-repeated-labels-and-nan", "own",
         _f(lambda: runs(loss=[4.1, np.nan, 3.3, 3.0, 2.8]).set_index(pd.Index([0, 0, 1, 1, 2]))),
         sb.DataError, ("column 'loss'", "row 0"), "fix or remove"),
    # ---- our own: CSV files
    Case("csv-missing", "own", lambda tmp: fit_csv(tmp / "nope.csv"),
         sb.DataError, ("{tmp}", "does not exist"), "check the path"),
    Case("csv-empty", "own", _csv(b""), sb.DataError, ("{tmp}", "is empty"), "header line"),
    Case("csv-blank-lines", "own", _csv("\n \n\n"), sb.DataError, ("{tmp}", "is empty"),
         "header line"),
    Case("csv-header-only", "own", _csv("params,tokens,loss\n"),
         sb.DataError, ("{tmp}", "empty"), "one row per training run"),
    Case("csv-undecodable", "own", _csv(b"params,tokens,loss\n1e7,2e8,4.1\x81 \n"),
         sb.DataError, ("{tmp}", "utf-8-sig and cp932"), "encoding="),
    Case("csv-unknown-encoding", "own", _csv(CSV_OK, encoding="klingon"),
         sb.DataError, ("encoding='klingon'",), "'cp932'"),
    Case("csv-explicit-ascii-on-utf8", "own",
         _csv("params,tokens,loss,note\n1e7,2e8,4.1,é\n1e8,2e9,3.3,ü\n", encoding="ascii"),
         sb.DataError, ("{tmp}", "ascii"), "encoding="),
    Case("csv-ragged-line", "own",
         _csv("params,tokens,loss\n1e7,2e8,4.1\n1e8,2e9,3.3,9\n3e8,1.2e10,3.0\n"),
         sb.DataError, ("{tmp}", "separator"), "as many fields as the header"),
    Case("csv-ambiguous-separator", "own", _csv("a;b,c\n1;2,3\n4;5,6\n"),
         sb.DataError, ("{tmp}", "';'", "','"), "sep="),
    Case("csv-semicolon-decimal-comma", "own",
         _csv("params;tokens;loss\n1e7;2e8;4,1\n3e7;1.2e9;3,7\n1e8;2e9;3,3\n"),
         sb.DataError, ("{tmp}", "column 'loss'", "rows 0, 1, 2"), "decimal=','"),
    Case("csv-bom-boolean-column", "own",
         _csv("params,tokens,loss\nTRUE,2e8,4.1\nFALSE,2e9,3.3\n".encode("utf-8-sig")),
         sb.DataError, ("{tmp}", "column 'params'", "true/false"), "nothing is converted"),
    Case("csv-cp932-japanese-header-bad-loss", "own",
         _csv("パラメータ数,トークン数,損失\n1e7,2e8,4.1\n1e8,2e9,欠測\n".encode("cp932"),
              params="パラメータ数", tokens="トークン数", loss="損失"),
         sb.DataError, ("{tmp}", "column '損失'", "row 1", "'欠測'"), "fix or remove"),
    Case("csv-10**400-digits", "own",
         _csv("params,tokens,loss\n1e7,2e8,4.1\n1e8," + "1" + "0" * 400 + ",3.3\n"),
         sb.DataError, ("{tmp}", "column 'tokens'", "row 1", "infinite"), "too large for float64"),
    # ---- our own: saved model files
    Case("model-text-file", "own",
         lambda tmp: sb.ScalingLawModel.load(write(tmp, "not a model", "m.nc")),
         sb.ModelFileError, ("{tmp}", "not netCDF"), "corrupted"),
    Case("model-truncated", "own",
         lambda tmp: sb.ScalingLawModel.load(
             write(tmp, saved_model(tmp).read_bytes()[:5000], "cut.nc")),
         sb.ModelFileError, ("{tmp}", "not netCDF"), "corrupted"),
    Case("model-path-is-folder", "own", lambda tmp: sb.ScalingLawModel.load(tmp),
         sb.ModelFileError, ("{tmp}", "is a folder"), "the .nc file"),
    Case("model-missing-observed-group", "own", tampered(drop_group("observed_data")),
         sb.ModelFileError, ("{tmp}", "observed_data"), "refit and save again"),
    Case("model-non-numeric-tune", "own", tampered(set_attr("tune", "1e3x"), rehash=True),
         sb.ModelFileError, ("{tmp}", "scaling_bayes_tune"), "refit and save again"),
    Case("model-zero-chains", "own", tampered(set_attr("chains", "0"), rehash=True),
         sb.ModelFileError, ("{tmp}", "scaling_bayes_chains"), "positive integer"),
    Case("model-nan-y-min", "own", tampered(set_attr("y_min", "nan"), rehash=True),
         sb.ModelFileError, ("{tmp}", "scaling_bayes_y_min"), "not written by"),
    Case("model-priors-json-list", "own", tampered(set_attr("priors", "[1, 2]"), rehash=True),
         sb.ModelFileError, ("{tmp}", "priors"), "refit and save again"),
    Case("model-priors-json-deep-nesting", "own",
         tampered(set_attr("priors", "[" * 100_000 + "]" * 100_000), rehash=True),
         sb.ModelFileError, ("{tmp}", "priors"), "refit and save again"),
    Case("model-reference-garbage", "own", tampered(set_attr("reference", "{oops"), rehash=True),
         sb.ModelFileError, ("{tmp}", "reference scales"), "refit and save again"),
    Case("model-unknown-law", "own", tampered(set_attr("law", "gpt-law"), rehash=True),
         sb.ModelFileError, ("{tmp}", "gpt-law"), "refit and save again"),
    Case("model-unknown-format", "own", tampered(set_attr("format", 9), rehash=True),
         sb.ModelFileError, ("{tmp}", "format '9'"), "upgrade scaling_bayes"),
    Case("model-content-hash-removed", "own",
         tampered(lambda idata: idata.posterior.attrs.update(scaling_bayes_content_sha256="")),
         sb.ModelFileError, ("{tmp}", "changed after saving"), "refit and save again"),
    Case("model-edited-config", "own", tampered(set_attr("y_min", "1.0")),
         sb.ModelFileError, ("{tmp}", "integrity check"), "refit and save again"),
    Case("save-into-missing-folder", "own",
         lambda tmp: fit_from_draws(
             sb.ScalingLawModel("chinchilla", progressbar=False),
             sb.ScalingData.from_frame(sb.load_example()), hand_built_draws()
         ).save(tmp / "no" / "such" / "m.nc"),
         sb.ModelFileError, ("{tmp}", "does not exist"), "create it first"),
    Case("save-under-a-file", "own",
         lambda tmp: fit_from_draws(
             sb.ScalingLawModel("chinchilla", progressbar=False),
             sb.ScalingData.from_frame(sb.load_example()), hand_built_draws()
         ).save(write(tmp, "x", "afile") / "m.nc"),
         sb.ModelFileError, ("{tmp}", "is a file"), "not a folder"),
    # ---- our own: unit rules shared with plans and predictions
    Case("count-axis-negative", "own",
         lambda tmp: units.validate_scales({"images": [500, -1]}, where="plan 'x'"),
         sb.DataError, ("images", "plan 'x'", "position 1"), "fix those values"),
    Case("prediction-compute-in-pf-days", "own",
         lambda tmp: units.validate_scales({"compute": [3.0, 30.0]}, where="predict()"),
         sb.DataError, ("compute", "predict()"), "8.64e19"),
    Case("plan-compute-off-6nd", "own",
         lambda tmp: units.validate_scales(
             {"params": [7e9], "tokens": [1.4e11], "compute": [5.9e24]}, where="plan 'big'"),
         sb.DataError, ("plan 'big'", "position 0"), "leave the compute"),
    Case("config-error-class-for-plans", "own",
         lambda tmp: units.validate_scales({"params": [7.0]}, where="[[plans]] #1",
                                           error=sb.ConfigError),
         sb.ConfigError, ("[[plans]] #1", "params"), "multiply by 1e9"),
]  # fmt: skip

#: Corpus size by origin, for tests/README.md.
CORPUS_COUNTS = {
    "total": len(CORPUS),
    "issue": sum(c.item != "own" for c in CORPUS),
    "own": sum(c.item == "own" for c in CORPUS),
}


def _files(folder: Path) -> set[Path]:
    return {p for p in folder.rglob("*")}


@pytest.mark.parametrize("case", CORPUS, ids=[c.id for c in CORPUS])
def test_corpus_case_is_refused_up_front(case, tmp_path, no_sampling):
    before = _files(tmp_path)
    with pytest.raises(case.error) as raised:
        case.action(tmp_path)
    message = str(raised.value)
    for culprit in case.culprit:
        assert culprit.replace("{tmp}", str(tmp_path)) in message, (culprit, message)
    assert case.fix in message, (case.fix, message)
    assert isinstance(raised.value, sb.ScalingBayesError)
    assert no_sampling == []
    # Nothing left behind beyond the inputs the case itself wrote (no temp files, no folders).
    left = {p for p in _files(tmp_path) - before if not p.name.endswith((".csv", ".nc"))}
    left -= {tmp_path / "models", tmp_path / "afile"}
    assert not left, left


def test_corpus_has_the_promised_size():
    assert CORPUS_COUNTS["own"] >= 30
    assert len({c.id for c in CORPUS}) == len(CORPUS)
    assert {"5", "6", "8", "10"} <= {c.item for c in CORPUS}


def test_failed_save_leaves_no_file(tmp_path, example_data):
    model = fit_from_draws(
        sb.ScalingLawModel("chinchilla", progressbar=False), example_data, hand_built_draws()
    )
    with pytest.raises(sb.ModelFileError):
        model.save(tmp_path / "missing" / "m.nc")
    assert list(tmp_path.iterdir()) == []


# ---------------------------------------------------------------------- what must still work
def test_bom_csv_is_read(tmp_path):
    data = sb.ScalingData.from_csv(write(tmp_path, CSV_OK.encode("utf-8-sig")))
    assert data.n_runs == 5 and data.axes == ("params", "tokens", "compute")


def test_cp932_csv_with_japanese_header_is_read(tmp_path):
    text = CSV_OK.replace("params,tokens,loss", "パラメータ数,トークン数,損失")
    data = sb.ScalingData.from_csv(
        write(tmp_path, text.encode("cp932")),
        params="パラメータ数",
        tokens="トークン数",
        loss="損失",
    )
    np.testing.assert_array_equal(data.loss, [4.1, 3.7, 3.3, 3.0, 2.8])


def test_semicolon_csv_with_decimal_comma_is_read(tmp_path):
    text = CSV_OK.replace(",", ";").replace(".", ",")
    data = sb.ScalingData.from_csv(write(tmp_path, text), decimal=",")
    np.testing.assert_array_equal(data.loss, [4.1, 3.7, 3.3, 3.0, 2.8])


def test_tab_separated_csv_is_read(tmp_path):
    data = sb.ScalingData.from_csv(write(tmp_path, CSV_OK.replace(",", "\t")))
    assert data.n_runs == 5


def test_explicit_encoding_is_honoured(tmp_path):
    frame = runs(note=["café", "thé", "", "", "crème"])
    path = tmp_path / "runs.csv"
    frame.to_csv(path, index=False, encoding="latin-1")
    with pytest.raises(sb.DataError, match="encoding="):
        sb.ScalingData.from_csv(path)
    assert sb.ScalingData.from_csv(path, encoding="latin-1").n_runs == 5


def test_object_columns_of_plain_numbers_are_accepted():
    frame = runs()
    frame["params"] = [10**7, "3e7", 1e8, np.float32(3e8), "1000000000"]
    data = sb.ScalingData.from_frame(frame)
    np.testing.assert_array_equal(data.column("params"), [1e7, 3e7, 1e8, 3e8, 1e9])


def test_compute_within_factor_two_of_six_nd_is_accepted():
    params = np.array([1e7, 3e7, 1e8, 3e8, 1e9])
    tokens = np.array([2e8, 1.2e9, 2e9, 1.2e10, 2e10])
    frame = runs(flops=6 * params * tokens * np.array([0.6, 1.0, 1.5, 1.9, 0.9]))
    data = sb.ScalingData.from_frame(frame, compute="flops")
    assert not data.compute_derived


def test_untouched_round_trip_of_every_group(tmp_path):
    path = saved_model(tmp_path)
    loaded = sb.ScalingLawModel.load(path)
    original = az.from_netcdf(path)
    assert model_io.content_hash(loaded.idata_, "{}") == model_io.content_hash(original, "{}")


def test_count_kind_survives_save_and_load(tmp_path):
    images = pd.DataFrame(
        {"images": [500, 1000, 2000, 4000, 8000], "err": [0.21, 0.16, 0.125, 0.10, 0.085]}
    )
    data = sb.ScalingData.from_frame(
        images, params=None, tokens="images", loss="err", kinds={"tokens": "count"}
    )
    draws = {
        "E": np.full((4, 1000), 0.05),
        "A": np.full((4, 1000), 3.0),
        "alpha": np.full((4, 1000), 0.4),
        "sigma": np.full((4, 1000), 0.02),
    }
    rng = np.random.default_rng(1)
    draws = {k: v * np.exp(0.01 * rng.standard_normal(v.shape)) for k, v in draws.items()}
    model = sb.ScalingLawModel("power", x="tokens", progressbar=False)
    fit_from_draws(model, data, draws)
    model.save(tmp_path / "m.nc")
    loaded = sb.ScalingLawModel.load(tmp_path / "m.nc")
    assert loaded.data_.kind("tokens") == "count"


# ---------------------------------------------------------------------- diagnostics
def _idata(energy=None, depth_flag=None, flag_name="maxdepth_reached", seed=0):
    rng = np.random.default_rng(seed)
    stats = {"diverging": np.zeros((4, 500), bool)}
    if energy is not None:
        stats["energy"] = energy
    if depth_flag is not None:
        stats[flag_name] = depth_flag
    return az.from_dict(posterior={"alpha": rng.normal(size=(4, 500))}, sample_stats=stats)


def test_ebfmi_below_threshold_fails_the_fit_naming_the_chain():
    rng = np.random.default_rng(0)
    energy = rng.normal(size=(4, 500))
    # A random walk has tiny successive differences relative to its spread: E-BFMI << 0.3.
    energy[2] = np.cumsum(rng.normal(size=500))
    report = check_convergence(_idata(energy=energy), ["alpha"])
    assert not report.converged
    assert any("E-BFMI below 0.3 (chain 2:" in p and "tighten the priors" in p
               for p in report.problems)  # fmt: skip
    assert report.sampler_checks.loc["E-BFMI (lowest chain)", "status"] == "failed"


def test_independent_energy_passes_ebfmi():
    energy = np.random.default_rng(1).normal(size=(4, 500))
    report = check_convergence(_idata(energy=energy), ["alpha"])
    assert report.converged
    # For independent draws E-BFMI estimates 2 (E[(x_t - x_{t-1})^2] = 2 var).
    assert all(abs(v - 2.0) < 0.5 for v in report.ebfmi)


@pytest.mark.parametrize("flag_name", ["maxdepth_reached", "reached_max_treedepth"])
def test_tree_depth_saturation_fails_the_fit(flag_name):
    hits = np.zeros((4, 500), bool)
    hits[0, :30] = True  # 30 of 2000 draws: 1.5% > 1%
    report = check_convergence(_idata(depth_flag=hits, flag_name=flag_name), ["alpha"])
    assert not report.converged
    assert any("30 of 2000 draws hit the maximum tree depth" in p for p in report.problems)
    assert report.treedepth_hits == 30


@pytest.mark.parametrize(("tune", "tuning"), [(1500, "tune=3000"), (None, "twice the tuning")])
def test_convergence_advice_asks_for_more_than_the_run_had(tune, tuning):
    """Advice to refit names twice the run's settings, not a fixed number it may already have."""
    rng = np.random.default_rng(3)
    alpha = rng.normal(size=(4, 500))
    alpha[1] += 1.0  # chains disagree: R-hat far above 1.01
    beta = np.repeat(rng.normal(size=(4, 25)), 20, axis=1)  # 25 distinct values a chain: ESS low
    idata = az.from_dict(
        posterior={"alpha": alpha, "beta": beta},
        sample_stats={"diverging": np.zeros((4, 500), bool)},
    )
    report = check_convergence(idata, ["alpha", "beta"], tune=tune)
    rhat = [p for p in report.problems if p.startswith("R-hat of alpha")]
    ess = [p for p in report.problems if p.startswith("bulk ESS of beta")]
    assert len(rhat) == 1 and f"more tuning ({tuning}" in rhat[0]
    assert len(ess) == 1 and "more draws (draws=1000)" in ess[0]


def test_few_tree_depth_hits_pass():
    hits = np.zeros((4, 500), bool)
    hits[1, :5] = True
    report = check_convergence(_idata(depth_flag=hits), ["alpha"])
    assert report.converged and report.treedepth_hits == 5


def test_absent_sampler_statistics_are_reported_as_skipped(fitted_chinchilla):
    report = fitted_chinchilla.diagnostics()
    assert report.converged
    assert report.skipped == ["E-BFMI", "tree depth"]
    statuses = report.sampler_checks["status"]
    assert statuses["E-BFMI (lowest chain)"] == "skipped"
    assert statuses["draws at maximum tree depth"] == "skipped"
    assert "E-BFMI and tree depth not checked" in report.text
    assert report.to_dict()["skipped_checks"] == ["E-BFMI", "tree depth"]


def test_a_format_1_file_still_loads_but_says_its_content_was_not_verified(tmp_path):
    """Files of scaling_bayes 0.1 hashed only the configuration: they load, with a warning."""
    path = saved_model(tmp_path)
    model = sb.ScalingLawModel.load(path)

    def as_format_1(idata):
        attrs = idata.posterior.attrs
        attrs["scaling_bayes_format"] = 1
        del attrs["scaling_bayes_content_sha256"]
        for group in ("log_likelihood", "posterior_predictive"):
            del idata[group]  # 0.1 did not write them

    rewrite(path, as_format_1, rehash=False)
    with pytest.warns(sb.InputWarning, match="could not be checked"):
        old = sb.ScalingLawModel.load(path)
    assert {"log_likelihood", "posterior_predictive"} <= set(az.groups(old.idata_))
    np.testing.assert_allclose(
        old.idata_.log_likelihood["loss"].values, model.idata_.log_likelihood["loss"].values
    )
