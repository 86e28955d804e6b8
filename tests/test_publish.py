"""Monthly regeneration: dated editions, atomic publishing, provenance, change report.

Fast tests work on small hand-made folders. The ``slow`` tests run the real
``python -m helpers monthly`` (mart, run, toc, build as subprocesses) on demo deliveries in a
temporary copy of the project (HANDBUCH_ROOT), with a one-page page set so a run takes
seconds: two editions in a row, a broken delivery, a correction, a run killed during the build.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from helpers import paths
from helpers.publish import changes, checks, delivery, provenance, site, store
from helpers.publish.monthly import Run, StepFailed, monthly
from helpers.publish.site import Edition

PY = sys.executable
DEMO_BANNER = "Demodaten: Alle Zahlen in diesem Handbuch sind synthetisch erzeugt"


# --------------------------------------------------------------------------- helpers


def tree_hashes(folder: Path, skip_hidden_tmp: bool = True) -> dict[str, str]:
    """sha256 of every file under folder (symlinks recorded as their target), by relative path."""
    out = {}
    for p in sorted(Path(folder).rglob("*")):
        rel = p.relative_to(folder).as_posix()
        if skip_hidden_tmp and (rel.startswith(site.TMP_PREFIX) or rel == ".lock"):
            continue
        if p.is_symlink():
            out[rel] = "->" + os.readlink(p)
        elif p.is_file():
            out[rel] = hashlib.sha256(p.read_bytes()).hexdigest()
    return out


def fake_edition(base: Path, name: str, demo: bool = True) -> Path:
    """A small built edition folder (what the build + check step would leave)."""
    ed = base / name
    (ed / "book").mkdir(parents=True)
    banner = f"<p>{DEMO_BANNER}</p>" if demo else ""
    (ed / "index.html").write_text('<meta http-equiv="Refresh" content="0; url=book/intro.html">')
    (ed / "book" / "intro.html").write_text(f"<html><body>{banner}<h1>{name}</h1></body></html>")
    (ed / "provenienz.json").write_text(json.dumps({"veroeffentlicht": "2026-09-03", "demo": demo}))
    return ed


# --------------------------------------------------------------------------- editions and site


def test_edition_ids_order_and_parse():
    eds = [Edition.parse(x) for x in ("2026-08-k1", "2026-07", "2026-08", "2026-08-k2", "2025-12")]
    assert [e.id for e in sorted(eds)] == ["2025-12", "2026-07", "2026-08", "2026-08-k1", "2026-08-k2"]
    assert Edition.parse("2026-08-k3") == Edition("2026-08", 3)
    for bad in ("2026-13", "2026-8", "2026-08-k0", "2026-08-x1", "aktuell"):
        with pytest.raises(ValueError):
            Edition.parse(bad)


def test_publish_switches_link_and_keeps_earlier_editions(tmp_path):
    s = tmp_path / "site"
    work = site.new_work_dir(s, "x")
    site.publish(s, fake_edition(work, "a"), Edition("2026-07"))
    assert os.readlink(s / "aktuell") == "ausgaben/2026-07"
    site.publish(s, fake_edition(work, "b"), Edition("2026-08"))
    assert os.readlink(s / "aktuell") == "ausgaben/2026-08"
    assert (s / "aktuell" / "book" / "intro.html").read_text().count("<h1>b</h1>") == 1
    assert (s / "ausgaben" / "2026-07" / "book" / "intro.html").is_file()   # still reachable
    # a late correction of an older month is published but does not become "aktuell"
    site.publish(s, fake_edition(work, "c"), Edition("2026-07", 1))
    assert site.current(s) == Edition("2026-08")
    listing = json.loads((s / "ausgaben.json").read_text())
    assert listing["aktuell"] == "2026-08"
    assert [e["ausgabe"] for e in listing["ausgaben"]] == ["2026-08", "2026-07-k1", "2026-07"]
    index = (s / "index.html").read_text()
    assert 'content="0; url=aktuell/"' in index and 'lang="de"' in index
    for ed in ("2026-08", "2026-07-k1", "2026-07"):
        assert f'href="ausgaben/{ed}/"' in index
        assert f'href="../ausgaben/{ed}/"' in (s / "ausgaben" / "index.html").read_text()
    assert "Korrektur 1" in index and "veröffentlicht am 03.09.2026" in index
    assert checks.external_loads(s) == []
    # an existing edition is never overwritten unless asked to
    with pytest.raises(site.SiteError):
        site.publish(s, fake_edition(work, "d"), Edition("2026-08"))
    site.publish(s, work / "d", Edition("2026-08"), replace=True)
    assert "<h1>d</h1>" in (s / "aktuell" / "book" / "intro.html").read_text()


def test_clean_stale_removes_leftovers_and_restores_an_edition_moved_aside(tmp_path):
    s = tmp_path / "site"
    work = site.new_work_dir(s, "lauf")
    site.publish(s, fake_edition(work, "a"), Edition("2026-07"))
    (work / "halb").mkdir()
    (work / "halb" / "x.html").write_text("halb fertig")
    # an interrupted replacement: the old edition was moved aside, the new one never arrived
    os.rename(s / "ausgaben" / "2026-07", s / ".tmp-alt-2026-07")
    (s / ".tmp-link-aktuell-123").symlink_to("ausgaben/nichts")
    removed = site.clean_stale(s)
    assert (s / "ausgaben" / "2026-07" / "book" / "intro.html").is_file()
    assert not [p for p in s.iterdir() if p.name.startswith(".tmp-")]
    assert len(removed) == 3


def test_lock_allows_one_run_per_site(tmp_path):
    with site.locked(tmp_path / "site"):
        with pytest.raises(site.SiteError, match="läuft bereits"):
            with site.locked(tmp_path / "site"):
                pass
    with site.locked(tmp_path / "site"):   # released again
        pass


def test_the_steps_of_a_run_hold_its_checkout_lock_until_they_end(tmp_path):
    """The lock is inherited by the run's steps: when the parent is gone (its fd closed, as after
    kill -9) while a step still runs, a second run on the checkout is still refused."""
    from helpers.publish import monthly

    with site.checkout_locked(tmp_path):
        step = subprocess.Popen([sys.executable, "-c", "import sys; sys.stdin.read()"], stdin=subprocess.PIPE,
                                **monthly.child_options())
    try:
        with pytest.raises(site.SiteError, match="läuft bereits"):   # the parent let go, the step did not
            with site.checkout_locked(tmp_path):
                pass
    finally:
        step.communicate(b"")                                       # the step ends
    with site.checkout_locked(tmp_path):                              # and the lock is free
        pass


# --------------------------------------------------------------------------- deliveries


def _delivery(folder: Path, grund: str = "a,b\n1,2\n", demo: bool = True) -> delivery.Delivery:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "jobcenter.csv").write_text("jobcenter_id,name\n01001,X\n")
    (folder / "grunddaten.csv").write_text(grund)
    if demo:
        (folder / "demo.json").write_text('{"demo": true}')
    return delivery.find(folder)


def test_snapshot_never_overwrites_and_numbers_corrections(tmp_path):
    raw = tmp_path / "raw"
    first = delivery.snapshot(_delivery(tmp_path / "d1"), raw, "2026-08", eingang="2026-09-03")
    assert first.new and first.edition == Edition("2026-08") and first.folder == raw / "2026-08"
    assert sorted(p.name for p in first.folder.iterdir()) == ["demo.json", "grunddaten.csv", "jobcenter.csv",
                                                              "lieferung.json"]
    before = tree_hashes(raw)
    again = delivery.snapshot(_delivery(tmp_path / "d2"), raw, "2026-08", eingang="2026-09-04")
    assert not again.new and again.edition == Edition("2026-08")
    assert tree_hashes(raw) == before
    delivery.mark_published(first, "site/ausgaben/2026-08")
    k1 = delivery.snapshot(_delivery(tmp_path / "d3", "a,b\n1,3\n"), raw, "2026-08", eingang="2026-09-05")
    assert k1.new and k1.edition == Edition("2026-08", 1) and k1.folder == raw / "2026-08" / "korrektur-1"
    assert (raw / "2026-08" / "grunddaten.csv").read_text() == "a,b\n1,2\n"   # original untouched
    delivery.mark_published(k1, "site/ausgaben/2026-08-k1")
    k2 = delivery.snapshot(_delivery(tmp_path / "d4", "a,b\n1,4\n"), raw, "2026-08", eingang="2026-09-06")
    assert k2.edition == Edition("2026-08", 2)
    same_as_k1 = delivery.snapshot(_delivery(tmp_path / "d5", "a,b\n1,3\n"), raw, "2026-08", eingang="x")
    assert not same_as_k1.new and same_as_k1.edition == Edition("2026-08", 1)


def test_a_correction_number_is_taken_only_by_a_published_edition(tmp_path):
    raw = tmp_path / "raw"
    first = delivery.snapshot(_delivery(tmp_path / "d1"), raw, "2026-08", eingang="2026-09-03")
    delivery.mark_published(first, "site/ausgaben/2026-08")
    published_files = tree_hashes(raw)
    failed = delivery.snapshot(_delivery(tmp_path / "d2", "a,b\n1,3\n"), raw, "2026-08", eingang="2026-09-04")
    assert failed.new and failed.edition == Edition("2026-08", 1)
    # that run failed before publishing; the next, different delivery gets the same number
    retry = delivery.snapshot(_delivery(tmp_path / "d3", "a,b\n1,4\n"), raw, "2026-08", eingang="2026-09-05")
    assert retry.new and retry.edition == Edition("2026-08", 1) and retry.folder == failed.folder
    assert (retry.folder / "grunddaten.csv").read_text() == "a,b\n1,4\n"
    assert sorted(p.name for p in (raw / "2026-08").iterdir() if p.is_dir()) == ["korrektur-1"]
    assert not [p for p in raw.rglob(".tmp-*")]
    for rel, digest in published_files.items():              # the published snapshot is untouched
        assert tree_hashes(raw)[rel] == digest
    # a number the site lists as published is taken even without the mark (killed after the switch)
    k2 = delivery.snapshot(_delivery(tmp_path / "d4", "a,b\n1,5\n"), raw, "2026-08", eingang="x",
                           published={0, 1})
    assert k2.edition == Edition("2026-08", 2)
    # an unpublished first delivery of a month does not make the next one a correction
    m9 = delivery.snapshot(_delivery(tmp_path / "d5"), raw, "2026-09", eingang="x")
    m9b = delivery.snapshot(_delivery(tmp_path / "d6", "a,b\n9,9\n"), raw, "2026-09", eingang="x")
    assert m9.edition == m9b.edition == Edition("2026-09") and m9b.folder == raw / "2026-09"
    assert (raw / "2026-09" / "grunddaten.csv").read_text() == "a,b\n9,9\n"


def test_a_failed_monthly_run_does_not_use_up_a_correction_number(tmp_path):
    """Real steps ablegen and veroeffentlichen: a correction whose build fails, then another
    correction that is published – it is 2026-08-k1, not -k2."""
    from helpers.publish import monthly as _m

    root, s = tmp_path / "checkout", tmp_path / "site"
    root.mkdir()

    def pruefen(run):
        run.delivery = delivery.find(run.data)
        run.meta = {"datenstand": "2026-08"}

    def bauen(run):
        run.work.mkdir(parents=True, exist_ok=True)
        fake_edition(run.work, "ausgabe")
        run.built = run.work / "ausgabe"

    def bauen_kaputt(run):
        raise StepFailed("Der Buch-Build ist fehlgeschlagen (Status 1).")

    def steps(build):
        return [("pruefen", "P", pruefen), ("ablegen", "A", _m.step_ablegen), ("bauen", "B", build),
                ("veroeffentlichen", "V", _m.step_veroeffentlichen)]

    for name, grund, build, code in [("d1", "a,b\n1,2\n", bauen, 0), ("d2", "a,b\n1,3\n", bauen_kaputt, 1),
                                     ("d3", "a,b\n1,4\n", bauen, 0)]:
        _delivery(tmp_path / name, grund)
        assert _m.monthly(Run(root=root, data=tmp_path / name, site=s), steps=steps(build)) == code
    assert site.editions(s) == [Edition("2026-08"), Edition("2026-08", 1)]
    assert (root / "data/raw/2026-08/korrektur-1/grunddaten.csv").read_text() == "a,b\n1,4\n"
    assert json.loads((root / "data/raw/2026-08/korrektur-1" / delivery.PUBLISHED).read_text())["ausgabe"] \
        == "2026-08-k1"
    assert not (root / "data/raw/2026-08/korrektur-2").exists()


def test_find_delivery_files(tmp_path):
    d = _delivery(tmp_path / "d", demo=False)
    assert d.marker is None and d.jobcenter.name == "jobcenter.csv"
    (tmp_path / "d" / "grunddaten.xlsx").write_bytes(b"x")
    with pytest.raises(delivery.DeliveryError, match="mehrere Dateien für grunddaten"):
        delivery.find(tmp_path / "d")
    (tmp_path / "e").mkdir()
    with pytest.raises(delivery.DeliveryError, match="fehlt die Datei jobcenter.csv"):
        delivery.find(tmp_path / "e")


# --------------------------------------------------------------------------- checks


def test_static_check_finds_missing_pages_banner_and_external_loads(tmp_path):
    ed = fake_edition(tmp_path, "ed")
    (ed / "search.html").write_text(f"<p>{DEMO_BANNER}</p>")
    toc = tmp_path / "_toc.yml"
    toc.write_text(yaml.safe_dump({"format": "jb-book", "root": "book/intro",
                                   "parts": [{"chapters": [{"file": "book/a", "sections": [{"file": "book/b"}]}]}]}))
    (ed / "book" / "a.html").write_text(f'<p>{DEMO_BANNER}</p><a href="https://www.gesetze-im-internet.de/">Gesetz</a>')
    problems = checks.check_edition(ed, toc, demo=True, demo_text=DEMO_BANNER)
    assert problems == ["Seite fehlt: book/b.html"]
    (ed / "book" / "b.html").write_text('<script src="https://cdn.jsdelivr.net/npm/vega@6"></script>')
    (ed / "_static").mkdir()
    (ed / "_static" / "x.css").write_text("@font-face{src:url(https://fonts.gstatic.com/s/a.woff2)}")
    (ed / "_static" / "y.js").write_text('var s="https://unpkg.com/thebe@0.8.2/lib/index.js";')
    (ed / "_static" / "ok.js").write_text('var ns="http://www.w3.org/2000/svg";')   # a name, not a load
    (ed / "book" / "c.html").write_text(f'<p>{DEMO_BANNER}</p><link rel="stylesheet" href="//example.org/x.css">')
    problems = checks.check_edition(ed, toc, demo=True, demo_text=DEMO_BANNER)
    assert "Demohinweis fehlt: book/b.html" in problems
    text = "\n".join(problems)
    for needle in ("book/b.html: lädt https://cdn.jsdelivr.net", "x.css: CSS lädt https://fonts.gstatic.com",
                   "y.js: Skript verweist auf unpkg.com", "book/c.html: lädt //example.org/x.css"):
        assert needle in text
    assert "ok.js" not in text and "gesetze-im-internet" not in text
    assert checks.check_edition(ed, toc, demo=False, demo_text=DEMO_BANNER, footer="Ausgabe 2026-08")


# --------------------------------------------------------------------------- change report


def _mart(folder: Path, datenstand: str, values: dict, names: dict) -> Path:
    """A mart with K1/K2/K3 for the given Jobcenter: values[(id, monat, kennzahl)] = wert."""
    folder.mkdir(parents=True)
    (folder / "meta.json").write_text(json.dumps({"datenstand": datenstand, "demo": True}))
    pd.DataFrame({"jobcenter_id": list(names), "name": list(names.values())}).to_parquet(folder / "jobcenter.parquet")
    rows = [{"ebene": "jobcenter", "id": i, "monat": m, "geschlecht": "insgesamt", "kennzahl": k, "wert": v,
             "grund": ""} for (i, m, k), v in values.items()]
    rows.append({"ebene": "bund", "id": "DE", "monat": datenstand, "geschlecht": "insgesamt", "kennzahl": "K1",
                 "wert": 99.0, "grund": ""})
    pd.DataFrame(rows).to_parquet(folder / "ergebnisse.parquet")
    return folder


def test_change_report_lists_new_merged_and_vanished_jobcenter(tmp_path):
    names_old = {"01001": "Jobcenter A", "01002": "Jobcenter B", "01003": "Jobcenter C"}
    names_new = {"01009": "Jobcenter AB", "01004": "Jobcenter D"}
    old = {(j, "2026-07", "K2"): 10.0 for j in names_old}
    new = {(j, "2026-08", "K2"): 10.0 for j in names_new}
    n = _mart(tmp_path / "n", "2026-08", new, names_new)
    meta = json.loads((n / "meta.json").read_text())
    meta["gebietsstand"] = {"aenderungen": [{"alt_id": "01001", "neu_id": "01009", "ab_monat": "2026-08"},
                                            {"alt_id": "01002", "neu_id": "01009", "ab_monat": "2026-08"}]}
    (n / "meta.json").write_text(json.dumps(meta))
    r = changes.compare(_mart(tmp_path / "p", "2026-07", old, names_old), n, edition="2026-08",
                        previous_edition="2026-07")
    assert r["jobcenter_neu"] == [{"jobcenter_id": "01004", "name": "Jobcenter D"},
                                  {"jobcenter_id": "01009", "name": "Jobcenter AB"}]
    assert r["jobcenter_entfallen"] == [{"jobcenter_id": "01003", "name": "Jobcenter C"}]   # not the merged ones
    assert r["jobcenter_zusammengelegt"] == [{"jobcenter_id": "01009", "name": "Jobcenter AB", "vorgaenger": [
        {"jobcenter_id": "01001", "name": "Jobcenter A"}, {"jobcenter_id": "01002", "name": "Jobcenter B"}]}]
    md = changes.markdown(r)
    assert "- Zusammengelegt: Jobcenter AB (01009) aus Jobcenter A (01001), Jobcenter B (01002)" in md
    assert "- Entfallen: Jobcenter C (01003)" in md


def test_change_report_movements_new_jobcenter_and_revisions(tmp_path):
    names_old = {"01001": "Jobcenter A", "01002": "Jobcenter B", "01003": "Jobcenter C"}
    names_new = {"01001": "Jobcenter A", "01002": "Jobcenter B", "01004": "Jobcenter D | neu"}
    old = {}
    for i, jc in enumerate(names_old):
        for k in ("K1", "K2", "K3"):
            old[(jc, "2026-06", k)] = 10.0 + i
            old[(jc, "2026-07", k)] = 20.0 + i
    new = {key: v for key, v in old.items() if key[0] != "01003"}
    new[("01001", "2026-06", "K2")] = 11.5          # revised past value
    new[("01002", "2026-06", "K2")] = float("nan")  # became undefined: also a revision
    for jc, base in (("01001", 20.0), ("01002", 21.0), ("01004", 5.0)):
        for k in ("K1", "K2", "K3"):
            new[(jc, "2026-08", k)] = base
    new[("01001", "2026-08", "K1")] = 25.0           # +5 against 20 (July)
    new[("01002", "2026-08", "K1")] = 18.0           # -3 against 21
    r = changes.compare(_mart(tmp_path / "p", "2026-07", old, names_old),
                        _mart(tmp_path / "n", "2026-08", new, names_new),
                        edition="2026-08", previous_edition="2026-07")
    assert r["datenstand_vorher"] == "2026-07" and r["datenstand"] == "2026-08"
    assert r["jobcenter_neu"] == [{"jobcenter_id": "01004", "name": "Jobcenter D | neu"}]
    assert r["jobcenter_entfallen"] == [{"jobcenter_id": "01003", "name": "Jobcenter C"}]
    assert [(m["jobcenter_id"], m["differenz"]) for m in r["bewegungen"]["K1"]] == [("01001", 5.0), ("01002", -3.0)]
    assert r["bewegungen"]["K2"] == [] and r["bewegungen"]["K3"] == []   # unchanged values: no movement
    assert r["rueckwirkend"] == {"werte": 2, "jobcenter": 2,
                                 "monate": [{"monat": "2026-06", "jobcenter": 2, "kennzahlen": {"K2": 2}}]}
    md = changes.markdown(r)
    assert "## Änderungen gegenüber der Ausgabe 2026-07" in md and "Jobcenter D \\| neu (01004)" in md
    assert "| Jobcenter A | 20,00 | 25,00 | +5,00 |" in md and "| Jobcenter B | 21,00 | 18,00 | −3,00 |" in md
    assert "| Juni 2026 | 2 | K2 |" in md
    assert changes.aenderungshinweis(r) is None
    k = changes.compare(tmp_path / "p", tmp_path / "n", edition="2026-08-k1", previous_edition="2026-08", korrektur=1)
    hinweis = changes.aenderungshinweis(k)
    assert hinweis.startswith("Änderungshinweis: Diese Ausgabe 2026-08-k1 ist die 1. Korrektur")
    assert "2 Werte in 1 Monat(en) (Juni 2026) bei 2 Jobcenter" in hinweis
    assert ":::{important}" in changes.markdown(k)
    first = changes.compare(None, tmp_path / "n", edition="2026-08", previous_edition=None)
    assert first["vorherige_ausgabe"] is None and "erste veröffentlichte Ausgabe" in changes.markdown(first)


def test_provenance_footer_and_page():
    meta = {"datenstand": "2026-08", "erster_monat": "2022-09", "demo": True,
            "quellen": {"jobcenter": {"datei": "jobcenter.csv", "sha256": "a" * 64},
                        "grunddaten": {"datei": "grunddaten.csv", "sha256": "b" * 64}}}
    prov = provenance.provenance(edition="2026-08-k1", korrektur=1, meta=meta, published="2026-09-03",
                                 built_at="2026-09-03T05:20:00+02:00", root=paths.ROOT, previous="2026-08",
                                 raw_folder="data/raw/2026-08/korrektur-1")
    assert set(prov["software"]) >= {"jupyter-book", "sphinx", "pandas", "altair", "papermill", "helpers"}
    assert prov["software"]["sphinx"] == "7.4.7"
    text = provenance.footer_text(prov)
    assert text == ("Ausgabe 2026-08-k1 · Datenstand August 2026 · Korrektur 1 · Demodaten · veröffentlicht "
                    "03.09.2026 · Eingaben sha256 grunddaten bbbbbbbbbbbb, jobcenter aaaaaaaaaaaa")
    assert provenance.footer_html(prov).startswith('<p class="hb-provenienz">Ausgabe 2026-08-k1')
    assert provenance.footer_html(prov, meta=meta) != ""
    assert provenance.footer_html(prov, meta=dict(meta, datenstand="2026-09")) == ""   # other data: no footer
    page = provenance.page_markdown(prov, "## Änderungen\n\nx", "Änderungshinweis: y")
    assert page.startswith("(ueber-diese-ausgabe)=\n# Über diese Ausgabe")
    assert "| Veröffentlicht am | 03.09.2026 |" in page and "`" + "b" * 64 + "`" in page
    assert ":::{important}\nÄnderungshinweis: y\n:::" in page and "Demodaten" in page


# --------------------------------------------------------------------------- orchestration with doubles


def test_failed_step_publishes_nothing(tmp_path, capsys):
    s = tmp_path / "site"
    work = site.new_work_dir(s, "vorher")
    site.publish(s, fake_edition(work, "a"), Edition("2026-07"))
    shutil.rmtree(work)
    before = tree_hashes(s)
    calls = []

    def ok(name):
        return lambda run: calls.append(name)

    def build_half_and_fail(run):
        out = run.work / "ausgabe"
        out.mkdir(parents=True)
        (out / "halb.html").write_text("x")
        raise StepFailed("Der Buch-Build ist fehlgeschlagen (Status 1).")

    steps = [("a", "A", ok("a")), ("bauen", "Buch bauen", build_half_and_fail), ("v", "V", ok("v"))]
    rc = monthly(Run(root=tmp_path, data=tmp_path, site=s), steps=steps)
    assert rc == 1 and calls == ["a"]
    err = capsys.readouterr().err
    assert "Der Buch-Build ist fehlgeschlagen" in err and "nichts wurde veröffentlicht" in err
    assert tree_hashes(s) == before
    # the next run cleans the half-built folder first
    rc = monthly(Run(root=tmp_path, data=tmp_path, site=s), steps=[("a", "A", ok("a2"))])
    assert rc == 0 and not (s / ".tmp-lauf").exists() and tree_hashes(s) == before


# --------------------------------------------------------------------------- end to end (real commands)


def _page_selection(root: Path) -> list[str]:
    """``--only`` values for a one-page run: the Bund page of the project's pages.yml."""
    spec = yaml.safe_load((root / "parameters" / "pages.yml").read_text(encoding="utf-8"))
    for name, s in (spec.get("sets") or {}).items():
        if s.get("entities") == "bund":
            return [f"{name}=DE"]
    raise AssertionError("parameters/pages.yml hat keinen Seitensatz für den Bund")


