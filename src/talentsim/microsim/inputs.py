"""One draw's inputs for the microsimulation, evaluated by the cohort engine's own parameter
layer (:mod:`talentsim.engine.params`), as lists per simulated year."""

from __future__ import annotations

import numpy as np

from ..engine.education import dropout_hazard
from ..engine.params import (
    BUDGET_LEAD,
    EngineerPool,
    LabourParams,
    Params,
    ProgrammeInputs,
    budgets,
    demography_of,
    entrant_rows,
    fellowship_gain,
    finish_rows,
    initial_workforce,
    international_stay,
    lever_units,
    programme_inputs,
    rows,
    slots,
)
from ..sampling import Draws
from ..scenario.inputs import is_path
from ..scenario.schema import LEVERS, SPINUP_YEARS, Scenario


def year_list(x: np.ndarray) -> list[float]:
    """(Y, 1) year-major rows of one draw -> a list of floats per year."""
    return np.asarray(x, dtype=float).reshape(x.shape[0], -1)[:, 0].tolist()


class ProgrammeData:
    """One graduate programme's inputs for one draw, as lists per simulated year."""

    def __init__(self, pin: ProgrammeInputs):
        self.seats = year_list(pin.seats)
        self.ai_seats = year_list(pin.ai_seats)
        self.ai_share = year_list(pin.ai_share)
        self.ai_school_job = year_list(pin.ai_school_job)
        self.international = year_list(pin.international)  # international applicants a year
        self.reapply = year_list(pin.reapply)
        self.ai_job = year_list(pin.ai_job)
        self.abroad = year_list(pin.abroad)
        self.to_phd = year_list(pin.to_phd)
        self.finish = [row[0].tolist() for row in pin.finish]
        self.hazard = year_list(pin.hazard)


class DrawInputs:
    """Every quantity of one draw, evaluated exactly as :func:`talentsim.engine.cohort.prepare_chunk`
    evaluates it (same helpers, same order), as lists per simulated year."""

    def __init__(self, scenario: Scenario, draws: Draws, d: int):
        sim = np.asarray(scenario.sim_years)
        p = Params(scenario, draws.chunk(d, d + 1), 1, sim)
        self.n_years = sim.size
        demo = demography_of(scenario, p)
        spend = budgets(scenario, p)
        units = lever_units(scenario, p, spend)

        ed, years = scenario.education, scenario.sim_years
        entry = entrant_rows(scenario, p, rows(demo["hs_graduates"]), units)
        self.ai_entrants = year_list(entry["ai"])
        self.serve = year_list(p.t("education.male_share") * p.t("education.service_share"))
        study = p.t("education.bachelor_years")
        durations = [study, study + p.t("education.service_years")]
        paths = is_path(ed.bachelor_years) or is_path(ed.service_years)
        k = slots(ed.bachelor_years, ed.service_years, years)
        finish = [finish_rows(dur, k, paths) for dur in durations]
        completion = p.t("education.bachelor_completion")
        hazard = [year_list(dropout_hazard(completion, dur)) for dur in durations]
        self.ug_hazard = list(zip(*hazard))  # [year][group]
        self.ug_finish = [(f0[0].tolist(), f1[0].tolist()) for f0, f1 in zip(*finish)]

        m_in, d_in = programme_inputs(scenario, p, units)
        self.master, self.phd = ProgrammeData(m_in), ProgrammeData(d_in)
        self.dest = {key: year_list(p.t(f"education.destinations.{key}"))
                     for key in ("master", "phd", "ai_job", "abroad")}
        self.fellows = year_list(rows(units["phd_fellowships"]))
        self.fellows_raw = year_list(rows(units["phd_fellowships_raw"]))
        self.gain = float(fellowship_gain(scenario, p)[0])
        self.stay = year_list(international_stay(p))

        self.labour = LabourParams(scenario, p, units)
        # the engineers' pool, stepped by the world each year (its draws depend on admissions)
        self.pool = EngineerPool(scenario, p, units, m_in, d_in)
        self.initial = initial_workforce(scenario, p)
        demand0 = self.labour.demand[SPINUP_YEARS - 1]
        # the draw's own shortage rate starts the state; responses are measured from the
        # central reference (LabourParams.shortage_ref), as in the cohort engine
        self.shortage_start = (demand0 - self.initial.total) / np.maximum(demand0, 1.0)  # (1,)

        h = slice(SPINUP_YEARS, None)  # horizon columns
        spend_h = {lever: x[:, BUDGET_LEAD:][0, h] for lever, x in spend.items()}
        self.fixed = {  # metrics that are inputs: the cohort engine's values exactly
            "cohort18": demo["cohort18"][0, h], "births_18_years_before": demo["births18"][0, h],
            "births_19_years_before": demo["births19"][0, h], "hs_graduates": demo["hs_graduates"][0, h],
            "first_time_applicants": entry["first_time"][h, 0],
            "tertiary_applicants": entry["applicants"][h, 0], "four_year_entrants": entry["four_year"][h, 0],
            "admission_quota": entry["quota"][h, 0], "unfilled_places": entry["unfilled"][h, 0],
            "tertiary_entrants": entry["tertiary"][h, 0],
            "seats_master": (np.asarray(m_in.seats) + np.asarray(m_in.ai_seats))[h, 0],
            "seats_phd": (np.asarray(d_in.seats) + np.asarray(d_in.ai_seats))[h, 0],
            "seats_ai_graduate_schools": (np.asarray(m_in.ai_seats) + np.asarray(d_in.ai_seats))[h, 0],
            "international_applicants": (np.asarray(m_in.international) + np.asarray(d_in.international))[h, 0],
            "budget_spent": sum(spend_h[lever] for lever in LEVERS),
            **{f"budget_{lever}": spend_h[lever] for lever in LEVERS},
            **{f"units_{lever}": units[f"{lever}_raw"][0, h] for lever in LEVERS},
            "demand": np.asarray(self.labour.demand)[h, 0],
        }
