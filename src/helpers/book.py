"""The book: table of contents and index pages from the data, and the offline site build.

Commands (German messages):

* ``python -m helpers toc``   — writes ``_toc.yml`` and ``book/generated/*.md`` from the mart.
* ``python -m helpers build`` — builds the Jupyter Book 1 site (execution off, warnings are
  errors) into ``_build/html`` or ``--out``; run-time values (Datenstand, demo banner, MyST
  start page values) are passed as Sphinx overrides, the committed ``_config.yml`` stays untouched.

Only files that exist are listed in the TOC, so a partial page set still builds.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from helpers import paths, sitemodel, vorlagen
from helpers import fmt
from helpers.fmt import MONATE
from helpers.mdsafe import md_text
from helpers.kennzahlen import LAENDER, TRAEGERART_LABEL

# --------------------------------------------------------------------------------------------
# Constants

PAGE_SUFFIXES = (".ipynb", ".md")
HILFE_SECTIONS = (
    "ziel1", "ziel2", "ziel3", "zielsteuerung", "vergleichstypen", "datengrundlage", "methoden", "glossar", "quellen",
)
DEMO_TEXT = (
    "Demodaten: Alle Zahlen in diesem Handbuch sind synthetisch erzeugt und keine amtlichen Werte."
)
VT_SYNTH_TEXT = (
    "Die Zuordnung der Jobcenter zu Vergleichstypen ist in dieser Ausgabe synthetisch "
    "und nicht die amtliche Zuordnung."
)
# Vendored libraries copied from node_modules into the site at build time (not committed).
VENDOR_LIBS = {
    "vega.min.js": "vega/build/vega.min.js",
    "vega-lite.min.js": "vega-lite/build/vega-lite.min.js",
    "vega-embed.min.js": "vega-embed/build/vega-embed.min.js",
}

# Keys the committed _config.yml must have (dotted path -> expected type).
REQUIRED_CONFIG = {
    "title": str,
    "only_build_toc_files": bool,
    "execute.execute_notebooks": str,
    "sphinx.recursive_update": bool,
    "sphinx.config.language": str,
    "sphinx.config.html_static_path": list,
    "sphinx.config.html_js_files": list,
    "sphinx.config.html_css_files": list,
    "sphinx.config.nb_ipywidgets_js": dict,
    "sphinx.config.extensions": list,
    "sphinx.config.handbuch_werte": dict,
    "sphinx.config.html_theme_options": dict,
}
FORBIDDEN_EXTENSIONS = ("sphinx_thebe", "sphinx.ext.intersphinx", "sphinx.ext.mathjax")


class BuchFehler(Exception):
    """A user-facing error of the book commands (German message)."""


# --------------------------------------------------------------------------------------------
# Configuration


def validate_config(cfg: Any) -> dict:
    """Check the parsed _config.yml; raise BuchFehler naming every problem."""
    if not isinstance(cfg, dict):
        raise BuchFehler("_config.yml: erwartet wird eine YAML-Zuordnung (Schlüssel: Wert).")
    problems: list[str] = []
    for dotted, typ in REQUIRED_CONFIG.items():
        node: Any = cfg
        for part in dotted.split("."):
            node = node.get(part) if isinstance(node, dict) else None
            if node is None:
                break
        if node is None:
            problems.append(f"Schlüssel fehlt: {dotted}")
        elif not isinstance(node, typ):
            problems.append(f"{dotted}: erwartet {typ.__name__}, gefunden {type(node).__name__}")
    if not problems:
        sc = cfg["sphinx"]["config"]
        if cfg["execute"]["execute_notebooks"] != "off":
            problems.append("execute.execute_notebooks muss \"off\" sein (Seiten laufen vorher mit papermill)")
        if cfg["only_build_toc_files"] is not True:
            problems.append("only_build_toc_files muss true sein")
        if sc["language"] != "de":
            problems.append("sphinx.config.language muss \"de\" sein")
        if sc["nb_ipywidgets_js"]:
            problems.append("sphinx.config.nb_ipywidgets_js muss {} sein (sonst lädt die Seite von einem CDN)")
        if "_static" in sc["html_static_path"]:
            problems.append("html_static_path darf nicht _static enthalten")
        for name in ("vega-init.js",):
            if name not in sc["html_js_files"]:
                problems.append(f"html_js_files muss {name} enthalten")
        for ext in FORBIDDEN_EXTENSIONS:
            if ext in sc["extensions"]:
                problems.append(f"Erweiterung {ext} lädt Inhalte von außen und ist nicht erlaubt")
        if "substitution" in ((cfg.get("parse") or {}).get("myst_enable_extensions") or []):
            problems.append("parse.myst_enable_extensions: substitution ist nicht erlaubt (Jinja auf Daten)")
        if "helpers.buchwerte" not in sc["extensions"]:
            problems.append("Erweiterung helpers.buchwerte fehlt (Datenstand auf der Startseite)")
        if "myst_nb" not in sc["extensions"]:
            problems.append("Erweiterung myst_nb fehlt")
    if not problems:
        # Jupyter Book's own schema (unknown top-level keys, wrong types)
        from jupyter_book.config import get_validator

        from jupyter_book.config import PATH_YAML_DEFAULT

        known = set(get_validator().schema.get("properties", {}))
        known |= set(yaml.safe_load(PATH_YAML_DEFAULT.read_text(encoding="utf-8")))
        for key in sorted(set(cfg) - known):
            problems.append(f"unbekannter Schlüssel: {key} (Tippfehler?)")
        for err in sorted(get_validator().iter_errors(cfg), key=lambda e: list(e.path)):
            problems.append(f"{'/'.join(map(str, err.path)) or '(oben)'}: {err.message}")
    if problems:
        raise BuchFehler("_config.yml ist ungültig:\n  - " + "\n  - ".join(problems))
    return cfg


def load_config(path: Path) -> dict:
    if not path.exists():
        raise BuchFehler(f"Konfiguration nicht gefunden: {path}")
    try:
        cfg = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise BuchFehler(f"_config.yml ist kein gültiges YAML: {exc}") from exc
    return validate_config(cfg)


# --------------------------------------------------------------------------------------------
# Data access (the mart; its files are the documented interface)


def read_meta(mart_dir: Path | None = None) -> dict:
    path = Path(mart_dir or paths.MART_DIR) / "meta.json"
    if not path.exists():
        raise BuchFehler(
            f"Datenbestand fehlt: {path} nicht gefunden. Bitte zuerst `make mart` ausführen."
        )
    return json.loads(path.read_text(encoding="utf-8"))


def read_jobcenter(mart_dir: Path | None = None):
    """The Jobcenter master table of the mart (jobcenter_id as string)."""
    import pandas as pd

    if mart_dir is None:
        from helpers import mart

        return mart.load().jobcenter
    path = Path(mart_dir) / "jobcenter.parquet"
    if not path.exists():
        raise BuchFehler(f"Datenbestand fehlt: {path} nicht gefunden. Bitte zuerst `make mart` ausführen.")
    return pd.read_parquet(path)


def datenstand_text(monat: str) -> str:
    """'2026-08' -> 'August 2026'."""
    m = re.fullmatch(r"(\d{4})-(\d{2})", str(monat))
    if not m or not 1 <= int(m.group(2)) <= 12:
        raise BuchFehler(f"meta.json: Datenstand {monat!r} ist kein Monat im Format JJJJ-MM")
    return f"{MONATE[int(m.group(2)) - 1]} {m.group(1)}"


def demo_hinweis(meta: dict) -> str:
    parts = []
    if meta.get("demo"):
        parts.append(DEMO_TEXT)
    if meta.get("vergleichstypen_synthetisch"):
        parts.append(VT_SYNTH_TEXT)
    return " ".join(parts)


def runtime_overrides(meta: dict) -> dict:
    """Sphinx config overrides derived from the data (merged recursively into _config.yml)."""
    hinweis = demo_hinweis(meta)
    announcement = (
        vorlagen.render("teile/demo_banner.html", hinweis=hinweis) if hinweis else ""
    )
    from helpers.publish.provenance import footer_html

    return {
        "handbuch_werte": {
            "datenstand": datenstand_text(meta["datenstand"]),
            "demo_hinweis": hinweis,
        },
        # The edition's provenance line on every page ('' outside a monthly run).
        "html_theme_options": {"announcement": announcement, "extra_footer": footer_html(meta=meta)},
    }


def edition_page(root: Path, meta: dict) -> str | None:
    """The monthly run's "Über diese Ausgabe" page, if it belongs to the data being built."""
    from helpers.publish.provenance import footer_html

    doc = page_doc(root, "book/generated/ueber-diese-ausgabe")
    return doc if doc and footer_html(root=root, meta=meta) else None


