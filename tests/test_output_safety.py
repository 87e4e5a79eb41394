"""Output folders: built aside and moved into place, ``--force`` replaces only a previous review.

The interrupt test runs reviews in child processes (the fit replaced by hand-built draws) and
sends SIGINT at several points; the target folder must then hold either the previous review or
the complete new one, and nothing half-written may be left beside it.
"""

# ruff: noqa: F811  (pytest fixtures imported from app_helpers are used as arguments)
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from app_helpers import fake_fit, listing, no_sampling, small_raw, write_review  # noqa: F401

import scaling_bayes as sb
from scaling_bayes.app import output
from scaling_bayes.app.cli import main
from scaling_bayes.app.output import (
    LEGACY_FILES,
    MANIFEST,
    MARKER,
    Staging,
    check_target,
    read_manifest,
    verify_review,
)

pytestmark = pytest.mark.filterwarnings("ignore::scaling_bayes.ScalingBayesWarning")
TESTS = Path(__file__).resolve().parent
#: What `scaling-bayes demo` wrote before manifests existed (listed from a demo folder of
#: scaling_bayes 0.1.0): the folder `make demo` must still be allowed to replace.
OLD_DEMO_FILES = (
    "diagnostics.txt",
    "ladder.csv",
    "memo.html",
    "memo.md",
    "memo_acceptability.png",
    "memo_fan.png",
    "memo_ja.html",
    "memo_ja.md",
    "memo_ja_acceptability.png",
    "memo_ja_fan.png",
    "memo_ja_ladder.png",
    "memo_ja_roi.png",
    "memo_ja_tornado.png",
    "memo_ladder.png",
    "memo_roi.png",
    "memo_tornado.png",
    "model.nc",
    "numbers.csv",
    "numbers.json",
    "posterior_summary.csv",
)


def previous_review(folder: Path, text: str = "# the previous memo") -> bytes:
    """A small committed review (manifest included); returns its manifest's bytes."""
    with Staging(folder) as stage:
        (stage.path / "memo.md").write_text(text)
        (stage.path / "memo.html").write_text(f"<p>{text}</p>")
        stage.commit(converged=True)
    return (folder / MANIFEST).read_bytes()


def hidden_siblings(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if "scaling-bayes" in p.name)


# ---------------------------------------------------------------------- --force refusals
def test_review_out_dot_force_refuses_and_every_file_survives(
    tmp_path, monkeypatch, no_sampling, capsys
):
    """Issue 10 item 1: `review cfg.toml --out . --force` (with a typo in the law name)."""
    raw = small_raw()
    raw["model"]["law"] = "chinchila"
    config = write_review(tmp_path, raw)
    (tmp_path / "notes.txt").write_text("my notes")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "keep.csv").write_text("a,b\n1,2\n")
    before = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    monkeypatch.chdir(tmp_path)
    assert main(["review", config.name, "--out", ".", "--force"]) == 2
    err = capsys.readouterr().err
    assert "[model].law" in err and "chinchila" in err
    # The law typo is fixed: the folder itself is still refused, and names why.
    raw["model"]["law"] = "chinchilla"
    write_review(tmp_path, raw)
    before[config] = config.read_bytes()
    assert main(["review", config.name, "--out", ".", "--force"]) == 2
    assert "current folder" in capsys.readouterr().err
    assert {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()} == before
    assert no_sampling.calls == 0


def test_force_with_bad_config_keeps_the_previous_review(tmp_path, no_sampling, capsys):
    """Issue 10 item 1: `--out previous_review --force` with a bad config wipes nothing."""
    out = tmp_path / "previous_review"
    manifest = previous_review(out)
    raw = small_raw()
    raw["model"]["law"] = "chinchila"
    config = write_review(tmp_path / "in", raw)
    assert main(["review", str(config), "--out", str(out), "--force"]) == 2
    assert "[model].law" in capsys.readouterr().err
    assert (out / MANIFEST).read_bytes() == manifest and verify_review(out)


