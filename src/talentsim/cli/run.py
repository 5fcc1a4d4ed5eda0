"""`talentsim validate` and `talentsim run` (cohort or microsim engine)."""

from __future__ import annotations

import datetime as dt
import json
import math
import platform
import sys
import time
from pathlib import Path

import click
import numpy as np

from ..scenario.load import validate_files
from ..startup import interrupted_during_start_up
from ..version import __version__
from .console import logger, progress
from .guards import check_run_options
from .manifest import EXIT_INVALID, data_files, interrupted, load_or_exit, results_dir
from .output import figures_and_report


@click.command()
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

#: the designs of talentsim.sampling.METHODS (not imported here: scipy.stats slows `validate`)
METHODS = ("mc", "lhs", "sobol")


def per_draw_bytes(scenario) -> int:
    return len(scenario.years) * 8 * 160  # ~160 metrics, float64


@click.command()
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
@click.option("--scheduler", metavar="ADDRESS",
              help="send chunks to this Dask distributed scheduler (pip install 'talentsim[dask]')")
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
    started = dt.datetime.now(dt.UTC)
    t0 = time.perf_counter()
    try:  # seconds of imports on a busy machine; nothing is written before the next `try`
        from ..engine.cohort import simulate
        from ..integrity import check_run, check_summary
        from ..results import inputs_writer, summarize, write_atomic_dir, write_run
        from ..sampling import sample_inputs

        scenario = load_or_exit(scenario_file)
        workers = check_run_options(scenario, n_draws, workers, scheduler, scale)
        out = results_dir(out_dir, Path("results") / scenario.name, "run")
        draws = sample_inputs(scenario, n_draws=n_draws, method=sampling, rng=seed)
    except KeyboardInterrupt:
        interrupted_during_start_up()
    if engine == "microsim":
        run_microsim(scenario, scenario_file, draws, out, scale, workers, no_draws, started, t0)
        figures_and_report(out, plots, with_report)
        return
    if scale is not None:
        click.echo("--scale: only for --engine microsim", err=True)
        sys.exit(EXIT_INVALID)
    streaming = draws.n_draws * per_draw_bytes(scenario) > MEMORY_BUDGET
    logger.debug("%s: %d draws (%s, seed %d), %d uncertain inputs, chunks of %d, %d worker(s), %s", scenario.name,
                 draws.n_draws, draws.method, draws.seed, len(draws.names), chunk_size, workers,
                 "streaming summaries (one pass, bounded memory)" if streaming else "in memory")
    background = None  # a streaming run writes inputs.parquet in a thread during its pass
    feed = None  # ... from the input values of a pass in this process
    try:
        if streaming:
            if workers == 1 and scheduler is None:
                from ..results import InputsFeed

                feed = InputsFeed(draws, chunk_size)
            background = start_background_inputs(out, draws, chunk_size, feed)
            if background is None:
                feed = None
        with progress(draws.n_draws, scenario.name, passes=1) as update:
            t_engine = time.perf_counter()
            if streaming:
                from ..engine.streaming import BINS, summarize_streaming

                streamed = summarize_streaming(scenario, draws, chunk_size=chunk_size, workers=workers,
                                               scheduler=scheduler, progress=update,
                                               on_inputs=feed.put if feed is not None else None)
                if feed is not None:
                    feed.close()
                summary, result = streamed.summary, None
                quantiles = (f"streaming histogram in {streamed.passes} pass(es), {BINS} bins per metric and "
                             f"year over a pilot range: |error| <= (hi - lo) / {BINS}; largest bound for "
                             f"ai_workforce {streamed.max_quantile_error.get('ai_workforce', float('nan')):.3g} "
                             "people; per-metric bounds in quantile_error_bound")
            else:
                result = simulate(scenario, draws, chunk_size=chunk_size, progress=update,
                                  workers=workers, scheduler=scheduler)
                summary, quantiles = summarize(result), "exact"
            engine_seconds = time.perf_counter() - t_engine
        manifest = {
            "kind": "run",
            "engine": "cohort",
            "scenario": scenario.name,
            "scenario_file": str(scenario_file),
            "resolved_scenario": scenario.model_dump(mode="json"),
            "money": f"KRW bn, constant {scenario.price_basis.base_year} prices (price_basis)",
            "seed": draws.seed,
            "sampling": draws.method,
            "draws": draws.n_draws,
            "chunk_size": chunk_size,
            "workers": workers,
            "scheduler": scheduler,
            "quantiles": quantiles,
            **({"quantile_error_bound": {k: float(v) for k, v in streamed.max_quantile_error.items()}}
               if streaming else {}),
            "uncertain_inputs": draws.names,
            "talentsim_version": __version__,
            "python": platform.python_version(),
            "numpy": np.__version__,
            "data_files_sha256": data_files(),
            "started_utc": started.isoformat(timespec="seconds"),
            "engine_seconds": round(engine_seconds, 3),
            "wall_seconds": round(time.perf_counter() - t0, 3),
        }
        check_run(result) if result is not None else check_summary(summary)  # no NaN, nothing negative
        if result is not None:
            write_run(result, out, manifest, draws=not no_draws, summary=summary)
        else:
            from ..engine.streaming import draws_writers

            fmt = "%.8g"
            files = {
                "summary.csv": lambda p: summary.to_csv(p, index=False, float_format=fmt),
                "manifest.json": lambda p: p.write_text(json.dumps(manifest, indent=2, default=str) + "\n"),
                "inputs.parquet": background.writer if background is not None else inputs_writer(draws, chunk_size),
            }
            if not no_draws:
                files.update(draws_writers(scenario, draws, chunk_size))
            write_atomic_dir(out, files)
    except KeyboardInterrupt:
        interrupted(out)
    finally:
        if background is not None:
            background.discard()  # nothing left once writer() moved it; else stop and remove it
    print_headline(summary, scenario.years)
    warn_precision(summary, draws.n_draws, headline_years(scenario.years))
    logger.info("wrote %s/ (%d draws, %s, seed %d)", out, draws.n_draws, draws.method, draws.seed)
    figures_and_report(out, plots, with_report)


