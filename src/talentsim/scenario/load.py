"""Load scenario YAML files: safe parsing, ``extends`` inheritance, validation, clear errors.

>>> scenario = load_scenario("scenarios/baseline.yaml")
>>> scenario.horizon.start
2024

Every problem of a file is reported at once, one line each, as
``FILE: field.path: what is wrong (got VALUE)``.
"""

from __future__ import annotations

import difflib
import os
import re
import typing
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from .checks import check_bounds
from .inputs import DISTRIBUTIONS, PATHS
from .schema import Scenario
from .yamlio import MAX_NODES, YamlError, expanded_size, read_yaml

__all__ = ["Problem", "ScenarioError", "load_scenario", "resolve", "validate_files"]



@dataclass(frozen=True)
class Problem:
    file: str
    path: str
    message: str
    value: Any = None
    show_value: bool = True

    def __str__(self) -> str:
        where = f"{self.path}: " if self.path else ""
        where = f"{self.file}: {where}" if self.file else where
        got = f" (got {_show(self.value)})" if self.show_value and "(got" not in self.message else ""
        return _printable(f"{where}{self.message}{got}")


#: control characters (and the ones str.splitlines treats as line breaks)
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def _printable(text: str) -> str:
    """Escape control characters so that every problem is exactly one line."""
    return _UNPRINTABLE.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)


class ScenarioError(ValueError):
    """A scenario file (or its ``extends`` chain) is invalid; ``problems`` lists every issue."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


def _plain(value: Any) -> Any:
    """Whole floats as ints, so that a value shows the same from a file (``7``) and from Python
    (``7.0`` after a model dump)."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return int(value)
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def _show(value: Any) -> str:
    if isinstance(value, BaseModel):
        value = value.model_dump(exclude_defaults=True)
    value = _plain(value)
    text = yaml.safe_dump(value, default_flow_style=True, width=10_000).strip()
    text = text.removesuffix("...").strip()
    return text if len(text) <= 120 else text[:117] + "..."


# ------------------------------------------------------------------ reading and inheritance
def _read_yaml(path: Path, shown: str) -> dict:
    try:
        return read_yaml(path)
    except YamlError as exc:
        raise ScenarioError([Problem(shown, key, message, show_value=False) for key, message in exc.messages]) from None


def _is_quantity(node: Any) -> bool:
    return isinstance(node, Mapping) and ("dist" in node or "path" in node)


def deep_merge(base: Mapping, override: Mapping) -> dict:
    """Mappings merge key by key; lists, scalars and whole quantities are replaced."""
    out = dict(base)
    for key, value in override.items():
        if (
            key in out
            and isinstance(out[key], Mapping)
            and isinstance(value, Mapping)
            and not _is_quantity(value)
        ):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = value
    return out


def resolve(path: str | os.PathLike[str], _chain: tuple[Path, ...] = ()) -> dict:
    """Raw scenario mapping after following ``extends`` (path relative to the file)."""
    path = Path(path)
    shown = str(path)
    try:
        real = path.resolve()
    except (OSError, RuntimeError, ValueError) as exc:  # symlink loops, NUL bytes, long names
        raise ScenarioError([Problem(shown, "", f"cannot read file: {getattr(exc, 'strerror', None) or exc}",
                                     show_value=False)]) from None
    if real in _chain:
        cycle = " -> ".join(str(p) for p in (*_chain, real))
        raise ScenarioError([Problem(shown, "extends", f"cyclic extends: {cycle}", show_value=False)])
    data = _read_yaml(path, shown)
    if isinstance(data.get("inputs_from"), str):  # relative to the file that names it
        data["inputs_from"] = str((path.parent / data["inputs_from"]).resolve())
    parent = data.get("extends")
    if parent is None:
        return data
    if not isinstance(parent, str):
        raise ScenarioError([Problem(shown, "extends", "must be a file name", parent)])
    if not parent.endswith((".yaml", ".yml")) or "\x00" in parent:
        raise ScenarioError([Problem(shown, "extends", "must name a .yaml or .yml scenario file", parent)])
    parent_path = path.parent / parent
    try:
        exists, regular = os.path.lexists(parent_path), parent_path.is_file()
    except (OSError, ValueError):
        exists, regular = False, False
    if not exists:
        raise ScenarioError([Problem(shown, "extends", f"base scenario not found: {parent_path}", parent)])
    if not regular:
        raise ScenarioError([Problem(shown, "extends", f"not a regular file: {parent_path}", parent)])
    try:
        base = resolve(parent_path, (*_chain, real))
    except ScenarioError as exc:
        # keep the inner file's problems but say which file pulled them in
        if any(p.path == "extends" and "cyclic" in p.message for p in exc.problems):
            raise ScenarioError(
                [Problem(shown, "extends", p.message, show_value=False) for p in exc.problems]
            ) from None
        raise
    merged = deep_merge(base, data)
    merged["extends"] = parent
    nodes = expanded_size(merged)[0]
    if nodes > MAX_NODES:
        raise ScenarioError([Problem(shown, "extends", f"the merged scenario is too large ({nodes:,} values, "
                                     f"limit {MAX_NODES:,})", show_value=False)])
    return merged


