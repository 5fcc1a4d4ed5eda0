"""`talentsim sensitivity`, `calibrate` and `backtest`."""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
import time
from pathlib import Path

import click
import pandas as pd

from ..engine.cohort import simulate
from ..results import write_atomic_dir
from ..sampling import sample_inputs
from ..scenario.load import ScenarioError, load_scenario
from ..version import __version__
from .console import logger
from .guards import check_cohort_metric, check_draws
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
    from ..metrics import METRICS, unknown_metric_message

    started = dt.datetime.now(dt.UTC)
    t0 = time.perf_counter()
    try:
        scenario = load_scenario(scenario_file)
    except ScenarioError as exc:
        for problem in exc.problems:
            click.echo(str(problem), err=True)
        sys.exit(EXIT_INVALID)
    if metric not in METRICS:
        click.echo(f"--metric: {unknown_metric_message(metric)}", err=True)
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
    logger.info("wrote %s/", out)
    figures_and_report(out, plots, with_report)

def read_observed_or_exit(path, scenario=None):
    from ..analysis.observed import read_observed

    horizon = None if scenario is None else (scenario.horizon.start, scenario.horizon.end)
    try:
        return read_observed(path, horizon=horizon)
    except (OSError, ValueError) as exc:
        click.echo(str(exc) if isinstance(exc, ValueError) else f"{path}: {exc}", err=True)
        sys.exit(EXIT_INVALID)


def observation_model_or_exit(observed, path):
    from ..analysis.calibrate import resolve_observation_model

    try:
        return resolve_observation_model(observed, path)
    except (OSError, ValueError) as exc:
        click.echo(str(exc) if isinstance(exc, ValueError) else f"{path}: {exc}", err=True)
        sys.exit(EXIT_INVALID)


def echo_fit(fit) -> None:
    s = fit.settings
    click.echo(f"SMC: {s['stages']} tempering stages, {s['model_evaluations']} model evaluations of "
               f"{s['n_particles']} particles; ESS {s['ess']:.0f} of {s['n_particles']} at the last reweighting "
               f"(plain importance sampling from the prior would have ESS {s['ess_prior_is']:.1f}); "
               f"{s['unique_particles']} unique particles")
    for w in s["warnings"]:
        click.echo(f"warning: {w}", err=True)
    top = fit.report[~fit.report["input"].str.startswith("observation.")].head(5)
    click.echo("inputs the observations pin down most (shrinkage of the 90 % interval):")
    for _, row in top.iterrows():
        click.echo(f"  {row['input']}: {row['prior_p50']:.4g} -> {row['posterior_p50']:.4g} "
                   f"[{row['posterior_p05']:.4g}-{row['posterior_p95']:.4g}], shrinkage {row['shrinkage']:.0%}")


OBSERVATION_MODEL_HELP = ("observation model YAML (definition factors, error model) "
                          "[FILE.yaml beside the observations if it exists, else every factor 1]")


def calibration_inputs(scenario_file, observed, observation_model, n_particles: int):
    """The scenario and observation model of ``calibrate``/``backtest``, every input checked (one
    line and exit 2 on a problem)."""
    scenario = load_or_exit(scenario_file)
    check_draws(n_particles, len(sample_inputs(scenario, n_draws=1).names), option="--particles")
    read_observed_or_exit(observed, scenario)
    return scenario, observation_model_or_exit(observed, observation_model)


#: calibrate, backtest and forecast: the SMC's move budget (the default is
#: analysis.calibrate.MOVES, repeated here so that the CLI does not import scipy to show --help)
MOVES_OPTION = click.option(
    "--moves", type=click.FloatRange(min=0, min_open=True), default=6.0, show_default=True,
    help="Metropolis moves accepted per particle at each tempering stage (more mix better and cost more "
         "model runs)")


@click.command()
@click.argument("scenario_file", metavar="SCENARIO.yaml", type=click.Path(dir_okay=False))
@click.option("--observed", required=True, type=click.Path(dir_okay=False),
              help="observations CSV (series, metric, year, value, low, high, definition, unit, kind, source_id); "
                   "see data/OBSERVED.md")
@click.option("--observation-model", type=click.Path(dir_okay=False), help=OBSERVATION_MODEL_HELP)
@click.option("--particles", "n_particles", type=click.IntRange(min=10), default=2000, show_default=True,
              help="SMC particles (= posterior sample size)")
@MOVES_OPTION
@click.option("--method", type=click.Choice(["smc", "is"]), default="smc", show_default=True,
              help="tempered SMC, or importance sampling from the prior with resampling")
@click.option("--seed", type=click.IntRange(min=0), help="random seed [scenario's sampling.seed]")
@click.option("--out", "out_dir", type=click.Path(file_okay=False),
              help="results directory [results/calibration_<scenario name>]")
