"""Sensitivity analyses: known answers, correlations, Monte Carlo precision, the command."""

import json

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from scipy import stats

import talentsim as ts
from talentsim.analysis import sensitivity as sa
from talentsim.cli import main
from talentsim.engine.cohort import simulate
from talentsim.results import quantile_se
from talentsim.sampling import Draws

from .conftest import BASELINE, write_scenario


def ishigami(x, a=7.0, b=0.1):
    return np.sin(x[0]) + a * np.sin(x[1]) ** 2 + b * x[2] ** 4 * np.sin(x[0])


def test_sobol_indices_of_the_ishigami_function_contain_the_analytic_values():
    a, b = 7.0, 0.1
    v = a**2 / 8 + b * np.pi**4 / 5 + b**2 * np.pi**8 / 18 + 0.5
    v1 = 0.5 * (1 + b * np.pi**4 / 5) ** 2
    v2 = a**2 / 8
    v13 = b**2 * np.pi**8 * (1 / 18 - 1 / 50)
    s1 = np.array([v1, v2, 0.0]) / v
    st = np.array([v1 + v13, v2, v13]) / v
    dists = [stats.uniform(-np.pi, 2 * np.pi)] * 3
    out = sa.sobol_analysis(ishigami, dists, 4096, rng=1)
    assert np.all(np.abs(out["S1"][0] - s1) <= out["S1_conf"][0])
    assert np.all(np.abs(out["ST"][0] - st) <= out["ST_conf"][0])
    assert np.all(out["S1_conf"][0] < 0.05)


def test_group_indices_of_a_linear_model():
    # Y = 1 X1 + 2 X2 + 3 X3 + 1 X4, X ~ N(0, 1): group {X1, X2} explains 5/15, {X3} 9/15, {X4} 1/15
    coef = np.array([1.0, 2.0, 3.0, 1.0])
    out = sa.group_indices(lambda x: x @ coef, [stats.norm()] * 4, {"a": [0, 1], "b": [2], "c": [3]}, 8192, rng=3)
    assert out["a"][0] == pytest.approx(5 / 15, abs=0.02)
    assert out["b"][0] == pytest.approx(9 / 15, abs=0.02)
    assert out["c"][0] == pytest.approx(1 / 15, abs=0.02)


def test_declared_spearman_correlation_is_reproduced_at_10000_draws(tmp_path):
    # on the priors: a calibrated scenario's posterior pins both inputs with their joint posterior
    path = write_scenario(tmp_path, "corr", {"inputs_from": None, "correlations": [
        {"between": ["migration.emigration.base_rate", "migration.returns.base_rate"], "rank": 0.7}]})
    s = ts.load_scenario(path)
    for method in ("mc", "lhs"):
        values = ts.sample_inputs(s, 10_000, method, rng=4).chunk(0, 10_000)
        rho = stats.spearmanr(values["migration.emigration.base_rate"], values["migration.returns.base_rate"])[0]
        assert rho == pytest.approx(0.7, abs=0.03), method
        # the other inputs keep their own independent streams
        other = stats.spearmanr(values["migration.emigration.base_rate"], values["education.entry_rate"])[0]
        assert abs(other) < 0.03


def test_correlation_errors_name_the_field(tmp_path):
    path = write_scenario(tmp_path, "badcorr", {"correlations": [
        {"between": ["migration.emigration.base_rat", "migration.returns.base_rate"], "rank": 0.7},
        {"between": ["education.entry_rate", "education.entry_rate"], "rank": 0.2}]})
    found = [str(p) for p in ts.scenario.validate_files([path])]
    assert any("correlations.0.between: 'migration.emigration.base_rat' is not an uncertain input" in f
               and "did you mean 'migration.emigration.base_rate'?" in f for f in found)
    assert any("correlations.1.between: an input cannot be correlated with itself" in f for f in found)
    bad = write_scenario(tmp_path, "badrank", {"correlations": [
        {"between": ["migration.returns.base_rate", "education.ai_share.value"], "rank": 1.5}]})
    (msg,) = [str(p) for p in ts.scenario.validate_files([bad])]
    assert "correlations.0.rank: input should be less than 1 (got 1.5)" in msg


