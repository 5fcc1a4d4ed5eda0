"""talentsim: probabilistic projections of Korea's AI workforce under policy scenarios.

>>> import talentsim as ts                                                   # doctest: +SKIP
>>> scenario = ts.load_scenario("scenarios/baseline.yaml")                   # doctest: +SKIP
>>> draws = ts.sample_inputs(scenario, n_draws=2000, rng=20240601)           # doctest: +SKIP
>>> run = ts.simulate(scenario, draws)          # arrays shaped (draw, year)  # doctest: +SKIP
>>> summary = ts.summarize(run)                 # metric | year | mean | p05 ... p95
"""

from importlib.metadata import PackageNotFoundError, version

from . import plots  # loads no matplotlib until a plot is drawn
from .compare import Comparison, compare_policies
from .model import simulate
from .optimize import OptimizeResult, optimize
from .results import Run, summarize
from .sampling import Draws, sample_inputs
from .scenario import ScenarioError, load_scenario
from .schema import Scenario
from .splits import marginal_costs

try:
    __version__ = version("talentsim")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0+unknown"

__all__ = [
    "Comparison",
    "Draws",
    "Run",
    "Scenario",
    "ScenarioError",
    "compare_policies",
    "load_scenario",
    "marginal_costs",
    "optimize",
    "OptimizeResult",
    "plots",
    "sample_inputs",
    "simulate",
    "summarize",
    "__version__",
]
