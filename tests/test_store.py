"""Editions that last: the durable store (a git branch, simulated by a local bare repository),
the monthly workflow's restore step with an expired artifact, and the retention rule."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from helpers import paths
from helpers.publish import site, store
from helpers.publish.site import Edition

MONTHLY = paths.ROOT / ".github" / "workflows" / "monthly.yml"


def fake_edition(base: Path, name: str) -> Path:
    """A small built edition with pages and a data package."""
    ed = base / name
    (ed / "book" / "seiten").mkdir(parents=True)
    (ed / "daten").mkdir()
    (ed / "index.html").write_text('<meta http-equiv="Refresh" content="0; url=book/intro.html">')
    (ed / "book" / "intro.html").write_text(f"<html><body><h1>{name}</h1></body></html>")
    (ed / "book" / "seiten" / "05315.html").write_text(f"<p>Seite {name}</p>")
    (ed / "daten" / "meta.json").write_text(json.dumps({"datenstand": name}))
    (ed / "provenienz.json").write_text(json.dumps({"veroeffentlicht": "2026-09-03", "demo": True}))
    return ed


def publish(root: Path, month: str) -> None:
    s = root / "site"
    work = site.new_work_dir(s, month)
    site.publish(s, fake_edition(work, month), Edition(month))
    (root / "data" / "raw" / month).mkdir(parents=True, exist_ok=True)
    (root / "data" / "raw" / month / "grunddaten.csv").write_text(f"lieferung {month}\n")
    os.rmdir(work)


def checkout(path: Path, store_repo: Path) -> Path:
    """A fresh clone-like checkout: a git repo with ``origin`` = the store, no site/ (as on a new runner)."""
    path.mkdir()
    for cmd in (["init", "-q", "-b", "main"], ["remote", "add", "origin", str(store_repo)]):
        subprocess.run(["git", "-C", str(path), *cmd], check=True, capture_output=True)
    (path / ".gitignore").write_text("site/\ndata/raw/\n")   # as in the project: never in main
    return path


def tree(folder: Path) -> dict[str, str]:
    out = {}
    for p in sorted(folder.rglob("*")):
        rel = p.relative_to(folder).as_posix()
        if p.is_symlink():
            out[rel] = "->" + os.readlink(p)
        elif p.is_file():
            out[rel] = p.read_text()
    return out


@pytest.fixture
def bare(tmp_path) -> Path:
    repo = tmp_path / "store.git"
    subprocess.run(["git", "init", "-q", "--bare", str(repo)], check=True)
    return repo


def test_store_round_trip_keeps_every_edition_and_the_current_link(tmp_path, bare):
    a = checkout(tmp_path / "lauf1", bare)
    assert store.restore(a, "origin") is False           # first run: no branch yet
    publish(a, "2026-07")
    (a / "site" / ".lock").write_text("")                   # run-time file: not stored
    rev1 = store.save(a, "origin")
    assert rev1 and store.save(a, "origin") is None         # nothing changed: no new commit

    b = checkout(tmp_path / "lauf2", bare)
    assert store.restore(b, "origin") is True
    assert site.editions(b / "site") == [Edition("2026-07")]
    assert site.current(b / "site") == Edition("2026-07")
    assert not (b / "site" / ".lock").exists()
    publish(b, "2026-08")
    rev2 = store.save(b, "origin")
    # the branch grows by fast-forward: the first state is the parent of the second
    parent = subprocess.run(["git", "--git-dir", str(bare), "rev-parse", f"{rev2}^"],
                            capture_output=True, text=True, check=True).stdout.strip()
    assert parent == rev1

    c = checkout(tmp_path / "lauf3", bare)
    store.restore(c, "origin")
    assert tree(c / "site") == tree(b / "site") and tree(c / "data" / "raw") == tree(b / "data" / "raw")
    assert os.readlink(c / "site" / "aktuell") == "ausgaben/2026-08"
    # the checkout's own branch and index are untouched
    status = subprocess.run(["git", "-C", str(c), "status", "--porcelain"], capture_output=True, text=True)
    assert status.stdout.strip() == "?? .gitignore"


def test_save_refuses_to_overwrite_a_newer_store_state(tmp_path, bare):
    a = checkout(tmp_path / "a", bare)
    publish(a, "2026-07")
    store.save(a, "origin")
    b = checkout(tmp_path / "b", bare)
    store.restore(b, "origin")
    publish(b, "2026-08")
    store.save(b, "origin")
    # a (stale: never saw 2026-08) saves again: its state is built on the branch's tip, never
    # replacing it by an older history
    publish(a, "2026-09")
    store.save(a, "origin")
    c = checkout(tmp_path / "c", bare)
    store.restore(c, "origin")
    log = subprocess.run(["git", "--git-dir", str(bare), "log", "--format=%s", store.BRANCH],
                         capture_output=True, text=True, check=True).stdout.splitlines()
    assert len(log) == 3


def _restore_step() -> str:
    wf = YAML(typ="safe").load(MONTHLY.read_text(encoding="utf-8"))
    steps = [s for s in wf["jobs"]["ausgabe"]["steps"] if "ausgaben holen" in s.get("run", "")]
    assert len(steps) == 1, "monthly.yml: genau ein Schritt holt die Ausgaben aus dem Speicher"
    return steps[0]["run"]


def _run_step(script: str, cwd: Path, env_extra: dict) -> subprocess.CompletedProcess:
    venv = cwd / ".venv" / "bin"
    venv.mkdir(parents=True)
    (venv / "python").write_text(f'#!/bin/sh\nexec "{sys.executable}" "$@"\n')
    (venv / "python").chmod(0o755)
    bin_dir = cwd / ".stub-bin"
    bin_dir.mkdir()
    # the GitHub CLI of an expired artifact: the last successful run exists, its artifact is gone
    (bin_dir / "gh").write_text("#!/bin/sh\ncase \"$2\" in list) echo 4711;; download) "
                                "echo 'no valid artifacts found to download' >&2; exit 1;; esac\n")
    (bin_dir / "gh").chmod(0o755)
    wf = YAML(typ="safe").load(MONTHLY.read_text(encoding="utf-8"))
    env = dict(os.environ, PATH=f"{bin_dir}:{os.environ['PATH']}", GITHUB_REPOSITORY="amt/handbuch",
               HANDBUCH_ROOT=str(cwd), **{k: str(v) for k, v in wf.get("env", {}).items()}, **env_extra)
    return subprocess.run(["bash", "-e", "-o", "pipefail", "-c", script], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=120)


def test_workflow_restore_with_expired_artifact_still_has_every_edition(tmp_path, bare):
    # three monthly runs filled the store
    prev = None
    for i, month in enumerate(("2026-06", "2026-07", "2026-08")):
        w = checkout(tmp_path / f"run{i}", bare)
        if prev:
            store.restore(w, "origin")
        publish(w, month)
        store.save(w, "origin")
        prev = w
    expected = tree(prev / "site")
    # a new runner months later: fresh checkout, the artifact of the last run has expired
    runner = checkout(tmp_path / "runner", bare)
    res = _run_step(_restore_step(), runner, {})
    assert res.returncode == 0, res.stdout + res.stderr
    assert site.editions(runner / "site") == [Edition("2026-06"), Edition("2026-07"), Edition("2026-08")]
    assert tree(runner / "site") == expected
    assert sorted(p.name for p in (runner / "data" / "raw").iterdir()) == ["2026-06", "2026-07", "2026-08"]


def test_workflow_restore_fails_loudly_when_the_store_is_unreachable(tmp_path):
    runner = checkout(tmp_path / "runner", tmp_path / "gibt-es-nicht.git")
    res = _run_step(_restore_step(), runner, {})
    assert res.returncode != 0                      # never continue with an empty site
    assert not (runner / "site").exists()


def test_workflow_saves_to_the_store_before_deploying():
    wf = YAML(typ="safe").load(MONTHLY.read_text(encoding="utf-8"))
    job = wf["jobs"]["ausgabe"]
    names = [s.get("run", "") + s.get("uses", "") for s in job["steps"]]
    i_run = next(i for i, t in enumerate(names) if "make monthly" in t)
    i_save = next(i for i, t in enumerate(names) if "ausgaben sichern" in t)
    i_pages = next(i for i, t in enumerate(names) if "upload-pages-artifact" in t)
    assert i_run < i_save < i_pages
    assert job["permissions"]["contents"] == "write"      # push to the store branch


def test_retention_keeps_the_last_24_browsable_and_archives_older_ones(tmp_path):
    root = tmp_path
    months = [f"{y}-{m:02d}" for y in (2024, 2025, 2026) for m in range(1, 13)][:27]
    for month in months:
        publish(root, month)
    s = root / "site"
    done = store.aufbewahren(s)
    assert done == months[:3]
    assert [e.id for e in site.editions(s)] == months[3:]
    assert site.current(s) == Edition(months[-1])
    for month in months[:3]:
        stub = s / "ausgaben" / month
        assert sorted(p.name for p in stub.iterdir()) == ["archiviert.json", "index.html"]
        page = (stub / "index.html").read_text()
        assert "archiviert" in page and f'href="../../archiv/{month}.tar.gz"' in page and 'lang="de"' in page
        with tarfile.open(s / "archiv" / f"{month}.tar.gz") as tar:
            names = tar.getnames()
            assert f"{month}/daten/meta.json" in names and f"{month}/book/seiten/05315.html" in names
            assert json.load(tar.extractfile(f"{month}/daten/meta.json")) == {"datenstand": month}
    listing = json.loads((s / "ausgaben.json").read_text())
    assert [a["ausgabe"] for a in listing["archiviert"]] == months[:3][::-1]
    assert len(listing["ausgaben"]) == 24
    index = (s / "ausgaben" / "index.html").read_text()
    assert 'href="../archiv/2024-01.tar.gz"' in index and 'href="../ausgaben/2024-04/"' in index
    # idempotent; the next edition pushes exactly one more into the archive
    assert store.aufbewahren(s) == []
    publish(root, "2026-04")
    assert store.aufbewahren(s) == ["2024-04"]
    assert len(site.editions(s)) == 24


def test_archive_is_reproducible(tmp_path):
    """Same edition, same bytes (the store does not grow when an archive is rewritten)."""
    ed = fake_edition(tmp_path, "2026-01")
    store._tar_gz(ed, tmp_path / "a.tar.gz", "2026-01")
    os.utime(ed / "book" / "intro.html", (1, 1))
    store._tar_gz(ed, tmp_path / "b.tar.gz", "2026-01")
    assert (tmp_path / "a.tar.gz").read_bytes() == (tmp_path / "b.tar.gz").read_bytes()


def test_retention_never_archives_the_current_edition(tmp_path):
    s = tmp_path / "site"
    for month in ("2026-01", "2026-02", "2026-03"):
        publish(tmp_path, month)
    site.switch_link(s / "aktuell", "ausgaben/2026-01")    # e.g. pinned back after a bad month
    assert store.aufbewahren(s, browsable=1) == ["2026-02"]
    assert {e.id for e in site.editions(s)} == {"2026-01", "2026-03"}
