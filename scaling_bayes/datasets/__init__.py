"""The examples bundled with the package: two proofs of concept and their review configs.

``language-model`` (``pilot_runs.csv`` + ``example_review.toml``): what a company's
language-model proof of concept might produce: 15 small runs (20M to 700M parameters, 10 to 40
tokens per parameter), simulated with :func:`scaling_bayes.core.simulate.simulate_runs` from
Epoch AI's published refit of the Chinchilla law (Besiroglu et al. 2024: E = 1.817, A = 482.0,
B = 2085, alpha = 0.348, beta = 0.366) with 1% multiplicative noise and seed 2024.

``inspection`` (``inspection_runs.csv`` + ``inspection_review.toml``): a factory's visual
defect-inspection proof of concept: one model trained on 500, 1k, 2k, 4k and 8k labelled
images, twice each (two training seeds), with the test error rate measured each time. The rates
(0.21 falling to 0.085) follow a saturating power law in the number of images, ``error = E + A
n^-alpha`` with E = 0.055, A = 6.05, alpha = 0.59 (returns diminish towards a floor of about
5.5%, as learning curves of image classifiers do; Hestness et al. 2017,
https://arxiv.org/abs/1712.00409), with 4% multiplicative noise and seed 2025. Its review
config is in yen and Japanese.

Regenerate both CSVs with ``python -m scaling_bayes.datasets``; a test checks that the bundled
files are exactly what that command writes. ``scaling-bayes example NAME --out DIR`` copies an
example's config and data into a folder for the user to edit (:func:`write_example`).
"""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from ..core.exceptions import ConfigError

__all__ = [
    "EXAMPLES",
    "EXAMPLE_SEED",
    "INSPECTION_SEED",
    "example_files",
    "load_example",
    "load_inspection_example",
    "make_example",
    "make_inspection_example",
    "write_example",
]

EXAMPLE_SEED = 2024
EXAMPLE_PARAMS = (2e7, 5e7, 1.2e8, 3e8, 7e8)
EXAMPLE_TOKENS_PER_PARAM = (10.0, 20.0, 40.0)

INSPECTION_SEED = 2025
INSPECTION_IMAGES = (500, 1000, 2000, 4000, 8000)
INSPECTION_REPEATS = 2
#: The learning curve behind the inspection example: error = E + A n^-alpha.
INSPECTION_LAW = {"E": 0.055, "A": 6.05, "alpha": 0.59}
INSPECTION_NOISE = 0.04

#: Bundled examples: name -> (review config, data file), both in this package.
EXAMPLES = {
    "language-model": ("example_review.toml", "pilot_runs.csv"),
    "inspection": ("inspection_review.toml", "inspection_runs.csv"),
}


def make_example() -> pd.DataFrame:
    """Simulate the example runs (see the module docstring for the recipe)."""
    from ..core.simulate import design_grid, simulate_runs

    design = design_grid(EXAMPLE_PARAMS, EXAMPLE_TOKENS_PER_PARAM)
    runs = simulate_runs(design, noise=0.01, random_seed=EXAMPLE_SEED)
    runs.insert(0, "run", [f"pilot-{i + 1:02d}" for i in range(len(runs))])
    return runs.drop(columns=["loss_true"])


def make_inspection_example() -> pd.DataFrame:
    """Simulate the inspection example (see the module docstring for the recipe).

    Examples
    --------
    >>> runs = make_inspection_example()
    >>> list(runs.columns), len(runs), bool(runs["error_rate"].between(0, 1).all())
    (['run', 'labelled_images', 'training_seed', 'error_rate'], 10, True)
    """
    rng = np.random.default_rng(INSPECTION_SEED)
    law = INSPECTION_LAW
    rows: list[tuple] = []
    for n in INSPECTION_IMAGES:
        for seed in range(1, INSPECTION_REPEATS + 1):
            true = law["E"] + law["A"] * n ** -law["alpha"]
            error = true * np.exp(INSPECTION_NOISE * rng.standard_normal())
            rows.append((f"poc-{len(rows) + 1:02d}", n, seed, round(float(error), 4)))
    return pd.DataFrame(rows, columns=["run", "labelled_images", "training_seed", "error_rate"])


def load_inspection_example() -> pd.DataFrame:
    """The bundled inspection runs: ``run, labelled_images, training_seed, error_rate``.

    Examples
    --------
    >>> runs = load_inspection_example()
    >>> sorted(set(runs["labelled_images"]))
    [500, 1000, 2000, 4000, 8000]
    """
    with resources.files(__package__).joinpath("inspection_runs.csv").open() as handle:
        return pd.read_csv(handle)


def example_files(name: str) -> list[Path]:
    """Filesystem paths of a bundled example's review config and data file.

    Raises
    ------
    ConfigError
        An unknown name (the message lists the bundled ones).
    """
    if name not in EXAMPLES:
        raise ConfigError(
            f"no bundled example named {name!r}; the examples are: {', '.join(EXAMPLES)}"
        )
    return [Path(str(resources.files(__package__).joinpath(f))) for f in EXAMPLES[name]]


def write_example(name: str, out: str | os.PathLike[str]) -> list[Path]:
    """Copy a bundled example's review config and data into the folder ``out`` to edit.

    The folder is created if needed; existing files are never overwritten: if any of the
    example's files is already there, nothing is written.

    Returns
    -------
    list of Path
        The files written (config first).

    Raises
    ------
    ConfigError
        Unknown example, ``out`` is a file, or a file of the example already exists there.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     [p.name for p in write_example("inspection", tmp)]
    ['inspection_review.toml', 'inspection_runs.csv']
    """
    sources = example_files(name)
    if not isinstance(out, str | os.PathLike) or not str(out):
        raise ConfigError(f"--out must be a folder path such as 'my_review'; got {out!r}")
    folder = Path(out)
    if folder.exists() and not folder.is_dir():
        raise ConfigError(f"--out '{folder}' is a file, not a folder; give a folder path")
    targets = [folder / source.name for source in sources]
    existing = [str(t) for t in targets if t.exists()]
    if existing:
        raise ConfigError(
            f"{', '.join(existing)} already exists; the example never overwrites a file: choose "
            "another --out folder or move the file away"
        )
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for source, target in zip(sources, targets, strict=True):
            with open(target, "xb") as handle:  # "x": never replace a file created meanwhile
                handle.write(source.read_bytes())
    except OSError as err:
        raise ConfigError(f"cannot write the example into '{folder}': {err}") from err
    return targets


def load_example() -> pd.DataFrame:
    """The bundled proof-of-concept runs: ``run, params, tokens, compute, loss``.

    Examples
    --------
    >>> runs = load_example()
    >>> list(runs.columns), len(runs)
    (['run', 'params', 'tokens', 'compute', 'loss'], 15)
    """
    with resources.files(__package__).joinpath("pilot_runs.csv").open() as handle:
        return pd.read_csv(handle)


def example_config_path() -> Path:
    """Filesystem path of the bundled review configuration (what ``make demo`` runs)."""
    return Path(str(resources.files(__package__).joinpath("example_review.toml")))


def example_path() -> Path:
    """Filesystem path of the bundled CSV."""
    return Path(str(resources.files(__package__).joinpath("pilot_runs.csv")))