# --------------------------------------------------------------------------------------------
# Table of contents and generated pages


def page_doc(root: Path, rel_no_suffix: str) -> str | None:
    """The TOC entry (path without suffix) if the page exists as .ipynb or .md."""
    for suffix in PAGE_SUFFIXES:
        if (root / f"{rel_no_suffix}{suffix}").is_file():
            return rel_no_suffix
    return None


def page_file(root: Path, rel_no_suffix: str) -> str | None:
    for suffix in PAGE_SUFFIXES:
        if (root / f"{rel_no_suffix}{suffix}").is_file():
            return f"{rel_no_suffix}{suffix}"
    return None


_ROMAN = {"I": 1, "V": 5, "X": 10}


def vt_sort_key(code: str) -> tuple:
    """Ia < Ib < … < IIa < … < IIIe (Roman numeral, then suffix)."""
    m = re.match(r"^([IVX]+)(.*)$", str(code))
    if not m:
        return (99, str(code))
    total, prev = 0, 0
    for ch in reversed(m.group(1)):
        v = _ROMAN[ch]
        total = total - v if v < prev else total + v
        prev = max(prev, v)
    return (total, m.group(2))


_NAME_PREFIX = re.compile(
    r"^(?:(?:Kommunales|Kommunale|Grafschafter)\s+)?Jobcenter\s+(?:(?:im|in der|der|des)\s+)?"
    r"(?:(?:Land)?[Kk]reis(?:es)?\s+|Stadt\s+|Region\s+|Städteregion\s+)?"
)
_FOLD = str.maketrans({"Ä": "A", "Ö": "O", "Ü": "U", "ä": "a", "ö": "o", "ü": "u", "ß": "ss"})


