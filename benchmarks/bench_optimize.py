"""Time `talentsim optimize` end to end (a subprocess, files written) and print what it found.

    python benchmarks/bench_optimize.py [--budget 500] [--draws 1000] [--objective worker_years]
                                        [--repeats 1] [--scenario scenarios/baseline.yaml]

Target (issue #16): `talentsim optimize scenarios/baseline.yaml --budget 500 --draws 1000` under
2 minutes on a shared 2-core machine, and on fresh draws better than the equal split and the best
single lever with P(better) >= 0.9. Prints wall seconds per repeat (median and spread: the
machines are shared and noisy), the split, and evaluation.csv. Runs on one core: BLAS threads
are pinned to 1.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", default=str(ROOT / "scenarios" / "baseline.yaml"))
    parser.add_argument("--budget", default="500")
    parser.add_argument("--draws", default="1000")
    parser.add_argument("--objective", default="worker_years")
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("extra", nargs="*", help="more options for talentsim optimize (after --)")
    args = parser.parse_args()
    env = {**os.environ, **dict.fromkeys(("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"), "1")}
    times, cpu = [], []
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "opt"
        for _ in range(args.repeats):
            cmd = [sys.executable, "-m", "talentsim.cli", "optimize", args.scenario, "--budget", args.budget,
                   "--draws", args.draws, "--objective", args.objective, "--out", str(out), *args.extra]
            t0, c0 = time.perf_counter(), resource.getrusage(resource.RUSAGE_CHILDREN)
            subprocess.run(cmd, check=True, env=env, capture_output=True, text=True)
            c1 = resource.getrusage(resource.RUSAGE_CHILDREN)
            times.append(time.perf_counter() - t0)
            cpu.append(c1.ru_utime + c1.ru_stime - c0.ru_utime - c0.ru_stime)
        manifest = json.loads((out / "manifest.json").read_text())
        allocation = pd.read_csv(out / "allocation.csv")
        evaluation = pd.read_csv(out / "evaluation.csv")
    print(f"talentsim optimize {Path(args.scenario).name} --budget {args.budget} --draws {args.draws} "
          f"--objective {args.objective} {' '.join(args.extra)}")
    print(f"wall seconds: median {statistics.median(times):.1f} (min {min(times):.1f}, max {max(times):.1f}, "
          f"{len(times)} repeat(s)); CPU seconds {statistics.median(cpu):.1f} (a busy host inflates wall time, "
          f"not CPU time; load average {os.getloadavg()[0]:.1f}); splits simulated {manifest['splits_simulated']} "
          f"x {manifest['draws']} draws")
    with pd.option_context("display.width", 200, "display.max_columns", 20, "display.max_colwidth", 60):
        print(allocation[allocation.krw_bn > 1e-6].round(3).to_string(index=False))
        columns = ["policy", "value", "optimised_minus_policy", "p_better", "p_better_draw"]
        print(evaluation[columns].to_string(index=False))
    for note in manifest["notes"]:
        print(note)


if __name__ == "__main__":
    main()