def start_background_inputs(out: Path, draws, chunk_size: int, feed=None):
    """inputs.parquet of a streaming run, written in a thread beside ``out`` while the pass
    runs, from ``feed`` (:class:`~talentsim.results.InputsFeed`: the pass's own input values)
    or sampled in the thread (None where ``out``'s folder cannot be made: then it is written
    after the pass)."""
    from ..outdir import BackgroundFile
    from ..results import inputs_writer

    try:
        out.parent.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None  # write_atomic_dir reports it with its own message
    return BackgroundFile(out, feed.writer() if feed is not None else inputs_writer(draws, chunk_size))


def run_microsim(scenario, scenario_file, draws, out: Path, scale, workers: int, no_draws: bool,
                  started, t0) -> None:
    """`run --engine microsim`: individuals through the same mechanisms (talentsim.microsim)."""
    import pandas as pd

    from ..integrity import check_run
    from ..microsim.run import DEFAULT_SCALE, micro_files, simulate_microsim
    from ..results import summarize, write_atomic_dir

    scale = DEFAULT_SCALE if scale is None else scale
    try:
        with progress(draws.n_draws, f"{scenario.name} (microsim)") as update:
            t_engine = time.perf_counter()
            result = simulate_microsim(scenario, draws, scale=scale, progress=update, jobs=workers)
            engine_seconds = time.perf_counter() - t_engine
        summary = summarize(result.run)
        manifest = {
            "kind": "run", "engine": "microsim", "scale_people_per_agent": scale,
            "scenario": scenario.name, "scenario_file": str(scenario_file),
            "resolved_scenario": scenario.model_dump(mode="json"),
            "money": f"KRW bn, constant {scenario.price_basis.base_year} prices (price_basis)",
            "seed": draws.seed, "sampling": draws.method, "draws": draws.n_draws, "workers": workers,
            "quantiles": "exact", "uncertain_inputs": draws.names,
            "events": int(np.sum(result.events)), "agents": int(np.sum(result.agents)),
            "talentsim_version": __version__, "python": platform.python_version(),
            "data_files_sha256": data_files(), "started_utc": started.isoformat(timespec="seconds"),
            "engine_seconds": round(engine_seconds, 3), "wall_seconds": round(time.perf_counter() - t0, 3),
        }
        fmt = "%.8g"
        files = {
            "summary.csv": lambda p: summary.to_csv(p, index=False, float_format=fmt),
            "manifest.json": lambda p: p.write_text(json.dumps(manifest, indent=2, default=str) + "\n"),
            "inputs.parquet": lambda p: result.run.inputs.to_parquet(p, index=False),
            **micro_files(result),
        }
        if not no_draws:
            initial = pd.DataFrame({"draw": np.arange(result.run.n_draws), **result.run.initial})
            files["draws.parquet"] = lambda p: result.run.to_wide().to_parquet(p, index=False)
            files["initial.parquet"] = lambda p: initial.to_parquet(p, index=False)
        check_run(result.run)
        write_atomic_dir(out, files)
    except KeyboardInterrupt:
        interrupted(out)
    print_headline(summary, scenario.years)
    warn_precision(summary, draws.n_draws, headline_years(scenario.years))
    logger.info("wrote %s/ (%d draws, microsim at %g people per agent, %.1f s per draw)", out, draws.n_draws,
                scale, engine_seconds / draws.n_draws)

HEADLINE = ("cohort18", "ai_track_entrants", "ai_workforce", "diaspora", "shortage")
#: relative standard error of a printed median above which `run` warns
PRECISION = 0.005


def warn_precision(summary, n_draws: int, years=None) -> None:
    """Warn when the draws are too few for the medians printed (``years``: the printed years;
    all years if None), and suggest a draw count.

    The standard error of a median shrinks as 1/sqrt(draws), so reaching the target relative
    error takes n * (worst / target)^2 draws.
    """
    rows = summary[summary.metric.isin(HEADLINE) & (summary.p50.abs() > 0)]
    if years is not None:
        rows = rows[rows.year.isin(list(years))]
    if rows.empty:
        return
    rel = (rows.se_p50 / rows.p50.abs()).to_numpy()
    worst = int(np.argmax(rel))
    if rel[worst] <= PRECISION:
        return
    row = rows.iloc[worst]
    needed = int(math.ceil(n_draws * (rel[worst] / PRECISION) ** 2 / 1000.0) * 1000)
    logger.warning(
        f"with {n_draws} draws the median {row.metric} in {row.year} is uncertain by "
        f"+/-{100 * rel[worst]:.1f} % (standard error); use --draws {needed} or more for "
        f"+/-{100 * PRECISION:.1f} %")


def headline_years(years) -> list[int]:
    """The years :func:`print_headline` prints: the first, 2030, 2035, 2040, 2050 and the last."""
    return sorted({y for y in (years[0], 2030, 2035, 2040, 2050, years[-1]) if y in years})


def print_headline(summary, years: range) -> None:
    """Median and 90 % band of a few key metrics at a few years."""
    marks = headline_years(years)
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
