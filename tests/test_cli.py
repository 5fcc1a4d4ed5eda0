"""The real commands, end to end, on small scenarios."""

import json
import os
import subprocess
import sys

import pandas as pd
import pytest
from click.testing import CliRunner

from talentsim.cli import main
from talentsim.results import SUMMARY_COLUMNS

from .conftest import BASELINE, write_scenario


def run_cli(*args):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


@pytest.fixture
def small(tmp_path):
    return write_scenario(tmp_path, "small", {"horizon": {"start": 2024, "end": 2030}})


def test_run_writes_summary_draws_and_manifest(small, tmp_path):
    out = tmp_path / "out"
    result = run_cli("run", small, "--draws", 40, "--seed", 3, "--sampling", "mc", "--out", out)
    assert result.exit_code == 0, result.output
    summary = pd.read_csv(out / "summary.csv")
    assert list(summary.columns) == SUMMARY_COLUMNS
    assert set(summary.year) == set(range(2024, 2031))
    assert not summary.duplicated(["metric", "year"]).any()
    required = {"cohort18", "tertiary_entrants", "ai_track_entrants", "grads_bachelor", "grads_master",
                "grads_phd", "seats_master", "seats_phd", "enrolled_master", "enrolled_phd"}
    assert required <= set(summary.metric)
    draws = pd.read_parquet(out / "draws.parquet")
    assert list(draws.columns[:2]) == ["draw", "year"] and len(draws) == 40 * 7
    assert required <= set(draws.columns)
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["seed"] == 3 and manifest["sampling"] == "mc" and manifest["draws"] == 40
    assert manifest["resolved_scenario"]["horizon"] == {"start": 2024, "end": 2030}
    assert manifest["resolved_scenario"]["education"]["bachelor_years"] == 4
    assert len(manifest["data_files_sha256"]["births_kr.csv"]) == 64
    for key in ("talentsim_version", "started_utc", "wall_seconds"):
        assert key in manifest
    # summary and draws agree
    s = summary.set_index(["metric", "year"]).loc[("ai_workforce", 2030)]
    d = draws.loc[draws.year == 2030, "ai_workforce"]
    assert s["mean"] == pytest.approx(d.mean(), rel=1e-7)
    assert s["p50"] == pytest.approx(d.median(), rel=1e-7)


def test_no_draws_skips_parquet_and_default_out_dir(small, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = run_cli("run", small, "--draws", 5, "--no-draws")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "results" / "small" / "summary.csv").exists()
    assert not (tmp_path / "results" / "small" / "draws.parquet").exists()


def test_summary_is_identical_whatever_the_chunk_size(tmp_path):
    outs = []
    for chunk in (1000, 10000):
        out = tmp_path / f"c{chunk}"
        result = run_cli("run", BASELINE, "--draws", 10000, "--seed", 42, "--chunk-size", chunk,
                         "--no-draws", "--out", out)
        assert result.exit_code == 0, result.output
        outs.append((out / "summary.csv").read_bytes())
    assert outs[0] == outs[1]


def test_failed_run_leaves_previous_results_untouched(small, tmp_path):
    out = tmp_path / "out"
    assert run_cli("run", small, "--draws", 5, "--out", out).exit_code == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    broken = write_scenario(tmp_path, "broken", {"education": {"entry_rate": -1}}, extends=small)
    result = run_cli("run", broken, "--draws", 5, "--out", out)
    assert result.exit_code == 2
    assert f"{broken}: education.entry_rate: must be within [0, 1] (got -1)" in result.output
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".out") and p.name != os.readlink(out)) == []


def test_crash_while_writing_leaves_previous_results_untouched(small, tmp_path, monkeypatch):
    out = tmp_path / "out"
    assert run_cli("run", small, "--draws", 5, "--out", out).exit_code == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}

    def explode(self, *a, **k):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(pd.DataFrame, "to_parquet", explode)
    result = run_cli("run", small, "--draws", 7, "--out", out)
    assert result.exit_code == 1
    assert result.output.strip().splitlines()[-1] == ("error: No space left on device; free some space and run "
                                                      "again (previous results were left as they were)")
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".out") and p.name != os.readlink(out)] == []


def test_validate_lists_problems_of_every_file_and_exits_non_zero(tmp_path):
    a = write_scenario(tmp_path, "a", {"education": {"entry_rat": 0.7}})
    b = write_scenario(tmp_path, "b", {"education": {"entry_rate": 1.7}})
    result = run_cli("validate", BASELINE, a, b)
    assert result.exit_code == 2
    assert f"{a}: education.entry_rat: unknown key 'entry_rat'; did you mean 'entry_rate'?" in result.output
    assert f"{b}: education.entry_rate: must be within [0, 1] (got 1.7)" in result.output
    assert run_cli("validate", BASELINE).exit_code == 0


def test_console_script_is_installed():
    result = subprocess.run([sys.executable, "-m", "talentsim.cli", "--version"], capture_output=True, text=True)
    assert result.returncode == 0 and "talentsim" in result.stdout


def test_every_output_metric_has_a_unit_and_meaning(baseline_run):
    from talentsim.results import METRICS

    assert sorted(set(baseline_run.metrics) - set(METRICS)) == []


def test_run_with_the_microsimulation_engine(tmp_path):
    small = write_scenario(tmp_path, "small", {"horizon": {"start": 2024, "end": 2027}})
    out = tmp_path / "micro"
    result = run_cli("run", small, "--engine", "microsim", "--scale", "50", "--draws", "2", "--out", out)
    assert result.exit_code == 0, result.output
    summary = pd.read_csv(out / "summary.csv")
    assert list(summary.columns) == SUMMARY_COLUMNS
    assert {"seat_wait_years", "ai_workforce", "grads_phd"} <= set(summary.metric)
    tracking = pd.read_csv(out / "cohort_tracking.csv")
    assert {"entry_year", "after_years", "in_korean_ai", "abroad", "elsewhere"} <= set(tracking.columns)
    assert {"draw", "kind", "value_years", "count"} <= set(pd.read_csv(out / "distributions.csv").columns)
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["engine"] == "microsim" and manifest["scale_people_per_agent"] == 50
    assert run_cli("run", small, "--scale", "5", "--draws", "2", "--out", tmp_path / "x").exit_code == 2
