"""Education pipeline: undergraduate cohorts with military service, capacity-limited
master's and PhD programmes, graduates' destinations. Arrays have a leading draw axis.

A :class:`Pipeline` holds students by group and study years completed, shape (n, G, K), stored
in Fortran order: the draw axis comes first but is the contiguous one in memory, so the sums
over groups and study years are additions of whole draw vectors (about 6x faster). In a
year, every enrolled student faces the dropout hazard h, then those who have completed their
course graduate; the rest move up one study year. With duration d (fractional allowed: a share
``d - floor(d)`` needs one more year) and completion rate c, h = 1 - c ** (1 / d).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..arrays import columns, rowsum


def finish_schedule(duration: np.ndarray, slots: int) -> np.ndarray:
    """P(finish at the end of study year k | enrolled then), k = 1..slots; shape (n, slots).

    >>> finish_schedule(np.array([2.0, 2.25]), 3)
    array([[0.  , 1.  , 1.  ],
           [0.  , 0.75, 1.  ]])
    """
    d = np.asarray(duration, dtype=float)[:, None]
    floor = np.floor(d)
    k = np.arange(1, slots + 1)[None, :]
    return np.asfortranarray(np.where(k < floor, 0.0, np.where(k == floor, 1.0 - (d - floor), 1.0)))


def dropout_hazard(completion: np.ndarray, duration: np.ndarray) -> np.ndarray:
    """Yearly dropout hazard giving ``completion`` over ``duration`` years."""
    return 1.0 - np.power(completion, 1.0 / duration)


@dataclass
class Pipeline:
    """Students in a programme by group (e.g. domestic / international) and years completed."""

    stock: np.ndarray  # (n, G, K) end-of-year students; slot k = k+1 study years completed

    @classmethod
    def empty(cls, n: int, groups: int, slots: int) -> Pipeline:
        return cls(np.zeros((n, groups, slots), order="F"))

    @property
    def total(self) -> np.ndarray:
        """Enrolled students, (n,)."""
        return rowsum(self.stock)

    def step(
        self, intake: np.ndarray, finish: np.ndarray, hazard: np.ndarray, held: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Advance one year.

        Parameters
        ----------
        intake : (n, G) new students this year (they study this year)
        finish : (n, G, K), or broadcastable to it, finishing probability by study year
            (see :func:`finish_schedule`); 1 in the last study year
        hazard : (n, G) yearly dropout hazard, or (n, 1) the same for every group
        held : (n, G) ``rowsum(stock, 2)``, the students before the year, if known

        Returns
        -------
        graduates, dropouts : (n, G) each. The stock changes by intake - graduates - dropouts.
        """
        stock = self.stock
        if held is None:
            held = rowsum(stock, 2)
        # the last slot is always empty after a step (finish == 1 there), so this year's
        # students are the intake and every student held: each stays with probability 1 - h
        # (one pass writing the moved-up stock) and the dropouts are h x (intake + held)
        stay = 1.0 - hazard
        studying = np.empty_like(stock)  # keeps the Fortran layout
        np.multiply(intake, stay, out=studying[:, :, 0])
        np.multiply(stock[:, :, :-1], stay[:, :, None], out=studying[:, :, 1:])
        graduating = studying * finish
        studying -= graduating
        self.stock = studying
        return rowsum(graduating, 2), hazard * (intake + held)


#: pipeline groups of a graduate :class:`Programme`
OPEN_DOMESTIC, OPEN_INTERNATIONAL, AI_SCHOOL = range(3)


