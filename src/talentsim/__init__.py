"""talentsim: probabilistic projections of Korea's AI workforce under policy scenarios.

>>> import talentsim as ts                                                   # doctest: +SKIP
>>> scenario = ts.load_scenario("scenarios/baseline.yaml")                   # doctest: +SKIP
>>> draws = ts.sample_inputs(scenario, n_draws=2000, rng=20240601)           # doctest: +SKIP
>>> run = ts.simulate(scenario, draws)          # arrays shaped (draw, year)  # doctest: +SKIP
>>> summary = ts.summarize(run)                 # metric | unit | ... | year | mean | p05 ... p95
>>> ds = run.to_xarray()                        # (draw, year), inputs as draw coordinates
>>> box = ts.discover(run, "shortage", 2035, above=50_000)   # PRIM: which inputs lead there
"""

from . import startup  # noqa: F401  (first: Ctrl-C while the CLI starts gives one line, not a traceback)

# isort: split
from . import metrics, plots  # plots loads no matplotlib until a plot is drawn
from .analysis import sensitivity
from .analysis.calibrate import calibrate
from .analysis.compare import Comparison, compare_policies
from .analysis.discover import Discovery, discover
from .analysis.optimize import OptimizeResult, optimize
from .analysis.splits import marginal_costs
from .engine.cohort import simulate
from .results import Run, read_run, summarize
from .sampling import Draws, sample_inputs
from .scenario.load import ScenarioError, load_scenario
from .scenario.schema import Scenario
from .version import __version__

__all__ = [
    "Comparison",
    "Discovery",
    "Draws",
    "OptimizeResult",
    "Run",
    "Scenario",
    "ScenarioError",
    "__version__",
    "calibrate",
    "compare_policies",
    "discover",
    "load_scenario",
    "marginal_costs",
    "metrics",
    "optimize",
    "plots",
    "read_run",
    "sample_inputs",
    "sensitivity",
    "simulate",
    "summarize",
]
