"""Figures of talentsim results: tidy summary frames in, matplotlib Axes out.

Every plot function takes a tidy frame (``summary.csv``, ``comparison.csv``, ``levers.csv``,
``sensitivity.csv`` or ``variance_shares.csv`` as written by the CLI) and ``ax=None``, draws on
``ax`` (a new figure when None) and returns the Axes. They only draw: the quantiles come from
the frame, never from draws. matplotlib and seaborn are imported inside the functions, so
``import talentsim`` never pulls them in, and no function switches the matplotlib backend.

One module per figure family: :mod:`.timeseries` (run summaries), :mod:`.policy`
(comparisons), :mod:`.sensitivity`, :mod:`.calibration` (backtests); :mod:`.files` turns a
results directory into figure files; :mod:`.style` holds the shared drawing helpers.

>>> import talentsim as ts
>>> summary = ts.summarize(ts.simulate(scenario, draws))
>>> ax = ts.plots.fan_chart(summary, "ai_workforce")
>>> ts.plots.plot_results_dir("results/baseline")  # figures/*.png, *.svg (needs the directory)  # doctest: +SKIP
"""

from .calibration import backtest_files, plot_backtest, plot_backtest_panels
from .files import FigureSpec, Results, figures_for, plot_results_dir, read_results, render, write_file_atomic
from .policy import comparison, lever_costs
from .sensitivity import sobol_bars, sobol_over_time, tornado, variance_shares
from .timeseries import demography, fan_chart, flows, pipeline, shortage, supply_demand

__all__ = [
    "FigureSpec", "Results", "backtest_files", "comparison", "demography", "fan_chart", "figures_for", "flows",
    "lever_costs", "pipeline", "plot_backtest", "plot_backtest_panels", "plot_results_dir", "read_results",
    "render", "shortage", "sobol_bars", "sobol_over_time", "supply_demand", "tornado", "variance_shares",
    "write_file_atomic",
]
