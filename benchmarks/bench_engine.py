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

#: engine / reference time, baseline at 10,000 draws, median of pairwise ratios: 0.79, 0.96,
#: 0.96, 0.97 in four runs on 2026-11-30 (session 6, metric blocks reused between runs; load
#: 1.0-1.1; session 5's engine gave 0.95-1.03 beside it). The host's speed swings within minutes
#: and the two models do not feel it alike, so the ratio moves too. The reference model runs
#: in the engine's process and shares its allocator settings (talentsim.engine.memory).
#: Re-measure and update it in the commit that accepts a slower (richer) engine.
REFERENCE_RATIO = 0.9
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
