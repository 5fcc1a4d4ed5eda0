"""The assumptions behind a results directory: its scenario files (with their source
comments), every resolved input, and the rows of ``SOURCES.md`` they cite."""

from __future__ import annotations

import json
import re
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from ..plots.files import Results
from .tables import escape, html_table


def show_input(node: Any) -> str:
    """A resolved input as text: numbers, ``triangular(low=.., mode=.., high=..)``, paths."""
    if isinstance(node, dict) and "dist" in node:
        return f"{node['dist']}(" + ", ".join(f"{k}={show_input(v)}" for k, v in node.items() if k != "dist") + ")"
    if isinstance(node, dict) and "path" in node:
        parts = [f"{k}={show_input(v)}" for k, v in node.items() if k not in ("path", "values")]
        if isinstance(node.get("values"), dict):
            parts.append("; ".join(f"{k}: {show_input(v)}" for k, v in node["values"].items()))
        return f"{node['path']}: " + ", ".join(parts)
    if isinstance(node, dict):
        return "{" + ", ".join(f"{k}: {show_input(v)}" for k, v in node.items()) + "}"
    if isinstance(node, list):
        return "[" + ", ".join(show_input(v) for v in node) + "]"
    if isinstance(node, float):
        return f"{node:,.10g}"
    return "none" if node is None else str(node)


def _leaves(resolved: dict, prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, node in resolved.items():
        path = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(node, dict) and node and "dist" not in node and "path" not in node:
            out.update(_leaves(node, path))
        else:
            out[path] = node
    return out


def _uncertain(node: Any) -> bool:
    if isinstance(node, dict):
        return "dist" in node or any(_uncertain(v) for v in node.values())
    return isinstance(node, list) and any(_uncertain(v) for v in node)


def flatten_scenario(resolved: dict, *, uncertain_only: bool = False) -> dict[str, str]:
    """``{field.path: shown value}`` of a resolved scenario (a manifest's ``resolved_scenario``);
    distributions and yearly paths are leaves. ``uncertain_only``: the fields with a distribution."""
    return {k: show_input(v) for k, v in _leaves(resolved).items() if _uncertain(v) or not uncertain_only}


def _find(name: str, r: Results) -> Path | None:
    p = Path(name)
    where = [p] if p.is_absolute() else [Path.cwd() / p, *(d / p for d in (r.path, *r.path.resolve().parents))]
    return next((c for c in where if c.is_file()), None)


def _chain(path: Path | None) -> list[Path]:
    """The scenario file and the files it ``extends``, nearest first."""
    out: list[Path] = []
    while path is not None and path.is_file() and path.resolve() not in {p.resolve() for p in out}:
        out.append(path)
        try:
            parent = (yaml.safe_load(path.read_text()) or {}).get("extends")
        except (yaml.YAMLError, AttributeError):
            break
        path = path.parent / parent if isinstance(parent, str) else None
    return out


def _matches(path: Path, resolved: dict | None) -> bool | None:
    """Does the file, loaded now, give every field the run recorded the same value? Fields the
    schema gained since the run are not compared. None if the manifest has no resolved scenario."""
    if resolved is None:
        return None
    from ..scenario.load import ScenarioError, load_scenario

    try:
        now = _leaves(json.loads(json.dumps(load_scenario(path).model_dump(mode="json"), default=str)))
    except (ScenarioError, OSError, ValueError):
        return False
    return all(k in now and now[k] == v for k, v in _leaves(resolved).items())


def _scenario_files(r: Results) -> list[tuple[str, dict | None]]:
    m = r.manifest
    if "scenario_files" in m:
        resolved = m.get("resolved_scenarios", {})
        return [(f, resolved.get(n)) for f, n in zip(m["scenario_files"], m.get("scenarios", []))]
    return [(m["scenario_file"], m.get("resolved_scenario"))] if "scenario_file" in m else []


def assumptions_html(r: Results) -> tuple[str, str]:
    """HTML of the scenario files and resolved inputs, and the text of the files shown."""
    out, texts, shown = [], [], set()
    for name, resolved in _scenario_files(r):
        found = _find(name, r)
        if found is None:
            out.append(f'<p class="note">Scenario file <code>{escape(name)}</code> not found from here; '
                       "the resolved inputs below are what the run used.</p>")
            continue
        same = _matches(found, resolved)
        if same is False:
            out.append(f'<p class="note"><code>{escape(name)}</code> has changed since the run (it no longer '
                       "gives the inputs the run used, or is not a scenario); the resolved inputs below are what "
                       "the run used.</p>")
        if same is not True:
            continue  # embed only files that are the run's own scenario (never a file a manifest merely names)
        for path in _chain(found):
            if path.resolve() in shown:
                continue
            shown.add(path.resolve())
            text = path.read_text()
            texts.append(text)
            out.append(f"<details><summary>Scenario file <code>{escape(path)}</code> with its source comments"
                       f"</summary><pre>{escape(text)}</pre></details>")
    m = r.manifest
    resolved = m.get("resolved_scenario") or (m.get("resolved_scenarios") or {}).get(m.get("base", ""))
    if resolved:
        flat, who = flatten_scenario(resolved), escape(resolved.get("name", "the scenario"))
        uncertain = flatten_scenario(resolved, uncertain_only=True)
        out += [f"<h4>Uncertain inputs of {who} ({len(uncertain)} fields with a distribution)</h4>",
                html_table(["field", "distribution or path"], uncertain.items()),
                f"<details><summary>Every resolved field of {who} ({len(flat)})</summary>",
                html_table(["field", "value or distribution"], flat.items()), "</details>"]
    for name, alt in (m.get("resolved_scenarios") or {}).items():
        if alt is resolved or not resolved:
            continue
        base, other = flatten_scenario(resolved), flatten_scenario(alt)
        diff = [(k, base.get(k, "(absent)"), other.get(k, "(absent)")) for k in sorted(set(base) | set(other))
                if k not in ("name", "extends") and base.get(k) != other.get(k)]
        out += [f"<h4>What {escape(name)} changes relative to {escape(resolved.get('name', 'the base'))}</h4>",
                html_table(["field", resolved.get("name", "base"), name], diff)]
    return "".join(out), "\n".join(texts)


def source_rows() -> list[list[str]]:
    """The tagged rows (``[F:tag]``) of the shipped ``SOURCES.md``: tag, fact, value, confidence, source."""
    text = resources.files("talentsim.data").joinpath("SOURCES.md").read_text(encoding="utf-8")
    rows = []
    for line in text.splitlines():
        if re.match(r"^\|\s*`\[F:[a-z0-9-]+\]`", line):
            rows.append([c.strip().replace("`", "") for c in line.strip().strip("|").split(" | ")])
    return rows


def sources_html(texts: str) -> str:
    cited = set(re.findall(r"\[F:[a-z0-9-]+\]", texts))
    rows = source_rows()
    if cited:
        rows = [r for r in rows if r[0] in cited]
        lead = (f"The {len(rows)} rows of <code>src/talentsim/data/SOURCES.md</code> cited by the scenario "
                "files above (<code>[A]</code> marks an assumption explained in the file's comment).")
    else:
        return ("<details><summary>No scenario file was found to say which sources it cites; the whole "
                f"register of sourced facts (<code>src/talentsim/data/SOURCES.md</code>, {len(rows)} rows)"
                "</summary>" + html_table(["tag", "fact", "value", "confidence", "source"], rows) + "</details>")
    return f"<p>{lead}</p>" + html_table(["tag", "fact", "value", "confidence", "source"], rows)
