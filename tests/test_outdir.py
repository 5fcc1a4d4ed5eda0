"""Results folders (talentsim.outdir): only folders the tool wrote are replaced, the swap never
leaves the target missing, stale temporaries are cleaned, manifests are strict JSON."""

import json
import math
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from talentsim import outdir
from talentsim.cli import main
from talentsim.outdir import OutputError, check_replaceable, check_report_target, write_atomic_dir

from .conftest import BASELINE

ROOT = BASELINE.parents[1]


def files_of(version: str, kind: str = "run", nan: bool = False) -> dict:
    manifest = {"kind": kind, "version": version, "x": float("nan") if nan else 1.0}
    return {
        "summary.csv": lambda p: p.write_text(f"metric,value\nv,{version}\n"),
        "extra.csv": lambda p: p.write_text(version * 3),
        "manifest.json": lambda p: p.write_text(json.dumps(manifest)),
    }


def snapshot(folder: Path) -> dict[str, str]:
    return {p.name: p.read_bytes().decode("utf-8", "surrogateescape") for p in sorted(folder.iterdir()) if p.is_file() and p.name != ".talentsim"}


def test_webapp_reproducer_refuses_and_keeps_every_file(tmp_path, monkeypatch):
    """The reproducer of issue #18: a folder with manifest.json, index.html and src/."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "webapp" / "src").mkdir(parents=True)
    (tmp_path / "webapp" / "manifest.json").write_text("{}")
    (tmp_path / "webapp" / "index.html").write_text("x")
    result = CliRunner().invoke(main, ["run", str(BASELINE), "--draws", "20", "--no-draws", "--out", "webapp"])
    assert result.exit_code == 2
    (line,) = result.output.strip().splitlines()
    assert line.startswith("--out: webapp exists and was not written by talentsim") and "choose another --out" in line
    assert sorted(p.name for p in (tmp_path / "webapp").iterdir()) == ["index.html", "manifest.json", "src"]
    assert (tmp_path / "webapp" / "index.html").read_text() == "x"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["webapp"]


def test_report_refuses_to_overwrite_a_scenario(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    keep = tmp_path / "scenarios" / "keep.yaml"
    keep.parent.mkdir()
    keep.write_text("name: keep\n")
    write_atomic_dir(tmp_path / "r", files_of("a"))
    result = CliRunner().invoke(main, ["report", "r", "--out", "scenarios/keep.yaml"])
    assert result.exit_code == 2
    assert result.output.strip() == ("--out: scenarios/keep.yaml: a report is an .html file; give a name "
                                     "ending in .html")
    assert keep.read_text() == "name: keep\n"
    fake = tmp_path / "notes.html"
    fake.write_text("my notes, not HTML")
    with pytest.raises(OutputError, match="is not an HTML file"):
        check_report_target(fake)
    (tmp_path / "old.html").write_text("<!DOCTYPE html><html></html>")
    assert check_report_target(tmp_path / "old.html") == tmp_path / "old.html"


def test_notes_in_a_results_folder_and_other_kinds_are_refused(tmp_path):
    out = tmp_path / "r"
    write_atomic_dir(out, files_of("a"))
    (out / "figures").mkdir()  # the tool's own later additions are fine
    write_atomic_dir(out, files_of("b"))
    assert snapshot(out)["extra.csv"] == "bbb"
    (out / "notes.txt").write_text("mine")
    with pytest.raises(OutputError, match=r"holds files talentsim did not write \(notes.txt\)"):
        write_atomic_dir(out, files_of("c"))
    (out / "notes.txt").unlink()
    with pytest.raises(OutputError, match="holds talentsim 'run' results, not 'comparison'"):
        write_atomic_dir(out, files_of("c", kind="comparison"))
    assert snapshot(out)["extra.csv"] == "bbb"


@pytest.mark.parametrize("case", ["file", "dangling", "below_file", "foreign_link"])
def test_unusable_out_paths_are_one_line_errors(tmp_path, case):
    target = tmp_path / "out"
    if case == "file":
        target.write_text("x")
    elif case == "dangling":
        target.symlink_to(tmp_path / "nowhere")
    elif case == "below_file":
        (tmp_path / "f").write_text("x")
        target = tmp_path / "f" / "out"
    else:
        (tmp_path / "elsewhere").mkdir()
        (tmp_path / "elsewhere" / "a").write_text("x")
        target.symlink_to(tmp_path / "elsewhere")
    with pytest.raises(OutputError) as err:
        write_atomic_dir(target, files_of("a"))
    assert "\n" not in str(err.value) and str(err.value).startswith("--out: ")
    assert not (tmp_path / "nowhere").exists()


def test_manifest_is_strict_json(tmp_path):
    out = write_atomic_dir(tmp_path / "r", files_of("a", nan=True))
    text = (out / "manifest.json").read_text()
    assert "NaN" not in text
    assert json.loads(text)["x"] is None
    assert outdir.json_safe({"a": [math.inf, 1.5]}) == {"a": [None, 1.5]}


STEPS = ["written", "linked", "replaced", "swapped"]
PLAIN_STEPS = ["written", "linked", "moved-aside", "replaced", "swapped"]


@pytest.mark.parametrize("plain", [False, True], ids=["symlinked", "plain-folder"])
def test_an_interrupt_between_any_two_file_operations_leaves_old_or_new(tmp_path, monkeypatch, plain):
    """Inject a KeyboardInterrupt at every step of the swap: the target always holds the complete
    old results or the complete new ones, and the next write cleans every leftover."""
    steps = PLAIN_STEPS if plain else STEPS
    for k, stop in enumerate(steps):
        base = tmp_path / f"case{k}"
        base.mkdir()
        out = base / "r"
        if plain:  # a copied results folder: a plain directory holding the marker
            first = write_atomic_dir(base / "src", files_of("old"))
            out.mkdir()
            for p in first.iterdir():
                (out / p.name).write_bytes(p.read_bytes())
        else:
            write_atomic_dir(out, files_of("old"))
        old, new = snapshot(out), None

        def interrupt(name, stop=stop):
            if name == stop:
                raise KeyboardInterrupt

        monkeypatch.setattr(outdir, "_step", interrupt)
        with pytest.raises(KeyboardInterrupt):
            write_atomic_dir(out, files_of("new"))
        monkeypatch.setattr(outdir, "_step", lambda name: None)
        now = snapshot(out)
        new = {"extra.csv": "newnewnew", "manifest.json": outdir.dump_json({"kind": "run", "version": "new", "x": 1.0}),
               "summary.csv": "metric,value\nv,new\n"}
        assert old["extra.csv"] == "oldoldold"
        assert now in (old, new), (stop, now)
        # a later run by another process cleans up after this one
        monkeypatch.setattr(outdir, "_alive", lambda pid: False)
        write_atomic_dir(out, files_of("third"))
        monkeypatch.undo()
        assert snapshot(out)["extra.csv"] == "thirdthirdthird"
        leftovers = sorted(p.name for p in base.iterdir() if p.name != "r" and "src" not in p.name)
        live = os.readlink(out) if out.is_symlink() else None
        assert leftovers in ([live], []), (stop, leftovers)


def test_a_failing_writer_changes_nothing(tmp_path):
    out = write_atomic_dir(tmp_path / "r", files_of("old"))
    before = sorted(p.name for p in tmp_path.iterdir())

    def boom(p):
        raise OSError(28, "No space left on device")

    with pytest.raises(OSError):
        write_atomic_dir(out, {**files_of("new"), "big.parquet": boom})
    assert snapshot(out)["extra.csv"] == "oldoldold"
    assert sorted(p.name for p in tmp_path.iterdir()) == before


def test_check_replaceable_accepts_absent_and_empty(tmp_path):
    assert check_replaceable(tmp_path / "new", "run") == tmp_path / "new"
    (tmp_path / "empty").mkdir()
    write_atomic_dir(tmp_path / "empty", files_of("a"))
    assert snapshot(tmp_path / "empty")["extra.csv"] == "aaa"


def test_compare_refuses_to_replace_a_run_and_workers_are_capped(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    small = tmp_path / "small.yaml"
    small.write_text(f"name: small\nextends: {BASELINE}\nhorizon: {{start: 2024, end: 2027}}\n")
    result = CliRunner().invoke(main, ["run", str(small), "--draws", "3", "--no-draws", "--out", "r",
                                       "--workers", "100000"])
    assert result.exit_code == 0, result.output
    assert f"note: --workers 100000 capped at {os.cpu_count()}, the number of CPUs" in result.output
    before = snapshot(tmp_path / "r")
    result = CliRunner().invoke(main, ["compare", str(small), str(small), "--draws", "3", "--out", "r"])
    assert result.exit_code == 2
    assert result.output.strip() == ("--out: r holds talentsim 'run' results, not 'comparison'; refusing to "
                                     "replace them; choose another --out or move it away yourself")
    assert snapshot(tmp_path / "r") == before


def test_results_folders_from_before_the_marker_are_still_replaced(tmp_path):
    legacy = tmp_path / "old"
    legacy.mkdir()
    (legacy / "manifest.json").write_text(json.dumps({"kind": "run", "talentsim_version": "0.9"}))
    (legacy / "summary.csv").write_text("x\n")
    write_atomic_dir(legacy, files_of("new"))
    assert snapshot(legacy)["extra.csv"] == "newnewnew"
    legacy2 = tmp_path / "old2"
    legacy2.mkdir()
    (legacy2 / "manifest.json").write_text(json.dumps({"kind": "run", "talentsim_version": "0.9"}))
    (legacy2 / "notes.txt").write_text("mine")
    with pytest.raises(OutputError, match=r"no \.talentsim marker"):
        write_atomic_dir(legacy2, files_of("new"))
