"""Time the cohort engine on the shipped baseline: sampling + simulation, no file writing.

    python benchmarks/bench_engine.py [--draws 10000] [--repeats 7] [--chunk-size 5000]

Prints the median and spread over repeats (the machines are shared and noisy: read medians
and ratios, not single runs). Runs on one core: BLAS threads are pinned to 1 before numpy loads.
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

import talentsim as ts

ROOT = Path(__file__).resolve().parents[1]


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
    ts.simulate(scenario, ts.sample_inputs(scenario, 200, args.sampling, rng=0))  # warm-up
    times = []
    for r in range(args.repeats):
        t0 = time.perf_counter()
        draws = ts.sample_inputs(scenario, args.draws, args.sampling, rng=r)
        ts.simulate(scenario, draws, chunk_size=args.chunk_size)
        times.append(time.perf_counter() - t0)
    med = statistics.median(times)
    print(f"talentsim {ts.__version__} engine benchmark: {scenario.name} {years}, {args.draws} draws "
          f"({args.sampling}), chunk {args.chunk_size}, {args.repeats} repeats, 1 thread")
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print(f"median {med:.3f} s  (min {min(times):.3f}, max {max(times):.3f})  "
          f"-> {args.draws / med:,.0f} draws/s, {med / args.draws * 1e6:.1f} us/draw")
    target = 1.0 * args.draws / 10_000
    print(f"target: < {target:.2f} s -> {'met' if med < target else 'NOT met'} (ratio {med / target:.2f})")


if __name__ == "__main__":
    main()
