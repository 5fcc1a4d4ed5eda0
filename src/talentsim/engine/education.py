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
        self, intake: np.ndarray, finish: np.ndarray, hazard: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Advance one year.

        Parameters
        ----------
        intake : (n, G) new students this year (they study this year)
        finish : (n, G, K), or broadcastable to it, finishing probability by study year
            (see :func:`finish_schedule`)
        hazard : (n, G) yearly dropout hazard

        Returns
        -------
        graduates, dropouts : (n, G) each. The stock changes by intake - graduates - dropouts.
        """
        studying = np.empty_like(self.stock)  # keeps the Fortran layout
        studying[:, :, 0] = intake
        studying[:, :, 1:] = self.stock[:, :, :-1]
        # the last slot is always empty after a step: finish == 1 there by construction
        dropouts = studying * hazard[:, :, None]
        staying = studying - dropouts
        graduating = staying * finish
        self.stock = staying - graduating
        return rowsum(graduating, 2), rowsum(dropouts, 2)


@dataclass
class Programme:
    """A capacity-limited graduate programme: pipeline of [domestic, international] students
    plus a waiting list of domestic applicants who reapply next year."""

    pipeline: Pipeline
    waitlist: np.ndarray  # (n,)

    @classmethod
    def empty(cls, n: int, slots: int) -> Programme:
        return cls(Pipeline.empty(n, 2, slots), np.zeros(n))

    def step(
        self,
        new_applicants: np.ndarray,
        seats: np.ndarray,
        international_share: np.ndarray,
        reapply_share: np.ndarray,
        finish: np.ndarray,
        hazard: np.ndarray,
    ) -> dict[str, np.ndarray]:
        """One year of admissions and study; every argument is (n,) except ``finish`` (n, K).

        free places = max(seats - students enrolled at the start of the year, 0);
        international intake = min(max(international_share * seats - international students
        enrolled, 0), free): international students fill their share of the places (their
        demand for that share assumed ample), never more;
        domestic intake = min(new applicants + waiting list, free - international intake);
        unplaced domestic applicants: ``reapply_share`` wait a year, the rest leave.
        """
        free = np.maximum(seats - self.pipeline.total, 0.0)
        enrolled_intl = rowsum(self.pipeline.stock[:, 1, :])
        intake_intl = np.minimum(np.maximum(international_share * seats - enrolled_intl, 0.0), free)
        applicants = new_applicants + self.waitlist
        intake_dom = np.minimum(applicants, free - intake_intl)
        unplaced = applicants - intake_dom
        waitlist_prev = self.waitlist
        self.waitlist = unplaced * reapply_share
        grads, drops = self.pipeline.step(
            columns(intake_dom, intake_intl), finish[:, None, :], columns(hazard, hazard)
        )
        return {
            "applicants": applicants,
            "intake_domestic": intake_dom,
            "intake_international": intake_intl,
            "unplaced_leavers": unplaced - self.waitlist,
            "reapplicants": waitlist_prev,
            "grads_domestic": grads[:, 0],
            "grads_international": grads[:, 1],
            "dropouts": rowsum(drops),
        }


def fellowship_hazard(hazard, fellows: np.ndarray | float, enrolled: np.ndarray | float, gain):
    """PhD dropout hazard with fellowships: the funded share ``min(fellows / enrolled, 1)`` of
    students (``fellows`` the funded student-years, units without the effect) has its hazard cut
    by the fraction ``gain``: ``hazard x (1 - gain x covered)``. Works on (n,) arrays or floats."""
    covered = np.minimum(fellows / np.maximum(enrolled, 1.0), 1.0)
    return hazard * (1 - gain * covered)