TOY_PAGES = """\
warmup:
  imports: [json]
  load_mart: false
sets:
  bund:
    template: notebooks/testseite.ipynb
    output: book/seiten/bund/{id}.ipynb
    title: "{name}"
    entities: bund
    parameters:
      gebiet: "{id}"
"""


def _toy_template(path: Path) -> None:
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"display_name": "Python 3", "language": "python", "name": "python3"}
    nb.cells = [
        nbformat.v4.new_markdown_cell("# Testseite"),
        nbformat.v4.new_code_cell('gebiet = "DE"\nmart_dir = None', metadata={"tags": ["parameters"]}),
        nbformat.v4.new_code_cell('import json, pathlib\nmeta = json.loads((pathlib.Path(mart_dir) / "meta.json")'
                                  '.read_text())\nprint("Gebiet", gebiet, "Datenstand", meta["datenstand"])'),
    ]
    for i, c in enumerate(nb.cells):
        c.id = f"zelle-{i}"
    nbformat.write(nb, str(path))


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    """A temporary project root: the real book sources, config and reference data; fresh outputs.

    Uses the project's parameters/pages.yml and notebooks when they exist (one page via --only);
    until the page templates exist, a one-page toy set (the real runner executes it).
    """
    real = paths.ROOT
    root = tmp_path_factory.mktemp("projekt")
    shutil.copy2(real / "_config.yml", root / "_config.yml")
    (root / "book").mkdir()
    for p in (real / "book").iterdir():
        if p.name in ("seiten", "generated") or p.name.startswith("."):
            continue
        (shutil.copytree if p.is_dir() else shutil.copy2)(p, root / "book" / p.name)
    shutil.copytree(real / "data" / "reference", root / "data" / "reference")
    (root / "node_modules").symlink_to(real / "node_modules")
    (root / "src").mkdir()
    (root / "src" / "helpers").symlink_to(real / "src" / "helpers")
    if (real / "parameters" / "pages.yml").is_file() and any((real / "notebooks").glob("*.ipynb")):
        shutil.copytree(real / "parameters", root / "parameters")
        shutil.copytree(real / "notebooks", root / "notebooks")
        only = _page_selection(root)
        # a full run (``--only`` never publishes) of a one-page set: the real Bund page only
        spec = yaml.safe_load((root / "parameters" / "pages.yml").read_text(encoding="utf-8"))
        spec["sets"] = {k: v for k, v in spec["sets"].items() if f"{k}=DE" in only}
        (root / "parameters" / "pages.yml").write_text(yaml.safe_dump(spec, allow_unicode=True), encoding="utf-8")
        for extra in [*(root / "parameters").glob("eigene/*.y*ml"), *(root / "parameters").glob("ringe/*.y*ml")]:
            extra.unlink()
    else:
        (root / "parameters").mkdir()
        (root / "parameters" / "pages.yml").write_text(TOY_PAGES)
        (root / "notebooks").mkdir()
        _toy_template(root / "notebooks" / "testseite.ipynb")
        only = []
    env = dict(os.environ, HANDBUCH_ROOT=str(root), PYTHONUNBUFFERED="1")
    env.pop("HANDBUCH_MART", None)
    deliveries = root / "lieferungen"
    for bis in ("2026-07", "2026-08", "2026-09", "2026-10"):
        subprocess.run([PY, "-m", "helpers", "demo", "--out", str(deliveries / bis), "--bis", bis, "--monate", "48"],
                       env=env, cwd=root, check=True, capture_output=True)
    return {"root": root, "env": env, "only": only, "lieferungen": deliveries, "site": root / "site"}


