"""Reading scenario YAML with bounds: regular files only, a size limit, a limit on the values
after YAML aliases are expanded and on nesting depth, duplicate keys refused with both line
numbers. Failures raise :class:`YamlError` with a one-line reason that never quotes the file."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

import yaml

__all__ = ["MAX_DEPTH", "MAX_FILE_BYTES", "MAX_NODES", "YamlError", "expanded_size", "read_limited", "read_yaml"]

#: libyaml's safe loader when available (10x faster), else PyYAML's; both build plain data only
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class YamlError(ValueError):
    """``messages``: one line each; ``keys``: the key each message is about ('' for the file)."""

    def __init__(self, messages: list[tuple[str, str]]):
        self.messages = messages
        super().__init__("; ".join(m for _, m in messages))


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


def expanded_size(data: Any) -> tuple[int, int, bool]:
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


def read_yaml(path: Path) -> dict:
    def fail(message: str) -> YamlError:
        return YamlError([("", message)])

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
        raise YamlError([(str(key), f"duplicate key '{key}' at lines {first} and {second}; keep one")
                         for key, first, second in loader.duplicates])
    nodes, deepest, cyclic = expanded_size(data)
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


