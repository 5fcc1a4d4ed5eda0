"""Numeric inputs: a constant, a distribution, or a yearly path.

Every numeric field of a scenario is a *quantity*:

* a number (``0.73``);
* a distribution, a mapping with a ``dist`` key (``{dist: triangular, low: 0.6, mode: 0.7,
  high: 0.75}``), sampled once per draw;
* a yearly path, a mapping with a ``path`` key, whose parameters may themselves be numbers or
  distributions (``{path: growth, value: 66000, rate: {dist: uniform, low: 0.03, high: 0.09}}``).

Distributions are turned into samples by :mod:`talentsim.sampling` (inverse transform of a
uniform variate, so mc, lhs and sobol designs all work), and quantities into ``(draw, year)``
arrays by :func:`evaluate`.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Annotated, Any, Literal, Union

import numpy as np
from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag, model_validator

if TYPE_CHECKING:  # pragma: no cover
    from typing_extensions import TypeIs  # typing.TypeIs from Python 3.13

stats: Any = None  # scipy.stats, imported on the first frozen() call (it costs ~0.3 s to import)


def _cached_frozen(method):
    """Cache a quantity's frozen scipy distribution by its parameters: building one costs ~4 ms
    and the explorer asks for the same ~230 of them on every recompute."""
    cache: dict = {}

    def frozen(self):
        global stats
        if stats is None:
            from scipy import stats as scipy_stats

            stats = scipy_stats
        try:
            key = (type(self), tuple(sorted(self.__dict__.items())))
            hash(key)
        except TypeError:
            return method(self)
        if key not in cache:
            cache[key] = method(self)
        return cache[key]

    frozen.__doc__ = method.__doc__
    return frozen


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False, defer_build=True)


# --------------------------------------------------------------------------- distributions
class _Ranged(_Strict):
    """A distribution with ``low`` < ``high`` (and ``low <= mode <= high`` when it has a mode)."""

    if TYPE_CHECKING:  # every subclass declares them (as fields, in its own order)
        low: float
        high: float

    @model_validator(mode="after")
    def _order(self):
        mode = getattr(self, "mode", None)
        if mode is None:
            if not self.low < self.high:
                raise ValueError(f"low must be < high (got low={self.low}, high={self.high})")
        elif not (self.low <= mode <= self.high and self.low < self.high):
            raise ValueError(
                "need low <= mode <= high and low < high "
                f"(got low={self.low}, mode={mode}, high={self.high})"
            )
        return self


class Normal(_Strict):
    dist: Literal["normal"]
    mean: float
    sd: float = Field(gt=0)

    @_cached_frozen
    def frozen(self):
        return stats.norm(self.mean, self.sd)


class LogNormal(_Strict):
    """Lognormal given by its median and the standard deviation of its logarithm."""

    dist: Literal["lognormal"]
    median: float = Field(gt=0)
    sigma: float = Field(gt=0)

    @_cached_frozen
    def frozen(self):
        return stats.lognorm(s=self.sigma, scale=self.median)


class TruncNormal(_Ranged):
    dist: Literal["truncnormal"]
    mean: float
    sd: float = Field(gt=0)
    low: float = -math.inf
    high: float = math.inf

    @_cached_frozen
    def frozen(self):
        a, b = (self.low - self.mean) / self.sd, (self.high - self.mean) / self.sd
        return stats.truncnorm(a, b, loc=self.mean, scale=self.sd)


class Uniform(_Ranged):
    dist: Literal["uniform"]
    low: float
    high: float

    @_cached_frozen
    def frozen(self):
        return stats.uniform(self.low, self.high - self.low)


class Triangular(_Ranged):
    dist: Literal["triangular"]
    low: float
    mode: float
    high: float

    @_cached_frozen
    def frozen(self):
        width = self.high - self.low
        return stats.triang((self.mode - self.low) / width, loc=self.low, scale=width)


class Beta(_Ranged):
    """Beta(a, b) rescaled to [low, high] (default [0, 1])."""

    dist: Literal["beta"]
    a: float = Field(gt=0)
    b: float = Field(gt=0)
    low: float = 0.0
    high: float = 1.0

    @_cached_frozen
    def frozen(self):
        return stats.beta(self.a, self.b, loc=self.low, scale=self.high - self.low)


class Pert(_Ranged):
    """PERT: a beta on [low, high] with mode ``mode`` and shape ``lamb`` (4 = classic PERT)."""

    dist: Literal["pert"]
    low: float
    mode: float
    high: float
    lamb: float = Field(default=4.0, gt=0)

    @_cached_frozen
    def frozen(self):
        width = self.high - self.low
        a = 1 + self.lamb * (self.mode - self.low) / width
        b = 1 + self.lamb * (self.high - self.mode) / width
        return stats.beta(a, b, loc=self.low, scale=width)


#: distribution name -> schema class (the one table of distribution kinds)
DISTRIBUTIONS: dict[str, type[_Strict]] = {
    "normal": Normal,
    "lognormal": LogNormal,
    "truncnormal": TruncNormal,
    "uniform": Uniform,
    "triangular": Triangular,
    "beta": Beta,
    "pert": Pert,
}

Dist = Annotated[
    Union[Normal, LogNormal, TruncNormal, Uniform, Triangular, Beta, Pert],
    Field(discriminator="dist"),
]


def _kind(value: Any) -> str | None:
    """Which kind of quantity a raw YAML value is: 'number', 'dist', 'path' or None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, Mapping):
        if "dist" in value:
            return "dist"
        if "path" in value:
            return "path"
    if isinstance(value, BaseModel):
        return "path" if hasattr(value, "path") else "dist"
    return None