def sort_name(name: str) -> str:
    """The distinctive part of a Jobcenter name ('Jobcenter Kreis Pinneberg' -> 'Pinneberg')."""
    stripped = _NAME_PREFIX.sub("", str(name)).strip()
    return stripped or str(name)


def _fold(s: str) -> str:
    return s.translate(_FOLD).casefold()


def _md_escape(text: str) -> str:
    return md_text(text)


@dataclass
class Pages:
    """Which pages exist, found through the site model (``helpers.sitemodel``): ``kind`` is an
    entity kind (jobcenter, vergleichstyp, land, bund); TOC entries are without suffix."""

    root: Path
    model: sitemodel.SiteModel

    def doc(self, kind: str, page_id: str) -> str | None:
        return page_doc(self.root, self.model.doc(kind, page_id)) if self.model.hat(kind) else None

    def link(self, from_dir: str, kind: str, page_id: str, text: str) -> str:
        """A MyST link from a page in from_dir (e.g. 'book/generated') if the page exists."""
        f = page_file(self.root, self.model.doc(kind, page_id)) if self.model.hat(kind) else None
        if f is None:
            return _md_escape(text)
        rel = os.path.relpath(f, from_dir)
        return f"[{_md_escape(text)}]({Path(rel).as_posix()})"

    def user_sets(self) -> list[str]:
        """Folders under book/seiten that hold no declared set (parameters/eigene/, Vergleichsringe)."""
        base = self.root / sitemodel.PAGES_ROOT
        if not base.is_dir():
            return []
        return sorted(
            p.name for p in base.iterdir()
            if p.is_dir() and p.name not in self.model.ordner() and not p.name.startswith((".", "_"))
        )


def _frame(jobcenter):
    jc = jobcenter.copy()
    jc["jobcenter_id"] = jc["jobcenter_id"].astype(str)
    if "land_name" not in jc.columns:
        jc["land_name"] = jc["land"].map(LAENDER)
    if "ort" not in jc.columns:
        jc["ort"] = ""
    jc["ort"] = jc["ort"].fillna("")
    jc["vergleichstyp"] = jc["vergleichstyp"].fillna("").astype(str)
    jc["_sort"] = jc["name"].map(lambda n: _fold(sort_name(n)))
    return jc.sort_values(["_sort", "jobcenter_id"], kind="stable")


def _header(title: str, meta: dict, intro: str) -> list[str]:
    lines = [f"# {title}", ""]
    hinweis = demo_hinweis(meta)
    if hinweis:
        lines += [":::{note}", hinweis, ":::", ""]
    lines += [intro, ""]
    return lines


