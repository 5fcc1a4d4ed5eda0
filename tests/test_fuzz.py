"""Property-based fuzzing of every route into the model (issue #18): random and malformed YAML,
mutations of every kind of field of the baseline (numbers, distributions, yearly paths and the
knots inside them, number mappings) with extreme values, and the same through ``with_values``.

Each case ends in exactly one of:
- clean problems, one line each, naming the file (and the field when there is one);
- a refusal of the finished run (:class:`talentsim.integrity.ResultError`) naming metric, year, draw;
- a run whose every value is finite, stocks and flows non-negative, people conserved.

Budget: ``TALENTSIM_FUZZ_EXAMPLES`` cases per property (default small, ~20 s for the file);
``benchmarks/fuzz.sh`` runs >= 10,000 cases. The number of cases tried is printed at the end
of the pytest run ("fuzz: ... cases").
"""

import copy
import itertools
import math
import os

import numpy as np
import pandas as pd
import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import talentsim as ts
from talentsim.cli import main
from talentsim.integrity import ResultError, check_run
from talentsim.scenario.load import Problem, resolve, validate_files

from .conftest import BASELINE, FUZZ_CASES
from .test_conservation import check_identities

RAW = resolve(BASELINE)
RAW.pop("extends", None)
SHORT = {**RAW, "horizon": {"start": 2024, "end": 2032}}  # the model runs fast on a short horizon

