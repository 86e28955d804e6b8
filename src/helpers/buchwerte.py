"""Sphinx extension: the run-time values of the start page without Jinja.

MyST substitutions render every page through Jinja (no sandbox), so a delivery string such as
``{{ cycler.__init__.__globals__.os.system(...) }}`` would run during the build. The extension
``substitution`` is therefore off; instead this extension replaces the two fixed placeholders
``{{ datenstand }}`` and ``{{ demo_hinweis }}`` in the hand-written start page only, with values
from the build command (escaped as literal Markdown text). Nothing is evaluated.
"""

from __future__ import annotations

from helpers.mdsafe import md_text

DOCS = ("book/intro",)
KEYS = ("datenstand", "demo_hinweis")


def _replace(app, docname: str, source: list[str]) -> None:
    if docname not in DOCS:
        return
    werte = app.config.handbuch_werte or {}
    text = source[0]
    for key in KEYS:
        text = text.replace("{{ " + key + " }}", md_text(werte.get(key, "")))
    source[0] = text


def setup(app):
    app.add_config_value("handbuch_werte", {}, "env", types=[dict])
    app.connect("source-read", _replace)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1"}
