"""Sphinx extension: the run-time values of the start page without Jinja.

MyST substitutions render every page through Jinja (no sandbox), so a delivery string such as
``{{ cycler.__init__.__globals__.os.system(...) }}`` would run during the build. The extension
``substitution`` is therefore off; instead this extension replaces the two fixed placeholders
``{{ datenstand }}`` and ``{{ demo_hinweis }}`` in the hand-written start page only, with values
from the build command (escaped as literal Markdown text). Nothing is evaluated.

The Hilfe overview's ``{{ kennzahlen_tabelle }}`` is the table of the 15 figures drawn from
``helpers.kennzahlen`` (code, name, short name, Ziel, unit, reading, Hilfe anchor), and the
section headings of the figures in ziel1-3 (``{{ kennzahl_titel K2 }}``) carry their names from
there, so nothing about a figure is written twice.
"""

from __future__ import annotations

import html
import re

from helpers.kennzahlen import KENNZAHLEN
from helpers.mdsafe import md_text

DOCS = ("book/intro",)
KEYS = ("datenstand", "demo_hinweis")
HILFE = "book/hilfe/index"
TABELLE = "{{ kennzahlen_tabelle }}"
ZIELE = ("book/hilfe/ziel1", "book/hilfe/ziel2", "book/hilfe/ziel3")
TITEL = re.compile(r"\{\{ kennzahl_titel (K[1-3](?:E[1-4])?) \}\}")


def kennzahl_titel(code: str) -> str:
    """The heading of a figure's Hilfe section: "K2 – Integrationsquote"."""
    return f"{code} – {md_text(KENNZAHLEN[code].name)}"


def kennzahlen_tabelle() -> str:
    """The Markdown table of the 15 figures (Hilfe overview) from ``KENNZAHLEN``."""
    zeilen = ["| Code | Name | Kurzname | Ziel | Einheit | Lesart |", "|---|---|---|---|---|---|"]
    for k in KENNZAHLEN.values():
        zeilen.append(f"| {{ref}}`{k.code} <{k.anker}>` | {md_text(k.name)} | {md_text(k.kurz)} | {k.ziel} "
                      f"| {md_text(k.einheit)} | {md_text(k.lesart)} |")
    return "\n".join(zeilen)


def _replace(app, docname: str, source: list[str]) -> None:
    if docname == HILFE:
        source[0] = source[0].replace(TABELLE, kennzahlen_tabelle())
        return
    if docname in ZIELE:
        source[0] = TITEL.sub(lambda m: kennzahl_titel(m.group(1)), source[0])
        return
    if docname not in DOCS:
        return
    werte = app.config.handbuch_werte or {}
    text = source[0]
    for key in KEYS:
        text = text.replace("{{ " + key + " }}", md_text(werte.get(key, "")))
    source[0] = text


def _reread_indexed(app, env, added, changed, removed) -> list[str]:
    entries = getattr(env.get_domain("index"), "entries", {}) or {}
    # the Hilfe pages filled from KENNZAHLEN are re-read too (cheap; names may have changed)
    return sorted(({d for d, items in entries.items() if items} | {HILFE, *ZIELE}) & set(env.found_docs))


def _escape_pagetitle(app, pagename, templatename, context, doctree) -> None:
    if isinstance(context.get("pagetitle"), str):
        context["pagetitle"] = html.escape(context["pagetitle"])


def setup(app):
    app.add_config_value("handbuch_werte", {}, "env", types=[dict])
    app.connect("source-read", _replace)
    app.connect("env-get-outdated", _reread_indexed)
    app.connect("html-page-context", _escape_pagetitle, priority=900)   # after the theme (500)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1"}
