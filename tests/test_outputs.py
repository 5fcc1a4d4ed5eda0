"""Self-describing outputs: the metric registry, inputs.parquet in every run directory, Run's
xarray view, the calibrate hint, logging and the progress counter."""

import json
import logging
import shutil

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

import talentsim as ts
from talentsim.cli import main
from talentsim.cli import run as cli_run
from talentsim.cli.console import Progress, setup_logging
from talentsim.metrics import METRICS, describe, label_of, unit_of

from .conftest import BASELINE, ROOT, write_scenario


def run_cli(*args):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


@pytest.fixture
def small(tmp_path):
    return write_scenario(tmp_path, "small", {"horizon": {"start": 2024, "end": 2030}})


# ------------------------------------------------------------------ the registry
@pytest.mark.parametrize("path", sorted((ROOT / "scenarios").glob("*.yaml")), ids=lambda p: p.stem)
def test_every_metric_the_cohort_engine_emits_is_registered(path):
    """Fails for any new metric without a registry entry (unit, description, label)."""
    scenario = ts.load_scenario(path)
    run = ts.simulate(scenario, ts.sample_inputs(scenario, n_draws=3, rng=1))
    assert sorted(set(run.metrics) - set(METRICS)) == []


def test_every_metric_the_microsim_emits_is_registered(tmp_path):
    from talentsim.microsim.run import simulate_microsim

    tiny = ts.load_scenario(write_scenario(tmp_path, "tiny", {"horizon": {"start": 2024, "end": 2025}}))
    run = simulate_microsim(tiny, ts.sample_inputs(tiny, 1, rng=1), scale=200).run
    assert sorted(set(run.metrics) - set(METRICS)) == []


def test_registry_entries_are_complete():
    for name, m in METRICS.items():
        assert m.unit and m.description and m.label, name
        assert m.dims[0] == "draw", name
    assert METRICS["ai_workforce"][0] == "people"  # old (unit, description) indexing still works
    assert unit_of("emigration_rate") == "fraction/yr" and unit_of("nope") == ""
    assert label_of("shortage") == "AI labour shortage" and label_of("nope") == "nope"
    frame = describe(pd.DataFrame({"scenario": ["s"], "metric": ["ai_workforce"], "p50": [1.0]}))
    assert list(frame.columns) == ["scenario", "metric", "unit", "description", "p50"]


def test_metrics_command_lists_every_metric_with_unit_and_description():
    result = run_cli("metrics")
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert len(lines) == len(METRICS)
    line = next(ln for ln in lines if ln.split()[0] == "emigration_rate")
    assert "fraction/yr" in line and "emigration / AI workforce at the start of the year" in line
    table = pd.read_csv(pd.io.common.StringIO(run_cli("metrics", "--csv").output))
    assert set(table["metric"]) == set(METRICS) and table["unit"].notna().all()


# ------------------------------------------------------------------ inputs per draw
def test_run_directory_has_inputs_and_xarray_round_trips_the_summary(small, tmp_path):
    out = tmp_path / "out"
    assert run_cli("run", small, "--draws", 41, "--seed", 3, "--out", out).exit_code == 0
    summary = pd.read_csv(out / "summary.csv")
    assert {"unit", "description"} <= set(summary.columns)
    row = summary[(summary.metric == "ai_workforce")].iloc[0]
    assert row["unit"] == "people" and row["description"] == "AI workers in Korea"

    inputs = pd.read_parquet(out / "inputs.parquet")
    scenario = ts.load_scenario(small)
    draws = ts.sample_inputs(scenario, 41, rng=3)
    assert list(inputs.columns) == ["draw", *draws.names] and len(inputs) == 41
    chunk = draws.chunk(0, 41)
    np.testing.assert_array_equal(inputs["education.entry_rate"], chunk["education.entry_rate"])

    run = ts.read_run(out)
    ds = run.to_xarray()
    assert ds["ai_workforce"].dims == ("draw", "year") and ds["ai_workforce"].attrs["unit"] == "people"
    assert ds["education.entry_rate"].dims == ("draw",)
    medians = ds.median("draw")
    for metric in ("ai_workforce", "shortage", "cohort18"):
        s = summary[summary.metric == metric].set_index("year")["p50"]
        np.testing.assert_allclose(medians[metric].sel(year=s.index.to_numpy()).to_numpy(), s.to_numpy(), rtol=1e-7)
    assert run.keys() == sorted(run.metrics) and "ai_workforce" in run.metrics


