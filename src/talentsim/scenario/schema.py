"""The scenario schema: frozen pydantic models, unknown keys forbidden.

Field units: people (persons), rates as fractions per year, money in KRW bn, years as calendar
years. Numeric fields are :data:`~talentsim.scenario.inputs.Quantity` (number, distribution or yearly path)
or :data:`~talentsim.scenario.inputs.Scalar` (number or distribution). ``Bounds`` metadata on a field
states the interval every value must lie in; :func:`~.checks.check_bounds` enforces it over the years
the model evaluates, using each distribution's support.
"""

from __future__ import annotations

from typing import Annotated, Literal, Optional

from pydantic import Field, model_validator

from .base import (  # re-exported: the rest of the package imports these from schema
    AGE_BANDS,
    QUALIFICATIONS,
    REGIONS,
    SPINUP_YEARS,
    Bounds,
    Count,
    Positive,
    Rate,
    Scalar,
    ScalarCount,
    ScalarPositive,
    ScalarRate,
    Section,
    ServiceYears,
    Years,
)
from .levers_schema import (  # re-exported
    LEVERS,
    BudgetLine,
    Levers,
    PriceBasis,
)


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
    """hs_graduates(t) = births(t - 19) x hs_graduation(t): children born in b leave high school in
    February b + 19, so university entrants of year t were born in t - 19.
    cohort18(t) = cohort18_ratio(t) x (births(t - 18) + births(t - 19)) / 2: the published
    (mid-year) count of 18-year-olds mixes two birth cohorts; it is reported, entry does not use it."""

    births: Births
    cohort18_ratio: Positive  # 18-year-olds per mean birth of t-18 and t-19 (survival + migration)
    hs_graduation: Rate  # high-school graduates per birth 19 years earlier
    cohort18: Optional[Count] = None  # explicit 18-year-old series, overrides the births formula


# ------------------------------------------------------------------ education
class Destinations(Section):
    """Shares of new bachelor graduates; the rest go to non-AI work or other study."""

    master: Rate
    phd: Rate
    ai_job: Rate
    abroad: Rate


class Quota(Section):
    """Admission quotas (places for entrants a year). Explicit and steps paths must list a year at
    or before the first simulated year (horizon start minus the spin-up years)."""

    four_year: Count
    junior_college: Count


class Fill(Section):
    """Share of places filled at a applicants per place: fill(a) = max x min(1, a / full_ratio) ** gamma."""

    max: Rate  # fill when applicants are plentiful (a >= full_ratio)
    full_ratio: Positive  # applicants per place from which places fill to ``max``
    gamma: Positive  # how fast fill falls below full_ratio (1: in proportion to applicants)


class Education(Section):
    """applicants = hs_graduates x entry_rate x (1 + older_applicants); a ``four_year_share`` of them
    apply to four-year universities first, the rest and the four-year unplaced to junior colleges;
    entrants = min(applicants, quota x fill(applicants / quota)) at each level."""

    entry_rate: Rate  # first-time applicants per high-school graduate (the advancement rate)
    older_applicants: Count  # re-takers and adults applying, per first-time applicant
    four_year_share: Rate  # share of applicants applying to four-year universities first
    quota: Quota
    fill: Fill
    ai_share: Rate  # share of four-year entrants on AI-relevant tracks
    max_ai_share: Rate = 1.0  # the AI-track share never exceeds this, with or without the lever
    bachelor_years: Years = 4.0
    bachelor_completion: Rate
    male_share: Rate  # share of AI-track entrants who are men
    service_share: Rate  # share of those men who serve mid-degree
    service_years: ServiceYears  # years out of study for service (incl. leave around it)
    destinations: Destinations


class International(Section):
    """International applicants a year from a finite pool: base_inflow x (places / reference_places)
    ** place_elasticity x attractiveness ** attractiveness_elasticity, at most ``cap``."""

    base_inflow: Count  # applicants a year at the reference places and attractiveness 1
    reference_places: ScalarPositive  # fixed reference for the programme's places
    place_elasticity: ScalarCount
    attractiveness_elasticity: ScalarCount
    cap: Count  # the pool's ceiling: applicants a year never exceed it


class Programme(Section):
    """A graduate-school stage (master's or PhD) outside the AI graduate schools: applicant-bound
    (seats well above applicants); seats are student places (a stock)."""

    base_seats: Count
    years: Years
    completion: Rate
    international: International  # international applicants (they take free places first)
    reapply_share: Rate  # unplaced domestic applicants who wait and reapply next year
    ai_job: Rate  # domestic graduates (not going on to a PhD) taking a Korean AI job
    abroad: Rate  # domestic graduates leaving to work or study abroad
    to_phd: Rate = 0.0  # master's graduates applying for a PhD


class AISchools(Section):
    """The seat-bound AI graduate schools (MSIT AI, convergence and innovation graduate schools):
    places = base_seats + places bought by the graduate_seats lever, split master's / PhD by
    ``bought_master_share``; a share of domestic applicants applies to them first, and
    ``outside_per_place`` x places people from outside the AI-track pipeline, drawn from the
    suitable candidates of the engineers' pool (``levers.reskilling.pool_*``) that the reskilling
    courses leave (saturating; no pool: unlimited); those admitted leave that pool, those turned
    away stay in it."""

    base_seats: Count = 0.0  # places outside the lever's budget lines
    applicant_share: Rate  # share of domestic applicants (new + waiting) applying to them first
    # applicants a year from outside the AI-track pipeline (other fields, workers) per place
    outside_per_place: Count = 0.0
    ai_job: Rate  # their domestic graduates (not going on to a PhD) taking a Korean AI job


