"""The figure of a scenario discovery: PRIM's peeling trajectory, coverage against density."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes


def tradeoff(trajectory: pd.DataFrame, ax: Axes | None = None, *, title: str = "",
             final: tuple[float, float] | None = None) -> Axes:
    """Coverage (x) against density (y) of every box on the peeling trajectory
    (``trajectory.csv``), coloured by the number of inputs restricted; the chosen box is ringed
    and ``final`` (coverage, density of the box after pasting and pruning) starred.
    Returns the Axes."""
    if ax is None:  # a figure outside pyplot: no backend switch, nothing to close
        from matplotlib.figure import Figure

        ax = Figure(figsize=(7.0, 5.0), layout="constrained").add_subplot()
    points = ax.scatter(trajectory["coverage"], trajectory["density"], c=trajectory["n_restricted"],
                        cmap="viridis", s=22, zorder=3)
    ax.plot(trajectory["coverage"], trajectory["density"], color="0.7", lw=0.8, zorder=2)
    chosen = trajectory[trajectory["chosen"].astype(bool)]
    ax.scatter(chosen["coverage"], chosen["density"], s=140, facecolors="none", edgecolors="#d55e00",
               linewidths=2, zorder=4, label="chosen box (before pasting and pruning)")
    if final is not None:
        ax.scatter([final[0]], [final[1]], marker="*", s=220, color="#d55e00", zorder=5,
                   label="box reported in boxes.csv")
    ax.figure.colorbar(points, ax=ax, label="inputs restricted")
    ax.set_xlabel("coverage: share of all bad-outcome draws inside the box")
    ax.set_ylabel("density: share of the box's draws with the bad outcome")
    ax.set_xlim(-0.02, 1.02)
    ax.set_ylim(0, 1.02)
    ax.grid(alpha=0.3)
    ax.legend(loc="lower left", fontsize=9)
    ax.set_title(title or "PRIM peeling trajectory: coverage against density", fontsize=10)
    return ax


def tradeoff_png(trajectory: pd.DataFrame, title: str = "", final: tuple[float, float] | None = None):
    """A writer ``writer(path)`` of the :func:`tradeoff` figure as PNG."""

    def write(path) -> None:
        from matplotlib.figure import Figure

        ax = tradeoff(trajectory, title=title, final=final)
        fig = ax.figure
        assert isinstance(fig, Figure)  # tradeoff draws on a figure of its own, not a subfigure
        fig.savefig(path, dpi=110)

    return write
