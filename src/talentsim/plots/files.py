"""Results directories to figure files: which figures suit a directory, rendering outside
pyplot (no backend switch), atomic writes."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

if TYPE_CHECKING:  # pragma: no cover
    pass
from .policy import comparison, lever_costs
from .sensitivity import sobol_bars, sobol_over_time, tornado, variance_shares
from .style import DPI, FIGSIZE, INFLOWS, MAX_BANDED, OUTFLOWS, PIPELINE, scenario_names
from .timeseries import demography, fan_chart, flows, pipeline, shortage, supply_demand

# ---------------------------------------------------------------- results directories

@dataclass(frozen=True)
class Results:
    """A results directory read back: its kind (``run``, ``comparison``, ``sensitivity``), its
    manifest and its frames (``summary``, ``comparison``, ``levers``, ``sensitivity``,
    ``variance_shares``; a comparison's ``summary`` concatenates every scenario's)."""

    path: Path
    kind: str
    manifest: dict
    frames: dict[str, pd.DataFrame] = field(default_factory=dict)


@dataclass(frozen=True)
class FigureSpec:
    name: str
    draw: Callable[..., Any]  # draw(ax=ax) -> Axes
    size: tuple[float, float] = FIGSIZE
    caption: str = ""  # one plain sentence for the report
    footer: str = ""  # source, date, draws, seed, price basis: printed under the figure


#: captions by figure name (a prefix for numbered or per-metric names)
CAPTIONS = {
    "supply_demand": "AI labour demand against the AI workforce: the gap between the lines is the shortage.",
    "ai_workforce_fan": "AI workers in Korea each year: median and the ranges holding 50 % and 90 % of the draws.",
    "ai_workforce_master_fan": "AI workers with a master's degree.",
    "ai_workforce_phd_fan": "AI workers with a PhD.",
    "ai_track_entrants_fan": "New students on AI-relevant four-year tracks each year.",
    "diaspora_fan": "Korean AI workers abroad.",
    "emigration_fan": "AI workers leaving Korea each year.",
    "shortage_fan": "AI labour shortage (demand minus AI workforce); below zero means a surplus.",
    "budget_spent_fan": "Spending on all levers each year; the axis starts at zero.",
    "demography": "Live births and 18-year-olds: the size of the cohorts that feed universities.",
    "pipeline": "The pipeline from AI-track entrants to graduates to AI jobs (log scale).",
    "flows": "Flows into and out of the AI workforce each year (medians).",
    "shortage_probability": "Probability of a shortage: the share of draws in which demand exceeds the AI workforce.",
    "compare_": "Each scenario minus the base on the same draws: dots are medians, bars and whiskers the 50 % "
                "and 90 % ranges. A whisker clear of zero is a robust effect.",
    "lever_costs": "Cost per extra AI worker in 2035, cheapest at the bottom.",
    "scenarios_ai_workforce_fan": "AI workforce of every scenario: medians (bands for the base only; the "
                                  "paired charts show the differences).",
    "scenarios_shortage_probability": "Probability of a shortage in each scenario.",
    "tornado": "One input at a time from its low to its high value, the rest at their central values.",
    "sobol_": "Share of the output's variance due to each input (Sobol indices).",
    "variance_shares": "Share of the variance by input group over time.",
}


def caption_for(name: str) -> str:
    if name in CAPTIONS:
        return CAPTIONS[name]
    return next((text for key, text in CAPTIONS.items() if key.endswith("_") and name.startswith(key)), "")


def footer_for(r: Results) -> str:
    """``Source: talentsim 0.1.0 run of baseline, 2026-11-30; 2,000 draws (lhs), seed 20240601;
    money in KRW bn, constant 2024 prices``."""
    from ..version import __version__
    from .labels import PRICE_BASIS

    m = r.manifest
    who = m.get("scenario") or (f"{m.get('base')} and {len(m.get('scenarios', [])) - 1} alternatives"
                                if r.kind == "comparison" else "")
    when = str(m.get("started_utc", ""))[:10]
    draws = m.get("draws")
    parts = [f"Source: talentsim {m.get('talentsim_version', __version__)} {r.kind} of {who}".rstrip(),
             when, f"{draws:,} draws ({m.get('sampling', '?')}), seed {m.get('seed', '?')}" if draws else "",
             f"money in KRW, {PRICE_BASIS}"]
    return "; ".join(p for p in parts if p)


#: kind -> (frame name, file, required)
FILES = {
    "run": (("summary", "summary.csv", True),),
    "comparison": (("comparison", "comparison.csv", True), ("levers", "levers.csv", True)),
    "sensitivity": (("sensitivity", "sensitivity.csv", True), ("variance_shares", "variance_shares.csv", False)),
}


def read_results(results_dir: str | os.PathLike) -> Results:
    """Read ``manifest.json`` and the frames a results directory of its ``kind`` holds."""
    path = Path(results_dir)
    try:
        manifest = json.loads((path / "manifest.json").read_text())
    except FileNotFoundError:
        raise FileNotFoundError(f"{path}: no manifest.json; pass a directory written by "
                                "talentsim run, compare or sensitivity") from None
    kind = manifest.get("kind")
    if kind not in FILES:
        raise ValueError(f"{path / 'manifest.json'}: kind: must be one of {', '.join(FILES)} (got {kind!r})")
    frames = {}
    for name, file, required in FILES[kind]:
        if (path / file).is_file():
            frames[name] = pd.read_csv(path / file)
        elif required:
            raise FileNotFoundError(f"{path}: {file} is missing; a '{kind}' results directory has it")
    if kind == "comparison":
        subs = [path / n / "summary.csv" for n in manifest.get("scenarios", [])]
        if subs and all(p.is_file() for p in subs):
            frames["summary"] = pd.concat([pd.read_csv(p) for p in subs], ignore_index=True)
    return Results(path, kind, manifest, frames)


RUN_FANS = ("ai_workforce", "ai_workforce_master", "ai_workforce_phd", "ai_track_entrants",
            "diaspora", "emigration", "shortage", "budget_spent")
COMPARE_METRICS = ("ai_workforce", "shortage", "diaspora", "budget_spent")


def run_specs(r: Results) -> list[FigureSpec]:
    s = r.frames["summary"]
    have = set(s["metric"])
    specs = []
    if {"demand", "ai_workforce"} <= have:
        specs.append(FigureSpec("supply_demand", partial(supply_demand, s)))
    specs += [FigureSpec(f"{m}_fan", partial(fan_chart, s, m)) for m in RUN_FANS if m in have]
    table = (("demography", demography, {"cohort18", "births_18_years_before"}),
             ("pipeline", pipeline, {m for m, _ in PIPELINE}),
             ("flows", flows, {m for m, _, _ in INFLOWS + OUTFLOWS}),
             ("shortage_probability", shortage, {"shortage_probability"}))
    specs += [FigureSpec(name, partial(fn, s)) for name, fn, needs in table if needs <= have]
    return specs


def comparison_specs(r: Results) -> list[FigureSpec]:
    c, base = r.frames["comparison"], r.manifest.get("base")
    names = scenario_names(c)
    chunks = [names[i:i + MAX_BANDED] for i in range(0, len(names), MAX_BANDED)]
    specs = []
    s = r.frames.get("summary")
    if s is not None and base in set(s["scenario"]) and {"demand", "ai_workforce"} <= set(s["metric"]):
        specs.append(FigureSpec("supply_demand", partial(supply_demand, s, scenario=base)))
    for m in (m for m in COMPARE_METRICS if m in set(c["metric"])):
        for i, chunk in enumerate(chunks, 1):
            suffix = f"_{i}" if len(chunks) > 1 else ""
            specs.append(FigureSpec(f"compare_{m}{suffix}",
                                    partial(comparison, c[c["scenario"].isin(chunk)], m, base=base)))
    levers = r.frames["levers"]
    if not levers.empty:
        rows = int(levers["krw_bn_per_extra_worker_2035"].notna().sum())
        specs.append(FigureSpec("lever_costs", partial(lever_costs, levers, base=base),
                                (FIGSIZE[0], max(3.5, 0.55 * rows + 2.2))))
    s = r.frames.get("summary")
    if s is not None:
        specs.append(FigureSpec("scenarios_ai_workforce_fan",
                                partial(fan_chart, s, "ai_workforce",
                                        banded=[base] if isinstance(base, str) and base in set(s["scenario"])
                                        else None)))
        if "shortage_probability" in set(s["metric"]):
            specs.append(FigureSpec("scenarios_shortage_probability", partial(shortage, s)))
    return specs


def sensitivity_specs(r: Results) -> list[FigureSpec]:
    f, m = r.frames["sensitivity"], r.manifest
    kw: dict[str, Any] = {"scenario": m.get("scenario"), "metric": m.get("metric")}
    specs = []
    tall = (FIGSIZE[0], 7.5)
    if f[["low", "high"]].notna().all(axis=1).any():
        specs.append(FigureSpec("tornado", partial(tornado, f, **kw), tall))
    st = f.dropna(subset=["ST"])
    if not st.empty:
        year = int(m["year"]) if m.get("year") in set(st["year"]) else int(st["year"].max())
        specs.append(FigureSpec(f"sobol_{year}", partial(sobol_bars, f, int(year), **kw), tall))
        if st["year"].nunique() > 1:
            specs.append(FigureSpec("sobol_over_time", partial(sobol_over_time, f, **kw)))
    shares = r.frames.get("variance_shares")
    if shares is not None and not shares.dropna(subset=["share"]).empty:
        specs.append(FigureSpec("variance_shares", partial(variance_shares, shares, **kw)))
    return specs


SPECS = {"run": run_specs, "comparison": comparison_specs, "sensitivity": sensitivity_specs}


def figures_for(results: Results | str | os.PathLike) -> list[FigureSpec]:
    """The figures that suit a results directory (by its manifest's ``kind`` and the metrics
    and rows present), each as a name and a function drawing on a given Axes."""
    from dataclasses import replace

    r = results if isinstance(results, Results) else read_results(results)
    footer = footer_for(r)
    return [replace(s, caption=s.caption or caption_for(s.name), footer=s.footer or footer) for s in SPECS[r.kind](r)]


def render(spec: FigureSpec, fmt: str = "png") -> bytes:
    """Draw ``spec`` on a figure outside pyplot (no backend state, nothing to close) and return
    the encoded image (``png`` or ``svg``)."""
    import io

    import matplotlib
    from matplotlib.figure import Figure
    from matplotlib.layout_engine import ConstrainedLayoutEngine

    fig = Figure(figsize=spec.size, layout="constrained")
    spec.draw(ax=fig.add_subplot())
    if spec.footer:
        engine = fig.get_layout_engine()
        assert isinstance(engine, ConstrainedLayoutEngine)  # layout="constrained" above
        engine.set(rect=(0, 0.045 * 5.6 / spec.size[1], 1, 1 - 0.045 * 5.6 / spec.size[1]))
        fig.text(0.005, 0.006, spec.footer, fontsize=7.5, color="0.35", ha="left", va="bottom")
    buf = io.BytesIO()
    # fixed SVG ids and no date, so that the same results give the same files
    with matplotlib.rc_context({"svg.hashsalt": "talentsim"}):
        fig.savefig(buf, format=fmt, dpi=DPI, metadata={"Date": None} if fmt == "svg" else None)
    return buf.getvalue()


def write_file_atomic(target: Path, data: bytes) -> None:
    """Write ``data`` to a temporary file beside ``target``, then rename it to ``target``."""
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def plot_results_dir(results_dir: str | os.PathLike, formats: Sequence[str] = ("png", "svg")) -> list[Path]:
    """Write every figure that suits ``results_dir`` (see :func:`figures_for`) to
    ``results_dir/figures/NAME.FORMAT``; each file is rendered in memory, written to a temporary
    name and renamed, so a crash never leaves a half-written figure. Returns the paths written.
    """
    bad = [f for f in formats if f not in ("png", "svg", "pdf")]
    if bad:
        raise ValueError(f"formats: must be png, svg or pdf (got {', '.join(map(repr, bad))})")
    r = read_results(results_dir)
    out = r.path / "figures"
    out.mkdir(exist_ok=True)
    written = []
    for spec in figures_for(r):
        for fmt in formats:
            target = out / f"{spec.name}.{fmt}"
            write_file_atomic(target, render(spec, fmt))
            written.append(target)
    return written