@dataclass
class Programme:
    """A graduate stage (master's or PhD) of two kinds: the seat-bound AI graduate schools and the
    applicant-bound other programmes. One pipeline with groups [other programmes' domestic
    students, their international students, AI graduate-school students] plus one waiting list of
    domestic applicants who reapply next year."""

    pipeline: Pipeline
    waitlist: np.ndarray  # (n,)

    @classmethod
    def empty(cls, n: int, slots: int) -> Programme:
        return cls(Pipeline.empty(n, 3, slots), np.zeros(n))

    def enrolled(self, group: int) -> np.ndarray:
        """End-of-year students of one group, (n,)."""
        return rowsum(self.pipeline.stock[:, group, :])

    def step(
        self,
        new_applicants: np.ndarray,
        seats: np.ndarray,
        ai_seats: np.ndarray,
        ai_share: np.ndarray,
        outside_applicants: np.ndarray,
        international_applicants: np.ndarray,
        reapply_share: np.ndarray,
        finish: np.ndarray,
        hazard: np.ndarray,
    ) -> dict[str, np.ndarray]:
        """One year of admissions and study; every argument is (n,) except ``finish`` (n, K).

        applicants = new applicants + waiting list; a share ``ai_share`` applies to the AI
        graduate schools first, with ``outside_applicants`` from outside the AI-track pipeline
        (other fields, workers): ai intake = min(all their applicants, max(ai_seats - their
        students, 0)), each applicant with the same chance; the pipeline's applicants they turn
        away and the rest apply to the other programmes, whose free places = max(seats - their
        students, 0) go to domestic applicants (intake = min(applicants left, free)), then to
        international applicants from their pool (intake = min(international applicants, free -
        domestic intake); Korean universities admit them outside the domestic quota).
        Unplaced domestic applicants:
        ``reapply_share`` wait a year, the rest leave.
        """
        stock = self.pipeline.stock
        applicants = new_applicants + self.waitlist
        apply_ai = applicants * ai_share
        held = rowsum(stock, 2)  # (n, 3) students per group, one pass over the study years
        held_ai = held[:, AI_SCHOOL]
        free_ai = np.maximum(ai_seats - held_ai, 0.0)
        # the AI schools admit min(their applicants, free places), every applicant with the same
        # chance: the pipeline's applicants and those from outside it in proportion
        all_ai = apply_ai + outside_applicants
        intake_all = np.minimum(all_ai, free_ai)
        admit = np.divide(intake_all, all_ai, out=np.zeros_like(intake_all), where=all_ai > 0)
        intake_ai = apply_ai * admit
        intake_outside = intake_all - intake_ai
        free = np.maximum(seats - held[:, OPEN_DOMESTIC] - held[:, OPEN_INTERNATIONAL], 0.0)
        rest = applicants - intake_ai
        intake_dom = np.minimum(rest, free)
        intake_intl = np.minimum(international_applicants, free - intake_dom)
        unplaced = rest - intake_dom  # (outside applicants turned away leave: never in the model)
        waitlist_prev = self.waitlist
        self.waitlist = unplaced * reapply_share
        grads, drops = self.pipeline.step(
            columns(intake_dom, intake_intl, intake_all), finish[:, None, :], hazard[:, None], held
        )
        return {
            "applicants": applicants,
            "intake_domestic": intake_dom + intake_all,
            "intake_international": intake_intl,
            "unplaced_leavers": unplaced - self.waitlist,
            "reapplicants": waitlist_prev,
            "grads_domestic": grads[:, OPEN_DOMESTIC] + grads[:, AI_SCHOOL],
            "grads_international": grads[:, OPEN_INTERNATIONAL],
            "dropouts": rowsum(drops),
            # the AI graduate schools
            "applicants_ai": all_ai,
            "intake_ai": intake_all,
            "intake_outside": intake_outside,  # admitted from outside the AI-track pipeline
            "places_held_ai": held_ai + intake_all,  # students holding an AI-school place this year
            "stock_ai": held_ai + intake_all - grads[:, AI_SCHOOL] - drops[:, AI_SCHOOL],  # end of year
            "grads_ai": grads[:, AI_SCHOOL],
            "dropouts_ai": drops[:, AI_SCHOOL],
            "international_applicants": international_applicants,
        }


def fill_rate(a: np.ndarray, fill_max, full_ratio, gamma) -> np.ndarray:
    """Share of places filled at ``a`` applicants per place: ``fill_max x min(1, a / full_ratio) ** gamma``.

    >>> fill_rate(np.array([2.0, 0.5]), 0.9, 1.0, 2.0)
    array([0.9  , 0.225])
    """
    # min(a, full_ratio) / full_ratio == min(1, a / full_ratio) without overflowing when a is
    # huge (places nearly zero: a subnormal quota gives a ~ 1e308) or infinite (no places)
    # 1 ** gamma == 1: the power only where the places are not all wanted (a < full_ratio)
    base = np.minimum(a, full_ratio) / full_ratio
    powered = np.power(base, gamma, out=np.ones(np.broadcast_shapes(base.shape, np.shape(gamma))),
                       where=base != 1.0)
    return fill_max * powered


def admissions(applicants: np.ndarray, quota: np.ndarray, fill_max, full_ratio, gamma) -> np.ndarray:
    """Entrants = min(applicants, quota x fill(applicants / quota)); no places, no entrants."""
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        a = np.where(quota > 0, applicants / np.where(quota > 0, quota, 1.0), np.inf)
    return np.minimum(applicants, quota * fill_rate(a, fill_max, full_ratio, gamma))


def tertiary_entry(applicants, four_year_share, quota_four, quota_junior, fill_max, full_ratio, gamma):
    """(four-year entrants, junior-college entrants): a ``four_year_share`` of applicants apply to
    four-year universities first; the others and the four-year unplaced apply to junior colleges."""
    four = admissions(applicants * four_year_share, quota_four, fill_max, full_ratio, gamma)
    junior = admissions(applicants - four, quota_junior, fill_max, full_ratio, gamma)
    return four, junior


def international_applicants(base_inflow, places, reference_places, place_elasticity,
                             attractiveness, attractiveness_elasticity, cap) -> np.ndarray:
    """International applicants a year from a finite pool: ``base_inflow x (places /
    reference_places) ** place_elasticity x attractiveness ** attractiveness_elasticity``, at most
    ``cap``.

    >>> round(float(international_applicants(100.0, 400.0, 100.0, 0.5, 1.21, 2.0, 1000.0)), 6)
    292.82
    """
    raw = (base_inflow * np.power(np.maximum(places, 0.0) / reference_places, place_elasticity)
           * np.power(attractiveness, attractiveness_elasticity))
    return np.minimum(raw, cap)


def fellowship_hazard(hazard, fellows: np.ndarray | float, enrolled: np.ndarray | float, gain):
    """PhD dropout hazard with fellowships: the funded share ``min(fellows / enrolled, 1)`` of
    students (``fellows`` the funded student-years, units without the effect) has its hazard cut
    by the fraction ``gain``: ``hazard x (1 - gain x covered)``. Works on (n,) arrays or floats."""
    covered = np.minimum(fellows / np.maximum(enrolled, 1.0), 1.0)
    return hazard * (1 - gain * covered)
