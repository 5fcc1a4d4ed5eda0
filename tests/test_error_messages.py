"""Bad scenario files: every problem reported as FILE: field.path: what is wrong (got VALUE)."""

from pathlib import Path

import pytest
import yaml

import talentsim as ts
from talentsim.scenario.load import validate_files

from .conftest import BASELINE, write_scenario


def problems(path: Path) -> list[str]:
    return [str(p) for p in validate_files([path])]


def test_unknown_keys_suggest_the_closest_name(tmp_path):
    path = write_scenario(tmp_path, "typo", {"education": {"entry_rat": 0.7, "destinations": {"mastr": 0.1}},
                                            "horizn": {"start": 2024, "end": 2030}})
    found = problems(path)
    assert f"{path}: education.entry_rat: unknown key 'entry_rat'; did you mean 'entry_rate'?" in found
    assert f"{path}: education.destinations.mastr: unknown key 'mastr'; did you mean 'master'?" in found
    assert f"{path}: horizn: unknown key 'horizn'; did you mean 'horizon'?" in found
    assert len(found) == 3  # all problems at once


def test_unknown_key_inside_a_distribution_names_its_parameters(tmp_path):
    path = write_scenario(tmp_path, "dist_key", {"education": {"entry_rate": {"dist": "uniform", "low": 0.6, "hgh": 0.7}}})
    found = problems(path)
    assert any("education.entry_rate.hgh: unknown key 'hgh'; did you mean 'high'?" in f for f in found)


def test_negative_rate(tmp_path):
    path = write_scenario(tmp_path, "neg", {"education": {"entry_rate": -0.1}})
    assert problems(path) == [f"{path}: education.entry_rate: must be within [0, 1] (got -0.1)"]


def test_unbounded_distribution_on_a_rate_is_refused_with_a_hint(tmp_path):
    path = write_scenario(tmp_path, "unb", {"education": {"ai_share": {"dist": "normal", "mean": 0.1, "sd": 0.05}}})
    (msg,) = problems(path)
    assert msg.startswith(f"{path}: education.ai_share: must be within [0, 1] but can take -inf to inf")
    assert "bounded distribution" in msg and "(got {dist: normal, mean: 0.1, sd: 0.05})" in msg


def test_low_above_high(tmp_path):
    path = write_scenario(tmp_path, "lh", {"education": {"entry_rate": {"dist": "uniform", "low": 0.8, "high": 0.6}}})
    assert problems(path) == [f"{path}: education.entry_rate: low must be < high (got low=0.8, high=0.6)"]


def test_unknown_distribution_and_path_kind(tmp_path):
    path = write_scenario(tmp_path, "d", {"education": {
        "entry_rate": {"dist": "normall", "mean": 0.7, "sd": 0.01},
        "four_year_share": {"path": "explicitt", "values": {2020: 0.6}}}})
    found = problems(path)
    assert any(f.startswith(f"{path}: education.entry_rate.dist: unknown distribution 'normall'")
               and "did you mean 'normal'?" in f for f in found)
    assert any(f.startswith(f"{path}: education.four_year_share.path: unknown path kind 'explicitt'")
               and "did you mean 'explicit'?" in f for f in found)


def test_missing_extends_target(tmp_path):
    path = write_scenario(tmp_path, "m", {}, extends="nothere.yaml")
    assert problems(path) == [f"{path}: extends: base scenario not found: {tmp_path / 'nothere.yaml'} (got nothere.yaml)"]


def test_cyclic_extends(tmp_path):
    a = write_scenario(tmp_path, "a", {}, extends="b.yaml")
    write_scenario(tmp_path, "b", {}, extends="a.yaml")
    (msg,) = problems(a)
    assert msg.startswith(f"{a}: extends: cyclic extends: ") and msg.count("a.yaml") == 3  # the file, then the cycle from it back to it


def test_wrong_types(tmp_path):
    path = write_scenario(tmp_path, "t", {"horizon": {"start": "soon", "end": 2050},
                                          "education": {"entry_rate": "high"},
                                          "levers": {"graduate_seats": {"lag_years": 1.5}}})
    found = problems(path)
    assert any(f.startswith(f"{path}: horizon.start: input should be a valid integer") and f.endswith("(got soon)")
               for f in found)
    assert f"{path}: education.entry_rate: expected a number, a distribution {{dist: ...}} or a yearly path {{path: ...}} (got high)" in found
    assert any(f.startswith(f"{path}: levers.graduate_seats.lag_years:") and "(got 1.5)" in f for f in found)


