"""``python -m helpers monthly --data DIR``: one monthly edition, from delivery to published site.

Steps (each a function of the run state; tests may replace single steps):

 1. pruefen       validate the delivery and compute the mart (``helpers mart``; exit 2 on bad input)
 2. ablegen       keep the delivery under data/raw/<YYYY-MM>/ (a changed re-delivery: korrektur-<n>/)
 3. seiten        execute the pages incrementally (``helpers run``)
 4. herkunft      change report + provenance: book/generated/ueber-diese-ausgabe.md, provenienz.json
 5. inhalt        table of contents (``helpers toc``)
 6. bauen         build the book into a fresh folder site/.tmp-lauf/ausgabe (``helpers build``)
 7. pruefen_site  add data + reports to the edition, static checks (pages, demo banner, offline)
 8. veroeffentlichen  rename into site/ausgaben/<ed>, switch site/aktuell, rewrite the index;
                  editions beyond the last 24 become archives (helpers.publish.store)

Nothing under site/ changes before step 8; a failed or interrupted run leaves the published
site as it was, and the next run removes its leftovers.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Callable
from zoneinfo import ZoneInfo

from helpers import fmt
from helpers.eingabefehler import SCHRITT_ENV
from helpers.publish import checks, delivery, provenance, site
from helpers.publish.site import Edition

TZ = ZoneInfo("Europe/Berlin")
WORK = "lauf"                      # site/.tmp-lauf/ (one run per site at a time: site/.lock)
# kept in <ed>/daten/: the mart's description and Jobcenter list (names for the next change report);
# the figures themselves are the edition's data package downloads/datenpaket/ (no second copy)
DATA_FILES = ("meta.json", "jobcenter.parquet")


class StepFailed(Exception):
    """A step failed: the run stops, nothing is published. ``code`` is the exit status."""

    def __init__(self, message: str, code: int = 1):
        super().__init__(message)
        self.code = code


class NothingToDo(Exception):
    """The delivery is already published as this edition."""


@dataclass
class Run:
    root: Path
    data: Path
    site: Path
    expected: str | None = None
    jobs: int = os.cpu_count() or 1
    only: list[str] = field(default_factory=list)
    replace: bool = False
    python: str = sys.executable
    # filled in by the steps
    mart_dir: Path | None = None
    delivery: delivery.Delivery | None = None
    meta: dict = field(default_factory=dict)
    snapshot: delivery.Snapshot | None = None
    edition: Edition | None = None
    previous: Edition | None = None
    report: dict = field(default_factory=dict)
    prov: dict = field(default_factory=dict)
    built: Path | None = None
    started: datetime = field(default_factory=lambda: datetime.now(TZ))
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def work(self) -> Path:
        return self.site / f"{site.TMP_PREFIX}{WORK}"

    @property
    def generated(self) -> Path:
        return self.root / "book" / "generated"

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env["HANDBUCH_ROOT"] = str(self.root)
        env["HANDBUCH_MART"] = str(self.mart_dir)
        env.setdefault("PYTHONUNBUFFERED", "1")
        env[SCHRITT_ENV] = "1"      # the step reports "Fehler: …"; the one "Abbruch: …" line is ours
        return env

    def helpers(self, *args: str) -> int:
        """Run ``python -m helpers <args>`` in the project root; output goes straight through.
        The step holds the run's locks too (inherited lock fds) and dies with the run."""
        sys.stdout.flush()
        return subprocess.run([self.python, "-m", "helpers", *args], cwd=self.root, env=self.env(),
                              check=False, **child_options()).returncode


def child_options() -> dict:
    """subprocess options for a step of the monthly run: inherit the run's locks, die with it."""
    return {"pass_fds": site.held_lock_fds(), "preexec_fn": die_with_parent}


def die_with_parent() -> None:
    """preexec_fn: the child gets SIGTERM when the monthly run dies (even by kill -9; Linux only)."""
    try:
        import ctypes
        import signal

        ctypes.CDLL(None, use_errno=True).prctl(1, int(signal.SIGTERM))  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


SCRATCH = Path(".cache") / "testlauf"   # a test run (--only) works here, never in the checkout
_SCRATCH_COPY = ("_config.yml",)
_SCRATCH_LINK = ("node_modules", "notebooks", "src")
_SCRATCH_LINK_DATA = ("reference",)


