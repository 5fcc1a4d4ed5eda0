"""What the agents of the microsimulation live in: the clock (ticks of a tenth of a year and the
order of the events of a year), their states, and the graduate programmes' seats."""

from __future__ import annotations

from typing import TYPE_CHECKING

import simpy

if TYPE_CHECKING:  # pragma: no cover
    from .inputs import ProgrammeData
    from .state import WorldState
    from .world import World


#: people per agent by default: one baseline draw (2004-2050) takes ~7 s (docs/microsim.md)
DEFAULT_SCALE = 10.0
#: entry cohorts are followed this many years after enrolling (cohort_tracking.csv)
TRACK_AFTER = (5, 10, 15)
#: columns of :attr:`MicroResult.distributions` and :attr:`MicroResult.cohort_tracking`
DISTRIBUTION_COLUMNS = ["draw", "kind", "value_years", "count"]
TRACKING_COLUMNS = ["entry_year", "after_years", "in_korean_ai", "abroad", "elsewhere",
                    "in_education", "entrants"]

# Time runs in ticks of a tenth of a year; year index i (0 = first simulated year) spans ticks
# [10 i, 10 i + 10). Events of a year happen in the cohort engine's order:
TICKS = 10
MARKET = 0  # premium, take-up and hazards from last year's state; entrants and arrivals appear
ADMIT = 1  # admission rounds (international students first, then domestic applicants)
WORK = 2  # workforce outflows and ageing (start-of-year stock); diaspora returns
STUDY = 8  # end of the study year: dropouts, graduations, destinations (new AI workers join)
RECORD = 9  # end-of-year stocks; the shortage rate that drives next year's market

STUDYING, IN_AI, ABROAD, ELSEWHERE = range(4)  # states of a tracked entrant
BACHELOR, MASTER, PHD = range(3)
INITIAL_STOCK = -2  # entry marker of the initial stocks (untracked, careers left-truncated)
#: kinds of AI-job candidates in the yearly hiring round (microsim/labour.py)
GRADUATE, RESKILLED, IMMIGRANT, FOREIGN_GRADUATE, RETURNEE, RECALL = range(6)
NEW_APPLICANT = 1 << 30  # sort key of first-time applicants: after everyone already waiting

class Seats(simpy.Resource):
    """A :class:`simpy.Resource` whose capacity (places, in agents) can change every year.

    Lowering it below the places in use evicts nobody; new requests wait (or are cancelled).
    """

    _capacity: int  # whole agents (simpy.Resource allows a float)

    def __init__(self, env: simpy.Environment):
        super().__init__(env, 1)
        self._capacity = 0

    @property
    def capacity(self) -> int:
        return self._capacity

    @capacity.setter
    def capacity(self, value: int) -> None:
        self._capacity = int(value)
        self._trigger_put(None)


# ---------------------------------------------------------------------------------- agents
class GraduateProgramme:
    """A graduate programme in the simulation: its seats resource, applicants and counters."""

    def __init__(self, world: World, data: ProgrammeData, qual: int):
        self.data, self.qual = data, qual
        self.seats = Seats(world.env)  # the other (applicant-bound) programmes
        self.ai_seats = Seats(world.env)  # the AI graduate schools (seat-bound)
        # (year of first application, or NEW_APPLICANT for a first application; tie-break; decision)
        self.pending: list[tuple[int, float, simpy.Event]] = []
        self.hazard = list(data.hazard)  # PhD: lowered by fellowships each year
        self.p_ai = [0.0] * world.n_years  # graduates' AI-job probability, set by the market
        self.p_ai_school = [0.0] * world.n_years  # the same for AI graduate-school graduates
        n = world.n_years
        self.c = {key: [0] * n for key in (
            "applicants", "reapplicants", "intake_domestic", "intake_international", "waitlist",
            "unplaced_leavers", "grads_domestic", "grads_international", "dropouts",
            "applicants_ai", "intake_ai", "intake_outside", "grads_ai", "dropouts_ai", "places_held_ai", "stock_ai")}
        self.c["enrolled"] = [0] * n
        self.wait_sum = [0] * n
        self.intl_holding = 0  # international students holding a place now

    def apply(self, world: WorldState, first: int | None) -> simpy.Event:
        """Join the next admission round; the event's value is a granted request or None."""
        decision = world.env.event()
        self.pending.append((NEW_APPLICANT if first is None else first, world.u(), decision))
        return decision