def monthly_cmd(project, data: Path, *extra: str) -> list[str]:
    return [PY, "-m", "helpers", "monthly", "--data", str(data), "--site", str(project["site"]), "--jobs", "1",
            *extra]


def run_monthly(project, data: Path, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run(monthly_cmd(project, data, *extra), env=project["env"], cwd=project["root"],
                          capture_output=True, text=True, timeout=900)


def _break_cell(src: Path, dst: Path, column: str = "elb", value: str = "zwölf") -> int:
    """Copy a delivery and put a non-numeric value into one cell; returns the line number."""
    shutil.copytree(src, dst)
    rows = list(csv.reader((src / "grunddaten.csv").open(encoding="utf-8")))
    col = rows[0].index(column)
    rows[5][col] = value
    with (dst / "grunddaten.csv").open("w", encoding="utf-8", newline="") as f:
        csv.writer(f, lineterminator="\n").writerows(rows)
    return 6   # header = line 1


@pytest.mark.slow
def test_two_editions_then_a_broken_delivery(project):
    s, lf = project["site"], project["lieferungen"]
    t0 = time.perf_counter()
    for bis in ("2026-07", "2026-08"):
        res = run_monthly(project, lf / bis)
        assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-3000:]
        assert f"Ausgabe {bis} veröffentlicht" in res.stdout
    print(f"zwei Monatsläufe: {time.perf_counter() - t0:.1f} s")
    assert site.editions(s) == [Edition("2026-07"), Edition("2026-08")]
    assert os.readlink(s / "aktuell") == "ausgaben/2026-08"
    for ed in ("2026-07", "2026-08"):
        folder = s / "ausgaben" / ed
        assert (folder / "index.html").is_file() and (folder / "book" / "intro.html").is_file()
        pages = checks.content_pages(folder)
        assert len(pages) >= 10
        for p in pages:
            assert DEMO_BANNER in p.read_text(encoding="utf-8"), p
        assert checks.external_loads(folder) == []
        prov = json.loads((folder / "provenienz.json").read_text())
        assert prov["ausgabe"] == ed and prov["datenstand"] == ed and prov["demo"] is True
        for table in ("jobcenter", "grunddaten"):
            assert prov["eingaben"][table]["sha256"] == delivery.sha256(lf / ed / f"{table}.csv")
        assert {"jupyter-book", "sphinx", "pandas", "altair", "papermill", "helpers"} <= set(prov["software"])
        # no second copy of the figures: daten/ describes, the data package carries them
        assert {p.name for p in (folder / "daten").iterdir()} == {"jobcenter.parquet", "meta.json"}
        assert (folder / "downloads" / "datenpaket" / "kennzahlen.parquet").is_file()
        assert (project["root"] / "data" / "raw" / ed / "grunddaten.csv").read_bytes() == \
            (lf / ed / "grunddaten.csv").read_bytes()
    report = json.loads((s / "ausgaben" / "2026-08" / "aenderungen.json").read_text())
    assert report["vorherige_ausgabe"] == "2026-07" and report["korrektur"] == 0
    assert report["jobcenter_neu"] == [] and report["jobcenter_entfallen"] == []
    assert len(report["bewegungen"]["K2"]) == changes.TOP
    page = (project["root"] / "book" / "generated" / "ueber-diese-ausgabe.md").read_text()
    assert "# Über diese Ausgabe" in page and "## Änderungen gegenüber der Ausgabe 2026-07" in page
    toc = yaml.safe_dump(yaml.safe_load((project["root"] / "_toc.yml").read_text()))
    if "book/generated/ueber-diese-ausgabe" in toc:     # once the book's TOC lists the page
        html = (s / "aktuell" / "book" / "generated" / "ueber-diese-ausgabe.html").read_text()
        assert "Über diese Ausgabe" in html and report["datenstand"] in json.dumps(report)
    index = (s / "index.html").read_text()
    assert 'href="ausgaben/2026-07/"' in index and 'href="ausgaben/2026-08/"' in index

    # third delivery: one bad cell -> exit 2, German message with file, line and column, nothing changes
    before = tree_hashes(s)
    raw_before = tree_hashes(project["root"] / "data" / "raw")
    line = _break_cell(lf / "2026-08", lf / "kaputt")
    res = run_monthly(project, lf / "kaputt")
    assert res.returncode == 2, res.stdout[-2000:] + res.stderr[-2000:]
    assert "grunddaten.csv" in res.stderr and f"Zeile {line}" in res.stderr and "Spalte 'elb'" in res.stderr
    assert "nichts wurde veröffentlicht" in res.stderr and "Traceback" not in res.stderr + res.stdout
    assert "[3/8]" not in res.stdout                      # stopped before the page run
    assert tree_hashes(s) == before                       # every file of the site, aktuell included
    assert os.readlink(s / "aktuell") == "ausgaben/2026-08"
    assert tree_hashes(project["root"] / "data" / "raw") == raw_before   # a bad delivery is not kept