def test_force_through_a_symlink_is_refused(tmp_path, no_sampling, capsys):
    """Issue 10 item 10: --out a symlink with --force."""
    real = tmp_path / "elsewhere"
    manifest = previous_review(real)
    link = tmp_path / "link"
    link.symlink_to(real, target_is_directory=True)
    config = write_review(tmp_path / "in")
    assert main(["review", str(config), "--out", str(link), "--force"]) == 2
    err = capsys.readouterr().err
    assert "symbolic link" in err and str(link) in err
    assert (real / MANIFEST).read_bytes() == manifest and link.is_symlink()


def test_dangling_symlink_is_refused(tmp_path):
    link = tmp_path / "link"
    link.symlink_to(tmp_path / "nowhere")
    with pytest.raises(sb.ConfigError, match="symbolic link"):
        check_target(link, force=False)


def test_folder_without_manifest_is_not_replaced(tmp_path, no_sampling, capsys):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "thesis.docx").write_text("years of work")
    config = write_review(tmp_path / "in")
    assert main(["review", str(config), "--out", str(out), "--force"]) == 2
    err = capsys.readouterr().err
    assert "thesis.docx" in err and "--force refuses" in err
    assert (out / "thesis.docx").read_text() == "years of work"


def test_review_with_an_added_file_is_not_replaced(tmp_path):
    out = tmp_path / "review"
    previous_review(out)
    (out / "my_notes.txt").write_text("added by hand")
    with pytest.raises(sb.ConfigError, match=r"did not write \(my_notes\.txt\)"):
        check_target(out, force=True)


def test_foreign_manifest_is_not_ours(tmp_path):
    out = tmp_path / "review"
    out.mkdir()
    (out / MANIFEST).write_text(json.dumps({"tool": "other", "files": []}))
    with pytest.raises(sb.ConfigError, match="not a scaling-bayes manifest"):
        check_target(out, force=True)


def test_home_folder_is_never_replaced(tmp_path, monkeypatch):
    home = tmp_path / "home"
    previous_review(home)
    monkeypatch.setenv("HOME", str(home))
    with pytest.raises(sb.ConfigError, match="home folder"):
        check_target(home, force=True)


def test_filesystem_root_is_never_replaced():
    with pytest.raises(sb.ConfigError, match="filesystem root"):
        check_target(Path("/"), force=True)


def test_a_folder_above_the_current_one_is_never_replaced(tmp_path, monkeypatch):
    previous_review(tmp_path / "review")
    inner = tmp_path / "review" / "deeper"
    monkeypatch.setattr(output, "_not_ours", lambda folder: None)  # even if it looked like ours
    inner.mkdir()
    monkeypatch.chdir(inner)
    with pytest.raises(sb.ConfigError, match="current folder"):
        check_target(tmp_path / "review", force=True)


def test_folder_holding_the_config_is_never_replaced(tmp_path, no_sampling, capsys):
    out = tmp_path / "review"
    previous_review(out)
    config = write_review(out / "cfg")  # the config and data inside the folder to replace
    assert main(["review", str(config), "--out", str(out), "--force"]) == 2
    err = capsys.readouterr().err
    assert "which this review reads" in err
    assert config.exists()


def test_folder_holding_the_data_is_never_replaced(tmp_path, monkeypatch):
    out = tmp_path / "review"
    previous_review(out)
    monkeypatch.setattr(output, "_not_ours", lambda folder: None)
    data = out / "runs.csv"
    data.write_text("x")
    with pytest.raises(sb.ConfigError, match=r"holds '.*runs\.csv', which this review reads"):
        check_target(out, force=True, protect=[data])


def test_undeletable_file_is_found_before_anything_moves(tmp_path, monkeypatch, capsys):
    """Issue 10 item 10: --force on a folder with an undeletable file (checked up front).

    Tests may run as root, for whom permissions do not apply, so the permission check is told
    that one folder is read-only.
    """
    out = tmp_path / "review"
    manifest = previous_review(out)
    real_access = os.access
    monkeypatch.setattr(
        output.os, "access", lambda p, mode: Path(p) != out and real_access(p, mode)
    )
    with pytest.raises(sb.ConfigError, match=r"cannot be deleted \(no write permission\)"):
        check_target(out, force=True)
    assert (out / MANIFEST).read_bytes() == manifest