def calibrate(scenario_file, observed, observation_model, n_particles, moves, method, seed, out_dir) -> None:
    """Posterior of SCENARIO's inputs given observations (likelihood-weighted SMC); write posterior.parquet."""
    from ..analysis import calibrate as cal

    scenario, om = calibration_inputs(scenario_file, observed, observation_model, n_particles)
    out = results_dir(out_dir, Path("results") / f"calibration_{scenario.name}", "calibration")
    try:
        fit = cal.calibrate(scenario, observed, observation_model=om, n_particles=n_particles, method=method,
                            rng=seed, moves=moves)
        cal.write_calibration(fit, out, {"scenario": scenario.name, "scenario_file": str(scenario_file),
                                         "observed_file": str(observed), "talentsim_version": __version__})
    except KeyboardInterrupt:
        interrupted(out)
    except ValueError as exc:
        click.echo(str(exc), err=True)
        sys.exit(EXIT_INVALID)
    echo_fit(fit)
    folder = Path(scenario_file).resolve().parent
    hint = Path(os.path.relpath(os.path.abspath(out / "posterior.parquet"), folder)).as_posix()
    logger.info("wrote %s/ (%d posterior draws, ESS %.0f)", out, fit.n_accepted, fit.settings["ess"])
    click.echo(f"to use it, add this line to a scenario in {Path(scenario_file).parent}/ with the same start year "
               f"(inputs_from is read relative to the scenario's folder):\n  inputs_from: {hint}")


@click.command()
@click.argument("scenario_file", metavar="SCENARIO.yaml", type=click.Path(dir_okay=False))
@click.option("--observed", required=True, type=click.Path(dir_okay=False), help="observations CSV")
@click.option("--observation-model", type=click.Path(dir_okay=False), help=OBSERVATION_MODEL_HELP)
@click.option("--origins", required=True, metavar="YEAR,YEAR,...",
              help="fit on observations up to each of these years, score the later ones")
@click.option("--particles", "n_particles", type=click.IntRange(min=10), default=1000, show_default=True)
@MOVES_OPTION
@click.option("--seed", type=click.IntRange(min=0), help="random seed [scenario's sampling.seed]")
@click.option("--out", "out_dir", type=click.Path(file_okay=False),
              help="results directory [results/backtest_<scenario name>]")
