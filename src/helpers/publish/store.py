"""Durable store of the published editions, and the retention rule.

GitHub Pages replaces the whole site on every deploy, so each monthly run must start from every
earlier edition. Workflow artifacts expire (90 days by default); the store does not: it is a git
branch (default ``ausgaben``) of a repository (default the checkout's ``origin``) holding two
folders, exactly as in the checkout::

    site/        the published site (editions, archives, index pages, the ``aktuell`` symlink)
    data/raw/    the unchangeable copies of every delivery

``python -m helpers ausgaben holen`` restores both from the store before a run,
``python -m helpers ausgaben sichern`` commits the new state on top of the branch and pushes it
(a plain fast-forward; no history is rewritten). Both use the checkout's git (its remotes and
credentials) with a separate index file, so the checkout's own index and branch stay untouched.

Retention (``aufbewahren``, called by the monthly run after publishing): only the newest and the
current edition keep the per-page download files (``downloads/<satz>/…``: the full time series of
every page as CSV and XLSX, the one-month CSVs) and the CSV form of the data package; every other
edition keeps its data package as Parquet (exact, all levels) and a page ``downloads/einzeldateien.html``
that its pages' download links now lead to (``nur_datenpaket``). The newest
``BROWSABLE`` editions stay browsable under ``site/ausgaben/<ed>/``; every older one becomes
``site/archiv/<ed>.tar.gz`` (the whole edition, with its data package ``downloads/datenpaket/``,
its ``daten/`` and its theme assets, so it opens on its own) and its folder
keeps one stable page (``index.html``) that says where the edition went.
"""

from __future__ import annotations

import gzip
import io
import json
import os
import re
import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path

from helpers import dateien, fmt
from helpers.publish import site as site_mod
from helpers.publish import statik

BRANCH = "ausgaben"
PATHS = ("site", "data/raw")
BROWSABLE = 24
ARCHIV = "archiv"
MARKER = site_mod.ARCHIVIERT        # in site/ausgaben/<ed>/ of an archived edition


class StoreError(Exception):
    """A problem with the store (German message)."""


def _git(root: Path, *args: str, index: Path | None = None, check: bool = True) -> subprocess.CompletedProcess:
    """git in the checkout ``root`` (its remotes and credentials), optionally with its own index
    file, so the checkout's index and branch stay untouched."""
    env = dict(os.environ, GIT_TERMINAL_PROMPT="0")
    if index is not None:
        env["GIT_INDEX_FILE"] = str(index)
    env.setdefault("GIT_AUTHOR_NAME", "Monatslauf")
    env.setdefault("GIT_AUTHOR_EMAIL", "monatslauf@localhost")
    env.setdefault("GIT_COMMITTER_NAME", env["GIT_AUTHOR_NAME"])
    env.setdefault("GIT_COMMITTER_EMAIL", env["GIT_AUTHOR_EMAIL"])
    proc = subprocess.run(["git", "-C", str(root), "-c", "core.symlinks=true", *args],
                          capture_output=True, text=True, env=env)
    if check and proc.returncode != 0:
        raise StoreError(f"git {' '.join(args[:2])} fehlgeschlagen: {proc.stderr.strip() or proc.stdout.strip()}")
    return proc


def _fetch(root: Path, store: str, branch: str) -> str | None:
    """The commit id of the store's branch (fetched into the checkout), None if it does not exist."""
    if not _git(root, "rev-parse", "--git-dir", check=False).returncode == 0:
        raise StoreError(f"{root} ist kein Git-Arbeitsordner.")
    probe = _git(root, "ls-remote", "--exit-code", "--heads", store, branch, check=False)
    if probe.returncode == 2:          # reachable, no such branch (yet)
        return None
    if probe.returncode != 0:
        raise StoreError(f"Speicher {store} nicht erreichbar: {probe.stderr.strip()}")
    _git(root, "fetch", "--quiet", "--no-tags", "--depth=1", store, f"refs/heads/{branch}")
    return _git(root, "rev-parse", "FETCH_HEAD").stdout.strip()


