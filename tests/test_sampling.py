"""Sampler choice and the disk cache of compiled models (issue 12); no timing assertions."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import warnings

import numpy as np
import pytest

import scaling_bayes as sb
from scaling_bayes.core import compile_cache, sampling
from scaling_bayes.core.exceptions import ConfigError


@pytest.fixture
def cache_folder(tmp_path, monkeypatch):
    """A private cache folder for the test (never the user's)."""
    monkeypatch.setenv(compile_cache.CACHE_ENV_VAR, str(tmp_path))
    return tmp_path / "compiled"


@pytest.fixture
def fake_compiler(monkeypatch):
    """Replace the numba work by stand-ins; record which route each call took."""
    calls = []

    def compile_fresh(pm_model):
        calls.append("compiled")
        return f"compiled:{pm_model}", {"meta": {"n_dim": 1}, "logp": b"l", "expand": b"e"}

    def from_entry(entry):
        if entry.get("meta") != {"n_dim": 1}:
            raise ValueError("not an entry this test wrote")
        calls.append("disk")
        return "loaded"

    monkeypatch.setattr(compile_cache, "_compile_fresh", compile_fresh)
    monkeypatch.setattr(compile_cache, "_from_entry", from_entry)
    return calls


# ---------------------------------------------------------------------- cache key
def test_cache_key_changes_with_law_priors_backend_and_versions():
    weak = sb.ScalingLawModel("chinchilla", progressbar=False)
    literature = sb.ScalingLawModel("chinchilla", priors="literature", progressbar=False)
    power = sb.ScalingLawModel("power", x="compute", progressbar=False)
    model_keys = [m._cache_key(m.resolved_priors()) for m in (weak, literature, power)]
    assert len(set(model_keys)) == 3

    versions = compile_cache.library_versions()
    base = compile_cache.cache_key(model_keys[0], "nutpie-numba", versions)
    assert base == compile_cache.cache_key(model_keys[0], "nutpie-numba", dict(versions))
    others = [
        compile_cache.cache_key(model_keys[1], "nutpie-numba", versions),
        compile_cache.cache_key(model_keys[2], "nutpie-numba", versions),
        compile_cache.cache_key(model_keys[0], "nutpie-jax", versions),
        compile_cache.cache_key(model_keys[0], "nutpie-numba", {**versions, "numba": "0.0.1"}),
        compile_cache.cache_key(model_keys[0], "nutpie-numba", {**versions, "target": "other"}),
    ]
    assert base not in others
    assert len(set(others)) == len(others)


def test_library_versions_name_the_compiling_stack():
    versions = compile_cache.library_versions()
    for name in ("scaling_bayes", "nutpie", "numba", "llvmlite", "pytensor", "pymc", "python"):
        assert versions[name]
    assert versions["scaling_bayes"] == sb.__version__


# ---------------------------------------------------------------------- cache folder
def test_cache_dir_respects_override_off_and_xdg(tmp_path, monkeypatch):
    monkeypatch.setenv(compile_cache.CACHE_ENV_VAR, str(tmp_path / "mine"))
    assert compile_cache.cache_dir() == tmp_path / "mine" / "compiled"
    monkeypatch.setenv(compile_cache.CACHE_ENV_VAR, "OFF")
    assert compile_cache.cache_dir() is None
    monkeypatch.delenv(compile_cache.CACHE_ENV_VAR)
    if sys.platform.startswith("linux"):
        monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
        assert compile_cache.cache_dir() == tmp_path / "xdg" / "scaling_bayes" / "compiled"
        monkeypatch.setenv("XDG_CACHE_HOME", "relative/path")  # invalid per the XDG spec
        assert compile_cache.cache_dir().is_absolute()


def test_disabled_cache_compiles_and_writes_nothing(tmp_path, monkeypatch, fake_compiler):
    monkeypatch.setenv(compile_cache.CACHE_ENV_VAR, "off")
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    for _ in range(2):
        compiled, source = compile_cache.compile_nutpie_model(lambda: "m", "law|key")
        assert (compiled, source) == ("compiled:m", "compiled")
    assert fake_compiler == ["compiled", "compiled"]
    assert list(tmp_path.rglob("*")) == []


# ---------------------------------------------------------------------- load, store, recover
def test_second_process_would_load_what_the_first_stored(cache_folder, fake_compiler):
    first = compile_cache.compile_nutpie_model(lambda: "m", "law|key")
    second = compile_cache.compile_nutpie_model(lambda: "m", "law|key")
    other = compile_cache.compile_nutpie_model(lambda: "m", "other-law|key")
    assert [first[1], second[1], other[1]] == ["compiled", "disk", "compiled"]
    assert len(list(cache_folder.glob("*.pkl"))) == 2
    assert list(cache_folder.glob("*.tmp")) == []


@pytest.mark.parametrize(
    "damage",
    [b"", b"not a pickle at all", b"\x80\x05\x95truncated"],
    ids=["empty", "garbage", "truncated"],
)
def test_corrupt_entry_is_removed_and_recompiled(cache_folder, fake_compiler, damage):
    compile_cache.compile_nutpie_model(lambda: "m", "law|key")
    (path,) = cache_folder.glob("*.pkl")
    path.write_bytes(damage)
    compiled, source = compile_cache.compile_nutpie_model(lambda: "m", "law|key")
    assert (compiled, source) == ("compiled:m", "compiled")
    assert fake_compiler == ["compiled", "compiled"]
    # The damaged file was replaced by a good one: the next call loads it.
    assert compile_cache.compile_nutpie_model(lambda: "m", "law|key")[1] == "disk"


def test_entry_that_loads_but_cannot_be_rebuilt_is_recompiled(cache_folder, fake_compiler):
    key = compile_cache.cache_key(
        "law|key",
        "nutpie-numba",
        {**compile_cache.library_versions(), "target": compile_cache._target()},
    )
    compile_cache.store_entry(key, cache_folder, {"meta": {"n_dim": 99}})
    assert compile_cache.compile_nutpie_model(lambda: "m", "law|key")[1] == "compiled"
    assert compile_cache.load_entry(key, cache_folder)["meta"] == {"n_dim": 1}


def test_entry_under_the_wrong_name_is_ignored(cache_folder):
    compile_cache.store_entry("aaaa", cache_folder, {"meta": 1})
    (cache_folder / "aaaa.pkl").rename(cache_folder / "bbbb.pkl")
    assert compile_cache.load_entry("bbbb", cache_folder) is None
    assert not (cache_folder / "bbbb.pkl").exists()


def test_unwritable_folder_only_loses_the_cache(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("a file where the folder should be")
    assert compile_cache.store_entry("k", blocker / "compiled", {"meta": 1}) is None
    assert compile_cache.load_entry("k", blocker / "compiled") is None


def test_concurrent_writers_leave_one_whole_entry(tmp_path):
    payload = {"meta": np.arange(200_000.0)}
    threads = [
        threading.Thread(target=compile_cache.store_entry, args=("k", tmp_path, payload))
        for _ in range(6)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    entry = compile_cache.load_entry("k", tmp_path)
    np.testing.assert_array_equal(entry["meta"], payload["meta"])
    assert [p.name for p in tmp_path.iterdir()] == ["k.pkl"]


def test_initial_point_is_seeded_and_jittered_within_one_unit():
    start = compile_cache._InitialPoint(np.array([0.5, -2.0, 10.0]))
    a, b, c = start(7), start(7), start(8)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    assert np.all(np.abs(a - start.support_point) <= 1.0)


# ---------------------------------------------------------------------- backend choice
def test_fallback_warns_once_per_process_with_cost_and_fix(monkeypatch):
    monkeypatch.setattr(sampling, "_nutpie_import_error", lambda: "nutpie is not installed")
    monkeypatch.setattr(sampling, "_FALLBACK_WARNED", [False])
    with pytest.warns(sampling.SlowSamplerWarning) as record:
        assert sampling.resolve_sampler("auto") == "pymc"
    (warning,) = record
    message = str(warning.message)
    assert "27x slower" in message
    assert "pip install 'nutpie" in message
    assert "sampler='pymc'" in message
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert sampling.resolve_sampler("auto") == "pymc"  # silent the second time
    with pytest.raises(ConfigError, match="pip install 'nutpie"):
        sampling.resolve_sampler("nutpie")


def test_explicit_pymc_never_warns(monkeypatch):
    monkeypatch.setattr(sampling, "_nutpie_import_error", lambda: "nutpie is not installed")
    monkeypatch.setattr(sampling, "_FALLBACK_WARNED", [False])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert sampling.resolve_sampler("pymc") == "pymc"
    assert sampling._FALLBACK_WARNED == [False]


def test_auto_takes_nutpie_here_without_warning():
    # nutpie is a core dependency, so the default path is the fast one.
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert sampling.resolve_sampler("auto") == "nutpie"


def test_unknown_sampler_is_a_config_error():
    with pytest.raises(ConfigError, match="choose one of"):
        sampling.resolve_sampler("stan")


# ---------------------------------------------------------------------- real compilation
_CHILD = r"""
import json, logging, sys, warnings
warnings.simplefilter("ignore")
import scaling_bayes as sb
from scaling_bayes.core import compile_cache
routes = []
original = compile_cache.compile_nutpie_model
def spy(build, key):
    compiled, source = original(build, key)
    routes.append(source)
    return compiled, source
compile_cache.compile_nutpie_model = spy
model = sb.ScalingLawModel("power", x="compute", draws=60, tune=60, chains=2,
                           progressbar=False).fit(sb.load_example(), random_seed=5)
draws = model.idata_.posterior["sigma"].values.ravel().tolist()
print(json.dumps({"routes": routes, "sampler": model.sampler_, "sigma": draws}))
"""


@pytest.mark.slow
def test_fresh_process_loads_the_compiled_model_from_disk(tmp_path):
    env = {**os.environ, compile_cache.CACHE_ENV_VAR: str(tmp_path)}

    def child():
        proc = subprocess.run(
            [sys.executable, "-c", _CHILD], env=env, capture_output=True, text=True, check=False
        )
        assert proc.returncode == 0, proc.stderr[-3000:]
        return json.loads(proc.stdout.strip().splitlines()[-1])

    first, second = child(), child()
    assert first["routes"] == ["compiled"]
    assert second["routes"] == ["disk"]
    assert first["sampler"] == second["sampler"] == "nutpie"
    # Same seed, same draws, whether the model was compiled or loaded.
    assert first["sigma"] == second["sigma"]
    assert len(list((tmp_path / "compiled").glob("*.pkl"))) == 1


def test_ensure_compiled_fills_the_process_cache_once(monkeypatch):
    built = []
    monkeypatch.setattr(sampling, "_NUTPIE_CACHE", {})
    monkeypatch.setattr(sampling, "_compile_nutpie", lambda build, key: built.append(key) or key)
    for _ in range(2):
        assert sampling.ensure_compiled(lambda: None, cache_key="k", sampler="auto") == "nutpie"
    assert built == ["k"]
    assert sampling._NUTPIE_CACHE == {"k": "k"}
    assert sampling.ensure_compiled(lambda: None, cache_key="j", sampler="pymc") == "pymc"
    assert built == ["k"]


def test_least_recently_used_entries_are_pruned(tmp_path, monkeypatch):
    monkeypatch.setattr(compile_cache, "MAX_ENTRIES", 3)
    for i, key in enumerate("abcd"):
        compile_cache.store_entry(key, tmp_path, {"meta": key})
        os.utime(tmp_path / f"{key}.pkl", (1000 + i, 1000 + i))
    # Writing "d" pruned the oldest entry, "a"; reading "b" makes it the most recent.
    assert sorted(p.stem for p in tmp_path.glob("*.pkl")) == ["b", "c", "d"]
    assert compile_cache.load_entry("b", tmp_path)["meta"] == "b"
    compile_cache.store_entry("e", tmp_path, {"meta": "e"})
    assert sorted(p.stem for p in tmp_path.glob("*.pkl")) == ["b", "d", "e"]


def test_cached_route_failure_falls_back_to_nutpie_compile(monkeypatch):
    import nutpie

    def broken(build_model, key):
        raise AttributeError("a nutpie release without the helpers the cache reuses")

    monkeypatch.setattr(compile_cache, "compile_nutpie_model", broken)
    monkeypatch.setattr(nutpie, "compile_pymc_model", lambda model: f"nutpie:{model}")
    assert sampling._compile_nutpie(lambda: "m", "k") == "nutpie:m"
