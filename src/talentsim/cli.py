"""Command line: ``talentsim validate|run|compare|sensitivity|plot|report|calibrate|backtest``. Parses options, calls the API, writes files."""

from __future__ import annotations

import datetime as dt
import math
import platform
import sys
import time
from importlib import resources
from pathlib import Path

import json

import click
import numpy as np
import pandas as pd

from . import __version__
from .model import simulate
from .results import sha256_of, summarize, write_atomic_dir, write_run
from .sampling import METHODS, sample_inputs
from .scenario import ScenarioError, load_scenario, validate_files
from .schema import Scenario

EXIT_INVALID = 2


def _data_files() -> dict[str, str]:
    """sha256 of every shipped data file the engine reads."""
    root = resources.files("talentsim.data")
    out = {}
    for name in ("births_kr.csv",):
        with resources.as_file(root.joinpath(name)) as path:
            out[name] = sha256_of(path)
    return out


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="talentsim")
def main() -> None:
    """Project Korea's AI workforce under policy and budget scenarios."""


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
def validate(files: tuple[str, ...]) -> None:
    """Check scenario FILES; list every problem as FILE: field.path: what is wrong."""
    problems = validate_files(list(files))
    for problem in problems:
        click.echo(str(problem), err=True)
    if problems:
        bad = len({p.file for p in problems})
        click.echo(f"{len(problems)} problem(s) in {bad} of {len(files)} file(s)", err=True)
        sys.exit(EXIT_INVALID)
    click.echo(f"{len(files)} file(s) valid")


#: above this many bytes of per-draw arrays, `run` summarises by streaming (bounded memory)
MEMORY_BUDGET = 1 << 30


def _load_or_exit(path) -> Scenario:
    try:
        return load_scenario(path)
    except ScenarioError as exc:
        for problem in exc.problems:
            click.echo(str(problem), err=True)
        sys.exit(EXIT_INVALID)


def _results_dir(out_dir: str | None, default: Path) -> Path:
    """The directory to (re)write, refusing paths that would replace something by accident."""
    if out_dir is None:
        return default
    out = Path(out_dir)
    if ".." in out.parts:
        click.echo(f"--out: '..' is not allowed in {out_dir!r}; give an absolute path to write "
                   "outside the current directory", err=True)
        sys.exit(EXIT_INVALID)
    if out.resolve() in (Path.cwd().resolve(), *Path.cwd().resolve().parents):
        click.echo(f"--out: {out_dir} is the current directory or one above it; refusing to replace it", err=True)
        sys.exit(EXIT_INVALID)
    if out.exists() and any(out.iterdir()) and not (out / "manifest.json").exists():
        click.echo(f"--out: {out_dir} exists and is not a talentsim results directory (no "
                   "manifest.json); refusing to replace it", err=True)
        sys.exit(EXIT_INVALID)
    return out


def _interrupted(out: Path) -> None:
    click.echo(f"interrupted: nothing written; previous results in {out}/ are untouched", err=True)
    sys.exit(130)


def _per_draw_bytes(scenario) -> int:
    return len(scenario.years) * 8 * 160  # ~160 metrics, float64


@main.command()
@click.argument("scenario_file", metavar="SCENARIO.yaml", type=click.Path(dir_okay=False))
@click.option("--draws", "n_draws", type=click.IntRange(min=1), help="Monte Carlo draws [scenario's sampling.draws]")
@click.option("--seed", type=click.IntRange(min=0), help="random seed [scenario's sampling.seed]")
@click.option("--sampling", type=click.Choice(METHODS), help="design of the draws [scenario's sampling.method]")
@click.option("--chunk-size", type=click.IntRange(min=1), default=5000, show_default=True,
              help="draws simulated at once (memory bound; results do not depend on it)")
@click.option("--out", "out_dir", type=click.Path(file_okay=False), help="results directory [results/<scenario name>]")
@click.option("--no-draws", is_flag=True, help="skip draws.parquet and initial.parquet (per-draw values)")
@click.option("--workers", type=click.IntRange(min=1), default=1, show_default=True,
              help="local worker processes (results identical to one worker)")
