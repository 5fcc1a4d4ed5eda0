"""Summaries of runs too large to hold in memory: two streaming passes over the draws.

Pass 1 gathers, per metric and year, the exact count, sum (for the mean), minimum and maximum.
Pass 2 re-simulates the same chunks (the engine is deterministic per draw) and counts values in
``BINS`` equal bins between the minimum and maximum. A quantile is then read off the histogram:
the order statistics around numpy's "linear" position (n - 1) p are placed evenly inside their
bin, so

    |estimate - exact quantile| <= (max - min) / BINS

for every quantile (5 ... 95 % and the standard-error brackets of :func:`quantile_se`); a metric
that is constant across draws is exact. Memory holds one chunk of metrics plus the histograms
(metrics x years x BINS counts), whatever the number of draws.
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


def _chunk_metrics(scenario: Scenario, draws: Draws, start: int, stop: int) -> dict[str, np.ndarray]:
    from .cohort import simulate_chunk

    return simulate_chunk(scenario, draws, start, stop)[0]


def _pass1(scenario, draws, ranges) -> tuple[list[str], np.ndarray, np.ndarray, np.ndarray]:
    """(names, lo, hi, total) over the draws of several chunks; arrays shaped (M, Y)."""
    names, lo, hi, total = None, None, None, None
    for start, stop in ranges:
        m = _chunk_metrics(scenario, draws, start, stop)
        if names is None:
            names = sorted(m)
        stack = np.stack([m[k] for k in names])  # (M, n, Y)
        c_lo, c_hi, c_sum = stack.min(axis=1), stack.max(axis=1), stack.sum(axis=1)
        if lo is None:
            lo, hi, total = c_lo, c_hi, c_sum
        else:
            lo, hi, total = np.minimum(lo, c_lo), np.maximum(hi, c_hi), total + c_sum
    return names, lo, hi, total


def _pass2(scenario, draws, ranges, names, lo, hi) -> np.ndarray:
    """Histogram counts (M, Y, BINS) over the draws of several chunks."""
    width = np.where(hi > lo, hi - lo, 1.0)
    m_count, y_count = lo.shape
    counts = np.zeros(m_count * y_count * BINS, dtype=np.int64)
    offsets = (np.arange(m_count * y_count) * BINS).reshape(m_count, 1, y_count)
    for start, stop in ranges:
        m = _chunk_metrics(scenario, draws, start, stop)
        stack = np.stack([m[k] for k in names])  # (M, n, Y)
        idx = ((stack - lo[:, None, :]) / width[:, None, :] * BINS).astype(np.int64)
        np.clip(idx, 0, BINS - 1, out=idx)
        idx += offsets
        counts += np.bincount(idx.ravel(), minlength=counts.size)
        del stack, idx, m
    return counts.reshape(m_count, y_count, BINS)


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


@dataclass
class StreamedSummary:
    summary: pd.DataFrame
    max_quantile_error: pd.Series  # per metric: the largest (max - min) / BINS over years


def summarize_streaming(
    scenario: Scenario,
    draws: Draws,
    *,
    chunk_size: int = 5000,
    workers: int = 1,
    scheduler: str | None = None,
    progress: Callable[[int], None] | None = None,
) -> StreamedSummary:
    """The same table as :func:`~talentsim.results.summarize`, in bounded memory.

    Each task covers :data:`CHUNKS_PER_TASK` consecutive chunks and returns only its
    statistics, so little crosses between processes. The grouping depends on the draws and the
    chunk size only, never on the number of workers, so the floating-point sums (and every
    output) are identical for one worker, K workers or a cluster.
    """
    chunks = chunk_bounds(draws.n_draws, chunk_size)
    ranges = [chunks[i : i + CHUNKS_PER_TASK] for i in range(0, len(chunks), CHUNKS_PER_TASK)]

    def sizes(rs):
        return sum(b - a for a, b in rs)

    names = lo = hi = total = None
    for rs, (n_, lo_, hi_, tot_) in zip(ranges, run_tasks(_pass1, [(scenario, draws, rs) for rs in ranges],
                                                          workers=workers, scheduler=scheduler)):
        if names is None:
            names, lo, hi, total = n_, lo_, hi_, tot_
        else:
            lo, hi, total = np.minimum(lo, lo_), np.maximum(hi, hi_), total + tot_
        if progress:
            progress(sizes(rs))
    counts = None
    for rs, c in zip(ranges, run_tasks(_pass2, [(scenario, draws, rs, names, lo, hi) for rs in ranges],
                                       workers=workers, scheduler=scheduler)):
        counts = c if counts is None else counts + c
        if progress:
            progress(sizes(rs))
    n = draws.n_draws
    years = np.asarray(scenario.years)
    cum = np.cumsum(counts, axis=-1)
    q = {f"p{round(p * 100):02d}": histogram_quantile(counts, lo, hi, p, cum) for p in QUANTILES}
    for p in SE_QUANTILES:
        s = np.sqrt(p * (1 - p) / n)
        q[f"se_p{round(p * 100):02d}"] = (histogram_quantile(counts, lo, hi, min(p + s, 1.0), cum)
                                          - histogram_quantile(counts, lo, hi, max(p - s, 0.0), cum)) / 2
    frames = []
    for i, name in enumerate(names):
        frames.append(pd.DataFrame({
            "scenario": scenario.name, "metric": name, "year": years, "mean": total[i] / n,
            **{k: v[i] for k, v in q.items()},
        }))
    summary = describe(pd.concat(frames, ignore_index=True))[SUMMARY_COLUMNS]
    error = pd.Series(((hi - lo) / BINS).max(axis=1), index=names, name="max_quantile_error")
    return StreamedSummary(summary, error)


def draws_writers(scenario: Scenario, draws: Draws, chunk_size: int) -> dict[str, Callable]:
    """Writers for ``draws.parquet`` and ``initial.parquet`` that re-simulate chunk by chunk and
    append row groups, so per-draw files of any size are written in bounded memory."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from ..results import Run
    from .cohort import simulate_chunk

    def write(path, which: str) -> None:
        writer = None
        try:
            for start, stop in chunk_bounds(draws.n_draws, chunk_size):
                metrics, initial = simulate_chunk(scenario, draws, start, stop)
                if which == "draws":
                    frame = Run(scenario.name, np.asarray(scenario.years), metrics).to_wide()
                    frame["draw"] += start
                else:
                    frame = pd.DataFrame({"draw": np.arange(start, stop), **initial})
                table = pa.Table.from_pandas(frame, preserve_index=False)
                if writer is None:
                    writer = pq.ParquetWriter(path, table.schema)
                writer.write_table(table)
        finally:
            if writer is not None:
                writer.close()

    return {"draws.parquet": lambda p: write(p, "draws"), "initial.parquet": lambda p: write(p, "initial")}
