"""`talentsim sensitivity`, `calibrate` and `backtest`."""

from __future__ import annotations

import datetime as dt
import json
import sys
import time
from pathlib import Path

import click
import pandas as pd

from ..results import write_atomic_dir
from ..sampling import sample_inputs
from ..scenario.load import ScenarioError, load_scenario
from ..version import __version__
from .guards import check_accepted, check_cohort_metric, check_draws
from .manifest import EXIT_INVALID, interrupted, load_or_exit, results_dir
from .output import figures_and_report


@click.command()
@click.argument("scenario_file", metavar="SCENARIO.yaml", type=click.Path(dir_okay=False))
@click.option("--method", type=click.Choice(["tornado", "sobol", "both"]), default="both", show_default=True)
@click.option("--metric", default="ai_workforce", show_default=True, help="output metric to explain")
@click.option("--year", type=int, default=2035, show_default=True, help="year of the tornado and the headline")
@click.option("--draws", "n_draws", type=click.IntRange(min=2), default=512, show_default=True,
              help="Sobol base sample, rounded up to a power of two (the model runs draws x (inputs + 2) "
                   "times); the group variance shares use 8x as many base rows")
@click.option("--seed", type=click.IntRange(min=0), help="random seed [scenario's sampling.seed]")
@click.option("--out", "out_dir", type=click.Path(file_okay=False),
              help="results directory [results/sensitivity_<scenario name>]")
@click.option("--plots", is_flag=True, help="also draw the figures into DIR/figures/")
@click.option("--report", "with_report", is_flag=True, help="also write DIR/report.html")
def sensitivity(scenario_file, method, metric, year, n_draws, seed, out_dir, plots, with_report) -> None:
    """Which inputs drive METRIC: tornado swings, Sobol indices, variance shares by group."""
    from ..analysis import sensitivity as sa
    from ..results import METRICS

    started = dt.datetime.now(dt.UTC)
    t0 = time.perf_counter()
    try:
        scenario = load_scenario(scenario_file)
    except ScenarioError as exc:
        for problem in exc.problems:
            click.echo(str(problem), err=True)
        sys.exit(EXIT_INVALID)
    if metric not in METRICS:
        click.echo(f"--metric: unknown metric '{metric}'; expected one of: {', '.join(sorted(METRICS))}", err=True)
        sys.exit(EXIT_INVALID)
    check_cohort_metric(scenario, metric)
    check_draws(8 * n_draws, len(sample_inputs(scenario, n_draws=1).names))
    if year not in scenario.years:
        click.echo(f"--year: {year} is outside the horizon {scenario.horizon.start}-{scenario.horizon.end}", err=True)
        sys.exit(EXIT_INVALID)
    seed = scenario.sampling.seed if seed is None else seed
    tor = sa.tornado(scenario, metric=metric, year=year) if method in ("tornado", "both") else None
    sob = sa.sobol(scenario, metric=metric, n=n_draws, rng=seed) if method in ("sobol", "both") else None
    shares = sa.variance_shares(scenario, metric=metric, n=8 * n_draws, rng=seed)
    table = sa.combine(tor, sob)
    top = {}
    if tor is not None:
        top["tornado_swing"] = tor["input"].head(5).tolist()
    if sob is not None:
        at = sob[sob.year == year].sort_values("ST", ascending=False)
        top["sobol_total"] = at["input"].head(5).tolist()
    manifest = {
        "kind": "sensitivity", "scenario": scenario.name, "scenario_file": str(scenario_file),
        "metric": metric, "year": year, "method": method, "draws": n_draws, "seed": seed,
        "top_inputs": top, "resolved_scenario": scenario.model_dump(mode="json"),
        "talentsim_version": __version__, "started_utc": started.isoformat(timespec="seconds"),
        "wall_seconds": round(time.perf_counter() - t0, 3),
    }
    out = results_dir(out_dir, Path("results") / f"sensitivity_{scenario.name}", "sensitivity")
    fmt = "%.8g"
    write_atomic_dir(out, {
        "sensitivity.csv": lambda p: table.to_csv(p, index=False, float_format=fmt),
        "variance_shares.csv": lambda p: shares.to_csv(p, index=False, float_format=fmt),
        "manifest.json": lambda p: p.write_text(json.dumps(manifest, indent=2, default=str) + "\n"),
    })
    for label, names in top.items():
        click.echo(f"top inputs by {label.replace('_', ' ')} ({metric} {year}): " + ", ".join(names[:3]))
    at_year = shares[shares.year == year].sort_values("share", ascending=False)
    click.echo(f"variance shares {year}: " + ", ".join(f"{g} {v:.0%}" for g, v in zip(at_year.group, at_year.share)))
    click.echo(f"wrote {out}/")
    figures_and_report(out, plots, with_report)