def test_inputs_in_memory_run_match_the_file(baseline):
    draws = ts.sample_inputs(baseline, 7, rng=2)
    run = ts.simulate(baseline, draws)
    assert list(run.inputs.columns) == ["draw", *draws.names]
    np.testing.assert_array_equal(run.inputs["draw"], np.arange(7))


def test_inputs_parquet_with_no_draws_streaming_microsim_and_compare(small, tmp_path, monkeypatch):
    assert run_cli("run", small, "--draws", 5, "--no-draws", "--out", tmp_path / "nd").exit_code == 0
    assert (tmp_path / "nd" / "inputs.parquet").is_file() and not (tmp_path / "nd" / "draws.parquet").exists()

    monkeypatch.setattr(cli_run, "MEMORY_BUDGET", 1)  # force streaming
    assert run_cli("run", small, "--draws", 12, "--chunk-size", 5, "--out", tmp_path / "st").exit_code == 0
    streamed = pd.read_parquet(tmp_path / "st" / "inputs.parquet")
    direct = ts.simulate(ts.load_scenario(small), ts.sample_inputs(ts.load_scenario(small), 12)).inputs
    pd.testing.assert_frame_equal(streamed, direct)
    monkeypatch.undo()

    tiny = write_scenario(tmp_path, "tiny", {"horizon": {"start": 2024, "end": 2026}})
    r = run_cli("run", tiny, "--engine", "microsim", "--scale", "200", "--draws", 2, "--out", tmp_path / "mi")
    assert r.exit_code == 0, r.output
    assert {"inputs.parquet", "initial.parquet", "draws.parquet"} <= {p.name for p in (tmp_path / "mi").iterdir()}
    assert "warning: with 2 draws the median" in r.output  # the microsim warns about precision too

    alt = write_scenario(tmp_path, "alt", {"workforce": {"attrition": 0.03}}, extends=small)
    r = run_cli("compare", small, alt, "--draws", 6, "--out", tmp_path / "cmp")
    assert r.exit_code == 0, r.output
    for name in ("small", "alt"):
        assert len(pd.read_parquet(tmp_path / "cmp" / name / "inputs.parquet")) == 6
    comparison = pd.read_csv(tmp_path / "cmp" / "comparison.csv")
    assert list(comparison.columns[:5]) == ["scenario", "metric", "unit", "description", "year"]