def render_a_z(jc, meta: dict, pages: Pages) -> str:
    here = "book/generated"
    lines = _header(
        "Jobcenter von A bis Z", meta,
        f"Alle {len(jc)} Jobcenter, alphabetisch nach dem Ortsteil des Namens "
        "(zum Beispiel steht „Jobcenter Kreis Pinneberg“ unter P). "
        "Die Suche oben findet Jobcenter auch über den Ort.",
    )
    def initial(s: str) -> str:
        first = _fold(s)[:1].upper()
        return first if first.isascii() and first.isalpha() else "0"   # digits, symbols: one group

    def label(b: str) -> str:
        return "Andere" if b == "0" else b

    letters = sorted({initial(s) for s in jc["_sort"] if s})
    lines += [" · ".join(f"[{label(b)}](#buchstabe-{b.lower()})" for b in letters), ""]
    for letter in letters:
        group = jc[jc["_sort"].map(lambda s: initial(s) == letter)]
        lines += [f"({'buchstabe-' + letter.lower()})=", f"## {label(letter)}", ""]
        lines += ["| Jobcenter | Ort | Land | Trägerart | Vergleichstyp |", "|---|---|---|---|---|"]
        for r in group.itertuples(index=False):
            vt = pages.link(here, "vergleichstyp", r.vergleichstyp, r.vergleichstyp) if r.vergleichstyp else "–"
            lines.append(
                f"| {pages.link(here, 'jobcenter', r.jobcenter_id, r.name)} | {_md_escape(r.ort) or '–'} "
                f"| {_md_escape(r.land_name)} | {_md_escape(r.traegerart)} | {vt} |"
            )
        lines.append("")
    return "\n".join(lines)


def render_nach_land(jc, meta: dict, pages: Pages) -> str:
    here = "book/generated"
    lines = _header(
        "Jobcenter nach Ländern", meta,
        "Die Jobcenter jedes Landes mit Trägerart und Vergleichstyp. "
        "Trägerart: gE = " + TRAEGERART_LABEL["gE"].split(" (")[0] + ", zkT = "
        + TRAEGERART_LABEL["zkT"].split(" (")[0] + ".",
    )
    for land in sorted(jc["land"].unique()):
        group = jc[jc["land"] == land]
        name = group["land_name"].iloc[0]
        lines += [f"## {_md_escape(name)}", ""]
        land_link = pages.link(here, "land", land, f"Seite des Landes {name}")
        n_ge = int((group["traegerart"] == "gE").sum())
        lines += [f"{len(group)} Jobcenter ({n_ge} gE, {len(group) - n_ge} zkT). {land_link if pages.doc('land', land) else ''}".rstrip(), ""]
        lines += ["| Jobcenter | Ort | Trägerart | Vergleichstyp |", "|---|---|---|---|"]
        for r in group.itertuples(index=False):
            vt = pages.link(here, "vergleichstyp", r.vergleichstyp, r.vergleichstyp) if r.vergleichstyp else "–"
            lines.append(
                f"| {pages.link(here, 'jobcenter', r.jobcenter_id, r.name)} | {_md_escape(r.ort) or '–'} "
                f"| {_md_escape(r.traegerart)} | {vt} |"
            )
        lines.append("")
    return "\n".join(lines)


def render_vergleichstypen(jc, meta: dict, pages: Pages) -> str:
    here = "book/generated"
    intro = (
        "Jedes Jobcenter gehört zu genau einem Vergleichstyp. Jobcenter eines Typs arbeiten unter "
        "ähnlichen Bedingungen und werden miteinander verglichen."
    )
    lines = _header("Vergleichstypen im Überblick", meta, intro)
    types = sorted((t for t in jc["vergleichstyp"].unique() if t), key=vt_sort_key)
    lines += ["| Vergleichstyp | Jobcenter | davon gE | davon zkT |", "|---|---:|---:|---:|"]
    for t in types:
        g = jc[jc["vergleichstyp"] == t]
        n_ge = int((g["traegerart"] == "gE").sum())
        lines.append(f"| {pages.link(here, 'vergleichstyp', t, 'Vergleichstyp ' + t)} | {len(g)} | {n_ge} | {len(g) - n_ge} |")
    lines.append("")
    for t in types:
        g = jc[jc["vergleichstyp"] == t]
        lines += [f"## Vergleichstyp {_md_escape(t)}", ""]
        lines += [", ".join(pages.link(here, "jobcenter", r.jobcenter_id, r.name) for r in g.itertuples(index=False)), ""]
    return "\n".join(lines)