def read_observed_or_exit(path):
    from ..analysis.observed import read_observed

    try:
        return read_observed(path)
    except (OSError, ValueError) as exc:
        click.echo(f"{path}: {exc}", err=True)
        sys.exit(EXIT_INVALID)


@click.command()
@click.argument("scenario_file", metavar="SCENARIO.yaml", type=click.Path(dir_okay=False))
@click.option("--observed", required=True, type=click.Path(dir_okay=False),
              help="observations CSV (year, metric, value, source[, low, high]); see data/OBSERVED.md")
@click.option("--draws", "n_draws", type=click.IntRange(min=10), default=20000, show_default=True, help="prior draws")
@click.option("--accept", type=click.FloatRange(0, 1, min_open=True), default=0.02, show_default=True,
              help="share of prior draws accepted (the closest)")
@click.option("--seed", type=click.IntRange(min=0), help="random seed [scenario's sampling.seed]")
@click.option("--out", "out_dir", type=click.Path(file_okay=False),
              help="results directory [results/calibration_<scenario name>]")
def calibrate(scenario_file, observed, n_draws, accept, seed, out_dir) -> None:
    """Calibrate SCENARIO's uncertain inputs to observations (rejection ABC); write posterior.parquet."""
    from ..analysis import calibrate as cal

    scenario = load_or_exit(scenario_file)
    check_accepted(n_draws, accept)
    check_draws(n_draws, len(sample_inputs(scenario, n_draws=1).names))
    obs = read_observed_or_exit(observed)
    out = results_dir(out_dir, Path("results") / f"calibration_{scenario.name}", "calibration")
    try:
        fit = cal.calibrate(scenario, obs, n_draws=n_draws, accept=accept, seed=seed)
        cal.write_calibration(fit, out, {"scenario": scenario.name, "scenario_file": str(scenario_file),
                                         "observed_file": str(observed), "talentsim_version": __version__})
    except KeyboardInterrupt:
        interrupted(out)
    top = fit.report.sort_values("shrinkage", ascending=False).head(5)
    click.echo("inputs the observations pin down most (shrinkage of the 90 % interval):")
    for _, row in top.iterrows():
        click.echo(f"  {row['input']}: {row['prior_p50']:.4g} -> {row['posterior_p50']:.4g} "
                   f"[{row['posterior_p05']:.4g}-{row['posterior_p95']:.4g}], shrinkage {row['shrinkage']:.0%}")
    click.echo(f"wrote {out}/ ({fit.n_accepted} of {n_draws} draws accepted); use it with "
               f"'inputs_from: {(out / 'posterior.parquet')}' in a scenario")


@click.command()
@click.argument("scenario_file", metavar="SCENARIO.yaml", type=click.Path(dir_okay=False))
@click.option("--observed", required=True, type=click.Path(dir_okay=False), help="observations CSV")
@click.option("--fit-until", required=True, type=int, help="calibrate on observations up to this year, score the rest")
@click.option("--draws", "n_draws", type=click.IntRange(min=10), default=20000, show_default=True, help="prior draws")
@click.option("--accept", type=click.FloatRange(0, 1, min_open=True), default=0.02, show_default=True)
@click.option("--seed", type=click.IntRange(min=0), help="random seed [scenario's sampling.seed]")
@click.option("--out", "out_dir", type=click.Path(file_okay=False),
              help="results directory [results/backtest_<scenario name>_<year>]")
def backtest(scenario_file, observed, fit_until, n_draws, accept, seed, out_dir) -> None:
    """Calibrate on observations up to --fit-until, project the rest, score the held-back ones."""
    from ..analysis.backtest import backtest as run_backtest
    from ..analysis.backtest import write_backtest
    from ..plots.calibration import backtest_files

    scenario = load_or_exit(scenario_file)
    check_accepted(n_draws, accept)
    check_draws(n_draws, len(sample_inputs(scenario, n_draws=1).names))
    obs = read_observed_or_exit(observed)
    out = results_dir(out_dir, Path("results") / f"backtest_{scenario.name}_{fit_until}", "backtest")
    try:
        result = run_backtest(scenario, obs, fit_until, n_draws=n_draws, accept=accept, seed=seed)
        write_backtest(result, out, {"scenario": scenario.name, "scenario_file": str(scenario_file),
                                     "observed_file": str(observed), "talentsim_version": __version__},
                       extra_files=backtest_files(result))
    except KeyboardInterrupt:
        interrupted(out)
    except ValueError as exc:
        click.echo(f"{scenario_file}: {exc}", err=True)
        sys.exit(EXIT_INVALID)
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        click.echo(result.coverage.to_string(index=False))
    click.echo(f"wrote {out}/")
