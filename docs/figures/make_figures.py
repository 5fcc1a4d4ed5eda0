"""Regenerate the README figures from a baseline results directory.

    talentsim run scenarios/baseline.yaml --out /tmp/figrun     # 2,000 draws, seed 20240601
    python docs/figures/make_figures.py /tmp/figrun

writes ``ai_workforce_fan.png`` and ``demography.png`` (births and 18-year-olds), the names
`talentsim plot` gives them, next to this
script. Each file is rendered in memory and renamed into place.
"""

from __future__ import annotations

import sys
from pathlib import Path

from talentsim.plots import figures_for, read_results, render, write_file_atomic

#: figure name in talentsim.plots.figures_for -> file written here
FIGURES = {"ai_workforce_fan": "ai_workforce_fan.png", "demography": "demography.png"}


def main(results_dir: str) -> list[Path]:
    results = read_results(results_dir)
    if results.kind != "run":
        raise SystemExit(f"{results_dir}: a run directory is needed (got kind '{results.kind}')")
    specs = {spec.name: spec for spec in figures_for(results)}
    out = []
    for name, file in FIGURES.items():
        target = Path(__file__).resolve().parent / file
        write_file_atomic(target, render(specs[name], "png"))
        out.append(target)
        print(f"wrote {target}")
    return out


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit(__doc__)
    main(sys.argv[1])
