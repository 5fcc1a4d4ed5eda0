"""The metric registry: every metric the engines emit, with a plain label, a unit, a description
and its dimensions. One table, read by ``summary.csv``/``comparison.csv`` (columns ``unit`` and
``description``), ``talentsim metrics``, the plots and the report.

Stocks are end-of-year values; flows (``.../yr``) take a stock from year t-1 to year t.

>>> from talentsim.metrics import METRICS
>>> METRICS["ai_workforce"].unit
'people'
>>> METRICS["shortage"].label
'AI labour shortage'
"""

from __future__ import annotations

import difflib
from typing import NamedTuple

import pandas as pd


class Metric(NamedTuple):
    """One metric. Indexing keeps the old ``(unit, description)`` pairs working:
    ``METRICS[m][0]`` is the unit and ``METRICS[m][1]`` the description."""

    unit: str
    description: str
    label: str
    dims: tuple[str, ...] = ("draw", "year")


def _m(unit: str, description: str, label: str | None = None) -> Metric:
    return Metric(unit, description, label or description[0].upper() + description[1:])


_PROGRAMMES = (("master", "master's"), ("phd", "PhD"))
_PROGRAMME_METRICS = (
    ("seats", "places", "{prog} student places in AI fields (both kinds of programme)", "{Prog} places"),
    ("enrolled", "people", "{prog} students enrolled", "{Prog} students"),
    ("applicants", "people/yr", "domestic {prog} applicants (new + reapplying)", "{Prog} applicants"),
    ("intake_domestic", "people/yr", "domestic students admitted to a {prog}", "{Prog} domestic intake"),
    ("intake_international", "people/yr", "international students admitted to a {prog}",
     "{Prog} international intake"),
    ("grads", "people/yr", "{prog} graduates (domestic + international)", "{Prog} graduates"),
    ("grads_domestic", "people/yr", "domestic {prog} graduates", "{Prog} domestic graduates"),
    ("grads_international", "people/yr", "international {prog} graduates", "{Prog} international graduates"),
    ("dropouts", "people/yr", "{prog} students leaving without a degree", "{Prog} dropouts"),
    ("waitlist", "people", "unplaced {prog} applicants waiting to reapply next year", "{Prog} waiting list"),
    ("reapplicants", "people/yr", "last year's waiting list applying again", "{Prog} reapplicants"),
    ("unplaced_leavers", "people/yr", "unplaced {prog} applicants giving up", "{Prog} applicants giving up"),
)
_REGIONS = (("us", "the United States"), ("china", "China"), ("other_asia", "other Asian economies"),
            ("europe", "Europe"))
_LEVERS = (
    ("graduate_seats", "places", "student places bought", "graduate places"),
    ("phd_fellowships", "people", "funded PhD students", "PhD fellowships"),
    ("undergrad_ai_programs", "places/yr", "funded AI-track entrant places", "undergraduate AI programmes"),
    ("reskilling", "people/yr", "trainees", "reskilling"),
    ("retention_pay", "people", "workers covered by retention pay", "retention pay"),
    ("talent_visas", "people/yr", "recruits via talent visas", "talent visas"),
    ("diaspora_return", "people/yr", "return incentives", "diaspora return"),
    ("rd_compute", "units/yr", "R&D/compute units bought", "R&D and compute"),
)

