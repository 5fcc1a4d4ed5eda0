"""One-pass streaming check: `talentsim run --no-draws` (streaming above 1 GiB of per-draw arrays)
against the engine alone on the same draws, side by side (A B A B ...), with the peak memory of
the command's process tree.

    python benchmarks/bench_stream.py [--draws 200000] [--repeats 2] [--workers 1 2]

A (engine): sample_inputs + simulate_chunk over chunks of 5,000 draws, results discarded, in this
process. B (command): the real CLI in a subprocess, wall time including start-up and writing.
Prints medians and the ratio command / engine (target <= 1.3) and peak MB (target < 1,000 for
one worker, < 2,000 for two).
"""

from __future__ import annotations

import os

for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(var, "1")

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_scale import BASELINE, run_once


def engine_seconds(draws: int) -> float:
    import talentsim as ts
    from talentsim.engine.cohort import simulate_chunk
    from talentsim.engine.parallel import chunk_bounds

    t0 = time.perf_counter()
    s = ts.load_scenario(BASELINE)
    d = ts.sample_inputs(s, draws)
    for a, b in chunk_bounds(draws, 5000):
        simulate_chunk(s, d, a, b)
    return time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--draws", type=int, default=200_000)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    args = parser.parse_args()
    eng, cmd = [], {w: [] for w in args.workers}
    peak = dict.fromkeys(args.workers, 0.0)
    for r in range(args.repeats):
        eng.append(engine_seconds(args.draws))
        print(f"repeat {r}: engine {eng[-1]:.1f} s, load {os.getloadavg()[0]:.1f}", flush=True)
        for w in args.workers:
            wall, mb = run_once(args.draws, w)
            cmd[w].append(wall)
            peak[w] = max(peak[w], mb)
            print(f"repeat {r}: command --workers {w}: {wall:.1f} s, peak {mb:,.0f} MB, load "
                  f"{os.getloadavg()[0]:.1f}", flush=True)
    e = statistics.median(eng)
    print(f"{args.draws:,} draws: engine median {e:.1f} s")
    for w in args.workers:
        c = statistics.median(cmd[w])
        print(f"  command --workers {w}: median {c:.1f} s, ratio {c / e:.2f} (target <= 1.3), peak {peak[w]:,.0f} MB")


if __name__ == "__main__":
    main()
