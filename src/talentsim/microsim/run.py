"""Running the microsimulation: draws (in worker processes if asked), the Run and the extra
frames it returns, and its agreement with the cohort engine."""

from __future__ import annotations

import math
import numbers
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import simpy

from ..results import Run
from ..sampling import Draws, RNGLike, seed_of, stream_key
from ..scenario.schema import Scenario
from .inputs import DrawInputs
from .people import ABROAD, DEFAULT_SCALE, DISTRIBUTION_COLUMNS, IN_AI, STUDYING, TRACKING_COLUMNS
from .world import World

_SEED_KEY = stream_key("microsim")


@dataclass
class MicroResult:
    """What :func:`simulate_microsim` returns.

    run : :class:`~talentsim.results.Run` with the cohort engine's metrics, (draw, year) each,
        plus ``seat_wait_years`` (and ``_master`` / ``_phd``): mean years admitted domestic
        applicants waited for their place (0 when nobody was admitted)
    distributions : tidy frame ``draw, kind, value_years, count`` (count in people, agents x
        scale) for the kinds ``time_to_degree_bachelor|master|phd`` (graduations in horizon
        years, study years incl. service), ``seat_wait_master|phd`` (admissions in horizon
        years), ``career_length`` (spells in Korean AI work that began in the horizon and ended
        by emigration, attrition or retirement) and ``career_length_censored`` (spells still
        running at the horizon's end, length so far)
    cohort_tracking : ``entry_year, after_years, in_korean_ai, abroad, elsewhere, in_education,
        entrants``: of the AI-track entrants of ``entry_year`` (horizon years only), the shares
        at the end of year ``entry_year + after_years - 1`` in Korean AI work, abroad
        (emigrated or left to study/work abroad) and elsewhere (= 1 - the two; of which
        ``in_education`` still studying or waiting for a place), averaged over draws;
        ``entrants`` is the mean entry cohort in people
    scale : people per agent
    events, seconds, agents : per draw, SimPy events scheduled, wall time and agents created
    """

    run: Run
    distributions: pd.DataFrame
    cohort_tracking: pd.DataFrame
    scale: float
    events: np.ndarray
    seconds: np.ndarray
    agents: np.ndarray


# ---------------------------------------------------------------------------------- results
def _draw_metrics(w: World) -> dict[str, np.ndarray]:
    """(Y_horizon,) per metric, in people."""
    h, k = slice(w.first_live, None), w.k
    out = {name: np.asarray(v, dtype=float) for name, v in w.series.items()}
    for name, values in w.f.items():
        out[name] = np.asarray(values[h], dtype=float) * k
    for r, name in enumerate(w.region_names):
        out[f"emigration_{name}"] = np.asarray(w.emig_region[r][h], dtype=float) * k
        out[f"returnees_{name}"] = np.asarray(w.returns_r[r][h], dtype=float) * k
        out[f"diaspora_retirement_{name}"] = np.asarray(w.dias_retire[r][h], dtype=float) * k
    waits: np.ndarray | int = 0
    admitted: np.ndarray | int = 0
    ai_keys = {"applicants_ai": "applicants_ai_graduate_schools", "intake_ai": "intake_ai_graduate_schools",
               "grads_ai": "grads_ai_graduate_schools", "dropouts_ai": "dropouts_ai_graduate_schools",
               "places_held_ai": "enrolled_ai_graduate_schools", "stock_ai": "stock_ai_graduate_schools",
               "intake_international": "international_intake"}
    for name in ai_keys.values():
        out[name] = np.asarray(0.0)  # 0-d: the sums below broadcast it to (Y,)
    for prog, label in ((w.master, "master"), (w.phd, "phd")):
        c = {key: np.asarray(v[h], dtype=float) for key, v in prog.c.items()}
        for key in ("applicants", "reapplicants", "intake_domestic", "intake_international", "intake_outside",
                    "waitlist", "unplaced_leavers", "grads_domestic", "grads_international",
                    "dropouts", "enrolled"):
            out[f"{key}_{label}"] = c[key] * k
        for key, name in ai_keys.items():
            out[name] = out[name] + c[key] * k
        out[f"grads_{label}"] = (c["grads_domestic"] + c["grads_international"]) * k
        wait = np.asarray(prog.wait_sum[h], dtype=float)
        # waits of admitted applicants from the pipeline (those from outside it never wait)
        from_pipeline = c["intake_domestic"] - c["intake_outside"]
        out[f"seat_wait_years_{label}"] = wait / np.maximum(from_pipeline, 1)
        waits, admitted = waits + wait, admitted + from_pipeline
    out["seat_wait_years"] = waits / np.maximum(admitted, 1)
    out.update(w.x.fixed)
    return out


