"""Extra budget split across levers, evaluated many splits at a time on common random numbers.

A *split* gives KRW bn a year for each lever, paid from ``first_year`` to the end of the
horizon on top of a scenario (one budget line ``extra_<lever>`` per lever).
:func:`with_extra_budget` builds that scenario (validated like a loaded file);
:class:`SplitEvaluator` runs K splits at once: one simulation of K x n draws in which block k
holds split k and every block repeats the same n draws of the scenario's uncertain inputs, so
all splits (and the base, the all-zero split) see identical draws. Simulating K splits together
costs about as much as a few alone (a call has a fixed cost of ~0.3 s; the engine runs
~12-20k draws/s), which is what makes finite-difference optimisation affordable.

>>> ev = SplitEvaluator(scenario, ["reskilling", "talent_visas"], 2026, n_draws=1000, rng=1)  # doctest: +SKIP
>>> out = ev.run(np.array([[0, 0], [100, 0], [0, 100]]))   # out["ai_workforce"]: (3, 1000, Y)  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from ..engine.cohort import simulate_chunk
from ..sampling import Draws, Method, sample_inputs
from ..scenario.checks import check_bounds, check_consistency
from ..scenario.schema import LEVERS, Scenario
from . import economics as econ

#: metrics an evaluation keeps (the engine computes all; these are copied out)
EVAL_METRICS = ("ai_workforce", "budget_spent", "shortage")
LINE_PREFIX = "extra_"
#: draws simulated at once (memory: ~35 kB a draw while a chunk runs)
CHUNK = 10_000
MARGINAL_COLUMNS = ["lever", "scale_krw_bn", *econ.ECONOMICS_COLUMNS]


def funded_levers(scenario: Scenario) -> list[str]:
    """Levers with parameters under the scenario's ``levers`` (the ones money can be put into)."""
    return [name for name in LEVERS if getattr(scenario.levers, name) is not None]


def _line_name(scenario: Scenario, lever: str) -> str:
    name = f"{LINE_PREFIX}{lever}"
    while name in scenario.budget_lines:
        name = "_" + name
    return name


def _validated(data: dict) -> Scenario:
    scenario = Scenario.model_validate(data)
    problems = check_bounds(scenario, scenario.sim_years) + check_consistency(scenario)
    if problems:
        raise ValueError("; ".join(f"{p}: {m}" for p, m, _ in problems))
    return scenario


def with_extra_budget(scenario: Scenario, split: Mapping[str, float], first_year: int) -> Scenario:
    """``scenario`` plus KRW bn a year ``split[lever]`` for each lever from ``first_year`` on.

    Levers with 0 get no line. Raises ``ValueError`` for a lever without parameters, a negative
    amount, or a result that fails the scenario checks.
    """
    known = funded_levers(scenario)
    data = scenario.model_dump(mode="json", exclude_none=True)
    lines = dict(data.get("budget_lines", {}))
    for lever, krw_bn in split.items():
        if lever not in known:
            raise ValueError(f"lever '{lever}' has no parameters in scenario '{scenario.name}'; "
                             f"expected one of: {', '.join(known)}")
        if krw_bn < 0:
            raise ValueError(f"{lever}: KRW bn a year must be >= 0 (got {krw_bn:g})")
        if krw_bn > 0:
            lines[_line_name(scenario, lever)] = {"lever": lever, "krw_bn": float(krw_bn),
                                                  "first_year": int(first_year)}
    data["budget_lines"] = lines
    return _validated(data)


