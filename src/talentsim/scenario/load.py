"""Load scenario YAML files: safe parsing, ``extends`` inheritance, validation, clear errors.

>>> scenario = load_scenario("scenarios/baseline.yaml")   # doctest: +SKIP
>>> scenario.horizon.start                                  # doctest: +SKIP
2024

Every problem of a file is reported at once, one line each, as
``FILE: field.path: what is wrong (got VALUE)``.
"""

from __future__ import annotations

import difflib
import os
import re
import stat
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

__all__ = ["Problem", "ScenarioError", "load_scenario", "resolve", "validate_files"]

#: libyaml's safe loader when available (10x faster), else PyYAML's; both build plain data only
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


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


def _show(value: Any) -> str:
    if isinstance(value, BaseModel):
        value = value.model_dump(exclude_defaults=True)
    text = yaml.safe_dump(value, default_flow_style=True, width=10_000).strip()
    text = text.removesuffix("...").strip()
    return text if len(text) <= 120 else text[:117] + "..."


# ------------------------------------------------------------------ reading and inheritance
#: largest scenario file read (bytes); real scenarios are a few kB
MAX_FILE_BYTES = 1 << 20
#: largest number of values a file may hold once its YAML aliases are expanded
MAX_NODES = 200_000
#: deepest nesting of mappings and lists
MAX_DEPTH = 40


class _Loader(_SAFE_LOADER):  # type: ignore[misc,valid-type]
    """The safe loader, recording duplicate keys (with both line numbers) instead of letting the
    last one win."""

    def __init__(self, stream):
        super().__init__(stream)
        self.duplicates: list[tuple[Any, int, int]] = []

    def construct_mapping(self, node, deep=False):
        seen: dict[Any, int] = {}
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue
            key = self.construct_object(key_node, deep=True)
            line = key_node.start_mark.line + 1
            try:
                if key in seen:
                    self.duplicates.append((key, seen[key], line))
                else:
                    seen[key] = line
            except TypeError:  # unhashable: the base class reports it
                pass
        return super().construct_mapping(node, deep=deep)


def read_limited(path: Path, limit: int = MAX_FILE_BYTES) -> bytes:
    """The bytes of a regular file no larger than ``limit``; anything else (a device, a FIFO,
    a folder, a huge file) raises ``OSError`` with a one-line reason, without blocking."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    fd = os.open(path, flags)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            kind = "a folder" if stat.S_ISDIR(info.st_mode) else "not a regular file"
            raise OSError(f"{kind}; give a scenario .yaml file")
        if info.st_size > limit:
            raise OSError(f"larger than {limit >> 10} kB; a scenario file is a few kB")
        chunks, size = [], 0
        while size <= limit:
            block = os.read(fd, 1 << 16)
            if not block:
                break
            chunks.append(block)
            size += len(block)
        if size > limit:
            raise OSError(f"larger than {limit >> 10} kB; a scenario file is a few kB")
        return b"".join(chunks)
    finally:
        os.close(fd)


def _expanded_size(data: Any) -> tuple[int, int, bool]:
    """(values after expanding aliases, deepest nesting, cyclic?) computed without recursion;
    shared sub-trees (YAML aliases) are counted as often as they are used."""
    size: dict[int, int] = {}
    depth: dict[int, int] = {}
    on_stack: set[int] = set()
    stack: list[tuple[Any, bool]] = [(data, False)]
    while stack:
        node, done = stack.pop()
        key = id(node)
        kids = list(node.values()) if isinstance(node, dict) else node if isinstance(node, list) else ()
        if done:
            on_stack.discard(key)
            size[key] = min(1 + sum(size[id(k)] if isinstance(k, (dict, list)) else 1 for k in kids), 1 << 62)
            depth[key] = 1 + max((depth[id(k)] for k in kids if isinstance(k, (dict, list))), default=0)
            continue
        if key in size:
            continue
        if key in on_stack:
            return 0, 0, True
        on_stack.add(key)
        stack.append((node, True))
        stack.extend((k, False) for k in kids if isinstance(k, (dict, list)) and id(k) not in size)
    if not isinstance(data, (dict, list)):
        return 1, 0, False
    return size[id(data)], depth[id(data)], False


def _read_yaml(path: Path, shown: str) -> dict:
    def fail(message: str) -> ScenarioError:
        return ScenarioError([Problem(shown, "", message, show_value=False)])

    try:
        raw = read_limited(path)
        text = raw.decode("utf-8")
    except FileNotFoundError:
        raise fail("file not found") from None
    except UnicodeDecodeError:
        raise fail("cannot read file: not UTF-8 text") from None
    except OSError as exc:
        raise fail(f"cannot read file: {exc.strerror or exc}") from None
    except ValueError as exc:  # e.g. a NUL byte in the name
        raise fail(f"cannot read file: {exc}") from None
    loader = _Loader(text)
    try:
        data = loader.get_single_data()  # plain data only: no arbitrary Python objects
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or "could not parse"
        raise fail(f"invalid YAML{where}: {problem}") from None
    except (RecursionError, MemoryError):
        raise fail(f"invalid YAML: nested too deeply (more than {MAX_DEPTH} levels)") from None
    finally:
        loader.dispose()
    if loader.duplicates:
        raise ScenarioError([
            Problem(shown, str(key), f"duplicate key '{key}' at lines {first} and {second}; keep one",
                    show_value=False)
            for key, first, second in loader.duplicates
        ])
    nodes, deepest, cyclic = _expanded_size(data)
    if cyclic:
        raise fail("invalid YAML: a recursive alias (an anchor used inside itself)")
    if nodes > MAX_NODES:
        raise fail(f"too large once its YAML aliases are expanded ({nodes:,} values, limit {MAX_NODES:,})")
    if deepest > MAX_DEPTH:
        raise fail(f"nested too deeply ({deepest} levels, limit {MAX_DEPTH})")
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise fail(f"a scenario must be a mapping of keys to values (got a {type(data).__name__})")
    return data


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


def resolve(path: str | Path, _chain: tuple[Path, ...] = ()) -> dict:
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
    nodes = _expanded_size(merged)[0]
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


def _translate(err: dict, shown: str, data: dict) -> Problem:
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


def _problems_of(data: dict, shown: str) -> tuple[Scenario | None, list[Problem]]:
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
        _SINGLE[key] = create_model(f"{cls.__name__}_{name}", __config__=cls.model_config,
                                    **{name: (info.annotation, info)})
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


def load_scenario(path: str | Path) -> Scenario:
    """Read, merge (``extends``) and validate a scenario file.

    Raises
    ------
    ScenarioError
        with every problem found, each as ``FILE: field.path: what is wrong (got VALUE)``.
    """
    shown = str(path)
    data = resolve(path)
    scenario, problems = _problems_of(data, shown)
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