def test_old_review_that_cannot_be_deleted_is_reported_not_half_deleted(tmp_path, monkeypatch):
    out = tmp_path / "review"
    previous_review(out)

    def refuse(path, *args, **kwargs):
        raise PermissionError(13, "Operation not permitted", str(path))

    with Staging(out) as stage:
        (stage.path / "memo.md").write_text("# new")
        monkeypatch.setattr(output.shutil, "rmtree", refuse)
        stage.commit(converged=True)
    monkeypatch.undo()
    assert verify_review(out) and (out / "memo.md").read_text() == "# new"
    left, err = stage.leftover
    assert left.exists() and isinstance(err, PermissionError)
    assert read_manifest(left) is not None  # the old review, whole, beside the new one


# ---------------------------------------------------------------------- legacy layout
def legacy_copy(tmp_path) -> Path:
    """A demo folder laid out as 0.1.0 wrote it (no manifest)."""
    copy = tmp_path / "demo_output"
    copy.mkdir()
    for name in OLD_DEMO_FILES:
        (copy / name).write_bytes(b"written by scaling_bayes 0.1.0")
    return copy


def test_old_demo_folder_is_recognised(tmp_path):
    copy = legacy_copy(tmp_path)
    assert {p.name for p in copy.iterdir()} <= LEGACY_FILES
    assert check_target(copy, force=True) == copy


def test_old_demo_folder_with_a_foreign_file_is_not_replaced(tmp_path):
    copy = legacy_copy(tmp_path)
    (copy / "budget.xlsx").write_text("x")
    with pytest.raises(sb.ConfigError, match=r"budget\.xlsx"):
        check_target(copy, force=True)


def test_legacy_names_without_the_memo_are_not_a_review(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "numbers.csv").write_text("x")
    with pytest.raises(sb.ConfigError, match=r"no memo\.html and memo\.md"):
        check_target(out, force=True)


def test_demo_force_replaces_an_old_demo_folder(tmp_path, fake_fit, monkeypatch, capsys):
    """`make demo` over a demo folder written before manifests (fit replaced by draws)."""
    copy = legacy_copy(tmp_path)
    monkeypatch.setattr("scaling_bayes.app.cli._demo", _small_demo)
    assert main(["demo", "--out", str(copy), "--force"]) == 0, capsys.readouterr().err
    assert verify_review(copy)
    assert hidden_siblings(tmp_path) == []


def _small_demo(args):
    from scaling_bayes.app.cli import _run
    from scaling_bayes.app.config import parse_config
    from scaling_bayes.datasets import example_config_path

    config = parse_config(small_raw(), base=example_config_path().parent)
    return _run(config, args)


# ---------------------------------------------------------------------- staging
def test_failure_inside_staging_leaves_target_and_no_sibling(tmp_path):
    out = tmp_path / "review"
    manifest = previous_review(out)
    with pytest.raises(RuntimeError), Staging(out) as stage:
        (stage.path / "memo.md").write_text("half")
        raise RuntimeError("boom")
    assert (out / MANIFEST).read_bytes() == manifest
    assert hidden_siblings(tmp_path) == []


def test_stale_siblings_are_cleaned_only_when_ours_and_dead(tmp_path):
    out = tmp_path / "review"
    dead = tmp_path / ".review.scaling-bayes-new-dead"
    dead.mkdir()
    child = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        check=True,
        capture_output=True,
        text=True,
    )
    (dead / MARKER).write_text(child.stdout.strip())  # that process has exited
    alive = tmp_path / ".review.scaling-bayes-new-alive"
    alive.mkdir()
    (alive / MARKER).write_text("1")  # pid 1 is always running
    unmarked = tmp_path / ".review.scaling-bayes-new-user"
    unmarked.mkdir()
    with Staging(out) as stage:
        (stage.path / "memo.md").write_text("# memo")
        stage.commit(converged=False)
    assert not dead.exists() and alive.exists() and unmarked.exists()
    assert read_manifest(out)["converged"] is False


def test_manifest_detects_an_edited_file(tmp_path):
    out = tmp_path / "review"
    previous_review(out)
    assert verify_review(out)
    (out / "memo.md").write_text("# edited")
    assert not verify_review(out)


