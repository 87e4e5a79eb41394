"""Progress bars of long operations: silent unless someone watches, forced on or off at will.

No MCMC: many-fit checks run with ``run_fit`` replaced by hand-built posteriors.
"""

from __future__ import annotations

import io
import os
import select

import numpy as np
import pandas as pd
import pytest
from helpers import hand_built_draws, simulated_data

import scaling_bayes as sb
import scaling_bayes.checks.comparison as comparison
import scaling_bayes.checks.parallel as parallel
from scaling_bayes.checks.parallel import FitTask, map_fits
from scaling_bayes.core import progress as progress_module
from scaling_bayes.core.progress import PROGRESS_ENV, progress, progress_mode, track
from scaling_bayes.testing import fit_from_draws


@pytest.fixture(autouse=True)
def _no_env(monkeypatch):
    """Tests start without the environment override (a developer may have it set)."""
    monkeypatch.delenv(PROGRESS_ENV, raising=False)


def _fake_run_fit(task):
    """``run_fit`` without MCMC: hand-built draws near the truth."""
    model = sb.ScalingLawModel(**{**task.model_kwargs, "progressbar": False})
    draws = hand_built_draws(0.01)  # the same converged draws for every task
    return fit_from_draws(model, task.data, draws)


def _tasks(example_data, n=3):
    return [FitTask({"law": "chinchilla"}, example_data, i, f"fit {i}") for i in range(n)]


# ---------------------------------------------------------------------- when it shows
def test_silent_when_output_is_not_a_terminal_nor_a_notebook(capsys):
    with progress(4, "fits") as bar:
        for _ in range(4):
            bar.advance()
    assert not bar.active
    assert bar.completed == 4  # counted all the same
    assert capsys.readouterr() == ("", "")


def test_forced_on_writes_one_final_line_to_stderr(capsys):
    with progress(4, "fits", progressbar=True) as bar:
        for _ in range(4):
            bar.advance()
    out, err = capsys.readouterr()
    assert bar.active
    assert out == ""  # standard output stays clean (e.g. for --json)
    assert len(err.strip().splitlines()) == 1
    assert "fits" in err and "4/4" in err


@pytest.mark.parametrize(
    ("env", "argument", "shown"),
    [
        ("1", None, True),
        ("always", None, True),
        ("0", None, False),
        ("never", None, False),
        ("1", False, False),  # the argument wins over the environment
        ("0", True, True),
    ],
)
def test_environment_forces_it_unless_the_argument_says_otherwise(
    monkeypatch, capsys, env, argument, shown
):
    monkeypatch.setenv(PROGRESS_ENV, env)
    with progress(2, "fits", progressbar=argument) as bar:
        bar.advance(2)
    err = capsys.readouterr().err
    assert bar.active is shown
    assert ("2/2" in err) is shown


def test_bad_settings_raise_config_errors_naming_them(monkeypatch):
    with pytest.raises(sb.ConfigError, match="progressbar must be True, False or None"):
        progress_mode("yes")
    monkeypatch.setenv(PROGRESS_ENV, "maybe")
    with pytest.raises(sb.ConfigError, match=f"{PROGRESS_ENV}='maybe'"):
        progress_mode(None)


def test_terminal_gets_a_live_bar():
    master, slave = os.openpty()
    try:
        with os.fdopen(slave, "w", closefd=False) as stream:
            assert progress_mode(None, stream=stream) == "terminal"
            with progress(3, "fits", stream=stream) as bar:
                for _ in range(3):
                    bar.advance()
            stream.flush()
        written = b""
        while select.select([master], [], [], 0.5)[0]:
            chunk = os.read(master, 65536)
            if not chunk:
                break
            written += chunk
    finally:
        os.close(master)
        os.close(slave)
    assert bar.active
    assert b"fits" in written


def test_notebook_gets_an_html_bar_updated_in_place(monkeypatch):
    shown = []

    class Handle:
        def update(self, obj):
            shown.append(obj.data)

    def display(obj, display_id=None):
        assert display_id is True
        shown.append(obj.data)
        return Handle()

    import IPython.display

    monkeypatch.setattr(progress_module, "_in_notebook", lambda: True)
    monkeypatch.setattr(IPython.display, "display", display)
    with progress(5, "<b>fits</b>") as bar:
        for _ in range(5):
            bar.advance()
    assert bar.active
    assert shown[0].startswith('<div class="sb-progress"><progress value="0" max="5"')
    assert 'value="5" max="5"' in shown[-1]
    assert "&lt;b&gt;fits&lt;/b&gt; 5/5" in shown[-1]  # the label is escaped
    assert len(shown) <= 1 + 5 + 1  # throttled: never more than one redraw per step