def make_scratch(root: Path) -> Path:
    """A fresh project folder for a test run (``--only``): the checkout's sources (config, book
    chapters, parameters copied; notebooks, reference data, node_modules linked) and its own,
    empty outputs (data/processed, data/raw, book/seiten, book/generated, _toc.yml, _build, site).

    The checkout's pages, build, data and site stay as they are: a test run can neither mix its
    delivery into the next full run nor publish. The scratch of the previous test run is removed
    here (call with the checkout lock held)."""
    root = Path(root)
    scratch = root / SCRATCH
    if scratch.exists() or scratch.is_symlink():
        shutil.rmtree(scratch) if scratch.is_dir() and not scratch.is_symlink() else scratch.unlink()
    scratch.mkdir(parents=True)
    for name in _SCRATCH_COPY:
        if (root / name).is_file():
            shutil.copy2(root / name, scratch / name)
    for name in _SCRATCH_LINK:
        if (root / name).exists():
            (scratch / name).symlink_to((root / name).resolve(), target_is_directory=True)
    (scratch / "data").mkdir()
    for name in _SCRATCH_LINK_DATA:
        if (root / "data" / name).exists():
            (scratch / "data" / name).symlink_to((root / "data" / name).resolve(), target_is_directory=True)
    if (root / "parameters").is_dir():
        shutil.copytree(root / "parameters", scratch / "parameters", symlinks=False)
    (scratch / "book").mkdir()
    if (root / "book").is_dir():
        for p in (root / "book").iterdir():
            if p.name in ("seiten", "generated") or p.name.startswith("."):
                continue
            (shutil.copytree if p.is_dir() else shutil.copy2)(p, scratch / "book" / p.name)
    return scratch


# --------------------------------------------------------------------------- steps


def step_pruefen(run: Run) -> None:
    try:
        run.delivery = delivery.find(run.data)
    except delivery.DeliveryError as exc:
        raise StepFailed(str(exc), 2) from None
    extra = (["--gebietsaenderungen", str(run.delivery.gebietsaenderungen)]
             if run.delivery.gebietsaenderungen else [])
    rc = run.helpers("mart", "--jobcenter", str(run.delivery.jobcenter), "--grunddaten",
                     str(run.delivery.grunddaten), *extra, "--out", str(run.mart_dir))
    if rc == 2:
        raise StepFailed("Die Lieferung ist fehlerhaft (siehe oben).", 2)
    if rc != 0:
        raise StepFailed(f"Die Berechnung des Datenbestands ist fehlgeschlagen (Status {rc}).")
    run.meta = json.loads((run.mart_dir / "meta.json").read_text(encoding="utf-8"))
    if run.expected and run.meta["datenstand"] != run.expected:
        raise StepFailed(f"Die Lieferung reicht bis {run.meta['datenstand']}, angegeben war die Ausgabe "
                         f"{run.expected} (--edition). Bitte die Lieferung prüfen.", 2)


def step_ablegen(run: Run) -> None:
    published = site.editions(run.site)
    monat = run.meta["datenstand"]
    run.snapshot = delivery.snapshot(run.delivery, run.root / "data" / "raw", monat,
                                     eingang=run.started.date().isoformat(),
                                     published={e.korrektur for e in published if e.monat == monat})
    run.edition = run.snapshot.edition
    if run.edition in published and not run.replace:
        raise NothingToDo(f"Diese Lieferung ist bereits als Ausgabe {run.edition} veröffentlicht "
                          "(gleiche Dateien). Nichts zu tun; mit --ersetzen wird die Ausgabe neu gebaut.")
    earlier = [e for e in published if e < run.edition]
    run.previous = earlier[-1] if earlier else None
    art = f"Korrektur {run.edition.korrektur} von {run.edition.monat}" if run.edition.korrektur else "neue Ausgabe"
    where = run.snapshot.folder.relative_to(run.root) if run.snapshot.folder.is_relative_to(run.root) \
        else run.snapshot.folder
    print(f"    Ausgabe {run.edition} ({art}); Lieferung abgelegt unter {where}"
          f"{'' if run.snapshot.new else ' (war schon vorhanden)'}.")


def step_seiten(run: Run) -> None:
    args = ["run", "--jobs", str(run.jobs), "--mart", str(run.mart_dir)]
    for o in run.only:
        args += ["--only", o]
    rc = run.helpers(*args)
    if rc != 0:
        raise StepFailed(f"Seiten konnten nicht ausgeführt werden (Status {rc}); siehe Protokolle unter logs/pages/.")