def _entity_ids(kind: str, jc) -> list[str]:
    """The ids of an entity kind in TOC order (Jobcenter: by the distinctive part of the name)."""
    if kind == "jobcenter":
        return list(jc["jobcenter_id"])
    if kind == "bund":
        return ["DE"]
    ids = {str(x) for x in jc[kind].unique() if str(x)}
    return sorted(ids, key=vt_sort_key) if kind == "vergleichstyp" else sorted(ids)


def _set_chapters(saetze: tuple[str, ...], model: sitemodel.SiteModel, jc, pages: Pages) -> list[dict]:
    """The chapters of a TOC part of page sets: the first set's pages, the second's nested
    under their parent page (or as chapters of their own where that page is missing)."""
    oben = model.saetze[saetze[0]]
    docs = [(i, d) for i in _entity_ids(oben.entities, jc) if (d := page_doc(pages.root, oben.doc(i)))]
    if len(saetze) == 1:
        return [{"file": d} for _, d in docs]
    unten = model.saetze[saetze[1]]
    ids = _entity_ids(unten.entities, jc)
    if oben.entities == "bund":
        parent = dict.fromkeys(ids, "DE")
    else:   # Jobcenter under their Vergleichstyp, Land or Trägerart
        parent = dict(zip(jc["jobcenter_id"], jc[oben.entities].astype(str)))
    kinder: dict[str, list[str]] = {}
    for i in ids:
        d = page_doc(pages.root, unten.doc(i))
        if d:
            kinder.setdefault(parent.get(i, ""), []).append(d)
    chapters: list[dict] = []
    oben_ids = {i for i in _entity_ids(oben.entities, jc)}
    vorhanden = dict(docs)
    for i in _entity_ids(oben.entities, jc):
        members = kinder.get(i, [])
        if i in vorhanden:
            entry: dict[str, Any] = {"file": vorhanden[i]}
            if members:
                entry["sections"] = [{"file": d} for d in members]
            chapters.append(entry)
        else:
            chapters.extend({"file": d} for d in members)
    for p, members in kinder.items():   # pages without a parent entity (e.g. no Vergleichstyp)
        if p not in oben_ids:
            chapters.extend({"file": d} for d in members)
    return chapters


def _own_chapters(root: Path, pages: Pages) -> list[dict]:
    """User page sets (parameters/eigene/, Vergleichsringe): an index page with the rest below it."""
    own = []
    for set_name in pages.user_sets():
        base = root / sitemodel.PAGES_ROOT / set_name
        docs = sorted({
            f"{sitemodel.PAGES_ROOT}{set_name}/{p.stem}" for p in base.iterdir()
            if p.is_file() and p.suffix in PAGE_SUFFIXES and not p.name.startswith((".", "_"))
        })
        index = f"{sitemodel.PAGES_ROOT}{set_name}/index"
        if index in docs:
            rest = [d for d in docs if d != index]
            own.append({"file": index, **({"sections": [{"file": d} for d in rest]} if rest else {})})
        else:
            own.extend({"file": d} for d in docs)
    return own


GENERATED = ("jobcenter-a-z", "jobcenter-nach-land", "vergleichstypen")


def build_toc(jobcenter, meta: dict, root: Path, model: sitemodel.SiteModel | None = None) -> dict:
    """The sphinx-external-toc structure (jb-book) of the existing pages, derived from the data;
    parts, their captions and order and where each page set stands: the site model
    (``parameters/pages.yml`` of the project unless ``model`` is given)."""
    model = model or sitemodel.laden()
    jc = _frame(jobcenter)
    pages = Pages(root, model)
    toc: dict[str, Any] = {"format": "jb-book", "root": "book/intro"}
    parts: list[dict] = []
    for teil in model.teile:
        if teil.saetze:
            chapters = _set_chapters(teil.saetze, model, jc, pages)
        elif teil.inhalt == "lesehilfe":
            chapters = [{"file": d} for d in [page_doc(root, "book/lesehilfe")] if d]
        elif teil.inhalt == "verzeichnisse":   # written by write_toc
            chapters = [{"file": f"book/generated/{n}"} for n in GENERATED]
        elif teil.inhalt == "eigene":
            chapters = _own_chapters(root, pages)
        elif teil.inhalt == "hilfe":
            hilfe = [d for d in (page_doc(root, f"book/hilfe/{n}") for n in HILFE_SECTIONS) if d]
            hilfe_index = page_doc(root, "book/hilfe/index")
            if hilfe_index:
                chapters = [{"file": hilfe_index, **({"sections": [{"file": d} for d in hilfe]} if hilfe else {})}]
            else:
                chapters = [{"file": d} for d in hilfe]
        else:   # ausgabe
            chapters = [{"file": d} for d in [edition_page(root, meta)] if d]
        if chapters:
            parts.append({"caption": teil.caption, "chapters": chapters})
    toc["parts"] = parts
    return toc


