"""Scale benchmark: draws per second and peak memory of `talentsim run --no-draws` at 10k, 100k
and 1M draws with 1 and 2 workers, and the speed-up over running the same model draw by draw.

    python benchmarks/bench_scale.py                 # full size (1M draws takes minutes)
    python benchmarks/bench_scale.py --quick         # 10k and 100k only

Each configuration runs the real command in a subprocess; peak memory is the largest total
resident memory of the whole process tree (main process plus workers), sampled every 0.1 s.
Figures are medians over repeats (the machines are shared and noisy).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "scenarios" / "baseline.yaml"


def tree_rss_mb(pid: int) -> float:
    """Resident memory of a process and all its descendants, MB (Linux /proc)."""
    total, stack = 0, [pid]
    while stack:
        p = stack.pop()
        try:
            with open(f"/proc/{p}/status") as fh:
                for line in fh:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as fh:
                    stack += [int(c) for c in fh.read().split()]
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
    return total / 1024


def run_once(draws: int, workers: int) -> tuple[float, float]:
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [sys.executable, "-m", "talentsim.cli", "run", str(BASELINE), "--draws", str(draws),
               "--no-draws", "--workers", str(workers), "--out", str(Path(tmp) / "out")]
        env = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env)
        peak = 0.0
        done = threading.Event()

        def sample():
            nonlocal peak
            while not done.is_set():
                peak = max(peak, tree_rss_mb(proc.pid))
                time.sleep(0.1)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        _, err = proc.communicate()
        done.set()
        sampler.join()
        wall = time.perf_counter() - t0
        if proc.returncode != 0:
            raise RuntimeError(f"{' '.join(cmd)} failed:\n{err}")
        return wall, peak


def per_draw_ratio() -> tuple[float, float, float]:
    """Seconds per draw one at a time (chunk_size=1) vs vectorised, and their ratio."""
    import talentsim as ts

    s = ts.load_scenario(BASELINE)
    slow = ts.sample_inputs(s, 200, rng=1)
    t0 = time.perf_counter()
    ts.simulate(s, slow, chunk_size=1)
    loop = (time.perf_counter() - t0) / 200
    fast = ts.sample_inputs(s, 10_000, rng=1)
    times = []
    for _ in range(3):
        t0 = time.perf_counter()
        ts.simulate(s, fast)
        times.append((time.perf_counter() - t0) / 10_000)
    vec = statistics.median(times)
    return loop, vec, loop / vec


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="skip the 1M-draw runs")
    args = parser.parse_args()
    sizes = [(10_000, 5), (100_000, 3)] + ([] if args.quick else [(1_000_000, 1)])
    print(f"machine: {os.cpu_count()} cores; baseline 2024-2050; `talentsim run --no-draws`, wall time incl. start-up")
    print(f"{'draws':>9} {'workers':>7} {'median s':>9} {'draws/s':>9} {'peak MB':>8}  (repeats)")
    for draws, repeats in sizes:
        for workers in (1, 2):
            runs = [run_once(draws, workers) for _ in range(repeats)]
            wall = statistics.median(r[0] for r in runs)
            peak = max(r[1] for r in runs)
            print(f"{draws:>9,} {workers:>7} {wall:>9.1f} {draws / wall:>9,.0f} {peak:>8,.0f}  ({repeats})", flush=True)
    loop, vec, ratio = per_draw_ratio()
    print(f"same model one draw at a time (chunk_size=1): {loop * 1e3:.1f} ms/draw; vectorised: "
          f"{vec * 1e6:.0f} us/draw; ratio {ratio:.0f}x (target >= 100x)")


if __name__ == "__main__":
    main()
