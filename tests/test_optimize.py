"""Budget optimisation: the closed-form optimum of a two-lever toy, the stacked evaluation,
the objectives by hand, marginal costs at scale, the CLI end to end and its bad-input errors."""

import json
import math

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

import talentsim as ts
from talentsim.analysis.optimize import Goal, OptimizeError, project
from talentsim.analysis.splits import SplitEvaluator, with_extra_budget
from talentsim.cli import main

from .conftest import BASELINE, ROOT

TOY = ROOT / "tests" / "data" / "toy_two_levers.yaml"
PAIR = ["reskilling", "talent_visas"]


def closed_form(budget: float) -> float:
    """KRW bn a year to reskilling at the toy's optimum (see tests/data/toy_two_levers.yaml)."""
    k_a, k_b, c_a, c_b = 0.01 * 5000, 0.02 * 10000, 0.01, 0.02
    return (math.log(c_b / c_a) + budget / k_b) / (1 / k_a + 1 / k_b)


@pytest.fixture(scope="module")
def toy():
    return ts.load_scenario(TOY)


def test_closed_form_numbers():
    assert closed_form(300) == pytest.approx(87.726, abs=1e-3)
    assert closed_form(100) == pytest.approx(47.726, abs=1e-3)


def test_cli_finds_the_toy_optimum_within_2_percent_and_writes_every_file(tmp_path):
    out = tmp_path / "opt"
    result = CliRunner().invoke(main, ["optimize", str(TOY), "--budget", "300", "--levers", ",".join(PAIR),
                                       "--draws", "30", "--seed", "4", "--starts", "2",
                                       "--frontier", "100,200,300,400,500", "--out", str(out)])
    assert result.exit_code == 0, result.output
    allocation = pd.read_csv(out / "allocation.csv").set_index("lever")
    assert allocation.loc["reskilling", "krw_bn"] == pytest.approx(closed_form(300), rel=0.02)
    assert allocation.krw_bn.sum() == pytest.approx(300.0)
    assert allocation.share.sum() == pytest.approx(1.0)
    frontier = pd.read_csv(out / "frontier.csv")
    assert frontier.budget_krw_bn.tolist() == [100, 200, 300, 400, 500]
    for _, row in frontier.iterrows():  # interior at every level: B_a = (ln 2 + B / 200) / 0.025
        assert row.krw_bn_reskilling == pytest.approx(closed_form(row.budget_krw_bn), rel=0.02)
    assert (np.diff(frontier.value) > 0).all()  # more money, more worker-years
    assert (frontier.value_p05 <= frontier.value).all() and (frontier.value <= frontier.value_p95).all()
    evaluation = pd.read_csv(out / "evaluation.csv").set_index("policy")
    assert list(evaluation.index) == ["optimised", "equal_split", "best_single_lever:talent_visas"]
    assert (evaluation.seed == 5).all()  # fresh draws: --seed + 1
    assert (evaluation.iloc[1:].p_better >= 0.9).all() and (evaluation.iloc[1:].optimised_minus_policy > 0).all()
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["kind"] == "optimize" and manifest["seed"] == 4 and manifest["discount_rate"] == 0.045
    for name in ("allocation", "frontier"):
        assert (out / "figures" / f"{name}.png").stat().st_size > 1000


def test_cvar_objective_finds_the_same_toy_optimum(toy):
    # every outcome rises with the total arrivals, so the worst draws want the same split
    result = ts.optimize(toy, 300, levers=PAIR, objective="cvar", alpha=0.2, frontier=[300], n_draws=20, rng=2, starts=1)
    x = result.allocation.set_index("lever").krw_bn
    assert x["reskilling"] == pytest.approx(closed_form(300), rel=0.02)
    assert result.settings["objective"] == "cvar" and len(result.frontier) == 1


def test_bounds_bind(toy):
    result = ts.optimize(toy, 300, levers=PAIR, maximum={"reskilling": 50.0}, frontier=[300], n_draws=10, rng=2,
                         starts=1)
    x = result.allocation.set_index("lever").krw_bn
    assert x.tolist() == pytest.approx([50.0, 250.0], abs=1e-6)


def test_stacked_evaluation_equals_simulating_each_split_alone(toy):
    ev = SplitEvaluator(toy, PAIR, 2027, n_draws=12, rng=9)
    splits = np.array([[0.0, 0.0], [40.0, 0.0], [10.0, 70.0]])
    out = ev.run(splits)
    for k, split in enumerate(splits):
        alone = with_extra_budget(toy, dict(zip(PAIR, split)), 2027)
        run = ts.simulate(alone, ts.sample_inputs(alone, 12, rng=9))
        for metric in ("ai_workforce", "budget_spent", "shortage"):
            np.testing.assert_array_equal(out[metric][k], run[metric])
    spent = out["budget_spent"][2] - out["budget_spent"][0]
    assert spent[:, list(ev.years).index(2026)] == pytest.approx(0.0)  # money starts in --from
    assert spent[:, list(ev.years).index(2027)] == pytest.approx(80.0)


def test_with_extra_budget_refuses_levers_without_parameters_and_negative_money(tmp_path):
    s = ts.load_scenario(BASELINE)
    with pytest.raises(ValueError, match="lever 'teleport' has no parameters in scenario 'baseline'"):
        with_extra_budget(s, {"teleport": 1.0}, 2026)
    with pytest.raises(ValueError, match=r"reskilling: KRW bn a year must be >= 0 \(got -1\)"):
        with_extra_budget(s, {"reskilling": -1.0}, 2026)


