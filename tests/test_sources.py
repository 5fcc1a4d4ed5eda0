"""Every number in a shipped scenario carries its source or reasoning.

Two checks:

1. Every ``[F:tag]`` cited in ``scenarios/*.yaml`` has a row in
   ``src/talentsim/data/SOURCES.md`` (a Markdown table row whose first cell is the tag in
   backticks, e.g. ``| `[F:tfr]` | ... |``).

2. In ``scenarios/baseline.yaml`` every numeric value has a comment that covers it. The
   check reads lines, not YAML, because PyYAML drops comments. A *numeric line* is
   ``key: value`` where the value (before any ``#``) contains a digit; the text of a block
   scalar (``description: >``) is skipped. A numeric line is covered when

   a. it has a comment of its own (contains ``#``); or
   b. walking upward from it over its siblings (lines at the same indentation, without a
      comment of their own), a comment line comes first. The walk fails at a blank line, at
      a sibling with its own ``#`` comment (that comment covers only its line) or at a
      line indented more deeply (the end of an earlier sibling's block: a comment above a
      sibling with children does not cover the keys after that block). So a comment block
      covers the run of plain siblings directly below it; or
   c. the walk reaches a less-indented line, the key that opens the enclosing mapping, and
      that key is covered by the same rule (recursively). Top-level keys (indentation 0)
      never cover their children.

   A new uncommented key in a section therefore fails when it is placed first in the
   section, after a sibling's block, or after a line with its own comment. It passes
   unnoticed when placed right after a run of plain keys under a comment block. That has
   to be allowed because the baseline has comment blocks that explain several keys below
   them (e.g. ``international_stay_rate`` and ``international_ai_job``).

   ``EXEMPT`` lists the few keys that need no source. Each entry says why.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"
SOURCES = ROOT / "src" / "talentsim" / "data" / "SOURCES.md"
BASELINE = SCENARIOS / "baseline.yaml"

TAG = re.compile(r"\[F:[a-z0-9-]+\]")
ROW_TAG = re.compile(r"^\|\s*`(\[F:[a-z0-9-]+\])`\s*\|")
KEY_LINE = re.compile(r"^(?P<indent> *)(?P<key>[^\s#:][^:#]*?):(?:\s+(?P<value>.*))?$")

# Dotted key paths whose numbers are settings or definitions, not sourced facts.
EXEMPT = {
    "horizon": "run setting: the years simulated",
    "sampling": "run setting: sampling method, number of draws and seed",
    "education.bachelor_years": "definition: a four-year degree (service delay is modelled apart)",
}


def cited_tags(paths: list[Path]) -> dict[str, list[str]]:
    """Map each ``[F:tag]`` to the scenario files (names) that cite it."""
    found: dict[str, list[str]] = {}
    for path in paths:
        for tag in sorted(set(TAG.findall(path.read_text(encoding="utf-8")))):
            found.setdefault(tag, []).append(path.name)
    return found


def registered_tags(sources: Path) -> list[str]:
    """Tags that open a table row of SOURCES.md, in file order."""
    return [m.group(1) for line in sources.read_text(encoding="utf-8").splitlines()
            if (m := ROW_TAG.match(line.strip()))]


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _is_comment(line: str) -> bool:
    return line.lstrip().startswith("#")


def uncommented_numbers(path: Path, exempt: dict[str, str] | None = None) -> list[str]:
    """Numeric lines of a scenario file not covered by a comment (rule in the module docstring).

    Returns ``"file:line: dotted.key: text"`` for each uncovered line, in file order.
    """
    exempt = EXEMPT if exempt is None else exempt
    lines = path.read_text(encoding="utf-8").splitlines()
    keys: dict[int, tuple[int, str]] = {}  # line index -> (indent, dotted path)
    stack: list[tuple[int, str]] = []
    block_scalar_indent: int | None = None
    numeric: list[int] = []
    for i, line in enumerate(lines):
        if not line.strip() or _is_comment(line):
            continue
        indent = _indent(line)
        if block_scalar_indent is not None:
            if indent > block_scalar_indent:
                continue  # text of a folded/literal block scalar
            block_scalar_indent = None
        match = KEY_LINE.match(line)
        if match is None:
            continue
        while stack and stack[-1][0] >= indent:
            stack.pop()
        dotted = ".".join([k for _, k in stack] + [match["key"].strip()])
        stack.append((indent, match["key"].strip()))
        keys[i] = (indent, dotted)
        value = (match["value"] or "").split("#", 1)[0].strip()
        if value[:1] in (">", "|"):
            block_scalar_indent = indent
        elif re.search(r"\d", value):
            numeric.append(i)

    def covered(i: int) -> bool:
        indent = keys[i][0]
        if "#" in lines[i]:
            return True
        for j in range(i - 1, -1, -1):
            above = lines[j]
            if not above.strip():
                return False
            if _is_comment(above):
                return True
            if _indent(above) > indent:
                return False  # end of an earlier sibling's block
            if _indent(above) == indent and "#" in above:
                return False  # a sibling's own comment covers only that sibling
            if _indent(above) < indent:
                return j in keys and keys[j][0] > 0 and covered(j)
        return False

    problems = []
    for i in numeric:
        dotted = keys[i][1]
        if any(dotted == e or dotted.startswith(e + ".") for e in exempt):
            continue
        if not covered(i):
            problems.append(f"{path.name}:{i + 1}: {dotted}: {lines[i].strip()}")
    return problems


def test_every_cited_tag_has_a_row_in_sources():
    scenario_files = sorted(SCENARIOS.glob("*.yaml"))
    assert scenario_files, f"no scenarios found in {SCENARIOS}"
    cited = cited_tags(scenario_files)
    assert cited, "no [F:...] tags found in the scenarios; has the tag syntax changed?"
    registered = set(registered_tags(SOURCES))
    missing = {tag: files for tag, files in cited.items() if tag not in registered}
    assert not missing, (
        f"{len(missing)} source tag(s) cited in scenarios/*.yaml have no row in "
        f"{SOURCES.relative_to(ROOT)}; add a row '| `[F:tag]` | fact | value | confidence | source |' for: "
        + "; ".join(f"{tag} (in {', '.join(files)})" for tag, files in sorted(missing.items()))
    )


def test_sources_rows_are_unique():
    tags = registered_tags(SOURCES)
    duplicates = sorted({t for t in tags if tags.count(t) > 1})
    assert not duplicates, f"{SOURCES.relative_to(ROOT)}: tags with more than one row: {duplicates}"


def test_every_number_in_the_baseline_is_commented():
    problems = uncommented_numbers(BASELINE)
    assert not problems, (
        "numbers without a source or reasoning comment (add '# ... [F:tag]' or '# [A] why' on the "
        "line or in the comment block directly above):\n" + "\n".join(problems)
    )


def test_the_comment_check_catches_a_new_uncommented_key(tmp_path):
    """A new uncommented key fails first in a section, after a block, or after a commented line."""
    text = BASELINE.read_text(encoding="utf-8")
    cases = {
        "market.new_rate": ("\nmarket:\n", "\nmarket:\n  new_rate: 0.3\n"),
        "education.new_rate": ("\n\ngraduate_school:\n", "\n  new_rate: 0.3\n\ngraduate_school:\n"),
        "workforce.new_rate": ("# [A] moves to non-AI work\n", "# [A] moves to non-AI work\n  new_rate: 0.3\n"),
        "levers.reskilling.new_cap": ("    ramp_years: 1\n", "    ramp_years: 1\n    lag_years_extra: 2 # [A]\n"
                                      "    new_cap: 0.5\n"),
    }
    for dotted, (anchor, replacement) in cases.items():
        assert text.count(anchor) == 1, f"baseline.yaml no longer has the layout this test edits: {anchor!r}"
        path = tmp_path / f"{dotted}.yaml"
        path.write_text(text.replace(anchor, replacement), encoding="utf-8")
        found = uncommented_numbers(path)
        assert [p.split(": ")[1] for p in found] == [dotted], found