_SCALAR_ERROR = "expected a number or a distribution {dist: ..., ...}"
_QUANTITY_ERROR = "expected a number, a distribution {dist: ...} or a yearly path {path: ...}"

Scalar = Annotated[
    Union[Annotated[float, Tag("number")], Annotated[Dist, Tag("dist")]],
    Discriminator(_kind, custom_error_type="quantity", custom_error_message=_SCALAR_ERROR),
]
"""A number or a distribution: one value per draw."""


def support(s: Scalar) -> tuple[float, float]:
    """Smallest interval holding every value a scalar can take."""
    if isinstance(s, (int, float)):
        return float(s), float(s)
    if isinstance(s, Normal):
        return -math.inf, math.inf
    if isinstance(s, LogNormal):
        return 0.0, math.inf
    if isinstance(s, (TruncNormal, Uniform, Triangular, Beta, Pert)):
        return float(s.low), float(s.high)  # the support of each, without building scipy objects
    lo, hi = s.frozen().support()
    return float(lo), float(hi)


def median(s: Scalar) -> float:
    if isinstance(s, (int, float)):
        return float(s)
    return float(s.frozen().ppf(0.5))


# --------------------------------------------------------------------------- yearly paths
class ConstantPath(_Strict):
    """value(t) = value."""

    path: Literal["constant"]
    value: Scalar


class GrowthPath(_Strict):
    """value(t) = value * (1 + rate) ** (t - base_year)."""

    path: Literal["growth"]
    value: Scalar
    rate: Scalar
    base_year: int


class StepsPath(_Strict):
    """Piecewise constant: each listed year's value holds until the next listed year.

    Years before the first listed year take the first value.
    """

    path: Literal["steps"]
    values: dict[int, Scalar] = Field(min_length=1)


class ExplicitPath(_Strict):
    """Per-year values, linearly interpolated between listed years, held flat outside them."""

    path: Literal["explicit"]
    values: dict[int, Scalar] = Field(min_length=1)


PATHS: dict[str, type[_Strict]] = {
    "constant": ConstantPath,
    "growth": GrowthPath,
    "steps": StepsPath,
    "explicit": ExplicitPath,
}