class SplitEvaluator:
    """Simulate splits of extra money over ``levers`` on one fixed set of draws.

    Parameters
    ----------
    scenario : the base scenario
    levers : the levers a split funds (columns of the split matrices)
    first_year : first year of the extra money (must lie inside the horizon, so that the
        engine's central reference, taken the year before the horizon, is unchanged)
    n_draws, method, rng : the design of the draws (default: the scenario's ``sampling``)
    """

    def __init__(self, scenario: Scenario, levers: Sequence[str], first_year: int, *,
                 n_draws: int | None = None, method: Method | None = None, rng: int | None = None):
        if first_year not in scenario.years:
            raise ValueError(f"first year {first_year} must lie inside the horizon "
                             f"{scenario.horizon.start}-{scenario.horizon.end}")
        self.scenario, self.levers, self.first_year = scenario, list(levers), int(first_year)
        self.draws = sample_inputs(scenario, n_draws, method, rng)
        self.n = self.draws.n_draws
        self.years = np.asarray(scenario.years)
        self._values = self.draws.chunk(0, self.n)  # every input of every draw, pinned below
        # the amounts are per-draw inputs: a distribution whose value each block pins
        data = scenario.model_dump(mode="json", exclude_none=True)
        lines = dict(data.get("budget_lines", {}))
        self._names = []
        for lever in self.levers:
            name = _line_name(scenario, lever)
            lines[name] = {"lever": lever, "krw_bn": {"dist": "uniform", "low": 0.0, "high": 1.0},
                           "first_year": self.first_year}
            self._names.append(f"budget_lines.{name}.krw_bn")
        data["budget_lines"] = lines
        self._stacked = _validated(data)
        self._inputs = tuple(sorted(self.draws.inputs + tuple(_dists(self._stacked, self._names)),
                                    key=lambda item: item[0]))
        self._base: dict[str, np.ndarray] | None = None

    def run(self, splits: np.ndarray, metrics: Sequence[str] = EVAL_METRICS) -> dict[str, np.ndarray]:
        """``{metric: (K, n, Y)}`` for the K splits of ``splits`` (K, L), KRW bn a year."""
        splits = np.atleast_2d(np.asarray(splits, dtype=float))
        if splits.shape[1] != len(self.levers) or np.any(splits < 0):
            raise ValueError(f"splits must be (K, {len(self.levers)}) and >= 0 (got shape {splits.shape})")
        k = splits.shape[0]
        fixed = {name: np.tile(v, k) for name, v in self._values.items()}
        fixed |= {name: np.repeat(splits[:, j], self.n) for j, name in enumerate(self._names)}
        # every input pinned: the design's own draws are never used
        draws = Draws(inputs=self._inputs, n_draws=k * self.n, method="mc", seed=self.draws.seed, fixed=fixed)
        # simulate_chunk directly: simulate() would first run one draw to check the metric names
        parts = [simulate_chunk(self._stacked, draws, a, min(a + CHUNK, k * self.n))[0]
                 for a in range(0, k * self.n, CHUNK)]
        return {m: np.concatenate([part[m] for part in parts]).reshape(k, self.n, -1) for m in metrics}

    def base(self) -> dict[str, np.ndarray]:
        """``{metric: (n, Y)}`` of the scenario itself (computed once)."""
        if self._base is None:
            self._base = {m: v[0] for m, v in self.run(np.zeros((1, len(self.levers)))).items()}
        return self._base

    def present_values(self, out: Mapping[str, np.ndarray], rate: float, window: tuple[int, int]
                       ) -> tuple[np.ndarray, np.ndarray]:
        """Per-draw present values ``(cost (K, n), worker_years (K, n))`` against the base."""
        base = self.base()
        cost = econ.present_value(out["budget_spent"] - base["budget_spent"], self.years, rate, window)
        workers = econ.present_value(out["ai_workforce"] - base["ai_workforce"], self.years, rate, window)
        return cost, workers


def _dists(scenario: Scenario, names: Sequence[str]):
    from ..scenario.inputs import iter_dists

    wanted = set(names)
    return [(n, d) for n, d in iter_dists(scenario) if n in wanted]


def marginal_costs(
    scenario: Scenario,
    scales: Sequence[float] = (10.0, 100.0, 1000.0),
    *,
    levers: Sequence[str] | None = None,
    discount_rate: float = econ.DEFAULT_RATE,
    window: tuple[int, int] | None = None,
    n_draws: int | None = None,
    method: Method | None = None,
    rng: int | None = None,
) -> pd.DataFrame:
    """Each lever's cost per extra discounted worker-year at each scale (:data:`MARGINAL_COLUMNS`).

    Scale X adds X KRW bn a year to one lever at a time from the window's first year, on top of
    ``scenario``, on common random numbers. Where a lever has constant returns the cost per
    worker-year does not move with X; with diminishing returns (``cap_units``) it rises.
    """
    span = econ.resolve_window(window, scenario.years)
    if span is None:
        raise ValueError(f"window: the default 2026-2050 does not overlap the horizon "
                         f"{scenario.horizon.start}-{scenario.horizon.end}; give one")
    levers = funded_levers(scenario) if levers is None else list(levers)
    scales = [float(s) for s in scales]
    if not scales or min(scales) <= 0:
        raise ValueError(f"scales: must be > 0 (got {scales})")
    ev = SplitEvaluator(scenario, levers, span[0], n_draws=n_draws, method=method, rng=rng)
    eye = np.eye(len(levers))
    splits = np.concatenate([eye * s for s in scales])  # scale-major
    cost, workers = ev.present_values(ev.run(splits, ("ai_workforce", "budget_spent")), discount_rate, span)
    rows = []
    for k, (s, j) in enumerate((s, j) for s in scales for j in range(len(levers))):
        rows.append({"lever": levers[j], "scale_krw_bn": s, "discount_rate": discount_rate,
                     "window_start": span[0], "window_end": span[1], **econ.appraise(cost[k], workers[k])})
    frame = pd.DataFrame(rows, columns=MARGINAL_COLUMNS)
    return frame.sort_values(["lever", "scale_krw_bn"], kind="stable", ignore_index=True)