def restore(root: Path, store: str, branch: str = BRANCH) -> bool:
    """Bring site/ and data/raw/ of the store's newest state into ``root``.

    Files that exist in the checkout already are overwritten by the store's version; nothing is
    deleted. Returns False (and changes nothing) if the store has no such branch yet.
    """
    root = Path(root).resolve()
    rev = _fetch(root, store, branch)
    if rev is None:
        return False
    with tempfile.TemporaryDirectory(prefix="ausgaben-") as tmp:
        index = Path(tmp) / "index"
        _git(root, "read-tree", rev, index=index)
        _git(root, "checkout-index", "--all", "--force", index=index)
    return True


EXCLUDE = (":(exclude)site/.lock", ":(exclude)site/.tmp-*")   # run-time files, never part of a state


def save(root: Path, store: str, branch: str = BRANCH, message: str | None = None) -> str | None:
    """Commit site/ and data/raw/ of ``root`` as the branch's next state and push it.

    Returns the new commit id, or None when nothing changed. The push is a fast-forward on top
    of the branch; if someone else pushed meanwhile it fails (German message) instead of
    overwriting.
    """
    root = Path(root).resolve()
    if not (root / "site").is_dir():
        raise StoreError(f"{root / 'site'} fehlt: nichts zu sichern.")
    parent = _fetch(root, store, branch)
    with tempfile.TemporaryDirectory(prefix="ausgaben-") as tmp:
        index = Path(tmp) / "index"
        _git(root, "read-tree", "--empty", index=index)
        present = [p for p in PATHS if (root / p).is_dir()]
        _git(root, "add", "--force", "--all", "--", *present, *EXCLUDE, index=index)
        tree = _git(root, "write-tree", index=index).stdout.strip()
    if parent and _git(root, "rev-parse", f"{parent}^{{tree}}").stdout.strip() == tree:
        return None
    eds = [e.id for e in site_mod.editions(root / "site")]
    text = message or f"Ausgaben: {', '.join(eds[-3:]) or 'keine'} ({len(eds)} als Website)"
    rev = _git(root, "commit-tree", tree, *(["-p", parent] if parent else []), "-m", text).stdout.strip()
    _git(root, "push", "--quiet", store, f"{rev}:refs/heads/{branch}")
    return rev


# --------------------------------------------------------------------------- retention


def archived(site: Path) -> list[dict]:
    """The archived editions (oldest first) as recorded in their stable pages' marker files."""
    return site_mod._archived(site)


