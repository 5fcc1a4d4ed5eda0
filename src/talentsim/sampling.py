"""Sample the uncertain inputs of a scenario: plain Monte Carlo, Latin hypercube or Sobol.

Every distribution in a scenario is an *input*, named by its field path
(``education.entry_rate``, ``demography.s18.values.2030``). With ``mc`` and ``lhs`` each input
has its own random stream, derived from the seed and a hash of its name, so adding an input does
not reshuffle the others, and two scenarios that share an input see the same draws of it
(common random numbers). ``sobol`` is one joint design: its dimensions follow the sorted input
names, so a different set of inputs gives different draws.

Declared rank correlations (``correlations:`` in a scenario) are imposed with a Gaussian copula,
draw by draw: exact in expectation for any method, though for ``lhs`` and ``sobol`` the
correlated inputs lose their exact stratification / low discrepancy.
Draw ``i`` of an input is the same whatever chunk it is computed in: streams are cut into fixed
blocks of :data:`BLOCK` draws, each block with its own child seed.

>>> draws = sample_inputs(scenario, n_draws=1000, method="lhs", rng=7)
>>> values = draws.chunk(0, 500)     # {name: array of shape (500,)}
"""

from __future__ import annotations

import hashlib
import warnings
from collections.abc import Collection
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Literal, overload

import numpy as np
from scipy.stats import norm, qmc

from .scenario.inputs import correlation_matrix, iter_dists

Method = Literal["mc", "lhs", "sobol"]
#: what every ``rng`` argument of the API accepts (SPEC 7): a seed, a SeedSequence or a Generator
RNGLike = int | np.integer | np.random.SeedSequence | np.random.Generator
METHODS: tuple[str, ...] = ("mc", "lhs", "sobol")
BLOCK = 4096
_EPS = 1e-12  # keeps ppf finite for unbounded distributions


def _correlate(u: dict[str, np.ndarray], pairs) -> None:
    """Impose rank correlations on uniforms ``u`` in place (Gaussian copula, draw by draw).

    z = Phi^-1(u); z' = L z with L the Cholesky factor of the normal-scale matrix; u' = Phi(z').
    Each draw is transformed on its own, in a fixed order, so chunking does not matter.
    """
    names, matrix = correlation_matrix(pairs)
    chol = np.linalg.cholesky(matrix)
    z = [norm.ppf(np.clip(u[n], _EPS, 1 - _EPS)) for n in names]
    for i, name in enumerate(names):
        acc = chol[i, 0] * z[0]
        for j in range(1, i + 1):
            acc = acc + chol[i, j] * z[j]
        u[name] = norm.cdf(acc)


_MASK64 = np.uint64(0xFFFFFFFFFFFFFFFF)


def _mix(x: np.ndarray) -> np.ndarray:
    """splitmix64 finaliser: a fast, well-mixing bijection on uint64."""
    x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))


def _mix_inplace(x: np.ndarray, tmp: np.ndarray) -> np.ndarray:
    """:func:`_mix` in place on ``x`` (the same bits), with ``tmp`` (like ``x``) as scratch:
    no temporaries (the Feistel rounds below run it on every draw of every input)."""
    for shift, mult in ((30, 0xBF58476D1CE4E5B9), (27, 0x94D049BB133111EB)):
        np.right_shift(x, np.uint64(shift), out=tmp)
        x ^= tmp
        x *= np.uint64(mult)
    np.right_shift(x, np.uint64(31), out=tmp)
    x ^= tmp
    return x