def write_toc(jobcenter, meta: dict, root: Path, model: sitemodel.SiteModel | None = None) -> dict:
    """Write book/generated/*.md and _toc.yml under root; returns the TOC structure."""
    if not (root / "book" / "intro.md").is_file():
        raise BuchFehler(f"Startseite fehlt: {root / 'book' / 'intro.md'}")
    model = model or sitemodel.laden()
    jc = _frame(jobcenter)
    pages = Pages(root, model)
    gen = root / "book" / "generated"
    gen.mkdir(parents=True, exist_ok=True)
    for name, render in zip(GENERATED, (render_a_z, render_nach_land, render_vergleichstypen)):
        _write_if_changed(gen / f"{name}.md", render(jc, meta, pages))
    toc = build_toc(jobcenter, meta, root, model)
    text = "# Erzeugt von `python -m helpers toc` aus dem Datenbestand. Nicht von Hand ändern.\n"
    text += yaml.safe_dump(toc, allow_unicode=True, sort_keys=False, width=200)
    _write_if_changed(root / "_toc.yml", text)
    return toc


def _write_if_changed(path: Path, text: str) -> None:
    """Keep mtimes (and so Sphinx's incremental build) when nothing changed."""
    if path.exists() and path.read_text(encoding="utf-8") == text:
        return
    path.write_text(text, encoding="utf-8")


def toc_files(toc: dict) -> list[str]:
    """All document entries of a TOC structure, in order."""
    out = [toc["root"]]

    def walk(items):
        for it in items:
            out.append(it["file"])
            walk(it.get("sections", []))

    for part in toc.get("parts", []):
        walk(part["chapters"])
    return out


# --------------------------------------------------------------------------------------------
# Static assets (libraries from node_modules, German locale, map geometry)


def prepare_assets(dest: Path, root: Path) -> Path:
    """Copy the vega libraries and write locale and geometry files into dest (idempotent)."""
    node = root / "node_modules"
    dest.mkdir(parents=True, exist_ok=True)
    for target, src in VENDOR_LIBS.items():
        source = node / src
        if not source.is_file():
            raise BuchFehler(
                f"Diagramm-Bibliothek fehlt: {source}. Bitte `make setup` (npm ci) ausführen."
            )
        out = dest / target
        if not out.exists() or out.stat().st_size != source.stat().st_size or out.stat().st_mtime < source.stat().st_mtime:
            shutil.copy2(source, out)
    locale = {"format": fmt.D3_FORMAT_LOCALE, "time": fmt.D3_TIME_LOCALE}
    _write_if_changed(
        dest / "vega-locale-de.js",
        "/* German number and date formats (helpers.fmt: the same as the page tables). */\n"
        f"window.HANDBUCH_VEGA_LOCALE = {json.dumps(locale, ensure_ascii=False, sort_keys=True)};\n",
    )
    from helpers import maps

    maps.write_geometry(dest / "geo", root / "data" / "reference" / "geo")
    return dest


# --------------------------------------------------------------------------------------------
# Offline check of the built site

_EXTERNAL_LOAD = re.compile(
    r"<(?:script|img|iframe|source|audio|video|embed)\b[^>]*\ssrc=[\"'](?:https?:)?//[^\"']+[\"']"
    r"|<link\b[^>]*\shref=[\"'](?:https?:)?//[^\"']+[\"'][^>]*>",
    re.IGNORECASE,
)


def external_loads(outdir: Path) -> list[str]:
    """Tags in the built HTML that would load something from another host."""
    found = []
    for page in sorted(outdir.rglob("*.html")):
        text = page.read_text(encoding="utf-8", errors="replace")
        for m in _EXTERNAL_LOAD.finditer(text):
            tag = m.group(0)
            if tag.lower().startswith("<link") and re.search(r"rel=[\"'](?:canonical|alternate)", tag):
                continue
            found.append(f"{page.relative_to(outdir)}: {tag[:160]}")
    return found