Path = Annotated[
    Union[ConstantPath, GrowthPath, StepsPath, ExplicitPath], Field(discriminator="path")
]
Quantity = Annotated[
    Union[Annotated[float, Tag("number")], Annotated[Dist, Tag("dist")], Annotated[Path, Tag("path")]],
    Discriminator(_kind, custom_error_type="quantity", custom_error_message=_QUANTITY_ERROR),
]
"""A number, a distribution or a yearly path: one value per draw and year."""


def is_path(q: Any) -> TypeIs[ConstantPath | GrowthPath | StepsPath | ExplicitPath]:
    return isinstance(q, (ConstantPath, GrowthPath, StepsPath, ExplicitPath))


def is_dist(q: Any) -> bool:
    return isinstance(q, tuple(DISTRIBUTIONS.values()))


# --------------------------------------------------------------------------- walking
def has_field(obj: Any, dotted: str) -> bool:
    """Whether ``dotted`` (``levers.reskilling.effect``, ``market.demand.values.2030``) names a
    field of ``obj`` (a scenario), whatever its value (a number, a path, a distribution)."""
    for part in dotted.split("."):
        if isinstance(obj, BaseModel):
            if part not in type(obj).model_fields:
                return False
            obj = getattr(obj, part)
        elif isinstance(obj, Mapping):
            key: Any = int(part) if part.lstrip("-").isdigit() and part not in obj else part
            if key not in obj:
                return False
            obj = obj[key]
        else:
            return False
    return True


def iter_dists(obj: Any, prefix: str = "") -> Iterator[tuple[str, Any]]:
    """Yield ``(dotted.name, distribution)`` for every distribution inside ``obj``.

    The dotted name is the field path in the scenario, e.g. ``demography.s18.values.2030``;
    it keys the input's own random stream, so two scenarios that share an input share draws.
    """
    if is_dist(obj):
        yield prefix, obj
    elif isinstance(obj, BaseModel):
        for name in type(obj).model_fields:
            yield from iter_dists(getattr(obj, name), f"{prefix}.{name}" if prefix else name)
    elif isinstance(obj, Mapping):
        for key, value in obj.items():
            yield from iter_dists(value, f"{prefix}.{key}" if prefix else str(key))


def _grow(v: float, r: float, k: int) -> float:
    """v * (1 + r) ** k without OverflowError or ZeroDivisionError (inf instead)."""
    try:
        return v * (1 + r) ** k
    except (OverflowError, ZeroDivisionError):
        return math.copysign(math.inf, v) if v else 0.0


def quantity_range(q: Quantity, years: range | None = None) -> tuple[float, float]:
    """Interval holding every value the quantity can take over ``years``."""
    if not is_path(q):
        return support(q)
    if isinstance(q, ConstantPath):
        return support(q.value)
    if isinstance(q, (StepsPath, ExplicitPath)):
        bounds = [support(v) for v in q.values.values()]
        return min(b[0] for b in bounds), max(b[1] for b in bounds)
    # growth: extremes over the years at the corners of value and rate
    v_lo, v_hi = support(q.value)
    r_lo, r_hi = support(q.rate)
    if years is None or len(years) == 0:
        return v_lo, v_hi
    offsets = (years[0] - q.base_year, years[-1] - q.base_year)
    corners = [
        _grow(v, r, k)
        for v in (v_lo, v_hi)
        for r in (max(r_lo, -1.0), r_hi)
        for k in offsets
        if math.isfinite(v) and math.isfinite(r)
    ]
    corners += [v_lo, v_hi]
    if not all(math.isfinite(x) for x in (v_lo, v_hi, r_lo, r_hi)):
        return -math.inf if v_lo < 0 else min(corners), math.inf
    return min(corners), max(corners)


# --------------------------------------------------------------------------- evaluation
def _scalar(s: Scalar, name: str, samples: Mapping[str, np.ndarray], n: int) -> np.ndarray:
    """Values of a scalar for ``n`` draws, shape (n, 1)."""
    if isinstance(s, (int, float)):
        return np.full((n, 1), float(s))
    return samples[name][:, None]