#: examples per property; the suite runs a few dozen, `benchmarks/fuzz.sh` thousands
EXAMPLES = int(os.environ.get("TALENTSIM_FUZZ_EXAMPLES", "25"))
SETTINGS = settings(max_examples=EXAMPLES, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-10**12, 10**12),
    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=12),
)
documents = st.recursive(
    scalars,
    lambda children: st.one_of(st.lists(children, max_size=4),
                               st.dictionaries(st.one_of(st.text(max_size=10), st.integers(-5, 3000)), children,
                                               max_size=5)),
    max_leaves=25,
)
#: numbers that break models: zero, signs, tiny, huge, non-finite
extremes = st.one_of(
    st.sampled_from([0, 0.0, -0.0, 1, -1, 0.5, 2, 1e-300, 1e-9, 1e6, 1e12, 1e15, 1e300, -1e300,
                     math.nan, math.inf, -math.inf]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.floats(-2, 2),
)
distributions = st.one_of(
    st.builds(lambda lo, w: {"dist": "uniform", "low": lo, "high": lo + w}, extremes, extremes),
    st.builds(lambda lo, m, h: {"dist": "triangular", "low": lo, "mode": m, "high": h}, extremes, extremes, extremes),
    st.builds(lambda m, s: {"dist": "normal", "mean": m, "sd": s}, extremes, extremes),
    st.builds(lambda m, s: {"dist": "lognormal", "median": m, "sigma": s}, extremes, extremes),
    st.builds(lambda a, b: {"dist": "beta", "a": a, "b": b}, extremes, extremes),
    st.builds(lambda m, s, lo, h: {"dist": "truncnormal", "mean": m, "sd": s, "low": lo, "high": h},
              extremes, extremes, extremes, extremes),
)
knot = st.one_of(extremes, distributions)
paths = st.one_of(
    st.builds(lambda v, r, y: {"path": "growth", "value": v, "rate": r, "base_year": y}, knot, knot,
              st.integers(1990, 2060)),
    st.builds(lambda vs: {"path": "explicit", "values": vs}, st.dictionaries(st.integers(1990, 2060), knot,
                                                                             min_size=1, max_size=3)),
    st.builds(lambda vs: {"path": "steps", "values": vs}, st.dictionaries(st.integers(1990, 2060), knot,
                                                                          min_size=1, max_size=3)),
    st.builds(lambda v: {"path": "constant", "value": v}, knot),
)
values = st.one_of(extremes, distributions, paths)


PROGRESS = os.environ.get("TALENTSIM_FUZZ_PROGRESS")  # a file benchmarks/fuzz.sh watches


def count(name: str) -> None:
    FUZZ_CASES[name] = FUZZ_CASES.get(name, 0) + 1
    total = sum(FUZZ_CASES.values())
    if PROGRESS and total % 100 == 0:
        with open(PROGRESS, "w") as fh:
            fh.write(f"{total} cases tried, none failed so far: {FUZZ_CASES}\n")


def leaf_paths(node, prefix=()):
    """Every path to a value in the raw baseline, numbers inside distributions and knots included."""
    yield prefix
    if isinstance(node, dict):
        for k, v in node.items():
            yield from leaf_paths(v, (*prefix, k))


ALL_PATHS = [p for p in leaf_paths(RAW) if p]


def at(doc, path):
    node = doc
    for part in path:
        node = node[part]
    return node


NUMERIC_PATHS = [p for p in ALL_PATHS
                 if isinstance(at(RAW, p), (int, float, dict)) and not isinstance(at(RAW, p), bool)
                 and p[0] not in ("horizon", "sampling", "correlations")]


def put(doc, path, value) -> None:
    """Set ``path`` in ``doc``; skipped when an earlier edit replaced a section on the way."""
    node = doc
    for part in path[:-1]:
        if not isinstance(node, dict) or part not in node:
            return
        node = node[part]
    if isinstance(node, dict):
        node[path[-1]] = value


def check(tmp_path, text: str) -> list[Problem]:
    path = tmp_path / "fuzz.yaml"
    path.write_text(text)
    problems = validate_files([path])  # must not raise
    for p in problems:
        assert isinstance(p, Problem) and p.file == str(path)
        line = str(p)
        assert line.startswith(f"{path}: ") and "\n" not in line
    return problems


def outcome(scenario) -> str:
    """Simulate a few draws: a refusal naming metric/year/draw, or a sane, conserved run."""
    run = ts.simulate(scenario, ts.sample_inputs(scenario, n_draws=3, method="mc", rng=1))
    try:
        check_run(run)
    except ResultError as exc:
        assert "(draw " in str(exc) and "\n" not in str(exc)
        return "refused"
    check_identities(run)
    return "ran"


@SETTINGS
@given(doc=documents)
def test_random_documents(tmp_path, doc):
    count("random documents")
    check(tmp_path, yaml.safe_dump(doc))


@SETTINGS
@given(text=st.text(max_size=200))
def test_random_text(tmp_path, text):
    count("random text")
    check(tmp_path, text)


@SETTINGS
@given(edits=st.lists(st.tuples(st.sampled_from(ALL_PATHS), st.sampled_from(["replace", "delete", "add"]), documents),
                      min_size=1, max_size=4))
def test_structural_mutations_of_the_baseline(tmp_path, edits):
    count("structural mutations")
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


@SETTINGS
@given(edits=st.lists(st.tuples(st.sampled_from(NUMERIC_PATHS), values), min_size=1, max_size=3))
def test_numeric_mutations_give_a_clean_error_or_a_sane_run(tmp_path, edits):
    """Every kind of numeric field with extreme numbers, distributions and paths: a clean error
    naming the field, or a finite, non-negative run that conserves people."""
    count("numeric mutations")
    doc = copy.deepcopy(SHORT)
    for path, value in edits:
        put(doc, path, value)
    problems = check(tmp_path, yaml.dump(doc, allow_unicode=True))
    if problems:
        assert all(p.path for p in problems), [str(p) for p in problems]  # each names a field
        return
    outcome(ts.load_scenario(tmp_path / "fuzz.yaml"))


BASE = ts.load_scenario(BASELINE)
FIELD_NAMES = [".".join(map(str, p)) for p in NUMERIC_PATHS]


@SETTINGS
@given(edits=st.dictionaries(st.sampled_from(FIELD_NAMES), values, min_size=1, max_size=2))
def test_with_values_agrees_with_the_yaml_loader(tmp_path, edits):
    """The same edits through Python and through a file: the same problems, or both valid."""
    keys = sorted(edits)
    assume(not any(b.startswith(a + ".") for a, b in itertools.pairwise(keys)))  # overlapping paths are refused
    count("with_values vs YAML")
    doc = copy.deepcopy(RAW)
    for dotted, value in edits.items():
        put(doc, next(p for p in NUMERIC_PATHS if ".".join(map(str, p)) == dotted), value)
    path = tmp_path / "fuzz.yaml"
    from_yaml = sorted(str(p).removeprefix(f"{path}: ") for p in check(tmp_path, yaml.dump(doc)))
    try:
        BASE.with_values(edits)
        from_api: list[str] = []
    except ts.ScenarioError as exc:
        from_api = sorted(str(p) for p in exc.problems)
    assert from_api == from_yaml


@settings(max_examples=max(EXAMPLES // 8, 3), deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(edits=st.lists(st.tuples(st.sampled_from(NUMERIC_PATHS), st.one_of(scalars, values)), min_size=1, max_size=3))
def test_a_failed_run_writes_nothing(tmp_path_factory, edits):
    count("CLI runs")
    tmp = tmp_path_factory.mktemp("run")
    doc = copy.deepcopy(SHORT)
    for path, value in edits:
        put(doc, path, value)
    scenario = tmp / "s.yaml"
    scenario.write_text(yaml.dump(doc))
    out = tmp / "out"
    result = CliRunner().invoke(main, ["run", str(scenario), "--draws", "2", "--no-draws", "--out", str(out)])
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    if result.exit_code == 0:
        summary = pd.read_csv(out / "summary.csv")
        numbers = summary.select_dtypes("number").drop(columns="year").to_numpy()
        assert np.isfinite(numbers).all()
    else:
        assert result.exit_code == 2, result.output
        assert not os.path.lexists(out)
        assert [p.name for p in tmp.iterdir()] == ["s.yaml"]
        lines = result.output.strip().splitlines()
        assert all(line.startswith((f"{scenario}: ", "error: result ")) for line in lines), lines


def test_numeric_paths_cover_every_kind_of_field():
    kinds = {type(at(RAW, p)).__name__ for p in NUMERIC_PATHS}
    assert {"float", "dict"} <= kinds
    names = {".".join(map(str, p)) for p in NUMERIC_PATHS}
    for expected in ("workforce.initial.age_weights.30", "migration.emigration.age_multiplier.40",
                     "migration.immigration.qualification_mix.phd", "demography.births.tfr.values.2030.low",
                     "education.ai_share.rate.high"):
        assert expected in names, expected