# --------------------------------------------------------------------------------------------
# Build

ZEITEN: dict[str, float] = {}   # seconds of the last build's parts (Sphinx, download files)


def build(root: Path, out: Path, meta: dict, *, fresh: bool = False, quiet: bool = False,
          mart_dir: Path | None = None, jobs: int | None = None) -> int:
    """Build the site; returns the Sphinx status (0 = ok). The pages' download files and the
    edition's data package are written from the mart at mart_dir (default data/processed).
    ``jobs``: Sphinx processes (default $HANDBUCH_BUCH_JOBS, else 1). ``jobs=2`` builds the same
    bytes (helpers.sphinx_leicht makes every loaded extension parallel-safe), but on the shared
    2-core machine it measured slower than serial (forked readers pickle every doctree back)."""
    from jupyter_book.sphinx import build_sphinx

    if jobs is None:
        jobs = int(os.environ.get("HANDBUCH_BUCH_JOBS") or 1)
    cfg_path = root / "_config.yml"
    cfg = load_config(cfg_path)
    toc_path = root / "_toc.yml"
    if not toc_path.exists():
        raise BuchFehler("_toc.yml fehlt. Bitte zuerst `python -m helpers toc` ausführen.")

    out = out.resolve()
    work = root / "_build" / ".buch" / hashlib.sha1(str(out).encode()).hexdigest()[:10]
    # Sphinx/myst-nb put work folders (jupyter_execute/) beside the output folder. Any --out other
    # than _build/html is therefore built in the work folder and copied only after success, so a
    # dated edition never holds work files or a half-written site.
    staged = out != (root / "_build" / "html").resolve()
    site = work / "html" if staged else out
    if out.exists() and any(out.iterdir()) and not (out / ".buildinfo").exists():
        raise BuchFehler(f"Zielordner {out} ist nicht leer und kein Handbuch-Build; bitte leeren.")
    assets = prepare_assets(root / "_build" / ".assets", root)
    overrides = runtime_overrides(meta)
    static = list(cfg["sphinx"]["config"]["html_static_path"]) + [str(assets)]
    overrides["html_static_path"] = static
    overrides["external_toc_path"] = toc_path.as_posix()
    overrides["latex_individualpages"] = False
    overrides["nitpicky"] = True

    # Rebuild everything when the TOC, the config or the run-time values changed (Sphinx would
    # otherwise keep stale sidebars on pages whose source did not change).
    # The static files count too: their checksums are the ?v= query strings on every page.
    statics = b"".join(
        f.relative_to(d).as_posix().encode() + hashlib.sha256(f.read_bytes()).digest()
        for d in (root / p for p in static) for f in sorted(d.rglob("*")) if f.is_file()
    )
    stamp = hashlib.sha256(
        toc_path.read_bytes() + cfg_path.read_bytes() + json.dumps(overrides, sort_keys=True).encode()
        + statics
    ).hexdigest()
    stamp_file = work / "stamp"
    if not fresh and not (stamp_file.exists() and stamp_file.read_text() == stamp and site.exists()):
        fresh = True
    if fresh:
        # A full build starts from an empty site: no stale pages of Jobcenter no longer listed.
        _clear_site(site)
        if (work / "doctrees").exists():
            shutil.rmtree(work / "doctrees")
    work.mkdir(parents=True, exist_ok=True)

    t_sphinx = time.perf_counter()
    result = build_sphinx(
        root, site,
        use_external_toc=True, noconfig=True, path_config=str(cfg_path),
        confoverrides=overrides, doctreedir=str(work / "doctrees"),
        builder="html", warningiserror=True, keep_going=True,
        freshenv=fresh, force_all=fresh, quiet=quiet, jobs=jobs,
    )
    if isinstance(result, Exception):
        return 1
    if result:
        return int(result)
    stamp_file.write_text(stamp)
    (site / "index.html").write_text(vorlagen.render("publish/weiterleitung.html", ziel="book/intro.html") + "\n",
                                     encoding="utf-8")
    (site / ".nojekyll").write_text("")
    bad = external_loads(site)
    if bad:
        print("Externe Ressourcen im gebauten Handbuch (nicht erlaubt):", file=sys.stderr)
        for line in bad[:20]:
            print("  " + line, file=sys.stderr)
        return 1
    ZEITEN["sphinx"] = time.perf_counter() - t_sphinx
    if staged:
        _clear_site(out)
        shutil.copytree(site, out, dirs_exist_ok=True)
    t_downloads = time.perf_counter()
    _write_downloads(root, out, mart_dir)     # once, into the final site (not into the work copy)
    ZEITEN["downloads"] = time.perf_counter() - t_downloads
    return 0


