"""The checks every route into a scenario goes through (YAML files, ``with_values``,
``Scenario.model_validate``, posterior files): value bounds over the simulated years
(:func:`check_bounds`, from the ``Bounds`` of each field, also on the values of number mappings
and inside yearly paths) and the consistency of the whole scenario (:func:`check_consistency`).
Each returns ``(field.path, message, value)`` triples so that all problems of a file are reported
at once; :func:`scenario_problems` runs both when a :class:`Scenario` is built.

Non-finite numbers never get this far: every schema model sets ``allow_inf_nan=False``.
"""

from __future__ import annotations

import difflib
import functools
import json
import math
import os
import stat
import types
import typing

import numpy as np
from pydantic import BaseModel
from pydantic_core import PydanticCustomError

from .inputs import GrowthPath, correlation_matrix, has_field, is_dist, is_path, iter_dists, quantity_range, support
from .schema import AGE_BANDS, QUALIFICATIONS, Bounds, Scenario, Section

#: plausibility limit on the size of any number a quantity can take (people, KRW bn, rates)
MAGNITUDE = 1e12
#: yearly rate of a growth path: value * (1 + rate) ** (t - base_year) needs rate > -1; more
#: than doubling every year for decades is not a projection
GROWTH_RATE = Bounds(-1.0, 1.0, low_open=True)
#: largest posterior file read (bytes)
MAX_POSTERIOR_BYTES = 512 << 20


def scenario_problems(s: Scenario) -> Scenario:
    """Run :func:`check_bounds` and :func:`check_consistency`; raise them all as one pydantic
    error of type ``scenario_checks`` (``ctx["problems"]`` holds the triples)."""
    found = check_bounds(s, s.sim_years) + check_consistency(s)
    if found:
        text = "; ".join(f"{p}: {m}" for p, m, _ in found)
        raise PydanticCustomError("scenario_checks", "{text}", {"text": text, "problems": found})
    return s


def _quantity_problems(value, path: str, years: range) -> list[tuple[str, str, object]]:
    """Rules every quantity obeys whatever its field: growth rates in range, plausible size."""
    problems: list[tuple[str, str, object]] = []
    if isinstance(value, GrowthPath):
        lo, hi = support(value.rate)
        if not GROWTH_RATE.holds(lo, hi):
            message = GROWTH_RATE.describe() + (f" but can take {lo:g} to {hi:g}" if lo != hi else "")
            problems.append((f"{path}.rate", message, value.rate))
    if not problems and (is_dist(value) or is_path(value) or isinstance(value, (int, float))):
        lo, hi = quantity_range(value, years)
        if max(abs(lo), abs(hi)) > MAGNITUDE and math.isfinite(lo) and math.isfinite(hi):
            problems.append((path, f"must stay within +/-{MAGNITUDE:g} (a plausibility limit) but can "
                             f"take {lo:g} to {hi:g}", value))
    return problems


def bounds_of(info) -> Bounds | None:
    """The ``Bounds`` of a field, also when it sits inside ``Optional[...]``."""
    found = next((m for m in info.metadata if isinstance(m, Bounds)), None)
    stack = [info.annotation]
    while found is None and stack:
        tp = stack.pop()
        if typing.get_origin(tp) is typing.Annotated:
            found = next((m for m in tp.__metadata__ if isinstance(m, Bounds)), None)
            stack.append(typing.get_args(tp)[0])
        elif typing.get_origin(tp) in (typing.Union, types.UnionType):
            stack.extend(typing.get_args(tp))
    return found


def check_bounds(obj: BaseModel, years: range, prefix: str = "") -> list[tuple[str, str, object]]:
    """Every ``(field.path, message, value)`` whose possible values break its ``Bounds``."""
    problems: list[tuple[str, str, object]] = []
    for name, info in type(obj).model_fields.items():
        value = getattr(obj, name)
        path = f"{prefix}.{name}" if prefix else name
        bounds = bounds_of(info)
        if bounds is not None and isinstance(value, dict):  # a mapping of numbers: every value
            for key, item in value.items():
                if isinstance(item, (int, float)) and not bounds.holds(item, item):
                    problems.append((f"{path}.{key}", bounds.describe(), item))
            continue
        if (value is not None and not isinstance(value, (BaseModel, dict))) or is_dist(value) or is_path(value):
            found = _quantity_problems(value, path, years)
            if found:
                problems += found
                continue
        if bounds is not None and value is not None:
            lo, hi = quantity_range(value, years)
            if not bounds.holds(lo, hi):
                message = bounds.describe()
                if lo != hi:
                    message += f" but can take {lo:g} to {hi:g}"
                    if math.isinf(lo) or math.isinf(hi):
                        message += "; use a bounded distribution (uniform, triangular, pert, beta, truncnormal)"
                problems.append((path, message, value))
        if isinstance(value, Section):
            problems += check_bounds(value, years, path)
        elif isinstance(value, dict):
            for key, item in value.items():
                if isinstance(item, Section):
                    problems += check_bounds(item, years, f"{path}.{key}")
    return problems


