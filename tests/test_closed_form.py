"""The whole yearly loop against hand computation on a deterministic toy scenario shipped as data
(``tests/data/toy_closed_form.yaml``, like SALib's test functions with known answers).

Two layers:

- closed forms for the parts that reach a steady state (tertiary entry at a binding quota, the
  bachelor's pipeline, the high-school graduates from the shipped births);
- a scalar, year-by-year recurrence of every equation of docs/model.md that the cohort loop
  chains (premium, take-up, graduate admissions with a waiting list, master's-to-PhD flows,
  fellowship switchers, leavers' AI share, study abroad, the workforce step with its latent
  pool, layoffs, two diaspora regions, returns and immigration), written from the equations,
  one draw, plain floats and small (Q, B) arrays; the engine must agree to float precision in
  every horizon year.

The toy's values are chosen so that a plausible wrong formula changes the numbers: shares
are not 0.5, elasticities not 1, the reference values differ from the starting ones, the
fellowships vary by year (t vs t+1), one horizon year fills the vacancies only in part, one lays
workers off, two fill every vacancy.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from scipy.special import expit, logit

import talentsim as ts
from talentsim.engine.demography import births_data

TOY = Path(__file__).parent / "data" / "toy_closed_form.yaml"
RTOL = 1e-11
BANDS = (20, 25, 30, 35, 40, 45, 50, 55, 60)


#: PhD places of the toy (5,000: never binding, international students admitted) and of its
#: variant (340: binding, a waiting list, unplaced PhD applicants entering the market)
PHD_SEATS = (5000.0, 340.0)
#: graduates' take-up response to the shortage rate: the toy's (take-up never reaches the
#: graduates available) and a strong one (master's and PhD take-up hit that ceiling in 2027)
RESPONSE = (0.5, 10.0)


# Every test simulates the toy itself (a fraction of a second) rather than sharing a fixture:
# a mutation tool attributes a function to the tests that call it, and a shared fixture would
# be attributed to the first test only (docs/testing.md).
def toy(phd_seats: float = PHD_SEATS[0], response: float = RESPONSE[0]):
    s = ts.load_scenario(TOY)
    changes = {"graduate_school.phd.base_seats": phd_seats} if phd_seats != PHD_SEATS[0] else {}
    if response != RESPONSE[0]:
        changes["workforce.take_up_response"] = response
    return s.with_values(changes) if changes else s


def simulate(phd_seats: float = PHD_SEATS[0], response: float = RESPONSE[0], **kwargs):
    s = toy(phd_seats, response)
    return ts.simulate(s, ts.sample_inputs(s), **kwargs)


# ------------------------------------------------------------------ closed forms
def test_the_toy_has_no_uncertain_inputs_and_every_draw_is_the_same():
    run = simulate()
    draws = ts.sample_inputs(toy())
    assert draws.names == [] and run.n_draws == 3
    assert (run.method, run.seed) == (draws.method, draws.seed) == ("mc", 1)
    for name, values in run.metrics.items():
        np.testing.assert_array_equal(values, np.broadcast_to(values[:1], values.shape), err_msg=name)


def test_demography_by_hand_from_the_shipped_births():
    run = simulate()
    births = births_data()
    years = np.arange(2024, 2028)
    b18, b19 = births.loc[years - 18].to_numpy(), births.loc[years - 19].to_numpy()
    np.testing.assert_allclose(run["hs_graduates"][0], b19 * 0.9, rtol=RTOL)
    np.testing.assert_allclose(run["cohort18"][0], 0.97 * (b18 + b19) / 2, rtol=RTOL)
    np.testing.assert_allclose(run["births_19_years_before"][0], b19, rtol=RTOL)
    np.testing.assert_allclose(run["first_time_applicants"][0], b19 * 0.9 * 0.7, rtol=RTOL)
    np.testing.assert_allclose(run["tertiary_applicants"][0], b19 * 0.9 * 0.7 * 1.5, rtol=RTOL)


def test_entry_at_a_binding_quota_by_hand():
    run = simulate()
    # applicants per four-year place >= full_ratio (1.2): fill is fill.max, whatever gamma
    assert np.all(run["tertiary_applicants"][0] * 0.8 / 10000 >= 1.2)
    np.testing.assert_allclose(run["four_year_entrants"], 9000.0, rtol=RTOL)
    np.testing.assert_allclose(run["tertiary_entrants"], 9000.0 + 4500.0, rtol=RTOL)
    np.testing.assert_allclose(run["admission_quota"], 10000.0 + 5000.0, rtol=RTOL)  # four-year + junior
    np.testing.assert_allclose(run["unfilled_places"], 15000.0 - 13500.0, rtol=RTOL)
    np.testing.assert_allclose(run["ai_track_entrants"], 1800.0, rtol=RTOL)


def test_bachelor_pipeline_steady_state_by_hand():
    run = simulate()
    # serving share 0.75 x 0.8 = 0.6 study 4 + 2 = 6 years, the rest 4 years; each group's
    # hazard h = 1 - 0.81 ** (1 / d) so that it graduates intake x 0.81
    intake = {4: 1800 * 0.4, 6: 1800 * 0.6}
    grads = sum(i * 0.81 for i in intake.values())
    stock = sum(i * sum((0.81 ** (1 / d)) ** k for k in range(1, d)) for d, i in intake.items())
    np.testing.assert_allclose(run["grads_bachelor"], grads, rtol=RTOL)
    np.testing.assert_allclose(run["dropouts_bachelor"], 1800 - grads, rtol=RTOL)
    np.testing.assert_allclose(run["students_bachelor"], stock, rtol=RTOL)
    np.testing.assert_allclose(run.initial["students_bachelor"], stock, rtol=RTOL)


def test_the_horizon_years_exercise_every_regime():
    expected = reference(PHD_SEATS[0])
    # year 1 fills its vacancies only in part, year 2 lays workers off, years 3-4 fill them all
    fill = expected["fill"]
    assert 0.3 < fill[0] < 0.9 and fill[1] == 0 and fill[2] == fill[3] == 1
    assert expected["layoffs"][1] > 0 and expected["layoffs"][0] == expected["layoffs"][2] == 0
    assert np.all(expected["waitlist_master"] > 0) and np.all(expected["fellowship_switchers"] > 0)


# ------------------------------------------------------------------ the recurrence
COMPARED = [
    "grads_bachelor", "students_bachelor",
    "applicants_master", "applicants_phd", "intake_domestic_master", "intake_domestic_phd",
    "intake_international_master", "intake_international_phd", "intake_outside_master", "intake_outside_phd",
    "unplaced_leavers_master", "unplaced_leavers_phd", "reapplicants_master", "reapplicants_phd",
    "waitlist_master", "waitlist_phd",
    "grads_domestic_master", "grads_domestic_phd", "grads_international_phd", "dropouts_master", "dropouts_phd",
    "enrolled_master", "enrolled_phd", "grads_master", "grads_phd",
    "applicants_ai_graduate_schools", "intake_ai_graduate_schools", "grads_ai_graduate_schools",
    "stock_ai_graduate_schools", "enrolled_ai_graduate_schools", "seats_ai_graduate_schools",
    "seats_master", "seats_phd", "international_applicants",
    "study_abroad", "fellowship_pool", "fellowship_switchers", "units_phd_fellowships", "budget_spent",
    "domestic_ai_premium", "ai_workforce", "ai_workforce_bachelor", "ai_workforce_master", "ai_workforce_phd",
    "ai_workforce_foreign_born", "jobs", "vacancies", "candidates", "hires", "inflow_graduates",
    "inflow_immigrants", "inflow_returnees", "inflow_recalled", "layoffs", "latent_ai_qualified",
    "latent_entries", "latent_exits", "emigration", "emigration_korean", "emigration_foreign_born",
    "emigration_us", "emigration_europe", "emigration_rate", "net_migration", "retirement", "attrition",
    "diaspora", "diaspora_us", "diaspora_europe", "returnees_us", "returnees_europe",
    "diaspora_retirement_us", "diaspora_retirement_europe", "demand", "shortage", "shortage_probability",
    "dropouts_ai_graduate_schools", "grads_international_master", "diaspora_retirement",
]


@pytest.mark.parametrize("phd_seats", PHD_SEATS, ids=["phd_open", "phd_binding"])
def test_every_horizon_year_matches_the_hand_recurrence(phd_seats):
    run, expected = simulate(phd_seats), reference(phd_seats)
    wrong = [name for name in COMPARED
             if not np.allclose(run[name][0], expected[name], rtol=RTOL, atol=1e-9)]
    assert not wrong, {name: (run[name][0], expected[name]) for name in wrong}
    assert all(np.array_equal(run[name][0], run[name][-1]) for name in COMPARED)


def test_take_up_held_at_the_graduates_available_matches_the_hand_recurrence():
    # a strong shortage response: the master's and PhD graduates' take-up is capped at those
    # available (incl. applicants who gave up on a PhD place: the binding PhD variant)
    run, expected = simulate(PHD_SEATS[1], RESPONSE[1]), reference(PHD_SEATS[1], RESPONSE[1])
    assert expected["binding"][:, 1:].any(axis=0).all() and not reference(PHD_SEATS[1])["binding"].any()
    wrong = [name for name in COMPARED
             if not np.allclose(run[name][0], expected[name], rtol=RTOL, atol=1e-9)]
    assert not wrong, {name: (run[name][0], expected[name]) for name in wrong}


@pytest.mark.parametrize("phd_seats", PHD_SEATS, ids=["phd_open", "phd_binding"])
def test_stocks_before_the_horizon_match_the_hand_recurrence(phd_seats):
    run, expected = simulate(phd_seats), reference(phd_seats)
    wrong = [name for name, value in expected["initial"].items()
             if not np.allclose(run.initial[name][0], value, rtol=RTOL, atol=1e-9)]
    assert not wrong, wrong


def test_a_metrics_subset_is_the_same_numbers():
    full, part = simulate(), simulate(metrics=["ai_workforce", "waitlist_master"], chunk_size=2)
    assert sorted(part.metrics) == ["ai_workforce", "waitlist_master"]
    for name in part.metrics:
        np.testing.assert_array_equal(part[name], full[name])
    for name, value in full.initial.items():
        np.testing.assert_array_equal(part.initial[name], value)
    with pytest.raises(ValueError, match=r"unknown metrics \['no_such_metric'\]"):
        simulate(metrics=["ai_workforce", "no_such_metric"])


def test_the_binding_phd_variant_has_a_waiting_list_and_unplaced_leavers():
    expected = reference(PHD_SEATS[1])
    assert np.all(expected["waitlist_phd"] > 0) and np.all(expected["unplaced_leavers_phd"] > 0)
    assert np.all(expected["intake_international_phd"] == 0)
    assert np.all(reference(PHD_SEATS[0])["intake_international_phd"] > 0)


def finish(d: int) -> np.ndarray:
    """Finishing probability by study year k = 1..d for an integer duration d."""
    return np.array([1.0 if k >= d else 0.0 for k in range(1, d + 1)])


class Stage:
    """A graduate stage: other programmes' domestic (0) and international (1) students, AI-school
    students (2), by study year; and the waiting list."""

    def __init__(self, years, seats, ai_seats, ai_share, outside, international, reapply):
        self.d = years
        self.stock = np.zeros((3, years))
        self.wait = 0.0
        self.seats, self.ai_seats, self.ai_share = seats, ai_seats, ai_share
        self.outside, self.international, self.reapply = outside, international, reapply

    def enrolled(self):
        return self.stock.sum()

    def step(self, new, hazard):
        held = self.stock.sum(axis=1)
        applicants = new + self.wait
        apply_ai = self.ai_share * applicants
        all_ai = apply_ai + self.outside
        intake_all = min(all_ai, max(self.ai_seats - held[2], 0.0))
        intake_ai = apply_ai * intake_all / all_ai
        free = max(self.seats - held[0] - held[1], 0.0)
        rest = applicants - intake_ai
        dom = min(rest, free)
        intl = min(self.international, free - dom)
        unplaced = rest - dom
        reapplicants, self.wait = self.wait, unplaced * self.reapply
        studying = np.zeros_like(self.stock)
        studying[:, 0] = [dom, intl, intake_all]
        studying[:, 1:] = self.stock[:, :-1]
        drop = studying * hazard
        grads = (studying - drop) * finish(self.d)
        self.stock = studying - drop - grads
        g = grads.sum(axis=1)
        return {"applicants": applicants, "intake_domestic": dom + intake_all, "intake_international": intl,
                "intake_outside": intake_all - intake_ai, "unplaced_leavers": unplaced - self.wait,
                "reapplicants": reapplicants, "grads_domestic": g[0] + g[2], "grads_international": g[1],
                "grads_ai": g[2], "dropouts": drop.sum(), "dropouts_ai": drop[2].sum(), "applicants_ai": all_ai, "intake_ai": intake_all,
                "places_held_ai": held[2] + intake_all, "stock_ai": self.stock[2].sum()}


def reference(phd_seats: float, response: float = RESPONSE[0]) -> dict:
    """Every compared metric of the toy for the horizon years, by a scalar recurrence."""
    years = list(range(2004, 2028))
    live0 = years.index(2024)
    # ---- education inputs (constant here: see the closed-form tests)
    ai_entrants = 1800.0
    serve = 0.75 * 0.8
    groups = [(4, ai_entrants * (1 - serve)), (6, ai_entrants * serve)]
    ug = [np.zeros(d) for d, _ in groups]
    ug_h = [1 - 0.81 ** (1 / d) for d, _ in groups]
    dest = {"master": 0.2, "phd": 0.05, "ai_job": 0.3, "abroad": 0.04}
    not_studying = 1 - dest["master"] - dest["phd"]
    # AI-school places 200: 60 % master's, 40 % PhD; outside applicants 0.5 per place: the toy has
    # no reskilling lever, so no engineers' pool to draw them from (tests/test_graduate_schools.py
    # checks that draw by hand): places x 0.5
    out_m = 120 * 0.5
    out_d = 80 * 0.5
    # international applicants: base x (seats / reference) ** 0.5 x 1.21 ** 2, at most the cap
    intl_m = min(40 * (400 / 100) ** 0.5 * 1.21**2, 100.0)
    intl_d = min(50 * (phd_seats / 1250) ** 0.5 * 1.21**2, 1000.0)
    master = Stage(2, 400.0, 120.0, 0.3, out_m, intl_m, 0.3)
    phd = Stage(3, phd_seats, 80.0, 0.3, out_d, intl_d, 0.2)
    h_m, h_d = 1 - 0.9 ** (1 / 2), 1 - 0.729 ** (1 / 3)
    m_job, m_abroad, m_phd, d_job, d_abroad, ai_job = 0.4, 0.06, 0.25, 0.55, 0.12, 0.65
    stay = 0.4 * 0.5

    # fellowships: 1.0 KRW bn in 2004 rising linearly to 3.3 in 2027, 0.02 a funded student-year;
    # x 0.3 extra PhD applicants; the dropout hazard of the funded share falls by 25 %
    def budget(year):
        return 1.0 + (3.3 - 1.0) * (year - 2004) / (2027 - 2004)

    raw = [budget(y) / 0.02 for y in years]
    fellows = [0.3 * u for u in raw]

    # ---- workforce: (Q, B) stocks; shares bachelor 0.6, master 0.3, phd 0.1
    quals = np.array([0.6, 0.3, 0.1])
    ages = np.array([0.3, 0, 0.6, 0, 0, 0, 0, 0, 0.1])
    total0 = 50000.0
    stock = (1 - 0.05) * total0 * np.outer(quals, ages)
    foreign = 0.05 * total0 * np.outer(quals, ages)
    latent = 2000.0 * np.outer(quals, ages)
    d_ages = np.zeros(9)
    d_ages[[2, 8]] = 0.5
    diaspora = 1000.0 * np.outer(quals, d_ages)
    regions = np.array([800.0, 200.0])  # us, europe
    age_mult = np.array([1, 1, 0.8, 1, 1, 1, 1, 1, 0.5])
    mult = np.outer([0.6, 1.0, 1.4], age_mult)
    band = {b: j for j, b in enumerate(BANDS)}
    entry = {"bachelor": band[25], "master": band[25], "phd": band[30], "immigrant": band[35]}
    demand = dict(zip(range(2023, 2028), [47000.0, 45200.0, 41000.0, 48000.0, 56000.0]))
    premium = 0.10
    shortage_rate = (demand[2023] - total0) / demand[2023]
    pay, pay0, shares = np.array([2.2, 1.3]), np.array([2.0, 1.3]), np.array([0.7, 0.3])

    def age(x):
        """1/5 of each band moves up; returns the last band's movers (retirement)."""
        moving = x / 5
        x -= moving
        x[..., 1:] += moving[..., :-1]
        return moving[..., -1].sum()

    out: dict[str, list] = {}

    def put(**values):
        for k, v in values.items():
            out.setdefault(k, []).append(float(v))

    to_master = to_phd = 0.0
    to_phd_b = wait_b = 0.0  # bachelor's holders among the PhD applicants in transit / waiting
    initial = {}
    binding: list[bool] = []  # per horizon year: did take-up hit the ceiling (bachelor, master, PhD)
    for i, year in enumerate(years):
        live = i >= live0
        if live:
            # premium: moves 0.3 of the way to max(0.06 + 0.5 (shortage rate - 0.1), -0.05)
            target = max(0.06 + 0.5 * (shortage_rate - 0.1), -0.05)
            premium = premium + 0.3 * (target - premium)
            take_up = max(1 + response * (shortage_rate - 0.1), 0.0)
        # bachelor's pipeline
        grads_b = 0.0
        for g, (d, intake) in enumerate(groups):
            studying = np.concatenate([[intake], ug[g][:-1]])
            staying = studying * (1 - ug_h[g])
            grads_b += (staying * finish(d)).sum()
            ug[g] = staying * (1 - finish(d))
        m = master.step(to_master, h_m)
        covered = min(raw[i] / max(phd.enrolled(), 1.0), 1.0)
        d = phd.step(to_phd, h_d * (1 - 0.25 * covered))
        share_b = (to_phd_b + wait_b) / d["applicants"] if d["applicants"] > 0 else 0.0
        phd_leave_b, wait_b = d["unplaced_leavers"] * share_b, phd.wait * share_b
        to_master = grads_b * dest["master"]
        to_phd = grads_b * dest["phd"] + m["grads_domestic"] * m_phd
        # fellowships of next year pull applicants from this year's market-bound graduates
        pool = grads_b * (not_studying - dest["abroad"]) + m["grads_domestic"] * (1 - m_phd - m_abroad)
        nxt = fellows[min(i + 1, len(years) - 1)]
        switchers = pool * (1 - np.exp(-nxt / pool)) if pool > 0 else 0.0  # none from an empty pool
        keep = 1 - switchers / pool if pool > 0 else 1.0
        to_phd += switchers
        # bachelor's holders: direct applicants and the switchers' bachelor's part of the pool
        to_phd_b = grads_b * dest["phd"] + (1 - keep) * grads_b * (not_studying - dest["abroad"])
        if i == live0 - 1:
            initial = {"students_bachelor": sum(x.sum() for x in ug), "enrolled_master": master.enrolled(),
                       "enrolled_phd": phd.enrolled(), "waitlist_master": master.wait, "waitlist_phd": phd.wait,
                       "stock_ai_graduate_schools": master.stock[2].sum() + phd.stock[2].sum(),
                       "ai_workforce": stock.sum() + foreign.sum(), "diaspora": regions.sum(),
                       "latent_ai_qualified": latent.sum(), "diaspora_us": regions[0],
                       "diaspora_europe": regions[1]}
        if not live:
            continue

        # graduates seeking Korean AI jobs: the take-up multiplier scales them, never above the
        # graduates available; applicants who miss a place enter like graduates of the degree
        # they hold (PhD applicants: bachelor's or master's, in the applicants' mix)
        def take(base, ceiling, take_up=take_up):
            binding.append(base * take_up > max(ceiling, base))
            return min(base * take_up, max(ceiling, base))

        leave_b = m["unplaced_leavers"] + phd_leave_b
        leave_m = d["unplaced_leavers"] - phd_leave_b
        to_b = take(grads_b * keep * dest["ai_job"] + leave_b * dest["ai_job"] / not_studying,
                    grads_b * keep * (not_studying - dest["abroad"]) + leave_b)
        m_other = m["grads_domestic"] - m["grads_ai"]
        to_m = take(keep * (m_other * m_job + m["grads_ai"] * ai_job) + leave_m * m_job / (1 - m_phd),
                    m["grads_domestic"] * keep * (1 - m_phd - m_abroad) + leave_m)
        to_d = take((d["grads_domestic"] - d["grads_ai"]) * d_job + d["grads_ai"] * ai_job,
                    d["grads_domestic"] * (1 - d_abroad))
        foreign_grads = np.array([0.0, m["grads_international"] * stay, d["grads_international"] * stay])
        to_ai = np.array([to_b, to_m, to_d]) + foreign_grads

        # ---- migration rates at this year's premium
        start_k, start_f = stock.sum(), foreign.sum()
        ratio = pay * (1 + 0.06) / (1 + premium)
        h_r = shares * 0.1 * expit(logit(0.02 / 0.1) + 1.5 * np.log(ratio / pay0))
        h = h_r.sum()
        r = 0.3 * expit(logit(0.05 / 0.3) - 0.8 * np.log(ratio / pay0))
        immigrants = 200 * ((1 + premium) / 1.06 * 1.4 / 1.5) ** 1.5
        jobs = demand[year] * 1.04
        # ---- separations, ageing
        emig = stock * h * mult
        emig_f = foreign * h * mult * 2.0
        stock = stock * (1 - 0.04) - emig
        foreign = foreign * (1 - 0.04) - emig_f
        retired = age(stock) + age(foreign)
        after = stock.sum() + foreign.sum()
        layoffs = laid_f = 0.0
        laid = np.zeros_like(stock)
        if after > jobs:  # every cell keeps jobs / after
            kept = jobs / after
            laid = stock * (1 - kept)
            layoffs, laid_f = laid.sum(), foreign.sum() * (1 - kept)
            stock, foreign = stock * kept, foreign * kept
        vacancies = max(jobs - after, 0.0)
        # ---- candidates, hired pro rata
        dom = np.zeros_like(stock)
        dom[:, entry["bachelor"]] += [to_ai[0] - foreign_grads[0], 0, 0]
        dom[1, entry["master"]] += to_ai[1] - foreign_grads[1]
        dom[2, entry["phd"]] += to_ai[2] - foreign_grads[2]
        fgn = np.zeros_like(stock)
        fgn[1, entry["master"]] += foreign_grads[1]
        fgn[2, entry["phd"]] += foreign_grads[2]
        fgn[:, entry["immigrant"]] += immigrants * np.array([0.2, 0.5, 0.3])
        cand_ret = regions * r
        cand_rec = latent.sum() * 0.2
        candidates = dom.sum() + fgn.sum() + cand_ret.sum() + cand_rec
        fill = min(vacancies / candidates, 1.0)
        returned = cand_ret * fill
        back = returned.sum() / regions.sum()
        stock += diaspora * back + dom * fill + latent * 0.2 * fill
        foreign += fgn * fill
        lat_start = latent.sum()
        latent = latent * (1 - 0.1 - 0.2 * fill)
        lat_retired = age(latent)
        latent += dom * (1 - fill) + laid
        # ---- diaspora: returnees leave, it ages, the emigrants join their regions
        diaspora = diaspora * (1 - back)
        d_retired = age(diaspora)
        staying = regions - returned
        retired_abroad = staying * d_retired / staying.sum()
        diaspora += emig
        em_k = emig.sum()
        split = h_r / h
        regions = staying - retired_abroad + em_k * split
        supply = stock.sum() + foreign.sum()
        shortage = demand[year] - supply
        shortage_rate = shortage / demand[year]
        emigration = em_k + emig_f.sum() + laid_f
        by_q = stock.sum(axis=1) + foreign.sum(axis=1)
        put(grads_bachelor=grads_b, students_bachelor=sum(x.sum() for x in ug),
            **{f"{k}_master": m[k] for k in ("applicants", "intake_domestic", "intake_international", "intake_outside",
                                              "unplaced_leavers", "reapplicants", "grads_domestic", "grads_international", "dropouts")},
            **{f"{k}_phd": d[k] for k in ("applicants", "intake_domestic", "intake_international", "intake_outside",
                                           "unplaced_leavers", "reapplicants", "grads_domestic", "grads_international",
                                           "dropouts")},
            waitlist_master=master.wait, waitlist_phd=phd.wait, enrolled_master=master.enrolled(), enrolled_phd=phd.enrolled(),
            grads_master=m["grads_domestic"] + m["grads_international"],
            grads_phd=d["grads_domestic"] + d["grads_international"],
            applicants_ai_graduate_schools=m["applicants_ai"] + d["applicants_ai"],
            intake_ai_graduate_schools=m["intake_ai"] + d["intake_ai"],
            grads_ai_graduate_schools=m["grads_ai"] + d["grads_ai"],
            dropouts_ai_graduate_schools=m["dropouts_ai"] + d["dropouts_ai"],
            stock_ai_graduate_schools=m["stock_ai"] + d["stock_ai"],
            enrolled_ai_graduate_schools=m["places_held_ai"] + d["places_held_ai"],
            seats_ai_graduate_schools=200.0, seats_master=400.0 + 120.0, seats_phd=phd_seats + 80.0,
            international_applicants=intl_m + intl_d,
            study_abroad=grads_b * dest["abroad"] + m["grads_domestic"] * m_abroad + d["grads_domestic"] * d_abroad,
            fellowship_pool=pool, fellowship_switchers=switchers, units_phd_fellowships=raw[i],
            budget_spent=budget(year), domestic_ai_premium=premium, ai_workforce=supply,
            ai_workforce_bachelor=by_q[0], ai_workforce_master=by_q[1], ai_workforce_phd=by_q[2],
            ai_workforce_foreign_born=foreign.sum(), jobs=jobs, vacancies=vacancies, candidates=candidates,
            hires=(dom.sum() + fgn.sum() + cand_rec) * fill + returned.sum(),
            inflow_graduates=to_ai.sum() * fill, inflow_immigrants=immigrants * fill,
            inflow_returnees=returned.sum(), inflow_recalled=cand_rec * fill, layoffs=layoffs,
            latent_ai_qualified=latent.sum(), latent_entries=dom.sum() * (1 - fill),
            latent_exits=lat_start * 0.1 + lat_retired, emigration=emigration, emigration_korean=em_k,
            emigration_foreign_born=emig_f.sum() + laid_f, emigration_us=em_k * split[0],
            emigration_europe=em_k * split[1], emigration_rate=emigration / (start_k + start_f),
            net_migration=immigrants * fill + returned.sum() - emigration, retirement=retired,
            attrition=0.04 * (start_k + start_f), diaspora=regions.sum(), diaspora_us=regions[0],
            diaspora_europe=regions[1], returnees_us=returned[0], returnees_europe=returned[1],
            diaspora_retirement_us=retired_abroad[0], diaspora_retirement_europe=retired_abroad[1],
            diaspora_retirement=retired_abroad.sum(),
            demand=demand[year], shortage=shortage, shortage_probability=float(shortage > 0), fill=fill)
    result = {k: np.array(v) for k, v in out.items()}
    result["initial"] = initial
    result["binding"] = np.array(binding).reshape(-1, 3)
    return result
