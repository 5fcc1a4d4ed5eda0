"""Run results: arrays shaped (draw, year) per metric, tidy frames, quantile summaries, and
writing a results directory (all or nothing, see :mod:`talentsim.outdir`).
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .metrics import METRICS as METRICS
from .metrics import describe
from .metrics import unit_of as unit_of
from .outdir import write_atomic_dir  # the folder writer lives in talentsim.outdir
from .sampling import Draws

QUANTILES = (0.05, 0.25, 0.50, 0.75, 0.95)
SE_QUANTILES = (0.05, 0.50, 0.95)
SUMMARY_COLUMNS = [
    "scenario", "metric", "unit", "description", "year", "mean", "p05", "p25", "p50", "p75", "p95",
    "se_p05", "se_p50", "se_p95",
]

#: the metric registry (unit, description, plain label, dims) lives in :mod:`talentsim.metrics`;
#: ``METRICS`` and ``unit_of`` are re-exported here for the modules that import them from results


@dataclass
class Run:
    """A simulated study: per-metric arrays shaped (draw, year) over the horizon years.

    ``initial`` holds end-of-year stocks of the year before the horizon, (draw,) each.
    ``draws`` is the design the run was simulated on; :attr:`inputs` reads the input values of
    every draw from it (or from ``inputs.parquet`` for a run read back with :func:`read_run`).

    >>> run.keys()[:2]
    ['admission_quota', 'ai_track_entrants']
    >>> run.to_xarray()["ai_workforce"].median("draw").sizes
    Frozen({'year': 27})
    """

    scenario: str
    years: np.ndarray
    metrics: dict[str, np.ndarray]
    initial: dict[str, np.ndarray] = field(default_factory=dict)
    method: str = "mc"
    seed: int = 0
    draws: Draws | None = field(default=None, repr=False)
    input_values: pd.DataFrame | None = field(default=None, repr=False)

    @property
    def n_draws(self) -> int:
        return next(iter(self.metrics.values())).shape[0]

    def __getitem__(self, metric: str) -> np.ndarray:
        return self.metrics[metric]

    def keys(self) -> list[str]:
        """The metric names, sorted."""
        return sorted(self.metrics)

    @property
    def inputs(self) -> pd.DataFrame:
        """The uncertain inputs of every draw: column ``draw`` and one column per input, named by
        its field path (``education.entry_rate``). Empty of inputs if the run has no design."""
        if self.input_values is None:
            self.input_values = (inputs_frame(self.draws) if self.draws is not None
                                 else pd.DataFrame({"draw": np.arange(self.n_draws)}))
        return self.input_values

    def to_wide(self) -> pd.DataFrame:
        """One row per draw and year; columns ``draw, year`` and one per metric."""
        n, y = self.n_draws, self.years.size
        cols: dict[str, Any] = {
            "draw": np.repeat(np.arange(n), y),
            "year": np.tile(self.years, n),
        }
        for name in sorted(self.metrics):
            cols[name] = self.metrics[name].reshape(-1)
        return pd.DataFrame(cols)

    def to_frame(self) -> pd.DataFrame:
        """Tidy long table: ``scenario, metric, draw, year, value``."""
        wide = self.to_wide()
        long = wide.melt(id_vars=["draw", "year"], var_name="metric", value_name="value")
        long.insert(0, "scenario", self.scenario)
        return long[["scenario", "metric", "draw", "year", "value"]]

    def to_xarray(self):
        """An ``xarray.Dataset``: one variable per metric with dims (draw, year) and attributes
        ``unit``, ``description`` and ``label``; each uncertain input is a coordinate along
        ``draw``, so ``ds.where(ds["education.entry_rate"] > 0.3)`` selects draws by input.
        Needs the optional dependency ``pip install 'talentsim[xarray]'``."""
        try:
            import xarray as xr
        except ImportError as exc:  # pragma: no cover - depends on the environment
            raise ImportError("Run.to_xarray needs xarray: pip install 'talentsim[xarray]'") from exc
        inputs = self.inputs.sort_values("draw")
        coords: dict[str, Any] = {"draw": np.arange(self.n_draws), "year": np.asarray(self.years)}
        for name in inputs.columns.drop("draw"):
            coords[name] = ("draw", inputs[name].to_numpy())
        data = {}
        for name in self.keys():
            entry = METRICS.get(name)
            attrs = {"unit": entry.unit, "description": entry.description, "label": entry.label} if entry else {}
            data[name] = xr.Variable(("draw", "year"), self.metrics[name], attrs=attrs)
        return xr.Dataset(data, coords=coords,
                          attrs={"scenario": self.scenario, "method": self.method, "seed": self.seed})


def inputs_frame(draws: Draws, start: int = 0, stop: int | None = None) -> pd.DataFrame:
    """Input values of draws ``start:stop``: column ``draw`` and one column per input."""
    stop = draws.n_draws if stop is None else stop
    values = draws.chunk(start, stop) if draws.inputs else {}
    return pd.DataFrame({"draw": np.arange(start, stop), **{name: values[name] for name in draws.names}})


def write_parquet_chunks(path, frames) -> None:
    """Write an iterable of frames (same columns; pandas DataFrames or pyarrow Tables) to one
    Parquet file, one row group each, so a file of any size is written in bounded memory."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    writer = None
    try:
        for frame in frames:
            table = frame if isinstance(frame, pa.Table) else pa.Table.from_pandas(frame, preserve_index=False)
            if writer is None:  # no dictionary for float columns: all values differ (3x faster writes)
                keys = [f.name for f in table.schema if not pa.types.is_floating(f.type)]
                # pyarrow takes a list of column names here; pyarrow-stubs only know the bool form
                writer = pq.ParquetWriter(path, table.schema, use_dictionary=keys)  # type: ignore[arg-type]
            writer.write_table(table)
    finally:
        if writer is not None:
            writer.close()