def evaluate(
    q: Quantity, name: str, years: np.ndarray, samples: Mapping[str, np.ndarray], n: int,
    *, year_major: bool = False,
) -> np.ndarray:
    """Evaluate quantity ``q`` (field path ``name``) for ``n`` draws over ``years``.

    Returns an array shaped ``(n, len(years))``, or with ``year_major`` its transpose
    ``(len(years), n)`` built in that layout (C-contiguous rows per year, the same values).
    ``samples`` maps each distribution's dotted name to its ``(n,)`` values (see
    :func:`talentsim.sampling.sample_inputs`).
    """
    years = np.asarray(years)
    shape = (years.size, n) if year_major else (n, years.size)

    def scalar(s: Scalar, path: str, m: int) -> np.ndarray:  # (m, 1), or (1, m) year-major
        v = _scalar(s, path, samples, m)
        return v.T if year_major else v

    if not is_path(q):
        return np.broadcast_to(scalar(q, name, n), shape).copy()
    if isinstance(q, ConstantPath):
        return np.broadcast_to(scalar(q.value, f"{name}.value", n), shape).copy()
    # a path's numbers are the same for every draw: its arithmetic runs on one row (m = 1),
    # broadcast at the end (every value is computed on its own: the same bits as n rows)
    if isinstance(q, GrowthPath):
        value = scalar(q.value, f"{name}.value", 1 if _number(q.value) else n)
        rate = scalar(q.rate, f"{name}.rate", 1 if _number(q.rate) else n)
        offset = (years[:, None] if year_major else years[None, :]) - q.base_year
        out = value * (1.0 + rate) ** offset
        return out if out.shape == shape else np.broadcast_to(out, shape).copy()
    keys = sorted(q.values)
    m = 1 if all(_number(v) for v in q.values.values()) else n
    knots = np.column_stack(
        [_scalar(q.values[k], f"{name}.values.{k}", samples, m)[:, 0] for k in keys]
    )  # (m, k)
    if isinstance(q, StepsPath):
        idx = np.clip(np.searchsorted(np.asarray(keys), years, side="right") - 1, 0, len(keys) - 1)
        out = knots.T[idx] if year_major else knots[:, idx]
    else:  # explicit: linear interpolation between knots, flat outside; same weights for every draw
        xk = np.asarray(keys, dtype=float)
        pos = np.interp(years, xk, np.arange(len(keys), dtype=float))
        lo = np.floor(pos).astype(int)
        hi = np.minimum(lo + 1, len(keys) - 1)
        w = pos - lo
        if year_major:
            out = knots.T[lo] * (1 - w)[:, None] + knots.T[hi] * w[:, None]
        else:
            out = knots[:, lo] * (1 - w) + knots[:, hi] * w
    return out if m == n else np.broadcast_to(out, shape).copy()


def _number(s: Any) -> bool:
    return isinstance(s, (int, float))


def central(q: Quantity, name: str, years: np.ndarray) -> np.ndarray:
    """The quantity with every distribution at its median, over ``years``: shape (len(years),).

    Used as the reference point of responses calibrated "at today's central values", so that
    a draw whose uncertain input is above its median responds accordingly.
    """
    medians = {key: np.array([median(d)]) for key, d in iter_dists(q, name)}
    return evaluate(q, name, years, medians, 1)[0]


def correlation_matrix(pairs) -> tuple[list[str], np.ndarray]:
    """Names involved and the *normal-scale* correlation matrix of a Gaussian copula whose
    Spearman correlations are the declared ones: r = 2 sin(pi * rho_s / 6)."""
    names = sorted({n for a, b, _ in pairs for n in (a, b)})
    index = {n: i for i, n in enumerate(names)}
    matrix = np.eye(len(names))
    for a, b, rho in pairs:
        r = 2 * np.sin(np.pi * rho / 6)
        matrix[index[a], index[b]] = matrix[index[b], index[a]] = r
    return names, matrix