@pytest.mark.slow
@pytest.mark.browser
def test_edition_page_and_editions_index_are_axe_clean(project, browser, axe):
    """Issue 13 on the pages only a monthly run makes: "Über diese Ausgabe" of the current
    edition (in the book, with the change report), the editions' index (site/ausgaben/, the same
    page as site/index.html without its redirect) and the edition's Bund page. WCAG 2.1 A/AA."""
    import functools
    import http.server

    s, lf = project["site"], project["lieferungen"]
    for bis in ("2026-07", "2026-08"):      # two editions: the page lists the changes, the index both
        if Edition(bis) not in site.editions(s):
            res = run_monthly(project, lf / bis)
            assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-3000:]
    aktuell = s / "aktuell"
    seiten = {"ausgabe": "aktuell/book/generated/ueber-diese-ausgabe.html", "ausgaben": "ausgaben/index.html",
              "bund": "aktuell/book/seiten/bund/DE.html"}
    for rel in seiten.values():
        assert (s / rel).is_file(), rel
    assert "Änderungen gegenüber der Ausgabe" in (aktuell / "book/generated/ueber-diese-ausgabe.html").read_text()

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(s)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    ctx = browser.new_context()
    found = {}
    try:
        page = ctx.new_page()
        for kind, rel in seiten.items():
            page.goto(f"http://127.0.0.1:{server.server_port}/{rel}")
            page.wait_for_load_state("load")
            page.wait_for_function("() => [...document.querySelectorAll('.vega-chart')].every(e =>"
                                   " e.matches('.vega-fertig, .vega-fehler'))", timeout=60000)
            assert page.locator(".vega-chart.vega-fehler").count() == 0, rel
            bad = axe(page)
            if bad:
                found[kind] = bad
    finally:
        ctx.close()
        server.shutdown()
        server.server_close()
    assert found == {}, found


