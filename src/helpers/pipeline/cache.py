"""Cache keys and the manifest of executed pages.

A page is executed again only when its key changes. The key is a sha256 over
  - the template file's bytes,
  - the helpers package source (every .py file under src/helpers, path and content),
  - the page's resolved parameters, title and output path,
  - the data: the content hash of every file in the mart folder (never mtimes).
The manifest (book/seiten/.manifest.json) maps each output path to its key and the
sha256 of the written page; it is written atomically.
"""

from __future__ import annotations

import hashlib

from helpers.dateien import atomic_write_bytes  # noqa: F401  (re-exported for callers)
from helpers.io import file_sha256  # noqa: F401  (re-exported for callers)
import json
import os
import re
from pathlib import Path
from typing import Any

# Bump when the way pages are post-processed changes in a way the source hash misses.
FORMAT = 1
MANIFEST = Path("book/seiten/.manifest.json")
PART_LABELS = {"template": "Vorlage geändert", "source": "helpers-Code geändert", "data": "Daten geändert"}


def tree_digest(folder: Path, pattern: str) -> str:
    """Hash over the relative paths and contents of the files matching pattern (sorted)."""
    h = hashlib.sha256()
    files = sorted(p for p in folder.rglob(pattern) if p.is_file() and "__pycache__" not in p.parts)
    for p in files:
        h.update(p.relative_to(folder).as_posix().encode())
        h.update(b"\0")
        h.update(file_sha256(p).encode())
    return h.hexdigest()


def source_digest(package_dir: Path) -> str:
    """The helpers package source: all .py files and the HTML templates (helpers/templates)."""
    code = tree_digest(package_dir, "*.py")
    if not (package_dir / "templates").is_dir():
        return code
    return hashlib.sha256(f"{code}\0{tree_digest(package_dir / 'templates', '*.html')}".encode()).hexdigest()


def with_site(source_sha: str, site: str) -> str:
    """The source part of a page key with the site model's hash (``Plan.site``): the links on
    every page follow the sets' outputs in pages.yml."""
    return hashlib.sha256(f"{source_sha}\0{site}".encode()).hexdigest() if site else source_sha


def data_digest(mart_dir: Path) -> str:
    """Content hashes of the mart's files (parquet + meta.json), not their mtimes."""
    h = hashlib.sha256()
    for p in sorted(mart_dir.iterdir()):
        if p.is_file() and not p.name.startswith("."):
            h.update(p.name.encode())
            h.update(b"\0")
            h.update(file_sha256(p).encode())
    return h.hexdigest()


def canonical(obj: Any) -> str:
    return json.dumps(obj, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def page_key(*, template_sha: str, source_sha: str, data_sha: str, parameters: dict[str, Any],
             title: str, output: str) -> str:
    payload = canonical({
        "format": FORMAT, "template": template_sha, "source": source_sha, "data": data_sha,
        "parameters": parameters, "title": title, "output": output,
    })
    return hashlib.sha256(payload.encode()).hexdigest()


_TEMP = re.compile(r"^\..+\.(\d+)-[^.]+\.tmp$")


def clean_dead_temps(folder: Path) -> list[Path]:
    """Remove temp files of atomic_write_bytes left by a killed writer (its pid is gone)."""
    removed = []
    if not Path(folder).is_dir():
        return removed
    for p in Path(folder).rglob(".*.tmp"):
        m = _TEMP.match(p.name)
        if not m or not p.is_file():
            continue
        try:
            os.kill(int(m.group(1)), 0)
            continue                       # the writer still runs
        except ProcessLookupError:
            pass
        except PermissionError:
            continue
        p.unlink(missing_ok=True)
        removed.append(p)
    return removed


class Manifest:
    """output path -> {"key", "sha256", "set", "id"}; loaded leniently, written atomically."""

    def __init__(self, path: Path):
        self.path = path
        self.entries: dict[str, dict[str, str]] = {}
        if path.exists():
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
                self.entries = dict(data.get("pages", {}))
            except (ValueError, AttributeError):
                self.entries = {}   # a damaged manifest only costs a full rerun

    def stale_reason(self, root: Path, output: str, key: str, parts: dict[str, str]) -> str | None:
        """None if the page is current, else why it must run (German, for the summary)."""
        entry = self.entries.get(output)
        if not entry:
            return "neu"
        if entry.get("key") != key:
            old = entry.get("parts", {})
            for part, label in PART_LABELS.items():
                if old.get(part) != parts.get(part):
                    return label
            return "Parameter/Titel geändert"
        out = root / output
        if not out.exists():
            return "Seite fehlt"
        if file_sha256(out) != entry.get("sha256"):
            return "Seite von Hand geändert"
        return None

    def record(self, output: str, key: str, sha: str, set_: str, id_: str,
               parts: dict[str, str] | None = None) -> None:
        self.entries[output] = {"key": key, "sha256": sha, "set": set_, "id": id_, "parts": parts or {}}

    def forget(self, output: str) -> None:
        self.entries.pop(output, None)

    def save(self) -> None:
        data = {"format": FORMAT, "pages": dict(sorted(self.entries.items()))}
        atomic_write_bytes(self.path, (json.dumps(data, indent=1, ensure_ascii=False) + "\n").encode())