def step_herkunft(run: Run) -> None:
    from helpers.publish import changes

    prev_data = changes.daten_der_ausgabe(run.site / site.AUSGABEN / run.previous.id) if run.previous else None
    if run.previous and prev_data is None:
        print(f"    Hinweis: Ausgabe {run.previous} hat keine Daten zum Vergleich (daten/ oder Datenpaket fehlt).")
    run.report = changes.compare(prev_data, run.mart_dir, edition=run.edition.id,
                                 previous_edition=run.previous.id if prev_data is not None else None,
                                 korrektur=run.edition.korrektur)
    raw = run.snapshot.folder
    run.prov = provenance.provenance(
        edition=run.edition.id, korrektur=run.edition.korrektur, meta=run.meta,
        published=run.started.date().isoformat(), built_at=run.started.isoformat(timespec="seconds"),
        root=run.root, previous=run.report["vorherige_ausgabe"],
        raw_folder=raw.relative_to(run.root).as_posix() if raw.is_relative_to(run.root) else str(raw),
    )
    section = changes.markdown(run.report, level=2)
    page = provenance.page_markdown(run.prov, section, changes.aenderungshinweis(run.report))
    run.generated.mkdir(parents=True, exist_ok=True)
    site.atomic_write_text(run.generated / provenance.PROVENANCE_FILE,
                           json.dumps(run.prov, ensure_ascii=False, indent=2) + "\n")
    site.atomic_write_text(run.generated / f"{provenance.PAGE_NAME}.md", page)
    print()
    print(section)


def step_inhalt(run: Run) -> None:
    rc = run.helpers("toc", "--mart", str(run.mart_dir))
    if rc != 0:
        raise StepFailed(f"Das Inhaltsverzeichnis konnte nicht erzeugt werden (Status {rc}).")


def step_bauen(run: Run) -> None:
    out = run.work / "ausgabe"
    if out.exists():
        shutil.rmtree(out)
    run.work.mkdir(parents=True, exist_ok=True)
    rc = run.helpers("build", "--out", str(out), "--mart", str(run.mart_dir), "--leise")
    if rc != 0:
        raise StepFailed(f"Der Buch-Build ist fehlgeschlagen (Status {rc}).")
    run.built = out


def _footer_expected(run: Run) -> str | None:
    """The footer text, if the book build puts it on every page (helpers.book integration)."""
    from helpers import book

    overrides = book.runtime_overrides(run.meta)
    if overrides.get("html_theme_options", {}).get("extra_footer"):
        return provenance.footer_text(run.prov)
    return None


def step_pruefen_site(run: Run) -> None:
    from helpers.publish import changes

    ed = run.built
    daten = ed / "daten"
    daten.mkdir(exist_ok=True)
    for name in DATA_FILES:
        shutil.copy2(run.mart_dir / name, daten / name)
    prov = dict(run.prov, bauzeit_s=round(run.timings.get("bauen", 0.0), 1))
    (ed / provenance.PROVENANCE_FILE).write_text(json.dumps(prov, ensure_ascii=False, indent=2) + "\n",
                                                 encoding="utf-8")
    (ed / "aenderungen.json").write_text(json.dumps(run.report, ensure_ascii=False, indent=2) + "\n",
                                         encoding="utf-8")
    (ed / "aenderungen.md").write_text(changes.markdown(run.report, level=1) + "\n", encoding="utf-8")
    from helpers.book import DEMO_TEXT

    problems = checks.check_edition(
        ed, run.root / "_toc.yml", demo=bool(run.meta.get("demo")), demo_text=DEMO_TEXT,
        footer=_footer_expected(run),
        extra_pages=("provenienz.json", "aenderungen.json", *(f"daten/{n}" for n in DATA_FILES)),
    )
    if problems:
        shown = "\n  ".join(problems[:30])
        more = f"\n  … und {len(problems) - 30} weitere." if len(problems) > 30 else ""
        raise StepFailed(f"Die gebaute Ausgabe hat Mängel:\n  {shown}{more}")


def step_veroeffentlichen(run: Run) -> None:
    target = run.work / run.edition.id
    os.rename(run.built, target)
    site.publish(run.site, target, run.edition, replace=run.replace)
    # only now is the correction number taken (a failed run leaves it to the next delivery)
    delivery.mark_published(run.snapshot, str(run.site / site.AUSGABEN / run.edition.id))
    shutil.rmtree(run.work, ignore_errors=True)
    from helpers.publish import store

    for ed in store.aufbewahren(run.site):   # retention: the last store.BROWSABLE stay browsable
        print(f"Ausgabe {ed} archiviert: {run.site / store.ARCHIV / (ed + '.tar.gz')}")


Step = tuple[str, str, Callable[[Run], None]]
STEPS: list[Step] = [
    ("pruefen", "Lieferung prüfen und Datenbestand berechnen", step_pruefen),
    ("ablegen", "Lieferung ablegen", step_ablegen),
    ("seiten", "Seiten ausführen", step_seiten),
    ("herkunft", "Änderungsbericht und Angaben zur Ausgabe", step_herkunft),
    ("inhalt", "Inhaltsverzeichnis", step_inhalt),
    ("bauen", "Buch bauen", step_bauen),
    ("pruefen_site", "Ausgabe prüfen", step_pruefen_site),
    ("veroeffentlichen", "Veröffentlichen", step_veroeffentlichen),
]