@click.option("--scheduler", metavar="ADDRESS", help="send chunks to this Dask distributed scheduler (pip install 'talentsim[dask]')")
@click.option("--engine", type=click.Choice(["cohort", "microsim"]), default="cohort", show_default=True,
              help="cohort: vectorised over draws; microsim: individuals on SimPy (slower, adds waits, "
                   "distributions.csv and cohort_tracking.csv)")
@click.option("--scale", type=click.FloatRange(min=0, min_open=True), default=None,
              help="microsim: people per agent [10]")
@click.option("--plots", is_flag=True, help="also draw the figures into DIR/figures/")
@click.option("--report", "with_report", is_flag=True, help="also write DIR/report.html")
def run(scenario_file, n_draws, seed, sampling, chunk_size, out_dir, no_draws, workers, scheduler,
        engine, scale, plots, with_report) -> None:
    """Simulate SCENARIO.yaml and write summary.csv, draws.parquet and manifest.json."""
    started = dt.datetime.now(dt.timezone.utc)
    t0 = time.perf_counter()
    scenario = _load_or_exit(scenario_file)
    draws = sample_inputs(scenario, n_draws=n_draws, method=sampling, rng=seed)
    out = _results_dir(out_dir, Path("results") / scenario.name)
    if engine == "microsim":
        _run_microsim(scenario, scenario_file, draws, out, scale, workers, no_draws, started, t0)
        _figures_and_report(out, plots, with_report)
        return
    if scale is not None:
        click.echo("--scale: only for --engine microsim", err=True)
        sys.exit(EXIT_INVALID)
    streaming = draws.n_draws * _per_draw_bytes(scenario) > MEMORY_BUDGET

    from tqdm import tqdm

    try:
        with tqdm(total=draws.n_draws * (2 if streaming else 1), unit="draw", desc=scenario.name,
                  disable=not sys.stderr.isatty(), file=sys.stderr) as bar:
            t_engine = time.perf_counter()
            if streaming:
                from .streaming import BINS, summarize_streaming

                streamed = summarize_streaming(scenario, draws, chunk_size=chunk_size, workers=workers,
                                               scheduler=scheduler, progress=bar.update)
                summary, result = streamed.summary, None
                quantiles = (f"streaming histogram, {BINS} bins per metric and year: |error| <= "
                             f"(max - min) / {BINS}; largest bound for ai_workforce "
                             f"{streamed.max_quantile_error.get('ai_workforce', float('nan')):.3g} people")
            else:
                result = simulate(scenario, draws, chunk_size=chunk_size, progress=bar.update,
                                  workers=workers, scheduler=scheduler)
                summary, quantiles = summarize(result), "exact"
            engine_seconds = time.perf_counter() - t_engine
        manifest = {
            "kind": "run",
            "engine": "cohort",
            "scenario": scenario.name,
            "scenario_file": str(scenario_file),
            "resolved_scenario": scenario.model_dump(mode="json"),
            "seed": draws.seed,
            "sampling": draws.method,
            "draws": draws.n_draws,
            "chunk_size": chunk_size,
            "workers": workers,
            "scheduler": scheduler,
            "quantiles": quantiles,
            "uncertain_inputs": draws.names,
            "talentsim_version": __version__,
            "python": platform.python_version(),
            "numpy": np.__version__,
            "data_files_sha256": _data_files(),
            "started_utc": started.isoformat(timespec="seconds"),
            "engine_seconds": round(engine_seconds, 3),
            "wall_seconds": round(time.perf_counter() - t0, 3),
        }
        if result is not None:
            write_run(result, out, manifest, draws=not no_draws, summary=summary)
        else:
            from .streaming import draws_writers

            fmt = "%.8g"
            files = {
                "summary.csv": lambda p: summary.to_csv(p, index=False, float_format=fmt),
                "manifest.json": lambda p: p.write_text(json.dumps(manifest, indent=2, default=str) + "\n"),
            }
            if not no_draws:
                files.update(draws_writers(scenario, draws, chunk_size))
            write_atomic_dir(out, files)
    except KeyboardInterrupt:
        _interrupted(out)
    _print_headline(summary, scenario.years)
    _warn_precision(summary, draws.n_draws)
    click.echo(f"wrote {out}/ ({draws.n_draws} draws, {draws.method}, seed {draws.seed})")
    _figures_and_report(out, plots, with_report)