@pytest.mark.slow
def test_correction_of_a_past_month_makes_a_new_edition_with_a_note(project):
    s, lf = project["site"], project["lieferungen"]
    if not (s / "ausgaben" / "2026-08").is_dir():
        assert run_monthly(project, lf / "2026-08").returncode == 0
    # the same month again, one past input value revised (valid): a correction
    src, dst = lf / "2026-08", lf / "2026-08-korrigiert"
    shutil.copytree(src, dst)
    gd = pd.read_csv(src / "grunddaten.csv", dtype=str, keep_default_na=False)
    row = gd.index[(gd["monat"] == "2026-03") & (gd["geschlecht"] == "insgesamt")
                   & gd["integrationen"].str.fullmatch(r"\d+")][0]
    jc_id = gd.at[row, "jobcenter_id"]
    gd.at[row, "integrationen"] = str(int(gd.at[row, "integrationen"]) + 25)
    gd.to_csv(dst / "grunddaten.csv", index=False)
    before_08 = tree_hashes(s / "ausgaben" / "2026-08")
    res = run_monthly(project, dst)
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-3000:]
    assert "Ausgabe 2026-08-k1 veröffentlicht" in res.stdout and "Änderungshinweis" in res.stdout
    assert os.readlink(s / "aktuell") == "ausgaben/2026-08-k1"
    # the corrected edition keeps its pages and its data; only its per-page download files and the
    # package CSV give way (retention: they live in the current edition), its links lead to a page
    after_08 = tree_hashes(s / "ausgaben" / "2026-08")
    changed = {r for r in before_08.keys() | after_08.keys() if before_08.get(r) != after_08.get(r)}
    assert changed and all(r.startswith("downloads/") or r.endswith(".html") for r in changed), changed
    paket = "downloads/datenpaket/kennzahlen.parquet"
    assert after_08[paket] == before_08[paket] and "downloads/einzeldateien.html" in after_08
    assert (project["root"] / "data" / "raw" / "2026-08" / "korrektur-1" / "grunddaten.csv").is_file()
    report = json.loads((s / "ausgaben" / "2026-08-k1" / "aenderungen.json").read_text())
    assert report["korrektur"] == 1 and report["vorherige_ausgabe"] == "2026-08"
    rw = report["rueckwirkend"]
    assert rw["jobcenter"] == 1 and rw["monate"][0]["monat"] == "2026-03"
    assert all(m["jobcenter"] == 1 and "K2" in m["kennzahlen"] for m in rw["monate"])
    assert [m["jobcenter_id"] for m in report["bewegungen"]["K1"]] == []   # only an integration count changed
    page = (project["root"] / "book" / "generated" / "ueber-diese-ausgabe.md").read_text()
    assert "Änderungshinweis: Diese Ausgabe 2026-08-k1 ist die 1. Korrektur" in page
    assert jc_id  # the changed Jobcenter exists in the delivery
    prov = json.loads((s / "ausgaben" / "2026-08-k1" / "provenienz.json").read_text())
    assert prov["korrektur"] == 1 and prov["lieferung"] == "data/raw/2026-08/korrektur-1"
    assert "Korrektur 1" in (s / "index.html").read_text()