def _inputs_table(draws: Draws, start: int, stop: int, values: Mapping[str, np.ndarray] | None = None):
    """The columns of :func:`inputs_frame` as an Arrow table straight from the arrays (through
    pandas it cost ~4x the Parquet encoding); ``values`` are draws.chunk(start, stop) if known."""
    import pyarrow as pa

    if values is None:
        values = draws.chunk(start, stop) if draws.inputs else {}
    columns = {"draw": pa.array(np.arange(start, stop))}
    columns.update((name, pa.array(values[name])) for name in draws.names)
    return pa.table(columns)


def inputs_writer(draws: Draws, chunk_size: int = 5000):
    """A writer ``write(path, stop=None)`` of ``inputs.parquet`` that computes and appends the
    inputs chunk by chunk (bounded memory for any number of draws), for :func:`write_atomic_dir`
    or :class:`~talentsim.outdir.BackgroundFile` (it stops early, raising ``InterruptedError``,
    once the event ``stop`` is set)."""

    def frames(stop):
        for start in range(0, draws.n_draws, chunk_size):
            if stop is not None and stop.is_set():
                raise InterruptedError("inputs.parquet: stopped")
            yield _inputs_table(draws, start, min(start + chunk_size, draws.n_draws))

    def write(path, stop=None) -> None:
        write_parquet_chunks(path, frames(stop))

    return write


class InputsFeed:
    """``inputs.parquet`` from the input values an in-process engine pass computes anyway.

    The pass calls :meth:`put` with each chunk's ``draws.chunk(start, stop)`` (in any order, any
    number of times); the writer (:meth:`writer`, run in a
    :class:`~talentsim.outdir.BackgroundFile` thread) appends them in draw order and samples any
    draws the feed skipped itself, so the file is the same as :func:`inputs_writer`'s whatever
    the pass delivers. Sampling the inputs a second time in a thread beside the pass cost more
    than the sampling: the thread's Python work held the interpreter lock the pass was waiting
    for. The queue holds at most ``depth`` chunks; :meth:`close` ends the feed."""

    def __init__(self, draws: Draws, chunk_size: int = 5000, depth: int = 2):
        import queue

        self.draws, self.chunk_size = draws, chunk_size
        self._queue: queue.Queue = queue.Queue(maxsize=depth)
        self._full = queue.Full
        self._empty = queue.Empty
        self.done = False  # set by the writer when it stops (finished, stopped or failed)

    def put(self, start: int, stop: int, values: Mapping[str, np.ndarray]) -> None:
        self._put((start, stop, {name: values[name] for name in self.draws.names}))

    def close(self) -> None:
        self._put((-1, -1, {}))  # the end of the feed

    def _put(self, item) -> None:
        while not self.done:  # a writer that stopped takes nothing more: the item is dropped
            try:
                self._queue.put(item, timeout=0.2)
                return
            except self._full:
                continue

    def writer(self):
        """``write(path, stop)`` for :class:`~talentsim.outdir.BackgroundFile`."""

        def tables(stop):
            done = 0  # draws written

            def sampled(upto: int):  # draws the feed skipped: sampled here
                nonlocal done
                while done < upto:
                    end = min(done + self.chunk_size, upto)
                    yield _inputs_table(self.draws, done, end)
                    done = end

            while True:
                if stop is not None and stop.is_set():
                    raise InterruptedError("inputs.parquet: stopped")
                try:
                    start, end, values = self._queue.get(timeout=0.2)
                except self._empty:
                    continue
                if start < 0:
                    break
                if end <= done:
                    continue  # already written
                yield from sampled(start)
                if start == done:
                    yield _inputs_table(self.draws, start, end, values)
                    done = end
            yield from sampled(self.draws.n_draws)

        def write(path, stop=None) -> None:
            try:
                write_parquet_chunks(path, tables(stop))
            finally:
                self.done = True

        return write


