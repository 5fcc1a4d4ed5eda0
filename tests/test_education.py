"""Education mechanisms with hand-computed numbers."""

import numpy as np
import pytest

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


def test_seats_below_applicants_build_a_waiting_list():
    prog = Programme.empty(1, 2)
    one = np.ones(1)
    out = prog.step(np.array([150.0]), np.array([100.0]), 0.2 * one, 0.5 * one,
                    finish_schedule(np.array([2.0]), 2), 0.0 * one)
    # free 100: 20 international, 80 domestic of 150; 70 unplaced: 35 wait, 35 leave
    assert out["intake_international"][0] == pytest.approx(20)
    assert out["intake_domestic"][0] == pytest.approx(80)
    assert out["unplaced_leavers"][0] == pytest.approx(35)
    assert prog.waitlist[0] == pytest.approx(35)
    # next year: 100 students continue, so no free place; the 35 wait again (reapply 0.5)
    out = prog.step(np.array([0.0]), np.array([100.0]), 0.2 * one, 0.5 * one,
                    finish_schedule(np.array([2.0]), 2), 0.0 * one)
    assert out["intake_domestic"][0] == 0 and out["applicants"][0] == pytest.approx(35)
    assert prog.waitlist[0] == pytest.approx(17.5)


def test_seats_above_applicants_admit_everyone():
    prog = Programme.empty(1, 2)
    one = np.ones(1)
    out = prog.step(np.array([60.0]), np.array([500.0]), 0.0 * one, 0.5 * one,
                    finish_schedule(np.array([2.0]), 2), 0.0 * one)
    assert out["intake_domestic"][0] == 60 and prog.waitlist[0] == 0


def test_enrolment_never_exceeds_seats(baseline_run):
    for prog in ("master", "phd"):
        assert np.all(baseline_run[f"enrolled_{prog}"] <= baseline_run[f"seats_{prog}"] * (1 + 1e-12))
