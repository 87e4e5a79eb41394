"""Regenerate the bundled example: ``python -m scaling_bayes.datasets``."""

from pathlib import Path

from . import make_example

target = Path(__file__).with_name("pilot_runs.csv")
make_example().to_csv(target, index=False, float_format="%.10g")
print(f"wrote {target}")
