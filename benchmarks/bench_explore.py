"""Time one recomputation of the explorer at 1,000 draws (target: under 1 s).

    python benchmarks/bench_explore.py [--draws 1000] [--repeats 9]

One recomputation is what a slider move costs on the server: the settings checked and written
as the scenario YAML, the file loaded and validated, the draws laid out, the shown metrics
simulated, summarised and paired with the cached base run (the base run and its draws are
computed once, when the explorer starts). Each repeat changes a different setting, so nothing
is reused between repeats. The machines are shared: read the median. Runs on one core.
"""

from __future__ import annotations

import os

for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(var, "1")

import argparse
import platform
import statistics
import time
from pathlib import Path

from talentsim.explore import Session

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", default=str(ROOT / "scenarios" / "baseline.yaml"))
    parser.add_argument("--draws", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=9)
    args = parser.parse_args()

    t0 = time.perf_counter()
    session = Session(args.scenario, n_draws=args.draws)
    start = time.perf_counter() - t0
    defaults = session.defaults()
    session.recompute(defaults)  # warm-up
    times = []
    for r in range(args.repeats):
        settings = {**defaults, "extra.reskilling.krw_bn": 50.0 * (r + 1)}
        t = time.perf_counter()
        out = session.recompute(settings)
        times.append(time.perf_counter() - t)
        if not out.ok:
            raise SystemExit(f"recompute failed: {out.errors}")
    med = statistics.median(times)
    print(f"explorer recompute, {session.base.name}, {args.draws} draws ({session.method}), python "
          f"{platform.python_version()}: median {med:.3f} s over {args.repeats} repeats "
          f"(min {min(times):.3f}, max {max(times):.3f}); start-up with the base run {start:.2f} s; "
          f"target < 1 s: {'met' if med < 1 else 'NOT met'}")


if __name__ == "__main__":
    main()
