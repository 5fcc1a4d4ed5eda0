"""Time the SimPy microsimulation on the shipped baseline: wall time per draw and events/s.

    python benchmarks/bench_microsim.py [--draws 5] [--scale 10] [--scenario PATH]

Each draw runs the spin-up (20 years) and the horizon, one SimPy environment per draw, in
this process (no worker processes, BLAS pinned to one thread). Prints the median wall time per
draw with its spread, the SimPy events scheduled and agents created per draw, events per
second, and whether one draw finishes in under 60 s. The machines are shared and noisy: read
medians, not single draws.
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

import simpy

import talentsim as ts
from talentsim.microsim.run import DEFAULT_SCALE, simulate_microsim

ROOT = Path(__file__).resolve().parents[1]
TARGET_SECONDS = 60.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", default=str(ROOT / "scenarios" / "baseline.yaml"))
    parser.add_argument("--draws", type=int, default=5)
    parser.add_argument("--scale", type=float, default=DEFAULT_SCALE, help="people per agent")
    parser.add_argument("--seed", type=int, default=20240601)
    args = parser.parse_args()

    scenario = ts.load_scenario(args.scenario)
    years = f"{scenario.horizon.start}-{scenario.horizon.end}"
    draws = ts.sample_inputs(scenario, args.draws, "lhs", rng=args.seed)
    cpu = time.process_time()
    result = simulate_microsim(scenario, draws, scale=args.scale)
    cpu = time.process_time() - cpu
    seconds = list(result.seconds)
    med = statistics.median(seconds)
    events = result.events
    rate = events.sum() / sum(seconds)
    print(f"talentsim {ts.__version__} microsim benchmark: {scenario.name} {years} "
          f"(+{scenario.horizon.start - scenario.sim_years[0]} spin-up years), {args.draws} draws (lhs), "
          f"scale {args.scale:g} people per agent, 1 process")
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"SimPy {simpy.__version__}")
    print(f"wall time per draw: median {med:.2f} s  (min {min(seconds):.2f}, max {max(seconds):.2f}); "
          f"CPU {cpu / args.draws:.2f} s per draw")
    print(f"per draw: {statistics.median(events):,.0f} SimPy events, {statistics.median(result.agents):,.0f} agents")
    print(f"events per second: {rate:,.0f}")
    print(f"one draw under {TARGET_SECONDS:.0f} s: {'yes' if max(seconds) < TARGET_SECONDS else 'NO'} "
          f"(slowest {max(seconds):.2f} s)")


if __name__ == "__main__":
    main()
