"""The state the life-event mixins (:mod:`.education`, :mod:`.labour`) read and write, declared
for the type checker: :class:`~.world.World` sets every attribute in its ``__init__`` and defines
the helpers, and inherits this class through the mixins.

Nothing here runs: the class body holds annotations only (no values, no methods at run time),
so the mixins' attribute look-ups and the order of the events are exactly those of ``World``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Generator
from typing import TYPE_CHECKING, Any

import numpy as np
import simpy

if TYPE_CHECKING:  # pragma: no cover
    from .inputs import DrawInputs
    from .people import GraduateProgramme

    class Clock(simpy.Environment):
        """A SimPy environment whose clock reads whole ticks: every timeout of the
        microsimulation is an ``int`` number of ticks (people.TICKS a year), so ``now // TICKS``
        is a year index."""

        @property
        def now(self) -> int: ...
else:
    Clock = simpy.Environment

#: what a SimPy process of the microsimulation is: yields events, gets their values back
Process = Generator[simpy.Event, Any, Any]


class WorldState:
    """Attributes of one draw's :class:`~.world.World` (agents, per-year lists indexed by the year
    index ``i``, counts in agents); see ``World.__init__`` for their meaning."""

    # inputs, scale (people per agent), random numbers, clock
    x: DrawInputs
    k: float
    rng: np.random.Generator
    env: Clock
    n_years: int
    first_live: int
    master: GraduateProgramme
    phd: GraduateProgramme
    entry_band: dict[str, int]
    last_band: int
    mult: list[list[list[float]]]  # (origin, Q, B) emigration multipliers
    # state read by agents, refreshed by the market each year
    p_ai_b: list[float]
    p_emig: list[list[list[float]]]
    region_cum: list[float]
    attr: float
    p_age: float
    rho: list[float]
    recall: float
    decay: float
    reskilled: np.ndarray  # (1,) people converted from the engineers' pool this year
    outside: dict[int, np.ndarray]  # this year's outside applicants by programme (qualification)
    jobs: list[float]
    premium: np.ndarray
    year_values: dict[str, float]
    # live stocks (agents)
    n_ug: int
    work: list[int]
    n_foreign: int
    dias_r: list[int]
    latent: int
    seekers: list[tuple]
    active: dict[int, list]
    # flows per simulated year (agents), distributions and cohort tracking
    f: dict[str, list[int]]
    p_switch: list[float]
    p_leaver_ai: dict[int, list[float]]
    emig_region: list[list[int]]
    returns_r: list[list[int]]
    dias_retire: list[list[int]]
    vacancies: list[float]
    series: dict[str, list[float]]
    ttd: dict[str, Counter[int]]
    wait: dict[str, Counter[int]]
    careers: Counter[int]
    spells: Counter[int]

    if TYPE_CHECKING:  # pragma: no cover
        # World's helpers and the labour mixin's entry point the education mixin calls
        def u(self) -> float: ...
        def round(self, x: float) -> int: ...
        def move(self, entry: int, old: int, new: int) -> None: ...
        def start(self, gen: Process) -> None: ...
        def seek(self, kind: int, q: int, band: int, entry: int, *, origin: int = 0,
                 region: int = 0) -> Process: ...