def monthly(run: Run, steps: list[Step] | None = None, replace: dict[str, Callable[[Run], None]] | None = None) -> int:
    """Run all steps; returns the exit status (0 published or nothing to do, 2 bad delivery, 1 failed)."""
    steps = list(steps or STEPS)
    if replace:
        steps = [(k, label, replace.get(k, fn)) for k, label, fn in steps]
    if run.only:
        # a test run never publishes: it runs in a scratch project (make_scratch), so the
        # checkout's pages, build, data and site keep the last full run's delivery
        steps = [s for s in steps if s[0] != "veroeffentlichen"]
    t_all = time.perf_counter()
    try:
        with site.checkout_locked(run.root), contextlib.ExitStack() as stack:
            if run.only:
                run.root = make_scratch(run.root)
                run.site = run.root / "site"
                run.mart_dir = None
                print(f"Testlauf mit --only in {run.root} (Seiten, Buch und Website des Projekts bleiben "
                      "unverändert).")
            run.mart_dir = Path(run.mart_dir or run.root / "data" / "processed")
            stack.enter_context(site.locked(run.site))
            for name in site.clean_stale(run.site):
                print(f"Aufgeräumt (Rest eines abgebrochenen Laufs): {run.site / name}")
            for i, (key, label, fn) in enumerate(steps, 1):
                print(f"[{i}/{len(steps)}] {label} …", flush=True)
                t0 = time.perf_counter()
                fn(run)
                run.timings[key] = time.perf_counter() - t0
    except NothingToDo as exc:
        print(str(exc))
        return 0
    except (StepFailed, site.SiteError) as exc:
        code = getattr(exc, "code", 1)
        print(f"Fehler: {exc}", file=sys.stderr)
        print("Abbruch: nichts wurde veröffentlicht; die bisherige Ausgabe bleibt unverändert.", file=sys.stderr)
        return code
    total = time.perf_counter() - t_all
    sek = fmt.sekunden
    times = ", ".join(f"{k} {sek(v)}" for k, v in run.timings.items())
    if run.edition is None or run.only:
        print(f"Fertig in {sek(total)} ({times})"
              + (" – Testlauf mit --only: nichts wurde veröffentlicht." if run.only else "."))
        if run.only and run.built is not None:
            print(f"Ergebnis des Testlaufs zum Ansehen: {run.built}")
    else:
        print(f"Ausgabe {run.edition} veröffentlicht: {run.site / site.AUSGABEN / run.edition.id} "
              f"(aktuell: {site.current(run.site)}) in {sek(total)} ({times}).")
    return 0


# --------------------------------------------------------------------------- CLI

_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


def _cmd(args: argparse.Namespace) -> int:
    from helpers import paths

    if args.edition and not _MONTH.match(args.edition):
        print(f"Fehler: --edition {args.edition}: bitte als JJJJ-MM angeben.", file=sys.stderr)
        return 2
    root = Path(paths.ROOT)
    run = Run(root=root, data=Path(args.data).resolve(), site=Path(args.site or root / "site").resolve(),
              expected=args.edition, jobs=args.jobs, only=list(args.only or []), replace=args.ersetzen)
    return monthly(run)


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "monthly", help="Monatslauf: Lieferung prüfen, Seiten und Buch bauen, Ausgabe veröffentlichen",
        description="Prüft eine Lieferung (jobcenter.* und grunddaten.* als CSV, Parquet oder XLSX), legt sie "
                    "unter data/raw/<JJJJ-MM>/ ab, berechnet den Datenbestand, führt die Seiten aus, baut das "
                    "Handbuch in einen neuen Ordner, prüft es und veröffentlicht es als datierte Ausgabe unter "
                    "SITE/ausgaben/<JJJJ-MM>/; SITE/aktuell zeigt erst danach auf die neue Ausgabe.",
    )
    p.add_argument("--data", required=True, metavar="ORDNER", help="Ordner der Lieferung")
    p.add_argument("--site", metavar="ORDNER", help="Ordner der Website (Standard: site/)")
    p.add_argument("--edition", metavar="JJJJ-MM",
                   help="erwarteter Datenstand; weicht die Lieferung ab, bricht der Lauf ab (Status 2)")
    p.add_argument("--jobs", "-j", type=int, default=os.cpu_count() or 1, metavar="N",
                   help="parallele Arbeitsprozesse für die Seiten (Standard: %(default)s)")
    p.add_argument("--only", action="append", metavar="SATZ=ID", default=[],
                   help="Testlauf: nur diese Seite(n) ausführen und ein Buch daraus bauen, in einem eigenen "
                        f"Ordner ({SCRATCH}/); Seiten, Build und Website des Projekts bleiben unverändert, "
                        "es wird nichts veröffentlicht")
    p.add_argument("--ersetzen", action="store_true",
                   help="eine schon veröffentlichte Ausgabe mit gleicher Lieferung neu bauen und ersetzen")
    p.set_defaults(func=_cmd)
