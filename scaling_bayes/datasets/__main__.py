"""Regenerate the bundled examples' data: ``python -m scaling_bayes.datasets``."""

from pathlib import Path

from . import make_example, make_inspection_example

here = Path(__file__).parent
target = here / "pilot_runs.csv"
make_example().to_csv(target, index=False, float_format="%.10g")
print(f"wrote {target}")
target = here / "inspection_runs.csv"
make_inspection_example().to_csv(target, index=False)
print(f"wrote {target}")
