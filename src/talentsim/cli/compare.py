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
from .console import logger, progress
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
@click.option("--discount-rate", type=click.FloatRange(min=0), default=0.045, show_default=True,
              help="social discount rate of the lever appraisal (KDI PIMAC: 4.5 %)")
@click.option("--window", metavar="START-END", help="appraisal window, e.g. 2026-2050 [2026-2050 cut to the horizon]")
def compare(base_file, alt_files, n_draws, seed, sampling, chunk_size, out_dir, plots, with_report,
            discount_rate, window) -> None:
    """Run BASE and every ALT on common random numbers; write comparison.csv, levers.csv,
    lever_ranks.csv and each scenario's summary.csv in a subfolder."""
    from ..analysis.compare import compare_policies
    from ..analysis.economics import ECONOMICS_COLUMNS
    from .optimize import parse_window

    window = parse_window(window)

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

    # every scenario passes over the same draws: the counter shows each draw once
    with progress(draws.n_draws, f"compare ({len(scenarios)} scenarios)", passes=len(scenarios)) as update:
        try:
            result = compare_policies(base, alts, n_draws=draws.n_draws, method=draws.method, rng=draws.seed,
                                      chunk_size=chunk_size, progress=update,
                                      discount_rate=discount_rate, window=window)
        except ValueError as exc:
            raise click.BadParameter(str(exc).removeprefix("window: "), param_hint="'--window'") from None
    manifest = {
        "kind": "comparison",
        "base": base.name,
        "scenarios": [s.name for s in scenarios],
        "scenario_files": [str(f) for f in files],
        "resolved_scenarios": {s.name: s.model_dump(mode="json") for s in scenarios},
        "seed": draws.seed, "sampling": draws.method, "draws": draws.n_draws,
        "common_random_numbers": True,
        "discount_rate": discount_rate, "note": result.note,
        "appraisal_window": ([int(v) for v in result.levers[["window_start", "window_end"]].iloc[0]]
                             if len(result.levers) and result.levers.window_start.notna().all() else None),
        "money": f"KRW bn, constant {base.price_basis.base_year} prices (price_basis)",
        "talentsim_version": __version__,
        "data_files_sha256": data_files(),
        "started_utc": started.isoformat(timespec="seconds"),
        "wall_seconds": round(time.perf_counter() - t0, 3),
    }
    fmt = "%.8g"
    files_out = {
        "comparison.csv": lambda p: result.comparison.to_csv(p, index=False, float_format=fmt),
        "levers.csv": lambda p: result.levers.to_csv(p, index=False, float_format=fmt),
        "lever_ranks.csv": lambda p: result.ranks.to_csv(p, index=False, float_format=fmt),
        "manifest.json": lambda p: p.write_text(json.dumps(manifest, indent=2, default=str) + "\n"),
    }
    for name, summary in result.summaries.items():
        def write(p, summary=summary, inputs=result.inputs[name]):
            p.mkdir()
            summary.to_csv(p / "summary.csv", index=False, float_format=fmt)
            inputs.to_parquet(p / "inputs.parquet", index=False)
        files_out[name] = write
    for summary in result.summaries.values():
        check_summary(summary)  # no NaN, nothing negative, nothing beyond the population
    write_atomic_dir(out, files_out)
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        hidden = [c for c in (*ECONOMICS_COLUMNS, "mean_rank") if c != "krw_bn_per_worker_year"]
        click.echo(result.levers.drop(columns=hidden).round(3).to_string(index=False))
    click.echo(f"(all columns in levers.csv; present values {'-'.join(map(str, manifest['appraisal_window'] or []))} "
               f"at a {discount_rate:.1%} discount rate)")
    if result.note:
        click.echo(result.note)
    logger.info("wrote %s/ (%d alternative(s), %d common draws, %s, seed %d)", out, len(alts), draws.n_draws,
                draws.method, draws.seed)
    figures_and_report(out, plots, with_report)
