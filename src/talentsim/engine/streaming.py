"""Summaries of runs too large to hold in memory: one streaming pass over the draws.

A *pilot* simulates the first :data:`PILOT` draws (one chunk, whatever the chunk size) and fixes,
per metric and year, a histogram range: the pilot's minimum and maximum widened by
:data:`MARGIN` of their span on each side. The single pass then gathers, per metric and year,

- the exact count, minimum and maximum;
- the sum (for the mean) in a fixed order: numpy's pairwise sum over each aligned block of
  :data:`BLOCK` draws, the block sums added block after block in draw order, so the
  floating-point result does not depend on the chunk size (rounded up to a multiple of
  :data:`BLOCK`) or the worker count;
- integer counts in ``BINS`` equal bins over the pilot range, plus one underflow and one overflow
  bin for values outside it.

A quantile is read off the histogram: the order statistics around numpy's "linear" position
(n - 1) p are placed evenly inside their bin, so

    |estimate - exact quantile| <= (hi - lo) / BINS

for every quantile (5 ... 95 % and the standard-error brackets of :func:`quantile_se`) whose
order statistics fall inside the range; a metric that is constant across draws is exact. If
any needed order statistic falls in an underflow or overflow bin (more than ~5 % of the draws
outside a range that held all of the pilot's draws: in practice never), a second pass counts
histograms over the exact [min, max] (the bound is then (max - min) / BINS), so the result is
always within the recorded bound. Counts and sums are pure functions of the draws, so the output
is bit-identical for any chunk size, worker count or cluster. Memory per task: one chunk of
metrics, processed one metric at a time (two reused bin-index arrays of one metric's chunk),
plus int32 counts (metrics x years x (BINS + 2)).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..metrics import describe
from ..results import QUANTILES, SE_QUANTILES, SUMMARY_COLUMNS
from ..sampling import Draws
from ..scenario.schema import Scenario
from .parallel import chunk_bounds, run_tasks

BINS = 4096
CHUNKS_PER_TASK = 8
PILOT = 1000
MARGIN = 0.25
BLOCK = 500


def _chunk_metrics(scenario: Scenario, draws: Draws, start: int, stop: int, into=None,
                   on_inputs=None) -> dict[str, np.ndarray]:
    from .cohort import simulate_chunk

    return simulate_chunk(scenario, draws, start, stop, into=into, on_inputs=on_inputs)[0]


def _block_sums(values: np.ndarray) -> np.ndarray:
    """Sums over consecutive blocks of BLOCK draws (the last may be short) of values (n, Y):
    (blocks, Y). Each block is reduced along its own contiguous run of draws by numpy's pairwise
    summation, whose order depends only on the block's length, so a block sums to the same bits
    whichever chunk it sits in. (A strictly sequential cumsum gave the same guarantee at ~9x
    the time: 12 s of a 1M-draw streaming run.)"""
    t = values.T  # (Y, n): the engine stores the draw axis contiguously
    n, full = t.shape[1], t.shape[1] // BLOCK * BLOCK
    parts = []
    if full:
        parts.append(t[:, :full].reshape(t.shape[0], full // BLOCK, BLOCK).sum(axis=2).T)
    if n > full:
        parts.append(t[:, full:].sum(axis=1)[None, :])
    return np.concatenate(parts)


def _one_pass(scenario, draws, ranges, names, lo, hi, on_inputs=None):
    """:func:`_pass_statistics`, then the task's metric arrays unmapped: a worker holds none
    between tasks (kept for reuse, they would add a chunk's arrays to every worker's memory)."""
    from .memory import release_unused

    out = _pass_statistics(scenario, draws, ranges, names, lo, hi, on_inputs)
    release_unused()
    return out


def _pass_statistics(scenario, draws, ranges, names, lo, hi, on_inputs=None):
    """Over the draws of several chunks: (names, min, max, block sums (M, blocks, Y),
    counts (M, Y, BINS + 2) int32), bins over [lo, hi] plus underflow and overflow. The chunks'
    metrics are written into the same arrays chunk after chunk (memory and page faults of one
    chunk per task). ``on_inputs`` as in :func:`~talentsim.engine.cohort.simulate_chunk`."""
    from .cohort import Buffers

    m_count, y_count = lo.shape
    scale = BINS / np.where(hi > lo, hi - lo, 1.0)
    counts = np.zeros((m_count, y_count * (BINS + 2)), dtype=np.int32)
    # 1 + each year's first bin (exact integers): x = (v - lo) * scale lands in bin 1 + floor(x)
    first = 1.0 + np.arange(y_count, dtype=float) * (BINS + 2)
    gmin = np.full((m_count, y_count), np.inf)
    gmax = np.full((m_count, y_count), -np.inf)
    sums = []
    reused: dict[int, Buffers] = {}  # one set of metric arrays per chunk length, filled chunk after chunk
    scratch: dict[int, tuple[np.ndarray, np.ndarray]] = {}  # float and integer bin indices, per chunk length
    for start, stop in ranges:
        n = stop - start
        m = _chunk_metrics(scenario, draws, start, stop, reused.setdefault(n, Buffers(n)).at(0, n), on_inputs)
        chunk_sums = np.empty((m_count, -(-(stop - start) // BLOCK), y_count))
        x, idx = scratch.setdefault(n, (np.empty((y_count, n)), np.empty((y_count, n), dtype=np.intp)))
        for i, name in enumerate(names):
            v = m.pop(name).T  # (Y, n), C-ordered: the engine stores the draw axis contiguously
            vmin, vmax = v.min(axis=1), v.max(axis=1)
            np.minimum(gmin[i], vmin, out=gmin[i])
            np.maximum(gmax[i], vmax, out=gmax[i])
            chunk_sums[i] = _block_sums(v.T)
            if np.array_equal(vmin, vmax):  # the same value in every draw of the chunk, each year:
                # bin that one value and count it n times (16 of 126 baseline metrics)
                one = np.clip((vmin - lo[i]) * scale[i], -1.0, BINS) + first
                counts[i, one.astype(np.intp)] += n
                continue
            np.subtract(v, lo[i][:, None], out=x)
            x *= scale[i][:, None]
            if not ((vmin >= lo[i]).all() and (vmax <= hi[i]).all()):  # below lo: bin 0; at or
                np.clip(x, -1.0, BINS, out=x)  # above hi: BINS + 1 (the under- and overflow bins)
            x += first[:, None]  # >= 0, so truncation is floor (a value within ~1e-11 of a bin
            # edge may round into the next bin: far inside the recorded error bound)
            np.copyto(idx, x, casting="unsafe")
            hist = np.bincount(idx.ravel(), minlength=counts.shape[1])
            # at most n per bin: the low 32-bit halves of the int64 counts (little-endian) hold
            # them, added without numpy's slower casting loop
            np.add(counts[i], hist.view(np.int32)[::2] if np.little_endian else hist, out=counts[i],
                   casting="unsafe")
        sums.append(chunk_sums)
        del m
    return gmin, gmax, np.concatenate(sums, axis=1), counts.reshape(m_count, y_count, BINS + 2)


def histogram_quantile(counts: np.ndarray, lo: np.ndarray, hi: np.ndarray, p: float,
                       cum: np.ndarray | None = None) -> np.ndarray:
    """Quantile ``p`` (numpy's linear method) from histograms (..., BINS) over [lo, hi]."""
    n = counts.sum(axis=-1)
    cum = np.cumsum(counts, axis=-1) if cum is None else cum
    width = (hi - lo) / counts.shape[-1]

    def order_stat(j: np.ndarray) -> np.ndarray:
        b = (cum > j[..., None]).argmax(axis=-1)
        before = np.take_along_axis(cum, b[..., None], axis=-1)[..., 0] - np.take_along_axis(
            counts, b[..., None], axis=-1)[..., 0]
        inside = np.take_along_axis(counts, b[..., None], axis=-1)[..., 0]
        rank = j - before
        return lo + width * (b + (rank + 0.5) / np.maximum(inside, 1))

    h = (n - 1) * p
    k = np.floor(h).astype(np.int64)
    frac = h - k
    x_k = order_stat(k)
    x_k1 = order_stat(np.minimum(k + 1, n - 1))
    return np.where(hi > lo, x_k + frac * (x_k1 - x_k), lo)


def _outer_quantile(counts, cum, lo, hi, p) -> tuple[np.ndarray, np.ndarray]:
    """Quantile ``p`` from histograms (..., BINS + 2) with an underflow and an overflow bin;
    also the mask of the entries whose order statistics fell inside [lo, hi]."""
    n = cum[..., -1]
    width = (hi - lo) / BINS

    def order_stat(j):
        b = (cum > j[..., None]).argmax(axis=-1)
        inside = np.take_along_axis(counts, b[..., None], axis=-1)[..., 0]
        before = np.take_along_axis(cum, b[..., None], axis=-1)[..., 0] - inside
        value = lo + width * (b - 1 + (j - before + 0.5) / np.maximum(inside, 1))
        return value, (b >= 1) & (b <= BINS)

    h = (n - 1) * p
    k = np.floor(h).astype(np.int64)
    frac = h - k
    x_k, ok_k = order_stat(k)
    x_k1, ok_k1 = order_stat(np.minimum(k + 1, n - 1))
    return x_k + frac * (x_k1 - x_k), ok_k & ok_k1


@dataclass
class StreamedSummary:
    summary: pd.DataFrame
    max_quantile_error: pd.Series  # per metric: the largest (hi - lo) / BINS over years
    passes: int = 1  # 2 when an order statistic fell outside the pilot's range


def _probabilities(n: int) -> dict[str, float]:
    ps = {f"p{round(p * 100):02d}": p for p in QUANTILES}
    for p in SE_QUANTILES:
        s = np.sqrt(p * (1 - p) / n)
        ps[f"se+{p}"] = min(p + s, 1.0)
        ps[f"se-{p}"] = max(p - s, 0.0)
    return ps


def summarize_streaming(
    scenario: Scenario,
    draws: Draws,
    *,
    chunk_size: int = 5000,
    workers: int = 1,
    scheduler: str | None = None,
    progress: Callable[[int], None] | None = None,
    on_inputs: Callable[[int, int, dict[str, np.ndarray]], None] | None = None,
) -> StreamedSummary:
    """The same table as :func:`~talentsim.results.summarize`, in bounded memory, in one pass.

    Each task covers :data:`CHUNKS_PER_TASK` consecutive chunks and returns only its
    statistics (counts, block sums, extremes), so little crosses between processes. Counts are
    integers and sums follow the fixed block order, so every output is identical for any chunk
    size, one worker, K workers or a cluster. ``on_inputs(start, stop, values)`` receives each
    chunk's input values during the pass (in draw order, once); only for a pass in this
    process (one worker, no scheduler).
    """
    if on_inputs is not None and (workers != 1 or scheduler is not None):
        raise ValueError("on_inputs needs the pass in this process (workers=1, no scheduler)")
    n = draws.n_draws
    chunk_size = -(-chunk_size // BLOCK) * BLOCK  # aligned blocks: sums independent of chunking
    pilot = _chunk_metrics(scenario, draws, 0, min(PILOT, n))
    names = sorted(pilot)
    p_lo = np.stack([pilot[k].min(axis=0) for k in names])
    p_hi = np.stack([pilot[k].max(axis=0) for k in names])
    del pilot
    span = p_hi - p_lo
    lo, hi = p_lo - MARGIN * span, p_hi + MARGIN * span

    chunks = chunk_bounds(n, chunk_size)
    ranges = [chunks[i : i + CHUNKS_PER_TASK] for i in range(0, len(chunks), CHUNKS_PER_TASK)]

    def gather(lo, hi, report, on_inputs=None):
        gmin = gmax = total = counts = None
        tasks = [(scenario, draws, rs, names, lo, hi, on_inputs) for rs in ranges]
        for rs, (mn, mx, sums, c) in zip(ranges, run_tasks(_one_pass, tasks, workers=workers,
                                                               scheduler=scheduler)):
            if counts is None:
                gmin, gmax, counts, total = mn, mx, c.astype(np.int64), np.zeros(mn.shape)
            else:
                assert gmin is not None and gmax is not None  # set with counts
                gmin, gmax = np.minimum(gmin, mn), np.maximum(gmax, mx)
                counts += c
            for j in range(sums.shape[1]):  # block after block, in draw order
                total += sums[:, j, :]
            if report:
                report(sum(b - a for a, b in rs))
        return gmin, gmax, total, counts

    gmin, gmax, total, counts = gather(lo, hi, progress, on_inputs)
    probs = _probabilities(n)
    cum = np.cumsum(counts, axis=-1)
    est = {k: _outer_quantile(counts, cum, lo, hi, p) for k, p in probs.items()}
    passes = 1
    if not all(ok[gmax > gmin].all() for _, ok in est.values()):
        passes = 2  # exact fallback: histograms over the exact [min, max]
        lo, hi = gmin, gmax
        counts = gather(lo, hi, None)[3]
        counts[..., BINS] += counts[..., BINS + 1]  # values equal to the maximum
        counts[..., BINS + 1] = 0
        cum = np.cumsum(counts, axis=-1)
        est = {k: _outer_quantile(counts, cum, lo, hi, p) for k, p in probs.items()}
    q = {k: np.where(gmax > gmin, np.clip(v, gmin, gmax), gmin) for k, (v, _) in est.items()}
    for p in SE_QUANTILES:
        q[f"se_p{round(p * 100):02d}"] = (q.pop(f"se+{p}") - q.pop(f"se-{p}")) / 2
    years = np.asarray(scenario.years)
    frames = []
    for i, name in enumerate(names):
        frames.append(pd.DataFrame({
            "scenario": scenario.name, "metric": name, "year": years, "mean": total[i] / n,
            **{k: v[i] for k, v in q.items()},
        }))
    summary = describe(pd.concat(frames, ignore_index=True))[SUMMARY_COLUMNS]
    bound = np.where(gmax > gmin, (hi - lo) / BINS, 0.0)
    error = pd.Series(bound.max(axis=1), index=names, name="max_quantile_error")
    return StreamedSummary(summary, error, passes)


def draws_writers(scenario: Scenario, draws: Draws, chunk_size: int) -> dict[str, Callable]:
    """Writers for ``draws.parquet`` and ``initial.parquet`` that re-simulate chunk by chunk and
    append row groups, so per-draw files of any size are written in bounded memory."""
    from ..results import Run, write_parquet_chunks
    from .cohort import simulate_chunk

    def frames(which: str):
        for start, stop in chunk_bounds(draws.n_draws, chunk_size):
            metrics, initial = simulate_chunk(scenario, draws, start, stop)
            if which == "draws":
                frame = Run(scenario.name, np.asarray(scenario.years), metrics).to_wide()
                frame["draw"] += start
            else:
                frame = pd.DataFrame({"draw": np.arange(start, stop), **initial})
            yield frame

    def write(path, which: str) -> None:
        write_parquet_chunks(path, frames(which))

    return {"draws.parquet": lambda p: write(p, "draws"), "initial.parquet": lambda p: write(p, "initial")}
