"""The published site: dated editions, the atomically switched ``aktuell`` link, the index.

Layout of SITE_DIR (default ``site/``)::

    site/index.html            tiny German start page: redirects to aktuell/, lists the editions
    site/ausgaben.json         the editions (machine-readable, newest first)
    site/ausgaben/index.html   the list of editions (no redirect)
    site/ausgaben/2026-07/     one edition: the built book (downloads/ with the data package) + provenienz.json,
                               aenderungen.json, daten/ (meta.json, jobcenter.parquet)
    site/ausgaben/2026-08-k1/  a correction of the 2026-08 delivery
    site/aktuell -> ausgaben/2026-08-k1   (relative symlink, replaced with os.replace)
    site/ausgaben/_statik/<hash>/  theme assets shared by the editions (helpers.publish.statik)
    site/_statik -> ausgaben/_statik
    site/.tmp-<run>/           work folder of a running (or interrupted) run; removed by the next run
    site/.lock                 one monthly run per site at a time

Everything is moved into place with ``os.replace``/``os.rename`` inside the same folder, so a
reader sees either the old or the new state, never a half-written one.
"""

from __future__ import annotations

import fcntl
import functools
import json
import os
import re
import shutil
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from helpers import dateien
from helpers.fmt import MONATE

AUSGABEN = "ausgaben"
AKTUELL = "aktuell"
TMP_PREFIX = ".tmp-"
atomic_write_text = functools.partial(dateien.atomic_write_text, sync=True)   # files the site serves
ARCHIVIERT = "archiviert.json"     # marks ausgaben/<ed>/ of an archived edition (helpers.publish.store)
_EDITION_RE = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])(?:-k([1-9]\d*))?$")


class SiteError(Exception):
    """A problem with the site folder (German message)."""


@dataclass(frozen=True, order=True)
class Edition:
    """An edition id: the data month plus, for a correction, its number (2026-08-k1)."""

    monat: str
    korrektur: int = 0

    @classmethod
    def parse(cls, text: str) -> "Edition":
        m = _EDITION_RE.match(text)
        if not m:
            raise ValueError(f"'{text}' ist keine Ausgabe der Form JJJJ-MM oder JJJJ-MM-k<n>")
        return cls(f"{m.group(1)}-{m.group(2)}", int(m.group(3) or 0))

    @property
    def id(self) -> str:
        return self.monat if not self.korrektur else f"{self.monat}-k{self.korrektur}"

    def __str__(self) -> str:
        return self.id


def monat_text(monat: str) -> str:
    """'2026-08' -> 'August 2026'."""
    year, month = monat.split("-")
    return f"{MONATE[int(month) - 1]} {year}"


def editions(site: Path) -> list[Edition]:
    """The browsable editions in the site, oldest first (temp and hidden folders and archived
    editions ignored)."""
    base = Path(site) / AUSGABEN
    if not base.is_dir():
        return []
    found = []
    for p in base.iterdir():
        if p.is_dir() and not p.is_symlink() and _EDITION_RE.match(p.name) and not (p / ARCHIVIERT).exists():
            found.append(Edition.parse(p.name))
    return sorted(found)


def current(site: Path) -> Edition | None:
    """The edition ``aktuell`` points to (None if there is no link yet)."""
    link = Path(site) / AKTUELL
    if not link.is_symlink():
        return None
    return Edition.parse(Path(os.readlink(link)).name)


# File descriptors of the locks this process holds. A flock belongs to the open file, not the
# process: children started with these fds (``pass_fds=held_lock_fds()``) hold the lock too, so
# it stays taken until the parent and every step it started have ended – also when the parent
# is killed and a child is still shutting down.
_HELD: list[int] = []


def held_lock_fds() -> tuple[int, ...]:
    """The lock fds to hand to child processes (``subprocess.run(..., pass_fds=...)``)."""
    return tuple(_HELD)


@contextmanager
def _flocked(path: Path, message: str):
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise SiteError(message) from None
        _HELD.append(fd)
        try:
            yield
        finally:
            _HELD.remove(fd)
    finally:
        os.close(fd)


