"""The scenario schema: frozen pydantic models, unknown keys forbidden.

Field units: people (persons), rates as fractions per year, money in KRW bn, years as calendar
years. Numeric fields are :data:`~talentsim.scenario.inputs.Quantity` (number, distribution or yearly path)
or :data:`~talentsim.scenario.inputs.Scalar` (number or distribution). ``Bounds`` metadata on a field
states the interval every value must lie in; :func:`~.checks.check_bounds` enforces it over the years
the model evaluates, using each distribution's support.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Annotated, Literal, Optional, get_args

from pydantic import BaseModel, ConfigDict, Field, model_validator

from .inputs import Quantity, Scalar

#: workforce age bands (lower bound of each 5-year band); the last band retires at 65
AGE_BANDS: tuple[int, ...] = (20, 25, 30, 35, 40, 45, 50, 55, 60)
QUALIFICATIONS: tuple[str, ...] = ("bachelor", "master", "phd")
REGIONS: tuple[str, ...] = ("us", "china", "other_asia", "europe")
#: years simulated before the horizon so education pipelines hold students when it starts
SPINUP_YEARS = 20


@dataclass(frozen=True)
class Bounds:
    low: float = -math.inf
    high: float = math.inf
    low_open: bool = False

    def describe(self) -> str:
        if self.high == math.inf:
            return f"must be {'>' if self.low_open else '>='} {self.low:g}"
        return f"must be within {'(' if self.low_open else '['}{self.low:g}, {self.high:g}]"

    def holds(self, lo: float, hi: float) -> bool:
        low_ok = lo > self.low if self.low_open else lo >= self.low
        return low_ok and hi <= self.high


Rate = Annotated[Quantity, Bounds(0.0, 1.0)]
Count = Annotated[Quantity, Bounds(0.0)]
Positive = Annotated[Quantity, Bounds(0.0, low_open=True)]
Money = Annotated[Quantity, Bounds(0.0)]
ScalarRate = Annotated[Scalar, Bounds(0.0, 1.0)]
ScalarCount = Annotated[Scalar, Bounds(0.0)]
ScalarPositive = Annotated[Scalar, Bounds(0.0, low_open=True)]
Years = Annotated[Quantity, Bounds(1.0, 12.0)]
ServiceYears = Annotated[Quantity, Bounds(0.0, 12.0)]
Real = Quantity


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


# ------------------------------------------------------------------ demography
class Births(Section):
    """Live births after the shipped data (``births_kr.csv``).

    ``renewal``: births(t) = k * tfr(t) * sum_a g(a) * births(t - a), the mothers' cohorts
    taken from births a years earlier, g a fixed age schedule of fertility (mean age
    ``mean_age_at_birth``), k fitted so the last data year is reproduced exactly.
    ``series``: births(t) = ``series``(t).
    """

    method: Literal["renewal", "series"] = "renewal"
    tfr: Optional[Positive] = None
    mean_age_at_birth: float = Field(default=33.5, ge=20, le=45)
    sd_age_at_birth: float = Field(default=4.5, gt=0, le=10)
    series: Optional[Count] = None

    @model_validator(mode="after")
    def _needs(self):
        if self.method == "renewal" and self.tfr is None:
            raise ValueError("method 'renewal' needs 'tfr' (a total fertility rate path)")
        if self.method == "series" and self.series is None:
            raise ValueError("method 'series' needs 'series' (live births per year)")
        return self


class Demography(Section):
    births: Births
    s18: Positive  # 18-year-olds per birth 18 years earlier (survival + net migration of minors)
    cohort18: Optional[Count] = None  # explicit 18-year-old series, overrides births x s18


# ------------------------------------------------------------------ education
class Destinations(Section):
    """Shares of new bachelor graduates; the rest go to non-AI work or other study."""

    master: Rate
    phd: Rate
    ai_job: Rate
    abroad: Rate


class Education(Section):
    entry_rate: Rate  # tertiary entrants per 18-year-old
    four_year_share: Rate  # share of entrants going to four-year universities
    ai_share: Rate  # share of four-year entrants on AI-relevant tracks
    bachelor_years: Years = 4.0
    bachelor_completion: Rate
    male_share: Rate  # share of AI-track entrants who are men
    service_share: Rate  # share of those men who serve mid-degree
    service_years: ServiceYears  # years out of study for service (incl. leave around it)
    destinations: Destinations


class Programme(Section):
    """A graduate-school stage (master's or PhD); seats are student places (a stock)."""

    base_seats: Count
    years: Years
    completion: Rate
    international_share: Rate  # share of free places taken by international students
    reapply_share: Rate  # unplaced domestic applicants who wait and reapply next year
    ai_job: Rate  # domestic graduates (not going on to a PhD) taking a Korean AI job
    abroad: Rate  # domestic graduates leaving to work or study abroad
    to_phd: Rate = 0.0  # master's graduates applying for a PhD


class GraduateSchool(Section):
    master: Programme
    phd: Programme
    international_stay_rate: Rate  # international graduates who stay to work in Korea
    international_ai_job: Rate  # of those who stay, share taking AI jobs
    bought_master_share: ScalarRate  # share of budget-bought places that are master's places


# ------------------------------------------------------------------ workforce
class InitialWorkforce(Section):
    """End-of-year stocks of the year before the horizon starts."""

    total: ScalarCount
    master_share: ScalarRate
    phd_share: ScalarRate
    age_weights: Annotated[dict[int, float], Bounds(0.0)]  # band lower bound -> relative weight
    diaspora: ScalarCount

    @model_validator(mode="after")
    def _bands(self):
        bad = sorted(set(self.age_weights) - set(AGE_BANDS))
        if bad:
            raise ValueError(f"age_weights keys must be among {list(AGE_BANDS)} (got {bad})")
        if any(w < 0 for w in self.age_weights.values()) or sum(self.age_weights.values()) <= 0:
            raise ValueError("age_weights must be >= 0 and not all zero")
        return self


class Region(Section):
    pay_ratio: Positive  # foreign AI pay / Korean AI pay at the initial domestic premium
    share: float = Field(ge=0, le=1)  # share of emigrants going there at base pay


class Workforce(Section):
    initial: InitialWorkforce
    attrition: Rate  # yearly share leaving AI work for non-AI work in Korea
    entry_band: dict[str, int]  # qualification / source -> age band of entry
    take_up_response: ScalarCount  # graduates' AI-job take-up multiplier per unit shortage rate
    #: highest degree of reskilled workers
    reskilled_mix: Annotated[dict[str, float], Bounds(0.0, 1.0)] = {"bachelor": 1.0}


class Emigration(Section):
    """Emigration hazard h = hmax * logistic(alpha_r + elasticity * ln P_r) * age * qual."""

    base_rate: ScalarRate  # yearly hazard at base pay ratios, age multiplier 1
    max_rate: ScalarRate  # ceiling of the logistic
    elasticity: ScalarCount  # d logit(h) / d ln(pay ratio)
    regions: dict[str, Region]
    age_multiplier: Annotated[dict[int, float], Bounds(0.0, 10.0)]
    qualification_multiplier: Annotated[dict[str, float], Bounds(0.0, 10.0)]

    @model_validator(mode="after")
    def _keys(self):
        for name, allowed in (("regions", REGIONS), ("qualification_multiplier", QUALIFICATIONS)):
            bad = sorted(set(getattr(self, name)) - set(allowed))
            if bad:
                raise ValueError(f"{name} keys must be among {list(allowed)} (got {bad})")
        bad = sorted(set(self.age_multiplier) - set(AGE_BANDS))
        if bad:
            raise ValueError(f"age_multiplier keys must be among {list(AGE_BANDS)} (got {bad})")
        total = sum(r.share for r in self.regions.values())
        if abs(total - 1) > 1e-6:
            raise ValueError(f"regions' shares must add up to 1 (got {total:g})")
        return self


class Returns(Section):
    """Return hazard r = rmax * logistic(beta0 - elasticity * ln Pbar) from the diaspora."""

    base_rate: ScalarRate
    max_rate: ScalarRate
    elasticity: ScalarCount


class Immigration(Section):
    """Foreign AI workers: base * (relative attractiveness of Korean AI pay) ** elasticity."""

    base_inflow: Count  # people per year at the initial premiums
    elasticity: ScalarCount
    home_premium: Rate  # AI-skill pay premium in origin countries
    qualification_mix: Annotated[dict[str, float], Bounds(0.0, 1.0)]


class Market(Section):
    demand: Positive  # AI labour demand, people (> 0: shortage rates divide by it)
    initial_premium: ScalarCount  # domestic AI-skill wage premium in the year before start
    adjustment_speed: ScalarRate  # share of the gap to the target premium closed each year
    shortage_sensitivity: ScalarCount  # target premium rise per unit shortage rate


class Migration(Section):
    emigration: Emigration
    returns: Returns
    immigration: Immigration


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
    cap_units: Optional[ScalarPositive] = None
    effect: ScalarCount = 1.0


class FellowshipLever(Lever):
    """PhD fellowships: a unit is one funded PhD student-year; ``effect`` = extra PhD applicants
    drawn in per fellowship; ``completion_gain`` = relative cut of the dropout hazard for a fully
    funded cohort (scaled by the funded share of students)."""

    completion_gain: ScalarRate = 0.0


class UndergradLever(Lever):
    """Undergraduate AI programmes: a unit is one funded AI-track entrant place a year;
    ``effect`` = extra AI-track entrants per place; the AI-track share of four-year entrants never
    exceeds ``max_share``."""

    max_share: ScalarRate = 1.0


class Levers(Section):
    """Parameters of each policy lever; a budget line may only feed a lever defined here.

    units (after lag, ramp, cap) x effect, per lever:

    - graduate_seats: student places a year (split by graduate_school.bought_master_share)
    - phd_fellowships: funded PhD students (extra applicants x effect; lower dropout)
    - undergrad_ai_programs: extra AI-track entrants (capped by max_share of four-year entrants)
    - reskilling: trainees; x effect = reskilled workers entering AI work
    - retention_pay: covered workers; effect = their pay raise (fraction)
    - talent_visas: extra foreign AI workers recruited a year (they respond to pay like others)
    - diaspora_return: incentives; x effect = extra returnees (bounded by the diaspora)
    - rd_compute: units of R&D/compute money; x effect = extra AI labour demand (people)
    """

    graduate_seats: Optional[Lever] = None
    phd_fellowships: Optional[FellowshipLever] = None
    undergrad_ai_programs: Optional[UndergradLever] = None
    reskilling: Optional[Lever] = None
    retention_pay: Optional[Lever] = None
    talent_visas: Optional[Lever] = None
    diaspora_return: Optional[Lever] = None
    rd_compute: Optional[Lever] = None


class Correlation(Section):
    """A rank (Spearman) correlation between two uncertain inputs, named by field path."""

    between: tuple[str, str]
    rank: float = Field(gt=-1, lt=1)


class Sampling(Section):
    method: Literal["mc", "lhs", "sobol"] = "lhs"
    draws: int = Field(default=2000, ge=1)
    seed: int = Field(default=20240601, ge=0)


class Horizon(Section):
    start: int = Field(ge=2003, le=2050)
    end: int = Field(le=2070)

    @model_validator(mode="after")
    def _order(self):
        if self.end < self.start:
            raise ValueError(f"end must be >= start (got start={self.start}, end={self.end})")
        return self


class Scenario(Section):
    name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$", max_length=80)
    description: str = ""
    extends: Optional[str] = None
    horizon: Horizon
    sampling: Sampling = Sampling()
    demography: Demography
    education: Education
    graduate_school: GraduateSchool
    workforce: Workforce
    market: Market
    migration: Migration
    budget_lines: dict[str, BudgetLine] = {}
    levers: Levers = Levers()
    correlations: list[Correlation] = []
    #: a posterior sample (``posterior.parquet`` from ``talentsim calibrate``, path relative to
    #: the scenario file): inputs it holds are resampled from it instead of their priors
    inputs_from: Optional[str] = None

    @model_validator(mode="after")
    def _levers_defined(self):
        defined = {name for name in LEVERS if getattr(self.levers, name) is not None}
        missing = sorted({b.lever for b in self.budget_lines.values()} - defined)
        if missing:
            raise ValueError(f"budget lines feed levers with no parameters under 'levers': {missing}")
        return self

    @model_validator(mode="after")
    def _checks(self):
        """The same bounds and consistency checks whatever the route (YAML, ``with_values``,
        ``Scenario.model_validate``): see :mod:`talentsim.scenario.checks`."""
        from .checks import scenario_problems  # the checks import this module

        return scenario_problems(self)

    def with_values(self, values: dict) -> Scenario:
        """A new scenario with ``values`` ({"field.path": value}) set, validated like a file;
        raises :class:`~talentsim.scenario.load.ScenarioError`. See :mod:`.edit`."""
        from .edit import with_values

        return with_values(self, values)

    @property
    def years(self) -> range:
        return range(self.horizon.start, self.horizon.end + 1)

    @property
    def sim_years(self) -> range:
        """Spin-up years plus the horizon."""
        return range(self.horizon.start - SPINUP_YEARS, self.horizon.end + 1)