@pytest.mark.slow
def test_killing_the_run_during_the_build_leaves_the_site_intact(project):
    s, lf = project["site"], project["lieferungen"]
    if not site.editions(s):
        assert run_monthly(project, lf / "2026-07").returncode == 0
    current = site.current(s)
    before = tree_hashes(s)
    proc = subprocess.Popen(monthly_cmd(project, lf / "2026-09"), env=project["env"], cwd=project["root"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    seen: list[str] = []
    building = threading.Event()

    def drain():   # keep reading, so the run never blocks on a full pipe
        for line in proc.stdout:
            seen.append(line)
            if "Buch bauen" in line:
                building.set()

    t_start = time.monotonic()
    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    try:
        assert building.wait(timeout=300), "".join(seen)
        out = s / ".tmp-lauf" / "ausgabe"
        deadline = time.monotonic() + 30
        while not out.is_dir() and time.monotonic() < deadline:   # Sphinx has started on the new folder
            time.sleep(0.05)
        assert out.is_dir(), "".join(seen)
        time.sleep(1.0)
        assert proc.poll() is None, "der Lauf war schon fertig – zu spät abgebrochen:\n" + "".join(seen)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)     # the whole run: monthly and its build subprocess
        proc.wait(timeout=30)
        reader.join(timeout=10)
    assert proc.returncode == -signal.SIGKILL
    print(f"abgebrochen nach {time.monotonic() - t_start:.1f} s")
    assert tree_hashes(s) == before                           # published files untouched
    assert site.current(s) == current and Edition("2026-09") not in site.editions(s)
    assert (s / ".tmp-lauf").exists()                        # the leftover of the killed run

    res = run_monthly(project, lf / "2026-09")
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-3000:]
    print(res.stdout.splitlines()[-1])
    assert "Aufgeräumt" in res.stdout
    assert not (s / ".tmp-lauf").exists()
    assert os.readlink(s / "aktuell") == "ausgaben/2026-09"
    _earlier_editions_kept(s, before)