def _tar_gz(folder: Path, target: Path, arcname: str) -> None:
    """A reproducible .tar.gz of ``folder`` (sorted entries, fixed times and owners)."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for p in [folder, *sorted(folder.rglob("*"))]:
            info = tar.gettarinfo(str(p), arcname=(Path(arcname) / p.relative_to(folder)).as_posix())
            info.mtime, info.uid, info.gid, info.uname, info.gname = 0, 0, 0, "", ""
            if info.isfile():
                with open(p, "rb") as f:
                    tar.addfile(info, f)
            else:
                tar.addfile(info)
    def write(tmp: Path) -> None:
        with open(tmp, "wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=9) as gz:
            gz.write(buf.getvalue())

    dateien.atomic_write(target, write)


def stub_html(ed: str, monat: str, n: int, datei: str, groesse: str) -> str:
    """The page left in ausgaben/<ed>/ of an archived edition (template ``publish/archiviert.html``)."""
    from helpers import vorlagen

    return vorlagen.render("publish/archiviert.html", titel=f"Ausgabe {ed} – archiviert", refresh="", ed=ed,
                           monat=monat, n=n, archiv=ARCHIV, datei=datei, groesse=groesse) + "\n"


DOWNLOADS = "downloads"            # helpers.downloads.SITE_DIR
PAKET = "datenpaket"               # helpers.downloads.PAKET
PAKET_CSV = "kennzahlen.csv.gz"    # helpers.downloads.PAKET_CSV
EINZEL = "einzeldateien.html"      # downloads/<this>: where an older edition's download links lead
NUR_PAKET = ".nur-datenpaket"      # downloads/<this>: marker, the edition is thinned
_DOWNLOAD_A = re.compile(r"<a\b[^>]*>", re.IGNORECASE)
_DOWNLOAD_HREF = re.compile(r'\shref="((?:\.\./)*)' + DOWNLOADS + r'/(?!' + PAKET + r'/)[^"]+"')
_DOWNLOAD_ATTR = re.compile(r'\sdownload(?:="[^"]*")?(?=[\s>/])')




def nur_datenpaket(site: Path, folder: Path) -> bool:
    """Thin an edition that is no longer current: its per-page download files and the CSV form of
    its data package go, its pages' download links lead to ``downloads/einzeldateien.html`` (the
    data package stays, as Parquet). Safe to interrupt and rerun; returns True if it changed."""
    folder = Path(folder)
    dl = folder / DOWNLOADS
    if not dl.is_dir() or (dl / NUR_PAKET).exists():
        return False
    ed = site_mod.Edition.parse(folder.name)
    from helpers import vorlagen
    from helpers.book import DEMO_TEXT

    demo = DEMO_TEXT if site_mod._edition_info(site, ed).get("demo") else ""
    dateien.atomic_write_text(dl / EINZEL, vorlagen.render(
        "publish/einzeldateien.html", titel=f"Downloads der Ausgabe {ed.id}", refresh="", ed=ed.id,
        monat=site_mod.monat_text(ed.monat), paket=PAKET, demo=demo,
        zur_site="../" * 3) + "\n")      # downloads/ -> <ed>/ -> ausgaben/ -> site/

    def tag(m: re.Match) -> str:
        t = m.group(0)
        h = _DOWNLOAD_HREF.search(t)
        if not h:
            return t
        t = t.replace(h.group(0), f' href="{h.group(1)}{DOWNLOADS}/{EINZEL}"')
        return _DOWNLOAD_ATTR.sub("", t)

    for p in sorted(folder.rglob("*.html")):
        if DOWNLOADS in p.relative_to(folder).parts[:1]:
            continue
        text = p.read_text(encoding="utf-8")
        if f"{DOWNLOADS}/" not in text:
            continue
        neu = _DOWNLOAD_A.sub(tag, text)
        if neu != text:
            dateien.atomic_write_text(p, neu)
    for sub in sorted(dl.iterdir()):
        if sub.is_dir() and sub.name != PAKET:
            shutil.rmtree(sub)
    paket = dl / PAKET / "datapackage.json"
    if paket.is_file():
        desc = json.loads(paket.read_text(encoding="utf-8"))
        desc["resources"] = [r for r in desc["resources"] if r.get("path") != PAKET_CSV]
        desc["description"] = (desc.get("description", "") + " Die CSV-Fassung der Tabelle wird nur in der "
                               "aktuellen Ausgabe bereitgehalten; diese Ausgabe behält sie als Parquet "
                               "(volle Genauigkeit, Typen erhalten).").strip()
        dateien.atomic_write_text(paket, json.dumps(desc, ensure_ascii=False, indent=2) + "\n")
        (dl / PAKET / PAKET_CSV).unlink(missing_ok=True)
    kopie = folder / "daten" / "ergebnisse.parquet"   # an edition of before: its second copy of the figures
    if kopie.is_file() and (dl / PAKET / "kennzahlen.parquet").is_file():
        kopie.unlink()
    (dl / NUR_PAKET).write_text("")
    return True


def aufbewahren(site: Path, browsable: int = BROWSABLE) -> list[str]:
    """Apply the retention rule; returns the ids of the editions archived now.

    Each step is safe to interrupt: the archive file is written (atomically) before the edition
    folder is replaced by its stable page, and a rerun finishes what is left.
    """
    site = Path(site)
    eds = site_mod.editions(site)
    cur = site_mod.current(site)
    for ed in eds:   # editions published before the shared assets: theirs move there too
        if statik.teilen(site, site / site_mod.AUSGABEN / ed.id) and not (site / statik.STATIK).is_symlink():
            site_mod.switch_link(site / statik.STATIK, f"{site_mod.AUSGABEN}/{statik.STATIK}")
    for ed in eds[:-1]:
        if ed != cur:
            nur_datenpaket(site, site / site_mod.AUSGABEN / ed.id)
    old = [e for e in eds[:-browsable] if e != cur] if len(eds) > browsable else []
    done = []
    for ed in old:
        folder = site / site_mod.AUSGABEN / ed.id
        (site / ARCHIV).mkdir(exist_ok=True)
        datei = f"{ed.id}.tar.gz"
        target = site / ARCHIV / datei
        statik.einbetten(site, folder)      # the archive opens on its own: shared assets back inside
        _tar_gz(folder, target, ed.id)
        size = target.stat().st_size
        info = site_mod._edition_info(site, ed)
        stub = site / f"{site_mod.TMP_PREFIX}archiv-{ed.id}"
        shutil.rmtree(stub, ignore_errors=True)
        stub.mkdir()
        marker = {"ausgabe": ed.id, "monat": ed.monat, "korrektur": ed.korrektur,
                  "veroeffentlicht": info.get("veroeffentlicht"), "demo": info.get("demo", False),
                  "archiv": f"{ARCHIV}/{datei}", "bytes": size}
        (stub / MARKER).write_text(json.dumps(marker, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        groesse = fmt.zahl(size / 1e6, 1, " MB")
        (stub / "index.html").write_text(stub_html(ed.id, site_mod.monat_text(ed.monat), browsable, datei, groesse),
                                         encoding="utf-8")
        aside = site / f"{site_mod.TMP_PREFIX}weg-{ed.id}"
        os.rename(folder, aside)
        os.rename(stub, folder)
        shutil.rmtree(aside, ignore_errors=True)
        done.append(ed.id)
    if done:
        statik.aufraeumen(site)
        site_mod.write_index(site)
    return done


# --------------------------------------------------------------------------- CLI


def _cmd(args) -> int:
    import sys

    from helpers import paths

    root = Path(args.root or paths.ROOT)
    try:
        if args.aktion == "holen":
            if restore(root, args.store, args.branch):
                eds = site_mod.editions(root / "site")
                print(f"Ausgaben aus {args.store} ({args.branch}) geholt: {len(eds)} durchsuchbar, "
                      f"{len(archived(root / 'site'))} archiviert.")
            else:
                print(f"Im Speicher {args.store} gibt es den Zweig {args.branch} noch nicht.")
                return 3
        elif args.aktion == "sichern":
            rev = save(root, args.store, args.branch)
            print(f"Ausgaben gesichert in {args.store} ({args.branch}): "
                  + (rev[:12] if rev else "unverändert") + ".")
        else:
            done = aufbewahren(root / "site", args.behalten)
            print("Archiviert: " + (", ".join(done) if done else "nichts") + ".")
    except (StoreError, site_mod.SiteError) as exc:
        print(f"Fehler: {exc}", file=sys.stderr)
        return 1
    return 0


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "ausgaben", help="Ausgaben dauerhaft sichern/holen (Git-Zweig) und ältere archivieren",
        description="holen: site/ und data/raw/ aus dem Speicher (Git-Zweig) holen; sichern: den Stand "
                    "dort ablegen; aufbewahren: nur die letzten Ausgaben als Website, ältere als Archivdatei.")
    p.add_argument("aktion", choices=["holen", "sichern", "aufbewahren"])
    p.add_argument("--store", default="origin", help="Git-Repository des Speichers (Standard: origin)")
    p.add_argument("--branch", default=BRANCH, help="Zweig im Speicher (Standard: %(default)s)")
    p.add_argument("--root", help="Arbeitsordner mit site/ und data/raw/ (Standard: das Repository)")
    p.add_argument("--behalten", type=int, default=BROWSABLE,
                   help="so viele Ausgaben bleiben als Website (Standard: %(default)s)")
    p.set_defaults(func=_cmd)
