"""What an edition weighs, by kind of file (issue #15: editions that last).

``zusammensetzung(folder)`` sums the bytes of an edition folder (or a built ``_build/html``) by
kind; ``tabelle`` prints it as a German Markdown table (README "Messwerte", test output).
"""

from __future__ import annotations

from pathlib import Path

ARTEN = (   # key, German label
    ("seiten", "Seiten (HTML)"),
    ("suche", "Suchindex (searchindex.js)"),
    ("statik", "Theme und Skripte (_static/)"),
    ("einzeln", "Downloads je Seite (CSV, XLSX)"),
    ("paket", "Datenpaket (downloads/datenpaket/)"),
    ("daten", "daten/ (meta.json, Jobcenter-Liste)"),
    ("sonst", "Sonstiges (Bilder, Berichte, objects.inv …)"),
)


def art(rel: Path) -> str:
    """The kind of a file, from its path relative to the edition folder."""
    teile = rel.parts
    if teile[0] == "_static":
        return "statik"
    if teile[0] == "downloads":
        return "paket" if len(teile) > 1 and teile[1] == "datenpaket" else "einzeln"
    if teile[0] == "daten":
        return "daten"
    if rel.name == "searchindex.js":
        return "suche"
    if rel.suffix == ".html":
        return "seiten"
    return "sonst"


def zusammensetzung(folder: Path) -> dict[str, int]:
    """Bytes per kind (ARTEN keys) of the regular files in folder (symlinks not followed)."""
    folder = Path(folder)
    out = {k: 0 for k, _ in ARTEN}
    for p in folder.rglob("*"):
        if p.is_file() and not p.is_symlink():
            out[art(p.relative_to(folder))] += p.stat().st_size
    return out


def mb(n: int) -> str:
    from helpers import fmt

    return fmt.zahl(n / 1e6, 1)


def tabelle(spalten: dict[str, dict[str, int]]) -> str:
    """German Markdown table: one row per kind, one column per measured folder (MB)."""
    namen = list(spalten)
    zeilen = ["| Art | " + " | ".join(namen) + " |", "|---|" + "---:|" * len(namen)]
    for k, label in ARTEN:
        zeilen.append(f"| {label} | " + " | ".join(mb(spalten[n][k]) for n in namen) + " |")
    zeilen.append("| **zusammen** | " + " | ".join(f"**{mb(sum(spalten[n].values()))}**" for n in namen) + " |")
    return "\n".join(zeilen)
