"""One validation layer for every number (issue #18) and ``Scenario.with_values`` (issue #17):
each bound named in the issue refused with a message naming the field; the same messages from
YAML, ``with_values`` and ``Scenario.model_validate``; bounded, strict YAML reading."""

import math
import os
import threading
import time

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

import talentsim as ts
from talentsim.cli import main
from talentsim.scenario.load import validate_files

from .conftest import BASELINE, write_scenario

NAN, INF = float("nan"), float("inf")
GRAD = BASELINE.parent / "grad_school_expansion.yaml"


@pytest.fixture(scope="module")
def base():
    return ts.load_scenario(BASELINE)


def problems(path) -> list[str]:
    return [str(p) for p in validate_files([path])]


# each bound the issue lists: (field path, YAML body, part of the expected message)
CASES = [
    ("demography.cohort18", {"demography": {"cohort18": -5}}, "must be >= 0 (got -5)"),
    ("demography.cohort18", {"demography": {"cohort18": NAN}}, "input should be a finite number"),
    ("demography.births.tfr.values.2030", {"demography": {"births": {"tfr": {"path": "explicit", "values": {2030: NAN}}}}},
     "input should be a finite number"),
    ("demography.births.tfr", {"demography": {"births": {"tfr": {"path": "explicit", "values": {2030: -1.0}}}}},
     "must be > 0 (got {path: explicit, values: {2030: -1}})"),
    # a distribution inside a path knot
    ("demography.births.tfr", {"demography": {"births": {"tfr": {"path": "steps", "values": {
        2030: {"dist": "normal", "mean": 1.0, "sd": 0.1}}}}}}, "must be > 0 but can take -inf to inf"),
    ("demography.births.tfr.values.2030.sd", {"demography": {"births": {"tfr": {"path": "steps", "values": {
        2030: {"dist": "normal", "mean": 1.0, "sd": INF}}}}}}, "input should be a finite number"),
    # growth-path rates
    ("education.ai_share.rate", {"education": {"ai_share": {"path": "growth", "value": 0.1, "rate": -1.5,
                                                            "base_year": 2024}}}, "must be within (-1, 1]"),
    ("demography.cohort18_ratio.rate", {"demography": {"cohort18_ratio": {"path": "growth", "value": 0.97, "rate": 1e200,
                                                    "base_year": 2024}}}, "must be within (-1, 1]"),
    ("education.ai_share.rate", {"education": {"ai_share": {"path": "growth", "value": 0.1, "rate": NAN,
                                                            "base_year": 2024}}}, "input should be a finite number"),
    # mapping fields
    ("workforce.initial.age_weights.30", {"workforce": {"initial": {"age_weights": {30: -0.2}}}}, "must be >= 0"),
    ("workforce.initial.age_weights.30", {"workforce": {"initial": {"age_weights": {30: NAN}}}}, "finite number"),
    ("migration.emigration.age_multiplier.40", {"migration": {"emigration": {"age_multiplier": {40: -1.0}}}},
     "must be within [0, 10] (got -1)"),
    ("migration.emigration.age_multiplier.40", {"migration": {"emigration": {"age_multiplier": {40: INF}}}},
     "finite number"),
    ("migration.emigration.qualification_multiplier.phd",
     {"migration": {"emigration": {"qualification_multiplier": {"phd": -2.0}}}}, "must be within [0, 10] (got -2)"),
    ("migration.immigration.qualification_mix.master",
     {"migration": {"immigration": {"qualification_mix": {"master": NAN}}}}, "finite number"),
    ("migration.immigration.qualification_mix.phd",
     {"migration": {"immigration": {"qualification_mix": {"bachelor": 1.2, "master": 0.0, "phd": -0.2}}}},
     "must be within [0, 1] (got -0.2)"),
    ("workforce.reskilled_mix.bachelor", {"workforce": {"reskilled_mix": {"bachelor": NAN}}}, "finite number"),
    ("workforce.reskilled_mix.phd", {"workforce": {"reskilled_mix": {"bachelor": 1.5, "phd": -0.5}}},
     "must be within [0, 1] (got -0.5)"),
    # plain and plausibility
    ("workforce.attrition", {"workforce": {"attrition": INF}}, "finite number"),
    ("market.demand", {"market": {"demand": 0}}, "must be > 0 (got 0)"),
    ("workforce.initial.total", {"workforce": {"initial": {"total": 1e15}}}, "plausibility limit"),
]