def test_invalid_yaml_and_non_mapping(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: y\neducation: {entry_rate: [0.1\n")
    (msg,) = problems(bad)
    assert msg.startswith(f"{bad}: invalid YAML at line 3")
    listy = tmp_path / "list.yaml"
    listy.write_text("- 1\n- 2\n")
    assert problems(listy) == [f"{listy}: a scenario must be a mapping of keys to values (got a list)"]


def test_yaml_tags_that_build_python_objects_are_refused(tmp_path):
    evil = tmp_path / "evil.yaml"
    evil.write_text("name: !!python/object/apply:os.system ['echo hi']\n")
    (msg,) = problems(evil)
    assert "invalid YAML" in msg


def test_horizon_limits(tmp_path):
    path = write_scenario(tmp_path, "h", {"horizon": {"start": 2002, "end": 2071}})
    found = problems(path)
    assert any("horizon.start: input should be greater than or equal to 2003" in f for f in found)
    assert any("horizon.end: input should be less than or equal to 2070" in f for f in found)


def test_destination_shares_that_can_exceed_one(tmp_path):
    path = write_scenario(tmp_path, "dest", {"education": {"destinations": {"master": 0.5, "phd": 0.3, "ai_job": 0.2, "abroad": 0.1}}})
    assert problems(path) == [f"{path}: education.destinations: shares can add up to more than 1 (max 1.1)"]


def test_extends_merges_mappings_and_replaces_quantities(tmp_path):
    path = write_scenario(tmp_path, "child", {"education": {"entry_rate": {"dist": "uniform", "low": 0.6, "high": 0.7}},
                                              "horizon": {"start": 2030}})
    s = ts.load_scenario(path)
    base = ts.load_scenario(BASELINE)
    assert s.horizon.start == 2030 and s.horizon.end == base.horizon.end
    assert s.education.entry_rate.dist == "uniform"  # replaced whole, no leftover 'mode'
    assert s.education.ai_share == base.education.ai_share


def test_chained_extends(tmp_path):
    write_scenario(tmp_path, "mid", {"horizon": {"start": 2030}})
    leaf = write_scenario(tmp_path, "leaf", {"horizon": {"end": 2040}}, extends="mid.yaml")
    s = ts.load_scenario(leaf)
    assert (s.name, s.horizon.start, s.horizon.end) == ("leaf", 2030, 2040)


def test_scenario_error_lists_every_problem(tmp_path):
    path = write_scenario(tmp_path, "many", {"education": {"entry_rate": -1, "ai_share": 2}})
    with pytest.raises(ts.ScenarioError) as info:
        ts.load_scenario(path)
    assert len(info.value.problems) == 2
    assert str(info.value).count(str(path)) == 2


def test_every_shipped_scenario_is_valid():
    scenarios = sorted((BASELINE.parent).glob("*.yaml"))
    assert scenarios and validate_files(scenarios) == []
    for path in scenarios:
        text = yaml.safe_load(path.read_text())
        assert text["name"] == path.stem


def test_keys_that_look_like_pydantic_internals_are_reported_not_crashed_on(tmp_path):
    # found by tests/test_fuzz.py: a top-level key literally named "function-"
    path = tmp_path / "odd.yaml"
    path.write_text("function-: null\n'tagged-union[': 1\n")
    found = problems(path)
    assert f"{path}: name: required field is missing" in found
    assert any("unknown key 'function-'" in f for f in found)


def test_control_characters_in_values_are_escaped_one_line_per_problem(tmp_path):
    # found by tests/test_fuzz.py: a record separator in a distribution name split the line
    path = write_scenario(tmp_path, "ctl", {"graduate_school": {"phd": {"years": {"dist": "\x1e", "low": 1}}}})
    (msg,) = problems(path)
    assert "\\x1e" in msg and len(msg.splitlines()) == 1


# ------------------------------------------------------------------ the command line (issue #18)
import os  # noqa: E402
import signal  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402

from click.testing import CliRunner  # noqa: E402

from talentsim.cli import main  # noqa: E402

OBSERVED = Path(ts.__file__).parent / "data" / "observed_kr.csv"


def misuse(tmp_path, case: str) -> list[str]:
    """Arguments of one CLI misuse (paths created under tmp_path)."""
    base = str(BASELINE)
    if case == "below_file":
        (tmp_path / "f").write_text("x")
        return ["run", base, "--draws", "3", "--out", str(tmp_path / "f" / "out")]
    if case == "dangling":
        (tmp_path / "d").symlink_to(tmp_path / "nowhere")
        return ["run", base, "--draws", "3", "--out", str(tmp_path / "d")]
    if case == "corrupt_plot":
        (tmp_path / "c").mkdir()
        (tmp_path / "c" / "manifest.json").write_text('{"kind": "run"}')
        (tmp_path / "c" / "summary.csv").write_text("garbage,,\n1\n")
        return ["plot", str(tmp_path / "c")]
    if case == "corrupt_report":
        (tmp_path / "c").mkdir()
        (tmp_path / "c" / "manifest.json").write_text('{"kind": "run", "x": ')
        return ["report", str(tmp_path / "c"), "--out", str(tmp_path / "r.html")]
    if case == "deep":
        (tmp_path / "deep.yaml").write_text("a: " + "[" * 3000 + "]" * 3000 + "\n")
        return ["validate", str(tmp_path / "deep.yaml")]
    if case == "nul":
        return ["validate", "a\x00b.yaml"]
    if case == "long_name":
        return ["validate", str(tmp_path / ("x" * 5000 + ".yaml"))]
    return {
        "scale_nan": ["run", base, "--engine", "microsim", "--draws", "1", "--scale", "nan"],
        "scale_tiny": ["run", base, "--engine", "microsim", "--draws", "1", "--scale", "1e-9"],
        "scheduler_empty": ["run", base, "--draws", "3", "--scheduler", ""],
        "draws_huge": ["run", base, "--draws", "1000000000000"],
        "particles_huge": ["calibrate", base, "--observed", str(OBSERVED), "--particles", "1000000000000"],
        "micro_metric": ["sensitivity", base, "--metric", "seat_wait_years", "--draws", "4"],
    }[case]


EXPECTED = {
    "below_file": "Not a directory", "dangling": "dangling symbolic link",
    "corrupt_plot": "not a complete talentsim results folder", "corrupt_report": "",
    "deep": "nesting depth", "nul": "", "long_name": "",
    "scale_nan": "--scale: must be a finite number > 0 (got nan)", "scale_tiny": "use --scale 0.7 or more",
    "scheduler_empty": "--scheduler: give a Dask scheduler address", "draws_huge": "--draws: ",
    "particles_huge": "--particles: ",
    "micro_metric": "'seat_wait_years' exists only in the microsimulation",
}


@pytest.mark.parametrize("case", sorted(EXPECTED))
def test_cli_misuse_is_one_line_and_a_non_zero_exit(tmp_path, case):
    result = CliRunner().invoke(main, misuse(tmp_path, case))
    assert result.exit_code != 0
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    lines = result.output.strip().splitlines()
    assert 1 <= len(lines) <= 2 and "Traceback" not in result.output, result.output  # the problem (+ a count)
    assert EXPECTED[case] in result.output


def test_debug_shows_the_traceback(tmp_path):
    args = misuse(tmp_path, "corrupt_plot")
    result = CliRunner().invoke(main, ["--debug", *args])
    assert result.exit_code == 2  # plot's own one-line refusal stays
    (tmp_path / "c" / "summary.csv").unlink()
    result = CliRunner().invoke(main, ["--debug", "report", str(tmp_path / "c"), "--out", str(tmp_path / "r.html")])
    assert result.exit_code != 0


def test_ctrl_c_during_start_up_is_one_line():
    code = ("import os, signal, sys; sys.argv[0] = 'talentsim'; import talentsim.startup; "
            "os.kill(os.getpid(), signal.SIGINT); import time; time.sleep(5)")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                          env={**os.environ, "PYTHONWARNINGS": "ignore"})
    assert proc.returncode == 130
    assert proc.stderr.strip() == "interrupted during start-up; nothing was written"
    assert signal.SIGINT  # the default handler is restored once the CLI parses (talentsim.startup.restore)
