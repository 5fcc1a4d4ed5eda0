"""The best split of an extra yearly budget across levers, under uncertainty.

``optimize(scenario, budget_krw_bn)`` looks for the split x (KRW bn a year per lever, paid from
``first_year`` on top of the scenario) that maximises an objective over a fixed set of draws
(common random numbers: every candidate sees the same draws):

- ``worker_years``: mean over draws of the extra discounted AI worker-years
  W[i] = sum_t (1 + r)^-(t - t0) (ai_workforce_x[i, t] - ai_workforce_base[i, t]) over the window;
- ``cvar``: the mean of W over the worst ``alpha`` (default 10 %) of draws (risk-averse);
- ``shortage_probability``: P(shortage in ``year`` > ``threshold``), minimised.

subject to min_l <= x_l <= max_l and sum_l x_l = budget.

Optimiser: SLSQP (scipy.optimize.minimize) on the budget simplex with box bounds, gradients by
forward differences. The objective is deterministic given the draws, so finite differences are
exact up to the step (no sampling noise), and every gradient (L + 1 splits) is one stacked
simulation (:class:`~talentsim.analysis.splits.SplitEvaluator`). The indicator in P(shortage > X) is
replaced while optimising by a logistic of bandwidth h = 1.06 sd n^-1/5 (the base's shortage
spread), so that it has a gradient; every reported value is the exact one. Starts: the best of
the equal split and every single-lever corner, and the next best ones (``starts``).

No optimiser's curse: the chosen split is re-evaluated on fresh draws (another seed) against the
equal split and the best single lever at the same budget (``evaluation``).

>>> result = optimize(scenario, 500, n_draws=1000, rng=1)      # doctest: +SKIP
>>> result.allocation                                          # lever | krw_bn | share ...  # doctest: +SKIP
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy.optimize import minimize

from ..sampling import Method
from ..scenario.schema import Scenario
from . import economics as econ
from .splits import SplitEvaluator, funded_levers

Objective = Literal["worker_years", "shortage_probability", "cvar"]
#: objective -> (what it is, +1 maximise / -1 minimise)
OBJECTIVES: dict[str, tuple[str, int]] = {
    "worker_years": ("mean extra discounted AI worker-years", +1),
    "shortage_probability": ("P(shortage in YEAR > THRESHOLD)", -1),
    "cvar": ("mean extra discounted AI worker-years of the worst ALPHA of draws", +1),
}
#: default frontier: these multiples of the budget
FRONTIER_MULTIPLES = (0.25, 0.5, 0.75, 1.0, 1.5, 2.0)
BOOTSTRAP = 1000
#: forward-difference step, as a share of the budget
STEP = 1e-3
#: up to this many draws (splits x draws) a value is simulated with its gradient: one call's
#: fixed cost (~0.2 s) outweighs the extra draws
COUPLED_DRAWS = 4000


class OptimizeError(ValueError):
    """A bad request; ``option`` names the argument (CLI option) at fault."""

    def __init__(self, option: str, message: str):
        self.option = option
        super().__init__(f"{option}: {message}")


@dataclass(frozen=True)
class Goal:
    """The objective and its settings; turns simulated metrics into per-draw outcomes."""

    objective: str
    rate: float
    window: tuple[int, int]
    year: int
    threshold: float
    alpha: float
    bandwidth: float = 1.0

    @property
    def sense(self) -> int:
        return OBJECTIVES[self.objective][1]

    def outcome(self, ev: SplitEvaluator, out: Mapping[str, np.ndarray]) -> np.ndarray:
        """(K, n) per-draw outcome: discounted extra worker-years, or the shortage in ``year``."""
        if self.objective == "shortage_probability":
            return out["shortage"][:, :, list(ev.years).index(self.year)]
        return ev.present_values(out, self.rate, self.window)[1]

    def statistic(self, outcome: np.ndarray, smooth: bool = False) -> np.ndarray:
        """The objective's value over the last axis (draws) of ``outcome``."""
        if self.objective == "worker_years":
            return outcome.mean(axis=-1)
        if self.objective == "cvar":
            if smooth:
                return _smooth_cvar(outcome, self.alpha, self.bandwidth)
            k = max(1, int(np.ceil(self.alpha * outcome.shape[-1])))
            return np.sort(outcome, axis=-1)[..., :k].mean(axis=-1)
        z = (outcome - self.threshold) / self.bandwidth
        if smooth:
            return (0.5 * (1 + np.tanh(0.5 * z))).mean(axis=-1)  # logistic, overflow-free
        return (outcome > self.threshold).mean(axis=-1)

    def better(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Elementwise: is outcome/statistic ``a`` better than ``b``."""
        if self.objective == "shortage_probability":
            return a < b
        return a > b


def _smooth_cvar(outcome: np.ndarray, alpha: float, bandwidth: float) -> np.ndarray:
    """Mean of the worst ``alpha`` of ``outcome`` (last axis), smoothed for the optimiser.

    CVaR = max_t [t - E(t - W)_+ / alpha] (Rockafellar-Uryasev) with (u)_+ replaced by
    b log(1 + exp(u / b)); the best t solves E sigmoid((t - W) / b) = alpha (bisection). It tends
    to the exact value as b -> 0 and, unlike it, has a gradient everywhere.
    """
    w = np.asarray(outcome, dtype=float)
    lo = w.min(axis=-1, keepdims=True) - 20 * bandwidth
    hi = w.max(axis=-1, keepdims=True) + 20 * bandwidth
    for _ in range(80):
        t = 0.5 * (lo + hi)
        below = (0.5 * (1 + np.tanh(0.5 * (t - w) / bandwidth))).mean(axis=-1, keepdims=True) < alpha
        lo, hi = np.where(below, t, lo), np.where(below, hi, t)
    t = 0.5 * (lo + hi)
    soft = bandwidth * np.logaddexp(0.0, (t - w) / bandwidth)
    return (t - soft.mean(axis=-1, keepdims=True) / alpha)[..., 0]


@dataclass
class OptimizeResult:
    """``allocation``: lever | krw_bn | share | min_krw_bn | max_krw_bn; ``frontier``: one row per
    budget level (objective value with a bootstrap 90 % band, the extra worker-years' quantiles
    and the split); ``evaluation``: the chosen split against the equal split and the best single
    lever on fresh draws; ``settings``: everything that defines the run; ``notes``: sentences
    worth reading (corners, skipped levels, what the evaluation shows)."""

    allocation: pd.DataFrame
    frontier: pd.DataFrame
    evaluation: pd.DataFrame
    settings: dict
    notes: list[str] = field(default_factory=list)


def _shares_gap(shares: np.ndarray) -> float:  # SplitEvaluator.solve's constraint: the shares add up to 1
    return shares.sum() - 1.0


def _shares_gap_jac(shares: np.ndarray) -> np.ndarray:
    return np.ones_like(shares)


def project(point: np.ndarray, lo: np.ndarray, hi: np.ndarray, total: float) -> np.ndarray:
    """The point of {lo <= x <= hi, sum x = total} found by shifting ``point`` by one constant
    and clipping (bisection on the shift); needs sum lo <= total <= sum hi."""
    a, b = float(np.min(lo - point)), float(np.max(hi - point))
    for _ in range(200):
        mid = 0.5 * (a + b)
        if np.clip(point + mid, lo, hi).sum() < total:
            a = mid
        else:
            b = mid
    return np.clip(point + 0.5 * (a + b), lo, hi)


def _bounds(levers: Sequence[str], minimum: Mapping[str, float], maximum: Mapping[str, float],
            budget: float) -> tuple[np.ndarray, np.ndarray]:
    lo = np.array([float(minimum.get(name, 0.0)) for name in levers])
    hi = np.array([float(maximum.get(name, budget)) for name in levers])
    return lo, np.minimum(hi, budget)


def check_request(scenario: Scenario, budget: float, levers: Sequence[str], objective: str,
                  minimum: Mapping[str, float], maximum: Mapping[str, float], first_year: int,
                  year: int, alpha: float, window: tuple[int, int] | None) -> None:
    """Raise :class:`OptimizeError` naming the option for the first problem of a request."""
    known = funded_levers(scenario)
    if objective not in OBJECTIVES:
        raise OptimizeError("--objective", f"unknown objective '{objective}'; expected one of: {', '.join(OBJECTIVES)}")
    if not budget > 0:
        raise OptimizeError("--budget", f"must be > 0 KRW bn a year (got {budget:g})")
    for option, names in (("--levers", levers), ("--min", minimum), ("--max", maximum)):
        for name in names:
            if name not in known:
                raise OptimizeError(option, f"unknown lever '{name}'; expected one of: {', '.join(known)} "
                                            f"(levers with parameters in scenario '{scenario.name}')")
    if not levers:
        raise OptimizeError("--levers", "no lever to fund")
    for option, bound in (("--min", minimum), ("--max", maximum)):
        for name, value in bound.items():
            if not value >= 0:
                raise OptimizeError(option, f"{name}={value:g}: must be >= 0 KRW bn a year")
            if name not in levers:
                raise OptimizeError(option, f"{name} is not among --levers ({', '.join(levers)})")
    for name in minimum:
        if name in maximum and minimum[name] > maximum[name]:
            raise OptimizeError("--min", f"{name}={minimum[name]:g} is above --max {name}={maximum[name]:g}")
    if sum(minimum.values()) > budget * (1 + 1e-12):
        raise OptimizeError("--min", f"the minimums add up to {sum(minimum.values()):g} KRW bn a year, above "
                                     f"--budget {budget:g}; lower them or raise the budget")
    _, hi = _bounds(levers, minimum, maximum, budget)
    if hi.sum() < budget * (1 - 1e-12):
        raise OptimizeError("--max", f"the maximums of --levers add up to {hi.sum():g} KRW bn a year, below "
                                     f"--budget {budget:g}; the budget cannot be spent")
    horizon = f"{scenario.horizon.start}-{scenario.horizon.end}"
    if first_year not in scenario.years:
        raise OptimizeError("--from", f"{first_year} is outside the horizon {horizon}")
    if year not in scenario.years:
        raise OptimizeError("--year", f"{year} is outside the horizon {horizon}")
    if not 0 < alpha < 1:
        raise OptimizeError("--alpha", f"must be between 0 and 1 (got {alpha:g})")
    try:
        econ.resolve_window(window, scenario.years)
    except ValueError as exc:
        raise OptimizeError("--window", str(exc).removeprefix("window: ")) from None


class _Problem:
    """The smooth objective of one budget level and its gradient, cached per split.

    A value costs one simulated split, a gradient L more (forward differences): SLSQP's line
    search asks for many values and few gradients, so the two are simulated apart."""

    def __init__(self, ev: SplitEvaluator, goal: Goal, budget: float):
        self.ev, self.goal, self.budget = ev, goal, budget
        self.scale = 1.0
        self.values: dict[bytes, float] = {}
        self.grads: dict[bytes, np.ndarray] = {}
        self.evaluations = 0

    def stats(self, splits: np.ndarray, smooth: bool = True) -> np.ndarray:
        self.evaluations += len(splits)
        return self.goal.statistic(self.goal.outcome(self.ev, self.ev.run(splits)), smooth)

    def loss(self, shares: np.ndarray) -> float:
        key = np.round(shares, 12).tobytes()
        if key not in self.values:
            if self.ev.n * (shares.size + 1) <= COUPLED_DRAWS:  # a call's fixed cost dominates
                self._both(shares, key)
            else:
                self.values[key] = float(-self.goal.sense * self.stats((shares * self.budget)[None, :])[0] / self.scale)
        return self.values[key]

    def grad(self, shares: np.ndarray) -> np.ndarray:
        key = np.round(shares, 12).tobytes()
        if key not in self.grads:
            if key in self.values:
                x = shares * self.budget
                s = -self.goal.sense * self.stats(x + STEP * self.budget * np.eye(x.size)) / self.scale
                self.grads[key] = (s - self.values[key]) / STEP
            else:
                self._both(shares, key)
        return self.grads[key]

    def _both(self, shares: np.ndarray, key: bytes) -> None:
        x = shares * self.budget
        s = -self.goal.sense * self.stats(np.vstack([x, x + STEP * self.budget * np.eye(x.size)])) / self.scale
        self.values[key], self.grads[key] = float(s[0]), (s[1:] - s[0]) / STEP

    def solve(self, start: np.ndarray, lo: np.ndarray, hi: np.ndarray, maxiter: int = 60) -> np.ndarray:
        b = self.budget
        res = minimize(self.loss, start / b, jac=self.grad,
                       method="SLSQP", bounds=list(zip(lo / b, hi / b)),
                       constraints=[{"type": "eq", "fun": _shares_gap, "jac": _shares_gap_jac}],
                       options={"maxiter": maxiter, "ftol": 1e-8})
        return project(np.asarray(res.x) * b, lo, hi, b)


def _optimise_level(ev: SplitEvaluator, goal: Goal, budget: float, lo: np.ndarray, hi: np.ndarray,
                    extra_starts: Sequence[np.ndarray], starts: int) -> tuple[np.ndarray, int]:
    """The best split found at one budget level, and the number of splits simulated."""
    n = lo.size
    points = [project(np.full(n, budget / n), lo, hi, budget)]
    points += [project(np.eye(n)[j] * budget, lo, hi, budget) for j in range(n)]
    points += [project(np.asarray(p, float), lo, hi, budget) for p in extra_starts]
    seeds = np.unique(np.round(np.array(points), 9), axis=0)
    outcome = goal.outcome(ev, ev.run(seeds))
    if goal.objective == "cvar":  # smoothing bandwidth from the spread of the equal split's outcomes
        bandwidth = 1.06 * float(np.std(outcome[0])) * ev.n ** -0.2 * goal.alpha
        goal = replace(goal, bandwidth=max(bandwidth, 1e-6))
    prob = _Problem(ev, goal, budget)
    first = goal.statistic(outcome, smooth=True)
    prob.scale = max(float(np.max(np.abs(first))), 1e-12)
    order = np.argsort(-goal.sense * first, kind="stable")
    found = np.array([prob.solve(seeds[k], lo, hi) for k in order[:starts]])
    last = goal.outcome(ev, ev.run(found))
    finalists, outcome = np.vstack([seeds, found]), np.concatenate([outcome, last])
    exact, smooth = goal.statistic(outcome), goal.statistic(outcome, smooth=True)
    # best exact value; the smooth value breaks ties (e.g. P(shortage) = 1 at every split)
    best = max(range(len(finalists)), key=lambda k: (goal.sense * exact[k], goal.sense * smooth[k]))
    return finalists[best], prob.evaluations + len(seeds) + len(found)


def _bootstrap(goal: Goal, outcomes: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """(B, K) statistic of each row of ``outcomes`` (K, n) over paired bootstrap resamples."""
    n = outcomes.shape[-1]
    idx = rng.integers(0, n, size=(BOOTSTRAP, n))
    return np.stack([goal.statistic(outcomes[:, i]) for i in idx])


def _split_text(levers: Sequence[str], x: np.ndarray) -> str:
    return ", ".join(f"{name}={v:.4g}" for name, v in zip(levers, x) if v > 1e-9) or "nothing"


def optimize(
    scenario: Scenario,
    budget_krw_bn: float,
    *,
    first_year: int | None = None,
    objective: Objective = "worker_years",
    levers: Sequence[str] | None = None,
    minimum: Mapping[str, float] | None = None,
    maximum: Mapping[str, float] | None = None,
    year: int = 2035,
    threshold: float = 0.0,
    alpha: float = 0.1,
    discount_rate: float = econ.DEFAULT_RATE,
    window: tuple[int, int] | None = None,
    frontier: Sequence[float] | None = None,
    n_draws: int = 1000,
    method: Method | None = None,
    rng: int | None = None,
    eval_rng: int | None = None,
    starts: int = 3,
) -> OptimizeResult:
    """The split of ``budget_krw_bn`` (KRW bn a year, constant 2024 won) across ``levers`` that
    best serves ``objective`` on common draws; see the module docstring for the formulas.

    ``first_year`` (default: the window's first year) starts the extra money; ``minimum`` and
    ``maximum`` bound single levers (KRW bn a year); ``frontier`` lists the budget levels of the
    frontier (default: 0.25x to 2x the budget); ``rng`` seeds the optimisation draws and
    ``eval_rng`` (default ``rng + 1``) the fresh draws of the evaluation. Raises
    :class:`OptimizeError` (a ``ValueError``) naming the option for bad input.
    """
    t0 = time.perf_counter()
    minimum, maximum = dict(minimum or {}), dict(maximum or {})
    levers = list(funded_levers(scenario) if levers is None else levers)
    span_try = None
    with contextlib.suppress(ValueError):
        span_try = econ.resolve_window(window, scenario.years)
    first_year = int(first_year if first_year is not None else (span_try or (scenario.horizon.start,))[0])
    check_request(scenario, float(budget_krw_bn), levers, objective, minimum, maximum, first_year,
                  year, alpha, window)
    span = span_try
    if span is None:
        raise OptimizeError("--window", f"the default 2026-2050 does not overlap the horizon "
                                        f"{scenario.horizon.start}-{scenario.horizon.end}; give one")
    budget = float(budget_krw_bn)
    seed = scenario.sampling.seed if rng is None else int(rng)
    fresh_seed = seed + 1 if eval_rng is None else int(eval_rng)
    if fresh_seed == seed:
        raise OptimizeError("--eval-seed", f"must differ from --seed ({seed}): the evaluation needs fresh draws")
    ev = SplitEvaluator(scenario, levers, first_year, n_draws=n_draws, method=method, rng=seed)
    goal = Goal(objective, discount_rate, span, year, threshold, alpha)
    if objective == "shortage_probability":
        base_short = ev.base()["shortage"][:, list(ev.years).index(year)]
        bw = 1.06 * float(np.std(base_short)) * ev.n ** -0.2
        goal = Goal(objective, discount_rate, span, year, threshold, alpha, max(bw, 1.0))
    notes: list[str] = []
    simulated = 0

    # ---- the chosen split at the budget
    lo, hi = _bounds(levers, minimum, maximum, budget)
    best, k = _optimise_level(ev, goal, budget, lo, hi, [], starts)
    simulated += k
    allocation = pd.DataFrame({"lever": levers, "krw_bn": best, "share": best / budget,
                               "min_krw_bn": lo, "max_krw_bn": hi})

    # ---- the frontier: the best split at each budget level, warm-started from this one
    levels = sorted({float(v) for v in (frontier if frontier is not None else
                                         [m * budget for m in FRONTIER_MULTIPLES])} | {budget})
    rows: list[dict[str, Any]] = []  # one per budget level, then one per policy
    boot_rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(7,)))
    for level in levels:
        if level <= 0:
            continue
        llo, lhi = _bounds(levers, minimum, maximum, level)
        if llo.sum() > level or lhi.sum() < level:
            notes.append(f"frontier: {level:g} KRW bn a year skipped (the --min/--max bounds cannot add up to it)")
            continue
        if level == budget:
            x = best
        else:
            x, k = _optimise_level(ev, goal, level, llo, lhi, [best * level / budget], 1)
            simulated += k
        out = ev.run(x[None, :])
        outcome = goal.outcome(ev, out)
        boot = _bootstrap(goal, outcome, boot_rng)[:, 0]
        wy = ev.present_values(out, discount_rate, span)[1][0]
        rows.append({"budget_krw_bn": level, "objective": objective, "value": float(goal.statistic(outcome)[0]),
                     "value_p05": float(np.quantile(boot, 0.05)), "value_p95": float(np.quantile(boot, 0.95)),
                     "pv_worker_years": float(wy.mean()),
                     **{f"pv_worker_years_p{q:02d}": float(np.quantile(wy, q / 100)) for q in (5, 50, 95)},
                     **{f"krw_bn_{name}": float(v) for name, v in zip(levers, x)}})
    frontier_frame = pd.DataFrame(rows)

    # ---- no optimiser's curse: fresh draws, the same budget, the equal split and the best corner
    corners = np.eye(len(levers)) * budget
    corner_values = goal.statistic(goal.outcome(ev, ev.run(corners)))
    simulated += len(levers)
    j = int(np.argmax(goal.sense * corner_values))
    policies = {"optimised": best, "equal_split": np.full(len(levers), budget / len(levers)),
                f"best_single_lever:{levers[j]}": corners[j]}
    fresh = SplitEvaluator(scenario, levers, first_year, n_draws=n_draws, method=method, rng=fresh_seed)
    outcomes = goal.outcome(fresh, fresh.run(np.vstack(list(policies.values()))))
    simulated += len(policies) + 1
    values = goal.statistic(outcomes)
    boot = _bootstrap(goal, outcomes, np.random.default_rng(np.random.SeedSequence(fresh_seed, spawn_key=(7,))))
    rows = []
    for k, (name, x) in enumerate(policies.items()):
        diff = boot[:, 0] - boot[:, k]
        same = bool(np.allclose(x, best, atol=1e-6 * budget))
        compared = k > 0 and not same  # P(better) of a split against itself is undefined
        rows.append({
            "policy": name, "allocation": _split_text(levers, x), "objective": objective, "draws": fresh.n,
            "seed": fresh_seed, "value": float(values[k]),
            "value_p05": float(np.quantile(boot[:, k], 0.05)), "value_p95": float(np.quantile(boot[:, k], 0.95)),
            "optimised_minus_policy": float(values[0] - values[k]),
            "difference_p05": float(np.quantile(diff, 0.05)), "difference_p95": float(np.quantile(diff, 0.95)),
            "p_better": float(np.mean(goal.better(boot[:, 0], boot[:, k]))) if compared else np.nan,
            "p_better_draw": float(np.mean(goal.better(outcomes[0], outcomes[k]))) if compared else np.nan,
            "same_split": same,
        })
    evaluation = pd.DataFrame(rows)
    for _, r in evaluation.iloc[1:].iterrows():
        if r.same_split and r.policy != "optimised":
            notes.append(f"The optimised split is the {r.policy.split(':')[0].replace('_', ' ')} itself "
                         f"({r.allocation}); there is nothing to beat.")
        elif r.p_better < 0.9:
            notes.append(f"On fresh draws the optimised split beats {r.policy} with P(better) = {r.p_better:.2f} "
                         "only (< 0.9): the gain may be an artefact of the optimisation draws.")
    if np.count_nonzero(best > 1e-6 * budget) == 1:
        notes.append("The optimum is a corner (all money on one lever): where returns do not diminish, the lever "
                     "that buys most per won takes everything; bounds (--max) or diminishing returns give interior "
                     "splits.")
    settings = {
        "budget_krw_bn": budget, "first_year": first_year, "objective": objective,
        "objective_meaning": OBJECTIVES[objective][0], "levers": levers, "minimum": minimum, "maximum": maximum,
        "year": year, "threshold": threshold, "alpha": alpha, "discount_rate": discount_rate,
        "appraisal_window": list(span), "draws": ev.n, "sampling": ev.draws.method, "seed": seed,
        "evaluation_seed": fresh_seed,
        "smoothing_bandwidth": goal.bandwidth if objective == "shortage_probability" else None,
        "optimiser": "scipy.optimize.minimize SLSQP, forward-difference gradients, multi-start",
        "starts": starts, "splits_simulated": simulated, "money": "KRW bn a year (constant 2024 won)",
        "seconds": round(time.perf_counter() - t0, 3),
    }
    return OptimizeResult(allocation, frontier_frame, evaluation, settings, notes)