#: metric name -> :class:`Metric`
METRICS: dict[str, Metric] = {
    # demography and education
    "cohort18": _m("people", "18-year-olds", "18-year-olds"),
    "births_18_years_before": _m("people", "live births 18 years earlier", "Births 18 years earlier"),
    "tertiary_entrants": _m("people/yr", "new tertiary students (four-year + junior college)", "Tertiary entrants"),
    "ai_track_entrants": _m("people/yr", "new students on AI-relevant four-year tracks", "AI-track entrants"),
    "students_bachelor": _m("people", "AI-track undergraduates enrolled (incl. on service leave)",
                            "AI-track undergraduates"),
    "grads_bachelor": _m("people/yr", "AI-track bachelor's graduates", "Bachelor's graduates"),
    "dropouts_bachelor": _m("people/yr", "AI-track undergraduates leaving without a degree",
                            "Undergraduate dropouts"),
    "study_abroad": _m("people/yr", "graduates leaving to study or work abroad (leave the model)",
                       "Graduates going abroad"),
    **{
        f"{key}_{prog}": _m(unit, text.format(prog=name), label.format(Prog=name[0].upper() + name[1:]))
        for prog, name in _PROGRAMMES
        for key, unit, text, label in _PROGRAMME_METRICS
    },
    # education metrics being added by the education colleague (pre-registered; lead reconciles)
    "births_19_years_before": _m("people", "live births 19 years earlier (the cohort leaving high school)",
                                 "Births 19 years earlier"),
    "hs_graduates": _m("people/yr", "high-school graduates (births 19 years earlier x hs_graduation)",
                       "High-school graduates"),
    "first_time_applicants": _m("people/yr",
                                "first-time tertiary applicants (high-school graduates x advancement rate)",
                                "First-time applicants"),
    "tertiary_applicants": _m("people/yr", "tertiary applicants (first-time + re-takers and adults)",
                              "Tertiary applicants"),
    "four_year_entrants": _m("people/yr", "new four-year university students (all fields)",
                             "Four-year university entrants"),
    "admission_quota": _m("places/yr", "admission quota, four-year + junior college (all fields)", "Admission quota"),
    "unfilled_places": _m("places/yr", "admission places left unfilled for lack of applicants", "Unfilled places"),
    "applicants_ai_graduate_schools": _m("people/yr", "applicants to the AI graduate schools (master's + PhD)",
                                         "AI graduate school applicants"),
    "seats_ai_graduate_schools": _m("places", "AI graduate-school places (master's + PhD)",
                                    "AI graduate school places"),
    "enrolled_ai_graduate_schools": _m("people", "students holding an AI graduate-school place in the academic year",
                                       "AI graduate school students"),
    "stock_ai_graduate_schools": _m("people", "AI graduate-school students at the end of the year",
                                    "AI graduate school students (end of year)"),
    "intake_ai_graduate_schools": _m("people/yr", "students admitted to the AI graduate schools",
                                     "AI graduate school intake"),
    "grads_ai_graduate_schools": _m("people/yr", "AI graduate-school graduates (master's + PhD)",
                                    "AI graduate school graduates"),
    "dropouts_ai_graduate_schools": _m("people/yr", "AI graduate-school students leaving without a degree",
                                       "AI graduate school dropouts"),
    "intake_outside_master": _m("people/yr", "master's students admitted to AI graduate schools from outside the track",
                                "Master's intake from outside the AI track"),
    "intake_outside_phd": _m("people/yr", "PhD students admitted to AI graduate schools from outside the track",
                             "PhD intake from outside the AI track"),
    "international_applicants": _m("people/yr", "international master's + PhD applicants from the pool",
                                   "International applicants"),
    "international_intake": _m("people/yr", "international master's + PhD students admitted",
                               "International intake"),
    # workforce and migration
    "ai_workforce": _m("people", "AI workers in Korea", "AI workforce"),
    "ai_workforce_bachelor": _m("people", "AI workers with a bachelor's degree", "AI workers (bachelor's)"),
    "ai_workforce_master": _m("people", "AI workers with a master's degree", "AI workers (master's)"),
    "ai_workforce_phd": _m("people", "AI workers with a PhD", "AI workers (PhD)"),
    "inflow_graduates": _m("people/yr", "new graduates hired into Korean AI jobs", "Graduates hired"),
    "inflow_reskilled": _m("people/yr", "reskilled workers hired into AI work", "Reskilled workers"),
    "inflow_immigrants": _m("people/yr", "foreign AI workers hired from abroad", "Immigrants"),
    "inflow_returnees": _m("people/yr", "Korean AI workers returning from abroad to an AI job", "Returnees"),
    "inflow_recalled": _m("people/yr", "latent-pool members hired back into AI work", "Recalled from the latent pool"),
    "emigration": _m("people/yr", "AI workers leaving Korea (Korean-born and foreign-born)", "Emigration"),
    "emigration_korean": _m("people/yr", "Korean-born AI workers leaving Korea (into the diaspora)",
                            "Emigration (Korean-born)"),
    "emigration_foreign_born": _m("people/yr", "foreign-born AI workers leaving Korea (out of the model)",
                                  "Emigration (foreign-born)"),
    **{f"emigration_{r}": _m("people/yr", f"Korean-born AI workers leaving Korea for {name}",
                             f"Emigration to {name.removeprefix('the ')}")
       for r, name in _REGIONS},
    **{f"returnees_{r}": _m("people/yr", f"Korean AI workers returning from {name}",
                            f"Returnees from {name.removeprefix('the ')}")
       for r, name in _REGIONS},
    **{f"diaspora_retirement_{r}": _m("people/yr", f"Korean AI workers retiring in {name}",
                                      f"Retirement in {name.removeprefix('the ')}")
       for r, name in _REGIONS},
    "diaspora_retirement": _m("people/yr", "Korean AI workers abroad ageing past 64", "Retirement abroad"),
    "ai_workforce_foreign_born": _m("people", "foreign-born AI workers in Korea", "Foreign-born AI workers"),
    "emigration_rate": _m("fraction/yr", "emigration / AI workforce at the start of the year", "Emigration rate"),
    "retirement": _m("people/yr", "AI workers retiring (ageing past 64)", "Retirement"),
    "attrition": _m("people/yr", "AI workers moving to non-AI work", "Attrition to non-AI work"),
    "diaspora": _m("people", "Korean AI workers abroad", "Diaspora"),
    **{f"diaspora_{r}": _m("people", f"Korean AI workers in {name}", f"Diaspora in {name.removeprefix('the ')}")
       for r, name in _REGIONS},
    "net_migration": _m("people/yr", "immigrants + returnees - emigration", "Net migration"),
    "jobs": _m("people", "AI jobs: demand x (1 + frictional margin)", "AI jobs"),
    "vacancies": _m("people", "AI jobs open after the year's separations", "AI vacancies"),
    "candidates": _m("people/yr", "people seeking an AI job (graduates, reskilled, immigrants, returnees, recalls)",
                     "AI-job candidates"),
    "hires": _m("people/yr", "candidates hired into AI jobs (at most the vacancies)", "AI hires"),
    "layoffs": _m("people/yr", "Korean-born AI workers moved to the latent pool when jobs fall", "Layoffs"),
    "latent_ai_qualified": _m("people", "AI-qualified people in Korea working outside AI for lack of AI jobs",
                              "Latent AI-qualified pool"),
    "latent_entries": _m("people/yr", "domestic candidates finding no AI job (into the latent pool)",
                         "Into the latent pool"),
    "latent_exits": _m("people/yr", "latent-pool members whose AI skills fade or who retire", "Out of the latent pool"),
    "demand": _m("people", "AI labour demand", "AI labour demand"),
    "shortage": _m("people", "demand minus AI workforce", "AI labour shortage"),
    "shortage_probability": _m("probability", "1 if shortage > 0 in the draw, so its mean is P(shortage > 0)",
                               "Probability of a shortage"),
    "domestic_ai_premium": _m("fraction", "domestic AI-skill wage premium", "Domestic AI pay premium"),
    # budgets and levers
    "budget_spent": _m("KRW bn/yr", "spending on all levers (constant prices of price_basis.base_year, 2024)",
                       "Lever spending"),
    **{f"budget_{lever}": _m("KRW bn/yr", f"spending on the {lever} lever (constant 2024 prices)",
                             f"Spending on {label}")
       for lever, _, _, label in _LEVERS},
    **{f"units_{lever}": _m(unit, f"units in effect: {text}", f"Units of {label}")
       for lever, unit, text, label in _LEVERS},
    "retention_coverage": _m("fraction", "share of AI workers covered by retention pay", "Retention pay coverage"),
    # lever pools: levers move people between pools and create none
    "fellowship_pool": _m("people/yr", "bachelor's and master's graduates bound for the Korean labour market",
                          "Fellowship pool"),
    "fellowship_switchers": _m("people/yr", "of these, drawn into next year's PhD applications by fellowships",
                               "Fellowship switchers"),
    "reskilling_trainees": _m("people/yr", "reskilling trainees funded", "Reskilling trainees"),
    "reskilling_converted": _m("people/yr", "reskilled AI-job candidates converted from the pool (hired: "
                               "inflow_reskilled; the rest, with every job taken, join the latent pool)",
                               "Reskilled candidates"),
    "reskilling_pool": _m("people", "ICT/SW workers and graduates in other work who could move into AI work "
                          "or an AI graduate school",
                          "Reskilling pool"),
    "reskilling_suitable": _m("people/yr", "suitable candidates this year (reskilling first, then AI "
                              "graduate-school applicants)",
                              "Suitable reskilling candidates"),
    "reskilling_pool_admitted": _m("people/yr", "people from the reskilling pool admitted to an AI graduate school "
                                   "(intake_outside_master + intake_outside_phd)", "Pool admitted to AI schools"),
    "reskilling_pool_inflow": _m("people/yr", "people joining the reskilling pool", "Reskilling pool inflow"),
    "reskilling_pool_exits": _m("people/yr", "people leaving the reskilling pool other than into AI work or an "
                                "AI graduate school",
                                "Reskilling pool exits"),
    "visa_pool": _m("people/yr", "foreign AI workers willing to consider Korea this year (0: no pool set)",
                    "Talent-visa pool"),
    "visa_recruits": _m("people/yr", "talent-visa recruits (part of inflow_immigrants)", "Talent-visa recruits"),
    # microsimulation only
    "seat_wait_years": _m("years", "mean wait of applicants admitted to a graduate programme (microsim)",
                          "Wait for a graduate place"),
    "seat_wait_years_master": _m("years", "mean wait of applicants admitted to a master's (microsim)",
                                 "Wait for a master's place"),
    "seat_wait_years_phd": _m("years", "mean wait of applicants admitted to a PhD (microsim)",
                              "Wait for a PhD place"),
}


