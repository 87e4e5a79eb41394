"""The measurement loop of benchmarks/explore_nuts_convergence.py, without sampling."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
from helpers import import_benchmark

from scaling_bayes.core.mixture import forms_to_fit


def test_each_form_the_mixture_fits_is_sampled_at_both_lengths(monkeypatch):
    ex = import_benchmark("explore_nuts_convergence")
    seen = []

    def fake_fit(form, scales, loss, *, x, posterior, random_seed, sampler_settings):
        seen.append((form, posterior, dict(sampler_settings), random_seed))
        table = pd.DataFrame({"r_hat": [1.0, 1.02], "ess_bulk": [900.0, 300.0]})
        long = sampler_settings["draws"] == 3000
        report = SimpleNamespace(converged=long, table=table, divergences=0)
        return SimpleNamespace(diagnostics=report)

    monkeypatch.setattr(ex, "fit_form", fake_fit)
    loss = np.linspace(3.0, 2.0, 10)
    rows = ex.fits("s", "one_axis", {"params": np.geomspace(1e7, 1e9, 10)}, loss, "params", 2)
    forms = forms_to_fit(ex.be.GROUPS["one_axis"], 10)
    assert [r["form"] for r in rows] == [f for f in forms for _ in range(2)]
    assert {s[1] for s in seen} == {"nuts"}
    assert [s[2] for s in seen[:2]] == list(ex.SETTINGS.values())
    assert seen[0][2] == {"draws": 1000, "tune": 1000}  # the lengths are explicit, not the
    assert seen[1][2] == {"draws": 3000, "tune": 3000}  # package's current default
    assert len({s[3] for s in seen}) == len(seen)  # every fit its own seed
    assert [r["converged"] for r in rows[:2]] == [False, True]
    assert rows[0]["r_hat"] == 1.02 and rows[0]["ess_bulk"] == 300.0 and rows[0]["n_runs"] == 10
