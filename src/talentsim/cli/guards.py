"""Workload guards: option values checked up front against memory and time estimates, so that
``--draws 1000000000000``, ``--workers 1000``, ``--scale 1e-9``, ``--scale nan``, ``--scheduler ''``
or ``--accept nan`` end at once in one line instead of after minutes or gigabytes.

The estimates are deliberately rough (a factor of two either way); they only have to tell a
feasible run from an absurd one.
"""

from __future__ import annotations

import math
import os

import click

#: seconds per draw of the cohort engine on one core (measured ~0.5 ms on the baseline; x2 margin)
COHORT_SECONDS_PER_DRAW = 1e-3
#: people the microsimulation follows per draw of the baseline (13,800 agents at 100 per agent)
MICRO_PEOPLE_PER_DRAW = 1.4e6
#: seconds per agent and draw of the microsimulation (3.3 s for 13,800 agents)
MICRO_SECONDS_PER_AGENT = 2.5e-4
#: the most agents one draw may hold (memory of SimPy processes)
MAX_AGENTS_PER_DRAW = 2_000_000
#: a run estimated to take longer than this is refused
MAX_SECONDS = 24 * 3600
#: bytes per draw and uncertain input while sampling (design, uniforms, values)
SAMPLE_BYTES = 3 * 8


def available_memory() -> int:
    """Bytes of physical memory available (total if unknown)."""
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return 8 << 30


def fail(message: str) -> None:
    from .errors import EXIT_INVALID

    click.echo(message, err=True)
    raise SystemExit(EXIT_INVALID)


def check_draws(n_draws: int, n_inputs: int, *, runs: int = 1, workers: int = 1, option: str = "--draws") -> None:
    """Refuse draw counts whose samples do not fit in memory or that would run for over a day."""
    need = n_draws * max(n_inputs, 1) * SAMPLE_BYTES
    have = available_memory()
    if need > have // 2:
        most = max(int(have // 2 // (max(n_inputs, 1) * SAMPLE_BYTES)), 1)
        fail(f"{option}: {n_draws:,} draws of {n_inputs} inputs need about {need / 2**30:.1f} GB to sample, "
             f"more than half the {have / 2**30:.1f} GB available; use {option} {most:,} or fewer")
    seconds = n_draws * runs * COHORT_SECONDS_PER_DRAW / max(workers, 1)
    if seconds > MAX_SECONDS:
        most = int(MAX_SECONDS * max(workers, 1) / (runs * COHORT_SECONDS_PER_DRAW))
        fail(f"{option}: {n_draws:,} draws would take about {seconds / 3600:,.0f} hours; use {option} {most:,} "
             "or fewer (or more --workers / a --scheduler)")


def cap_workers(workers: int) -> int:
    """``workers`` capped at the CPU count, with a note when it is."""
    cpus = os.cpu_count() or 1
    if workers > cpus:
        click.echo(f"note: --workers {workers} capped at {cpus}, the number of CPUs", err=True)
        return cpus
    return workers


def check_scheduler(scheduler: str | None) -> None:
    if scheduler is not None and not scheduler.strip():
        fail("--scheduler: give a Dask scheduler address such as tcp://host:8786 (got an empty string)")


def check_scale(scale: float | None, n_draws: int, workers: int = 1) -> None:
    """The microsimulation's people per agent: finite, positive, and not so small that a draw
    holds millions of agents."""
    if scale is None:
        return
    if not math.isfinite(scale) or scale <= 0:
        fail(f"--scale: must be a finite number > 0 (got {scale})")
    agents = MICRO_PEOPLE_PER_DRAW / scale
    if agents > MAX_AGENTS_PER_DRAW:
        fail(f"--scale: {scale:g} people per agent means about {agents:,.0f} agents per draw (limit "
             f"{MAX_AGENTS_PER_DRAW:,}); use --scale {MICRO_PEOPLE_PER_DRAW / MAX_AGENTS_PER_DRAW:g} or more")
    seconds = agents * MICRO_SECONDS_PER_AGENT * n_draws / max(workers, 1)
    if seconds > MAX_SECONDS:
        fail(f"--scale/--draws: {n_draws} microsimulation draws at {scale:g} people per agent would take about "
             f"{seconds / 3600:,.0f} hours; use fewer --draws or a larger --scale")


def check_fraction(value: float, option: str) -> None:
    if not math.isfinite(value) or not 0 < value <= 1:
        fail(f"{option}: must be a number in (0, 1] (got {value})")


def check_run_options(scenario, n_draws: int | None, workers: int, scheduler: str | None,
                      scale: float | None = None, runs: int = 1) -> int:
    """Every workload guard of ``run`` and ``compare``; returns the (capped) worker count."""
    from ..scenario.inputs import iter_dists

    check_scheduler(scheduler)
    workers = cap_workers(workers)
    n = scenario.sampling.draws if n_draws is None else n_draws
    check_draws(n, sum(1 for _ in iter_dists(scenario)), runs=runs, workers=workers)
    check_scale(scale, n, workers)
    return workers


def check_cohort_metric(scenario, metric: str, option: str = "--metric") -> None:
    """Refuse a metric only the microsimulation produces (the analyses run the cohort engine)."""
    from ..engine.cohort import simulate
    from ..sampling import sample_inputs

    probe = simulate(scenario, sample_inputs(scenario, n_draws=1, rng=0))
    if metric not in probe.metrics:
        fail(f"{option}: '{metric}' exists only in the microsimulation (run --engine microsim); this analysis "
             "runs the cohort engine")


def check_accepted(n_draws: int, accept: float) -> None:
    """Calibration keeps ``accept`` of ``n_draws``: at least 2 draws must survive."""
    check_fraction(accept, "--accept")
    if n_draws * accept < 2:
        fail(f"--accept: {accept:g} of {n_draws} draws keeps fewer than 2; raise --accept or --draws")
