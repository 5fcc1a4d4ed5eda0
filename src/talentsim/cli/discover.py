"""`talentsim discover` (scenario discovery with PRIM) and `talentsim metrics` (the registry)."""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path

import click

from ..version import __version__
from .console import logger
from .manifest import EXIT_INVALID, results_dir


@click.command()
@click.argument("results", metavar="RESULTS_DIR", type=click.Path(exists=True, file_okay=False))
@click.option("--metric", required=True, help="outcome metric (see `talentsim metrics`)")
@click.option("--year", required=True, type=int, help="year of the outcome")
@click.option("--above", type=float, help="cases of interest: metric > ABOVE")
@click.option("--below", type=float, help="cases of interest: metric < BELOW")
@click.option("--alpha", type=click.FloatRange(0, 0.5, min_open=True, max_open=True), default=0.05,
              show_default=True, help="share of the box's draws removed by one peel")
@click.option("--min-coverage", type=click.FloatRange(0, 1), default=0.5, show_default=True,
              help="the chosen box is the densest one with at least this coverage")
@click.option("--out", "out_dir", type=click.Path(file_okay=False),
              help="output directory [RESULTS_DIR/discover_<metric>_<year>]")
def discover(results, metric, year, above, below, alpha, min_coverage, out_dir) -> None:
    """Which input ranges lead to METRIC in YEAR above/below a threshold (PRIM scenario discovery).

    Reads draws.parquet and inputs.parquet of RESULTS_DIR (a `talentsim run` written with its
    draws); writes boxes.csv (the chosen box's input ranges), trajectory.csv (the peeling
    trajectory), tradeoff.png (coverage against density) and manifest.json.
    """
    import pandas as pd

    from ..analysis.discover import boxes_frame, outcome_cases, prim
    from ..metrics import unknown_metric_message
    from ..plots.discover import tradeoff_png
    from ..results import write_atomic_dir

    root = Path(results)
    if (above is None) == (below is None):
        click.echo("give exactly one of --above X or --below X", err=True)
        sys.exit(EXIT_INVALID)
    missing = [f for f in ("draws.parquet", "inputs.parquet") if not (root / f).is_file()]
    if missing:
        click.echo(f"{root}: no {' or '.join(missing)}; discovery needs a run written with its draws "
                   "(`talentsim run` without --no-draws)", err=True)
        sys.exit(EXIT_INVALID)
    import pyarrow.parquet as pq

    columns = pq.read_schema(root / "draws.parquet").names
    if metric not in columns:
        click.echo(f"--metric: {unknown_metric_message(metric, [c for c in columns if c not in ('draw', 'year')])}",
                   err=True)
        sys.exit(EXIT_INVALID)
    draws = pd.read_parquet(root / "draws.parquet", columns=["draw", "year", metric])
    years = sorted(draws["year"].unique())
    if year not in years:
        click.echo(f"--year: {year} is not in the results ({years[0]}-{years[-1]})", err=True)
        sys.exit(EXIT_INVALID)
    outcome = draws[draws["year"] == year].set_index("draw")[metric]
    inputs = pd.read_parquet(root / "inputs.parquet").set_index("draw").loc[outcome.index]
    if inputs.shape[1] == 0:
        click.echo(f"{root}: the run has no uncertain inputs to discover boxes in", err=True)
        sys.exit(EXIT_INVALID)
    cases = outcome_cases(outcome.to_numpy(), above=above, below=below)
    rule = f"> {above:g}" if above is not None else f"< {below:g}"
    if not cases.any():
        click.echo(f"no draw has {metric} {rule} in {year} (range {outcome.min():,.6g} to {outcome.max():,.6g}); "
                   "nothing to discover", err=True)
        sys.exit(EXIT_INVALID)
    result = prim(inputs, cases, alpha=alpha, min_coverage=min_coverage)
    boxes = boxes_frame(result, metric, year, rule)
    out = results_dir(out_dir, root / f"discover_{metric}_{year}")
    manifest = {
        "kind": "discovery", "method": "PRIM (Friedman & Fisher 1999): peeling, then pasting",
        "results_dir": str(root), "metric": metric, "year": year, "rule": f"{metric} {rule}",
        "alpha": alpha, "min_coverage": min_coverage, "draws": result.n_draws, "cases": result.n_cases,
        "coverage": result.coverage, "density": result.density, "mass": result.mass,
        "chosen_step": result.chosen_step, "talentsim_version": __version__,
        "started_utc": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }
    fmt = "%.8g"
    write_atomic_dir(out, {
        "boxes.csv": lambda p: boxes.to_csv(p, index=False, float_format=fmt),
        "trajectory.csv": lambda p: result.trajectory.to_csv(p, index=False, float_format=fmt),
        "tradeoff.png": tradeoff_png(result.trajectory, f"{metric} {rule} in {year}: PRIM peeling trajectory",
                                     final=(result.coverage, result.density)),
        "manifest.json": lambda p: p.write_text(json.dumps(manifest, indent=2, default=str) + "\n"),
    })
    click.echo(f"{result.n_cases} of {result.n_draws} draws have {metric} {rule} in {year}; the box holds "
               f"{result.coverage:.0%} of them (coverage) and they are {result.density:.0%} of its draws (density)")
    for _, row in boxes.iterrows():
        click.echo(f"  {row['input']}: {row['lower']:.4g} to {row['upper']:.4g} "
                   f"(observed {row['data_min']:.4g} to {row['data_max']:.4g})")
    logger.info("wrote %s/", out)


@click.command("metrics")
@click.option("--csv", "as_csv", is_flag=True, help="print the registry as CSV")
def metrics_command(as_csv) -> None:
    """List every metric the engines write, with its unit and description."""
    from ..metrics import table

    frame = table()
    if as_csv:
        click.echo(frame.to_csv(index=False), nl=False)
        return
    width = max(map(len, frame["metric"]))
    unit_width = max(map(len, frame["unit"]))
    for _, row in frame.iterrows():
        click.echo(f"{row['metric']:<{width}}  {row['unit']:<{unit_width}}  {row['description']}")