def test_streaming_inputs_written_during_the_pass_leave_nothing_behind(small, tmp_path, monkeypatch):
    """A streaming run writes inputs.parquet in a thread beside the results folder while its
    pass runs; after success, or after a failed pass, no temporary file is left and a failed run
    leaves the previous results as they were."""
    from talentsim.engine import streaming

    monkeypatch.setattr(cli_run, "MEMORY_BUDGET", 1)  # force streaming
    out = tmp_path / "st"
    assert run_cli("run", small, "--draws", 12, "--chunk-size", 5, "--out", out).exit_code == 0
    assert sorted(p.name for p in tmp_path.iterdir() if ".tmp-" in p.name) == []
    before = {p.name: p.read_bytes() for p in out.iterdir()}

    def broken(*args, **kwargs):
        raise ValueError("the pass failed")

    monkeypatch.setattr(streaming, "summarize_streaming", broken)
    r = run_cli("run", small, "--draws", 40, "--chunk-size", 5, "--out", out)
    assert r.exit_code != 0
    assert sorted(p.name for p in tmp_path.iterdir() if ".tmp-" in p.name) == []
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def test_inputs_feed_writes_the_same_file_whatever_the_pass_delivers(small, tmp_path):
    """inputs.parquet from a pass's own input values (InputsFeed): chunks delivered out of
    order, twice, or not at all still give inputs_frame's table, in draw order."""
    import threading

    from talentsim.results import InputsFeed, inputs_frame

    s = ts.load_scenario(small)
    draws = ts.sample_inputs(s, 23, "lhs", rng=3)
    feed = InputsFeed(draws, chunk_size=4, depth=2)
    path = tmp_path / "inputs.parquet"
    writer = threading.Thread(target=feed.writer(), args=(path, threading.Event()))
    writer.start()
    for start, stop in [(0, 5), (0, 5), (10, 15), (5, 10), (15, 20)]:  # (5, 10) late: sampled instead
        feed.put(start, stop, draws.chunk(start, stop))
    feed.close()  # 20..23 never delivered: sampled by the writer
    writer.join()
    pd.testing.assert_frame_equal(pd.read_parquet(path), inputs_frame(draws))


def test_a_streaming_run_samples_each_chunk_once_with_one_worker(small, tmp_path, monkeypatch):
    """With one worker the pass hands its input values to the inputs.parquet writer: every
    draw's inputs are sampled once for the pass (plus the pilot), not a second time."""
    from talentsim.sampling import Draws

    monkeypatch.setattr(cli_run, "MEMORY_BUDGET", 1)  # force streaming
    calls = []
    real = Draws.chunk
    monkeypatch.setattr(Draws, "chunk", lambda self, a, b: calls.append((a, b)) or real(self, a, b))
    out = tmp_path / "st"
    assert run_cli("run", small, "--draws", 1200, "--chunk-size", 500, "--out", out, "--no-draws").exit_code == 0
    assert sorted(calls) == [(0, 500), (0, 1000), (500, 1000), (1000, 1200)]  # pilot 0:1000
    s = ts.load_scenario(small)
    pd.testing.assert_frame_equal(pd.read_parquet(out / "inputs.parquet"),
                                  ts.simulate(s, ts.sample_inputs(s, 1200)).inputs)


# ------------------------------------------------------------------ seeds
def test_rng_accepts_an_int_a_seed_sequence_or_a_generator(baseline):
    as_int = ts.sample_inputs(baseline, 5, rng=7)
    as_seq = ts.sample_inputs(baseline, 5, rng=np.random.SeedSequence(7))
    assert as_seq.seed == 7 and as_int.chunk(0, 5).keys() == as_seq.chunk(0, 5).keys()
    g1 = ts.sample_inputs(baseline, 5, rng=np.random.default_rng(3))
    g2 = ts.sample_inputs(baseline, 5, rng=np.random.default_rng(3))
    assert g1.seed == g2.seed  # same generator state, same design
    spawned = np.random.SeedSequence(7).spawn(1)[0]
    assert ts.sample_inputs(baseline, 5, rng=spawned).seed != 7
    with pytest.raises(ValueError, match=r"rng must be a non-negative integer seed.*\(got -1\)"):
        ts.sample_inputs(baseline, 5, rng=-1)


# ------------------------------------------------------------------ calibrate hint, report, sensitivity
def test_the_calibrate_hint_pasted_into_a_scenario_under_scenarios_works(tmp_path, monkeypatch):
    """Copy the repository layout (scenarios/ next to results/), run calibrate from the project
    folder, paste the printed line into a new scenario in scenarios/, and run it."""
    monkeypatch.chdir(tmp_path)
    shutil.copytree(ROOT / "scenarios", tmp_path / "scenarios")
    r = run_cli("calibrate", "scenarios/history.yaml", "--observed", ROOT / "src/talentsim/data/observed_kr.csv",
                "--method", "is", "--particles", 200)
    assert r.exit_code == 0, r.output
    hint = next(ln.strip() for ln in r.output.splitlines() if ln.strip().startswith("inputs_from:"))
    assert hint == "inputs_from: ../results/calibration_history/posterior.parquet"
    path = tmp_path / "scenarios" / "from_posterior.yaml"
    path.write_text(f"name: from_posterior\nextends: history.yaml\n{hint}\n")
    r = run_cli("run", path, "--draws", 20, "--out", "results/from_posterior")
    assert r.exit_code == 0, r.output
    draws = ts.sample_inputs(ts.load_scenario(path), 20)
    assert draws.fixed  # the posterior pinned the calibrated inputs