def _draw_distributions(w: World, d: int) -> list[tuple[int, str, int, float]]:
    rows = []
    for q, counts in w.ttd.items():
        rows += [(d, f"time_to_degree_{q}", v, c * w.k) for v, c in sorted(counts.items())]
    for q, counts in w.wait.items():
        rows += [(d, f"seat_wait_{q}", v, c * w.k) for v, c in sorted(counts.items())]
    rows += [(d, "career_length", v, c * w.k) for v, c in sorted(w.careers.items()) if c]
    last = w.n_years - 1
    censored: Counter = Counter()
    for start, c in w.spells.items():
        if start >= w.first_live and c:
            censored[last - start + 1] += c
    rows += [(d, "career_length_censored", v, c * w.k) for v, c in sorted(censored.items())]
    return rows


def _tracking_frame(per_draw: list[dict], first_year: int, scale: float) -> pd.DataFrame:
    keys = sorted(set().union(*per_draw)) if per_draw else []
    rows = []
    for e, after in keys:
        counts = np.array([draw[(e, after)] for draw in per_draw if (e, after) in draw], dtype=float)
        total = counts.sum(axis=1)
        ok = total > 0
        if not ok.any():
            continue
        shares = counts[ok] / total[ok, None]
        in_ai, abroad, studying = shares[:, IN_AI].mean(), shares[:, ABROAD].mean(), shares[:, STUDYING].mean()
        rows.append((first_year + e, after, in_ai, abroad, 1.0 - in_ai - abroad, studying,
                     total.mean() * scale))
    frame = pd.DataFrame(rows, columns=TRACKING_COLUMNS)
    return frame.sort_values(["after_years", "entry_year"], ignore_index=True)


def draw_seed(seed: int, draw: int) -> np.random.SeedSequence:
    """The seed sequence of draw ``draw``'s agent randomness: independent of which other draws
    are run, and of the input streams (which use other spawn keys)."""
    return np.random.SeedSequence(entropy=int(seed), spawn_key=(_SEED_KEY, int(draw)))


@dataclass
class _DrawOutput:
    """What one draw leaves behind (picklable, so draws can run in worker processes)."""

    metrics: dict[str, np.ndarray]
    initial: dict[str, float]
    distributions: list[tuple]
    tracking: dict[tuple[int, int], list[int]]
    events: int
    agents: int
    seconds: float


def _events_scheduled(env: simpy.Environment) -> int:
    """Events the environment has scheduled (SimPy's event-id counter; -1 if unavailable)."""
    counter = getattr(env, "_eid", None)
    return next(counter) if counter is not None else -1


def _run_draw(scenario: Scenario, draws: Draws, d: int, scale: float, seed: int) -> _DrawOutput:
    t0 = time.perf_counter()
    world = World(DrawInputs(scenario, draws, d), scale, np.random.default_rng(draw_seed(seed, d)))
    world.run()
    return _DrawOutput(
        metrics=_draw_metrics(world),
        initial=world.initial,
        distributions=_draw_distributions(world, d),
        tracking=world.tracked,
        events=_events_scheduled(world.env),
        agents=world.agents,
        seconds=time.perf_counter() - t0,
    )