class GraduateSchool(Section):
    master: Programme
    phd: Programme
    ai_schools: AISchools
    # Korea's attractiveness to international students relative to the reference year (index)
    attractiveness: Positive = 1.0
    international_stay_rate: Rate  # international graduates who stay to work in Korea
    international_ai_job: Rate  # of those who stay, share taking AI jobs
    bought_master_share: ScalarRate  # share of AI graduate-school places that are master's places


# ------------------------------------------------------------------ workforce
class InitialWorkforce(Section):
    """End-of-year stocks of the year before the horizon starts."""

    total: ScalarCount
    master_share: ScalarRate
    phd_share: ScalarRate
    age_weights: Annotated[dict[int, float], Bounds(0.0)]  # band lower bound -> relative weight
    diaspora: ScalarCount
    #: share of the diaspora by region (adds up to 1); default: the emigration shares
    diaspora_regions: Optional[dict[str, float]] = None
    #: age profile of the diaspora (band -> weight); default: ``age_weights``
    diaspora_age_weights: Optional[dict[int, float]] = None
    foreign_born_share: ScalarRate = 0.0  # share of the workforce born abroad (immigrants)
    latent: ScalarCount = 0.0  # AI-qualified people in other work, waiting for an AI job

    @model_validator(mode="after")
    def _bands(self):
        for name in ("age_weights", "diaspora_age_weights"):
            weights = getattr(self, name)
            if weights is None:
                continue
            bad = sorted(set(weights) - set(AGE_BANDS))
            if bad:
                raise ValueError(f"{name} keys must be among {list(AGE_BANDS)} (got {bad})")
            if any(w < 0 for w in weights.values()) or sum(weights.values()) <= 0:
                raise ValueError(f"{name} must be >= 0 and not all zero")
        if self.diaspora_regions is not None:
            bad = sorted(set(self.diaspora_regions) - set(REGIONS))
            if bad:
                raise ValueError(f"diaspora_regions keys must be among {list(REGIONS)} (got {bad})")
            total = sum(self.diaspora_regions.values())
            if min(self.diaspora_regions.values(), default=0) < 0 or abs(total - 1) > 1e-6:
                raise ValueError(f"diaspora_regions shares must be >= 0 and add up to 1 (got {total:g})")
        return self


class Region(Section):
    pay_ratio: Positive  # foreign AI pay / Korean AI pay at the initial domestic premium
    share: float = Field(ge=0, le=1)  # share of emigrants going there at base pay


class Workforce(Section):
    initial: InitialWorkforce
    attrition: Rate  # yearly share leaving AI work for non-AI work in Korea
    entry_band: dict[str, int]  # qualification / source -> age band of entry
    take_up_response: ScalarCount  # graduates' AI-job take-up multiplier per unit shortage rate
    #: attrition of workers on retention pay is multiplied by (1 + raise) ** -attrition_pay_elasticity
    attrition_pay_elasticity: ScalarCount = 0.0
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
    #: foreign-born AI workers leave Korea at the emigration hazard times this
    leaving_multiplier: float = Field(default=1.0, ge=0, le=5)


class Market(Section):
    """AI jobs J = demand x (1 + friction) bound the workforce: hires fill vacancies
    max(J - stock after separations, 0); qualified candidates left over wait in the latent pool."""

    demand: Positive  # AI labour demand, people (> 0: shortage rates divide by it)
    initial_premium: Annotated[Scalar, Bounds(-0.9)]  # domestic AI-skill wage premium in the year before start
    adjustment_speed: ScalarRate  # share of the gap to the target premium closed each year
    shortage_sensitivity: ScalarCount  # target premium rise per unit shortage rate
    friction: ScalarRate  # frictional margin: AI jobs held open or between holders, per job demanded
    premium_floor: float = Field(default=-0.10, ge=-0.9, le=0)  # lowest target premium
    recall_rate: ScalarRate = 0.0  # share of the latent pool applying for AI jobs each year
    latent_decay: ScalarRate = 0.0  # share of the latent pool whose AI skills fade each year


class Reference(Section):
    """Fixed calibration-year values every response is anchored to (never the scenario's own
    medians): a scenario that raises a pay level therefore changes the responses."""

    year: int = Field(ge=2003, le=2070)  # calibration year
    pay_ratio: dict[str, float]  # region -> foreign / Korean AI pay observed in the year
    home_premium: float = Field(ge=0, le=2)  # AI-skill pay premium in immigrants' home countries
    domestic_premium: float = Field(ge=-0.9, le=2)  # domestic AI-skill premium observed in the year
    shortage_rate: float = Field(ge=-1, le=1)  # shortage / demand at which the premium is domestic_premium

    @model_validator(mode="after")
    def _regions(self):
        bad = sorted(set(self.pay_ratio) - set(REGIONS))
        if bad:
            raise ValueError(f"pay_ratio keys must be among {list(REGIONS)} (got {bad})")
        low = {k: v for k, v in self.pay_ratio.items() if not v > 0}
        if low:
            raise ValueError(f"pay_ratio values must be > 0 (got {low})")
        return self


class Migration(Section):
    emigration: Emigration
    returns: Returns
    immigration: Immigration


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
    reference: Reference
    budget_lines: dict[str, BudgetLine] = {}
    levers: Levers = Levers()
    price_basis: PriceBasis = PriceBasis()
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