def check_consistency(s: Scenario) -> list[tuple[str, str, object]]:
    """Cross-field rules that single fields cannot state."""
    problems: list[tuple[str, str, object]] = []
    years = s.sim_years

    def upper(q) -> float:
        return quantity_range(q, years)[1]

    d = s.education.destinations
    total = sum(upper(getattr(d, k)) for k in ("master", "phd", "ai_job", "abroad"))
    if total > 1 + 1e-9:
        problems.append(
            ("education.destinations", f"shares can add up to more than 1 (max {total:.3g})", None)
        )
    for prog in ("master", "phd"):
        p = getattr(s.graduate_school, prog)
        total = upper(p.ai_job) + upper(p.abroad) + upper(p.to_phd)
        if total > 1 + 1e-9:
            problems.append(
                (
                    f"graduate_school.{prog}",
                    f"ai_job + abroad + to_phd can add up to more than 1 (max {total:.3g})",
                    None,
                )
            )
    problems += _check_education(s)
    init = s.workforce.initial
    total = quantity_range(init.master_share)[1] + quantity_range(init.phd_share)[1]
    if total > 1 + 1e-9:
        problems.append(
            ("workforce.initial", f"master_share + phd_share can exceed 1 (max {total:.3g})", None)
        )
    e = s.migration.emigration
    worst = upper(e.max_rate) * max(e.age_multiplier.values(), default=1) * max(
        e.qualification_multiplier.values(), default=1
    ) * max(1.0, s.migration.immigration.leaving_multiplier) + upper(s.workforce.attrition)
    if worst > 0.8:
        problems.append(
            (
                "migration.emigration.max_rate",
                "max_rate x largest multipliers + attrition must stay <= 0.8 so that"
                f" outflows never exceed the stock (got {worst:.3g})",
                None,
            )
        )
    if quantity_range(e.base_rate)[1] >= quantity_range(e.max_rate)[0]:
        problems.append(
            ("migration.emigration.base_rate", "must be below max_rate", e.base_rate)
        )
    r = s.migration.returns
    if quantity_range(r.base_rate)[1] >= quantity_range(r.max_rate)[0]:
        problems.append(("migration.returns.base_rate", "must be below max_rate", r.base_rate))
    for region in e.regions:
        if region not in s.reference.pay_ratio:
            problems.append((f"reference.pay_ratio.{region}",
                             "missing reference value (the calibration year's pay ratio of this region)", None))
    problems += _check_correlations(s)
    problems += _check_inputs_from(s)
    known = set(QUALIFICATIONS) | {"immigrant", "returnee", "reskilled"}
    bad = sorted(set(s.workforce.entry_band) - known)
    if bad:
        problems.append(("workforce.entry_band", f"keys must be among {sorted(known)}", bad))
    bad_bands = sorted(set(s.workforce.entry_band.values()) - set(AGE_BANDS))
    if bad_bands:
        problems.append(("workforce.entry_band", f"values must be among {list(AGE_BANDS)}", bad_bands))
    missing = sorted(known - set(s.workforce.entry_band))
    if missing:
        problems.append(("workforce.entry_band", f"missing keys {missing}", None))
    for where, mix in (("migration.immigration.qualification_mix", s.migration.immigration.qualification_mix),
                       ("workforce.reskilled_mix", s.workforce.reskilled_mix)):
        if not mix or set(mix) - set(QUALIFICATIONS) or abs(sum(mix.values()) - 1) > 1e-6 or min(mix.values()) < 0:
            problems.append((where, f"needs keys among {list(QUALIFICATIONS)} with shares >= 0 adding up to 1", mix))
    return problems


