"""Figures of a rolling-origin backtest: per origin, each scored series' predictive bands
(model and naive) against the observations."""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ..analysis.observed import metric_unit

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from ..analysis.backtest import Backtest

MODEL_COLOR, NAIVE_COLOR, HELD_COLOR = "#0173b2", "#de8f05", "#d55e00"


def scored_series(result: Backtest, origin: int) -> list[str]:
    """Series with a held-back, non-deterministic observation at ``origin``, in file order."""
    s = result.scores
    rows = s[(s["origin"] == origin) & ~s["deterministic"].astype(bool)]
    return list(dict.fromkeys(rows["series"]))


def plot_backtest(result: Backtest, origin: int, series: str, ax: Axes | None = None) -> Axes:
    """One series at one origin: the model's predictive 90 % and 50 % bands and median of the
    observed figure (definition factor x model x observation error), the naive trend's 90 %
    band and median after the origin (orange), observations fitted (black) and held back (red
    open circles, whiskers ``[low, high]``), other forecasts of the metric (grey crosses), and
    the origin (dashed line). Returns the Axes."""
    from matplotlib import ticker

    if ax is None:  # a figure outside pyplot: no backend switch, nothing to close
        from matplotlib.figure import Figure

        ax = Figure(figsize=(7.0, 4.2)).add_subplot()
    b = result.bands
    model = b[(b["origin"] == origin) & (b["series"] == series) & (b["which"] == "model")]
    if model.empty:
        raise ValueError(f"series {series!r} has no held-back observation at origin {origin}; "
                         f"choose from {scored_series(result, origin)}")
    ax.fill_between(model["year"], model["p05"], model["p95"], color=MODEL_COLOR, alpha=0.2, label="model 90 %")
    ax.fill_between(model["year"], model["p25"], model["p75"], color=MODEL_COLOR, alpha=0.35, label="model 50 %")
    ax.plot(model["year"], model["p50"], color=MODEL_COLOR, lw=1.5, label="model median")
    naive = b[(b["origin"] == origin) & (b["series"] == series) & (b["which"] == "naive")]
    if not naive.empty:
        ax.plot(naive["year"], naive["p50"], color=NAIVE_COLOR, lw=1.4, label="naive trend median")
        ax.plot(naive["year"], naive["p05"], color=NAIVE_COLOR, lw=1.0, ls="--", label="naive 90 %")
        ax.plot(naive["year"], naive["p95"], color=NAIVE_COLOR, lw=1.0, ls="--")
    obs = result.observed
    rows = obs[(obs["series"] == series) & (obs["kind"] == "observation")]
    styles: list[tuple[bool, dict[str, Any]]] = [
        (False, {"fmt": "o", "color": "black", "ms": 4, "label": "observed, fitted"}),
        (True, {"fmt": "o", "color": HELD_COLOR, "mfc": "white", "mew": 1.5, "ms": 5, "label": "observed, held back"})]
    for held, style in styles:
        r = rows[(rows["year"] > origin) == held]
        if r.empty:
            continue
        err = np.vstack([(r["value"] - r["low"]).fillna(0), (r["high"] - r["value"]).fillna(0)])
        ax.errorbar(r["year"], r["value"], yerr=err, capsize=2, zorder=5, **style)
    metric = model["metric"].iloc[0]
    fc = obs[(obs["kind"] == "forecast") & (obs["metric"] == metric)]
    if not fc.empty and metric in ("shortage", "demand"):
        ax.plot(fc["year"], fc["value"], "x", color="0.4", ms=7, mew=1.5, label="others' forecast (not fitted)")
    ax.axvline(origin + 0.5, color="0.3", ls="--", lw=1)
    lo, hi = model["year"].min(), model["year"].max()
    ax.set_xlim(lo - 0.5, hi + 0.5)
    # the y range follows the model's band and the observations: a naive trend fitted to two
    # points can explode, and would otherwise flatten everything else
    ys = np.concatenate([model["p05"], model["p95"], rows["low"].dropna(), rows["high"].dropna(), rows["value"]])
    ymin, ymax = float(np.nanmin(ys)), float(np.nanmax(ys))
    pad = 0.08 * (ymax - ymin or abs(ymax) or 1.0)
    ax.set_ylim(ymin - pad, ymax + pad)
    unit = metric_unit(metric)
    ax.set_title(f"{series} ({metric})", fontsize=9)
    ax.set_xlabel("year")
    ax.set_ylabel(unit or metric)
    if unit in ("people", "people/yr"):
        ax.yaxis.set_major_formatter(ticker.FuncFormatter(lambda v, _: f"{v:,.0f}"))
    return ax


def plot_backtest_origin(result: Backtest, origin: int, *, ncols: int = 4) -> Figure:
    """One :func:`plot_backtest` panel per scored series at ``origin``, a shared legend and a
    title with the origin's skill score and 90 % coverage. Returns the Figure."""
    from matplotlib.figure import Figure

    series = scored_series(result, origin)
    if not series:
        raise ValueError(f"no scored series at origin {origin}")
    ncols = min(ncols, len(series))
    nrows = math.ceil(len(series) / ncols)
    fig = Figure(figsize=(4.3 * ncols, 3.1 * nrows + 1.0))
    axes = fig.subplots(nrows, ncols, squeeze=False)
    for ax, s in zip(axes.flat, series):
        plot_backtest(result, origin, s, ax=ax)
    for ax in list(axes.flat)[len(series):]:
        ax.set_visible(False)
    handles, labels = [], []
    for ax in axes.flat[:len(series)]:
        for h, lab in zip(*ax.get_legend_handles_labels()):
            if lab not in labels:
                handles.append(h)
                labels.append(lab)
    fig.legend(handles, labels, loc="lower center", ncol=min(len(labels), 5), fontsize=9, frameon=False)
    sk = result.skill[(result.skill["origin"] == origin) & (result.skill["group"] == "all")]
    text = ""
    if not sk.empty:
        r = sk.iloc[0]
        skill = "n/a" if np.isnan(r["skill"]) else f"{r['skill']:+.2f}"
        text = (f": {int(r['n'])} held-back observations, {r['coverage_90']:.0%} inside the model's 90 % band; "
                f"skill vs naive trend {skill} on the {int(r['n_scored_both'])} both score")
    fig.suptitle(f"Backtest of '{result.scenario}' fitted to observations up to {origin}{text}", fontsize=11)
    fig.tight_layout(rect=(0, 0.06, 1, 0.95))
    return fig


def backtest_files(result: Backtest) -> dict[str, Callable[[Path], Any]]:
    """``{"figures/backtest_<origin>.png": writer(path)}`` for
    :func:`talentsim.analysis.backtest.write_backtest`."""

    def writer(origin: int) -> Callable[[Path], Any]:
        def write(path: Path) -> None:
            path.parent.mkdir(parents=True, exist_ok=True)
            plot_backtest_origin(result, origin).savefig(path, dpi=100)
        return write

    return {f"figures/backtest_{o}.png": writer(o) for o in result.origins if scored_series(result, o)}


#: the name ``talentsim.plots`` exports (one figure per origin)
plot_backtest_panels = plot_backtest_origin
