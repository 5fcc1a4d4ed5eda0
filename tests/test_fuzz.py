"""Fuzzing the scenario loader: random and malformed YAML gives clean errors, never a traceback,
and a failed run writes nothing."""

import copy
import os

import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from talentsim.cli import main
from talentsim.scenario.load import Problem, resolve, validate_files

from .conftest import BASELINE

RAW = resolve(BASELINE)
RAW.pop("extends", None)

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-10**12, 10**12),
    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=12),
)
documents = st.recursive(
    scalars,
    lambda children: st.one_of(st.lists(children, max_size=4),
                               st.dictionaries(st.one_of(st.text(max_size=10), st.integers(-5, 3000)), children, max_size=5)),
    max_leaves=25,
)
#: examples per fuzz test; the suite runs a few hundred, `benchmarks/fuzz.sh` thousands
EXAMPLES = int(os.environ.get("TALENTSIM_FUZZ_EXAMPLES", "300"))
SETTINGS = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


def check(tmp_path, text: str) -> list[Problem]:
    path = tmp_path / "fuzz.yaml"
    path.write_text(text)
    problems = validate_files([path])  # must not raise
    for p in problems:
        assert isinstance(p, Problem) and p.file == str(path)
        assert str(p).startswith(f"{path}: ")
    return problems


@SETTINGS
@given(doc=documents)
def test_random_documents(tmp_path, doc):
    check(tmp_path, yaml.safe_dump(doc))


@SETTINGS
@given(text=st.text(max_size=200))
def test_random_text(tmp_path, text):
    check(tmp_path, text)


def paths(node, prefix=()):
    yield prefix
    if isinstance(node, dict):
        for k, v in node.items():
            yield from paths(v, (*prefix, k))


ALL_PATHS = [p for p in paths(RAW) if p]


@SETTINGS
@given(edits=st.lists(st.tuples(st.sampled_from(ALL_PATHS), st.sampled_from(["replace", "delete", "add"]), documents),
                      min_size=1, max_size=4))
def test_mutations_of_the_baseline(tmp_path, edits):
    doc = copy.deepcopy(RAW)
    for path, action, value in edits:
        node = doc
        for part in path[:-1]:
            if not isinstance(node, dict) or part not in node:
                break
            node = node[part]
        else:
            if not isinstance(node, dict):
                continue
            if action == "replace":
                node[path[-1]] = value
            elif action == "delete":
                node.pop(path[-1], None)
            elif isinstance(node.get(path[-1]), dict):
                node[path[-1]]["fuzz_key"] = value
    check(tmp_path, yaml.safe_dump(doc))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(edits=st.lists(st.tuples(st.sampled_from(ALL_PATHS), scalars), min_size=1, max_size=3))
def test_a_failed_run_writes_nothing(tmp_path_factory, edits):
    tmp = tmp_path_factory.mktemp("run")
    doc = copy.deepcopy(RAW)
    for path, value in edits:
        node = doc
        for part in path[:-1]:
            node = node[part] if isinstance(node, dict) and part in node else {}
        if isinstance(node, dict):
            node[path[-1]] = value
    scenario = tmp / "s.yaml"
    scenario.write_text(yaml.safe_dump(doc))
    out = tmp / "out"
    result = CliRunner().invoke(main, ["run", str(scenario), "--draws", "2", "--no-draws", "--out", str(out)])
    if result.exit_code == 0:
        assert (out / "summary.csv").exists()
    else:
        assert result.exit_code == 2, result.output
        assert not out.exists()
        assert [p.name for p in tmp.iterdir()] == ["s.yaml"]
        assert all(line.startswith(f"{scenario}: ") for line in result.output.strip().splitlines())
