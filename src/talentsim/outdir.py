"""Results folders the tool owns: a marker file, refusal of anything else, and a swap into place
that never leaves the target missing.

Layout of a results folder ``out`` (e.g. ``results/baseline``)::

    results/baseline -> .baseline.v-<pid>-<random>      (a relative symlink)
    results/.baseline.v-<pid>-<random>/.talentsim       (marker: format version, kind, files)
    results/.baseline.v-<pid>-<random>/summary.csv ...

A new version is written into a fresh hidden sibling, then a new symlink is renamed over ``out``
(``rename(2)`` is atomic), then the previous version is deleted. An interrupt or a crash at any
point leaves ``out`` naming either the complete old version or the complete new one; leftovers of
dead processes are removed at the next write (:func:`clean_stale`).

Only folders this module wrote are ever replaced (:func:`check_replaceable`): a folder without the
marker, of another ``kind``, or holding files the tool did not write, is refused with a one-line
:class:`OutputError` that names the option to use.
"""

from __future__ import annotations

import json
import math
import os
import re
import shutil
import signal
import stat
import threading
from collections.abc import Callable, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

__all__ = [
    "FORMAT",
    "MARKER",
    "BackgroundFile",
    "OutputError",
    "check_replaceable",
    "check_report_target",
    "clean_stale",
    "json_safe",
    "write_atomic_dir",
]

#: marker file inside every results folder the tool writes
MARKER = ".talentsim"
#: version of the folder layout recorded in the marker
FORMAT = 1
#: files the tool adds to a results folder after writing it (``--plots``, ``--report``, ``plot``)
ADDED_LATER = frozenset({"figures", "report.html", MARKER})
#: prefixes of folders the tool adds inside a results folder (``talentsim discover`` results)
ADDED_LATER_PREFIXES = ("discover_",)
#: files results folders held before the marker existed (talentsim < the marker); a folder holding
#: only these, with a manifest of the right kind that names a talentsim version, is still ours
LEGACY_FILES = frozenset({
    "manifest.json", "summary.csv", "draws.parquet", "initial.parquet", "inputs.parquet", "distributions.csv",
    "cohort_tracking.csv", "comparison.csv", "levers.csv", "sensitivity.csv", "variance_shares.csv",
    "posterior.parquet", "calibration_report.csv", "observations.csv", "bands.csv", "backtest.csv",
    "coverage.csv", "backtest.png", "figures", "report.html",
})
_VERSION = re.compile(r"^\.(?P<name>.+)\.(?P<what>v|tmp|old|link)-(?P<pid>\d+)-[A-Za-z0-9_]+$")


class OutputError(ValueError):
    """An output path the tool refuses to write (one line, naming the option to use)."""