def _check_education(s: Scenario) -> list[tuple[str, str, object]]:
    """Quota paths cover every simulated year; AI graduate-school graduates' shares add up."""
    from .inputs import ExplicitPath, StepsPath

    problems: list[tuple[str, str, object]] = []
    first = s.sim_years[0]
    for level in ("four_year", "junior_college"):
        q = getattr(s.education.quota, level)
        if isinstance(q, (ExplicitPath, StepsPath)) and min(q.values) > first:
            problems.append((f"education.quota.{level}",
                             f"the path starts in {min(q.values)}, after the first simulated year {first}"
                             f" (horizon start - {s.horizon.start - first} spin-up years); give a value"
                             f" for {first} or earlier", sorted(q.values)[:3]))
    years = s.sim_years
    m = s.graduate_school.master
    total = sum(quantity_range(q, years)[1] for q in (s.graduate_school.ai_schools.ai_job, m.abroad, m.to_phd))
    if total > 1 + 1e-9:
        problems.append(("graduate_school.ai_schools.ai_job",
                         f"ai_job + master.abroad + master.to_phd can add up to more than 1 (max {total:.3g})", None))
    return problems


def _check_correlations(s: Scenario) -> list[tuple[str, str, object]]:
    """Correlated inputs must be distributions of this scenario; the matrix must be valid."""
    names = [n for n, _ in iter_dists(s)]
    problems: list[tuple[str, str, object]] = []
    seen: set[frozenset] = set()
    for k, c in enumerate(s.correlations):
        where = f"correlations.{k}.between"
        for name in c.between:
            if name not in names:
                close = difflib.get_close_matches(name, names, n=1, cutoff=0.6)
                hint = f"; did you mean '{close[0]}'?" if close else ""
                problems.append(
                    (where, f"'{name}' is not an uncertain input (a distribution) of this scenario{hint}", None))
        if c.between[0] == c.between[1]:
            problems.append((where, "an input cannot be correlated with itself", list(c.between)))
        pair = frozenset(c.between)
        if pair in seen:
            problems.append((where, "this pair is declared twice", list(c.between)))
        seen.add(pair)
    if not problems and s.correlations:
        _, matrix = correlation_matrix([(c.between[0], c.between[1], c.rank) for c in s.correlations])
        if np.linalg.eigvalsh(matrix).min() <= 1e-10:
            problems.append(("correlations", "the declared correlations are inconsistent "
                             "(the matrix is not positive definite)", None))
    return problems


class ParquetSample:
    """A posterior sample read from Parquet without pandas (validation runs on every start-up
    path: pyarrow alone loads in a third of pandas' time): ``columns``, ``attrs`` (pandas'
    ``DataFrame.attrs``, kept in the file's metadata), ``len()`` and :meth:`values`."""

    def __init__(self, table):
        self.table = table
        self.columns = [str(c) for c in table.column_names]
        raw = (table.schema.metadata or {}).get(b"PANDAS_ATTRS")
        try:
            attrs = json.loads(raw) if raw else {}
        except ValueError:
            attrs = {}
        self.attrs = attrs if isinstance(attrs, dict) else {}

    def __len__(self) -> int:
        return int(self.table.num_rows)

    def values(self, column: str) -> np.ndarray:
        import pyarrow as pa

        # from the buffers: pyarrow's to_numpy imports pandas
        parts = []
        for chunk in self.table.column(column).chunks:
            arr = chunk.cast(pa.float64())  # raises (a ValueError) for text
            if arr.null_count:
                parts.append(np.array(arr.to_pylist(), dtype=float))  # None -> nan
            else:
                parts.append(np.frombuffer(arr.buffers()[1], dtype=np.float64)[arr.offset:arr.offset + len(arr)])
        return np.concatenate(parts) if parts else np.empty(0)


def read_posterior(path: str):
    """A posterior sample (``.parquet``: a :class:`ParquetSample`; ``.csv``: a DataFrame); it
    must be a regular file no larger than :data:`MAX_POSTERIOR_BYTES`. Raises ``ValueError``
    with a one-line reason."""
    if not str(path).endswith((".parquet", ".csv")):
        raise ValueError("the posterior file must be a .parquet or .csv file")
    try:
        info = os.stat(path)
    except (OSError, ValueError) as exc:
        raise ValueError(f"cannot read the posterior file: {getattr(exc, 'strerror', None) or exc}") from None
    if not stat.S_ISREG(info.st_mode):
        raise ValueError("the posterior file is not a regular file")
    if info.st_size > MAX_POSTERIOR_BYTES:
        raise ValueError(f"the posterior file is larger than {MAX_POSTERIOR_BYTES >> 20} MB")
    try:
        if str(path).endswith(".csv"):
            import pandas as pd  # only when a CSV posterior is named

            return pd.read_csv(path)
        return _read_parquet(os.path.realpath(path), info.st_mtime_ns, info.st_size)
    except Exception as exc:  # pandas/pyarrow raise many types for a damaged file
        reason = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
        raise ValueError(f"cannot read the posterior file: {reason}") from None


