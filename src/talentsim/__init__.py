"""talentsim: probabilistic projections of Korea's AI workforce under policy scenarios.

>>> import talentsim as ts
>>> scenario = ts.load_scenario("scenarios/baseline.yaml")
>>> draws = ts.sample_inputs(scenario, n_draws=2000, rng=20240601)
>>> run = ts.simulate(scenario, draws)          # arrays shaped (draw, year)
>>> summary = ts.summarize(run)                 # metric | unit | ... | year | mean | p05 ... p95
>>> ds = run.to_xarray()                        # (draw, year), inputs as draw coordinates
>>> box = ts.discover(run, "shortage", 2035, above=35_000)   # PRIM: which inputs lead there
"""

from . import startup  # noqa: F401  (first: Ctrl-C while the CLI starts gives one line, not a traceback)

# isort: split
from importlib import import_module
from typing import TYPE_CHECKING

from .version import __version__

# Lazy attributes (PEP 562): ``import talentsim`` loads no numpy-heavy dependency (pandas,
# scipy.stats, pydantic, pyarrow, matplotlib); each name imports its module on first use.
_LAZY = {
    "metrics": (".metrics", None),
    "plots": (".plots", None),  # plots loads no matplotlib until a plot is drawn
    "sensitivity": (".analysis.sensitivity", None),
    "calibrate": (".analysis.calibrate", "calibrate"),
    "Comparison": (".analysis.compare", "Comparison"),
    "compare_policies": (".analysis.compare", "compare_policies"),
    "Discovery": (".analysis.discover", "Discovery"),
    "discover": (".analysis.discover", "discover"),
    "OptimizeResult": (".analysis.optimize", "OptimizeResult"),
    "optimize": (".analysis.optimize", "optimize"),
    "marginal_costs": (".analysis.splits", "marginal_costs"),
    "simulate": (".engine.cohort", "simulate"),
    "Run": (".results", "Run"),
    "read_run": (".results", "read_run"),
    "summarize": (".results", "summarize"),
    "Draws": (".sampling", "Draws"),
    "sample_inputs": (".sampling", "sample_inputs"),
    "ScenarioError": (".scenario.load", "ScenarioError"),
    "load_scenario": (".scenario.load", "load_scenario"),
    "Scenario": (".scenario.schema", "Scenario"),
}


def __getattr__(name: str):
    try:
        module, attr = _LAZY[name]
    except KeyError:
        raise AttributeError(f"module 'talentsim' has no attribute {name!r}") from None
    value = import_module(module, __name__)
    value = value if attr is None else getattr(value, attr)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs only
    from . import metrics, plots
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