def permutation_slice(n: int, key: int | np.ndarray, start: int, stop: int) -> np.ndarray:
    """Elements ``start:stop`` of a pseudo-random permutation of 0..n-1 keyed by ``key``.

    A 4-round Feistel network (a pseudo-random permutation, Luby-Rackoff) on the smallest
    even number of bits covering n, with cycle walking back into range: a true bijection of
    0..n-1, computed for any slice in O(slice) time and memory (a full ``rng.permutation(n)``
    per chunk would cost O(n) per chunk). ``key`` may be an array of keys: the result is then
    (len(key), stop - start), one permutation per key, computed together.
    """
    keys_in = np.atleast_1d(np.asarray(key, dtype=np.uint64))
    half = max(1, (max(n - 1, 1).bit_length() + 1) // 2)
    mask = np.uint64((1 << half) - 1)
    with np.errstate(over="ignore"):
        rounds = [(keys_in * np.uint64(0x9E3779B97F4A7C15) + np.uint64((r * 0xD1B54A32D192ED03) & 0xFFFFFFFFFFFFFFFF))
                  for r in range(4)]

    def feistel(x: np.ndarray, keys: list[np.ndarray], shape: tuple[int, ...]) -> np.ndarray:
        # ``keys`` broadcast against ``x`` to ``shape``: (K, 1) per-input keys against the
        # shared (m,) inputs of the first pass, or gathered (m,) keys on the cycle walk
        left, right = x >> np.uint64(half), x & mask
        tmp = np.empty(shape, dtype=np.uint64)
        for k in keys:
            t = np.bitwise_xor(right, k, out=np.empty(shape, dtype=np.uint64))
            _mix_inplace(t, tmp)
            t &= mask
            t ^= left
            left, right = right, t
        left = np.left_shift(left, np.uint64(half), out=tmp)  # left is (m,) only if keys is empty
        left |= right
        return left

    shape = (keys_in.size, stop - start)
    y = feistel(np.arange(start, stop, dtype=np.uint64), [k[:, None] for k in rounds], shape)
    # cycle walking on the values still out of range only (flat positions ``at`` in y): each
    # value walks on its own, so shrinking the set as values land changes nothing
    flat = y.reshape(-1)
    at = np.flatnonzero(flat >= np.uint64(n))
    walking = flat[at]
    while at.size:
        rows = at // shape[1]
        walking = feistel(walking, [k[rows] for k in rounds], walking.shape)
        landed = walking < np.uint64(n)
        flat[at[landed]] = walking[landed]
        at, walking = at[~landed], walking[~landed]
    y = y.astype(np.int64)
    return y if np.ndim(key) else y[0]


def stream_key(name: str) -> int:
    """Stable 63-bit integer for an input name (independent of Python's hash seed)."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "little") >> 1


def _uniform_block(seed: int, key: int, purpose: int, block: int) -> np.ndarray:
    ss = np.random.SeedSequence(entropy=seed, spawn_key=(key, purpose, block))
    return np.random.default_rng(ss).random(BLOCK)


def _uniforms(seed: int, key: int, purpose: int, start: int, stop: int) -> np.ndarray:
    """Uniform variates ``start:stop`` of one input's stream, chunk-invariant."""
    first, last = start // BLOCK, (stop - 1) // BLOCK
    parts = [_uniform_block(seed, key, purpose, b) for b in range(first, last + 1)]
    flat = np.concatenate(parts) if len(parts) > 1 else parts[0]
    offset = first * BLOCK
    return flat[start - offset : stop - offset]


class Gathered:
    """A pinned input's values per draw, ``values[rows]``, gathered chunk by chunk: a posterior
    pinned to a million draws holds one row index per draw (shared by all its columns) and each
    column's few thousand posterior values, not a million values per input."""

    __slots__ = ("rows", "values")

    def __init__(self, values: np.ndarray, rows: np.ndarray):
        self.values, self.rows = np.asarray(values, dtype=float), rows

    def __len__(self) -> int:
        return len(self.rows)

    def __getitem__(self, index):
        return self.values[self.rows[index]]

    def __array__(self, dtype=None, copy=None):
        out = self.values[self.rows]
        return out if dtype is None else out.astype(dtype)


@dataclass(frozen=True)
class Draws:
    """The sampled design of one study: which inputs, how many draws, how, with which seed.

    Values are produced lazily per chunk with :meth:`chunk`, so a million draws never sit in
    memory at once. ``fixed`` holds inputs pinned to given values (used by sensitivity
    analyses, posteriors): ``{name: value}``, ``{name: array of n_draws}`` or ``{name:
    Gathered}`` (posterior values by row, gathered per chunk).
    """

    inputs: tuple[tuple[str, Any], ...]
    n_draws: int
    method: Method
    seed: int
    fixed: dict[str, Any] = field(default_factory=dict)
    correlations: tuple[tuple[str, str, float], ...] = ()

    @cached_property
    def _frozen(self) -> dict[str, Any]:
        """scipy frozen distributions, built once (building them is slow)."""
        return {name: dist.frozen() for name, dist in self.inputs}

    @property
    def names(self) -> list[str]:
        return [name for name, _ in self.inputs]

    def uniforms(self, start: int, stop: int, names: Collection[str] | None = None) -> dict[str, np.ndarray]:
        """Uniform(0, 1) design for draws ``start:stop``: {input name: (stop-start,)}.

        ``names``: only these inputs and the correlated ones (mc and lhs; each input has its own
        streams, so its values are the same either way); sobol always gives every input."""
        if not 0 <= start < stop <= self.n_draws:
            raise ValueError(f"chunk {start}:{stop} outside 0:{self.n_draws}")
        n = stop - start
        out: dict[str, np.ndarray] = {}
        if self.method == "sobol" and self.inputs:
            engine = qmc.Sobol(d=len(self.inputs), scramble=True, seed=self.seed)
            if start:
                engine.fast_forward(start)
            with warnings.catch_warnings():
                # balance is exact only for powers of two; any n is still a valid design
                warnings.filterwarnings("ignore", "The balance properties", UserWarning)
                design = engine.random(n)
            out = {name: design[:, j] for j, (name, _) in enumerate(self.inputs)}
            if self.correlations:
                _correlate(out, self.correlations)
            return out
        inputs = self.inputs
        if names is not None:
            wanted = set(names) | {name for pair in self.correlations for name in pair[:2]}
            inputs = tuple(item for item in inputs if item[0] in wanted)
        if self.method == "lhs" and inputs:
            perm_keys = np.array([
                np.random.SeedSequence(entropy=self.seed, spawn_key=(stream_key(name), 1))
                .generate_state(1, np.uint64)[0]
                for name, _ in inputs], dtype=np.uint64)
            strata = permutation_slice(self.n_draws, perm_keys, start, stop)  # all inputs at once
        for j, (name, _) in enumerate(inputs):
            jitter = _uniforms(self.seed, stream_key(name), 0, start, stop)
            out[name] = (strata[j] + jitter) / self.n_draws if self.method == "lhs" else jitter
        if self.correlations:
            _correlate(out, self.correlations)
        return out

    def chunk(self, start: int, stop: int) -> dict[str, np.ndarray]:
        """Input values for draws ``start:stop``: {input name: array of shape (stop-start,)}."""
        # pinned inputs need no uniforms (unless correlated: uniforms adds those)
        u = self.uniforms(start, stop, [name for name, _ in self.inputs if name not in self.fixed])
        values = {}
        for name, _dist in self.inputs:
            if name in self.fixed:
                given = self.fixed[name]
                if isinstance(given, Gathered):
                    values[name] = given[start:stop]
                    continue
                v = np.asarray(given, dtype=float)
                values[name] = np.broadcast_to(v if v.ndim == 0 else v[start:stop], (stop - start,)).copy()
            else:
                values[name] = self._frozen[name].ppf(np.clip(u[name], _EPS, 1 - _EPS))
        return values


@overload
def seed_of(rng: None) -> None: ...
@overload
def seed_of(rng: RNGLike) -> int: ...
def seed_of(rng: RNGLike | None) -> int | None:
    """The integer seed an ``rng`` argument stands for (``None`` stays ``None``).

    Every output records an integer seed, so the streams are keyed by one: an ``int`` is used as
    it is; a ``SeedSequence`` made from one integer gives that integer (``SeedSequence(7)`` means
    ``7``), any other its first 63-bit state word; a ``Generator`` gives its next 63-bit integer
    (it advances the generator).
    """
    if rng is None:
        return None
    if isinstance(rng, np.random.Generator):
        return int(rng.integers(0, 2**63 - 1))
    if isinstance(rng, np.random.SeedSequence):
        if isinstance(rng.entropy, (int, np.integer)) and not rng.spawn_key:
            return int(rng.entropy)
        return int(rng.generate_state(1, np.uint64)[0] >> np.uint64(1))
    if isinstance(rng, bool) or not isinstance(rng, (int, np.integer)) or rng < 0:
        raise ValueError(f"rng must be a non-negative integer seed, a numpy SeedSequence or a Generator "
                         f"(got {rng!r})")
    return int(rng)


def sample_inputs(
    scenario: Any,
    n_draws: int | None = None,
    method: Method | None = None,
    rng: RNGLike | None = None,
) -> Draws:
    """Design the draws of a scenario's uncertain inputs.

    Parameters
    ----------
    scenario : Scenario
        a loaded scenario; its ``sampling`` section gives the defaults. With ``inputs_from`` set,
        the inputs found in that posterior file are resampled from it (:func:`pin_posterior`).
    n_draws, method, rng :
        number of draws, ``"mc" | "lhs" | "sobol"`` and the seed (an int, a ``SeedSequence`` or
        a ``Generator``: :func:`seed_of`); ``None`` takes the scenario's value.
    """
    n = scenario.sampling.draws if n_draws is None else int(n_draws)
    method = scenario.sampling.method if method is None else method
    seed = scenario.sampling.seed if rng is None else seed_of(rng)
    if method not in METHODS:
        raise ValueError(f"sampling method must be one of {METHODS} (got {method!r})")
    if n < 1:
        raise ValueError(f"n_draws must be >= 1 (got {n})")
    if not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer (got {seed!r})")
    inputs = tuple(sorted(iter_dists(scenario), key=lambda item: item[0]))
    pairs = tuple((c.between[0], c.between[1], c.rank) for c in getattr(scenario, "correlations", []))
    draws = Draws(inputs=inputs, n_draws=n, method=method, seed=int(seed), correlations=pairs)
    return pin_scenario_posterior(draws, scenario)


def pin_scenario_posterior(draws: Draws, scenario: Any) -> Draws:
    """``draws`` with the inputs of the scenario's ``inputs_from`` posterior pinned (unchanged
    without one): rows resampled with the draws' seed, so two scenarios of a comparison with the
    same posterior, seed and number of draws get the same rows. Inputs the scenario fixes
    itself or gives another prior (a what-if on a calibrated scenario) keep its value or prior;
    a column that names nothing is refused by :func:`pin_posterior`."""
    source = getattr(scenario, "inputs_from", None)
    if not source:
        return draws
    from .scenario.checks import posterior_columns, read_posterior

    sample = read_posterior(source)  # the validated reader, one read per file version
    pinned, unknown = posterior_columns(scenario, sample)
    return pin_posterior(draws, sample, scenario_name=scenario.name, columns=pinned + unknown)


def pin_posterior(draws: Draws, posterior: Any, *, strict: bool = True, scenario_name: str = "",
                  columns: list[str] | None = None) -> Draws:
    """``draws`` with the inputs found in a posterior sample (a DataFrame with one column per
    input, e.g. ``posterior.parquet`` from ``talentsim calibrate``, or the reader's
    :class:`~talentsim.scenario.checks.ParquetSample`) taken from it; ``columns``: only these.

    Rows are resampled with replacement by a generator seeded from the draws' seed, keeping
    each row's inputs together (their joint posterior); inputs not in the posterior keep their
    prior draws. Columns other than ``distance`` that are not inputs raise ``ValueError`` unless
    ``strict=False``.
    """
    from .scenario.checks import column_values

    if columns is None:
        columns = [c for c in posterior.columns if c != "distance"]
    known = set(draws.names)
    unknown = sorted(set(columns) - known)
    if unknown and strict:
        raise ValueError(f"posterior columns are not uncertain inputs of scenario {scenario_name!r}: "
                         f"{unknown}; pass strict=False to ignore them")
    if len(posterior) == 0:
        raise ValueError("the posterior sample is empty")
    rng = np.random.default_rng(np.random.SeedSequence(draws.seed, spawn_key=(stream_key("posterior"),)))
    rows = rng.integers(0, len(posterior), size=draws.n_draws)
    fixed = {**draws.fixed, **{c: Gathered(column_values(posterior, c), rows) for c in columns if c in known}}
    return Draws(inputs=draws.inputs, n_draws=draws.n_draws, method=draws.method, seed=draws.seed,
                 fixed=fixed, correlations=draws.correlations)