# ------------------------------------------------------------------ error translation
def _allowed_keys(model: type, loc: tuple, data: Any) -> list[str]:
    """Field names valid at ``loc`` (used for "did you mean" suggestions)."""
    node_type: Any = model
    node = data
    for part in loc:
        node_type = _field_type(node_type, part, node)
        node = node.get(part) if isinstance(node, Mapping) else None
        if node_type is None:
            return []
    node_type = _unwrap(node_type, node)
    if isinstance(node_type, type) and issubclass(node_type, BaseModel):
        return list(node_type.model_fields)
    return []


def _unwrap(tp: Any, node: Any) -> Any:
    """Strip Annotated/Optional/Union down to the class matching the raw node."""
    while True:
        origin = typing.get_origin(tp)
        if origin is typing.Annotated:
            tp = typing.get_args(tp)[0]
        elif origin in (typing.Union, getattr(__import__("types"), "UnionType", None)):
            if isinstance(node, Mapping) and "dist" in node:
                return DISTRIBUTIONS.get(node["dist"]) if isinstance(node["dist"], str) else None
            if isinstance(node, Mapping) and "path" in node:
                return PATHS.get(node["path"]) if isinstance(node["path"], str) else None
            members = [a for a in typing.get_args(tp) if a is not type(None)]
            models = [m for m in members if isinstance(_unwrap(m, node), type)]
            if len(models) == 1:
                tp = models[0]
            else:
                return None
        else:
            return tp


def _field_type(tp: Any, part: Any, node: Any) -> Any:
    tp = _unwrap(tp, node)
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        field = tp.model_fields.get(part)
        return field.annotation if field else None
    if typing.get_origin(tp) is dict:
        return typing.get_args(tp)[1]
    return None


_TAGS = {"number", "dist", "path", *DISTRIBUTIONS, *PATHS}
#: pydantic's own location parts (validator and union wrappers), never a user's key
_PYDANTIC_TAG = re.compile(r"^(tagged-union|function-(after|before|wrap|plain))\[")


def _clean_loc(loc: tuple) -> tuple:
    """Drop pydantic's union-member tags from an error location."""
    out = []
    skip_next = False
    for i, part in enumerate(loc):
        if skip_next:
            skip_next = False
            continue
        if part == "number":
            continue
        if part in ("dist", "path") and i + 1 < len(loc) and loc[i + 1] in _TAGS:
            skip_next = True
            continue
        if isinstance(part, str) and (_PYDANTIC_TAG.match(part) or part == "[key]"):
            continue
        out.append(part)
    return tuple(out)


def _translate(err: Mapping[str, Any], shown: str, data: dict) -> Problem:
    loc = _clean_loc(err["loc"])
    path = ".".join(str(p) for p in loc)
    kind = err["type"]
    value = err.get("input")
    if kind == "extra_forbidden" and loc:
        key = str(loc[-1])
        allowed = _allowed_keys(Scenario, loc[:-1], data)
        close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
        hint = f"; did you mean '{close[0]}'?" if close else (
            f"; expected one of: {', '.join(allowed)}" if allowed else ""
        )
        return Problem(shown, path, f"unknown key '{key}'{hint}", show_value=False)
    if kind == "union_tag_invalid":
        ctx = err.get("ctx", {})
        tag = ctx.get("tag")
        table = DISTRIBUTIONS if ctx.get("discriminator") == "'dist'" else PATHS
        noun = "distribution" if table is DISTRIBUTIONS else "path kind"
        close = difflib.get_close_matches(str(tag), list(table), n=1, cutoff=0.5)
        hint = f"; did you mean '{close[0]}'?" if close else ""
        return Problem(
            shown, path, f"unknown {noun} '{tag}'; expected one of: {', '.join(table)}{hint}",
            show_value=False,
        )
    if kind == "missing":
        return Problem(shown, path, "required field is missing", show_value=False)
    if kind == "literal_error":
        expected = err.get("ctx", {}).get("expected", "")
        close = difflib.get_close_matches(
            str(value), [e.strip(" '") for e in expected.replace(" or ", ",").split(",")], n=1
        )
        hint = f"; did you mean '{close[0]}'?" if close else ""
        return Problem(shown, path, f"must be one of {expected}{hint}", value)
    message = err["msg"].removeprefix("Value error, ")
    message = message[0].lower() + message[1:] if message else message
    return Problem(shown, path, message, value)