@contextmanager
def locked(site: Path):
    """Hold an exclusive lock on the site for the whole run (a second run fails at once)."""
    site = Path(site)
    site.mkdir(parents=True, exist_ok=True)
    with _flocked(site / ".lock", f"Für {site} läuft bereits ein Monatslauf (Sperrdatei {site / '.lock'})."):
        yield


CHECKOUT_LOCK = Path("logs") / ".monatslauf.lock"


@contextmanager
def checkout_locked(root: Path):
    """One run per checkout: a run writes data/, book/seiten, book/generated, _toc.yml, _build
    and logs/ whatever --site it publishes to, so two runs on one checkout (even with different
    --site) would mix deliveries. A second run fails at once."""
    lock = Path(root) / CHECKOUT_LOCK
    lock.parent.mkdir(parents=True, exist_ok=True)
    with _flocked(lock, f"In {root} läuft bereits ein Monatslauf (Sperrdatei {lock}); bitte dessen Ende abwarten."):
        yield


def clean_stale(site: Path) -> list[str]:
    """Remove work folders of earlier, failed or interrupted runs (call while holding the lock).

    An edition that was being replaced (moved aside as ``.tmp-alt-<ed>``) but never got its
    successor is moved back first, so an interruption at any point keeps the last good site.
    """
    site = Path(site)
    removed = []
    if not site.is_dir():
        return removed
    for p in sorted(site.iterdir()):
        if not p.name.startswith(TMP_PREFIX):
            continue
        if p.name.startswith(TMP_PREFIX + "alt-") and p.is_dir():
            target = site / AUSGABEN / p.name[len(TMP_PREFIX + "alt-"):]
            if not target.exists():
                os.rename(p, target)
                removed.append(f"{p.name} (zurückgeholt nach {target.relative_to(site)})")
                continue
        if p.is_dir() and not p.is_symlink():
            shutil.rmtree(p, ignore_errors=True)
        else:
            p.unlink(missing_ok=True)
        removed.append(p.name)
    return removed


def new_work_dir(site: Path, run_id: str) -> Path:
    work = Path(site) / f"{TMP_PREFIX}{run_id}"
    work.mkdir(parents=True, exist_ok=False)
    return work