def simulate_microsim(
    scenario: Scenario,
    draws: Draws,
    *,
    scale: float = DEFAULT_SCALE,
    rng: RNGLike | None = None,
    progress: Callable[[int], None] | None = None,
    jobs: int = 1,
) -> MicroResult:
    """Run every draw of ``draws`` through the individual-level engine.

    Parameters
    ----------
    scenario, draws : as for :func:`talentsim.simulate`; draw ``d`` uses exactly the inputs
        of draw ``d`` in the cohort engine.
    scale : people per agent (K > 0). The noise of a count of N people has sd ~ sqrt(N K).
    rng : agent randomness (an int, SeedSequence or Generator: :func:`talentsim.sampling.seed_of`);
        ``None`` takes ``draws.seed``. Draw ``d`` uses ``np.random.default_rng(draw_seed(seed, d))``,
        so results are reproducible and do not depend on the other draws run with it (nor on ``jobs``).
    progress : called with 1 after each draw.
    jobs : worker processes (draws are independent); 1 runs in this process. Workers are
        started with ``spawn``: call from a script under ``if __name__ == "__main__":`` or
        from an interactive session, not from code piped to ``python -``.

    Returns
    -------
    MicroResult : ``run`` with metrics (draw, year) in people, ``distributions``,
        ``cohort_tracking``, per-draw ``events``, ``agents`` and ``seconds``.
    """
    if isinstance(scale, bool) or not isinstance(scale, numbers.Real) or not (math.isfinite(scale) and scale > 0):
        raise ValueError(f"scale must be a positive number of people per agent (got {scale!r})")
    seed = draws.seed if rng is None else seed_of(rng)
    if isinstance(jobs, bool) or not isinstance(jobs, numbers.Integral) or jobs < 1:
        raise ValueError(f"jobs must be a positive integer (got {jobs!r})")
    args = (scenario, draws, float(scale), int(seed))
    outputs: list[_DrawOutput] = []
    if jobs == 1 or draws.n_draws == 1:
        for d in range(draws.n_draws):
            outputs.append(_run_draw(scenario, draws, d, *args[2:]))
            if progress is not None:
                progress(1)
    else:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        # spawn, not fork: forking a process with BLAS threads is unsafe (and warns from 3.12)
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=min(jobs, draws.n_draws), mp_context=context) as pool:
            futures = [pool.submit(_run_draw, scenario, draws, d, *args[2:]) for d in range(draws.n_draws)]
            for future in futures:
                outputs.append(future.result())
                if progress is not None:
                    progress(1)
    names = sorted(outputs[0].metrics)
    run = Run(
        scenario=scenario.name,
        years=np.asarray(scenario.years),
        metrics={name: np.stack([o.metrics[name] for o in outputs]) for name in names},
        initial={key: np.array([o.initial[key] for o in outputs]) for key in outputs[0].initial},
        method=draws.method,
        seed=draws.seed,
        draws=draws,
    )
    rows = [row for o in outputs for row in o.distributions]
    return MicroResult(
        run=run,
        distributions=pd.DataFrame(rows, columns=DISTRIBUTION_COLUMNS),
        cohort_tracking=_tracking_frame([o.tracking for o in outputs], scenario.sim_years[0], float(scale)),
        scale=float(scale),
        events=np.array([o.events for o in outputs]),
        seconds=np.array([o.seconds for o in outputs]),
        agents=np.array([o.agents for o in outputs]),
    )


def micro_files(result: MicroResult) -> dict[str, Any]:
    """Writers of the microsim's extra files, ``{name: writer(path)}`` for
    :func:`talentsim.results.write_atomic_dir`: ``distributions.csv``, ``cohort_tracking.csv``."""
    fmt = "%.8g"
    return {
        "distributions.csv": lambda p: result.distributions.to_csv(p, index=False, float_format=fmt),
        "cohort_tracking.csv": lambda p: result.cohort_tracking.to_csv(p, index=False, float_format=fmt),
    }


#: metrics checked against the cohort engine (tests, docs/microsim.md)
KEY_METRICS = ("ai_track_entrants", "grads_bachelor", "grads_master", "grads_phd", "enrolled_master",
               "enrolled_ai_graduate_schools", "international_intake",
               "ai_workforce", "emigration", "diaspora", "inflow_graduates")


def agreement(cohort: Run, micro: Run, metrics: tuple[str, ...] = KEY_METRICS) -> pd.DataFrame:
    """Mean trajectories of two runs on the same draws, per metric and year.

    Columns ``metric, year, cohort_mean, micro_mean, difference, se, z``: ``se`` is the
    standard error of the mean per-draw difference (micro - cohort; the draws' inputs are
    shared, so the difference is the microsim's Monte Carlo noise plus any bias), ``z`` the
    difference in standard errors.
    """
    if cohort.n_draws != micro.n_draws or list(cohort.years) != list(micro.years):
        raise ValueError("the runs must have the same draws and years "
                         f"(got {cohort.n_draws} vs {micro.n_draws} draws)")
    frames = []
    n = micro.n_draws
    for name in metrics:
        diff = micro[name] - cohort[name]
        se = diff.std(axis=0, ddof=1) / math.sqrt(n) if n > 1 else np.full(diff.shape[1], np.nan)
        mean = diff.mean(axis=0)
        exact = np.abs(diff).max(axis=0) <= 1e-9 * np.maximum(np.abs(cohort[name]).max(axis=0), 1.0)
        mean, se = np.where(exact, 0.0, mean), np.where(exact, 0.0, se)
        frames.append(pd.DataFrame({
            "metric": name, "year": cohort.years, "cohort_mean": cohort[name].mean(axis=0),
            "micro_mean": micro[name].mean(axis=0), "difference": mean, "se": se,
            "z": np.divide(mean, se, out=np.zeros_like(mean), where=se > 0),
        }))
    return pd.concat(frames, ignore_index=True)
