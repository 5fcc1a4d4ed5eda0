"""Changing a scenario from Python, validated exactly as a YAML file is.

>>> s = load_scenario("scenarios/baseline.yaml")
>>> s2 = s.with_values({"workforce.attrition": 0.03,
...                     "education.entry_rate": {"dist": "uniform", "low": 0.6, "high": 0.7}})
>>> s.with_values({"workforce.attrition": 7.0})                         # doctest: +ELLIPSIS
Traceback (most recent call last):
...
talentsim.scenario.load.ScenarioError: workforce.attrition: must be within [0, 1] (got 7)...

Field paths are the ones error messages print (``migration.emigration.age_multiplier.30``).
"""

from __future__ import annotations

import copy
import itertools
from collections.abc import Mapping
from typing import Any

from .load import Problem, ScenarioError, problems_of
from .schema import Scenario

__all__ = ["with_values"]


def _set(data: dict, dotted: str, value: Any) -> None:
    parts = dotted.split(".")
    node: Any = data
    for part in parts[:-1]:
        key = next((k for k in node if str(k) == part), part)
        child = node.get(key)
        if not isinstance(child, dict):
            if isinstance(child, Mapping):
                child = dict(child)
            else:
                child = {}
            node[key] = child
        node = child
    last = parts[-1]
    key = next((k for k in node if str(k) == last), None)
    if key is None:
        key = int(last) if last.lstrip("-").isdigit() and any(isinstance(k, int) for k in node) else last
    node[key] = value


def with_values(scenario: Scenario, values: Mapping[str, Any], *, source: str = "") -> Scenario:
    """A new scenario: ``scenario`` with each ``{"field.path": value}`` set, then validated by the
    same schema and checks as a YAML file (every problem at once, the same messages, prefixed
    with ``source`` if given).

    Raises
    ------
    ScenarioError
        e.g. ``workforce.attrition: must be within [0, 1] (got 7.0)``.
    """
    if not isinstance(values, Mapping):
        raise ScenarioError([Problem(source, "", "with_values takes a mapping {'field.path': value}", values)])
    data = copy.deepcopy(scenario.model_dump(mode="python", exclude_none=True))
    bad = [Problem(source, str(k), "field paths are dotted strings such as 'workforce.attrition'", k,
                   show_value=False)
           for k in values if not isinstance(k, str) or not k or any(not p for p in k.split("."))]
    if bad:
        raise ScenarioError(bad)
    keys = sorted(values)
    overlap = [Problem(source, b, f"overlaps '{a}' (set one or the other)", show_value=False)
               for a, b in itertools.pairwise(keys) if b.startswith(a + ".")]
    if overlap:
        raise ScenarioError(overlap)
    for dotted, value in values.items():
        if hasattr(value, "model_dump"):  # a distribution or path model
            value = value.model_dump(mode="python", exclude_none=True)
        _set(data, dotted, value)
    new, problems = problems_of(data, source)
    if problems or new is None:
        raise ScenarioError(problems)
    return new