def read_run(results_dir: str | os.PathLike) -> Run:
    """Read a run back from a results directory written with its draws (``draws.parquet``,
    ``inputs.parquet``, ``initial.parquet`` and ``manifest.json``)."""
    root = Path(results_dir)
    if not (root / "draws.parquet").is_file():
        raise FileNotFoundError(f"{root}: no draws.parquet (was the run written with --no-draws?)")
    manifest = json.loads((root / "manifest.json").read_text()) if (root / "manifest.json").is_file() else {}
    wide = pd.read_parquet(root / "draws.parquet").sort_values(["draw", "year"])
    years = np.sort(wide["year"].unique())
    n = wide["draw"].nunique()
    metrics = {c: wide[c].to_numpy().reshape(n, years.size) for c in wide.columns if c not in ("draw", "year")}
    initial = {}
    if (root / "initial.parquet").is_file():
        init = pd.read_parquet(root / "initial.parquet").sort_values("draw")
        initial = {c: init[c].to_numpy() for c in init.columns if c != "draw"}
    inputs = pd.read_parquet(root / "inputs.parquet") if (root / "inputs.parquet").is_file() else None
    return Run(scenario=manifest.get("scenario", root.name), years=years, metrics=metrics, initial=initial,
               method=manifest.get("sampling", "mc"), seed=manifest.get("seed", 0), input_values=inputs)


def quantile_se(values: np.ndarray, p: float, axis: int = 0) -> np.ndarray:
    """Standard error of the sample ``p``-quantile over ``axis`` (distribution-free).

    The number of draws below the true quantile is Binomial(n, p), so the sample quantiles at
    p -/+ sqrt(p (1 - p) / n) bracket it by about one standard error each side:
    se = (Q(p + s) - Q(p - s)) / 2, s = sqrt(p (1 - p) / n). It assumes independent draws, so it
    is conservative for Latin-hypercube and Sobol designs.
    """
    n = values.shape[axis]
    s = np.sqrt(p * (1 - p) / n)
    lo, hi = np.quantile(values, [max(p - s, 0.0), min(p + s, 1.0)], axis=axis)
    return (hi - lo) / 2


def summarize(run: Run | pd.DataFrame) -> pd.DataFrame:
    """Per metric and year: mean, the 5, 25, 50, 75 and 95 % quantiles over draws, and the
    standard errors of the 5, 50 and 95 % quantiles (:func:`quantile_se`).

    Accepts a :class:`Run` or its tidy frame (``Run.to_frame()``); columns
    ``scenario, metric, unit, description, year, mean, p05, p25, p50, p75, p95, se_p05, se_p50, se_p95``.
    """
    if isinstance(run, pd.DataFrame):
        frames = []
        for (scenario, metric), group in run.groupby(["scenario", "metric"], sort=True):
            wide = group.pivot(index="draw", columns="year", values="value")
            frames.append(_summary_frame(str(scenario), str(metric), wide.columns.to_numpy(), wide.to_numpy()))
    else:
        frames = [_summary_frame(run.scenario, name, run.years, run.metrics[name]) for name in sorted(run.metrics)]
    return describe(pd.concat(frames, ignore_index=True))[SUMMARY_COLUMNS]


def _summary_frame(scenario: str, metric: str, years: np.ndarray, arr: np.ndarray) -> pd.DataFrame:
    qs = np.quantile(arr, QUANTILES, axis=0)
    return pd.DataFrame(
        {
            "scenario": scenario,
            "metric": metric,
            "year": years,
            "mean": arr.mean(axis=0),
            **{f"p{round(q * 100):02d}": qs[j] for j, q in enumerate(QUANTILES)},
            **{f"se_p{round(q * 100):02d}": quantile_se(arr, q) for q in SE_QUANTILES},
        }
    )


def sha256_of(path: str | os.PathLike) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def write_run(
    run: Run,
    out_dir: str | os.PathLike,
    manifest: dict,
    *,
    draws: bool = True,
    summary: pd.DataFrame | None = None,
    extra: Mapping[str, Callable[[Path], Any]] | None = None,
) -> Path:
    """Write ``summary.csv``, ``inputs.parquet``, ``manifest.json`` and, unless ``draws=False``,
    ``draws.parquet`` and ``initial.parquet``, plus ``extra`` files ({name: writer(path)}), all
    in one atomic folder."""
    summary = summarize(run) if summary is None else summary
    files: dict[str, Any] = {
        "summary.csv": lambda p: summary.to_csv(p, index=False, float_format="%.8g"),
        "manifest.json": lambda p: p.write_text(json.dumps(manifest, indent=2, default=str) + "\n"),
        "inputs.parquet": lambda p: run.inputs.to_parquet(p, index=False),
    }
    if draws:
        files["draws.parquet"] = lambda p: run.to_wide().to_parquet(p, index=False)
        # end-of-year stocks of the year before the horizon, so the first year's identities
        # can be checked from the files too
        initial = pd.DataFrame({"draw": np.arange(run.n_draws), **run.initial})
        files["initial.parquet"] = lambda p: initial.to_parquet(p, index=False)
    return write_atomic_dir(out_dir, {**files, **(extra or {})})