def _write_downloads(root: Path, site: Path, mart_dir: Path | None) -> None:
    """The downloads folder (helpers.downloads: per unit CSV/XLSX, the data package), generated once
    per mart content and linked into the site; skipped for a mart without the Steuerung tables (an
    older or hand-made test mart)."""
    from helpers import downloads

    mdir = Path(mart_dir) if mart_dir else paths.MART_DIR
    if all((mdir / f).is_file() for f in ("meta.json", "steuerung.parquet")):
        downloads.write_site(site, mdir, root / "_build" / ".downloads")


def _clear_site(path: Path) -> None:
    """Empty a site folder, refusing folders that are not a previous build."""
    if path.exists() and any(path.iterdir()):
        if not (path / ".buildinfo").exists():
            raise BuchFehler(f"Zielordner {path} ist nicht leer und kein Handbuch-Build; bitte leeren.")
        shutil.rmtree(path)


# --------------------------------------------------------------------------------------------
# CLI


def _cmd_toc(args) -> int:
    root = paths.ROOT
    try:
        mart_dir = Path(args.mart) if args.mart else None
        meta = read_meta(mart_dir)
        model = sitemodel.laden(root)
        toc = write_toc(read_jobcenter(mart_dir), meta, root, model)
    except (BuchFehler, sitemodel.ConfigError) as exc:
        print(f"Fehler: {exc}", file=sys.stderr)
        return 2
    files = toc_files(toc)
    jc_prefix = f"{sitemodel.PAGES_ROOT}{model.satz('jobcenter').ordner}/" if model.hat("jobcenter") else None
    n_jc = sum(1 for f in files if jc_prefix and f.startswith(jc_prefix))
    print(f"Inhaltsverzeichnis geschrieben: {root / '_toc.yml'} ({len(files)} Seiten, davon {n_jc} Jobcenter).")
    return 0


def _cmd_build(args) -> int:
    root = paths.ROOT
    out = Path(args.out) if args.out else root / "_build" / "html"
    t0 = time.perf_counter()
    try:
        meta = read_meta(Path(args.mart) if args.mart else None)
        status = build(root, out, meta, fresh=args.neu, quiet=args.leise,
                       mart_dir=Path(args.mart) if args.mart else None, jobs=args.jobs)
    except BuchFehler as exc:
        print(f"Fehler: {exc}", file=sys.stderr)
        return 2
    dauer = time.perf_counter() - t0
    if status:
        print(f"Buch-Build fehlgeschlagen nach {fmt.sekunden(dauer)} (Warnungen gelten als Fehler; siehe oben).", file=sys.stderr)
        return 1
    teile = (f" (Sphinx {fmt.sekunden(ZEITEN['sphinx'])}, Downloads {fmt.sekunden(ZEITEN['downloads'])})"
             if ZEITEN else "")
    print(f"Buch gebaut in {fmt.sekunden(dauer)}{teile}: {out / 'index.html'}")
    return 0


def register(subparsers) -> None:
    p = subparsers.add_parser("toc", help="Inhaltsverzeichnis und Übersichtsseiten aus den Daten erzeugen")
    p.add_argument("--mart", help="Ordner des Datenbestands (Standard: data/processed)")
    p.set_defaults(func=_cmd_toc)

    p = subparsers.add_parser("build", help="Das Handbuch bauen (HTML, offline)")
    p.add_argument("--out", help="Zielordner (Standard: _build/html)")
    p.add_argument("--mart", help="Ordner des Datenbestands (Standard: data/processed)")
    p.add_argument("--neu", action="store_true", help="Alles neu bauen (ohne Zwischenstände)")
    p.add_argument("--leise", action="store_true", help="Weniger Ausgaben")
    p.add_argument("--jobs", "-j", type=int, metavar="N",
                   help="parallele Sphinx-Prozesse (Standard: $HANDBUCH_BUCH_JOBS, sonst 1)")
    p.set_defaults(func=_cmd_build)
