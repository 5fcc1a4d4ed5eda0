"""talentsim: probabilistic projections of Korea's AI workforce under policy scenarios.

>>> import talentsim as ts                                                   # doctest: +SKIP
>>> scenario = ts.load_scenario("scenarios/baseline.yaml")                   # doctest: +SKIP
>>> draws = ts.sample_inputs(scenario, n_draws=2000, rng=20240601)           # doctest: +SKIP
>>> run = ts.simulate(scenario, draws)          # arrays shaped (draw, year)  # doctest: +SKIP
>>> summary = ts.summarize(run)                 # metric | year | mean | p05 ... p95
"""

from . import startup  # noqa: F401  (first: Ctrl-C while the CLI starts gives one line, not a traceback)

# isort: split
from . import plots  # loads no matplotlib until a plot is drawn
from .analysis.compare import Comparison, compare_policies
from .engine.cohort import simulate
from .results import Run, summarize
from .sampling import Draws, sample_inputs
from .scenario.load import ScenarioError, load_scenario
from .scenario.schema import Scenario
from .version import __version__

__all__ = [
    "Comparison",
    "Draws",
    "Run",
    "Scenario",
    "ScenarioError",
    "__version__",
    "compare_policies",
    "load_scenario",
    "plots",
    "sample_inputs",
    "simulate",
    "summarize",
]