def _run_microsim(scenario, scenario_file, draws, out: Path, scale, workers: int, no_draws: bool,
                  started, t0) -> None:
    """`run --engine microsim`: individuals through the same mechanisms (talentsim.microsim)."""
    from tqdm import tqdm

    from .microsim import DEFAULT_SCALE, micro_files, simulate_microsim

    scale = DEFAULT_SCALE if scale is None else scale
    try:
        with tqdm(total=draws.n_draws, unit="draw", desc=f"{scenario.name} (microsim)",
                  disable=not sys.stderr.isatty(), file=sys.stderr) as bar:
            t_engine = time.perf_counter()
            result = simulate_microsim(scenario, draws, scale=scale, progress=bar.update, jobs=workers)
            engine_seconds = time.perf_counter() - t_engine
        summary = summarize(result.run)
        manifest = {
            "kind": "run", "engine": "microsim", "scale_people_per_agent": scale,
            "scenario": scenario.name, "scenario_file": str(scenario_file),
            "resolved_scenario": scenario.model_dump(mode="json"),
            "seed": draws.seed, "sampling": draws.method, "draws": draws.n_draws, "workers": workers,
            "quantiles": "exact", "uncertain_inputs": draws.names,
            "events": int(np.sum(result.events)), "agents": int(np.sum(result.agents)),
            "talentsim_version": __version__, "python": platform.python_version(),
            "data_files_sha256": _data_files(), "started_utc": started.isoformat(timespec="seconds"),
            "engine_seconds": round(engine_seconds, 3), "wall_seconds": round(time.perf_counter() - t0, 3),
        }
        fmt = "%.8g"
        files = {
            "summary.csv": lambda p: summary.to_csv(p, index=False, float_format=fmt),
            "manifest.json": lambda p: p.write_text(json.dumps(manifest, indent=2, default=str) + "\n"),
            **micro_files(result),
        }
        if not no_draws:
            files["draws.parquet"] = lambda p: result.run.to_wide().to_parquet(p, index=False)
        write_atomic_dir(out, files)
    except KeyboardInterrupt:
        _interrupted(out)
    _print_headline(summary, scenario.years)
    click.echo(f"wrote {out}/ ({draws.n_draws} draws, microsim at {scale:g} people per agent, "
               f"{engine_seconds / draws.n_draws:.1f} s per draw)")


def _figures_and_report(out: Path, plots: bool, with_report: bool) -> None:
    """Figures and the HTML report of a results directory just written."""
    if plots:
        from .plots import plot_results_dir

        paths = plot_results_dir(out)
        click.echo(f"wrote {len(paths)} figure file(s) to {out / 'figures'}/")
    if with_report:
        from .report import write_report

        click.echo(f"wrote {write_report([out], out / 'report.html')}")


