"""Commands ``talentsim levers`` (marginal cost curves) and ``talentsim optimize`` (the best
split of a budget); cli.py adds them to its group. Parse options, call the API, write files."""

from __future__ import annotations

import datetime as dt
import json
import re
import sys
from functools import partial
from pathlib import Path
from typing import overload

import click
import pandas as pd

from ..sampling import METHODS
from ..version import __version__

FMT = "%.8g"


def parse_window(text: str | None) -> tuple[int, int] | None:
    """``"2026-2050"`` -> (2026, 2050); None stays None."""
    if text is None:
        return None
    m = re.fullmatch(r"\s*(\d{4})\s*-\s*(\d{4})\s*", text)
    if not m:
        raise click.BadParameter(f"expected START-END years, e.g. 2026-2050 (got {text!r})", param_hint="'--window'")
    return int(m.group(1)), int(m.group(2))


@overload
def _numbers(text: str, option: str) -> list[float]: ...
@overload
def _numbers(text: None, option: str) -> None: ...
def _numbers(text: str | None, option: str) -> list[float] | None:
    if text is None:
        return None
    try:
        values = [float(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise click.BadParameter(f"expected numbers separated by commas, e.g. 10,100,1000 (got {text!r})",
                                 param_hint=f"'{option}'") from None
    if not values or min(values) <= 0:
        raise click.BadParameter(f"expected numbers > 0 separated by commas (got {text!r})", param_hint=f"'{option}'")
    return values


def _bounds(values: tuple[str, ...], option: str) -> dict[str, float]:
    out: dict[str, float] = {}
    for item in values:
        name, sep, number = item.partition("=")
        try:
            value = float(number)
        except ValueError:
            value = None
        if not sep or value is None or not name.strip():
            raise click.BadParameter(f"expected LEVER=KRW_BN, e.g. reskilling=100 (got {item!r})",
                                     param_hint=f"'{option}'")
        if name.strip() in out:
            raise click.BadParameter(f"lever '{name.strip()}' is given twice", param_hint=f"'{option}'")
        out[name.strip()] = value
    return out


def _write_figure(path: Path, draw) -> None:
    from ..plots import FigureSpec, render

    path.mkdir(exist_ok=True)
    for fmt in ("png", "svg"):
        (path / f"{draw.func.__name__}.{fmt}").write_bytes(render(FigureSpec(draw.func.__name__, draw), fmt))


def _echo_frame(frame: pd.DataFrame) -> None:
    with pd.option_context("display.width", 200, "display.max_columns", 30):
        click.echo(frame.to_string(index=False))


@click.command()
@click.argument("scenario_file", metavar="SCENARIO.yaml", type=click.Path(dir_okay=False))
@click.option("--scales", default="10,100,1000", show_default=True,
              help="extra KRW bn a year (constant 2024 won) put on one lever at a time, comma-separated")
@click.option("--levers", "lever_list", help="comma-separated levers [every lever with parameters]")
@click.option("--draws", "n_draws", type=click.IntRange(min=2), default=1000, show_default=True)
@click.option("--seed", type=click.IntRange(min=0), help="random seed [scenario's sampling.seed]")
@click.option("--sampling", type=click.Choice(METHODS), help="design of the draws [scenario's sampling.method]")
@click.option("--discount-rate", type=click.FloatRange(min=0), default=0.045, show_default=True,
              help="social discount rate (KDI PIMAC: 4.5 %)")
@click.option("--window", metavar="START-END", help="appraisal window [2026-2050 cut to the horizon]; "
              "the extra money starts in its first year")
@click.option("--out", "out_dir", type=click.Path(file_okay=False),
              help="results directory [results/levers_<scenario name>]")
def levers(scenario_file, scales, lever_list, n_draws, seed, sampling, discount_rate, window, out_dir) -> None:
    """Marginal cost curves: each lever's KRW bn per extra discounted AI worker-year at each
    scale, on common random numbers; writes marginal_costs.csv and figures/marginal_costs.png."""
    from ..analysis.splits import funded_levers, marginal_costs
    from ..plots import optimize as plots_optimize
    from .manifest import load_or_exit as _load_or_exit
    from .manifest import results_dir as _results_dir

    started = dt.datetime.now(dt.UTC)
    scenario = _load_or_exit(scenario_file)
    values = _numbers(scales, "--scales")
    span = parse_window(window)
    known = funded_levers(scenario)
    chosen = None if lever_list is None else [v.strip() for v in lever_list.split(",") if v.strip()]
    bad = [v for v in chosen or [] if v not in known]
    if bad or chosen == []:
        raise click.BadParameter(f"unknown lever {bad[0]!r}; expected one of: {', '.join(known)}" if bad
                                 else "no lever given", param_hint="'--levers'")
    try:
        frame = marginal_costs(scenario, values, levers=chosen, discount_rate=discount_rate, window=span,
                               n_draws=n_draws, method=sampling, rng=seed)
    except ValueError as exc:
        raise click.BadParameter(str(exc).removeprefix("window: "), param_hint="'--window'") from None
    out = _results_dir(out_dir, Path("results") / f"levers_{scenario.name}")
    manifest = {
        "kind": "marginal_costs", "scenario": scenario.name, "scenario_file": str(scenario_file),
        "scales_krw_bn": values, "levers": sorted(set(frame["lever"])), "discount_rate": discount_rate,
        "appraisal_window": [int(frame.window_start.iloc[0]), int(frame.window_end.iloc[0])],
        "draws": n_draws, "seed": scenario.sampling.seed if seed is None else seed,
        "sampling": sampling or scenario.sampling.method, "common_random_numbers": True,
        "money": "KRW bn a year (constant 2024 won)",
        "resolved_scenario": scenario.model_dump(mode="json"), "talentsim_version": __version__,
        "started_utc": started.isoformat(timespec="seconds"),
    }
    from ..results import write_atomic_dir

    write_atomic_dir(out, {
        "marginal_costs.csv": lambda p: frame.to_csv(p, index=False, float_format=FMT),
        "manifest.json": lambda p: p.write_text(json.dumps(manifest, indent=2, default=str) + "\n"),
        "figures": lambda p: _write_figure(p, partial(plots_optimize.marginal_costs, frame)),
    })
    _echo_frame(frame[["lever", "scale_krw_bn", "krw_bn_per_worker_year", "krw_bn_per_worker_year_p05",
                       "krw_bn_per_worker_year_p95"]].round(4))
    click.echo(f"wrote {out}/ (KRW bn per extra AI worker-year, present values {manifest['appraisal_window'][0]}-"
               f"{manifest['appraisal_window'][1]} at {discount_rate:.1%}; {n_draws} common draws)")


@click.command()
@click.argument("scenario_file", metavar="SCENARIO.yaml", type=click.Path(dir_okay=False))
@click.option("--budget", required=True, type=click.FloatRange(min=0, min_open=True),
              help="extra KRW bn a year (constant 2024 won) to split across levers")
@click.option("--from", "first_year", type=int, help="first year of the extra money [the window's first year]")
@click.option("--objective", type=click.Choice(["worker_years", "shortage_probability", "cvar"]),
              default="worker_years", show_default=True,
              help="worker_years: mean extra discounted AI worker-years; cvar: their mean over the worst "
                   "--alpha of draws; shortage_probability: P(shortage in --year > --threshold), minimised")
@click.option("--min", "minimum", multiple=True, metavar="LEVER=X", help="at least X KRW bn a year on LEVER (repeat)")
@click.option("--max", "maximum", multiple=True, metavar="LEVER=X", help="at most X KRW bn a year on LEVER (repeat)")
@click.option("--levers", "lever_list", help="comma-separated levers to fund [every lever with parameters]")
@click.option("--year", type=int, default=2035, show_default=True, help="shortage_probability: the year")
@click.option("--threshold", type=float, default=0.0, show_default=True, help="shortage_probability: people")
@click.option("--alpha", type=float, default=0.1, show_default=True, help="cvar: share of worst draws")
@click.option("--discount-rate", type=click.FloatRange(min=0), default=0.045, show_default=True)
@click.option("--window", metavar="START-END", help="appraisal window [2026-2050 cut to the horizon]")
@click.option("--frontier", "frontier_levels", metavar="X,Y,...",
              help="budget levels of the frontier [0.25x-2x --budget]")
@click.option("--draws", "n_draws", type=click.IntRange(min=10), default=1000, show_default=True)
@click.option("--seed", type=click.IntRange(min=0), help="seed of the optimisation draws [scenario's sampling.seed]")
@click.option("--eval-seed", type=click.IntRange(min=0), help="seed of the fresh evaluation draws [--seed + 1]")
@click.option("--sampling", type=click.Choice(METHODS), help="design of the draws [scenario's sampling.method]")
@click.option("--starts", type=click.IntRange(min=1), default=3, show_default=True, help="optimiser starts")
@click.option("--out", "out_dir", type=click.Path(file_okay=False),
              help="results directory [results/optimize_<scenario name>]")
def optimize(scenario_file, budget, first_year, objective, minimum, maximum, lever_list, year, threshold, alpha,
             discount_rate, window, frontier_levels, n_draws, seed, eval_seed, sampling, starts, out_dir) -> None:
    """The split of --budget across levers that best serves --objective on common random
    numbers; writes allocation.csv, frontier.csv, evaluation.csv (fresh draws), figures and
    manifest.json."""
    from ..analysis.optimize import OptimizeError
    from ..analysis.optimize import optimize as run_optimize
    from ..plots import optimize as plots_optimize
    from .manifest import load_or_exit as _load_or_exit
    from .manifest import results_dir as _results_dir

    started = dt.datetime.now(dt.UTC)
    scenario = _load_or_exit(scenario_file)
    chosen = None if lever_list is None else [v.strip() for v in lever_list.split(",") if v.strip()]
    try:
        result = run_optimize(
            scenario, budget, first_year=first_year, objective=objective, levers=chosen,
            minimum=_bounds(minimum, "--min"), maximum=_bounds(maximum, "--max"), year=year,
            threshold=threshold, alpha=alpha, discount_rate=discount_rate, window=parse_window(window),
            frontier=_numbers(frontier_levels, "--frontier"), n_draws=n_draws, method=sampling, rng=seed,
            eval_rng=eval_seed, starts=starts)
    except OptimizeError as exc:
        raise click.BadParameter(str(exc).removeprefix(f"{exc.option}: "), param_hint=f"'{exc.option}'") from None
    out = _results_dir(out_dir, Path("results") / f"optimize_{scenario.name}")
    manifest = {"kind": "optimize", "scenario": scenario.name, "scenario_file": str(scenario_file),
                **result.settings, "notes": result.notes, "common_random_numbers": True,
                "resolved_scenario": scenario.model_dump(mode="json"), "talentsim_version": __version__,
                "started_utc": started.isoformat(timespec="seconds")}

    def figures(p: Path) -> None:
        _write_figure(p, partial(plots_optimize.allocation, result.allocation))
        if len(result.frontier):
            _write_figure(p, partial(plots_optimize.frontier, result.frontier))

    from ..results import write_atomic_dir

    write_atomic_dir(out, {
        "allocation.csv": lambda p: result.allocation.to_csv(p, index=False, float_format=FMT),
        "frontier.csv": lambda p: result.frontier.to_csv(p, index=False, float_format=FMT),
        "evaluation.csv": lambda p: result.evaluation.to_csv(p, index=False, float_format=FMT),
        "manifest.json": lambda p: p.write_text(json.dumps(manifest, indent=2, default=str) + "\n"),
        "figures": figures,
    })
    _echo_frame(result.allocation[["lever", "krw_bn", "share"]].round(4))
    _echo_frame(result.evaluation[["policy", "value", "optimised_minus_policy", "p_better", "p_better_draw"]].round(4))
    for note in result.notes:
        click.echo(note)
    click.echo(f"wrote {out}/ ({result.settings['draws']} draws, seed {result.settings['seed']}; evaluation on "
               f"fresh draws, seed {result.settings['evaluation_seed']}; {result.settings['seconds']:.1f} s)",
               file=sys.stdout)
