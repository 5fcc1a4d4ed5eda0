"""Scale and robustness: streaming summaries, workers, a Dask cluster, interruptions, edge cases."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

import talentsim as ts
from talentsim import cli
from talentsim.cli import run as cli_run
from talentsim.engine.levers import lever_units
from talentsim.engine.streaming import BINS, histogram_quantile, summarize_streaming

from .conftest import BASELINE, write_scenario
from .test_conservation import check_identities, check_sane


@pytest.fixture(scope="module")
def short(tmp_path_factory):
    return ts.load_scenario(write_scenario(tmp_path_factory.mktemp("s"), "short", {"horizon": {"start": 2024, "end": 2032}}))


def test_histogram_quantiles_by_hand():
    values = np.arange(1000.0)  # 0..999, one per bin edge region
    counts = np.histogram(values, bins=BINS, range=(0, 999))[0][None, :]
    q = histogram_quantile(counts, np.array([0.0]), np.array([999.0]), 0.5)
    assert abs(q[0] - np.quantile(values, 0.5)) <= 999 / BINS
    constant = np.zeros((1, BINS), dtype=np.int64)
    constant[0, 0] = 10
    assert histogram_quantile(constant, np.array([5.0]), np.array([5.0]), 0.9)[0] == 5.0


def test_streaming_summary_is_within_its_error_bound(short):
    draws = ts.sample_inputs(short, 3000, "lhs", rng=2)
    exact = ts.summarize(ts.simulate(short, draws)).set_index(["metric", "year"])
    streamed = summarize_streaming(short, draws, chunk_size=400)
    approx = streamed.summary.set_index(["metric", "year"])
    assert list(streamed.summary.columns) == list(ts.summarize(ts.simulate(short, ts.sample_inputs(short, 2))).columns)
    bound = streamed.max_quantile_error.reindex(approx.index.get_level_values(0)).to_numpy()
    for col in ("p05", "p25", "p50", "p75", "p95"):
        assert np.all(np.abs(approx[col] - exact[col]).to_numpy() <= bound + 1e-9), col
    np.testing.assert_allclose(approx["mean"], exact["mean"], rtol=1e-12, atol=1e-9)


def test_workers_give_identical_results(short):
    draws = ts.sample_inputs(short, 600, "lhs", rng=4)
    one = ts.simulate(short, draws, chunk_size=100)
    two = ts.simulate(short, draws, chunk_size=100, workers=2)
    for name in one.metrics:
        np.testing.assert_array_equal(one[name], two[name], err_msg=name)
    a = summarize_streaming(short, draws, chunk_size=50).summary
    b = summarize_streaming(short, draws, chunk_size=50, workers=2).summary
    pd.testing.assert_frame_equal(a, b)


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
@pytest.mark.filterwarnings("ignore::ResourceWarning")
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_dask_scheduler_gives_identical_results(short):
    distributed = pytest.importorskip("distributed")
    draws = ts.sample_inputs(short, 300, "lhs", rng=5)
    one = ts.simulate(short, draws, chunk_size=100)
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False,
                                  dashboard_address=":0") as cluster, distributed.Client(cluster) as client:
        on_cluster = ts.simulate(short, draws, chunk_size=100, scheduler=client)
    for name in one.metrics:
        np.testing.assert_array_equal(one[name], on_cluster[name], err_msg=name)


def test_streaming_run_from_the_command_line(tmp_path, monkeypatch):
    monkeypatch.setattr(cli_run, "MEMORY_BUDGET", 1)  # force streaming at any size
    small = write_scenario(tmp_path, "small", {"horizon": {"start": 2024, "end": 2030}})
    out = tmp_path / "out"
    result = CliRunner().invoke(cli.main, ["run", str(small), "--draws", "120", "--chunk-size", "50", "--out", str(out)])
    assert result.exit_code == 0, result.output
    draws = pd.read_parquet(out / "draws.parquet")
    assert len(draws) == 120 * 7 and sorted(draws.draw.unique()) == list(range(120))
    assert len(pd.read_parquet(out / "initial.parquet")) == 120
    manifest = (out / "manifest.json").read_text()
    assert "streaming histogram" in manifest
    summary = pd.read_csv(out / "summary.csv").set_index(["metric", "year"])
    med = draws.groupby("year").ai_workforce.median()
    bound = (draws.groupby("year").ai_workforce.max() - draws.groupby("year").ai_workforce.min()) / BINS
    assert np.all(np.abs(summary.loc["ai_workforce"].p50 - med) <= bound + 1e-6)


def test_interrupted_run_leaves_previous_results_intact(tmp_path):
    out = tmp_path / "out"
    assert CliRunner().invoke(cli.main, ["run", str(BASELINE), "--draws", "20", "--out", str(out)]).exit_code == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    proc = subprocess.Popen([sys.executable, "-m", "talentsim.cli", "run", str(BASELINE), "--draws", "400000",
                             "--no-draws", "--out", str(out)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env={**os.environ, "PYTHONWARNINGS": "ignore"})
    time.sleep(4)  # well into the simulation
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    # on a loaded machine the signal may land while the command is still starting up
    assert ("interrupted: nothing written" in err and "holds the previous results, unchanged" in err) or (
        err.strip() == "interrupted during start-up; nothing was written"), err
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".") and p.name != os.readlink(out)] == []


def test_out_paths_that_would_replace_something_by_accident_are_refused(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "keep.txt").write_text("precious")
    for out, message in (("../elsewhere", "'..' is not allowed"),
                         ("notes", "was not written by talentsim"),
                         (".", "current directory")):
        r = CliRunner().invoke(cli.main, ["run", str(BASELINE), "--draws", "3", "--out", out])
        assert r.exit_code == 2 and message in r.output, (out, r.output)
    assert (tmp_path / "notes" / "keep.txt").read_text() == "precious"
    r = CliRunner().invoke(cli.main, ["validate", str(write_scenario(tmp_path, "x", {"name": "../escape"}))])
    assert r.exit_code == 2 and "name: string should match pattern" in r.output


# ---------------------------------------------------------------- properties
@settings(max_examples=200, deadline=None)
@given(budget=st.lists(st.floats(0, 1e4), min_size=6, max_size=6), extra=st.lists(st.floats(0, 1e4), min_size=6, max_size=6),
       cost=st.floats(0.001, 10), lag=st.integers(0, 4), ramp=st.integers(1, 4),
       cap=st.one_of(st.none(), st.floats(1, 1e5)))
def test_more_budget_never_lowers_a_levers_units(budget, extra, cost, lag, ramp, cap):
    b = np.array([budget])
    more = b + np.array([extra])
    c = None if cap is None else np.array([cap])
    low = lever_units(b, np.array([cost]), lag_years=lag, ramp_years=ramp, cap_units=c)
    high = lever_units(more, np.array([cost]), lag_years=lag, ramp_years=ramp, cap_units=c)
    assert np.all(high >= low - 1e-9 * np.maximum(1, np.abs(low)))


# ---------------------------------------------------------------- numeric edge cases
def _fixed(scenario):
    """Every distribution replaced by its median: a scenario with no uncertain input."""
    from talentsim.scenario.inputs import iter_dists, median

    def key(node, part):
        return int(part) if part.isdigit() and int(part) in node else part

    data = scenario.model_dump()
    for name, dist in iter_dists(scenario):
        node = data
        *head, last = name.split(".")
        for part in head:
            node = node[key(node, part)]
        node[key(node, last)] = median(dist)
    return ts.Scenario.model_validate(data)


@pytest.mark.parametrize("case", ["zero_budget", "zero_seats", "one_year", "one_draw", "all_fixed"])
def test_numeric_edge_cases(tmp_path, baseline, case):
    body = {
        "zero_budget": {"budget_lines": {name: {"krw_bn": 0.0} for name in baseline.budget_lines}},
        "zero_seats": {"graduate_school": {"master": {"base_seats": 0.0}, "phd": {"base_seats": 0.0}},
                       "budget_lines": {n: {"krw_bn": 0.0} for n, l in baseline.budget_lines.items() if l.lever == "graduate_seats"}},
        "one_year": {"horizon": {"start": 2030, "end": 2030}},
    }.get(case, {})
    s = ts.load_scenario(write_scenario(tmp_path, case, body))
    if case == "all_fixed":
        s = _fixed(s)
        assert ts.sample_inputs(s, 1).inputs == ()
    n = 1 if case == "one_draw" else 5
    run = ts.simulate(s, ts.sample_inputs(s, n, "lhs", rng=1))
    check_identities(run)
    check_sane(run)
    if case == "zero_seats":
        assert np.all(run["enrolled_master"] == 0) and np.all(run["grads_phd"] == 0)
    if case == "zero_budget":
        assert np.all(run["budget_spent"] == 0) and np.all(run["inflow_reskilled"] == 0)
    if case == "all_fixed":
        assert np.all(run["ai_workforce"] == run["ai_workforce"][0])  # every draw the same
    summary = ts.summarize(run)
    assert np.isfinite(summary.drop(columns=["scenario", "metric", "unit", "description"]).to_numpy(dtype=float)).all()


WORKER_SCRIPT = """
import sys, talentsim as ts
if __name__ == "__main__":
    s = ts.load_scenario(sys.argv[1])
    ts.simulate(s, ts.sample_inputs(s, 400000, rng=1), chunk_size=2000, workers=2)
"""


def test_workers_do_not_outlive_a_killed_main_process(tmp_path):
    script = tmp_path / "work.py"
    script.write_text(WORKER_SCRIPT)
    proc = subprocess.Popen([sys.executable, str(script), str(BASELINE)])

    def children(pid):
        found = []
        for task in Path(f"/proc/{pid}/task").iterdir():
            found += [int(c) for c in (task / "children").read_text().split()]
        return found

    workers = []
    for _ in range(100):  # wait for the pool to start (up to ~20 s)
        time.sleep(0.2)
        workers = children(proc.pid)
        if len(workers) >= 2:
            break
    assert len(workers) >= 2
    proc.kill()
    proc.wait()
    deadline = time.time() + 10
    while time.time() < deadline and any(Path(f"/proc/{w}").exists() for w in workers):
        time.sleep(0.2)
    alive = [w for w in workers if Path(f"/proc/{w}").exists()
             and "zombie" not in Path(f"/proc/{w}/status").read_text().lower()]
    for w in alive:
        os.kill(w, signal.SIGKILL)
    assert alive == []
