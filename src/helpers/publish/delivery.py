"""A monthly delivery: find its two input files, and keep an unchangeable copy under data/raw/.

``data/raw/<YYYY-MM>/`` holds the first delivery of a data month. A later delivery of the same
month with different bytes is a correction and goes to ``data/raw/<YYYY-MM>/korrektur-<n>/``;
a snapshot that became a published edition (``veroeffentlicht.json``) is never overwritten; one
whose run failed before publishing holds no number and is replaced by the next delivery. Each snapshot has ``lieferung.json`` with the file
hashes (the comparison uses only the delivered files).
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from helpers.io import file_sha256

from helpers.publish.site import Edition

FORMATS = (".csv", ".parquet", ".xlsx")
TABLES = ("jobcenter", "grunddaten")
OPTIONAL_TABLES = ("gebietsaenderungen",)   # data contract, optional input 4
MARKER = "demo.json"
MANIFEST = "lieferung.json"


class DeliveryError(Exception):
    """The delivery folder is not usable (German message); exit status 2."""


@dataclass(frozen=True)
class Delivery:
    folder: Path
    jobcenter: Path
    grunddaten: Path
    marker: Path | None     # demo.json, carried along
    gebietsaenderungen: Path | None = None

    @property
    def files(self) -> list[Path]:
        return [p for p in (self.jobcenter, self.grunddaten, self.gebietsaenderungen, self.marker) if p is not None]


def sha256(path: Path) -> str:
    return file_sha256(path)


def find(folder: Path) -> Delivery:
    """The delivery's input files: exactly one jobcenter.* and one grunddaten.* (csv/parquet/xlsx)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise DeliveryError(f"Lieferordner nicht gefunden: {folder}")
    found = {}
    for table in TABLES:
        hits = sorted(p for p in folder.iterdir()
                      if p.is_file() and p.stem == table and p.suffix.lower() in FORMATS)
        if not hits:
            raise DeliveryError(f"Im Lieferordner {folder} fehlt die Datei {table}.csv, "
                                f"{table}.parquet oder {table}.xlsx.")
        if len(hits) > 1:
            raise DeliveryError(f"Im Lieferordner {folder} gibt es mehrere Dateien für {table}: "
                                f"{', '.join(p.name for p in hits)}. Bitte nur eine liefern.")
        found[table] = hits[0]
    for table in OPTIONAL_TABLES:
        hits = sorted(p for p in folder.iterdir()
                      if p.is_file() and p.stem == table and p.suffix.lower() in FORMATS)
        if len(hits) > 1:
            raise DeliveryError(f"Im Lieferordner {folder} gibt es mehrere Dateien für {table}: "
                                f"{', '.join(p.name for p in hits)}. Bitte nur eine liefern.")
        found[table] = hits[0] if hits else None
    marker = folder / MARKER
    return Delivery(folder, found["jobcenter"], found["grunddaten"], marker if marker.is_file() else None,
                    found["gebietsaenderungen"])


def fingerprint(files) -> dict[str, str]:
    return {Path(p).name: sha256(p) for p in files}


def _snapshot_fingerprint(folder: Path) -> dict[str, str] | None:
    manifest = folder / MANIFEST
    if not manifest.is_file():
        return None
    return json.loads(manifest.read_text(encoding="utf-8")).get("dateien")


@dataclass(frozen=True)
class Snapshot:
    folder: Path
    edition: Edition
    new: bool               # False: the same bytes were delivered before


PUBLISHED = "veroeffentlicht.json"   # in a snapshot folder: an edition was published from it


def mark_published(snap: Snapshot, edition_path: str) -> None:
    """Record that ``snap`` became a published edition: from now on its number is taken."""
    from helpers.publish.site import atomic_write_text

    atomic_write_text(snap.folder / PUBLISHED, json.dumps(
        {"ausgabe": snap.edition.id, "pfad": edition_path}, ensure_ascii=False, indent=2) + "\n")


def snapshot(delivery: Delivery, raw_root: Path, monat: str, eingang: str,
             published: set[int] | frozenset[int] = frozenset()) -> Snapshot:
    """Store the delivery under raw_root/<monat>/ (or korrektur-<n>/) unless it is already there.

    Returns where it is and which edition it makes: <monat> for the first delivery of a month,
    <monat>-k<n> for the n-th correction. A number is *taken* only by a published edition (its
    snapshot has veroeffentlicht.json, or ``published`` – the correction numbers of this month in
    the site – lists it): the snapshot of a run that failed before publishing is replaced by the
    next different delivery, so a failed run never uses up a correction number.
    """
    files = fingerprint(delivery.files)
    base = Path(raw_root) / monat
    slots = {0: base}
    if base.is_dir():
        for p in base.iterdir():
            num = p.name.split("-", 1)[1] if p.name.startswith("korrektur-") else ""
            if p.is_dir() and num.isdigit():
                slots[int(num)] = p
    present = {n: f for n, f in slots.items() if (f / MANIFEST).is_file()}
    # a first delivery with corrections below it counts as taken (snapshots of older runs)
    taken = set(published) | {n for n, f in present.items()
                              if (f / PUBLISHED).is_file() or (n == 0 and len(slots) > 1)}
    n = max(taken) + 1 if taken else 0
    for k in sorted(taken) + [n]:
        if k in present and _snapshot_fingerprint(present[k]) == files:
            return Snapshot(present[k], Edition(monat, k), new=False)
    target = slots.get(n) or base / f"korrektur-{n}"
    target.parent.mkdir(parents=True, exist_ok=True)
    _remove_dead_temps(target.parent)
    tmp = target.parent / f".tmp-{target.name}-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    aside = None
    try:
        for p in delivery.files:
            shutil.copy2(p, tmp / p.name)
        if fingerprint(tmp / name for name in files) != files:
            raise DeliveryError(f"Die Lieferung in {delivery.folder} hat sich beim Kopieren verändert.")
        manifest = {"monat": monat, "eingang": eingang, "herkunft": str(delivery.folder),
                    "dateien": files, "korrektur": n}
        (tmp / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True) + "\n",
                                    encoding="utf-8")
        if n in present:
            # the unpublished snapshot of a failed run: set aside (restorable name), then replaced
            aside = target.parent / f".tmp-verworfen-{target.name}-{os.getpid()}"
            os.rename(target, aside)
        os.rename(tmp, target)   # fails if target appeared meanwhile: never overwrite
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        if aside is not None and not target.exists():
            os.rename(aside, target)
            aside = None
        raise
    if aside is not None:
        shutil.rmtree(aside, ignore_errors=True)
    return Snapshot(target, Edition(monat, n), new=True)


def _remove_dead_temps(folder: Path) -> None:
    """Remove copies left by interrupted runs (.tmp-<name>-<pid> whose process is gone)."""
    for p in folder.glob(".tmp-*"):
        pid = p.name.rsplit("-", 1)[-1]
        if pid.isdigit() and int(pid) != os.getpid():
            try:
                os.kill(int(pid), 0)
                continue          # still running
            except ProcessLookupError:
                pass
            except PermissionError:
                continue
        shutil.rmtree(p, ignore_errors=True)