@main.command()
@click.argument("base_file", metavar="BASE.yaml", type=click.Path(dir_okay=False))
@click.argument("alt_files", metavar="ALT.yaml...", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--draws", "n_draws", type=click.IntRange(min=1), help="Monte Carlo draws [base's sampling.draws]")
@click.option("--seed", type=click.IntRange(min=0), help="random seed [base's sampling.seed]")
@click.option("--sampling", type=click.Choice(METHODS), help="design of the draws [base's sampling.method]")
@click.option("--chunk-size", type=click.IntRange(min=1), default=5000, show_default=True)
@click.option("--out", "out_dir", type=click.Path(file_okay=False), help="results directory [results/compare_<base name>]")
@click.option("--plots", is_flag=True, help="also draw the figures into DIR/figures/")
@click.option("--report", "with_report", is_flag=True, help="also write DIR/report.html")
@click.option("--discount-rate", type=click.FloatRange(min=0), default=0.045, show_default=True,
              help="social discount rate of the lever appraisal (KDI PIMAC: 4.5 %)")
@click.option("--window", metavar="START-END", help="appraisal window, e.g. 2026-2050 [2026-2050 cut to the horizon]")
def compare(base_file, alt_files, n_draws, seed, sampling, chunk_size, out_dir, plots, with_report,
            discount_rate, window) -> None:
    """Run BASE and every ALT on common random numbers; write comparison.csv, levers.csv,
    lever_ranks.csv and each scenario's summary.csv in a subfolder."""
    from .cli_optimize import parse_window
    from .compare import compare_policies
    from .economics import ECONOMICS_COLUMNS

    window = parse_window(window)

    started = dt.datetime.now(dt.timezone.utc)
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
    draws = sample_inputs(base, n_draws=n_draws, method=sampling, rng=seed)
    out = _results_dir(out_dir, Path("results") / f"compare_{base.name}")

    from tqdm import tqdm

    with tqdm(total=draws.n_draws * len(scenarios), unit="draw", desc="compare",
              disable=not sys.stderr.isatty(), file=sys.stderr) as bar:
        try:
            result = compare_policies(base, alts, n_draws=draws.n_draws, method=draws.method, rng=draws.seed,
                                      chunk_size=chunk_size, progress=bar.update,
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
        "talentsim_version": __version__,
        "data_files_sha256": _data_files(),
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
        def write(p, summary=summary):
            p.mkdir()
            summary.to_csv(p / "summary.csv", index=False, float_format=fmt)
        files_out[name] = write
    write_atomic_dir(out, files_out)
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        hidden = [c for c in (*ECONOMICS_COLUMNS, "mean_rank") if c != "krw_bn_per_worker_year"]
        click.echo(result.levers.drop(columns=hidden).round(3).to_string(index=False))
    click.echo(f"(all columns in levers.csv; present values {'-'.join(map(str, manifest['appraisal_window'] or []))} "
               f"at a {discount_rate:.1%} discount rate)")
    if result.note:
        click.echo(result.note)
    click.echo(f"wrote {out}/ ({len(alts)} alternative(s), {draws.n_draws} common draws, {draws.method}, seed {draws.seed})")
    _figures_and_report(out, plots, with_report)


HEADLINE = ("cohort18", "ai_track_entrants", "ai_workforce", "diaspora", "shortage")
#: relative standard error of a printed median above which `run` warns
PRECISION = 0.005


def _warn_precision(summary, n_draws: int) -> None:
    """Warn when the draws are too few for the medians printed, and suggest a draw count.

    The standard error of a median shrinks as 1/sqrt(draws), so reaching the target relative
    error takes n * (worst / target)^2 draws.
    """
    rows = summary[summary.metric.isin(HEADLINE) & (summary.p50.abs() > 0)]
    if rows.empty:
        return
    rel = (rows.se_p50 / rows.p50.abs()).to_numpy()
    worst = int(np.argmax(rel))
    if rel[worst] <= PRECISION:
        return
    row = rows.iloc[worst]
    needed = int(math.ceil(n_draws * (rel[worst] / PRECISION) ** 2 / 1000.0) * 1000)
    click.echo(
        f"warning: with {n_draws} draws the median {row.metric} in {row.year} is uncertain by "
        f"+/-{100 * rel[worst]:.1f} % (standard error); use --draws {needed} or more for "
        f"+/-{100 * PRECISION:.1f} %", err=True)


@main.command()
@click.argument("scenario_file", metavar="SCENARIO.yaml", type=click.Path(dir_okay=False))
@click.option("--method", type=click.Choice(["tornado", "sobol", "both"]), default="both", show_default=True)
@click.option("--metric", default="ai_workforce", show_default=True, help="output metric to explain")
@click.option("--year", type=int, default=2035, show_default=True, help="year of the tornado and the headline")
@click.option("--draws", "n_draws", type=click.IntRange(min=2), default=512, show_default=True,
              help="Sobol base sample, rounded up to a power of two (the model runs draws x (inputs + 2) "
                   "times); the group variance shares use 8x as many base rows")
@click.option("--seed", type=click.IntRange(min=0), help="random seed [scenario's sampling.seed]")
@click.option("--out", "out_dir", type=click.Path(file_okay=False), help="results directory [results/sensitivity_<scenario name>]")
@click.option("--plots", is_flag=True, help="also draw the figures into DIR/figures/")
@click.option("--report", "with_report", is_flag=True, help="also write DIR/report.html")
def sensitivity(scenario_file, method, metric, year, n_draws, seed, out_dir, plots, with_report) -> None:
    """Which inputs drive METRIC: tornado swings, Sobol indices, variance shares by group."""
    from . import sensitivity as sa
    from .results import METRICS

    started = dt.datetime.now(dt.timezone.utc)
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
    out = _results_dir(out_dir, Path("results") / f"sensitivity_{scenario.name}")
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
    _figures_and_report(out, plots, with_report)


@main.command()
@click.argument("results_dir", metavar="RESULTS_DIR", type=click.Path(exists=True, file_okay=False))
@click.option("--format", "formats", multiple=True, type=click.Choice(["png", "svg", "pdf"]),
              default=("png", "svg"), show_default=True, help="file formats (repeat the option)")
def plot(results_dir, formats) -> None:
    """Draw every figure of RESULTS_DIR (a run, comparison or sensitivity) into RESULTS_DIR/figures/."""
    from .plots import plot_results_dir

    try:
        paths = plot_results_dir(results_dir, formats)
    except (FileNotFoundError, ValueError) as exc:
        click.echo(f"{results_dir}: {exc}", err=True)
        sys.exit(EXIT_INVALID)
    click.echo(f"wrote {len(paths)} file(s) to {Path(results_dir) / 'figures'}/")


@main.command()
@click.argument("results_dirs", metavar="RESULTS_DIR...", nargs=-1, required=True,
                type=click.Path(exists=True, file_okay=False))
@click.option("--out", type=click.Path(dir_okay=False), default="report.html", show_default=True)
def report(results_dirs, out) -> None:
    """One self-contained HTML report of RESULTS_DIR... (figures, tables, assumptions, manifest)."""
    from .report import write_report

    try:
        click.echo(f"wrote {write_report(list(results_dirs), out)}")
    except (FileNotFoundError, ValueError) as exc:
        click.echo(str(exc), err=True)
        sys.exit(EXIT_INVALID)


def _read_observed_or_exit(path):
    from . import calibrate as cal

    try:
        return cal.read_observed(path)
    except (OSError, ValueError) as exc:
        click.echo(f"{path}: {exc}", err=True)
        sys.exit(EXIT_INVALID)


@main.command()
@click.argument("scenario_file", metavar="SCENARIO.yaml", type=click.Path(dir_okay=False))
@click.option("--observed", required=True, type=click.Path(dir_okay=False),
              help="observations CSV (year, metric, value, source[, low, high]); see data/OBSERVED.md")
@click.option("--draws", "n_draws", type=click.IntRange(min=10), default=20000, show_default=True, help="prior draws")
@click.option("--accept", type=click.FloatRange(0, 1, min_open=True), default=0.02, show_default=True,
              help="share of prior draws accepted (the closest)")
@click.option("--seed", type=click.IntRange(min=0), help="random seed [scenario's sampling.seed]")
@click.option("--out", "out_dir", type=click.Path(file_okay=False), help="results directory [results/calibration_<scenario name>]")
def calibrate(scenario_file, observed, n_draws, accept, seed, out_dir) -> None:
    """Calibrate SCENARIO's uncertain inputs to observations (rejection ABC); write posterior.parquet."""
    from . import calibrate as cal

    scenario = _load_or_exit(scenario_file)
    obs = _read_observed_or_exit(observed)
    out = _results_dir(out_dir, Path("results") / f"calibration_{scenario.name}")
    try:
        fit = cal.calibrate(scenario, obs, n_draws=n_draws, accept=accept, seed=seed)
        cal.write_calibration(fit, out, {"scenario": scenario.name, "scenario_file": str(scenario_file),
                                         "observed_file": str(observed), "talentsim_version": __version__})
    except KeyboardInterrupt:
        _interrupted(out)
    top = fit.report.sort_values("shrinkage", ascending=False).head(5)
    click.echo("inputs the observations pin down most (shrinkage of the 90 % interval):")
    for _, row in top.iterrows():
        click.echo(f"  {row['input']}: {row['prior_p50']:.4g} -> {row['posterior_p50']:.4g} "
                   f"[{row['posterior_p05']:.4g}-{row['posterior_p95']:.4g}], shrinkage {row['shrinkage']:.0%}")
    click.echo(f"wrote {out}/ ({fit.n_accepted} of {n_draws} draws accepted); use it with "
               f"'inputs_from: {(out / 'posterior.parquet')}' in a scenario")


@main.command()
@click.argument("scenario_file", metavar="SCENARIO.yaml", type=click.Path(dir_okay=False))
@click.option("--observed", required=True, type=click.Path(dir_okay=False), help="observations CSV")
@click.option("--fit-until", required=True, type=int, help="calibrate on observations up to this year, score the rest")
@click.option("--draws", "n_draws", type=click.IntRange(min=10), default=20000, show_default=True, help="prior draws")
@click.option("--accept", type=click.FloatRange(0, 1, min_open=True), default=0.02, show_default=True)
@click.option("--seed", type=click.IntRange(min=0), help="random seed [scenario's sampling.seed]")
@click.option("--out", "out_dir", type=click.Path(file_okay=False), help="results directory [results/backtest_<scenario name>_<year>]")
def backtest(scenario_file, observed, fit_until, n_draws, accept, seed, out_dir) -> None:
    """Calibrate on observations up to --fit-until, project the rest, score the held-back ones."""
    from . import calibrate as cal

    scenario = _load_or_exit(scenario_file)
    obs = _read_observed_or_exit(observed)
    out = _results_dir(out_dir, Path("results") / f"backtest_{scenario.name}_{fit_until}")
    try:
        result = cal.backtest(scenario, obs, fit_until, n_draws=n_draws, accept=accept, seed=seed)
        cal.write_backtest(result, out, {"scenario": scenario.name, "scenario_file": str(scenario_file),
                                         "observed_file": str(observed), "talentsim_version": __version__})
    except KeyboardInterrupt:
        _interrupted(out)
    except ValueError as exc:
        click.echo(f"{scenario_file}: {exc}", err=True)
        sys.exit(EXIT_INVALID)
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        click.echo(result.coverage.to_string(index=False))
    click.echo(f"wrote {out}/")


def _print_headline(summary, years: range) -> None:
    """Median and 90 % band of a few key metrics at a few years."""
    marks = [y for y in (years[0], 2030, 2035, 2040, 2050, years[-1]) if y in years]
    marks = sorted(set(marks))
    rows = ("cohort18", "ai_track_entrants", "ai_workforce", "diaspora", "shortage", "shortage_probability")
    table = summary.set_index(["metric", "year"])
    click.echo(f"{'median [5%-95%]':<22}" + "".join(f"{y:>24}" for y in marks))
    for metric in rows:
        if (metric, marks[0]) not in table.index:
            continue
        cells = []
        for y in marks:
            r = table.loc[(metric, y)]
            if metric == "shortage_probability":
                cells.append(f"{r['mean']:>24.2f}")
            else:
                cells.append(f"{r['p50']:>10,.0f} [{r['p05']:,.0f}-{r['p95']:,.0f}]".rjust(24))
        click.echo(f"{metric:<22}" + "".join(cells))


from .cli_optimize import levers, optimize  # noqa: E402  (lever economics and budget optimisation)

main.add_command(levers)
main.add_command(optimize)

if __name__ == "__main__":  # pragma: no cover
    main()
