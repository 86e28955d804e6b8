"""Theme and static assets once per site instead of once per edition.

Every edition's book build carries the same ``_static/`` folder (theme CSS and JS, fonts, the
map geometry, ≈ 9 MB). At publish time (``site.publish``) the folder moves into the site's shared,
content-addressed store and the edition's links are rewritten to it::

    site/ausgaben/_statik/<hash>/_static/   the static files of one or more editions (hash of the tree)
    site/_statik -> ausgaben/_statik   (relative symlink)
    site/ausgaben/<ed>/statik.txt   the hash the edition uses

A page at depth d of its edition (a Jobcenter page: d = 3) links
``../`` × (d + 1) + ``_statik/<hash>/_static/…``. That resolves under ``ausgaben/<ed>/`` (to
``ausgaben/_statik/``) and under ``aktuell/`` (to ``_statik/``, the symlink) alike, so the current
edition reads the same through both addresses; everything stays relative (offline, any host path).
The folder keeps its name ``_static`` inside ``<hash>/``: ``vega-init.js`` resolves the specs' data
URLs (``_static/geo/kreise.json``) against the parent of its own folder, which is ``<hash>/``.

An archived edition becomes self-contained again first (``einbetten``: the files back into
``_static/``, the links back), so its ``.tar.gz`` opens offline on its own. ``aufraeumen``
removes shared folders no browsable edition uses any more.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
from pathlib import Path

STATIC = "_static"          # the build's folder (Sphinx)
STATIK = "_statik"          # shared folder in site/ausgaben/ (and the symlink site/_statik)
MARKER = "statik.txt"       # in an edition: the hash of the shared folder it links
_TEXT = (".html", ".htm")   # files whose links are rewritten (theme CSS/JS refer to each other relatively)


def baum_hash(folder: Path) -> str:
    """Content hash of a folder tree (relative paths and file contents)."""
    h = hashlib.sha256()
    for p in sorted(Path(folder).rglob("*")):
        if p.is_file():
            h.update(p.relative_to(folder).as_posix().encode() + b"\0")
            h.update(hashlib.sha256(p.read_bytes()).digest())
    return h.hexdigest()[:10]   # short: it is in every asset link of every page


def _seiten(edition: Path):
    for p in sorted(Path(edition).rglob("*")):
        if p.suffix in _TEXT and p.is_file() and STATIC not in p.relative_to(edition).parts:
            yield p, len(p.relative_to(edition).parts) - 1


def _umschreiben(edition: Path, alt, neu) -> int:
    """Rewrite the links of every page: ``alt(tiefe)`` (the link prefix to replace) -> ``neu(tiefe)``.
    Returns the number of pages changed."""
    n = 0
    for p, tiefe in _seiten(edition):
        text = p.read_text(encoding="utf-8")
        vorher, nachher = alt(tiefe), neu(tiefe)
        if vorher not in text:
            continue
        muster = re.compile(r"(?<![\w./-])" + re.escape(vorher))
        neu_text = muster.sub(nachher.replace("\\", "\\\\"), text)
        if neu_text != text:
            p.write_text(neu_text, encoding="utf-8")
            n += 1
    return n


def teilen(site: Path, edition: Path) -> str | None:
    """Move ``edition/_static`` into the site's shared store (once per content) and point the
    edition's pages at it; returns the hash (None: the edition has no ``_static``). The caller
    (``site.publish``) makes the symlink ``site/_statik``."""
    site, edition = Path(site), Path(edition)
    static = edition / STATIC
    if not static.is_dir():
        return None
    h = baum_hash(static)
    base = site / "ausgaben" / STATIK
    base.mkdir(parents=True, exist_ok=True)
    ziel = base / h
    if (ziel / STATIC).is_dir():
        shutil.rmtree(static)
    else:
        zwischen = site / f".tmp-statik-{h}-{os.getpid()}"
        shutil.rmtree(zwischen, ignore_errors=True)
        zwischen.mkdir()
        os.rename(static, zwischen / STATIC)
        shutil.rmtree(ziel, ignore_errors=True)      # an incomplete folder of an interrupted run
        os.rename(zwischen, ziel)
    _umschreiben(edition, lambda d: "../" * d + f"{STATIC}/", lambda d: "../" * (d + 1) + f"{STATIK}/{h}/{STATIC}/")
    (edition / MARKER).write_text(h + "\n", encoding="utf-8")
    return h


def hash_von(edition: Path) -> str | None:
    m = Path(edition) / MARKER
    return m.read_text(encoding="utf-8").strip() if m.is_file() else None


def einbetten(site: Path, edition: Path) -> bool:
    """Undo ``teilen`` for one edition (before it is archived): copy the shared files back into
    ``edition/_static`` and the links back. Returns False if the edition was self-contained."""
    site, edition = Path(site), Path(edition)
    h = hash_von(edition)
    if h is None:
        return False
    quelle = site / "ausgaben" / STATIK / h / STATIC
    tmp = edition / f".tmp-{STATIC}"
    shutil.rmtree(tmp, ignore_errors=True)
    shutil.copytree(quelle, tmp)
    shutil.rmtree(edition / STATIC, ignore_errors=True)
    os.rename(tmp, edition / STATIC)
    _umschreiben(edition, lambda d: "../" * (d + 1) + f"{STATIK}/{h}/{STATIC}/", lambda d: "../" * d + f"{STATIC}/")
    (edition / MARKER).unlink()
    return True


def aufraeumen(site: Path) -> list[str]:
    """Remove shared folders that no edition folder under ``ausgaben/`` refers to; returns their hashes."""
    base = Path(site) / "ausgaben" / STATIK
    if not base.is_dir():
        return []
    benutzt = {hash_von(p) for p in (Path(site) / "ausgaben").iterdir() if p.is_dir() and p.name != STATIK}
    weg = []
    for p in sorted(base.iterdir()):
        if p.is_dir() and p.name not in benutzt:
            shutil.rmtree(p)
            weg.append(p.name)
    return weg