def test_report_of_a_directory_goes_into_it(small, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert run_cli("run", small, "--draws", 5, "--out", "res").exit_code == 0
    r = run_cli("report", "res")
    assert r.exit_code == 0, r.output
    assert (tmp_path / "res" / "report.html").is_file() and not (tmp_path / "report.html").exists()
    assert run_cli("report", "res", "--out", "elsewhere.html").exit_code == 0
    assert (tmp_path / "elsewhere.html").is_file()


def test_sensitivity_suggests_the_metric_meant(tmp_path):
    r = run_cli("sensitivity", BASELINE, "--metric", "ai_workfroce", "--out", tmp_path / "s")
    assert r.exit_code == 2
    assert "--metric: unknown metric 'ai_workfroce'; did you mean 'ai_workforce'?" in r.output


# ------------------------------------------------------------------ logging and progress
def test_quiet_keeps_warnings_and_verbose_is_accepted(small, tmp_path):
    loud = run_cli("run", small, "--draws", 5, "--out", tmp_path / "a")
    quiet = run_cli("--quiet", "run", small, "--draws", 5, "--out", tmp_path / "b")
    assert "wrote" in loud.output and "wrote" not in quiet.output
    assert "warning: with 5 draws" in quiet.output  # warnings survive --quiet
    assert "ai_workforce" in quiet.output  # the results table is not chatter
    assert run_cli("-v", "run", small, "--draws", 5, "--out", tmp_path / "c").exit_code == 0
    setup_logging()  # leave the default level for the other tests


def test_headline_warning_names_a_printed_year(small, tmp_path):
    r = run_cli("run", small, "--draws", 30, "--out", tmp_path / "a")
    warning = next(ln for ln in r.output.splitlines() if ln.startswith("warning:"))
    year = int(warning.split(" in ")[1].split()[0])
    assert year in cli_run.headline_years(range(2024, 2031))


def test_progress_counts_draws_once_and_logs_off_a_terminal(caplog):
    """A streaming run passes over 60,000 draws twice; the counter must end at 60,000."""
    setup_logging()
    logger = logging.getLogger("talentsim")
    logger.addHandler(caplog.handler)
    try:
        with caplog.at_level(logging.INFO, logger="talentsim"):
            p = Progress(60_000, "baseline", passes=2, every=0.0)
            for _ in range(2):
                for _ in range(12):
                    p.update(5000)
            p.close()
    finally:
        logger.removeHandler(caplog.handler)
    assert p.shown == 60_000
    messages = [r.getMessage() for r in caplog.records]
    assert messages[-1].startswith("baseline: 60000 of 60000 draws (100 %)")
    assert "baseline: 2500 of 60000 draws" in messages[0]
    assert not any("120000" in m for m in messages)


def test_streaming_run_shows_each_draw_once(small, tmp_path, monkeypatch):
    monkeypatch.setattr(cli_run, "MEMORY_BUDGET", 1)
    r = run_cli("run", small, "--draws", 30, "--chunk-size", 10, "--out", tmp_path / "s")
    assert r.exit_code == 0, r.output
    assert "small: 30 of 30 draws (100 %)" in r.output and "of 60 draws" not in r.output
    assert json.loads((tmp_path / "s" / "manifest.json").read_text())["draws"] == 30
