"""Time the cohort engine on the shipped baseline (sampling + simulation, no file writing) side
by side with the frozen reference model (`reference_model.py`), so that a regression shows as a
ratio that the host's speed and load largely cancel out of.

    python benchmarks/bench_engine.py [--draws 10000] [--repeats 7] [--chunk-size 5000]

Each repeat runs the engine (A) then the reference model (B) on the same number of draws:
A B A B ... Prints medians of wall and CPU time for both, the median of the pairwise ratios
A / B, and that ratio against the stored budget ``REFERENCE_RATIO`` (a regression: more than
10 % above it). Runs on one core: BLAS threads are pinned to 1 before numpy loads. The
absolute target (issue 20: 10,000 draws in <= 0.5 s on a quiet core) is printed too; on a
shared host read it with the load average shown.
"""

from __future__ import annotations

import os

for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(var, "1")

import argparse
import platform
import statistics
import sys
import time
from pathlib import Path

import talentsim as ts

sys.path.insert(0, str(Path(__file__).resolve().parent))
from reference_model import simulate_reference

ROOT = Path(__file__).resolve().parents[1]

#: engine / reference time, baseline at 10,000 draws, median of pairwise ratios: 0.91 and 1.05
#: measured on branch perf5 on 2026-11-30 at load 1.0 (--repeats 7, alternated with main's
#: engine: 1.41 and 1.33; engine medians 0.617 / 0.753 s against main's 1.109 / 1.113 s). The
#: reference model runs in the engine's process and shares its allocator settings
#: (talentsim.engine.memory): 0.70 / 0.76 s here against 0.74 / 0.87 s beside main's engine.
#: Re-measure and update it in the commit that accepts a slower (richer) engine.
REFERENCE_RATIO = 1.0
#: issue 20: 10,000 baseline draws, engine alone, quiet core
TARGET_SECONDS_PER_10K = 0.5


def _timed(func, *args, **kwargs) -> tuple[float, float]:
    w, c = time.perf_counter(), time.process_time()
    func(*args, **kwargs)
    return time.perf_counter() - w, time.process_time() - c


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", default=str(ROOT / "scenarios" / "baseline.yaml"))
    parser.add_argument("--draws", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--chunk-size", type=int, default=5000)
    parser.add_argument("--sampling", default="lhs", choices=["mc", "lhs", "sobol"])
    args = parser.parse_args()

    scenario = ts.load_scenario(args.scenario)
    years = f"{scenario.horizon.start}-{scenario.horizon.end}"

    def engine(r: int) -> None:
        ts.simulate(scenario, ts.sample_inputs(scenario, args.draws, args.sampling, rng=r), chunk_size=args.chunk_size)

    engine(0)  # warm-up: imports, scipy's distribution objects, caches
    simulate_reference(args.draws)
    a, b, loads = [], [], []
    for r in range(args.repeats):
        a.append(_timed(engine, r))
        b.append(_timed(simulate_reference, args.draws, seed=r, chunk_size=args.chunk_size))
        loads.append(os.getloadavg()[0])
    ratio = statistics.median(x[0] / y[0] for x, y in zip(a, b))
    cpu_ratio = statistics.median(x[1] / y[1] for x, y in zip(a, b))
    print(f"talentsim {ts.__version__} engine benchmark: {scenario.name} {years}, {args.draws} draws "
          f"({args.sampling}), chunk {args.chunk_size}, {args.repeats} repeats A B A B, 1 thread")
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"load average {min(loads):.1f}-{max(loads):.1f}")
    for name, runs in (("engine", a), ("reference", b)):
        wall = statistics.median(x[0] for x in runs)
        print(f"  {name:>9}: median {wall:.3f} s (min {min(x[0] for x in runs):.3f}, max "
              f"{max(x[0] for x in runs):.3f}), CPU {statistics.median(x[1] for x in runs):.3f} s"
              + (f"  -> {args.draws / wall:,.0f} draws/s" if name == "engine" else ""))
    verdict = "ok" if ratio <= 1.10 * REFERENCE_RATIO else "REGRESSION (> 1.10 x stored)"
    print(f"engine / reference: median pairwise ratio {ratio:.2f} (CPU {cpu_ratio:.2f}); stored "
          f"{REFERENCE_RATIO:.2f} -> {verdict}")
    target = TARGET_SECONDS_PER_10K * args.draws / 10_000
    med = statistics.median(x[0] for x in a)
    print(f"absolute target: <= {target:.2f} s on a quiet core -> {'met' if med <= target else 'NOT met'} here "
          f"(median {med:.3f} s at the load above)")


if __name__ == "__main__":
    main()
