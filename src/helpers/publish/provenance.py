"""Provenance of an edition: the "Über diese Ausgabe" page, provenienz.json and the page footer.

The monthly run writes ``book/generated/provenienz.json`` and
``book/generated/ueber-diese-ausgabe.md`` before the book is built, so the page is part of the
book and the build can put ``footer_html()`` into every page's footer.
"""

from __future__ import annotations

import importlib.metadata as md
import json
import platform
import subprocess
from pathlib import Path

from helpers.publish.site import monat_text

PAGE_NAME = "ueber-diese-ausgabe"          # book/generated/ueber-diese-ausgabe.md
PROVENANCE_FILE = "provenienz.json"        # book/generated/provenienz.json and in each edition
# Distributions reported (pip freeze subset), with the name shown.
SOFTWARE = {
    "jupyter-book": "jupyter-book", "sphinx": "sphinx", "pandas": "pandas", "altair": "altair",
    "papermill": "papermill", "kennzahlen-handbuch-helpers": "helpers",
}
DEMO_TEXT = "Demodaten: Die Zahlen dieser Ausgabe sind synthetisch erzeugt und keine amtlichen Werte."


def datum_text(iso: str) -> str:
    """'2026-09-03' -> '03.09.2026'."""
    y, m, d = iso[:10].split("-")
    return f"{d}.{m}.{y}"


def software_versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for dist, shown in SOFTWARE.items():
        try:
            out[shown] = md.version(dist)
        except md.PackageNotFoundError:
            out[shown] = "nicht installiert"
    return out


def git_commit(root: Path) -> str | None:
    try:
        res = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True, text=True,
                             timeout=10, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return res.stdout.strip() or None if res.returncode == 0 else None


def provenance(*, edition: str, korrektur: int, meta: dict, published: str, built_at: str,
               root: Path, previous: str | None, raw_folder: str) -> dict:
    """The provenance record of one edition (what the Über-diese-Ausgabe page shows)."""
    return {
        "ausgabe": edition,
        "korrektur": korrektur,
        "datenstand": meta["datenstand"],
        "erster_monat": meta.get("erster_monat"),
        "veroeffentlicht": published,
        "erstellt": built_at,
        "demo": bool(meta.get("demo")),
        "vergleichstypen_synthetisch": bool(meta.get("vergleichstypen_synthetisch")),
        "vorherige_ausgabe": previous,
        "eingaben": {k: dict(v) for k, v in sorted(meta.get("quellen", {}).items())},
        "lieferung": raw_folder,
        "software": software_versions(),
        "code": git_commit(root),
    }


def footer_text(prov: dict) -> str:
    """One line for every page, e.g. 'Ausgabe 2026-08 · Datenstand August 2026 · Demodaten · …'."""
    parts = [f"Ausgabe {prov['ausgabe']}", f"Datenstand {monat_text(prov['datenstand'])}"]
    if prov.get("korrektur"):
        parts.append(f"Korrektur {prov['korrektur']}")
    parts.append("Demodaten" if prov.get("demo") else "amtliche Daten der Statistik der BA")
    parts.append(f"veröffentlicht {datum_text(prov['veroeffentlicht'])}")
    hashes = ", ".join(f"{k} {v['sha256'][:12]}" for k, v in prov.get("eingaben", {}).items())
    if hashes:
        parts.append(f"Eingaben sha256 {hashes}")
    return " · ".join(parts)


def matches(prov: dict, meta: dict) -> bool:
    """Whether a provenance record belongs to the mart described by ``meta`` (same inputs)."""
    return (prov.get("datenstand") == meta.get("datenstand")
            and prov.get("eingaben") == {k: dict(v) for k, v in sorted(meta.get("quellen", {}).items())})


def footer_html(prov: dict | None = None, root: Path | None = None, meta: dict | None = None) -> str:
    """The footer as HTML (for html_theme_options.extra_footer); '' if there is no edition.

    Without ``prov`` it reads book/generated/provenienz.json under ``root`` (the project root),
    written by the monthly run. With ``meta`` (the mart's meta.json) a record that belongs to
    other data (an old monthly run, then ``make book`` on other inputs) is ignored.
    """
    if prov is None:
        from helpers import paths

        path = Path(root or paths.ROOT) / "book" / "generated" / PROVENANCE_FILE
        if not path.is_file():
            return ""
        prov = json.loads(path.read_text(encoding="utf-8"))
    if meta is not None and not matches(prov, meta):
        return ""
    from helpers import vorlagen

    return vorlagen.render("teile/provenienz.html", text=footer_text(prov))


def page_markdown(prov: dict, changes_md: str, hinweis: str | None) -> str:
    """The German "Über diese Ausgabe" page (MyST Markdown)."""
    lines = ["(ueber-diese-ausgabe)=", "# Über diese Ausgabe", ""]
    if prov["demo"]:
        lines += [":::{note}", DEMO_TEXT, ":::", ""]
    if hinweis:
        lines += [":::{important}", hinweis, ":::", ""]
    lines += [
        "| | |", "|---|---|",
        f"| Ausgabe | {prov['ausgabe']}{' (Korrektur ' + str(prov['korrektur']) + ')' if prov['korrektur'] else ''} |",
        f"| Datenstand | {monat_text(prov['datenstand'])} |",
        f"| Erster Monat der Datenreihe | {monat_text(prov['erster_monat']) if prov.get('erster_monat') else '–'} |",
        f"| Veröffentlicht am | {datum_text(prov['veroeffentlicht'])} |",
        f"| Erstellt | {datum_text(prov['erstellt'][:10])}, {prov['erstellt'][11:16]} Uhr |",
        f"| Daten | {'Demodaten (synthetisch, keine amtlichen Zahlen)' if prov['demo'] else 'Lieferung der Statistik der BA'} |",
        f"| Vorherige Ausgabe | {prov['vorherige_ausgabe'] or '–'} |",
        "",
        "## Eingabedateien", "",
        "Die Prüfsummen (SHA-256) belegen, aus welchen Dateien diese Ausgabe berechnet wurde.", "",
        "| Tabelle | Datei | SHA-256 |", "|---|---|---|",
    ]
    for table, q in prov["eingaben"].items():
        lines.append(f"| {table} | {q['datei']} | `{q['sha256']}` |")
    lines += ["", "## Software", "", "| Paket | Version |", "|---|---|"]
    for name, version in prov["software"].items():
        lines.append(f"| {name} | {version} |")
    if prov.get("code"):
        lines += ["", f"Programmstand (Git): `{prov['code']}`"]
    lines += ["", 'Alle Zahlen dieser Ausgabe – alle Ebenen, Monate und Geschlechter mit Zähler und Nenner – '
              'stehen im <a class="download-paket" href="../../downloads/datenpaket/datapackage.json">Datenpaket '
              "dieser Ausgabe</a> (CSV und Parquet, Frictionless Data Package). Der Ordner `daten/` der Ausgabe "
              "enthält die Beschreibung des Datenbestands (`meta.json`) und die Liste der Jobcenter "
              "(`jobcenter.parquet`), die Änderungen stehen maschinenlesbar in `aenderungen.json`.", "",
              changes_md.rstrip(), ""]
    return "\n".join(lines)