def test_standard_error_of_the_median_shrinks_as_one_over_root_draws():
    rng = np.random.default_rng(0)
    small = np.array([quantile_se(rng.lognormal(size=1000), 0.5) for _ in range(30)])
    large = np.array([quantile_se(rng.lognormal(size=16000), 0.5) for _ in range(30)])
    ratio = np.median(small) / np.median(large)
    assert ratio == pytest.approx(4.0, rel=0.2)
    # and it matches the spread of medians across repeated samples
    medians = [np.median(rng.lognormal(size=1000)) for _ in range(400)]
    assert np.median(small) == pytest.approx(np.std(medians), rel=0.2)


def test_summary_carries_quantile_standard_errors_on_the_engine(baseline):
    se = {}
    for n in (500, 8000):
        summary = ts.summarize(ts.simulate(baseline, ts.sample_inputs(baseline, n, "mc", rng=1)))
        rows = summary[summary.metric == "ai_workforce"].set_index("year")
        se[n] = rows.se_p50
        assert (rows.se_p05 > 0).all() and (rows.se_p95 > 0).all()
    # each year's estimate is noisy (it rests on a few order statistics); over 27 years the
    # median ratio shows the 1/sqrt(draws) law: sqrt(8000 / 500) = 4
    assert float(np.median(se[500] / se[8000])) == pytest.approx(4.0, rel=0.25)


def test_tornado_rows_are_engine_runs_with_one_input_swung(baseline):
    frame = sa.tornado(baseline, metric="ai_workforce", year=2030)
    assert list(frame.columns) == ["input", "group", "metric", "year", "low", "high", "swing"]
    assert frame.swing.is_monotonic_decreasing
    assert set(frame.group) <= set(sa.GROUP_NAMES)
    # recompute the top row by hand: all medians, the top input at its 90th percentile
    inputs = ts.sample_inputs(baseline, 1).inputs
    top = frame.input[0]
    values = {name: np.array([d.frozen().ppf(0.9 if name == top else 0.5)]) for name, d in inputs}
    out = simulate(baseline, Draws(inputs=inputs, n_draws=1, method="mc", seed=0, fixed=values))
    assert out["ai_workforce"][0, list(out.years).index(2030)] == pytest.approx(frame.high[0], rel=1e-12)
    # an input that feeds no money-carrying line cannot move anything
    idle = frame.set_index("input").loc["levers.undergrad_ai_programs.cost_per_unit_krw_bn"]
    assert idle.swing == 0


def test_sensitivity_command_writes_its_tables(tmp_path):
    small = write_scenario(tmp_path, "small", {"horizon": {"start": 2024, "end": 2030}})
    out = tmp_path / "sens"
    result = CliRunner().invoke(main, ["sensitivity", str(small), "--method", "both", "--year", "2030",
                                       "--draws", "8", "--seed", "2", "--out", str(out)])
    assert result.exit_code == 0, result.output
    table = pd.read_csv(out / "sensitivity.csv")
    assert list(table.columns) == sa.SENSITIVITY_COLUMNS
    assert table.loc[table.year == 2030, "swing"].notna().all()
    assert set(table.year) == set(range(2024, 2031))
    shares = pd.read_csv(out / "variance_shares.csv")
    assert list(shares.columns) == ["group", "metric", "year", "share"]
    sums = shares.groupby("year").share.sum()
    assert np.allclose(sums[sums.notna() & (sums > 0)], 1.0)
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["kind"] == "sensitivity" and manifest["metric"] == "ai_workforce"
    assert "top inputs by tornado swing" in result.output


def test_sensitivity_command_rejects_unknown_metric_and_year(tmp_path):
    r = CliRunner().invoke(main, ["sensitivity", str(BASELINE), "--metric", "ai_wrkforce"])
    assert r.exit_code == 2 and "--metric: unknown metric 'ai_wrkforce'" in r.output
    r = CliRunner().invoke(main, ["sensitivity", str(BASELINE), "--year", "2060"])
    assert r.exit_code == 2 and "--year: 2060 is outside the horizon 2024-2050" in r.output


def test_run_warns_when_draws_are_too_few(tmp_path):
    r = CliRunner().invoke(main, ["run", str(BASELINE), "--draws", "50", "--no-draws", "--out", str(tmp_path / "o")])
    assert r.exit_code == 0
    assert "warning: with 50 draws the median" in r.output and "use --draws" in r.output
