"""A report never embeds a file that a (crafted) manifest names unless it is the run's own
scenario (issue #18)."""

import json

from click.testing import CliRunner

from talentsim.cli import main
from talentsim.outdir import write_atomic_dir


def test_a_crafted_manifest_does_not_pull_local_files_into_the_report(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    secret = tmp_path / "secret.yaml"
    secret.write_text("token: s3cr3t-value\n")
    manifest = {"kind": "run", "scenario": "x", "scenario_file": str(secret),
                "resolved_scenario": {"name": "x"}}
    summary = "scenario,metric,year,mean,p05,p25,p50,p75,p95,se_p05,se_p50,se_p95\nx,ai_workforce,2024,1,1,1,1,1,1,0,0,0\n"
    write_atomic_dir(tmp_path / "r", {"manifest.json": lambda p: p.write_text(json.dumps(manifest)),
                                      "summary.csv": lambda p: p.write_text(summary)})
    for name in (str(secret), "/etc/passwd"):
        manifest["scenario_file"] = name
        (tmp_path / "r" / "manifest.json").write_text(json.dumps(manifest))
        result = CliRunner().invoke(main, ["report", "r", "--out", "rep.html"])
        assert result.exit_code == 0, result.output
        page = (tmp_path / "rep.html").read_text()
        assert "s3cr3t-value" not in page and "root:x:" not in page
