"""Scenario discovery with PRIM: which ranges of the uncertain inputs lead to a bad outcome?

The Patient Rule Induction Method (Friedman & Fisher 1999, "Bump hunting in high-dimensional
data", Statistics and Computing 9:123-143), as used in scenario discovery (Bryant & Lempert 2010):

* **cases**: draws whose outcome is of interest, ``y = 1`` (e.g. shortage in 2035 > 50,000);
* a **box** is a set of ranges ``lower_j <= x_j <= upper_j`` on the inputs;
  its **coverage** is the share of all cases inside it, its **density** the share of draws inside
  it that are cases, its **mass** the share of all draws inside it;
* **peeling**: starting from the box holding every draw, remove the ``alpha`` share of the box's
  draws with the lowest or highest values of one input, choosing the input and side that raise
  the density most per draw removed; repeat until the mass falls below ``min_mass``. The boxes
  passed through form the *peeling trajectory*, which trades coverage for density;
* **choosing**: the box of the trajectory with the highest density among those with
  coverage >= ``min_coverage`` (ties: the higher coverage, i.e. the earlier box);
* **pasting**: widen the chosen box by ``alpha`` of its draws along any input and side while that
  raises the density (peeling is greedy; pasting undoes peels that went too far);
* **pruning**: with few cases and many inputs, peeling also trims the empty edges of inputs that
  do not matter. Every restriction whose removal alone lowers the box's density d by less than
  its binomial standard error sqrt(d (1 - d) / n_box) is dropped (the input's full range
  restored), and the test is repeated on the wider box until every restriction left matters
  (if all would go, the box is kept as it is). Bryant & Lempert ask boxes to restrict few inputs; this keeps
  only the restrictions the data can tell from noise.

EMA Workbench ships a PRIM, but as an optional extra it would pull in scikit-learn, statsmodels,
SALib, Platypus and eight more packages; this module is the algorithm alone, vectorised over draws.

>>> box = prim(inputs, y)                 # inputs: DataFrame (draw x input), y: bool array  # doctest: +SKIP
>>> box.limits                            # input | lower | upper | data_min | data_max      # doctest: +SKIP
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..metrics import unknown_metric_message
from ..results import Run

ALPHA = 0.05
MIN_MASS = 0.05
MIN_COVERAGE = 0.5
LIMIT_COLUMNS = ["input", "lower", "upper", "data_min", "data_max", "restricted_share"]
TRAJECTORY_COLUMNS = ["step", "coverage", "density", "mass", "n_restricted", "chosen"]


@dataclass
class Discovery:
    """Result of :func:`prim`.

    ``limits``: the chosen (pasted) box, one row per input it restricts, LIMIT_COLUMNS
    (``restricted_share``: the share of the input's observed range cut away);
    ``trajectory``: every peeling step, TRAJECTORY_COLUMNS; ``coverage``, ``density``, ``mass``
    of the chosen box; ``n_cases``, ``n_draws``.
    """

    limits: pd.DataFrame
    trajectory: pd.DataFrame
    coverage: float
    density: float
    mass: float
    n_cases: int
    n_draws: int
    chosen_step: int


def _stats(inside: np.ndarray, y: np.ndarray, n_cases: int) -> tuple[float, float, float]:
    count = int(inside.sum())
    hits = int(y[inside].sum())
    return hits / max(n_cases, 1), hits / max(count, 1), count / y.size


def _inside(x: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    return np.all((x >= lo) & (x <= hi), axis=1)


def _peel(x: np.ndarray, y: np.ndarray, lo: np.ndarray, hi: np.ndarray, alpha: float):
    """The best single peel of the box [lo, hi], or None. Returns (lo, hi) of the peeled box."""
    inside = _inside(x, lo, hi)
    xb, yb = x[inside], y[inside]
    n_box, mean_box = yb.size, yb.mean()
    q_lo = np.quantile(xb, alpha, axis=0)       # (d,)
    q_hi = np.quantile(xb, 1 - alpha, axis=0)
    best, best_gain = None, 0.0
    for side, keep in (("lower", xb >= q_lo), ("upper", xb <= q_hi)):
        kept = keep.sum(axis=0)                  # (d,) draws left after peeling input j
        removed = n_box - kept
        hits = (keep * yb[:, None]).sum(axis=0)
        ok = (removed > 0) & (kept > 0)
        gain = np.full(x.shape[1], -np.inf)
        gain[ok] = (hits[ok] / kept[ok] - mean_box) / removed[ok]  # density gained per draw removed
        j = int(np.argmax(gain))
        if gain[j] > best_gain or (best is None and np.isfinite(gain[j])):
            best_gain = gain[j]
            new_lo, new_hi = lo.copy(), hi.copy()
            if side == "lower":
                new_lo[j] = q_lo[j]
            else:
                new_hi[j] = q_hi[j]
            best = (new_lo, new_hi)
    return best


def _paste(x: np.ndarray, y: np.ndarray, lo: np.ndarray, hi: np.ndarray, alpha: float, n_cases: int):
    """Widen [lo, hi] by ``alpha`` of its draws along one input and side while the density rises."""
    while True:
        inside = _inside(x, lo, hi)
        density = _stats(inside, y, n_cases)[1]
        step = max(1, round(alpha * inside.sum()))
        best, best_density = None, density
        for j in range(x.shape[1]):
            others = np.all((x >= lo) & (x <= hi) | (np.arange(x.shape[1]) == j), axis=1)
            for side in ("lower", "upper"):
                col = x[others, j]
                outside = np.sort(col[col < lo[j]])[::-1] if side == "lower" else np.sort(col[col > hi[j]])
                if outside.size == 0:
                    continue
                bound = outside[min(step, outside.size) - 1]
                new_lo, new_hi = lo.copy(), hi.copy()
                if side == "lower":
                    new_lo[j] = bound
                else:
                    new_hi[j] = bound
                d = _stats(_inside(x, new_lo, new_hi), y, n_cases)[1]
                if d > best_density + 1e-12:
                    best, best_density = (new_lo, new_hi), d
        if best is None:
            return lo, hi
        lo, hi = best


def _prune(x, y, lo, hi, data_min, data_max, n_cases: int):
    """Drop every restriction that matters less than one standard error of the box's density
    (removing it alone lowers the density by less than se), then repeat on the wider box."""
    while True:
        inside = _inside(x, lo, hi)
        density = _stats(inside, y, n_cases)[1]
        se = np.sqrt(density * (1 - density) / max(int(inside.sum()), 1))
        weak = []
        for j in np.flatnonzero((lo > data_min) | (hi < data_max)):
            new_lo, new_hi = lo.copy(), hi.copy()
            new_lo[j], new_hi[j] = data_min[j], data_max[j]
            if density - _stats(_inside(x, new_lo, new_hi), y, n_cases)[1] < se:
                weak.append(j)
        restricted = np.sum((lo > data_min) | (hi < data_max))
        if not weak or len(weak) == restricted:
            return lo, hi
        lo, hi = lo.copy(), hi.copy()
        lo[weak], hi[weak] = data_min[weak], data_max[weak]


def prim(
    inputs: pd.DataFrame,
    y: np.ndarray,
    *,
    alpha: float = ALPHA,
    min_mass: float = MIN_MASS,
    min_coverage: float = MIN_COVERAGE,
) -> Discovery:
    """Find the box of inputs where ``y`` (cases of interest) concentrates.

    Parameters
    ----------
    inputs : DataFrame (n_draws, n_inputs) of input values; a ``draw`` column is ignored.
    y : bool array (n_draws,), True for a case of interest.
    alpha : share of the box's draws removed by one peel (Friedman & Fisher suggest 0.05-0.10).
    min_mass : peeling stops when the box holds fewer than this share of all draws.
    min_coverage : the chosen box is the densest of the trajectory with at least this coverage.
    """
    if not 0 < alpha < 0.5:
        raise ValueError(f"alpha must be in (0, 0.5) (got {alpha})")
    if not 0 <= min_coverage <= 1:
        raise ValueError(f"min_coverage must be within [0, 1] (got {min_coverage})")
    frame = inputs.drop(columns=[c for c in ("draw",) if c in inputs])
    names = list(frame.columns)
    x = frame.to_numpy(float)
    y = np.asarray(y, dtype=bool)
    if y.shape != (x.shape[0],):
        raise ValueError(f"y must have one value per draw ({x.shape[0]}), got shape {y.shape}")
    n_cases = int(y.sum())
    if n_cases == 0:
        raise ValueError("no draw is a case of interest: nothing to discover (loosen the threshold)")
    data_min, data_max = x.min(axis=0), x.max(axis=0)
    lo, hi = data_min.copy(), data_max.copy()
    boxes = [(lo, hi)]
    while True:
        inside = _inside(x, lo, hi)
        if inside.mean() < min_mass or y[inside].all():
            break
        peeled = _peel(x, y, lo, hi, alpha)
        if peeled is None:
            break
        lo, hi = peeled
        boxes.append((lo, hi))
    rows = []
    for step, (b_lo, b_hi) in enumerate(boxes):
        cov, dens, mass = _stats(_inside(x, b_lo, b_hi), y, n_cases)
        restricted = int(np.sum((b_lo > data_min) | (b_hi < data_max)))
        rows.append((step, cov, dens, mass, restricted))
    traj = pd.DataFrame(rows, columns=TRAJECTORY_COLUMNS[:-1])
    eligible = traj[traj.coverage >= min_coverage]
    if eligible.empty:
        eligible = traj.iloc[:1]
    top = eligible[eligible.density >= eligible.density.max() - 1e-12]
    chosen = int(top.sort_values(["coverage", "step"], ascending=[False, True]).step.iloc[0])
    traj["chosen"] = traj.step == chosen
    lo, hi = _paste(x, y, *boxes[chosen], alpha, n_cases)
    lo, hi = _prune(x, y, lo, hi, data_min, data_max, n_cases)
    cov, dens, mass = _stats(_inside(x, lo, hi), y, n_cases)
    span = np.where(data_max > data_min, data_max - data_min, 1.0)
    keep = (lo > data_min) | (hi < data_max)
    limits = pd.DataFrame({
        "input": np.array(names)[keep], "lower": lo[keep], "upper": hi[keep],
        "data_min": data_min[keep], "data_max": data_max[keep],
        "restricted_share": (1 - (hi - lo) / span)[keep],
    }, columns=LIMIT_COLUMNS).sort_values("restricted_share", ascending=False, ignore_index=True)
    return Discovery(limits, traj, cov, dens, mass, n_cases, int(y.size), chosen)


def outcome_cases(values: np.ndarray, *, above: float | None = None, below: float | None = None) -> np.ndarray:
    """Cases of interest: ``values > above`` or ``values < below`` (exactly one of them)."""
    if (above is None) == (below is None):
        raise ValueError("give exactly one of above= or below=")
    return values > above if above is not None else values < below


def boxes_frame(result: Discovery, metric: str, year: int, rule: str) -> pd.DataFrame:
    """``boxes.csv``: the chosen box's input ranges with the box's coverage, density and mass."""
    out = result.limits.copy()
    out.insert(0, "rule", f"{metric} {rule} in {year}")
    for name in ("coverage", "density", "mass"):
        out[name] = getattr(result, name)
    return out


def discover(
    run: Run,
    metric: str,
    year: int,
    *,
    above: float | None = None,
    below: float | None = None,
    alpha: float = ALPHA,
    min_mass: float = MIN_MASS,
    min_coverage: float = MIN_COVERAGE,
) -> Discovery:
    """PRIM on a run: which input ranges give ``metric`` in ``year`` above ``above`` (or below
    ``below``)? ``run`` is a :class:`~talentsim.Run` from :func:`talentsim.simulate` or
    :func:`talentsim.results.read_run` (its inputs per draw are the candidate dimensions).

    >>> box = discover(run, "shortage", 2035, above=35_000)
    >>> box.limits[["input", "lower", "upper"]]               # doctest: +SKIP
    """
    if metric not in run.metrics:
        raise ValueError(unknown_metric_message(metric, run.keys()))
    years = list(np.asarray(run.years))
    if year not in years:
        raise ValueError(f"year {year} is outside the run's years {years[0]}-{years[-1]}")
    values = run[metric][:, years.index(year)]
    return prim(run.inputs.sort_values("draw"), outcome_cases(values, above=above, below=below),
                alpha=alpha, min_mass=min_mass, min_coverage=min_coverage)