def _fsync_tree(folder: Path) -> None:
    """Flush a finished edition to disk before it becomes visible (best effort)."""
    for p in sorted(folder.rglob("*")):
        if p.is_file() and not p.is_symlink():
            with open(p, "rb") as f:
                os.fsync(f.fileno())
    for d in [folder, *sorted(x for x in folder.rglob("*") if x.is_dir())]:
        fd = os.open(d, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def switch_link(link: Path, target: str) -> None:
    """Point the symlink ``link`` at ``target`` (relative) in one step: temp link + os.replace."""
    link = Path(link)
    tmp = link.with_name(f"{TMP_PREFIX}link-{link.name}-{os.getpid()}")
    tmp.unlink(missing_ok=True)
    os.symlink(target, tmp)
    os.replace(tmp, link)


def publish(site: Path, built: Path, edition: Edition, *, replace: bool = False,
            make_current: bool = True) -> None:
    """Move the finished edition folder ``built`` into ``ausgaben/<ed>``, then update index and link.

    ``built`` must lie inside ``site`` (same file system, so the rename is atomic). An edition
    that exists is only replaced with ``replace=True``: the old folder is moved aside first and
    restored by ``clean_stale`` if the run dies in between.
    """
    site = Path(site)
    base = site / AUSGABEN
    base.mkdir(parents=True, exist_ok=True)
    target = base / edition.id
    from helpers.publish import statik

    if statik.teilen(site, built) and not (site / statik.STATIK).is_symlink():
        switch_link(site / statik.STATIK, f"{AUSGABEN}/{statik.STATIK}")   # theme assets once per site
    _fsync_tree(built)
    if target.exists():
        if not replace:
            raise SiteError(f"Die Ausgabe {edition.id} ist bereits veröffentlicht.")
        aside = site / f"{TMP_PREFIX}alt-{edition.id}"
        shutil.rmtree(aside, ignore_errors=True)
        os.rename(target, aside)
        os.rename(built, target)
        shutil.rmtree(aside, ignore_errors=True)
        statik.aufraeumen(site)
    else:
        os.rename(built, target)
    newest = editions(site)[-1]
    if make_current and newest == edition:
        switch_link(site / AKTUELL, f"{AUSGABEN}/{edition.id}")
    elif current(site) is None:
        switch_link(site / AKTUELL, f"{AUSGABEN}/{newest.id}")
    write_index(site)


# --------------------------------------------------------------------------- index pages


def _edition_info(site: Path, ed: Edition) -> dict:
    prov = Path(site) / AUSGABEN / ed.id / "provenienz.json"
    info = {"ausgabe": ed.id, "monat": ed.monat, "korrektur": ed.korrektur, "pfad": f"{AUSGABEN}/{ed.id}/"}
    if prov.exists():
        p = json.loads(prov.read_text(encoding="utf-8"))
        info.update(veroeffentlicht=p.get("veroeffentlicht"), demo=bool(p.get("demo")))
    return info


def _archived(site: Path) -> list[dict]:
    """Marker records of the archived editions, oldest first."""
    base = Path(site) / AUSGABEN
    if not base.is_dir():
        return []
    return [json.loads((p / ARCHIVIERT).read_text(encoding="utf-8"))
            for p in sorted(base.iterdir()) if (p / ARCHIVIERT).is_file()]


def render_index(site: Path, *, redirect: bool, prefix: str = "") -> str:
    """The list of editions (site/index.html with redirect, ausgaben/index.html) from the template
    ``publish/index.html`` (every text escaped)."""
    from helpers import vorlagen

    eds = list(reversed(editions(site)))
    cur = current(site)
    infos = [_edition_info(site, e) for e in eds]
    ausgaben = []
    for i in infos:
        text = f"Ausgabe {i['ausgabe']} – Datenstand {monat_text(i['monat'])}"
        if i["korrektur"]:
            text += f" (Korrektur {i['korrektur']})"
        if i.get("veroeffentlicht"):
            y, m, d = i["veroeffentlicht"][:10].split("-")
            text += f", veröffentlicht am {d}.{m}.{y}"
        if i.get("demo"):
            text += " – Demodaten"
        ausgaben.append({"pfad": i["pfad"], "text": text})
    archiviert = [{"text": f"Ausgabe {a['ausgabe']} – Datenstand {monat_text(a['monat'])}", "archiv": a["archiv"],
                   "datei": Path(a["archiv"]).name} for a in reversed(_archived(site))]
    seite = vorlagen.render(
        "publish/index.html", titel="Kennzahlen-Handbuch SGB II", prefix=prefix, aktuell_pfad=AKTUELL,
        refresh=AKTUELL if redirect and cur is not None else "", aktuell=cur.id if cur is not None else "",
        aktuell_demo=cur is not None and any(i.get("demo") for i in infos if i["ausgabe"] == cur.id),
        ausgaben=ausgaben, archiviert=archiviert)
    return seite + "\n"      # the template's last newline (Jinja drops one)


def write_index(site: Path) -> None:
    """Regenerate site/index.html, site/ausgaben/index.html and site/ausgaben.json atomically."""
    site = Path(site)
    (site / AUSGABEN).mkdir(parents=True, exist_ok=True)
    cur = current(site)
    listing = {"aktuell": cur.id if cur else None,
               "ausgaben": [_edition_info(site, e) for e in reversed(editions(site))],
               "archiviert": list(reversed(_archived(site)))}
    atomic_write_text(site / "ausgaben.json", json.dumps(listing, ensure_ascii=False, indent=2) + "\n")
    atomic_write_text(site / "index.html", render_index(site, redirect=True))
    atomic_write_text(site / AUSGABEN / "index.html", render_index(site, redirect=False, prefix="../"))
    nojekyll = site / ".nojekyll"
    if not nojekyll.exists():
        nojekyll.write_text("")