def unit_of(metric: str) -> str:
    """Unit of a metric (``""`` if it is not registered)."""
    entry = METRICS.get(metric)
    return entry.unit if entry else ""


def label_of(metric: str) -> str:
    """Plain-words label of a metric (the metric name if it is not registered)."""
    entry = METRICS.get(metric)
    return entry.label if entry else metric


def describe(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with ``unit`` and ``description`` columns inserted right after ``metric``."""
    out = frame.drop(columns=[c for c in ("unit", "description") if c in frame])
    at = list(out.columns).index("metric") + 1
    names = out["metric"].astype(str)
    out.insert(at, "unit", names.map(unit_of))
    out.insert(at + 1, "description", names.map(lambda m: METRICS[m].description if m in METRICS else ""))
    return out


def table() -> pd.DataFrame:
    """The registry as a frame: ``metric, label, unit, description, dims``, sorted by metric."""
    return pd.DataFrame(
        [(name, m.label, m.unit, m.description, ",".join(m.dims)) for name, m in sorted(METRICS.items())],
        columns=["metric", "label", "unit", "description", "dims"],
    )


def unknown_metric_message(metric: str, known=None) -> str:
    """``unknown metric 'X'; did you mean 'Y'?`` (or the list of known metrics)."""
    known = sorted(METRICS if known is None else known)
    close = difflib.get_close_matches(metric, known, n=1, cutoff=0.6)
    if close:
        return f"unknown metric '{metric}'; did you mean '{close[0]}'? (`talentsim metrics` lists them all)"
    return f"unknown metric '{metric}'; `talentsim metrics` lists them all"
