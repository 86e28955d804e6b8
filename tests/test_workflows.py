"""Lint of the GitHub workflows: the GitHub workflow JSON schema (vendored in check-jsonschema,
used offline) plus structural assertions on triggers, permissions, caches and Makefile targets.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from helpers import paths

WORKFLOWS = paths.ROOT / ".github" / "workflows"
MONTHLY = WORKFLOWS / "monthly.yml"
TESTS = WORKFLOWS / "tests.yml"
CHECK = Path(sys.executable).parent / "check-jsonschema"


def load(path: Path) -> dict:
    """YAML 1.2 (as GitHub reads it): the key ``on`` stays the string "on"."""
    return YAML(typ="safe").load(path.read_text(encoding="utf-8"))


def schema_check(*files: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(CHECK), "--builtin-schema", "vendor.github-workflows", *map(str, files)],
                          capture_output=True, text=True, timeout=120)


def steps(wf: dict) -> list[dict]:
    return [s for job in wf["jobs"].values() for s in job.get("steps", [])]


def run_text(wf: dict) -> str:
    return "\n".join(s.get("run", "") for s in steps(wf))


def makefile_targets() -> set[str]:
    text = (paths.ROOT / "Makefile").read_text(encoding="utf-8")
    return set(re.findall(r"^([a-z][a-z0-9-]*):", text, re.M))


def test_workflows_match_the_github_schema():
    res = schema_check(MONTHLY, TESTS)
    assert res.returncode == 0, res.stdout + res.stderr


def test_schema_check_rejects_a_broken_workflow(tmp_path):
    broken = tmp_path / "kaputt.yml"
    text = MONTHLY.read_text(encoding="utf-8")
    broken.write_text(text.replace("      pages: write", "      pages: schreiben"), encoding="utf-8")
    res = schema_check(broken)
    assert res.returncode == 1 and "schreiben" in res.stdout + res.stderr


def test_actions_are_pinned_by_major_version():
    for path in (MONTHLY, TESTS):
        for s in steps(load(path)):
            if "uses" in s:
                assert re.fullmatch(r"[\w.-]+/[\w.-]+@v\d+", s["uses"]), f"{path.name}: {s['uses']}"


def test_monthly_triggers_permissions_and_deploy():
    wf = load(MONTHLY)
    on = wf["on"]
    cron = on["schedule"][0]["cron"].split()
    assert len(cron) == 5 and cron[2].isdigit() and cron[3] == "*" and cron[4] == "*"   # once a month
    inputs = on["workflow_dispatch"]["inputs"]
    assert {"daten", "artefakt"} <= set(inputs)
    assert wf["permissions"] == {"contents": "read"}
    assert wf["concurrency"]["group"] and wf["concurrency"]["cancel-in-progress"] is False
    build, deploy = wf["jobs"]["ausgabe"], wf["jobs"]["deploy"]
    assert build["runs-on"].startswith("ubuntu") and deploy["needs"] == "ausgabe"
    assert deploy["permissions"] == {"pages": "write", "id-token": "write"}
    assert deploy["environment"]["name"] == "github-pages"
    assert [s["uses"].split("@")[0] for s in deploy["steps"]] == ["actions/deploy-pages"]
    uses = {s["uses"].split("@")[0]: s for s in build["steps"] if "uses" in s}
    assert uses["actions/setup-python"]["with"]["python-version"] == "3.11"
    assert uses["actions/setup-python"]["with"]["cache"] == "pip"
    assert uses["actions/setup-node"]["with"]["node-version"] == "20"
    assert uses["actions/upload-pages-artifact"]["with"]["path"].rstrip("/") == "site"
    caches = [s["with"] for s in build["steps"] if s.get("uses", "").startswith("actions/cache@")]
    seiten = [c for c in caches if c["path"] == "book/seiten"]
    assert seiten, "page cache (book/seiten with its manifest) missing"
    assert "steps.monat.outputs.monat" in seiten[0]["key"]
    assert "seiten-${{ steps.monat.outputs.monat }}-" in seiten[0]["restore-keys"]
    assert any(c["path"] == "node_modules" for c in caches)
    text = run_text(wf)
    assert "make monthly DATA=" in text
    # the site archive carries the earlier editions from run to run (Pages replaces the whole site)
    assert "tar -cf archiv.tar site data/raw" in text and "tar -xf .archiv/archiv.tar" in text
    # the cache of book/seiten includes the runner's manifest (book/seiten/.manifest.json)
    from helpers.pipeline.cache import MANIFEST

    assert MANIFEST.parent.as_posix() == "book/seiten"


def test_tests_workflow_fast_on_pull_requests_full_nightly():
    wf = load(TESTS)
    assert "pull_request" in wf["on"] and wf["on"]["schedule"][0]["cron"]
    fast, full = wf["jobs"]["schnell"], wf["jobs"]["voll"]
    assert "pull_request" in fast["if"] and "!=" in full["if"]
    assert len(fast["strategy"]["matrix"]["python-version"]) <= 2
    fast_run = "\n".join(s.get("run", "") for s in fast["steps"])
    assert "make test-fast" in fast_run and "chromium" not in fast_run and "playwright" not in fast_run
    assert "make test" in "\n".join(s.get("run", "") for s in full["steps"])
    assert full["timeout-minutes"] <= 90


def test_workflows_call_only_existing_make_targets():
    targets = makefile_targets()
    for path in (MONTHLY, TESTS):
        called = re.findall(r"\bmake\s+([a-z][a-z0-9-]*)", run_text(load(path)))
        assert called, path.name
        missing = sorted(set(called) - targets)
        assert not missing, f"{path.name}: make-Ziele fehlen im Makefile: {missing}"
    assert "monthly" in targets and "test-fast" in targets


@pytest.mark.skipif(shutil.which("bash") is None, reason="bash fehlt")
def test_run_scripts_are_valid_bash():
    for path in (MONTHLY, TESTS):
        for s in steps(load(path)):
            if "run" in s:
                script = re.sub(r"\$\{\{[^}]*\}\}", "x", s["run"])
                res = subprocess.run(["bash", "-n"], input=script, capture_output=True, text=True)
                assert res.returncode == 0, f"{path.name} / {s.get('name')}: {res.stderr}"