def backtest(scenario_file, observed, observation_model, origins, n_particles, moves, seed, out_dir) -> None:
    """Rolling-origin backtest: CRPS and PIT of held-back observations, against a naive log-linear trend."""
    from ..analysis.backtest import backtest as run_backtest
    from ..analysis.backtest import write_backtest
    from ..plots.calibration import backtest_files

    try:
        years = [int(x) for x in origins.split(",") if x.strip()]
    except ValueError:
        click.echo(f"--origins: expected years separated by commas (got {origins!r})", err=True)
        sys.exit(EXIT_INVALID)
    scenario, om = calibration_inputs(scenario_file, observed, observation_model, n_particles)
    out = results_dir(out_dir, Path("results") / f"backtest_{scenario.name}", "backtest")
    try:
        result = run_backtest(scenario, observed, years, observation_model=om, n_particles=n_particles, rng=seed,
                              moves=moves)
        write_backtest(result, out, {"scenario": scenario.name, "scenario_file": str(scenario_file),
                                     "observed_file": str(observed), "talentsim_version": __version__},
                       extra_files=backtest_files(result))
    except KeyboardInterrupt:
        interrupted(out)
    except ValueError as exc:
        click.echo(str(exc), err=True)
        sys.exit(EXIT_INVALID)
    for o, ess in result.settings["ess"].items():
        click.echo(f"origin {o}: ESS {ess:.0f} of {n_particles}")
        for w in result.settings["warnings"].get(o, []):
            click.echo(f"warning: origin {o}: {w}", err=True)
    table = result.skill[result.skill["group"] == "all"]
    with pd.option_context("display.width", 160, "display.max_columns", 20):
        click.echo(table.to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    click.echo(f"wrote {out}/ (scores.csv, skill.csv, figures/backtest_<origin>.png)")


@click.command()
@click.argument("scenario_file", metavar="SCENARIO.yaml", type=click.Path(dir_okay=False))
@click.option("--observed", type=click.Path(dir_okay=False), help="observations CSV to calibrate on")
@click.option("--observation-model", type=click.Path(dir_okay=False), help=OBSERVATION_MODEL_HELP)
@click.option("--history", "history_file", type=click.Path(dir_okay=False),
              help="calibrate this history scenario and carry its posterior over to SCENARIO (the inputs both "
                   "share unchanged); without it SCENARIO itself is calibrated and run")
@click.option("--posterior", type=click.Path(dir_okay=False),
              help="use this posterior.parquet instead of calibrating")
@click.option("--until", type=int, help="run SCENARIO to this year [its horizon end] (without --history)")
@click.option("--particles", "n_particles", type=click.IntRange(min=10), default=2000, show_default=True)
@MOVES_OPTION
@click.option("--draws", "n_draws", type=click.IntRange(min=1), help="forecast draws [scenario's sampling.draws]")
@click.option("--seed", type=click.IntRange(min=0), help="random seed [scenario's sampling.seed]")
@click.option("--out", "out_dir", type=click.Path(file_okay=False),
              help="results directory [results/forecast_<scenario name>]")
@click.option("--plots", is_flag=True, help="also draw the figures into DIR/figures/")
@click.option("--report", "with_report", is_flag=True, help="also write DIR/report.html")
def forecast(scenario_file, observed, observation_model, history_file, posterior, until, n_particles, moves,
             n_draws, seed, out_dir, plots, with_report) -> None:
    """Run SCENARIO from calibrated inputs: a normal run directory plus the posterior it used.

    DIR/posterior.parquet holds the inputs pinned from the posterior; a scenario with
    'inputs_from:' pointing at it (e.g. baseline.yaml, so that compare and the lever scenarios
    inherit it) runs from the same calibrated inputs."""
    import tempfile

    from ..analysis import calibrate as cal
    from ..results import summarize, write_run
    from ..scenario.checks import stamp_priors

    if not observed and not posterior:
        click.echo("forecast: give --observed (to calibrate) or --posterior", err=True)
        sys.exit(EXIT_INVALID)
    scenario = load_or_exit(scenario_file)
    fit_file = history_file or scenario_file
    with tempfile.TemporaryDirectory() as tmp:
        if until is not None and not history_file:
            if until < scenario.horizon.start:
                click.echo(f"--until: {until} is before the horizon start {scenario.horizon.start}", err=True)
                sys.exit(EXIT_INVALID)
            scenario = cal.with_horizon_end(scenario_file, until, tmp)
        source = load_or_exit(fit_file)
        out = results_dir(out_dir, Path("results") / f"forecast_{scenario.name}")
        fit = None
        try:
            if posterior:
                post = cal.read_posterior(posterior)
            else:
                read_observed_or_exit(observed, source)
                om = observation_model_or_exit(observed, observation_model)
                fit = cal.calibrate(source, observed, observation_model=om, n_particles=n_particles, rng=seed,
                                    moves=moves)
                echo_fit(fit)
                post = fit.posterior
            if history_file:
                post = cal.transfer_posterior(source, scenario, post)
                click.echo(f"carried over {len(post.columns) - 1} posterior inputs from {source.name!r} to "
                           f"{scenario.name!r}: {', '.join(c for c in post.columns if c != 'distance')}")
            draws = cal.draws_from_posterior(scenario, post, n_draws, seed, strict=False)
            run = simulate(scenario, draws)
            summary = summarize(run)
            manifest = {"kind": "run", "engine": "cohort", "forecast": True, "scenario": scenario.name,
                        "scenario_file": str(scenario_file), "history_file": history_file,
                        "observed_file": observed, "posterior_file": posterior,
                        "calibration": None if fit is None else fit.settings,
                        "resolved_scenario": scenario.model_dump(mode="json"), "seed": draws.seed,
                        "sampling": draws.method, "draws": draws.n_draws,
                        "pinned_inputs": sorted(c for c in post.columns if c != "distance"),
                        "uncertain_inputs": draws.names, "talentsim_version": __version__}
            stamp_priors(post, scenario)
            write_run(run, out, manifest, summary=summary,
                      extra={"posterior.parquet": lambda p: post.to_parquet(p, index=False)})
            if fit is not None:
                cal.write_calibration(fit, out / "calibration", {"scenario_file": str(fit_file),
                                                                 "observed_file": str(observed)})
        except KeyboardInterrupt:
            interrupted(out)
        except ValueError as exc:
            click.echo(str(exc), err=True)
            sys.exit(EXIT_INVALID)
    row = summary[(summary["metric"] == "ai_workforce")]
    for year in (scenario.horizon.start, 2030, scenario.horizon.end):
        rows = row[row["year"] == year]
        if len(rows):
            r = rows.iloc[0]
            click.echo(f"ai_workforce {year}: median {r['p50']:,.0f} [{r['p05']:,.0f}-{r['p95']:,.0f}]")
    click.echo(f"wrote {out}/ ({draws.n_draws} draws from the posterior; posterior.parquet for 'inputs_from:')")
    figures_and_report(out, plots, with_report)
