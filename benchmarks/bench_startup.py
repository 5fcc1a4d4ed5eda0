"""Start-up costs: `python -c "import talentsim"` and `talentsim validate scenarios/baseline.yaml`,
each a fresh process, timed A B A B ... so that the machine's load hits every variant alike.

    python benchmarks/bench_startup.py [--repeats 9] [--reference PATH/TO/OTHER/src]

Prints medians of wall time and of CPU time (user + sys of the child: less sensitive to other
jobs on a shared host than wall time) and the load average. With ``--reference`` each command
also runs against another checkout's sources (PYTHONPATH), side by side, and the ratio is shown.
Targets (issue 20): import < 0.4 s, validate < 1 s.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "scenarios" / "baseline.yaml"
COMMANDS = {
    "import talentsim": ["-c", "import talentsim"],
    "talentsim validate baseline.yaml": ["-m", "talentsim.cli", "validate", str(BASELINE)],
}
TARGETS = {"import talentsim": 0.4, "talentsim validate baseline.yaml": 1.0}


def timed(args: list[str], src: str | None) -> tuple[float, float]:
    """(wall s, CPU s) of one fresh interpreter running ``args``."""
    env = dict(os.environ)
    if src:
        env["PYTHONPATH"] = src
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run([sys.executable, *args], check=True, env=env, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=9)
    parser.add_argument("--reference", help="another checkout's src/ folder, run side by side")
    args = parser.parse_args()
    variants = {"this": str(ROOT / "src")} | ({"reference": args.reference} if args.reference else {})
    for name, cmd in COMMANDS.items():
        timed(cmd, variants["this"])  # warm the file cache and the .pyc files
        if args.reference:
            timed(cmd, args.reference)
        res: dict[str, list[tuple[float, float]]] = {v: [] for v in variants}
        loads = []
        for _ in range(args.repeats):
            for v, src in variants.items():  # A B A B ...
                res[v].append(timed(cmd, src))
            loads.append(os.getloadavg()[0])
        print(f"{name}: {args.repeats} repeats, load average {min(loads):.1f}-{max(loads):.1f} "
              f"on {os.cpu_count()} cores")
        for v in variants:
            wall = statistics.median(r[0] for r in res[v])
            cpu = statistics.median(r[1] for r in res[v])
            flag = "met" if wall < TARGETS[name] else "NOT met"
            print(f"  {v:>9}: median wall {wall:.3f} s (min {min(r[0] for r in res[v]):.3f}), "
                  f"CPU {cpu:.3f} s; target < {TARGETS[name]} s wall: {flag}")
        if args.reference:
            ratios = [a[0] / b[0] for a, b in zip(res["this"], res["reference"])]
            print(f"  this / reference, pairwise wall ratios: median {statistics.median(ratios):.2f}")


if __name__ == "__main__":
    main()