@pytest.mark.parametrize(("field", "body", "expected"), CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_each_bound_names_its_field(tmp_path, field, body, expected):
    path = write_scenario(tmp_path, "b", body)
    found = problems(path)
    assert any(f.startswith(f"{path}: {field}: ") and expected in f for f in found), found
    assert all("\n" not in f for f in found)


def test_optional_cap_units_is_checked(tmp_path):
    from talentsim.scenario.load import resolve

    raw = resolve(GRAD)
    lever = next(iter(raw["levers"]))
    for value, expected in ((NAN, "finite number"), (-3.0, "must be > 0 (got -3)")):
        body = {"levers": {lever: {**raw["levers"][lever], "cap_units": value}}}
        path = write_scenario(tmp_path, "cap", body, extends=GRAD)
        found = problems(path)
        assert any(f.startswith(f"{path}: levers.{lever}.cap_units: ") and expected in f for f in found), found


def test_every_row_of_a_posterior_file_is_checked(tmp_path, base):
    name = "workforce.attrition"
    lo, hi = next(d for n, d in ts.sample_inputs(base, 2).inputs if n == name).low, None
    post = tmp_path / "post.csv"
    pd.DataFrame({name: [0.05, 0.05, NAN, 0.05], "distance": 1.0}).to_csv(post, index=False)
    path = write_scenario(tmp_path, "p", {"inputs_from": "post.csv"})
    (msg,) = problems(path)
    assert msg.startswith(f"{path}: inputs_from.{name}: row 2: must be finite and within the prior's support")
    pd.DataFrame({name: [0.05] * 5 + [lo - 1.0]}).to_csv(post, index=False)
    (msg,) = problems(path)
    assert f"inputs_from.{name}: row 5:" in msg and f"(got {lo - 1.0:g})" in msg.replace(".0)", ")")
    assert hi is None


def test_a_parquet_posterior_is_checked_row_by_row_too(tmp_path):
    """Parquet posteriors are read without pandas (start-up path): nulls, NaN and text columns
    are found as in a CSV one, over several row groups."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    name, other = "workforce.attrition", "education.destinations.ai_job"
    table = pa.table({name: pa.array([0.05, 0.05, 0.05, None, 0.05]), other: ["a", "b", "c", "d", "e"]})
    pq.write_table(table, tmp_path / "post.parquet", row_group_size=2)
    path = write_scenario(tmp_path, "pq", {"inputs_from": "post.parquet"})
    found = problems(path)
    assert any(f.startswith(f"{path}: inputs_from.{name}: row 3: must be finite") for f in found), found
    assert any(f.startswith(f"{path}: inputs_from.{other}: must hold numbers") for f in found), found


def test_with_values_names_the_field_and_range(base):
    with pytest.raises(ts.ScenarioError) as err:
        base.with_values({"workforce.attrition": 7.0})
    assert "workforce.attrition: must be within [0, 1] (got 7)" in str(err.value).splitlines()
    changed = base.with_values({"workforce.attrition": 0.031, "migration.emigration.age_multiplier.30": 0.8})
    assert changed.workforce.attrition == 0.031 and changed.migration.emigration.age_multiplier[30] == 0.8
    assert base.workforce.attrition != 0.031  # the original is unchanged
    with pytest.raises(ts.ScenarioError, match=r"workforce.atrition: unknown key 'atrition'; did you mean 'attrition'"):
        base.with_values({"workforce.atrition": 0.03})
    with pytest.raises(ts.ScenarioError, match=r"^demography.births: overlaps 'demography'"):
        base.with_values({"demography": 0, "demography.births": 0})


def test_model_validate_runs_the_same_checks(base):
    data = base.model_dump()
    data["workforce"]["attrition"] = 7.0
    with pytest.raises(ValidationError, match=r"workforce.attrition: must be within \[0, 1\]"):
        ts.Scenario.model_validate(data)


FIELDS = ["workforce.attrition", "education.entry_rate", "market.initial_premium", "workforce.initial.total",
          "migration.emigration.base_rate", "graduate_school.master.completion", "migration.immigration.home_premium"]
values = st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.integers(-10**15, 10**15),
                   st.fixed_dictionaries({"dist": st.sampled_from(["uniform", "normal", "triangular"]),
                                          "low": st.floats(-2, 2), "high": st.floats(-2, 3)}))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(field=st.sampled_from(FIELDS), value=values)
def test_with_values_rejects_what_the_yaml_loader_rejects_with_the_same_message(tmp_path, base, field, value):
    body: dict = {}
    node = body
    *parents, last = field.split(".")
    for part in parents:
        node = node.setdefault(part, {})
    node[last] = value
    path = write_scenario(tmp_path, "prop", body)
    from_yaml = sorted(f.removeprefix(f"{path}: ") for f in problems(path))
    try:
        base.with_values({field: value})
        from_api: list[str] = []
    except ts.ScenarioError as exc:
        from_api = sorted(str(p) for p in exc.problems)
    assert from_api == from_yaml


def test_validate_reports_a_misspelt_key_and_a_range_error_together(tmp_path):
    path = write_scenario(tmp_path, "two", {"workforce": {"atrition": 0.03, "attrition": 7.0}})
    result = CliRunner().invoke(main, ["validate", str(path)])
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert f"{path}: workforce.atrition: unknown key 'atrition'; did you mean 'attrition'?" in lines
    assert f"{path}: workforce.attrition: must be within [0, 1] (got 7)" in lines
    path = write_scenario(tmp_path, "two2", {"horizn": {"start": 2024}, "education": {"entry_rate": -0.5}})
    found = problems(path)
    assert any("horizn: unknown key" in f for f in found) and any("education.entry_rate: must be within" in f for f in found)


# ------------------------------------------------------------------ YAML hygiene
def test_duplicate_keys_are_refused_with_both_lines(tmp_path):
    path = tmp_path / "dup.yaml"
    path.write_text(f"name: dup\nextends: {BASELINE}\nworkforce:\n  attrition: 0.03\n  attrition: 0.05\n")
    assert problems(path) == [f"{path}: attrition: duplicate key 'attrition' at lines 4 and 5; keep one"]


def ends_quickly(tmp_path, text: str, name: str = "child.yaml") -> str:
    path = tmp_path / name
    path.write_text(text)
    started = time.monotonic()
    found = problems(path)
    assert time.monotonic() - started < 2.0
    (line,) = found
    assert "\n" not in line and line.startswith(f"{tmp_path}/")  # the child or the file it extends
    return line


def test_extends_dev_zero_ends_in_a_one_line_error(tmp_path):
    (tmp_path / "zero.yaml").symlink_to("/dev/zero")
    line = ends_quickly(tmp_path, "name: z\nextends: zero.yaml\n")
    assert "not a regular file" in line


def test_extends_a_fifo_ends_in_a_one_line_error(tmp_path):
    fifo = tmp_path / "fifo.yaml"
    os.mkfifo(fifo)
    done = threading.Event()
    line = ends_quickly(tmp_path, "name: f\nextends: fifo.yaml\n")
    done.set()
    assert "not a regular file" in line
    stdin = tmp_path / "stdin.yaml"
    stdin.symlink_to("/dev/stdin")
    assert "not a regular file" in ends_quickly(tmp_path, "name: s\nextends: stdin.yaml\n", "c2.yaml")


def test_an_alias_bomb_across_two_files_ends_in_a_one_line_error(tmp_path):
    levels = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    levels += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 9)]
    (tmp_path / "bomb.yaml").write_text("name: bomb\n" + "\n".join(levels) + "\n")
    line = ends_quickly(tmp_path, "name: c\nextends: bomb.yaml\nworkforce: {attrition: 0.03}\n")
    assert "too large once its YAML aliases are expanded" in line and "bomb.yaml" in line


def test_deep_nesting_and_recursive_aliases_are_one_line_errors(tmp_path):
    line = ends_quickly(tmp_path, "a: " + "[" * 5000 + "]" * 5000 + "\n", "deep.yaml")
    assert "nested too deeply" in line or "exceeded maximum nesting depth" in line
    assert "nested too deeply" in ends_quickly(tmp_path, "a: " + "[" * 60 + "]" * 60 + "\n", "deep2.yaml")
    assert "recursive alias" in ends_quickly(tmp_path, "a: &a [*a]\n", "rec.yaml")


def test_extends_a_system_file_does_not_echo_it(tmp_path):
    line = ends_quickly(tmp_path, "name: p\nextends: /etc/passwd\n")
    assert line == f"{tmp_path / 'child.yaml'}: extends: must name a .yaml or .yml scenario file (got /etc/passwd)"
    (tmp_path / "passwd.yaml").symlink_to("/etc/passwd")
    line = ends_quickly(tmp_path, "name: p\nextends: passwd.yaml\n", "c3.yaml")
    assert "root:" not in line and line.endswith("a scenario must be a mapping of keys to values (got a str)")


@pytest.mark.parametrize("name", ["x" * 300 + ".yaml", "a\x00b.yaml", "loop.yaml"])
def test_unreadable_names_are_one_line_errors(tmp_path, name):
    if name == "loop.yaml":
        (tmp_path / "loop.yaml").symlink_to(tmp_path / "loop2.yaml")
        (tmp_path / "loop2.yaml").symlink_to(tmp_path / "loop.yaml")
    result = CliRunner().invoke(main, ["validate", str(tmp_path / name)])
    assert result.exit_code == 2
    assert len(result.output.strip().splitlines()) <= 2 and "Traceback" not in result.output  # problem (+ count)


def test_growth_range_does_not_overflow():
    from talentsim.scenario.inputs import GrowthPath, quantity_range

    lo, hi = quantity_range(GrowthPath(path="growth", value=1e10, rate=1e300, base_year=2024), range(1990, 2070))
    assert hi == math.inf and np.isfinite(lo)