@functools.lru_cache(maxsize=4)
def _read_parquet(path: str, mtime_ns: int, size: int) -> ParquetSample:
    """One read per file version (validation and sampling of every scenario of a comparison
    read the same posterior); a ParquetSample is never changed after it is made."""
    import pyarrow.parquet as pq

    return ParquetSample(pq.ParquetFile(path).read())  # not read_table: it loads pyarrow.dataset


def column_values(sample, column: str) -> np.ndarray:
    """Float values of one column of a posterior sample (a ParquetSample or a DataFrame)."""
    if isinstance(sample, ParquetSample):
        return sample.values(column)
    return sample[column].to_numpy(dtype=float)


def prior_signature(dist: typing.Any) -> str:
    """A distribution as canonical JSON: equal signatures, the same prior."""
    return json.dumps(dist.model_dump(mode="json"), sort_keys=True)


def stamp_priors(frame, s: Scenario):
    """``frame`` (a posterior sample of ``s``'s inputs) with the priors it was drawn under in
    ``frame.attrs["priors"]`` (kept by Parquet files), so that a scenario that changes one of
    those priors keeps its own (:func:`posterior_columns`)."""
    priors = dict(iter_dists(s))
    frame.attrs["priors"] = {str(c): prior_signature(priors[str(c)]) for c in frame.columns if str(c) in priors}
    return frame


def posterior_columns(s: Scenario, frame) -> tuple[list[str], list[str]]:
    """``(pinned, unknown)`` columns of a posterior sample for scenario ``s``. Pinned: uncertain
    inputs of ``s`` whose prior is the one the sample was drawn under (when the file records it:
    :func:`stamp_priors`). Neither: an input ``s`` fixes, or whose prior ``s`` changes (a what-if
    on a calibrated scenario, ``low_fertility``): the scenario's own value or prior wins.
    Unknown: a column that names no field of ``s`` and no input of the scenario the sample was
    drawn for (a file that records its priors knows its inputs: a scenario that replaces a
    whole quantity, e.g. a births series for the fertility path, just keeps its own)."""
    priors = dict(iter_dists(s))
    stored = frame.attrs.get("priors") or {}
    pinned: list[str] = []
    unknown: list[str] = []
    for column in map(str, frame.columns):
        if column == "distance":
            continue
        if column in priors:
            if column not in stored or stored[column] == prior_signature(priors[column]):
                pinned.append(column)
        elif column not in stored and not has_field(s, column):
            unknown.append(column)
    return pinned, unknown


def _check_inputs_from(s: Scenario) -> list[tuple[str, str, object]]:
    """The posterior file is readable and holds only inputs of this scenario, each value of
    every row finite and inside the support of the input's prior distribution."""
    if not s.inputs_from:
        return []
    try:
        frame = read_posterior(s.inputs_from)
    except ValueError as exc:
        return [("inputs_from", str(exc), s.inputs_from)]
    priors = dict(iter_dists(s))
    pinned, unknown = posterior_columns(s, frame)
    if unknown:
        return [("inputs_from", f"columns that are not uncertain inputs of this scenario: {unknown[:5]}"
                 + (" ..." if len(unknown) > 5 else ""), s.inputs_from)]
    if len(frame) == 0:
        return [("inputs_from", "the posterior sample is empty", s.inputs_from)]
    problems: list[tuple[str, str, object]] = []
    for column in pinned:
        try:
            values = column_values(frame, column)
        except (TypeError, ValueError, ArithmeticError):
            problems.append((f"inputs_from.{column}", "must hold numbers", s.inputs_from))
            continue
        lo, hi = support(priors[column])
        bad = ~np.isfinite(values) | (values < lo) | (values > hi)
        if bad.any():
            row = int(np.argmax(bad))
            problems.append((f"inputs_from.{column}", f"row {row}: must be finite and within the prior's "
                             f"support [{lo:g}, {hi:g}] ({int(bad.sum())} bad row(s))", float(values[row])))
    return problems