# ---------------------------------------------------------------------- interrupts
CHILD = textwrap.dedent(
    """
    import os, signal, sys, time
    from pathlib import Path
    # A test runner started as a background job of a non-interactive shell ignores SIGINT, and
    # children inherit that: restore Python's own handler so the SIGINT below reaches the CLI.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    sys.path.insert(0, {tests!r})
    point, config, out, flag = sys.argv[1:5]
    import warnings
    warnings.simplefilter("ignore")
    import scaling_bayes as sb
    from app_helpers import _fake_fit
    from scaling_bayes.app import output
    from scaling_bayes.report import RiskMemo, export

    def pause(name):
        if name == point:
            print("READY", flush=True)
            # Wait for SIGINT. During the folder swap it is deferred: wait for the parent's
            # word that it was sent, then go on.
            for _ in range(2400):
                if name == "swap" and Path(flag).exists():
                    break
                time.sleep(0.05)

    def fit(self, data, random_seed=None, progressbar=None):
        pause("fit")
        return _fake_fit(self, data, random_seed=random_seed)

    sb.ScalingLawModel.fit = fit
    to_html = RiskMemo.to_html
    def html(self, path):
        pause("memo")
        return to_html(self, path)
    RiskMemo.to_html = html
    write_csv = export.write_csv
    def csv(frame, path, **kw):
        if Path(path).name == "ladder.csv":
            pause("export")
        return write_csv(frame, path, **kw)
    export.write_csv = csv
    manifest = output._write_manifest
    def man(folder, converged):
        done = manifest(folder, converged)
        pause("manifest")
        return done
    output._write_manifest = man
    rename = os.rename
    def ren(a, b):
        rename(a, b)
        if "scaling-bayes-old-" in str(b):
            pause("swap")
    os.rename = ren
    from scaling_bayes.app.cli import main
    sys.exit(main(["review", config, "--out", out, "--force"]))
    """
).format(tests=str(TESTS))


def test_sigint_at_any_point_leaves_the_previous_or_the_complete_new_review(tmp_path):
    config = write_review(tmp_path / "in")
    points = ("fit", "memo", "export", "manifest", "swap")
    runs = {}
    for point in points:
        out = tmp_path / point / "review"
        runs[point] = (out, previous_review(out))
    children = {
        point: subprocess.Popen(
            [sys.executable, "-c", CHILD, point, str(config), str(out), str(out) + ".sent"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for point, (out, _) in runs.items()
    }
    outcome = {}
    for point, child in children.items():
        line = child.stdout.readline()
        assert line.strip() == "READY", child.communicate(timeout=60)[1][-2000:]
        child.send_signal(signal.SIGINT)
        Path(str(runs[point][0]) + ".sent").touch()
        _, err = child.communicate(timeout=120)
        out, manifest = runs[point]
        assert child.returncode == 130, (point, err[-2000:])
        assert "interrupted" in err
        if (out / MANIFEST).read_bytes() == manifest:
            outcome[point] = "previous"
        else:
            assert verify_review(out), point
            assert "ladder.csv" in {f["name"] for f in read_manifest(out)["files"]}
            outcome[point] = "new"
        assert hidden_siblings(out.parent) == [], point
        assert listing(out.parent) >= {"review"}
    # Before the swap the previous review stays; a SIGINT during the swap waits for it to end.
    assert outcome == {
        "fit": "previous",
        "memo": "previous",
        "export": "previous",
        "manifest": "previous",
        "swap": "new",
    }


def test_interrupt_without_a_previous_review_leaves_no_folder(tmp_path, monkeypatch):
    def interrupted(self, data, random_seed=None, progressbar=None):
        raise KeyboardInterrupt

    monkeypatch.setattr(sb.ScalingLawModel, "fit", interrupted)
    config = write_review(tmp_path / "in")
    out = tmp_path / "review"
    assert main(["review", str(config), "--out", str(out)]) == 130
    assert not out.exists() and hidden_siblings(tmp_path) == []


def test_signals_are_restored_after_a_commit(tmp_path):
    before = signal.getsignal(signal.SIGINT)
    with Staging(tmp_path / "r") as stage:
        (stage.path / "memo.md").write_text("x")
        stage.commit(converged=True)
    assert signal.getsignal(signal.SIGINT) is before