def test_objectives_by_hand():
    outcome = np.arange(1.0, 11.0)[None, :]  # 1..10
    cvar = Goal("cvar", 0.045, (2026, 2050), 2035, 0.0, 0.2)
    assert cvar.statistic(outcome) == pytest.approx([1.5])  # mean of the worst 2, not the 20 % quantile
    smoothed = Goal("cvar", 0.045, (2026, 2050), 2035, 0.0, 0.2, bandwidth=0.01)
    assert smoothed.statistic(outcome, smooth=True) == pytest.approx([1.5], abs=0.01)
    short = Goal("shortage_probability", 0.045, (2026, 2050), 2035, 5.0, 0.1, bandwidth=0.5)
    assert short.statistic(outcome) == pytest.approx([0.5])  # shortage > 5, not >= 5
    # the logistic gives the draw at the threshold half a weight and the others ~0 or ~1
    assert short.statistic(outcome, smooth=True) == pytest.approx([0.55], abs=0.005)
    assert short.better(np.array([0.2]), np.array([0.3])).all()  # lower P(shortage) is better
    wy = Goal("worker_years", 0.045, (2026, 2050), 2035, 0.0, 0.1)
    assert wy.statistic(outcome) == pytest.approx([5.5])


def test_projection_onto_the_bounded_simplex():
    lo, hi = np.array([0.0, 10.0, 0.0]), np.array([100.0, 100.0, 20.0])
    x = project(np.array([90.0, 0.0, 90.0]), lo, hi, 100.0)
    assert x.sum() == pytest.approx(100.0) and (x >= lo - 1e-9).all() and (x <= hi + 1e-9).all()
    assert x == pytest.approx([70.0, 10.0, 20.0], abs=1e-6)


def test_marginal_costs_rise_with_scale_for_a_capped_lever(tmp_path):
    out = tmp_path / "lev"
    result = CliRunner().invoke(main, ["levers", str(TOY), "--scales", "10,100,1000", "--levers", ",".join(PAIR),
                                       "--draws", "10", "--out", str(out)])
    assert result.exit_code == 0, result.output
    frame = pd.read_csv(out / "marginal_costs.csv")
    assert frame.scale_krw_bn.tolist() == [10, 100, 1000, 10, 100, 1000]
    for lever, rows in frame.groupby("lever"):
        cost = rows.krw_bn_per_worker_year.to_numpy()
        assert (np.diff(cost) > 0).all(), lever  # more money buys less per won at scale
    # reskilling: k = 50 bn, so 1000 bn a year buys at most its cap; ~20x dearer than at 10 bn
    resk = frame[frame.lever == "reskilling"].krw_bn_per_worker_year.to_numpy()
    assert resk[2] / resk[0] > 10
    assert (out / "figures" / "marginal_costs.png").exists()
    assert json.loads((out / "manifest.json").read_text())["kind"] == "marginal_costs"


@pytest.mark.parametrize("args, message", [
    (["--budget", "-5"], "Invalid value for '--budget': -5.0 is not in the range x>0"),
    (["--budget", "100", "--min", "reskilling=60", "--max", "reskilling=50"],
     "Invalid value for '--min': reskilling=60 is above --max reskilling=50"),
    (["--budget", "100", "--min", "reskilling=60", "--min", "talent_visas=50"],
     "Invalid value for '--min': the minimums add up to 110 KRW bn a year, above --budget 100"),
    (["--budget", "100", "--min", "teleport=5"], "Invalid value for '--min': unknown lever 'teleport'; expected one of: "
                                                  "graduate_seats, phd_fellowships"),
    (["--budget", "100", "--max", "reskilling"], "Invalid value for '--max': expected LEVER=KRW_BN"),
    (["--budget", "100", "--objective", "happiness"], "Invalid value for '--objective': 'happiness' is not one of "
                                                       "'worker_years', 'shortage_probability', 'cvar'"),
    (["--budget", "100", "--levers", "reskilling", "--max", "reskilling=50"],
     "Invalid value for '--max': the maximums of --levers add up to 50 KRW bn a year, below --budget 100"),
    (["--budget", "100", "--from", "2060"], "Invalid value for '--from': 2060 is outside the horizon 2024-2050"),
])
def test_bad_input_gets_one_line_naming_the_option(tmp_path, args, message):
    result = CliRunner().invoke(main, ["optimize", str(BASELINE), *args, "--out", str(tmp_path / "o")])
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert "Traceback" not in result.output and not (tmp_path / "o").exists()
    assert len([line for line in result.output.splitlines() if line.startswith("Error")]) == 1


def test_api_errors_name_the_option():
    s = ts.load_scenario(BASELINE)
    with pytest.raises(OptimizeError, match="--objective: unknown objective 'x'; expected one of: worker_years"):
        ts.optimize(s, 100, objective="x")
    with pytest.raises(OptimizeError, match=r"--budget: must be > 0 KRW bn a year \(got -1\)"):
        ts.optimize(s, -1)
    assert "optimize" in ts.__all__ and "OptimizeResult" in ts.__all__


@settings(max_examples=60, deadline=None)
@given(data=st.data(), n=st.integers(2, 6))
def test_projection_always_lands_on_the_bounded_simplex(data, n):
    floats = st.floats(0.0, 100.0, allow_nan=False)
    lo = np.array(data.draw(st.lists(floats, min_size=n, max_size=n)))
    hi = lo + np.array(data.draw(st.lists(floats, min_size=n, max_size=n)))
    total = data.draw(st.floats(float(lo.sum()), float(hi.sum())))
    point = np.array(data.draw(st.lists(st.floats(-500.0, 500.0), min_size=n, max_size=n)))
    x = project(point, lo, hi, total)
    assert (x >= lo - 1e-9).all() and (x <= hi + 1e-9).all()
    assert x.sum() == pytest.approx(total, abs=1e-6 * max(1.0, total))