def problems_of(data: dict, shown: str) -> tuple[Scenario | None, list[Problem]]:
    """Validate ``data`` as a Scenario (the schema, then :mod:`.checks`, inside pydantic); on a
    schema error, also the bounds of every part that validates on its own, so that a misspelt
    key does not hide a range error."""
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        problems: list[Problem] = []
        schema_failed = False
        for err in exc.errors():
            if err["type"] == "scenario_checks":
                problems += [Problem(shown, p, m, _raw_at(data, p, v), show_value=v is not None)
                             for p, m, v in err["ctx"]["problems"]]
            else:
                schema_failed = True
                problems.append(_translate(err, shown, data))
        if schema_failed:
            problems += [Problem(shown, p, m, _raw_at(data, p, v), show_value=v is not None)
                         for p, m, v in partial_checks(Scenario, data, _years_of(data))]
        unique = list({str(p): p for p in problems}.values())
        return None, unique
    except RecursionError:
        return None, [Problem(shown, "", "nested too deeply", show_value=False)]
    return scenario, []


def _years_of(data: Mapping) -> range:
    """The simulated years the file asks for (a default span if its horizon is invalid)."""
    from .schema import SPINUP_YEARS

    horizon = data.get("horizon") if isinstance(data, Mapping) else None
    start, end = 2024, 2050
    if isinstance(horizon, Mapping):
        a, b = horizon.get("start"), horizon.get("end")
        if isinstance(a, int) and isinstance(b, int) and 1900 < a <= b < 2200:
            start, end = a, b
    return range(start - SPINUP_YEARS, end + 1)


_SINGLE: dict[tuple[type, str], type[BaseModel]] = {}


def _single_field_model(cls: type[BaseModel], name: str) -> type[BaseModel]:
    """A model holding only field ``name`` of ``cls`` (same type, same ``Bounds``)."""
    from pydantic import create_model

    key = (cls, name)
    if key not in _SINGLE:
        info = cls.model_fields[name]
        fields: dict[str, Any] = {name: (info.annotation, info)}
        _SINGLE[key] = create_model(f"{cls.__name__}_{name}", __config__=cls.model_config, **fields)
    return _SINGLE[key]


def partial_checks(cls: type[BaseModel], data: Any, years: range, prefix: str = "") -> list[tuple[str, str, Any]]:
    """Bounds problems of every field of ``data`` that validates on its own (used when the
    whole fails the schema, e.g. on an unknown key elsewhere)."""
    if not isinstance(data, Mapping):
        return []
    found: list[tuple[str, str, Any]] = []
    for name, info in cls.model_fields.items():
        if name not in data:
            continue
        path = f"{prefix}.{name}" if prefix else name
        try:
            one = _single_field_model(cls, name).model_validate({name: data[name]})
        except ValidationError:
            sub = _unwrap(info.annotation, data[name])
            if isinstance(sub, type) and issubclass(sub, BaseModel) and sub.__module__.endswith("schema"):
                found += partial_checks(sub, data[name], years, path)
            continue
        found += check_bounds(one, years, prefix)
    return found


def _raw_at(data: Any, dotted: str, default: Any) -> Any:
    """The value as written in the file at ``dotted`` (falls back to ``default``)."""
    node = data
    for part in dotted.split("."):
        if not isinstance(node, Mapping):
            return default
        key = next((k for k in node if str(k) == part), None)
        if key is None:
            return default
        node = node[key]
    return node


def load_scenario(path: str | os.PathLike[str]) -> Scenario:
    """Read, merge (``extends``) and validate a scenario file.

    Raises
    ------
    ScenarioError
        with every problem found, each as ``FILE: field.path: what is wrong (got VALUE)``.
    """
    shown = str(path)
    data = resolve(path)
    scenario, problems = problems_of(data, shown)
    if problems or scenario is None:
        raise ScenarioError(problems)
    return scenario


def validate_files(paths: list[str | Path]) -> list[Problem]:
    """Problems of every file (empty when all are valid)."""
    problems: list[Problem] = []
    for path in paths:
        try:
            load_scenario(path)
        except ScenarioError as exc:
            problems += exc.problems
    return problems
