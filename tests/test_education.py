"""Education mechanisms with hand-computed numbers."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from talentsim.engine.education import Pipeline, Programme, dropout_hazard, finish_schedule


def test_finish_schedule_with_fractional_duration():
    np.testing.assert_allclose(finish_schedule(np.array([2.0, 2.25, 5.1]), 6),
                               [[0, 1, 1, 1, 1, 1], [0, 0.75, 1, 1, 1, 1], [0, 0, 0, 0, 0.9, 1]])


def test_dropout_hazard_compounds_to_the_completion_rate():
    h = dropout_hazard(np.array([0.81]), np.array([2.0]))
    assert h[0] == pytest.approx(0.1)


def test_two_year_programme_by_hand():
    # intake 100, completion 0.81 over 2 years -> hazard 0.1
    p = Pipeline.empty(1, 1, 2)
    finish = finish_schedule(np.array([2.0]), 2)[:, None, :]
    hazard = np.array([[0.1]])
    g, d = p.step(np.array([[100.0]]), finish, hazard)
    assert (g[0, 0], d[0, 0], p.total[0]) == pytest.approx((0.0, 10.0, 90.0))
    g, d = p.step(np.array([[0.0]]), finish, hazard)
    assert (g[0, 0], d[0, 0], p.total[0]) == pytest.approx((81.0, 9.0, 0.0))


def test_service_group_graduates_two_years_later():
    p = Pipeline.empty(1, 2, 6)
    finish = np.stack([finish_schedule(np.array([4.0]), 6), finish_schedule(np.array([6.0]), 6)], axis=1)
    grads = []
    for year in range(7):
        intake = np.array([[50.0, 50.0]]) if year == 0 else np.zeros((1, 2))
        g, _ = p.step(intake, finish, np.zeros((1, 2)))
        grads.append(g[0].tolist())
    assert grads[3] == [50.0, 0.0] and grads[5] == [0.0, 50.0]
    assert sum(sum(x) for x in grads) == 100.0


def step(prog, new, seats, intl, reapply=0.5, ai_seats=0.0, ai_share=0.0, outside=0.0):
    one = np.ones(1)
    return prog.step(np.array([new]), np.array([seats]), ai_seats * one, ai_share * one, outside * one, intl * one,
                     reapply * one, finish_schedule(np.array([2.0]), 2), 0.0 * one)


def test_seats_below_applicants_build_a_waiting_list():
    prog = Programme.empty(1, 2)
    out = step(prog, 150.0, 100.0, intl=20.0)
    # free 100: 100 domestic of 150, no place left for the 20 international applicants;
    # 50 unplaced: 25 wait (reapply 0.5), 25 leave
    assert out["intake_domestic"][0] == pytest.approx(100)
    assert out["intake_international"][0] == 0
    assert out["unplaced_leavers"][0] == pytest.approx(25)
    assert prog.waitlist[0] == pytest.approx(25)
    # next year: 100 students continue, so no free place; the 25 wait again
    out = step(prog, 0.0, 100.0, intl=20.0)
    assert out["intake_domestic"][0] == 0 and out["intake_international"][0] == 0
    assert out["applicants"][0] == pytest.approx(25)
    assert prog.waitlist[0] == pytest.approx(12.5)
    # the third year the first cohort has graduated: 12.5 + 30 domestic, then 20 international
    out = step(prog, 30.0, 100.0, intl=20.0)
    assert out["intake_domestic"][0] == pytest.approx(42.5)
    assert out["intake_international"][0] == pytest.approx(20)


def test_international_intake_is_their_applicants_not_the_empty_seats():
    prog = Programme.empty(1, 2)
    out = step(prog, 60.0, 500.0, intl=30.0)
    # 440 places stay empty: international students come from their own pool (30), never more
    assert out["intake_domestic"][0] == 60 and out["intake_international"][0] == 30
    assert prog.waitlist[0] == 0


def test_ai_schools_admit_their_share_first_and_turn_the_rest_back_to_other_programmes():
    prog = Programme.empty(1, 2)
    # 1000 applicants, share 0.3 -> 300 apply to the AI schools, which have 80 places
    out = step(prog, 1000.0, 2000.0, intl=50.0, ai_seats=80.0, ai_share=0.3)
    assert out["applicants_ai"][0] == pytest.approx(300)
    assert out["intake_ai"][0] == pytest.approx(80)
    # the 220 turned away and the 700 others: 920 apply to the other programmes (1950 free)
    assert out["intake_domestic"][0] == pytest.approx(80 + 920)
    assert out["unplaced_leavers"][0] == 0 and prog.waitlist[0] == 0
    assert out["places_held_ai"][0] == pytest.approx(80)
    # next year the 80 AI students continue (2-year course, no dropout): no free AI place
    out = step(prog, 1000.0, 2000.0, intl=50.0, ai_seats=80.0, ai_share=0.3)
    assert out["intake_ai"][0] == 0 and out["places_held_ai"][0] == pytest.approx(80)
    # the third year the first cohort has graduated: 80 places free again
    out = step(prog, 1000.0, 2000.0, intl=50.0, ai_seats=80.0, ai_share=0.3)
    assert out["grads_ai"][0] == 0 and out["intake_ai"][0] == pytest.approx(80)


def test_outside_applicants_compete_for_ai_places_with_equal_chances():
    prog = Programme.empty(1, 2)
    # 300 pipeline applicants (0.3 of 1000) + 100 from outside for 80 places: each admitted with
    # chance 0.2 -> 60 from the pipeline, 20 from outside; 240 turned away fall back
    out = step(prog, 1000.0, 2000.0, intl=0.0, ai_seats=80.0, ai_share=0.3, outside=100.0)
    assert out["applicants_ai"][0] == pytest.approx(400)
    assert out["intake_ai"][0] == pytest.approx(80) and out["intake_outside"][0] == pytest.approx(20)
    # the other programmes admit the 700 + 240 pipeline applicants; outside applicants turned away leave
    assert out["intake_domestic"][0] == pytest.approx(80 + 940)
    assert out["unplaced_leavers"][0] == 0


def test_fill_rule_by_hand():
    from talentsim.engine.education import admissions, fill_rate

    # a >= full_ratio: max fill; below it: (a / full_ratio) ** gamma (gamma 2, not 1)
    np.testing.assert_allclose(fill_rate(np.array([1.5, 1.2, 0.6]), 0.95, 1.2, 2.0),
                               [0.95, 0.95, 0.95 * 0.25])
    # 600 applicants for 1000 places: a = 0.6, fill = 0.95 x 0.25 -> 237.5 entrants, not 600
    np.testing.assert_allclose(admissions(np.array([600.0, 1500.0, 10.0]), np.array([1000.0, 1000.0, 0.0]),
                                          0.95, 1.2, 2.0), [237.5, 950.0, 0.0])


def test_four_year_first_then_junior_colleges_by_hand():
    from talentsim.engine.education import tertiary_entry

    # 1000 applicants, 0.7 apply to four-year first (700 for 500 places, a = 1.4 >= 1.1: 0.9 x 500 = 450);
    # 300 + 250 turned away = 550 apply to junior colleges (400 places, a = 1.375: 360)
    four, junior = tertiary_entry(np.array([1000.0]), 0.7, np.array([500.0]), np.array([400.0]), 0.9, 1.1, 1.5)
    assert (four[0], junior[0]) == pytest.approx((450.0, 360.0))
    # few applicants: 400 x 0.7 = 280 for 500 places: a = 0.56, fill = 0.9 x (0.56 / 1.1) ** 1.5
    four, junior = tertiary_entry(np.array([400.0]), 0.7, np.array([500.0]), np.array([400.0]), 0.9, 1.1, 1.5)
    expect4 = 500 * 0.9 * (0.56 / 1.1) ** 1.5
    assert four[0] == pytest.approx(expect4)
    a_j = (400 - expect4) / 400
    assert junior[0] == pytest.approx(400 * 0.9 * (a_j / 1.1) ** 1.5)


def test_international_pool_by_hand():
    from talentsim.engine.education import international_applicants

    # 300 x (2000 / 1000) ** 0.5 x 1.2 ** 1.5, below the cap of 1000
    got = international_applicants(300.0, 2000.0, 1000.0, 0.5, 1.2, 1.5, 1000.0)
    assert got == pytest.approx(300 * 2**0.5 * 1.2**1.5)
    # the pool caps it
    assert international_applicants(300.0, 8000.0, 1000.0, 1.0, 1.0, 1.0, 1000.0) == 1000.0


@settings(max_examples=200, deadline=None)
@given(st.floats(0, 1e6), st.floats(0, 1), st.floats(0, 1e6), st.floats(0, 1e6), st.floats(0, 1),
       st.floats(0.01, 5), st.floats(0.01, 5))
def test_entrants_never_exceed_quota_or_applicants(applicants, share, q4, qj, fill_max, full, gamma):
    from talentsim.engine.education import tertiary_entry

    four, junior = tertiary_entry(np.array([applicants]), share, np.array([q4]), np.array([qj]), fill_max, full, gamma)
    assert 0 <= four[0] <= min(applicants * share, q4) * (1 + 1e-12) + 1e-9
    assert 0 <= junior[0] <= min(applicants - four[0], qj) * (1 + 1e-12) + 1e-9
    assert four[0] + junior[0] <= applicants * (1 + 1e-12) + 1e-9


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.floats(0, 1e4), st.floats(0, 1e4), st.floats(0, 1e3), st.floats(0, 1),
                          st.floats(0, 1e3)), min_size=1, max_size=8))
def test_graduate_admissions_never_exceed_places_or_applicants(years):
    prog = Programme.empty(1, 2)
    for new, seats, ai_seats, ai_share, intl in years:
        held = prog.enrolled(0)[0] + prog.enrolled(1)[0]
        held_ai = prog.enrolled(2)[0]
        waiting = prog.waitlist[0]
        out = step(prog, new, seats, intl, ai_seats=ai_seats, ai_share=ai_share)
        assert out["intake_ai"][0] <= max(ai_seats - held_ai, 0) + 1e-9
        assert out["intake_ai"][0] <= (new + waiting) * ai_share * (1 + 1e-12) + 1e-9
        open_dom = out["intake_domestic"][0] - out["intake_ai"][0]
        assert open_dom + out["intake_international"][0] <= max(seats - held, 0) * (1 + 1e-12) + 1e-9
        assert out["intake_international"][0] <= intl + 1e-9
        assert out["intake_domestic"][0] <= (new + waiting) * (1 + 1e-12) + 1e-9
        assert min(out[k][0] for k in ("intake_ai", "intake_domestic", "intake_international")) >= 0


def test_enrolment_never_exceeds_seats(baseline_run):
    for prog in ("master", "phd"):
        assert np.all(baseline_run[f"enrolled_{prog}"] <= baseline_run[f"seats_{prog}"] * (1 + 1e-12))
