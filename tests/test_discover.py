"""Scenario discovery (PRIM): a synthetic results directory whose bad outcomes lie in a known box,
the baseline, and the API."""

import json

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

import talentsim as ts
from talentsim.analysis.discover import prim
from talentsim.cli import main

# the bad outcomes of the synthetic study: 2.0 < a < 6.0 and b > 6.5 (b ~ Normal(5, 2)); c and d
# are inputs that do not matter
BOX = {"a": (2.0, 6.0), "b": (6.5, None)}


def synthetic_inputs(n=3000, seed=3):
    rng = np.random.default_rng(seed)
    return pd.DataFrame({"draw": np.arange(n), "a": rng.uniform(0, 10, n), "b": rng.normal(5, 2, n),
                         "c": rng.uniform(0, 1, n), "d": rng.lognormal(0, 0.5, n)})


def in_box(x):
    return (x["a"] > 2.0) & (x["a"] < 6.0) & (x["b"] > 6.5)


def write_synthetic_results(root, inputs, years=(2034, 2035)):
    """A results directory as `talentsim run` writes it: draws.parquet, inputs.parquet, manifest."""
    root.mkdir()
    bad = in_box(inputs).to_numpy()
    rows = [pd.DataFrame({"draw": inputs["draw"], "year": y,
                          "shortage": np.where(bad, 80_000.0, 20_000.0) + inputs["c"] * 1000 * (y - 2033)})
            for y in years]
    pd.concat(rows).sort_values(["draw", "year"]).to_parquet(root / "draws.parquet", index=False)
    inputs.to_parquet(root / "inputs.parquet", index=False)
    (root / "manifest.json").write_text(json.dumps({"kind": "run", "scenario": "synthetic"}))


def assert_box_recovered(limits):
    found = limits.set_index("input")
    assert set(found.index) == {"a", "b"}, found  # c and d do not matter: not restricted
    assert found.loc["a", "lower"] == pytest.approx(2.0, rel=0.10)
    assert found.loc["a", "upper"] == pytest.approx(6.0, rel=0.10)
    assert found.loc["b", "lower"] == pytest.approx(6.5, rel=0.10)
    assert found.loc["b", "upper"] == found.loc["b", "data_max"]  # open above


def test_discover_recovers_a_known_box_from_the_command_line(tmp_path):
    inputs = synthetic_inputs()
    root = tmp_path / "synthetic"
    write_synthetic_results(root, inputs)
    result = CliRunner().invoke(main, ["discover", str(root), "--metric", "shortage", "--year", "2035",
                                       "--above", "50000"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    out = root / "discover_shortage_2035"
    boxes = pd.read_csv(out / "boxes.csv")
    assert_box_recovered(boxes)
    assert (boxes["rule"] == "shortage > 50000 in 2035").all()
    # every case lies in the true box, so the recovered box is dense and covers most of them
    assert boxes["density"].iloc[0] >= 0.95 and boxes["coverage"].iloc[0] >= 0.85
    trajectory = pd.read_csv(out / "trajectory.csv")
    assert trajectory["chosen"].sum() == 1
    assert trajectory["mass"].is_monotonic_decreasing and trajectory["coverage"].iloc[0] == 1.0
    assert (out / "tradeoff.png").stat().st_size > 10_000
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["cases"] == int(in_box(inputs).sum()) and manifest["draws"] == len(inputs)


def test_discover_below_is_the_complement_of_above(tmp_path):
    """Cases below a threshold are found too: here the good outcomes, outside the box, so the box
    covers most of the draws and restricts only where it must."""
    inputs = synthetic_inputs(2000, seed=5)
    y = ~in_box(inputs).to_numpy()
    result = prim(inputs, y)
    assert result.density > y.mean()  # a box richer in cases than the whole sample


def test_prim_peels_the_densest_side_first():
    """Hand-made case: cases only where x > 0.9, y irrelevant; the first peel must cut x's low
    tail (cutting the low 5 % of x raises the density most per draw removed)."""
    x = np.linspace(0, 1, 1000)
    y_noise = np.random.default_rng(1).permutation(x)
    frame = pd.DataFrame({"x": x, "y": y_noise})
    result = prim(frame, x > 0.9, alpha=0.05, min_coverage=0.9)
    steps = result.trajectory
    assert steps.loc[1, "mass"] == pytest.approx(0.95, abs=0.002)
    assert steps.loc[1, "density"] == pytest.approx(100 / 950, abs=0.002)
    limits = result.limits.set_index("input")
    assert list(limits.index) == ["x"] and limits.loc["x", "lower"] == pytest.approx(0.9, abs=0.01)


def test_discover_on_the_baseline_writes_boxes(tmp_path):
    out = tmp_path / "baseline"
    runner = CliRunner()
    r = runner.invoke(main, ["run", "scenarios/baseline.yaml", "--draws", "1000", "--out", str(out)],
                      catch_exceptions=False)
    assert r.exit_code == 0, r.output
    # the worst ~10 % of draws, whatever the shipped posterior makes of the 2035 shortage
    cut = float(np.quantile((run := ts.read_run(out))["shortage"][:, list(run.years).index(2035)], 0.9).round(-3))
    r = runner.invoke(main, ["discover", str(out), "--metric", "shortage", "--year", "2035", "--above", str(cut)],
                      catch_exceptions=False)
    assert r.exit_code == 0, r.output
    boxes = pd.read_csv(out / "discover_shortage_2035" / "boxes.csv")
    assert len(boxes) >= 1 and set(boxes.columns) >= {"input", "lower", "upper", "coverage", "density"}
    assert (boxes["lower"] <= boxes["upper"]).all()
    # the API gives the same box from the same files
    box = ts.discover(ts.read_run(out), "shortage", 2035, above=cut)
    assert list(box.limits["input"]) == list(boxes["input"])
    # the run can be re-made into the same folder: its discover results (a versioned hidden
    # folder and the link to it, both talentsim's) go with the run they were computed from
    r = runner.invoke(main, ["run", "scenarios/baseline.yaml", "--draws", "200", "--out", str(out)],
                      catch_exceptions=False)
    assert r.exit_code == 0, r.output
    assert not (out / "discover_shortage_2035").exists()


def test_discover_says_what_is_wrong(tmp_path):
    inputs = synthetic_inputs(200)
    root = tmp_path / "synthetic"
    write_synthetic_results(root, inputs)
    runner = CliRunner()

    def run(*args):
        return runner.invoke(main, ["discover", str(root), *args], catch_exceptions=False)

    r = run("--metric", "shortge", "--year", "2035", "--above", "1")
    assert r.exit_code == 2 and "unknown metric 'shortge'; did you mean 'shortage'?" in r.output
    r = run("--metric", "shortage", "--year", "2035")
    assert r.exit_code == 2 and "give exactly one of --above X or --below X" in r.output
    r = run("--metric", "shortage", "--year", "2050", "--above", "1")
    assert r.exit_code == 2 and "--year: 2050 is not in the results (2034-2035)" in r.output
    r = run("--metric", "shortage", "--year", "2035", "--above", "1e9")
    assert r.exit_code == 2 and "no draw has shortage > 1e+09 in 2035" in r.output
    (root / "inputs.parquet").unlink()
    r = run("--metric", "shortage", "--year", "2035", "--above", "1")
    assert r.exit_code == 2 and "no inputs.parquet" in r.output