def test_notebook_bar_is_off_with_progressbar_false(monkeypatch):
    monkeypatch.setattr(progress_module, "_in_notebook", lambda: True)
    assert progress_mode(None) == "notebook"
    assert progress_mode(False) is None


def test_track_yields_everything_and_counts():
    log = io.StringIO()
    assert list(track(range(3), "steps", progressbar=True, stream=log)) == [0, 1, 2]
    assert "3/3" in log.getvalue()


# ---------------------------------------------------------------------- where it is used
def test_map_fits_counts_fits_when_forced_and_is_silent_otherwise(
    example_data, monkeypatch, capsys
):
    monkeypatch.setattr(parallel, "run_fit", _fake_run_fit)
    tasks = _tasks(example_data)
    map_fits(tasks, n_jobs=1)
    assert capsys.readouterr() == ("", "")
    map_fits(tasks, n_jobs=1, progressbar=False)
    assert capsys.readouterr() == ("", "")
    models = map_fits(tasks, n_jobs=1, progressbar=True)
    err = capsys.readouterr().err
    assert "map_fits: fits" in err and "3/3" in err
    assert len(models) == 3


def test_map_fits_refuses_a_bad_progressbar_before_any_fit(example_data, monkeypatch):
    def spy(task):
        raise AssertionError("a fit started")

    monkeypatch.setattr(parallel, "run_fit", spy)
    with pytest.raises(sb.ConfigError, match="progressbar"):
        map_fits(_tasks(example_data), n_jobs=1, progressbar="on")


def test_rolling_backtest_shows_its_fits_only_when_asked(monkeypatch, capsys):
    monkeypatch.setattr(parallel, "run_fit", _fake_run_fit)
    data = simulated_data()
    quiet = sb.rolling_backtest(data, holdout="params", min_train_scales=32, n_jobs=1)
    assert capsys.readouterr() == ("", "")
    loud = sb.rolling_backtest(
        data, holdout="params", min_train_scales=32, n_jobs=1, progressbar=True
    )
    err = capsys.readouterr().err
    assert "rolling_backtest: fits" in err and f"{len(loud)}/{len(loud)}" in err
    pd.testing.assert_frame_equal(quiet, loud)  # the bar changes no number


def test_backtest_and_compare_laws_pass_progressbar_on(example_data, monkeypatch, capsys):
    monkeypatch.setattr(parallel, "run_fit", _fake_run_fit)
    data = simulated_data(n_runs=30, seed=1)
    cutoff = float(np.sort(data.frame["params"])[19])
    sb.backtest(data, holdout="params", cutoff=cutoff, progressbar=True)
    assert "backtest: fit" in capsys.readouterr().err

    seen = {}

    def fake_map_fits(tasks, **kwargs):
        seen.update(kwargs)
        return [_fake_run_fit(t) for t in tasks]

    monkeypatch.setattr(comparison, "map_fits", fake_map_fits)
    laws = [{"law": "chinchilla", "name": "a"}, {"law": "chinchilla", "name": "b"}]
    sb.compare_laws(example_data, laws, n_jobs=1, progressbar=False)
    assert seen["progressbar"] is False
    with pytest.raises(sb.ConfigError, match="progressbar"):
        sb.compare_laws(example_data, laws, n_jobs=1, progressbar=1)


def test_evsi_pilot_counts_simulated_pilots(fitted_chinchilla, capsys):
    value = sb.LinearValue(baseline_loss=2.6, usd_per_loss_unit=2e5)
    plans = [sb.Investment(params=n, tokens=20 * n, value=value) for n in (1e9, 3e9)]
    kwargs = dict(params=7e8, tokens=1.4e10, n_outer=200, random_seed=0)
    quiet = sb.evsi_pilot(fitted_chinchilla, plans, **kwargs)
    assert capsys.readouterr() == ("", "")
    off = sb.evsi_pilot(fitted_chinchilla, plans, progressbar=False, **kwargs)
    assert capsys.readouterr() == ("", "")
    loud = sb.evsi_pilot(fitted_chinchilla, plans, progressbar=True, **kwargs)
    err = capsys.readouterr().err
    assert "evsi_pilot" in err and "200/200" in err
    pd.testing.assert_frame_equal(quiet.table, loud.table)
    pd.testing.assert_frame_equal(quiet.table, off.table)