# ------------------------------------------------------------------ JSON without NaN
def json_safe(value: Any) -> Any:
    """``value`` with every non-finite float replaced by ``None`` (valid JSON, ``allow_nan=False``)."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Mapping):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    if hasattr(value, "item") and callable(value.item) and getattr(value, "ndim", 1) == 0:
        return json_safe(value.item())  # numpy scalars
    return value


def dump_json(value: Any) -> str:
    return json.dumps(json_safe(value), indent=2, default=str, allow_nan=False) + "\n"


def _reject_constant(name: str) -> None:
    return None  # NaN / Infinity in a manifest read back -> null


def _sanitize_manifest(path: Path) -> str | None:
    """Rewrite ``manifest.json`` as strict JSON (no NaN); return its ``kind``."""
    data = json.loads(path.read_text(encoding="utf-8"), parse_constant=_reject_constant)
    path.write_text(dump_json(data), encoding="utf-8")
    return data.get("kind") if isinstance(data, dict) else None


# ------------------------------------------------------------------ ownership
def _read_marker(folder: Path) -> dict | None:
    try:
        data = json.loads((folder / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and data.get("format") == FORMAT else None


def check_replaceable(out: str | os.PathLike, kind: str | None, option: str = "--out") -> Path:
    """Refuse ``out`` unless it is absent, an empty folder, or a results folder of ``kind`` that
    this tool wrote and that holds nothing else (``kind=None``: of any kind). Returns ``out``.

    Raises
    ------
    OutputError
        one line naming the folder, what is wrong and the option to use.
    """
    out = Path(out)
    hint = f"choose another {option} or move it away yourself"
    try:
        info = out.lstat()
    except FileNotFoundError:
        info = None
    except OSError as exc:
        raise OutputError(f"{option}: cannot use {out}: {exc.strerror or exc}") from None
    if info is None:
        parent = out.parent
        if parent.exists() and not parent.is_dir():
            raise OutputError(f"{option}: {parent} is a file, not a folder; {hint}")
        return out
    if stat.S_ISLNK(info.st_mode) and not out.exists():
        raise OutputError(f"{option}: {out} is a dangling symbolic link; {hint}")
    try:
        is_dir = out.is_dir()
    except OSError as exc:
        raise OutputError(f"{option}: cannot use {out}: {exc.strerror or exc}") from None
    if not is_dir:
        raise OutputError(f"{option}: {out} is a file, not a results folder; {hint}")
    if stat.S_ISLNK(info.st_mode) and not _VERSION.match(os.readlink(out)):
        raise OutputError(f"{option}: {out} is a symbolic link talentsim did not make; {hint}")
    try:
        entries = sorted(p.name for p in out.iterdir())
    except OSError as exc:
        raise OutputError(f"{option}: cannot list {out}: {exc.strerror or exc}") from None
    if not entries:
        return out
    marker = _read_marker(out) or _legacy_marker(out, entries)
    if marker is None:
        raise OutputError(f"{option}: {out} exists and was not written by talentsim (no {MARKER} marker); "
                          f"refusing to replace it; {hint}")
    if kind is not None and marker.get("kind") != kind:
        raise OutputError(f"{option}: {out} holds talentsim '{marker.get('kind')}' results, not '{kind}'; "
                          f"refusing to replace them; {hint}")
    ours = set(marker.get("files", [])) | ADDED_LATER
    foreign = [e for e in entries if e not in ours and not _added_later(e)]
    if foreign:
        shown = ", ".join(foreign[:3]) + (" ..." if len(foreign) > 3 else "")
        raise OutputError(f"{option}: {out} holds files talentsim did not write ({shown}); refusing to "
                          f"replace them; {hint}")
    return out


def _added_later(entry: str) -> bool:
    """A folder the tool adds inside a results folder (``discover_*``), or the hidden version of
    one that its link names (``.discover_*.v-<pid>-<random>``: such folders are swapped into
    place like any results folder)."""
    version = _VERSION.match(entry)
    return (version["name"] if version else entry).startswith(ADDED_LATER_PREFIXES)


def _legacy_marker(out: Path, entries: list[str]) -> dict | None:
    """A marker for a results folder written before markers existed, if it clearly is one."""
    try:
        manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(manifest, dict) or "talentsim_version" not in manifest or "kind" not in manifest:
        return None
    subfolders = {str(n) for n in manifest.get("scenarios", [])} if manifest.get("kind") == "comparison" else set()
    if any(e not in LEGACY_FILES and e not in subfolders for e in entries):
        return None
    return {"format": FORMAT, "kind": manifest["kind"], "files": entries}


def check_report_target(out: str | os.PathLike, option: str = "--out") -> Path:
    """A report is only written to a new ``.html`` file or over an earlier HTML report."""
    out = Path(out)
    if out.suffix.lower() not in (".html", ".htm"):
        raise OutputError(f"{option}: {out}: a report is an .html file; give a name ending in .html")
    try:
        info = out.lstat()
    except FileNotFoundError:
        if out.parent.exists() and not out.parent.is_dir():
            raise OutputError(f"{option}: {out.parent} is a file, not a folder") from None
        return out
    except OSError as exc:
        raise OutputError(f"{option}: cannot use {out}: {exc.strerror or exc}") from None
    if not stat.S_ISREG(info.st_mode):
        raise OutputError(f"{option}: {out} exists and is not a regular file; refusing to replace it")
    try:
        with open(out, "rb") as fh:
            head = fh.read(256).lstrip().lower()
    except OSError as exc:
        raise OutputError(f"{option}: cannot read {out}: {exc.strerror or exc}") from None
    if not head.startswith((b"<!doctype html", b"<html")) and info.st_size:
        raise OutputError(f"{option}: {out} exists and is not an HTML file; refusing to replace it")
    return out


# ------------------------------------------------------------------ swapping into place
#: results folders this process has swapped into place (for a truthful interrupt message)
WRITTEN: set[Path] = set()


def interrupt_message(out: str | os.PathLike) -> str:
    """What an interrupt left in ``out``: the new results, the previous ones, or nothing."""
    out = Path(out)
    if out.absolute() in WRITTEN:
        return f"interrupted after the new results were written to {out}/"
    if os.path.lexists(out):
        return f"interrupted: nothing written; {out}/ holds the previous results, unchanged"
    return f"interrupted: nothing written to {out}/"


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


def clean_stale(out: Path) -> list[Path]:
    """Remove leftovers of dead processes beside ``out`` (temporary folders, links, old versions
    that ``out`` no longer names); restore ``out`` from an ``.old`` copy if it went missing."""
    parent = out.parent
    removed: list[Path] = []
    if not parent.is_dir():
        return removed
    current = os.readlink(out) if out.is_symlink() else None
    for entry in parent.iterdir():
        m = _VERSION.match(entry.name)
        if not m or m["name"] != out.name or entry.name == current or _alive(int(m["pid"])):
            continue
        if m["what"] == "old" and not os.path.lexists(out) and _read_marker(entry / "previous") is not None:
            os.replace(entry / "previous", out)  # a crash between the two renames of a plain folder
        if entry.is_symlink() or entry.is_file():
            entry.unlink(missing_ok=True)
        else:
            shutil.rmtree(entry, ignore_errors=True)
        removed.append(entry)
    return removed


def _step(name: str) -> None:
    """Called between the file operations of a swap (tests inject interrupts here)."""


@contextmanager
def _sigint_deferred():
    """Hold SIGINT during a few renames so that Ctrl-C lands before or after, not between."""
    try:
        old = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    except (AttributeError, ValueError, OSError):  # not the main thread, or no signals
        yield
        return
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


def _private_name(out: Path, what: str) -> str:
    return f".{out.name}.{what}-{os.getpid()}-{os.urandom(6).hex()}"


class BackgroundFile:
    """One file of a results folder written in a thread while the run goes on
    (``inputs.parquet`` of a streaming run: from the pass's own input values with one worker,
    :class:`~talentsim.results.InputsFeed`; re-sampled in the thread with several, while the
    main process only waits for the workers' results).

    It goes to a private sibling of ``out`` (``.<name>.tmp-<pid>-<hex>``: :func:`clean_stale`
    removes it if the process dies); :meth:`writer` waits for it, re-raises its error and moves
    it into the new version folder; :meth:`discard` stops and removes it. ``write(path, stop)``
    must return early once ``stop`` is set."""

    def __init__(self, out: Path, write: Callable[[Path, threading.Event], Any]):
        self.path = out.parent / _private_name(out, "tmp")
        self.stop = threading.Event()
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, args=(write,), daemon=True, name="talentsim-file")
        self.thread.start()

    def _run(self, write) -> None:
        try:
            write(self.path, self.stop)
        except BaseException as exc:  # re-raised in the caller's thread by writer()
            self.error = exc

    def writer(self, path: Path) -> None:
        self.thread.join()
        if self.error is not None:
            raise self.error
        os.replace(self.path, path)

    def discard(self) -> None:
        self.stop.set()
        self.thread.join()
        self.path.unlink(missing_ok=True)


def write_atomic_dir(out_dir: str | os.PathLike, files: Mapping[str, Callable[[Path], Any]],
                     *, kind: str | None = None) -> Path:
    """Write ``files`` ({name: writer(path)}) as the results folder ``out_dir``, all or nothing.

    The files go to a fresh hidden sibling folder with the :data:`MARKER`; ``manifest.json`` is
    rewritten as strict JSON (NaN -> null) and its ``kind`` recorded in the marker. Then
    ``out_dir`` becomes a symlink to the new folder by one atomic rename, and the previous
    version is removed. ``out_dir`` must pass :func:`check_replaceable` (raises
    :class:`OutputError`); if anything fails, ``out_dir`` is left as it was.
    """
    out = Path(out_dir)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise OutputError(f"--out: {out.parent} is a file, not a folder") from None
    clean_stale(out)
    if kind is None and "manifest.json" not in files:
        kind = "files"  # a folder of files without a manifest (e.g. written from Python)
    check_replaceable(out, kind)
    new = out.parent / _private_name(out, "v")
    new.mkdir()
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(new, 0o777 & ~umask)
    link = out.parent / _private_name(out, "link")
    try:
        for name, writer in files.items():
            writer(new / name)
        if "manifest.json" in files:
            written_kind = _sanitize_manifest(new / "manifest.json")
            kind = kind or written_kind
        if kind is None:
            raise ValueError("write_atomic_dir: manifest.json has no 'kind'")
        check_replaceable(out, kind)  # again: another process may have written meanwhile
        marker = {"format": FORMAT, "kind": kind, "files": sorted(files)}
        (new / MARKER).write_text(json.dumps(marker) + "\n", encoding="utf-8")
        _step("written")
        os.symlink(new.name, link)
        _step("linked")
        _swap_in(out, link)
        WRITTEN.add(out.absolute())
        _step("swapped")
    except BaseException:
        if os.path.lexists(link):
            link.unlink()
        if not (out.is_symlink() and os.readlink(out) == new.name):
            shutil.rmtree(new, ignore_errors=True)
        raise
    return out


def _swap_in(out: Path, link: Path) -> None:
    """Make ``out`` name the folder ``link`` points to; never leave ``out`` missing."""
    previous = os.readlink(out) if out.is_symlink() else None
    if previous is None and out.is_dir():
        # a plain folder (empty, or a copied results folder): keep it until the link is in place
        old = out.parent / _private_name(out, "old")
        old.mkdir()
        with _sigint_deferred():
            os.replace(out, old / "previous")
            try:
                _step("moved-aside")
                os.replace(link, out)
            except BaseException:
                os.replace(old / "previous", out)  # put the old folder back
                raise
        _step("replaced")
        shutil.rmtree(old, ignore_errors=True)
        return
    os.replace(link, out)  # atomic: out names the old version until this instant, then the new one
    _step("replaced")
    if previous is not None and _VERSION.match(previous):
        target = out.parent / previous
        if target.is_dir() and not target.is_symlink():
            shutil.rmtree(target, ignore_errors=True)
