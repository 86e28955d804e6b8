"""HTML fragments of the pages from Jinja2 templates (``helpers/templates/``).

One environment: autoescape on, StrictUndefined (a missing value is an error, not an empty
string). Data is escaped like ``html.escape`` (``&quot;``/``&#x27;``, as ``text.zeichen_html``),
so every value in a template is text; already-rendered fragments are passed in as
``Markup(render(...))`` and are the only Markup in the pages.

``render`` returns ``str`` (not Markup): the result is joined with other page HTML and shown
with ``IPython.display.HTML``; concatenating a Markup with a str would escape the str.
"""

from __future__ import annotations

import functools
import html

import jinja2
from markupsafe import Markup

__all__ = ["BR", "Markup", "element", "lauf", "link", "render", "tabelle", "td", "th", "zeile"]


def _finalize(value):
    """Escape every value the way html.escape does; Markup (rendered fragments, macros) stays."""
    if hasattr(value, "__html__"):
        return value
    return Markup(html.escape(str(value)))


@functools.cache
def umgebung() -> jinja2.Environment:
    return jinja2.Environment(loader=jinja2.PackageLoader("helpers", "templates"), autoescape=True,
                              auto_reload=False, undefined=jinja2.StrictUndefined, finalize=_finalize,
                              trim_blocks=True, lstrip_blocks=True)


def render(name: str, **werte) -> str:
    """The fragment ``templates/<name>`` with ``werte``, as HTML text."""
    return str(umgebung().get_template(name).render(**werte))


# ---------------------------------------------------------------- tables and runs of parts as data
# A part of a run (macro ``teile`` in templates/teile/_makros.html) is a text (escaped), a rendered
# fragment (``Markup(render(...))``), a link (``link``) or an inline element (``element``).

ELEMENTE = frozenset({"small", "span", "strong", "b", "code", "br"})
BR = {"el": "br"}


def link(url: str | None, label, title: str | None = None) -> dict:
    """A link as a part (url None: the label as text)."""
    return {"url": url, "label": str(label), "title": title}


def element(el: str, *teile, klasse: str | None = None) -> dict:
    """An inline element (``small``, ``span`` …) holding parts."""
    if el not in ELEMENTE:
        raise ValueError(f"kein erlaubtes Element: {el!r}")
    return {"el": el, "klasse": klasse, "teile": teile}


def _zelle(tag: str, teile, attrs: dict) -> dict:
    return {"tag": tag, "teile": teile,
            "attrs": [("class" if k == "klasse" else k, v) for k, v in attrs.items() if v is not None]}


def td(*teile, **attrs) -> dict:
    """A data cell of parts; attributes as keywords (``klasse`` for class), in their order."""
    return _zelle("td", teile, attrs)


def th(*teile, **attrs) -> dict:
    """A header cell of parts (``scope``, ``rowspan``, ``colspan`` … as keywords)."""
    return _zelle("th", teile, attrs)


def zeile(zellen: list, klasse: str | None = None, **attrs) -> dict:
    """A table row of cells (``td``/``th``); attributes as keywords, class first."""
    return {"zellen": zellen, "attrs": _zelle("tr", (), {"klasse": klasse, **attrs})["attrs"]}


def lauf(*teile) -> str:
    """A run of parts as HTML (template ``teile/lauf.html``), e.g. a message of the explorer."""
    return render("teile/lauf.html", inhalt=teile)


def tabelle(klasse: str, kopf: list, zeilen: list, caption=None) -> str:
    """A table (template ``teile/tabelle.html``): head and body rows (``zeile``), caption parts."""
    return render("teile/tabelle.html", klasse=klasse, kopf=kopf, zeilen=zeilen,
                  caption=None if caption is None else (caption,) if isinstance(caption, str) else caption)
