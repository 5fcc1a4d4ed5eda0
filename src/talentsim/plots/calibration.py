"""Figures of a backtest: prior and posterior bands against the observations."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ..analysis.observed import metric_unit

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from ..analysis.backtest import Backtest


# ------------------------------------------------------------------ figures
def plot_backtest(result: Backtest, metric: str, ax: Axes | None = None) -> Axes:
    """Prior and posterior-projection bands of ``metric`` against the observations.

    Grey dotted lines: the prior 90 % band; blue: the projection's 90 % and 50 % bands and median;
    black dots: observations used for fitting, red open circles: held-back ones, whiskers their
    ``[low, high]``; dashed line: ``fit_until``. Returns the Axes.
    """
    from matplotlib import ticker

    if ax is None:  # a figure outside pyplot: no backend switch, nothing to close
        from matplotlib.figure import Figure

        ax = Figure(figsize=(7.0, 4.2)).add_subplot()
    prior = result.prior_bands[result.prior_bands["metric"] == metric]
    post = result.bands[result.bands["metric"] == metric]
    if post.empty:
        raise ValueError(f"metric {metric!r} has no observations in this backtest; "
                         f"choose from {sorted(set(result.bands['metric']))}")
    ax.fill_between(post["year"], post["p05"], post["p95"], color="#0173b2", alpha=0.22,
                    label="posterior 90 % band")
    ax.fill_between(post["year"], post["p25"], post["p75"], color="#0173b2", alpha=0.40,
                    label="posterior 50 % band")
    ax.plot(post["year"], post["p50"], color="#0173b2", lw=1.6, label="posterior median")
    ax.plot(prior["year"], prior["p05"], color="0.45", ls=":", lw=1.3, label="prior 5 % and 95 %")
    ax.plot(prior["year"], prior["p95"], color="0.45", ls=":", lw=1.3)
    obs = result.observed[result.observed["metric"] == metric]
    for held, style in ((False, {"fmt": "o", "color": "black", "label": "observed, fitted"}),
                        (True, {"fmt": "o", "color": "#d55e00", "mfc": "white", "mew": 1.6,
                                "label": "observed, held back"})):
        rows = obs[(obs["year"] > result.fit_until) == held]
        if rows.empty:
            continue
        err = np.vstack([(rows["value"] - rows["low"]).fillna(0), (rows["high"] - rows["value"]).fillna(0)])
        ax.errorbar(rows["year"], rows["value"], yerr=err, capsize=3, zorder=5, **style)
    ax.axvline(result.fit_until + 0.5, color="0.3", ls="--", lw=1)
    unit = metric_unit(metric)
    ax.set_title(f"{result.scenario}: {metric}, fitted to {result.fit_until}", fontsize=10)
    ax.set_xlabel("year")
    ax.set_ylabel(f"{metric} ({unit})" if unit else metric)
    if unit == "people" or unit == "people/yr":
        ax.yaxis.set_major_formatter(ticker.FuncFormatter(lambda v, _: f"{v:,.0f}"))
    return ax


def plot_backtest_panels(result: Backtest, metrics: Sequence[str] | None = None, *, ncols: int = 3) -> Figure:
    """One :func:`plot_backtest` panel per metric (default: metrics with a held-back observation
    the model is uncertain about, then the others), a shared legend and a title naming the
    scenario and the coverage. Returns the Figure."""
    from matplotlib.figure import Figure

    if metrics is None:  # held-back metrics the model is uncertain about first
        t = result.table
        first = list(dict.fromkeys(t.loc[~t["deterministic"], "metric"]))
        metrics = first + [m for m in dict.fromkeys(result.observed["metric"]) if m not in first]
    nrows = math.ceil(len(metrics) / ncols)
    fig = Figure(figsize=(4.6 * ncols, 3.4 * nrows + 0.9))
    axes = fig.subplots(nrows, ncols, squeeze=False)
    for ax, metric in zip(axes.flat, metrics):
        plot_backtest(result, metric, ax=ax)
        ax.set_title(metric, fontsize=10)
    for ax in list(axes.flat)[len(metrics):]:
        ax.set_visible(False)
    handles, labels = axes.flat[0].get_legend_handles_labels()
    for ax in axes.flat[1:len(metrics)]:
        for h, lab in zip(*ax.get_legend_handles_labels()):
            if lab not in labels:
                handles.append(h)
                labels.append(lab)
    fig.legend(handles, labels, loc="lower center", ncol=min(len(labels), 6), fontsize=9, frameon=False)
    cov = result.coverage.set_index("group")
    text = f"{int(cov.loc['all', 'n'])} held back"
    if "uncertain" in cov.index:
        u = cov.loc["uncertain"]
        text += (f"; of the {int(u['n'])} the model is uncertain about, {u['coverage_50']:.0%} lie in the "
                 f"50 % band and {u['coverage_90']:.0%} in the 90 % band")
    fig.suptitle(f"Backtest of scenario '{result.scenario}', fitted to observations up to {result.fit_until}: "
                 f"{text}", fontsize=11)
    fig.tight_layout(rect=(0, 0.07, 1, 0.95))
    return fig


def backtest_files(result: Backtest) -> dict[str, Callable[[Path], Any]]:
    """``{"figures/backtest.png": writer(path)}`` for
    :func:`talentsim.analysis.backtest.write_backtest`: the :func:`plot_backtest_panels` figure,
    in ``figures/`` like every other figure of a results directory."""

    def write(path: Path) -> None:
        path.parent.mkdir(exist_ok=True)
        plot_backtest_panels(result).savefig(path, dpi=110)

    return {"figures/backtest.png": write}
