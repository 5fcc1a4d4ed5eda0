"""The scenario's budget lines, policy levers and price basis (see :mod:`.schema`)."""

from __future__ import annotations

from typing import Literal, Optional, get_args

from pydantic import Field, model_validator

from .base import (  # noqa: F401  (names the lever models use)
    Bounds,
    Count,
    Money,
    OptionalPositive,
    Positive,
    Rate,
    Real,
    RealGrowth,
    Scalar,
    ScalarCount,
    ScalarPositive,
    ScalarRate,
    Section,
)

# ------------------------------------------------------------------ budget and levers
LeverName = Literal[
    "graduate_seats",
    "phd_fellowships",
    "undergrad_ai_programs",
    "reskilling",
    "retention_pay",
    "talent_visas",
    "diaspora_return",
    "rd_compute",
]
LEVERS: tuple[str, ...] = get_args(LeverName)


class BudgetLine(Section):
    lever: LeverName
    krw_bn: Money  # KRW bn per year
    scale: Count = 1.0  # multiplier on krw_bn, e.g. {path: steps, values: {2024: 0.853}} for a cut
    first_year: Optional[int] = None
    last_year: Optional[int] = None
    #: ``real``: krw_bn is in constant prices of ``price_basis.base_year``; ``nominal``: in the
    #: prices of each year, deflated by ``price_basis.deflator``
    prices: Literal["real", "nominal"] = "real"

    @model_validator(mode="after")
    def _years(self):
        if self.first_year is not None and self.last_year is not None and self.last_year < self.first_year:
            raise ValueError(
                f"last_year must be >= first_year (got {self.first_year}..{self.last_year})"
            )
        return self


class Lever(Section):
    """units(t) = ramp-average over r < ramp_years of f(budget(t - lag - r) / cost), times effect.

    f(x) = x without a cap, cap * (1 - exp(-x / cap)) with one (diminishing returns).
    What a unit is and what ``effect`` means depends on the lever (see :class:`Levers`).
    """

    cost_per_unit_krw_bn: ScalarPositive
    lag_years: int = Field(default=0, ge=0, le=10)
    ramp_years: int = Field(default=1, ge=1, le=10)
    cap_units: OptionalPositive = None
    effect: ScalarCount = 1.0
    #: real growth of the unit cost a year (pay rises raise the cost of seats, stipends and
    #: retention pay): cost(t) = cost_per_unit_krw_bn x (1 + g) ** (t - price_basis.base_year)
    real_cost_growth: RealGrowth = 0.0


class ReskillingLever(Lever):
    """Reskilling: a unit is one trainee. Trainees are drawn from a finite pool stock S (ICT/SW
    workers and graduates in other work) that gains ``pool_inflow`` people a year and loses
    ``pool_exit_rate`` of itself; P = ``suitable_share`` x S are this year's suitable candidates
    and converted = P (1 - exp(-effect x trainees / P)) of them take AI work (and leave the pool).
    ``effect`` is the conversion of the first, best trainees. The AI graduate schools' outside
    applicants come from the suitable candidates left (``graduate_school.ai_schools``); those
    admitted leave the pool too. Without ``pool_initial`` there is no pool: converted = effect x
    trainees and outside applicants = places x outside_per_place (linear; no shipped scenario
    does this)."""

    pool_initial: OptionalPositive = None  # people in the pool at the start of the first simulated year
    pool_inflow: Count = 0.0  # people joining the pool a year
    pool_exit_rate: ScalarRate = 0.0  # share of the pool leaving it a year (retirement, other careers)
    suitable_share: ScalarRate = 1.0  # share of the pool that could convert to AI work this year


class VisaLever(Lever):
    """Talent visas: a unit is one visa offer; ``effect`` x units recruits would come at an
    unlimited pool. The pool of foreign AI workers willing to consider Korea this year is
    V = ``global_pool`` x A ** immigration.elasticity (A: Korea's AI pay against pay at home, as
    for immigrants); recruits = V (1 - exp(-effect x units / V)). Without ``global_pool``:
    recruits = effect x units x A ** elasticity (linear; no shipped scenario does this)."""

    global_pool: OptionalPositive = None  # people a year willing to consider Korea at the reference pay


class PriceBasis(Section):
    """Money is in constant KRW of ``base_year``. ``deflator`` (index, any level: it is
    normalised to 1 in the base year) turns ``prices: nominal`` budget lines into constant prices:
    real(t) = nominal(t) x deflator(base_year) / deflator(t)."""

    base_year: int = Field(default=2024, ge=1985, le=2070)
    deflator: Positive = 1.0


class FellowshipLever(Lever):
    """PhD fellowships: a unit is one funded PhD student-year; ``effect`` = extra PhD applicants
    drawn in per fellowship; ``completion_gain`` = relative cut of the dropout hazard for a fully
    funded cohort (scaled by the funded share of students)."""

    completion_gain: ScalarRate = 0.0


class UndergradLever(Lever):
    """Undergraduate AI programmes: a unit is one funded AI-track place a year; ``effect`` = four-year
    entrants moved onto AI tracks per place (never new entrants); the AI-track share of four-year
    entrants never exceeds ``education.max_ai_share``."""


class Levers(Section):
    """Parameters of each policy lever; a budget line may only feed a lever defined here.

    units (after lag, ramp, cap) x effect, per lever:

    - graduate_seats: AI graduate-school places (split by graduate_school.bought_master_share)
    - phd_fellowships: funded PhD students (extra applicants x effect; lower dropout)
    - undergrad_ai_programs: four-year entrants moved onto AI tracks (capped by education.max_ai_share)
    - reskilling: trainees; converted from a finite pool with falling conversion (ReskillingLever)
    - retention_pay: covered workers (never more than the workforce); effect = their pay raise
    - talent_visas: visa offers; recruits from a finite, pay-responsive global pool (VisaLever)
    - diaspora_return: incentives; x effect = extra returnees (bounded by the diaspora)
    - rd_compute: units of R&D/compute money; x effect = extra AI labour demand (people)
    """

    graduate_seats: Optional[Lever] = None
    phd_fellowships: Optional[FellowshipLever] = None
    undergrad_ai_programs: Optional[UndergradLever] = None
    reskilling: Optional[ReskillingLever] = None
    retention_pay: Optional[Lever] = None
    talent_visas: Optional[VisaLever] = None
    diaspora_return: Optional[Lever] = None
    rd_compute: Optional[Lever] = None
