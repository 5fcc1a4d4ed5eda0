"""`talentsim compare`: policies on common random numbers."""

from __future__ import annotations

import datetime as dt
import json
import sys
import time
from pathlib import Path

import click
import pandas as pd

from ..integrity import check_summary
from ..results import write_atomic_dir
from ..sampling import METHODS, sample_inputs
from ..scenario.load import ScenarioError, load_scenario
from ..version import __version__
from .guards import check_run_options
from .manifest import EXIT_INVALID, data_files, results_dir
from .output import figures_and_report


@click.command()
@click.argument("base_file", metavar="BASE.yaml", type=click.Path(dir_okay=False))
@click.argument("alt_files", metavar="ALT.yaml...", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--draws", "n_draws", type=click.IntRange(min=1), help="Monte Carlo draws [base's sampling.draws]")
@click.option("--seed", type=click.IntRange(min=0), help="random seed [base's sampling.seed]")
@click.option("--sampling", type=click.Choice(METHODS), help="design of the draws [base's sampling.method]")
@click.option("--chunk-size", type=click.IntRange(min=1), default=5000, show_default=True)
@click.option("--out", "out_dir", type=click.Path(file_okay=False),
              help="results directory [results/compare_<base name>]")
@click.option("--plots", is_flag=True, help="also draw the figures into DIR/figures/")
@click.option("--report", "with_report", is_flag=True, help="also write DIR/report.html")
def compare(base_file, alt_files, n_draws, seed, sampling, chunk_size, out_dir, plots, with_report) -> None:
    """Run BASE and every ALT on common random numbers; write comparison.csv, levers.csv and
    each scenario's summary.csv in a subfolder."""
    from ..analysis.compare import compare_policies

    started = dt.datetime.now(dt.UTC)
    t0 = time.perf_counter()
    files = [base_file, *alt_files]
    problems, scenarios = [], []
    for path in files:
        try:
            scenarios.append(load_scenario(path))
        except ScenarioError as exc:
            problems += exc.problems
    for problem in problems:
        click.echo(str(problem), err=True)
    if problems:
        sys.exit(EXIT_INVALID)
    by_name: dict[str, object] = {}
    for path, s in zip(files, scenarios):
        if s.name in by_name and by_name[s.name] != s:
            click.echo(f"{path}: name: scenario name '{s.name}' is used by two different scenarios; "
                       "names must be unique (they name the output subfolders)", err=True)
            sys.exit(EXIT_INVALID)
        by_name[s.name] = s
    base, alts = scenarios[0], scenarios[1:]
    bad = [f"{path}: horizon: must match the base scenario's {base.horizon.start}-{base.horizon.end} "
           f"(got {s.horizon.start}-{s.horizon.end})"
           for path, s in zip(alt_files, alts) if s.years != base.years]
    if bad:
        click.echo("\n".join(bad), err=True)
        sys.exit(EXIT_INVALID)
    check_run_options(base, n_draws, 1, None, runs=len(scenarios))
    out = results_dir(out_dir, Path("results") / f"compare_{base.name}", "comparison")
    draws = sample_inputs(base, n_draws=n_draws, method=sampling, rng=seed)

    from tqdm import tqdm

    with tqdm(total=draws.n_draws * len(scenarios), unit="draw", desc="compare",
              disable=not sys.stderr.isatty(), file=sys.stderr) as bar:
        result = compare_policies(base, alts, n_draws=draws.n_draws, method=draws.method,
                                  rng=draws.seed, chunk_size=chunk_size, progress=bar.update)
    manifest = {
        "kind": "comparison",
        "base": base.name,
        "scenarios": [s.name for s in scenarios],
        "scenario_files": [str(f) for f in files],
        "resolved_scenarios": {s.name: s.model_dump(mode="json") for s in scenarios},
        "seed": draws.seed, "sampling": draws.method, "draws": draws.n_draws,
        "common_random_numbers": True,
        "talentsim_version": __version__,
        "data_files_sha256": data_files(),
        "started_utc": started.isoformat(timespec="seconds"),
        "wall_seconds": round(time.perf_counter() - t0, 3),
    }
    fmt = "%.8g"
    files_out = {
        "comparison.csv": lambda p: result.comparison.to_csv(p, index=False, float_format=fmt),
        "levers.csv": lambda p: result.levers.to_csv(p, index=False, float_format=fmt),
        "manifest.json": lambda p: p.write_text(json.dumps(manifest, indent=2, default=str) + "\n"),
    }
    for name, summary in result.summaries.items():
        def write(p, summary=summary):
            p.mkdir()
            summary.to_csv(p / "summary.csv", index=False, float_format=fmt)
        files_out[name] = write
    for summary in result.summaries.values():
        check_summary(summary)  # no NaN, nothing negative, nothing beyond the population
    write_atomic_dir(out, files_out)
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        click.echo(result.levers.round(2).to_string(index=False))
    click.echo(f"wrote {out}/ ({len(alts)} alternative(s), {draws.n_draws} common draws, {draws.method}, "
               f"seed {draws.seed})")
    figures_and_report(out, plots, with_report)