def _earlier_editions_kept(s: Path, before: dict[str, str]) -> None:
    """The earlier editions are as they were, but for the download retention (helpers.publish.store):
    an edition that is no longer the newest gives up its per-page files and the package CSV, keeps its
    Parquet data package, and the pages whose download links changed now lead to einzeldateien.html."""
    after = tree_hashes(s)
    for rel, digest in before.items():
        if not rel.startswith("ausgaben/20") or after.get(rel) == digest:
            continue
        ed, _, inner = rel.partition("/")[2].partition("/")
        if inner.startswith("downloads/"):
            assert inner != "downloads/datenpaket/kennzahlen.parquet", rel           # the data stay
            assert f"ausgaben/{ed}/downloads/{store.EINZEL}" in after, rel
        else:
            assert inner.endswith(".html") and rel in after, rel                   # nothing else changes
            assert store.EINZEL in (s / rel).read_text(encoding="utf-8"), rel       # ... but its links


def _descendants(pid: int) -> list:
    import psutil

    try:
        return psutil.Process(pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return []


def _cmdline(proc) -> str:
    import psutil

    try:
        return " ".join(proc.cmdline())
    except psutil.Error:      # gone or a zombie meanwhile
        return ""


def _gone(proc) -> bool:
    import psutil

    try:
        return proc.status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def _lock_is_free(path: Path) -> bool:
    import fcntl

    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except BlockingIOError:
        return False
    finally:
        os.close(fd)


def _temp_leftovers(root: Path) -> list[str]:
    found = []
    for folder in ("book/seiten", "data", "site"):
        for p in (root / folder).rglob("*"):
            if p.name.endswith(".tmp") or ".tmp-" in p.name:
                found.append(p.relative_to(root).as_posix())
    return sorted(found)


@pytest.mark.slow
def test_kill_9_of_the_parent_during_pages_leaves_no_orphan_and_no_half_state(project):
    """kill -9 of only the monthly process (not its group) while the real page runner executes
    the Bund page in a real Jupyter kernel: the runner, its pool worker and the kernel (which has
    its own session) all end, both locks are free, the site is unchanged, the next run publishes."""
    s, lf, root = project["site"], project["lieferungen"], project["root"]
    if not site.editions(s):
        assert run_monthly(project, lf / "2026-07").returncode == 0
    before = tree_hashes(s)
    proc = subprocess.Popen(monthly_cmd(project, lf / "2026-10"), env=project["env"], cwd=project["root"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    seen: list[str] = []
    reader = threading.Thread(target=lambda: seen.extend(proc.stdout), daemon=True)
    reader.start()
    tree: list = []
    try:
        for _ in range(3000):      # until the kernel of the page runner is up (polling, no time bound)
            tree = _descendants(proc.pid)
            cmdlines = [_cmdline(p) for p in tree]
            if any("ipykernel" in c for c in cmdlines) and any("helpers run" in c for c in cmdlines):
                break
            assert proc.poll() is None, "".join(seen)
            time.sleep(0.1)
        else:
            raise AssertionError("kein Kernel gestartet:\n" + "".join(seen))
        assert "[3/8] Seiten ausführen" in "".join(seen)
        runner = next(p for p, c in zip(tree, cmdlines) if "helpers run" in c)
        held = {f.path for f in runner.open_files()}
        assert str(root / site.CHECKOUT_LOCK) in held and str(s / ".lock") in held   # inherited locks
        os.kill(proc.pid, signal.SIGKILL)                     # the parent only, as `kill -9 <pid>`
        proc.wait(timeout=30)
        for _ in range(600):
            alive = [p for p in tree if not _gone(p)]
            if not alive:
                break
            time.sleep(0.1)
        assert alive == [], [_cmdline(p) for p in alive]
    finally:
        for p in tree:
            if not _gone(p):
                p.kill()
        reader.join(timeout=10)
    assert proc.returncode == -signal.SIGKILL
    assert "[4/8]" not in "".join(seen)                     # killed during the page stage
    kinds = " ".join(cmdlines)
    assert "ipykernel" in kinds and "multiprocessing" in kinds       # the grandchildren were covered
    assert _lock_is_free(root / site.CHECKOUT_LOCK) and _lock_is_free(s / ".lock")
    assert tree_hashes(s) == before and Edition("2026-10") not in site.editions(s)
    killed_raw = root / "data" / "raw" / "2026-10"
    assert not (killed_raw / delivery.PUBLISHED).exists()          # not published: no number taken

    res = run_monthly(project, lf / "2026-10")
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-3000:]
    assert "Ausgabe 2026-10 veröffentlicht" in res.stdout        # not a correction: nothing was used up
    assert os.readlink(s / "aktuell") == "ausgaben/2026-10"
    assert _temp_leftovers(root) == []
    _earlier_editions_kept(s, before)


@pytest.mark.slow
def test_only_runs_in_a_scratch_folder_and_leaves_site_pages_and_build_untouched(project):
    s, lf, root = project["site"], project["lieferungen"], project["root"]
    if not project["only"]:
        pytest.skip("nur mit den echten Seitenvorlagen")
    if not site.editions(s):
        assert run_monthly(project, lf / "2026-07").returncode == 0
    watched = ("site", "book/seiten", "book/generated", "data/processed", "data/raw", "_build", "logs/pages")
    before = {w: tree_hashes(root / w) for w in watched}
    toc = (root / "_toc.yml").read_bytes()
    res = run_monthly(project, lf / "2026-09", "--only", project["only"][0])
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-3000:]
    assert "nichts wurde veröffentlicht" in res.stdout and "veröffentlicht:" not in res.stdout
    for w in watched:
        assert tree_hashes(root / w) == before[w], w
    assert (root / "_toc.yml").read_bytes() == toc
    from helpers.publish.monthly import SCRATCH

    built = root / SCRATCH / "site" / f"{site.TMP_PREFIX}lauf" / "ausgabe"
    assert f"Ergebnis des Testlaufs zum Ansehen: {built}" in res.stdout
    prov = json.loads((built / "provenienz.json").read_text())
    assert prov["datenstand"] == "2026-09"
    assert prov["eingaben"]["grunddaten"]["sha256"] == delivery.sha256(lf / "2026-09" / "grunddaten.csv")
    assert (built / "book" / "seiten" / "bund" / "DE.html").is_file()


@pytest.mark.slow
def test_same_inputs_give_byte_identical_data_files(project, tmp_path):
    root, env, lf = project["root"], project["env"], project["lieferungen"]
    outs = []
    for name in ("a", "b"):
        out = tmp_path / name
        subprocess.run([PY, "-m", "helpers", "mart", "--jobcenter", str(lf / "2026-08" / "jobcenter.csv"),
                        "--grunddaten", str(lf / "2026-08" / "grunddaten.csv"), "--out", str(out)],
                       env=env, cwd=root, check=True, capture_output=True)
        outs.append(out)
    names = sorted(p.name for p in outs[0].iterdir())
    assert names == sorted(p.name for p in outs[1].iterdir()) and "ergebnisse.parquet" in names
    for n in names:
        assert (outs[0] / n).read_bytes() == (outs[1] / n).read_bytes(), n
    edition = project["site"] / "ausgaben" / "2026-08" / "daten"
    if not edition.is_dir():
        assert run_monthly(project, lf / "2026-08").returncode == 0
    for p in sorted(q for q in edition.iterdir() if q.is_file()):
        assert p.read_bytes() == (outs[0] / p.name).read_bytes(), p.name
    # the change report is a function of the two marts only (no timestamps)
    r1 = changes.compare(outs[0], outs[1], edition="x", previous_edition="y")
    assert r1["rueckwirkend"]["werte"] == 0 and all(not v for v in r1["bewegungen"].values())
    assert np.isfinite([m["nachher"] for m in
                        json.loads((project["site"] / "ausgaben" / "2026-08" / "aenderungen.json").read_text())
                        ["bewegungen"]["K1"]]).all()


def test_second_monthly_run_on_one_checkout_is_refused_at_once_even_with_another_site(tmp_path):
    import subprocess as _sp
    import sys as _sys

    from helpers.publish import monthly as _m
    from helpers.publish import site as _site

    root = tmp_path / "checkout"
    lock = root / _site.CHECKOUT_LOCK
    lock.parent.mkdir(parents=True)
    holder = _sp.Popen([_sys.executable, "-c",
                        "import fcntl, os, sys, time\n"
                        f"fd = os.open({str(lock)!r}, os.O_RDWR | os.O_CREAT)\n"
                        "fcntl.flock(fd, fcntl.LOCK_EX)\nprint('ok', flush=True)\ntime.sleep(60)\n"],
                       stdout=_sp.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "ok"
        called = []
        run = _m.Run(root=root, data=tmp_path / "lieferung", site=tmp_path / "anderer-site")
        code = _m.monthly(run, steps=[("x", "Schritt", lambda r: called.append(r))])
        assert code == 1 and called == []
    finally:
        holder.kill()
        holder.wait()
    # once the first run is gone, the checkout is free again
    run = _m.Run(root=root, data=tmp_path / "lieferung", site=tmp_path / "anderer-site")
    assert _m.monthly(run, steps=[("x", "Schritt", lambda r: called.append(r))]) == 0
    assert len(called) == 1


def test_monthly_with_only_never_publishes_a_mixed_edition(tmp_path, capsys):
    from helpers.publish import monthly as _m

    called, roots = [], []

    def step(k):
        def fn(r):
            called.append(k)
            roots.append((r.root, r.site, r.mart_dir))
        return fn

    steps = [(k, label, step(k)) for k, label, _ in _m.STEPS]
    checkout = tmp_path / "checkout"
    for rel in ("book/intro.md", "book/seiten/jobcenter/05315.ipynb", "parameters/pages.yml", "_config.yml"):
        (checkout / rel).parent.mkdir(parents=True, exist_ok=True)
        (checkout / rel).write_text(rel)
    (checkout / ".cache" / "testlauf" / "alt").mkdir(parents=True)          # the previous test run
    run = _m.Run(root=checkout, data=tmp_path / "lieferung", site=tmp_path / "site", only=["jobcenter=05315"])
    assert _m.monthly(run, steps=steps) == 0
    assert "seiten" in called and "veroeffentlichen" not in called
    assert "nichts wurde veröffentlicht" in capsys.readouterr().out
    scratch = checkout / _m.SCRATCH
    assert set(roots) == {(scratch, scratch / "site", scratch / "data" / "processed")}   # every step
    assert (scratch / "book" / "intro.md").read_text() == "book/intro.md"               # sources copied
    assert not (scratch / "book" / "seiten").exists() and not (scratch / "alt").exists()
    assert not (tmp_path / "site").exists()
    # without --only the same steps do publish
    called.clear()
    run = _m.Run(root=tmp_path / "checkout", data=tmp_path / "lieferung", site=tmp_path / "site")
    assert _m.monthly(run, steps=steps) == 0
    assert called[-1] == "veroeffentlichen"


def test_child_of_a_killed_monthly_run_dies_with_it(tmp_path):
    import os as _os
    import signal as _signal
    import subprocess as _sp
    import sys as _sys
    import time as _time

    src = str(Path(__file__).resolve().parents[1] / "src")
    parent = _sp.Popen([_sys.executable, "-c",
                        "import subprocess, sys, time\n"
                        f"sys.path.insert(0, {src!r})\n"
                        "from helpers.publish.monthly import die_with_parent\n"
                        "c = subprocess.Popen(['sleep', '120'], preexec_fn=die_with_parent)\n"
                        "print(c.pid, flush=True)\ntime.sleep(120)\n"], stdout=_sp.PIPE, text=True)
    child = int(parent.stdout.readline())
    _os.kill(parent.pid, _signal.SIGKILL)
    parent.wait()
    for _ in range(100):  # poll, no fixed wall-clock bound on the outcome
        try:
            _os.kill(child, 0)
        except ProcessLookupError:
            break
        with open(f"/proc/{child}/stat") as f:
            if f.read().split(") ")[1].startswith("Z"):
                break
        _time.sleep(0.1)
    else:
        _os.kill(child, _signal.SIGKILL)
        raise AssertionError("Kindprozess lebt nach kill -9 des Elternprozesses weiter")
