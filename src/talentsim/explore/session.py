"""The explorer's numbers, without a browser: controls, settings -> scenario YAML, recompute.

A :class:`Session` holds one base scenario, its draws and its simulated run (cached), and the
list of :class:`Control` s the page shows. :meth:`Session.recompute` turns the values of the
controls into a self-contained scenario YAML (the one the download button gives), loads it with
:func:`talentsim.load_scenario` (so the app and ``talentsim run`` read the very same file) and
simulates it on the same draws as the base (common random numbers: every input keeps its name,
so its stream). Only the metrics shown are simulated.

>>> s = Session("scenarios/baseline.yaml", n_draws=1000)                     # doctest: +SKIP
>>> out = s.recompute({**s.defaults(), "extra.reskilling.krw_bn": 200})     # doctest: +SKIP
>>> out.medians["ai_workforce"][2035]                                         # doctest: +SKIP
"""

from __future__ import annotations

import copy
import dataclasses
import math
import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from ..analysis.compare import lever_row
from ..engine.cohort import simulate
from ..plots.labels import (
    INPUT_LABELS,
    LEVER_NAMES,
    LEVER_SETTINGS,
    MAIN_UNCERTAIN,
    MONEY,
    MONEY_PER_YEAR,
    input_label,
    words,
)
from ..results import Run, summarize
from ..sampling import sample_inputs
from ..scenario.load import ScenarioError, load_scenario

#: metrics the explorer simulates and shows
SHOWN = ("ai_workforce", "demand", "shortage", "shortage_probability", "budget_spent")
#: years whose medians are printed under the charts
MARK_YEARS = (2030, 2035, 2040, 2050)
#: name of the extra budget line a lever gets from the explorer
EXTRA = "explore_extra_{lever}"
#: first year of extra spending unless the user says otherwise [A]: the next budget year
EXTRA_FIRST_YEAR = 2026


@dataclass(frozen=True)
class Control:
    """One field or slider: ``key`` names it in the settings; ``path`` is where its value goes in
    the scenario (``mode`` for the most likely value of a distribution)."""

    key: str
    group: str
    label: str
    unit: str
    kind: str  # "number" | "slider"
    value: float | None
    minimum: float | None = None
    maximum: float | None = None
    step: float | None = None
    integer: bool = False
    optional: bool = False  # an empty field is allowed (means "none", e.g. no last year)


@dataclass
class Outcome:
    """A recomputation: the YAML text, the summaries (yours and the base's), paired differences
    and the lever-economics row; or ``errors`` ({control key or "": message}) and nothing else."""

    errors: dict[str, str] = field(default_factory=dict)
    yaml_text: str = ""
    summary: pd.DataFrame | None = None
    base_summary: pd.DataFrame | None = None
    difference: pd.DataFrame | None = None
    levers: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.errors

    def median(self, metric: str, year: int, *, base: bool = False) -> float:
        s = self.base_summary if base else self.summary
        assert s is not None
        row = s[(s["metric"] == metric) & (s["year"] == year)]
        return float(row["p50"].iloc[0])


def shown_only(run: Run) -> Run:
    """The run with the shown metrics only (summaries of the others would cost more than the
    simulation; ``simulate(metrics=...)`` would simulate one more draw to check the names)."""
    return dataclasses.replace(run, metrics={k: run[k] for k in SHOWN})


def _get(node: Any, path: list[str]) -> Any:
    for part in path:
        node = node[part]
    return node


def _set(node: dict, path: list[str], value: Any) -> None:
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = value


def _latest_amount(krw_bn: Any) -> float | None:
    """The planned amount a budget line reaches (its last value), when that is a number."""
    if isinstance(krw_bn, (int, float)):
        return float(krw_bn)
    if isinstance(krw_bn, dict) and isinstance(krw_bn.get("values"), dict):
        last = krw_bn["values"][max(krw_bn["values"], key=int)]
        return float(last) if isinstance(last, (int, float)) else None
    if isinstance(krw_bn, dict) and isinstance(krw_bn.get("value"), (int, float)):
        return float(krw_bn["value"])
    return None


def _tail(label: str) -> str:
    """``Reskilling: share of trainees ...`` -> ``Share of trainees ...`` (the group names the lever)."""
    text = label.split(": ", 1)[-1]
    return text[:1].upper() + text[1:]


def _scalar_control(key: str, group: str, node: Any, label: str, unit: str) -> Control | None:
    """A slider over [low, high] for the most likely value of a triangular/PERT input, a field
    for a constant; None for anything else (paths, other distributions)."""
    if isinstance(node, dict) and node.get("dist") in ("triangular", "pert") and "mode" in node:
        lo, hi = float(node["low"]), float(node["high"])
        return Control(key, group, f"{label}: most likely value", unit, "slider", float(node["mode"]),
                       lo, hi, (hi - lo) / 100)
    if isinstance(node, (int, float)) and not isinstance(node, bool):
        return Control(key, group, label, unit, "number", float(node), 0.0, None, None)
    return None


