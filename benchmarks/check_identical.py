"""Check that two versions of the cohort engine give the same outputs: bit-identical, or equal
to a relative tolerance (``--rtol``, for changes that reorder floating-point arithmetic).

    # 1. dump each version's outputs (run once per source tree, e.g. main's and a branch's)
    PYTHONPATH=/path/to/main/src python benchmarks/check_identical.py dump /tmp/main.npz
    python benchmarks/check_identical.py dump /tmp/branch.npz
    # 2. compare every metric and initial stock, every draw: np.array_equal, or with --rtol 1e-9
    #    the largest relative difference |A - B| / max(|A|, |B|) per scenario and design
    python benchmarks/check_identical.py compare /tmp/main.npz /tmp/branch.npz [--rtol 1e-9]

``dump`` runs every shipped scenario (``scenarios/*.yaml``) at ``--draws`` draws (lhs, seed 11)
with each of ``--chunks`` chunk sizes, plus the baseline with Monte Carlo and Sobol designs and
with two worker processes, and saves every metric of every run. ``compare`` also checks that the
chunk sizes and worker counts agree with each other bit for bit inside each file (the engine's
contract: that one never has a tolerance).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]


def dump(out: str, draws: int, chunks: list[int], scenarios: list[str]) -> None:
    import talentsim as ts

    print(f"talentsim from {Path(ts.__file__).parent}", file=sys.stderr)
    arrays: dict[str, np.ndarray] = {}
    runs = [(path, "lhs", c, 1) for path in scenarios for c in chunks]
    base = str(ROOT / "scenarios" / "baseline.yaml")
    runs += [(base, "mc", chunks[-1], 1), (base, "sobol", chunks[-1], 1), (base, "lhs", chunks[-1], 2)]
    for path, method, chunk, workers in runs:
        scenario = ts.load_scenario(path)
        run = ts.simulate(scenario, ts.sample_inputs(scenario, draws, method, rng=11), chunk_size=chunk,
                          workers=workers)
        tag = f"{Path(path).stem}|{method}|{chunk}|{workers}"
        for name, v in run.metrics.items():
            arrays[f"{tag}|m|{name}"] = np.asarray(v)
        for name, v in run.initial.items():
            arrays[f"{tag}|i|{name}"] = np.asarray(v)
        print(f"  {tag}: {len(run.metrics)} metrics", file=sys.stderr)
    np.savez(out, **arrays)


def relative_difference(x: np.ndarray, y: np.ndarray) -> float:
    """max |x - y| / max(|x|, |y|) over the cells (0 where both are 0; NaN where only one is NaN)."""
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    same = (x == y) | (np.isnan(x) & np.isnan(y))
    if same.all():
        return 0.0
    x, y = x[~same], y[~same]
    with np.errstate(invalid="ignore"):
        rel = np.abs(x - y) / np.maximum(np.abs(x), np.abs(y))
    return float(np.nan if np.isnan(rel).any() else rel.max())


def compare(a_path: str, b_path: str, rtol: float = 0.0) -> int:
    a, b = np.load(a_path), np.load(b_path)
    bad = 0
    if set(a.files) != set(b.files):
        print(f"different keys: only in A {sorted(set(a.files) - set(b.files))[:10]}, "
              f"only in B {sorted(set(b.files) - set(a.files))[:10]}")
        bad += 1
    common = sorted(set(a.files) & set(b.files))
    worst: dict[str, tuple[float, str]] = {}  # scenario|design -> (largest relative difference, where)
    for key in common:
        if rtol > 0:
            rel = relative_difference(a[key], b[key])
            run = "|".join(key.split("|")[:2])
            if run not in worst or not rel <= worst[run][0]:
                worst[run] = (rel, key)
            if not rel <= rtol:
                bad += 1
                if bad <= 20:
                    print(f"DIFFERENT {key}: max relative difference {rel:.3g} > {rtol:g}")
        elif not np.array_equal(a[key], b[key], equal_nan=True):
            bad += 1
            if bad <= 20:
                diff = np.nanmax(np.abs(a[key] - b[key]))
                print(f"DIFFERENT {key}: max |A - B| = {diff:.3g}")
    for run, (rel, key) in sorted(worst.items()):
        print(f"  {run}: max relative difference A vs B {rel:.2e} ({key.split('|', 4)[4]})")
    # chunk sizes and worker counts agree inside each file
    for f, name in ((a, "A"), (b, "B")):
        groups: dict[tuple[str, str, str], list[str]] = {}
        for key in f.files:
            scen, method, _chunk, _workers, kind, metric = key.split("|")
            groups.setdefault((scen, method, f"{kind}|{metric}"), []).append(key)
        for keys in groups.values():
            for k in keys[1:]:
                if not np.array_equal(f[keys[0]], f[k], equal_nan=True):
                    bad += 1
                    print(f"{name}: {keys[0]} != {k}")
    runs = {k.rsplit("|", 2)[0] for k in common}
    cells = sum(a[k].size for k in common)
    same = (f"A and B within relative {rtol:g}, chunk sizes and workers bit-identical" if rtol > 0
            else "all bit-identical")
    print(f"{len(common)} arrays ({len(runs)} runs, {cells:,} values) compared: "
          + (same if not bad else f"{bad} DIFFERENT"))
    return 1 if bad else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="cmd", required=True)
    d = sub.add_parser("dump")
    d.add_argument("out")
    d.add_argument("--draws", type=int, default=2000)
    d.add_argument("--chunks", type=int, nargs="+", default=[2000, 333])
    d.add_argument("--scenarios", nargs="+", default=sorted(str(p) for p in (ROOT / "scenarios").glob("*.yaml")))
    c = sub.add_parser("compare")
    c.add_argument("a")
    c.add_argument("b")
    c.add_argument("--rtol", type=float, default=0.0,
                   help="largest relative difference allowed between A and B (0: bit-identical)")
    args = parser.parse_args()
    if args.cmd == "dump":
        dump(args.out, args.draws, args.chunks, args.scenarios)
    else:
        sys.exit(compare(args.a, args.b, args.rtol))


if __name__ == "__main__":
    main()