class Session:
    """The base scenario, its draws and run (cached), the controls, and recomputation."""

    def __init__(self, scenario_file: str | os.PathLike, n_draws: int | None = None, *, seed: int | None = None):
        self.file = Path(scenario_file)
        self.base = load_scenario(self.file)
        self.draws = sample_inputs(self.base, n_draws=n_draws, rng=seed)
        self.n_draws, self.seed, self.method = self.draws.n_draws, self.draws.seed, self.draws.method
        self.base_dict = self.base.model_dump(mode="json")
        self.base_run = shown_only(simulate(self.base, self.draws))
        self.base_summary = summarize(self.base_run)
        self.controls = self._controls()
        self._by_key = {c.key: c for c in self.controls}
        self._tmp = Path(tempfile.mkdtemp(prefix="talentsim-explore-"))
        self.last: Outcome | None = None

    # ------------------------------------------------------------ controls
    def _controls(self) -> list[Control]:
        d, out = self.base_dict, []
        end = self.base.horizon.end
        for lever, params in d["levers"].items():
            if params is None:
                continue
            group, name = f"Extra budget by lever ({MONEY_PER_YEAR})", LEVER_NAMES.get(lever, words(lever))
            out.append(Control(f"extra.{lever}.krw_bn", group, f"{name}: extra KRW bn a year", "KRW bn a year",
                               "number", 0.0, 0.0, None, None))
            out.append(Control(f"extra.{lever}.first_year", group, f"{name}: extra budget from year", "year",
                               "number", EXTRA_FIRST_YEAR, self.base.horizon.start, end, 1, integer=True))
        for name, line in d["budget_lines"].items():
            group = f"Budget lines ({MONEY_PER_YEAR})"
            planned = _latest_amount(line["krw_bn"])
            what = f"planned {planned:,.1f} bn a year" if planned is not None else "planned path"
            if isinstance(line.get("scale", 1.0), (int, float)):
                out.append(Control(f"budget.{name}.scale", group,
                                   f"{words(name)} ({LEVER_NAMES.get(line['lever'], line['lever'])}): "
                                   f"% of the {what}", "%", "slider", 100.0 * float(line.get("scale", 1.0)),
                                   0.0, 300.0, 5.0))
            out.append(Control(f"budget.{name}.first_year", group, f"{words(name)}: first year", "year",
                               "number", line["first_year"], 1990, end, 1, integer=True, optional=True))
            out.append(Control(f"budget.{name}.last_year", group, f"{words(name)}: last year (empty: no end)",
                               "year", "number", line["last_year"], 1990, end, 1, integer=True, optional=True))
        for lever, params in d["levers"].items():
            if params is None:
                continue
            group = f"Lever: {LEVER_NAMES.get(lever, words(lever))}"
            unit_name = LEVER_SETTINGS.get(lever, ("unit", "", ""))[0]
            for setting in ("cost_per_unit_krw_bn", "effect", "completion_gain", "max_share"):
                if setting not in params or f"levers.{lever}.{setting}" not in INPUT_LABELS:
                    continue
                path = f"levers.{lever}.{setting}"
                label = (f"Cost per {unit_name} ({MONEY})" if setting == "cost_per_unit_krw_bn"
                         else _tail(input_label(path)))
                c = _scalar_control(f"input.{path}", group, params[setting], label, "")
                if c is not None:
                    out.append(c)
            for setting, lo in (("lag_years", 0), ("ramp_years", 1)):
                out.append(Control(f"input.levers.{lever}.{setting}", group,
                                   _tail(input_label(f"levers.{lever}.{setting}")), "years", "number",
                                   params[setting], lo, 10, 1, integer=True))
        for path in MAIN_UNCERTAIN:
            try:
                node = _get(d, path.split("."))
            except (KeyError, TypeError):
                continue
            c = _scalar_control(f"input.{path}", "Main uncertain inputs", node, input_label(path), "")
            if c is not None:
                out.append(c)
        return out

    def defaults(self) -> dict[str, Any]:
        return {c.key: c.value for c in self.controls}

    # ------------------------------------------------------------ settings -> scenario
    def check(self, settings: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
        """Parse the raw values of the controls: ``(values, errors)``; errors by control key."""
        values: dict[str, Any] = {}
        errors: dict[str, str] = {}
        for c in self.controls:
            raw = settings.get(c.key, c.value)
            if isinstance(raw, str):
                raw = raw.strip().replace(",", "")
            if raw is None or raw == "":
                if c.optional:
                    values[c.key] = None
                else:
                    errors[c.key] = "enter a number"
                continue
            try:
                x = float(raw)
            except (TypeError, ValueError):
                errors[c.key] = f"must be a number (got {raw!r})"
                continue
            if not math.isfinite(x):
                errors[c.key] = f"must be a finite number (got {raw})"
            elif c.minimum is not None and x < c.minimum:
                errors[c.key] = f"must be >= {c.minimum:g} (got {x:g})"
            elif c.maximum is not None and x > c.maximum:
                errors[c.key] = f"must be <= {c.maximum:g} (got {x:g})"
            elif c.integer and x != int(x):
                errors[c.key] = f"must be a whole number (got {x:g})"
            else:
                values[c.key] = int(x) if c.integer else x
        return values, errors

    def scenario_dict(self, values: Mapping[str, Any]) -> dict:
        """The self-contained scenario (plain data) for parsed control values."""
        d = copy.deepcopy(self.base_dict)
        d["name"] = f"{self.base.name}_explored"
        d["description"] = f"Settings chosen in the talentsim explorer, starting from {self.file.name}."
        d["extends"] = None
        if d.get("inputs_from"):
            d["inputs_from"] = str((self.file.parent / d["inputs_from"]).resolve())
        d["sampling"] = {"method": self.method, "draws": self.n_draws, "seed": self.seed}
        for key, v in values.items():
            kind, rest = key.split(".", 1)
            if kind == "budget":
                name, what = rest.rsplit(".", 1)
                d["budget_lines"][name][what] = v / 100.0 if what == "scale" else v
            elif kind == "extra":
                lever, what = rest.rsplit(".", 1)
                if what == "krw_bn" and v > 0:
                    d["budget_lines"][EXTRA.format(lever=lever)] = {
                        "lever": lever, "krw_bn": v, "scale": 1.0,
                        "first_year": values.get(f"extra.{lever}.first_year", EXTRA_FIRST_YEAR), "last_year": None}
            else:
                path = rest.split(".")
                node = _get(d, path)
                if isinstance(node, dict) and "mode" in node:
                    node["mode"] = v
                else:
                    _set(d, path, v)
        return d

    def yaml_text(self, values: Mapping[str, Any]) -> str:
        changed = [c for c in self.controls if values.get(c.key) != c.value]
        head = [f"# Written by `talentsim explore {self.file}` ({self.n_draws} draws, seed {self.seed}).",
                "# Self-contained: `talentsim run` of this file reproduces the explorer's numbers exactly.",
                "# Settings changed from the base scenario:"]
        head += [f"#   {c.group} / {c.label}: {c.value} -> {values.get(c.key)}" for c in changed] or ["#   none"]
        body = yaml.safe_dump(self.scenario_dict(values), sort_keys=False, allow_unicode=True, width=110)
        return "\n".join(head) + "\n" + body

    # ------------------------------------------------------------ recompute
    def recompute(self, settings: Mapping[str, Any]) -> Outcome:
        """Validate the settings, simulate them on the base's draws, and summarise; on bad input,
        an Outcome with ``errors`` only (the caller keeps showing the last good one)."""
        import time

        t0 = time.perf_counter()
        values, errors = self.check(settings)
        if errors:
            return Outcome(errors=errors)
        try:
            return self._recompute(values, t0)
        except Exception as exc:  # the server never crashes: the page keeps its last good result
            return Outcome(errors={"": f"could not compute these settings: {type(exc).__name__}: {exc}"})

    def _recompute(self, values: dict[str, Any], t0: float) -> Outcome:
        import time

        text = self.yaml_text(values)
        path = self._tmp / "explored.yaml"
        path.write_text(text)
        try:
            scenario = load_scenario(path)
        except ScenarioError as exc:
            return Outcome(errors=self._map_problems(exc.problems))
        draws = sample_inputs(scenario)  # the file's sampling section: same n, seed, method
        run = shown_only(simulate(scenario, draws))
        summary = summarize(run)
        diff = run["ai_workforce"] - self.base_run["ai_workforce"]
        qs = np.quantile(diff, (0.05, 0.25, 0.5, 0.75, 0.95), axis=0)
        difference = pd.DataFrame({"year": run.years, **dict(zip(("p05", "p25", "p50", "p75", "p95"), qs))})
        out = Outcome(yaml_text=text, summary=summary, base_summary=self.base_summary, difference=difference,
                      levers=lever_row(self.base_run, run), seconds=time.perf_counter() - t0)
        self.last = out
        return out

    def _map_problems(self, problems: list) -> dict[str, str]:
        errors: dict[str, str] = {}
        for p in problems:
            key = self._control_for(p.path)
            text = p.message + (f" (got {p.value})" if p.show_value and "(got" not in p.message else "")
            errors[key] = (errors[key] + "; " if key in errors else "") + text
        return errors

    def _control_for(self, path: str) -> str:
        """The control whose value lands at field ``path`` (or "" for the page)."""
        parts = path.split(".")
        if parts[:1] == ["budget_lines"] and len(parts) >= 2:
            name, what = parts[1], parts[2] if len(parts) > 2 else "last_year"  # the years check
            if name.startswith("explore_extra_"):
                lever = name.removeprefix("explore_extra_")
                return f"extra.{lever}.{'first_year' if what == 'first_year' else 'krw_bn'}"
            key = f"budget.{name}.{what}"
            return key if key in self._by_key else ""
        for n in range(len(parts), 0, -1):
            key = "input." + ".".join(parts[:n])
            if key in self._by_key:
                return key
        return ""
